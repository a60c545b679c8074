#include "crypto/hmac.h"

#include <openssl/evp.h>

#include "absl/strings/str_cat.h"
#include "crypto/hash.h"
#include "crypto/internal/openssl_util.h"

namespace enlace {

absl::StatusOr<Bytes> HmacSha256(absl::string_view key, absl::string_view message) {
  static char empty = 0;  // EVP_Q_mac wants a non-null key pointer even for an empty key
  Bytes tag(kHmacSha256Size, '\0');
  size_t size = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.empty() ? &empty : key.data(),
                key.size(), internal::Uchar(message), message.size(),
                reinterpret_cast<unsigned char*>(tag.data()), tag.size(), &size) == nullptr ||
      size != kHmacSha256Size) {
    return internal::OpenSslError("HMAC-SHA256");
  }
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
