// Bounded big-endian reads over a byte string (the hub's RocksDB keys and values).
#ifndef ENLACE_HUB_INTERNAL_BYTES_READER_H_
#define ENLACE_HUB_INTERNAL_BYTES_READER_H_

#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "base/bytes.h"

namespace enlace::hub::internal {

class BytesReader {
 public:
  explicit BytesReader(absl::string_view data) : data_(data) {}

  // Each returns false, consuming nothing, if fewer bytes remain than asked for.
  bool ReadUint64(uint64_t* out) {
    if (data_.size() < 8) return false;
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(data_[i]);
    data_.remove_prefix(8);
    *out = v;
    return true;
  }
  bool ReadBytes(size_t n, Bytes* out) {
    if (data_.size() < n) return false;
    out->assign(data_.data(), n);
    data_.remove_prefix(n);
    return true;
  }
  bool empty() const { return data_.empty(); }

 private:
  absl::string_view data_;
};

}  // namespace enlace::hub::internal

#endif  // ENLACE_HUB_INTERNAL_BYTES_READER_H_
