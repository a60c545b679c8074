#include "crypto/hmac.h"

#include "absl/strings/str_cat.h"
#include "crypto/hash.h"
#include "crypto/internal/hmac_sha256.h"

namespace enlace {

absl::StatusOr<Bytes> HmacSha256(absl::string_view key, absl::string_view message) {
  Bytes tag(kHmacSha256Size, '\0');
  absl::Status status =
      internal::HmacSha256Parts(key, {message}, reinterpret_cast<uint8_t*>(tag.data()));
  if (!status.ok()) return status;
  return tag;
}

absl::Status VerifyHmacSha256(absl::string_view key, absl::string_view message,
                              absl::string_view tag) {
  absl::StatusOr<Bytes> expected = HmacSha256(key, message);
  if (!expected.ok()) return expected.status();
  if (tag.size() != kHmacSha256Size) {
    return absl::InvalidArgumentError(
        absl::StrCat("an HMAC-SHA256 tag is ", kHmacSha256Size, " bytes, got ", tag.size()));
  }
  if (!ConstantTimeEquals(*expected, tag)) {
    return absl::InvalidArgumentError("HMAC-SHA256 tag does not match");
  }
  return absl::OkStatus();
}

}  // namespace enlace
