#include "crypto/key_files.h"

#include <openssl/crypto.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <cctype>
#include <climits>
#include <memory>

#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "base/status_macros.h"
#include "crypto/internal/openssl_util.h"
#include "crypto/internal/pkey.h"

namespace enlace {
namespace {

using internal::BioPtr;
using internal::OpenSslDeleter;
using internal::OpenSslError;
using internal::Uchar;

using X509SigPtr = std::unique_ptr<X509_SIG, OpenSslDeleter<X509_SIG, X509_SIG_free>>;
using Pkcs8Ptr = std::unique_ptr<PKCS8_PRIV_KEY_INFO,
                                 OpenSslDeleter<PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free>>;
using AlgorPtr = std::unique_ptr<X509_ALGOR, OpenSslDeleter<X509_ALGOR, X509_ALGOR_free>>;
using Pbe2ParamPtr = std::unique_ptr<PBE2PARAM, OpenSslDeleter<PBE2PARAM, PBE2PARAM_free>>;
using ScryptParamsPtr =
    std::unique_ptr<SCRYPT_PARAMS, OpenSslDeleter<SCRYPT_PARAMS, SCRYPT_PARAMS_free>>;

constexpr char kPrivateKeyLabel[] = "PRIVATE KEY";
constexpr char kEncryptedLabel[] = "ENCRYPTED PRIVATE KEY";
constexpr char kPublicKeyLabel[] = "PUBLIC KEY";
constexpr size_t kSaltSize = 16;
constexpr size_t kCbcIvSize = 16;

template <typename Key>
struct KeyTraits;
template <>
struct KeyTraits<Ed25519PrivateKey> {
  static constexpr int kType = EVP_PKEY_ED25519;
  static constexpr const char* kName = "Ed25519";
  static const SecretBytes& Raw(const Ed25519PrivateKey& key) { return key.seed(); }
  static absl::StatusOr<Ed25519PrivateKey> FromRaw(const SecretBytes& raw) {
    return Ed25519PrivateKey::FromSeed(raw);
  }
};
template <>
struct KeyTraits<X25519PrivateKey> {
  static constexpr int kType = EVP_PKEY_X25519;
  static constexpr const char* kName = "X25519";
  static const SecretBytes& Raw(const X25519PrivateKey& key) { return key.raw(); }
  static absl::StatusOr<X25519PrivateKey> FromRaw(const SecretBytes& raw) {
    return X25519PrivateKey::FromRaw(raw);
  }
};

absl::Status CheckSize(absl::string_view what, size_t size) {
  if (size > kMaxKeyFileSize) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " is ", size, " bytes; at most ", kMaxKeyFileSize, " are accepted"));
  }
  return absl::OkStatus();
}

// The DER inside the one PEM block labelled `label` in `pem`, in wiped memory. Text before the
// block is tolerated (as OpenSSL does); anything but whitespace after it is not.
absl::StatusOr<SecretBytes> ReadPemBlock(absl::string_view pem, const char* label) {
  RETURN_IF_ERROR(CheckSize("PEM input", pem.size()));
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return OpenSslError("BIO_new_mem_buf");
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long size = 0;  // NOLINT(runtime/int): OpenSSL's type
  if (PEM_read_bio(bio.get(), &name, &header, &data, &size) != 1) {
    internal::ClearOpenSslErrors();
    return absl::InvalidArgumentError(
        absl::StrCat("no PEM block found (expected \"-----BEGIN ", label, "-----\")"));
  }
  const std::string found = name;
  const bool has_headers = header != nullptr && header[0] != '\0';
  SecretBytes der(
      absl::string_view(reinterpret_cast<const char*>(data), static_cast<size_t>(size)));
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_clear_free(data, static_cast<size_t>(size));
  if (found != label) {
    return absl::InvalidArgumentError(
        absl::StrCat("PEM block is \"", found, "\", expected \"", label, "\""));
  }
  if (has_headers) {
    return absl::InvalidArgumentError("PEM block has headers (legacy encryption is not accepted)");
  }
  char rest[256];
  int n;
  while ((n = BIO_read(bio.get(), rest, sizeof(rest))) > 0) {
    for (int i = 0; i < n; ++i) {
      if (!std::isspace(static_cast<unsigned char>(rest[i]))) {
        return absl::InvalidArgumentError(
            absl::StrCat("unexpected data after the ", label, " PEM block"));
      }
    }
  }
  return der;
}

// `der` as a PEM block labelled `label`, written through a secure-heap BIO so that the text of a
// private key is wiped when the BIO is freed.
absl::StatusOr<SecretBytes> WritePemBlock(absl::string_view der, const char* label) {
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (bio == nullptr) return OpenSslError("BIO_new(BIO_s_secmem)");
  if (PEM_write_bio(bio.get(), label, "", Uchar(der), static_cast<long>(der.size())) <=
      0) {  // NOLINT
    return OpenSslError(absl::StrCat("writing a ", label, " PEM block"));
  }
  char* text = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &text);  // NOLINT(runtime/int)
  if (size <= 0 || text == nullptr) return OpenSslError("reading a PEM BIO");
  return SecretBytes(absl::string_view(text, static_cast<size_t>(size)));
}

// RFC 7468 text encoding of a public key: base64 in 64-character lines.
std::string SpkiPem(absl::string_view der) {
  const std::string base64 = Base64Encode(der);
  std::string pem = absl::StrCat("-----BEGIN ", kPublicKeyLabel, "-----\n");
  for (size_t i = 0; i < base64.size(); i += 64) {
    absl::StrAppend(&pem, base64.substr(i, 64), "\n");
  }
  absl::StrAppend(&pem, "-----END ", kPublicKeyLabel, "-----\n");
  return pem;
}

absl::StatusOr<SecretBytes> Pkcs8Der(int type, absl::string_view name, const SecretBytes& raw) {
  ASSIGN_OR_RETURN(internal::EvpPkeyPtr key, internal::PrivateKeyFromRaw(type, name, raw));
  Pkcs8Ptr info(EVP_PKEY2PKCS8(key.get()));
  if (info == nullptr) return OpenSslError("EVP_PKEY2PKCS8");
  unsigned char* der = nullptr;
  const int size = i2d_PKCS8_PRIV_KEY_INFO(info.get(), &der);
  if (size <= 0) return OpenSslError("encoding PKCS#8");
  SecretBytes out(absl::string_view(reinterpret_cast<const char*>(der), static_cast<size_t>(size)));
  OPENSSL_clear_free(der, static_cast<size_t>(size));
  return out;
}

// The parameters of one X509_ALGOR's SEQUENCE, decoded with `d2i`.
template <typename T, T* (*D2i)(T**, const unsigned char**, long)>  // NOLINT(runtime/int)
T* UnpackParameters(const X509_ALGOR* algorithm) {
  int type = 0;
  const void* value = nullptr;
  X509_ALGOR_get0(nullptr, &type, &value, algorithm);
  if (type != V_ASN1_SEQUENCE || value == nullptr) return nullptr;
  const ASN1_STRING* sequence = static_cast<const ASN1_STRING*>(value);
  const unsigned char* p = ASN1_STRING_get0_data(sequence);
  return D2i(nullptr, &p, ASN1_STRING_length(sequence));
}

int AlgorithmNid(const X509_ALGOR* algorithm) {
  const ASN1_OBJECT* oid = nullptr;
  X509_ALGOR_get0(&oid, nullptr, nullptr, algorithm);
  return OBJ_obj2nid(oid);
}

// Refuses anything but PBES2 with scrypt within the cost limits, before any key derivation.
absl::Status CheckEncryptionScheme(const X509_SIG* sig) {
  const X509_ALGOR* algorithm = nullptr;
  X509_SIG_get0(sig, &algorithm, nullptr);
  if (AlgorithmNid(algorithm) != NID_pbes2) {
    return absl::InvalidArgumentError(
        "encrypted key uses an old scheme; only PBES2 with scrypt is accepted "
        "(re-encrypt with: openssl pkcs8 -topk8 -scrypt)");
  }
  Pbe2ParamPtr pbe2(UnpackParameters<PBE2PARAM, d2i_PBE2PARAM>(algorithm));
  if (pbe2 == nullptr || AlgorithmNid(pbe2->keyfunc) != NID_id_scrypt) {
    internal::ClearOpenSslErrors();
    return absl::InvalidArgumentError(
        "encrypted key does not use scrypt; only PBES2 with scrypt is accepted "
        "(re-encrypt with: openssl pkcs8 -topk8 -scrypt)");
  }
  ScryptParamsPtr scrypt(UnpackParameters<SCRYPT_PARAMS, d2i_SCRYPT_PARAMS>(pbe2->keyfunc));
  uint64_t n = 0, r = 0, p = 0;
  if (scrypt == nullptr || ASN1_INTEGER_get_uint64(&n, scrypt->costParameter) != 1 ||
      ASN1_INTEGER_get_uint64(&r, scrypt->blockSize) != 1 ||
      ASN1_INTEGER_get_uint64(&p, scrypt->parallelizationParameter) != 1) {
    internal::ClearOpenSslErrors();
    return absl::InvalidArgumentError("encrypted key has malformed scrypt parameters");
  }
  if (n > kMaxScryptN || r > kMaxScryptR || p > kMaxScryptP) {
    return absl::InvalidArgumentError(absl::StrCat(
        "encrypted key asks for scrypt N=", n, " r=", r, " p=", p, "; at most N=", kMaxScryptN,
        " r=", kMaxScryptR, " p=", kMaxScryptP, " are accepted"));
  }
  return absl::OkStatus();
}

absl::StatusOr<SecretBytes> ReadKeyFile(absl::string_view path) {
  RETURN_IF_ERROR(CheckPrivateFile(path));
  ASSIGN_OR_RETURN(std::string text, ReadFile(path, kMaxKeyFileSize));
  SecretBytes contents(text);
  OPENSSL_cleanse(text.data(), text.size());
  return contents;
}

absl::Status WriteKeyFile(absl::string_view path, absl::string_view pem) {
  return WriteFileAtomically(path, pem, 0600);
}

template <typename Key>
absl::StatusOr<SecretBytes> TypedPrivateKeyPem(const Key& key) {
  ASSIGN_OR_RETURN(SecretBytes der, Pkcs8Der(KeyTraits<Key>::kType, KeyTraits<Key>::kName,
                                             KeyTraits<Key>::Raw(key)));
  return WritePemBlock(der.view(), kPrivateKeyLabel);
}

template <typename Key>
absl::StatusOr<std::string> TypedEncryptPrivateKeyPem(const Key& key, const SecretBytes& passphrase,
                                                      RandomSource* random,
                                                      const KeyFileOptions& options) {
  ASSIGN_OR_RETURN(SecretBytes pem, TypedPrivateKeyPem(key));
  return EncryptPkcs8Pem(pem, passphrase, random, options);
}

}  // namespace

absl::StatusOr<std::string> EncryptPkcs8Pem(const SecretBytes& pkcs8_pem,
                                            const SecretBytes& passphrase, RandomSource* random,
                                            const KeyFileOptions& options) {
  if (passphrase.empty()) return absl::InvalidArgumentError("the passphrase is empty");
  if (passphrase.size() > INT_MAX) return absl::InvalidArgumentError("the passphrase is too long");
  ASSIGN_OR_RETURN(SecretBytes der, ReadPemBlock(pkcs8_pem.view(), kPrivateKeyLabel));
  const unsigned char* p = der.data();
  Pkcs8Ptr info(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size())));  // NOLINT
  if (info == nullptr) {
    internal::ClearOpenSslErrors();
    return absl::InvalidArgumentError("the PRIVATE KEY PEM does not hold PKCS#8");
  }
  unsigned char salt[kSaltSize], iv[kCbcIvSize];
  RETURN_IF_ERROR(random->Fill(absl::MakeSpan(salt)));
  RETURN_IF_ERROR(random->Fill(absl::MakeSpan(iv)));
  AlgorPtr scheme(PKCS5_pbe2_set_scrypt(EVP_aes_256_cbc(), salt, kSaltSize, iv, options.scrypt_n,
                                        options.scrypt_r, options.scrypt_p));
  if (scheme == nullptr) return OpenSslError("PBES2/scrypt parameters");
  X509SigPtr encrypted(PKCS8_set0_pbe(reinterpret_cast<const char*>(passphrase.data()),
                                      static_cast<int>(passphrase.size()), info.get(),
                                      scheme.get()));
  if (encrypted == nullptr) return OpenSslError("PKCS#8 encryption");
  scheme.release();  // now owned by `encrypted`
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_PKCS8(bio.get(), encrypted.get()) != 1) {
    return OpenSslError("writing an ENCRYPTED PRIVATE KEY PEM");
  }
  char* text = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &text);  // NOLINT(runtime/int)
  if (size <= 0 || text == nullptr) return OpenSslError("reading a PEM BIO");
  return std::string(text, static_cast<size_t>(size));
}

absl::StatusOr<SecretBytes> DecryptPkcs8Pem(absl::string_view pem, const SecretBytes& passphrase) {
  if (passphrase.size() > INT_MAX) return absl::InvalidArgumentError("the passphrase is too long");
  ASSIGN_OR_RETURN(SecretBytes der, ReadPemBlock(pem, kEncryptedLabel));
  const unsigned char* p = der.data();
  X509SigPtr sig(d2i_X509_SIG(nullptr, &p, static_cast<long>(der.size())));  // NOLINT
  if (sig == nullptr || p != der.data() + der.size()) {
    internal::ClearOpenSslErrors();
    return absl::InvalidArgumentError("the ENCRYPTED PRIVATE KEY PEM does not hold PKCS#8");
  }
  RETURN_IF_ERROR(CheckEncryptionScheme(sig.get()));
  Pkcs8Ptr info(PKCS8_decrypt(sig.get(), reinterpret_cast<const char*>(passphrase.data()),
                              static_cast<int>(passphrase.size())));
  if (info == nullptr) {
    internal::ClearOpenSslErrors();
    return absl::InvalidArgumentError(
        "cannot decrypt the private key: wrong passphrase or a "
        "damaged key file");
  }
  unsigned char* plain = nullptr;
  const int size = i2d_PKCS8_PRIV_KEY_INFO(info.get(), &plain);
  if (size <= 0) return OpenSslError("encoding PKCS#8");
  const SecretBytes plain_der(
      absl::string_view(reinterpret_cast<const char*>(plain), static_cast<size_t>(size)));
  OPENSSL_clear_free(plain, static_cast<size_t>(size));
  return WritePemBlock(plain_der.view(), kPrivateKeyLabel);
}

absl::StatusOr<SecretBytes> PrivateKeyPem(const Ed25519PrivateKey& key) {
  return TypedPrivateKeyPem(key);
}
absl::StatusOr<SecretBytes> PrivateKeyPem(const X25519PrivateKey& key) {
  return TypedPrivateKeyPem(key);
}

template <typename Key>
absl::StatusOr<Key> ParsePrivateKeyPem(const SecretBytes& pem) {
  absl::StatusOr<SecretBytes> der = ReadPemBlock(pem.view(), kPrivateKeyLabel);
  if (!der.ok()) {
    if (pem.view().find(kEncryptedLabel) != absl::string_view::npos) {
      return absl::InvalidArgumentError(
          "the key is encrypted with a passphrase; this reader wants an unencrypted daemon key");
    }
    return der.status();
  }
  const unsigned char* p = der->data();
  Pkcs8Ptr info(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der->size())));  // NOLINT
  internal::EvpPkeyPtr key(info == nullptr ? nullptr : EVP_PKCS82PKEY(info.get()));
  if (key == nullptr || p != der->data() + der->size()) {
    internal::ClearOpenSslErrors();
    return absl::InvalidArgumentError("the PRIVATE KEY PEM does not hold a PKCS#8 key");
  }
  if (EVP_PKEY_get_id(key.get()) != KeyTraits<Key>::kType) {
    return absl::InvalidArgumentError(absl::StrCat("the key file holds a ",
                                                   OBJ_nid2sn(EVP_PKEY_get_id(key.get())),
                                                   " key, expected ", KeyTraits<Key>::kName));
  }
  ASSIGN_OR_RETURN(SecretBytes raw, internal::RawPrivateKeyOf(key.get()));
  return KeyTraits<Key>::FromRaw(raw);
}

absl::StatusOr<std::string> EncryptPrivateKeyPem(const Ed25519PrivateKey& key,
                                                 const SecretBytes& passphrase,
                                                 RandomSource* random,
                                                 const KeyFileOptions& options) {
  return TypedEncryptPrivateKeyPem(key, passphrase, random, options);
}
absl::StatusOr<std::string> EncryptPrivateKeyPem(const X25519PrivateKey& key,
                                                 const SecretBytes& passphrase,
                                                 RandomSource* random,
                                                 const KeyFileOptions& options) {
  return TypedEncryptPrivateKeyPem(key, passphrase, random, options);
}

template <typename Key>
absl::StatusOr<Key> DecryptPrivateKeyPem(absl::string_view pem, const SecretBytes& passphrase) {
  ASSIGN_OR_RETURN(SecretBytes plain, DecryptPkcs8Pem(pem, passphrase));
  return ParsePrivateKeyPem<Key>(plain);
}

absl::Status WritePrivateKeyFile(absl::string_view path, const Ed25519PrivateKey& key) {
  ASSIGN_OR_RETURN(SecretBytes pem, PrivateKeyPem(key));
  return WriteKeyFile(path, pem.view());
}
absl::Status WritePrivateKeyFile(absl::string_view path, const X25519PrivateKey& key) {
  ASSIGN_OR_RETURN(SecretBytes pem, PrivateKeyPem(key));
  return WriteKeyFile(path, pem.view());
}

absl::Status WriteEncryptedPrivateKeyFile(absl::string_view path, const Ed25519PrivateKey& key,
                                          const SecretBytes& passphrase, RandomSource* random,
                                          const KeyFileOptions& options) {
  ASSIGN_OR_RETURN(std::string pem, EncryptPrivateKeyPem(key, passphrase, random, options));
  return WriteKeyFile(path, pem);
}
absl::Status WriteEncryptedPrivateKeyFile(absl::string_view path, const X25519PrivateKey& key,
                                          const SecretBytes& passphrase, RandomSource* random,
                                          const KeyFileOptions& options) {
  ASSIGN_OR_RETURN(std::string pem, EncryptPrivateKeyPem(key, passphrase, random, options));
  return WriteKeyFile(path, pem);
}

template <typename Key>
absl::StatusOr<Key> ReadPrivateKeyFile(absl::string_view path) {
  ASSIGN_OR_RETURN(SecretBytes pem, ReadKeyFile(path));
  absl::StatusOr<Key> key = ParsePrivateKeyPem<Key>(pem);
  if (!key.ok())
    return absl::Status(key.status().code(), absl::StrCat(path, ": ", key.status().message()));
  return key;
}

template <typename Key>
absl::StatusOr<Key> ReadEncryptedPrivateKeyFile(absl::string_view path,
                                                const SecretBytes& passphrase) {
  ASSIGN_OR_RETURN(SecretBytes pem, ReadKeyFile(path));
  absl::StatusOr<Key> key = DecryptPrivateKeyPem<Key>(pem.view(), passphrase);
  if (!key.ok())
    return absl::Status(key.status().code(), absl::StrCat(path, ": ", key.status().message()));
  return key;
}

std::string PublicKeyPem(const Ed25519PublicKey& key) { return SpkiPem(key.SpkiDer()); }
std::string PublicKeyPem(const X25519PublicKey& key) { return SpkiPem(key.SpkiDer()); }

template <typename PublicKey>
absl::StatusOr<PublicKey> ParsePublicKeyPem(absl::string_view pem) {
  ASSIGN_OR_RETURN(SecretBytes der, ReadPemBlock(pem, kPublicKeyLabel));
  return PublicKey::FromSpkiDer(der.view());
}

template absl::StatusOr<Ed25519PrivateKey> ParsePrivateKeyPem(const SecretBytes&);
template absl::StatusOr<X25519PrivateKey> ParsePrivateKeyPem(const SecretBytes&);
template absl::StatusOr<Ed25519PrivateKey> DecryptPrivateKeyPem(absl::string_view,
                                                                const SecretBytes&);
template absl::StatusOr<X25519PrivateKey> DecryptPrivateKeyPem(absl::string_view,
                                                               const SecretBytes&);
template absl::StatusOr<Ed25519PrivateKey> ReadPrivateKeyFile(absl::string_view);
template absl::StatusOr<X25519PrivateKey> ReadPrivateKeyFile(absl::string_view);
template absl::StatusOr<Ed25519PrivateKey> ReadEncryptedPrivateKeyFile(absl::string_view,
                                                                       const SecretBytes&);
template absl::StatusOr<X25519PrivateKey> ReadEncryptedPrivateKeyFile(absl::string_view,
                                                                      const SecretBytes&);
template absl::StatusOr<Ed25519PublicKey> ParsePublicKeyPem(absl::string_view);
template absl::StatusOr<X25519PublicKey> ParsePublicKeyPem(absl::string_view);

}  // namespace enlace
