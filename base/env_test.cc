#include "base/env.h"

#include <array>

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace {
namespace {

TEST(FakeClockTest, MovesOnlyWhenTold) {
  const absl::Time start = absl::FromUnixSeconds(1'800'000'000);
  FakeClock clock(start);
  EXPECT_EQ(clock.Now(), start);
  clock.Advance(absl::Hours(25));
  EXPECT_EQ(clock.Now(), start + absl::Hours(25));
  clock.Set(start);
  EXPECT_EQ(clock.Now(), start);
}

TEST(RealRandomTest, FillsDistinctBlocks) {
  std::array<uint8_t, 32> a{}, b{};
  ASSERT_OK(RandomSource::Real()->Fill(absl::MakeSpan(a)));
  ASSERT_OK(RandomSource::Real()->Fill(absl::MakeSpan(b)));
  EXPECT_NE(a, b);
  EXPECT_NE(a, (std::array<uint8_t, 32>{}));
}

TEST(DeterministicRandomTest, SameSeedSameStreamOtherSeedOtherStream) {
  DeterministicRandom r1(7), r2(7), r3(8);
  std::array<uint8_t, 50> a{}, b{}, c{};
  ASSERT_OK(r1.Fill(absl::MakeSpan(a)));
  ASSERT_OK(r2.Fill(absl::MakeSpan(b)));
  ASSERT_OK(r3.Fill(absl::MakeSpan(c)));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  // The stream continues rather than repeating.
  std::array<uint8_t, 50> next{};
  ASSERT_OK(r1.Fill(absl::MakeSpan(next)));
  EXPECT_NE(a, next);
}

TEST(EnvTest, DefaultsAreTheRealSeams) {
  Env env;
  EXPECT_EQ(env.clock, Clock::Real());
  EXPECT_EQ(env.random, RandomSource::Real());
}

}  // namespace
}  // namespace enlace
