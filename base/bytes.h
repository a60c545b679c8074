// Byte strings and their text forms.
#ifndef ENLACE_BASE_BYTES_H_
#define ENLACE_BASE_BYTES_H_

#include <cstddef>
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

// Reads back what the Append* functions write, bounded, from outside bytes (RocksDB keys and
// values, audit leaves, tree heads). Every Read* checks what is left first: when fewer bytes
// remain than it needs, it returns false and consumes nothing. Views it hands out point into
// the data given to the constructor, which must outlive them. Not thread-safe (it has a cursor).
class ByteReader {
 public:
  explicit ByteReader(absl::string_view data) : data_(data) {}

  bool ReadUint8(uint8_t* out) { return ReadBigEndian(out); }
  bool ReadUint16(uint16_t* out) { return ReadBigEndian(out); }
  bool ReadUint32(uint32_t* out) { return ReadBigEndian(out); }
  bool ReadUint64(uint64_t* out) { return ReadBigEndian(out); }

  // The next `n` bytes.
  bool ReadBytes(size_t n, absl::string_view* out) {
    if (data_.size() < n) return false;
    *out = data_.substr(0, n);
    data_.remove_prefix(n);
    return true;
  }

  // A field framed by AppendLengthPrefixed: a 4-byte big-endian length, then that many bytes.
  // Consumes nothing unless both parts are present.
  bool ReadLengthPrefixed(absl::string_view* out) {
    ByteReader rest = *this;
    uint32_t length = 0;
    if (!rest.ReadUint32(&length) || !rest.ReadBytes(length, out)) return false;
    *this = rest;
    return true;
  }

  size_t remaining() const { return data_.size(); }
  bool empty() const { return data_.empty(); }

 private:
  template <typename T>
  bool ReadBigEndian(T* out) {
    if (data_.size() < sizeof(T)) return false;
    uint64_t value = 0;
    for (size_t i = 0; i < sizeof(T); ++i) value = value << 8 | static_cast<uint8_t>(data_[i]);
    *out = static_cast<T>(value);
    data_.remove_prefix(sizeof(T));
    return true;
  }

  absl::string_view data_;
};

}  // namespace enlace

#endif  // ENLACE_BASE_BYTES_H_
