#include "crypto/aead.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "crypto/internal/evp_aead.h"

namespace enlace {
namespace {

const EVP_CIPHER* CipherOf(AeadAlgorithm algorithm) {
  switch (algorithm) {
    case AeadAlgorithm::kAes128Gcm:
      return internal::AesGcmCipher(16);
    case AeadAlgorithm::kAes256Gcm:
      return internal::AesGcmCipher(32);
    case AeadAlgorithm::kChaCha20Poly1305:
      return internal::ChaCha20Poly1305Cipher();
  }
  return nullptr;
}

}  // namespace

size_t AeadKeySize(AeadAlgorithm algorithm) {
  return algorithm == AeadAlgorithm::kAes128Gcm ? 16 : 32;
}

absl::string_view AeadName(AeadAlgorithm algorithm) {
  switch (algorithm) {
    case AeadAlgorithm::kAes128Gcm:
      return "AES-128-GCM";
    case AeadAlgorithm::kAes256Gcm:
      return "AES-256-GCM";
    case AeadAlgorithm::kChaCha20Poly1305:
      return "ChaCha20-Poly1305";
  }
  return "unknown AEAD";
}

absl::StatusOr<Aead> Aead::Create(AeadAlgorithm algorithm, SecretBytes key) {
  if (key.size() != AeadKeySize(algorithm)) {
    return absl::InvalidArgumentError(absl::StrCat(
        AeadName(algorithm), " takes a ", AeadKeySize(algorithm), "-byte key, got ", key.size()));
  }
  return Aead(algorithm, std::move(key));
}

absl::Status Aead::CheckNonce(absl::string_view nonce) const {
  if (nonce.size() != kAeadNonceSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        AeadName(algorithm_), " takes a ", kAeadNonceSize, "-byte nonce, got ", nonce.size()));
  }
  return absl::OkStatus();
}

absl::StatusOr<Bytes> Aead::Seal(absl::string_view nonce, absl::string_view aad,
                                 absl::string_view plaintext) const {
  RETURN_IF_ERROR(CheckNonce(nonce));
  return internal::EvpAeadSeal(CipherOf(algorithm_), key_.view(), nonce, aad, plaintext);
}

absl::StatusOr<Bytes> Aead::Open(absl::string_view nonce, absl::string_view aad,
                                 absl::string_view ciphertext) const {
  RETURN_IF_ERROR(CheckNonce(nonce));
  return internal::EvpAeadOpen(CipherOf(algorithm_), key_.view(), nonce, aad, ciphertext);
}

}  // namespace enlace
