// Authenticated encryption with associated data: AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305,
// each with a 12-byte nonce and a 16-byte tag appended to the ciphertext.
//
//   ASSIGN_OR_RETURN(Aead aead, Aead::Create(AeadAlgorithm::kAes256Gcm, key));
//   ASSIGN_OR_RETURN(Bytes ciphertext, aead.Seal(nonce, aad, plaintext));
//
// Security contract: a (key, nonce) pair must never encrypt two different messages; callers
// either use each key once or derive nonces as HPKE does. Open returns plaintext only if the
// tag authenticates it, and otherwise INVALID_ARGUMENT. Thread-safe for concurrent const use.
#ifndef ENLACE_CRYPTO_AEAD_H_
#define ENLACE_CRYPTO_AEAD_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/bytes.h"
#include "crypto/secret.h"

namespace enlace {

enum class AeadAlgorithm { kAes128Gcm, kAes256Gcm, kChaCha20Poly1305 };

inline constexpr size_t kAeadNonceSize = 12;
inline constexpr size_t kAeadTagSize = 16;

size_t AeadKeySize(AeadAlgorithm algorithm);
absl::string_view AeadName(AeadAlgorithm algorithm);

class Aead {
 public:
  // INVALID_ARGUMENT if `key` is not AeadKeySize(algorithm) bytes.
  static absl::StatusOr<Aead> Create(AeadAlgorithm algorithm, SecretBytes key);

  // ciphertext || tag. INVALID_ARGUMENT if the nonce is not 12 bytes.
  absl::StatusOr<Bytes> Seal(absl::string_view nonce, absl::string_view aad,
                             absl::string_view plaintext) const;
  // The plaintext, or INVALID_ARGUMENT if the ciphertext, nonce or aad were altered, the key
  // is wrong, or the ciphertext is shorter than a tag.
  absl::StatusOr<Bytes> Open(absl::string_view nonce, absl::string_view aad,
                             absl::string_view ciphertext) const;

  AeadAlgorithm algorithm() const { return algorithm_; }

 private:
  Aead(AeadAlgorithm algorithm, SecretBytes key) : algorithm_(algorithm), key_(std::move(key)) {}
  absl::Status CheckNonce(absl::string_view nonce) const;

  AeadAlgorithm algorithm_;
  SecretBytes key_;
};

}  // namespace enlace

#endif  // ENLACE_CRYPTO_AEAD_H_
