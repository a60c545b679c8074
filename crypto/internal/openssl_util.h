// Ownership of OpenSSL handles and turning OpenSSL's error queue into absl::Status. Not API.
#ifndef ENLACE_CRYPTO_INTERNAL_OPENSSL_UTIL_H_
#define ENLACE_CRYPTO_INTERNAL_OPENSSL_UTIL_H_

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace enlace::internal {

template <typename T, void (*Free)(T*)>
struct OpenSslDeleter {
  void operator()(T* p) const { Free(p); }
};

using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY, EVP_PKEY_free>>;
using EvpPkeyCtxPtr =
    std::unique_ptr<EVP_PKEY_CTX, OpenSslDeleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, OpenSslDeleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using EvpCipherCtxPtr =
    std::unique_ptr<EVP_CIPHER_CTX, OpenSslDeleter<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>>;
using EvpKdfPtr = std::unique_ptr<EVP_KDF, OpenSslDeleter<EVP_KDF, EVP_KDF_free>>;
using EvpKdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, OpenSslDeleter<EVP_KDF_CTX, EVP_KDF_CTX_free>>;
using EvpMacPtr = std::unique_ptr<EVP_MAC, OpenSslDeleter<EVP_MAC, EVP_MAC_free>>;
using EvpMacCtxPtr = std::unique_ptr<EVP_MAC_CTX, OpenSslDeleter<EVP_MAC_CTX, EVP_MAC_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO, BIO_free_all>>;

// A shared, reference-counted key: public keys are copyable values holding one of these.
using SharedEvpPkey = std::shared_ptr<EVP_PKEY>;
inline SharedEvpPkey Share(EvpPkeyPtr key) { return SharedEvpPkey(key.release(), EVP_PKEY_free); }

// An INTERNAL error naming the failed operation and OpenSSL's reasons; clears the error queue
// so a later, unrelated failure does not report stale reasons.
absl::Status OpenSslError(absl::string_view operation);

// Drops whatever OpenSSL queued (after an expected failure, e.g. a signature that does not verify).
void ClearOpenSslErrors();

inline const unsigned char* Uchar(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace enlace::internal

#endif  // ENLACE_CRYPTO_INTERNAL_OPENSSL_UTIL_H_
