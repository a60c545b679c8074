// HKDF-SHA256 (RFC 5869), whole or in its two steps (HPKE uses the steps separately).
//
// Outputs are SecretBytes. INVALID_ARGUMENT if more than kHkdfSha256MaxOutput bytes are asked
// for; INTERNAL only if OpenSSL fails. Thread-safe.
#ifndef ENLACE_CRYPTO_HKDF_H_
#define ENLACE_CRYPTO_HKDF_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/secret.h"

namespace enlace {

inline constexpr size_t kHkdfSha256MaxOutput = 255 * 32;

// HKDF-Extract(salt, ikm) → 32-byte PRK. An empty salt means 32 zero bytes (RFC 5869 §2.2).
absl::StatusOr<SecretBytes> HkdfSha256Extract(absl::string_view salt, absl::string_view ikm);
// HKDF-Expand(prk, info, size). `prk` must be at least 32 bytes.
absl::StatusOr<SecretBytes> HkdfSha256Expand(absl::string_view prk, absl::string_view info,
                                             size_t size);
// Extract then Expand.
absl::StatusOr<SecretBytes> HkdfSha256(absl::string_view ikm, absl::string_view salt,
                                       absl::string_view info, size_t size);

}  // namespace enlace

#endif  // ENLACE_CRYPTO_HKDF_H_
