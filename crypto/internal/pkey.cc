#include "crypto/internal/pkey.h"

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace enlace::internal {

constexpr size_t kRawKeySize = 32;  // both Ed25519 and X25519

// A bound on SPKI input: an Ed25519/X25519 SPKI is 44 bytes; anything much larger is not one.
constexpr size_t kMaxSpkiSize = 256;

absl::StatusOr<EvpPkeyPtr> PublicKeyFromRaw(int type, absl::string_view name,
                                            absl::string_view raw32) {
  if (raw32.size() != kRawKeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " public key must be ", kRawKeySize, " bytes, got ", raw32.size()));
  }
  EvpPkeyPtr key(EVP_PKEY_new_raw_public_key(type, nullptr, Uchar(raw32), raw32.size()));
  if (key == nullptr) return OpenSslError(absl::StrCat("loading a raw ", name, " public key"));
  return key;
}

absl::StatusOr<EvpPkeyPtr> PrivateKeyFromRaw(int type, absl::string_view name,
                                             const SecretBytes& raw32) {
  if (raw32.size() != kRawKeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " private key must be ", kRawKeySize, " bytes, got ", raw32.size()));
  }
  EvpPkeyPtr key(EVP_PKEY_new_raw_private_key(type, nullptr, raw32.data(), raw32.size()));
  if (key == nullptr) return OpenSslError(absl::StrCat("loading a raw ", name, " private key"));
  return key;
}

absl::StatusOr<EvpPkeyPtr> PublicKeyFromSpkiDer(int type, absl::string_view name,
                                                absl::string_view der) {
  if (der.size() > kMaxSpkiSize) {
    return absl::InvalidArgumentError(absl::StrCat("a ", name, " SubjectPublicKeyInfo is at most ",
                                                   kMaxSpkiSize, " bytes, got ", der.size()));
  }
  const unsigned char* p = Uchar(der);
  EvpPkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));  // NOLINT
  if (key == nullptr) {
    ClearOpenSslErrors();
    return absl::InvalidArgumentError(
        absl::StrCat("not a DER SubjectPublicKeyInfo (expected a ", name, " public key)"));
  }
  if (p != Uchar(der) + der.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("trailing bytes after the ", name, " SubjectPublicKeyInfo"));
  }
  if (EVP_PKEY_get_id(key.get()) != type) {
    return absl::InvalidArgumentError(absl::StrCat("SubjectPublicKeyInfo holds a ",
                                                   OBJ_nid2sn(EVP_PKEY_get_id(key.get())),
                                                   " key, expected ", name));
  }
  ASSIGN_OR_RETURN(Bytes raw, RawPublicKeyOf(key.get()));
  if (SpkiDerFromRaw(type, raw) != der) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ", name, " SubjectPublicKeyInfo is not in canonical DER"));
  }
  return key;
}

Bytes SpkiDerFromRaw(int type, absl::string_view raw32) {
  // 30 2a: SEQUENCE (42), 30 05 06 03 2b 65 xx: AlgorithmIdentifier with OID 1.3.101.xx,
  // 03 21 00: BIT STRING (33) with no unused bits.
  const char oid_last = type == EVP_PKEY_ED25519 ? '\x70' : '\x6e';
  Bytes der = {'\x30', '\x2a', '\x30',   '\x05', '\x06', '\x03',
               '\x2b', '\x65', oid_last, '\x03', '\x21', '\x00'};
  der.append(raw32.data(), raw32.size());
  return der;
}

absl::StatusOr<Bytes> RawPublicKeyOf(EVP_PKEY* key) {
  Bytes raw(kRawKeySize, '\0');
  size_t size = raw.size();
  if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(raw.data()), &size) != 1 ||
      size != kRawKeySize) {
    return OpenSslError("reading a raw public key");
  }
  return raw;
}

absl::StatusOr<SecretBytes> RawPrivateKeyOf(EVP_PKEY* key) {
  SecretBytes raw(kRawKeySize);
  size_t size = raw.size();
  if (EVP_PKEY_get_raw_private_key(key, raw.data(), &size) != 1 || size != kRawKeySize) {
    return OpenSslError("reading a raw private key");
  }
  return raw;
}

}  // namespace enlace::internal
