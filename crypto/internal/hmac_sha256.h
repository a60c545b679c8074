// HMAC-SHA256 on EVP_MAC, shared by hmac.cc and hkdf.cc. Not API.
#ifndef ENLACE_CRYPTO_INTERNAL_HMAC_SHA256_H_
#define ENLACE_CRYPTO_INTERNAL_HMAC_SHA256_H_

#include <cstdint>
#include <initializer_list>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace enlace::internal {

// out = HMAC-SHA256(key, parts[0] || parts[1] || ...). `out` has room for 32 bytes.
absl::Status HmacSha256Parts(absl::string_view key, std::initializer_list<absl::string_view> parts,
                             uint8_t* out);

}  // namespace enlace::internal

#endif  // ENLACE_CRYPTO_INTERNAL_HMAC_SHA256_H_
