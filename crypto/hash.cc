#include "crypto/hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "base/status_macros.h"

namespace enlace {

using internal::OpenSslError;

namespace {

// OpenSSL 3.0 looks the algorithm up by name on every EVP_sha256() use and EVP_Digest allocates a
// context per call; the Merkle log hashes twice per entry, so both are done once: the algorithm
// per process, the context per thread.
const EVP_MD* FetchedSha256() {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

}  // namespace

absl::StatusOr<Sha256Digest> Sha256(absl::string_view data) {
  thread_local const internal::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  const EVP_MD* md = FetchedSha256();
  if (md == nullptr || ctx == nullptr) return OpenSslError("SHA-256 set-up");
  Sha256Digest digest;
  unsigned int size = 0;
  if (EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest.data(), &size) != 1 || size != kSha256Size) {
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
  const EVP_MD* md = FetchedSha256();
  if (md == nullptr || EVP_DigestInit_ex2(ctx_.get(), md, nullptr) != 1) {
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
