// AEAD encryption on an EVP_CIPHER with any nonce length the cipher accepts. Not API: enlace's
// AEADs (crypto/aead.h) take 12-byte nonces only; this layer also serves the Wycheproof runner,
// which exercises AES-GCM with other key and IV sizes.
#ifndef ENLACE_CRYPTO_INTERNAL_EVP_AEAD_H_
#define ENLACE_CRYPTO_INTERNAL_EVP_AEAD_H_

#include <openssl/evp.h>

#include <cstddef>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/bytes.h"

namespace enlace::internal {

inline constexpr size_t kAeadTagSize = 16;
// OpenSSL 3.0's GCM takes IVs of 1..128 bytes (NIST SP 800-38D allows longer ones).
inline constexpr size_t kMaxGcmIvSize = 128;

// AES-GCM for a 16, 24 or 32 byte key; null for any other size. Fetched once per process.
const EVP_CIPHER* AesGcmCipher(size_t key_size);
// ChaCha20-Poly1305 (RFC 8439); its nonce is exactly 12 bytes.
const EVP_CIPHER* ChaCha20Poly1305Cipher();

// Returns ciphertext || 16-byte tag. INVALID_ARGUMENT for a key or nonce of a size the cipher
// does not take; UNIMPLEMENTED for a GCM IV longer than kMaxGcmIvSize.
absl::StatusOr<Bytes> EvpAeadSeal(const EVP_CIPHER* cipher, absl::string_view key,
                                  absl::string_view nonce, absl::string_view aad,
                                  absl::string_view plaintext);
// Takes ciphertext || tag; INVALID_ARGUMENT if it does not authenticate (nothing of the
// unauthenticated plaintext is returned).
absl::StatusOr<Bytes> EvpAeadOpen(const EVP_CIPHER* cipher, absl::string_view key,
                                  absl::string_view nonce, absl::string_view aad,
                                  absl::string_view ciphertext);

}  // namespace enlace::internal

#endif  // ENLACE_CRYPTO_INTERNAL_EVP_AEAD_H_
