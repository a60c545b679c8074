#include "base/env.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <cstring>

namespace enlace {
namespace {

class RealClock : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

class OpenSslRandom : public RandomSource {
 public:
  absl::Status Fill(absl::Span<uint8_t> out) override {
    // RAND_bytes takes an int length: fill in chunks so huge spans cannot overflow it.
    size_t done = 0;
    while (done < out.size()) {
      const size_t n = std::min<size_t>(out.size() - done, INT_MAX);
      if (RAND_bytes(out.data() + done, static_cast<int>(n)) != 1) {
        return absl::InternalError("the system random generator (RAND_bytes) failed");
      }
      done += n;
    }
    return absl::OkStatus();
  }
};

}  // namespace

Clock* Clock::Real() {
  static RealClock* const clock = new RealClock();
  return clock;
}

absl::Time FakeClock::Now() const {
  absl::MutexLock lock(&mu_);
  return now_;
}

void FakeClock::Advance(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  now_ += d;
}

void FakeClock::Set(absl::Time t) {
  absl::MutexLock lock(&mu_);
  now_ = t;
}

RandomSource* RandomSource::Real() {
  static OpenSslRandom* const random = new OpenSslRandom();
  return random;
}

absl::Status DeterministicRandom::Fill(absl::Span<uint8_t> out) {
  absl::MutexLock lock(&mu_);
  size_t done = 0;
  while (done < out.size()) {
    uint8_t input[16];
    for (int i = 0; i < 8; ++i) {
      input[i] = static_cast<uint8_t>(seed_ >> (56 - 8 * i));
      input[8 + i] = static_cast<uint8_t>(counter_ >> (56 - 8 * i));
    }
    ++counter_;
    uint8_t block[EVP_MAX_MD_SIZE];
    unsigned int block_size = 0;
    if (EVP_Digest(input, sizeof(input), block, &block_size, EVP_sha256(), nullptr) != 1) {
      return absl::InternalError("SHA-256 failed in the deterministic test random source");
    }
    const size_t n = std::min<size_t>(out.size() - done, block_size);
    std::memcpy(out.data() + done, block, n);
    done += n;
  }
  return absl::OkStatus();
}

}  // namespace enlace
