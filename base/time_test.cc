#include "base/time.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace {
namespace {

using ::enlace::testing::IsOkAndHolds;
using ::enlace::testing::StatusIs;
using ::testing::HasSubstr;

TEST(TimeTest, FormatsUtc) {
  EXPECT_EQ(FormatUtc(absl::FromUnixSeconds(1'795'696'146)), "2026-11-26T12:29:06Z");
}

TEST(TimeTest, ParsesZuluAndOffsets) {
  const absl::Time t = absl::FromUnixSeconds(1'795'696'146);
  EXPECT_THAT(ParseUtc("2026-11-26T12:29:06Z"), IsOkAndHolds(t));
  EXPECT_THAT(ParseUtc("2026-11-26T06:29:06-06:00"), IsOkAndHolds(t));
}

TEST(TimeTest, RefusesNonsense) {
  EXPECT_THAT(ParseUtc("26/11/2026"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("RFC 3339")));
  EXPECT_THAT(ParseUtc("2026-02-30T00:00:00Z"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("RFC 3339")));
}

TEST(TimeTest, FormatsInLocalZoneOrFallsBackToUtc) {
  const absl::Time t = absl::FromUnixSeconds(1'795'696'146);
  EXPECT_EQ(FormatLocal(t, "UTC"), "2026-11-26 12:29 UTC");
  EXPECT_EQ(FormatLocal(t, "No/Such_Zone"), "2026-11-26 12:29 UTC");
}

}  // namespace
}  // namespace enlace
