#include "base/bytes.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace enlace {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string HexEncode(absl::string_view bytes) { return absl::BytesToHexString(bytes); }

absl::StatusOr<Bytes> HexDecode(absl::string_view hex) {
  if (hex.size() % 2 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("hex string has an odd length (", hex.size(), ")"));
  }
  Bytes out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = HexValue(hex[i]);
    const int lo = HexValue(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("not a hex digit at position ", hi < 0 ? i : i + 1));
    }
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return out;
}

std::string Base64Encode(absl::string_view bytes) { return absl::Base64Escape(bytes); }

absl::StatusOr<Bytes> Base64Decode(absl::string_view text) {
  Bytes out;
  // absl's decoder is lenient (padding optional); re-encoding proves the input was canonical.
  if (!absl::Base64Unescape(text, &out) || absl::Base64Escape(out) != text) {
    return absl::InvalidArgumentError("not canonical base64");
  }
  return out;
}

void AppendUint16(uint16_t v, Bytes* out) {
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v));
}

void AppendUint32(uint32_t v, Bytes* out) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

void AppendUint64(uint64_t v, Bytes* out) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

void AppendLengthPrefixed(absl::string_view field, Bytes* out) {
  AppendUint32(static_cast<uint32_t>(field.size()), out);
  out->append(field.data(), field.size());
}

}  // namespace enlace
