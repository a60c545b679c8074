// A RandomSource that hands out given bytes, then fails: for reproducing published vectors
// (e.g. RFC 9180's ikmE) through the public API. Never for production keys.
#ifndef ENLACE_CRYPTO_INTERNAL_FIXED_RANDOM_H_
#define ENLACE_CRYPTO_INTERNAL_FIXED_RANDOM_H_

#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/bytes.h"
#include "base/env.h"

namespace enlace::internal {

class FixedRandom : public RandomSource {
 public:
  explicit FixedRandom(Bytes bytes) : bytes_(std::move(bytes)) {}

  absl::Status Fill(absl::Span<uint8_t> out) override {
    if (out.size() > bytes_.size() - used_) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "FixedRandom: ", out.size(), " bytes asked, ", bytes_.size() - used_, " left"));
    }
    if (!out.empty()) std::memcpy(out.data(), bytes_.data() + used_, out.size());
    used_ += out.size();
    return absl::OkStatus();
  }

 private:
  Bytes bytes_;
  size_t used_ = 0;
};

}  // namespace enlace::internal

#endif  // ENLACE_CRYPTO_INTERNAL_FIXED_RANDOM_H_
