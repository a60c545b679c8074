#include "crypto/hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "base/status_macros.h"

namespace enlace {

using internal::OpenSslError;

absl::StatusOr<Sha256Digest> Sha256(absl::string_view data) {
  Sha256Digest digest;
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1 ||
      size != kSha256Size) {
    return OpenSslError("SHA-256");
  }
  return digest;
}

absl::StatusOr<Sha256Hasher> Sha256Hasher::Create() {
  internal::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) return OpenSslError("EVP_MD_CTX_new");
  Sha256Hasher hasher(std::move(ctx));
  RETURN_IF_ERROR(hasher.Reset());
  return hasher;
}

absl::Status Sha256Hasher::Update(absl::string_view data) {
  if (ctx_ == nullptr || finished_) {
    return absl::FailedPreconditionError("Sha256Hasher::Update after Finish without Reset");
  }
  if (EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1) {
    return OpenSslError("SHA-256 update");
  }
  return absl::OkStatus();
}

absl::StatusOr<Sha256Digest> Sha256Hasher::Finish() {
  if (ctx_ == nullptr || finished_) {
    return absl::FailedPreconditionError("Sha256Hasher::Finish called twice without Reset");
  }
  finished_ = true;
  Sha256Digest digest;
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), digest.data(), &size) != 1 || size != kSha256Size) {
    return OpenSslError("SHA-256 final");
  }
  return digest;
}

absl::Status Sha256Hasher::Reset() {
  if (ctx_ == nullptr) return absl::FailedPreconditionError("Sha256Hasher used after move");
  if (EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
    return OpenSslError("SHA-256 init");
  }
  finished_ = false;
  return absl::OkStatus();
}

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace enlace
