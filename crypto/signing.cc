#include "crypto/signing.h"

#include <openssl/evp.h>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "crypto/hash.h"
#include "crypto/internal/pkey.h"

namespace enlace {

using internal::OpenSslError;
using internal::Uchar;

Bytes SigningInput(absl::string_view domain, std::initializer_list<absl::string_view> fields) {
  size_t size = 4 + domain.size();
  for (absl::string_view field : fields) size += 4 + field.size();
  Bytes out;
  out.reserve(size);
  AppendLengthPrefixed(domain, &out);
  for (absl::string_view field : fields) AppendLengthPrefixed(field, &out);
  return out;
}

absl::StatusOr<Bytes> KeyIdFromSpki(absl::string_view spki_der) {
  ASSIGN_OR_RETURN(Sha256Digest digest, Sha256(spki_der));
  return DigestBytes(digest).substr(0, kKeyIdSize);
}

absl::StatusOr<Ed25519PublicKey> Ed25519PublicKey::FromEvpPkey(internal::EvpPkeyPtr key) {
  ASSIGN_OR_RETURN(Bytes raw, internal::RawPublicKeyOf(key.get()));
  Bytes spki = internal::SpkiDerFromRaw(EVP_PKEY_ED25519, raw);
  ASSIGN_OR_RETURN(Bytes key_id, KeyIdFromSpki(spki));
  return Ed25519PublicKey(internal::Share(std::move(key)), std::move(raw), std::move(spki),
                          std::move(key_id));
}

absl::StatusOr<Ed25519PublicKey> Ed25519PublicKey::FromRaw(absl::string_view raw32) {
  ASSIGN_OR_RETURN(internal::EvpPkeyPtr key,
                   internal::PublicKeyFromRaw(EVP_PKEY_ED25519, "Ed25519", raw32));
  return FromEvpPkey(std::move(key));
}

absl::StatusOr<Ed25519PublicKey> Ed25519PublicKey::FromSpkiDer(absl::string_view der) {
  ASSIGN_OR_RETURN(internal::EvpPkeyPtr key,
                   internal::PublicKeyFromSpkiDer(EVP_PKEY_ED25519, "Ed25519", der));
  return FromEvpPkey(std::move(key));
}

absl::Status Ed25519PublicKey::Verify(absl::string_view message,
                                      absl::string_view signature) const {
  if (signature.size() != kEd25519SignatureSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "an Ed25519 signature is ", kEd25519SignatureSize, " bytes, got ", signature.size()));
  }
  internal::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) return OpenSslError("EVP_MD_CTX_new");
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1) {
    return OpenSslError("Ed25519 verify init");
  }
  // 1 = valid; 0 = a well-formed signature that does not verify; <0 = malformed input. Both
  // failures are the caller's input being wrong, not an internal error.
  if (EVP_DigestVerify(ctx.get(), Uchar(signature), signature.size(), Uchar(message),
                       message.size()) != 1) {
    internal::ClearOpenSslErrors();
    return absl::InvalidArgumentError(
        absl::StrCat("Ed25519 signature does not verify under key ", HexEncode(key_id_)));
  }
  return absl::OkStatus();
}

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::Generate(RandomSource* random) {
  ASSIGN_OR_RETURN(SecretBytes seed, SecretBytes::Random(kEd25519SeedSize, random));
  return FromSeed(seed);
}

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::FromSeed(const SecretBytes& seed32) {
  ASSIGN_OR_RETURN(internal::EvpPkeyPtr key,
                   internal::PrivateKeyFromRaw(EVP_PKEY_ED25519, "Ed25519", seed32));
  ASSIGN_OR_RETURN(Bytes raw_public, internal::RawPublicKeyOf(key.get()));
  ASSIGN_OR_RETURN(Ed25519PublicKey public_key, Ed25519PublicKey::FromRaw(raw_public));
  return Ed25519PrivateKey(seed32, std::move(key), std::move(public_key));
}

absl::StatusOr<Bytes> Ed25519PrivateKey::Sign(absl::string_view message) const {
  internal::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) return OpenSslError("EVP_MD_CTX_new");
  if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1) {
    return OpenSslError("Ed25519 sign init");
  }
  Bytes signature(kEd25519SignatureSize, '\0');
  size_t size = signature.size();
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                     Uchar(message), message.size()) != 1 ||
      size != kEd25519SignatureSize) {
    return OpenSslError("Ed25519 sign");
  }
  return signature;
}

}  // namespace enlace
