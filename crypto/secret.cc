#include "crypto/secret.h"

#include <openssl/crypto.h>

#include <cstring>
#include <utility>

#include "base/status_macros.h"

namespace enlace {

SecretBytes::SecretBytes(absl::string_view bytes) : SecretBytes(bytes.size()) {
  if (size_ > 0) std::memcpy(bytes_.get(), bytes.data(), size_);
}

SecretBytes::SecretBytes(size_t size)
    : bytes_(size > 0 ? new uint8_t[size]() : nullptr), size_(size) {}

absl::StatusOr<SecretBytes> SecretBytes::Random(size_t size, RandomSource* random) {
  SecretBytes secret(size);
  RETURN_IF_ERROR(random->Fill(absl::MakeSpan(secret.data(), secret.size())));
  return secret;
}

SecretBytes::SecretBytes(const SecretBytes& other) : SecretBytes(other.view()) {}

SecretBytes& SecretBytes::operator=(const SecretBytes& other) {
  if (this != &other) *this = SecretBytes(other.view());
  return *this;
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : bytes_(std::move(other.bytes_)), size_(std::exchange(other.size_, 0)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Wipe();
    bytes_ = std::move(other.bytes_);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

SecretBytes::~SecretBytes() { Wipe(); }

void SecretBytes::Wipe() {
  if (bytes_ != nullptr) OPENSSL_cleanse(bytes_.get(), size_);
  bytes_.reset();
  size_ = 0;
}

}  // namespace enlace
