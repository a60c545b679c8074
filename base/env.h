// The seams between enlace and the world: time and randomness (LevelDB's Env is the model).
//
// Every component takes an `Env` (or its parts) in its options instead of calling the wall clock
// or the CSPRNG directly, so tests can run time forward (deadlines, expiry, retention, merge
// delay) without sleeping, and replay fixed randomness where a public test vector needs it.
// File system roots are likewise never global: every component takes its directory in its
// options, and RocksDB users may also take a `rocksdb::Env*` (e.g. an in-memory one).
#ifndef ENLACE_BASE_ENV_H_
#define ENLACE_BASE_ENV_H_

#include <cstdint>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace enlace {

// A source of the current time. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;

  // The process-wide real clock (absl::Now()). Never null, never deleted.
  static Clock* Real();
};

// A clock that only moves when told to. Thread-safe.
class FakeClock : public Clock {
 public:
  explicit FakeClock(absl::Time start) : now_(start) {}
  absl::Time Now() const override;
  void Advance(absl::Duration d);
  void Set(absl::Time t);

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

// A source of cryptographically secure random bytes. Thread-safe.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // Fills `out` entirely, or returns an error (never partially random bytes reported as ok).
  virtual absl::Status Fill(absl::Span<uint8_t> out) = 0;

  // The process-wide OpenSSL CSPRNG (RAND_bytes). Never null, never deleted.
  static RandomSource* Real();
};

// Test-only: a deterministic stream (SHA-256 in counter mode over a seed). Not for keys that
// protect anything; it exists so tests and worked examples are reproducible.
class DeterministicRandom : public RandomSource {
 public:
  explicit DeterministicRandom(uint64_t seed) : seed_(seed) {}
  absl::Status Fill(absl::Span<uint8_t> out) override;

 private:
  absl::Mutex mu_;
  uint64_t seed_;
  uint64_t counter_ ABSL_GUARDED_BY(mu_) = 0;
};

// What a component needs from the world. Defaults are the real clock and CSPRNG.
struct Env {
  Clock* clock = Clock::Real();
  RandomSource* random = RandomSource::Real();
};

}  // namespace enlace

#endif  // ENLACE_BASE_ENV_H_
