// A small reader for fuzz inputs whose bytes are consumed in order from the front, so that seeds
// can be written by hand ("mode 1, size 7, no edits"). Past the end every read gives 0.
#ifndef ENLACE_TESTS_FUZZ_FUZZ_INPUT_H_
#define ENLACE_TESTS_FUZZ_FUZZ_INPUT_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

namespace enlace::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  bool empty() const { return size_ == 0; }

  uint8_t Byte() {
    if (size_ == 0) return 0;
    --size_;
    return *data_++;
  }

  // Eight bytes, big-endian.
  uint64_t Number() {
    uint64_t n = 0;
    for (int i = 0; i < 8; ++i) n = n << 8 | Byte();
    return n;
  }

  // Mostly a number in [0, limit]; a byte of 0xF0 or more makes it any 64-bit number instead.
  uint64_t Small(uint64_t limit) {
    const uint8_t b = Byte();
    return b >= 0xF0 ? Number() : b % (limit + 1);
  }

  // Up to `max` bytes: a length byte, then that many bytes (fewer at the end of the input).
  std::string Bytes(size_t max) {
    const size_t length = std::min<size_t>({Byte() % (max + 1), size_});
    std::string out(reinterpret_cast<const char*>(data_), length);
    data_ += length;
    size_ -= length;
    return out;
  }

  // Whatever is left.
  std::string Rest() {
    std::string out(reinterpret_cast<const char*>(data_), size_);
    data_ += size_;
    size_ = 0;
    return out;
  }

 private:
  const uint8_t* data_;
  size_t size_;
};

}  // namespace enlace::fuzz

#endif  // ENLACE_TESTS_FUZZ_FUZZ_INPUT_H_
