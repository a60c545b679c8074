// HMAC-SHA256 (RFC 2104). Thread-safe.
#ifndef ENLACE_CRYPTO_HMAC_H_
#define ENLACE_CRYPTO_HMAC_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/bytes.h"

namespace enlace {

inline constexpr size_t kHmacSha256Size = 32;

// The 32-byte tag of `message` under `key` (any key length; RFC 2104 hashes long keys).
absl::StatusOr<Bytes> HmacSha256(absl::string_view key, absl::string_view message);

// OK iff `tag` is the full 32-byte tag of `message` under `key` (compared in constant time);
// INVALID_ARGUMENT otherwise.
absl::Status VerifyHmacSha256(absl::string_view key, absl::string_view message,
                              absl::string_view tag);

}  // namespace enlace

#endif  // ENLACE_CRYPTO_HMAC_H_
