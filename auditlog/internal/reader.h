// A bounded big-endian reader over outside bytes: every read checks what is left first.
#ifndef ENLACE_AUDITLOG_INTERNAL_READER_H_
#define ENLACE_AUDITLOG_INTERNAL_READER_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace enlace::auditlog::internal {

class Reader {
 public:
  explicit Reader(absl::string_view data) : data_(data) {}

  size_t remaining() const { return data_.size(); }
  bool empty() const { return data_.empty(); }

  // Each returns false (and consumes nothing) when fewer bytes are left than asked for.
  bool ReadU8(uint8_t* v) {
    if (data_.empty()) return false;
    *v = static_cast<uint8_t>(data_[0]);
    data_.remove_prefix(1);
    return true;
  }
  bool ReadBigEndian(size_t width, uint64_t* v) {
    if (data_.size() < width) return false;
    uint64_t out = 0;
    for (size_t i = 0; i < width; ++i) out = out << 8 | static_cast<uint8_t>(data_[i]);
    data_.remove_prefix(width);
    *v = out;
    return true;
  }
  bool ReadBytes(size_t n, absl::string_view* out) {
    if (data_.size() < n) return false;
    *out = data_.substr(0, n);
    data_.remove_prefix(n);
    return true;
  }

 private:
  absl::string_view data_;
};

}  // namespace enlace::auditlog::internal

#endif  // ENLACE_AUDITLOG_INTERNAL_READER_H_
