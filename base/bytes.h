// Byte strings and their text forms.
#ifndef ENLACE_BASE_BYTES_H_
#define ENLACE_BASE_BYTES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace enlace {

// Bytes are carried as std::string (what protobuf `bytes` fields use) unless noted.
using Bytes = std::string;

inline absl::Span<const uint8_t> AsSpan(absl::string_view s) {
  return absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
inline absl::string_view AsStringView(absl::Span<const uint8_t> s) {
  return absl::string_view(reinterpret_cast<const char*>(s.data()), s.size());
}

// Lowercase hex.
std::string HexEncode(absl::string_view bytes);
// Accepts upper or lower case; refuses odd lengths and non-hex characters.
absl::StatusOr<Bytes> HexDecode(absl::string_view hex);

// Standard base64 with padding (RFC 4648 §4).
std::string Base64Encode(absl::string_view bytes);
// Refuses anything that is not canonical standard base64.
absl::StatusOr<Bytes> Base64Decode(absl::string_view text);

// Big-endian fixed-width integers, as used in every signed or hashed encoding.
void AppendUint16(uint16_t v, Bytes* out);
void AppendUint32(uint32_t v, Bytes* out);
void AppendUint64(uint64_t v, Bytes* out);
// A 4-byte big-endian length, then the bytes: the unambiguous framing used in signing inputs.
void AppendLengthPrefixed(absl::string_view field, Bytes* out);

}  // namespace enlace

#endif  // ENLACE_BASE_BYTES_H_
