#include "crypto/hkdf.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "crypto/internal/hmac_sha256.h"

namespace enlace {
namespace {

constexpr size_t kHashSize = 32;

absl::Status CheckSize(size_t size) {
  if (size > kHkdfSha256MaxOutput) {
    return absl::InvalidArgumentError(absl::StrCat("HKDF-SHA256 can derive at most ",
                                                   kHkdfSha256MaxOutput, " bytes, ", size,
                                                   " were asked for"));
  }
  return absl::OkStatus();
}

}  // namespace

// RFC 5869 §2.2 and §2.3, written over HMAC-SHA256 (internal/hmac_sha256.h explains why not
// OpenSSL 3.0's HKDF provider: it looks HMAC up by name on every call). hkdf_test.cc checks this
// against OpenSSL's EVP_KDF HKDF on many inputs, and crypto_vectors runs Wycheproof's HKDF file.

absl::StatusOr<SecretBytes> HkdfSha256Extract(absl::string_view salt, absl::string_view ikm) {
  SecretBytes prk(kHashSize);
  // An empty salt is HashLen zero bytes, which HMAC's key padding makes identical to "".
  RETURN_IF_ERROR(internal::HmacSha256Parts(salt, {ikm}, prk.data()));
  return prk;
}

absl::StatusOr<SecretBytes> HkdfSha256Expand(absl::string_view prk, absl::string_view info,
                                             size_t size) {
  RETURN_IF_ERROR(CheckSize(size));
  if (prk.size() < kHashSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("an HKDF-SHA256 PRK is at least 32 bytes, got ", prk.size()));
  }
  SecretBytes okm(size);
  SecretBytes block(kHashSize);  // T(i)
  for (size_t offset = 0, i = 1; offset < size; offset += kHashSize, ++i) {
    const char counter = static_cast<char>(i);
    // T(i) = HMAC(PRK, T(i-1) || info || i), with T(0) empty.
    RETURN_IF_ERROR(internal::HmacSha256Parts(
        prk, {i == 1 ? absl::string_view() : block.view(), info, absl::string_view(&counter, 1)},
        block.data()));
    std::memcpy(okm.data() + offset, block.data(), std::min(kHashSize, size - offset));
  }
  return okm;
}

absl::StatusOr<SecretBytes> HkdfSha256(absl::string_view ikm, absl::string_view salt,
                                       absl::string_view info, size_t size) {
  RETURN_IF_ERROR(CheckSize(size));
  ASSIGN_OR_RETURN(SecretBytes prk, HkdfSha256Extract(salt, ikm));
  return HkdfSha256Expand(prk.view(), info, size);
}

}  // namespace enlace
