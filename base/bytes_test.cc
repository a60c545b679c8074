#include "base/bytes.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace {
namespace {

using ::enlace::testing::IsOkAndHolds;
using ::enlace::testing::StatusIs;
using ::testing::HasSubstr;

TEST(HexTest, RoundTrips) {
  const Bytes raw("\x00\x01\xab\xff", 4);
  EXPECT_EQ(HexEncode(raw), "0001abff");
  EXPECT_THAT(HexDecode("0001ABff"), IsOkAndHolds(raw));
  EXPECT_THAT(HexDecode(""), IsOkAndHolds(Bytes()));
}

TEST(HexTest, RefusesOddLength) {
  EXPECT_THAT(HexDecode("abc"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("odd")));
}

TEST(HexTest, RefusesNonHexDigitAndSaysWhere) {
  EXPECT_THAT(HexDecode("00zz"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("position 2")));
}

TEST(Base64Test, RoundTripsAndRefusesNonCanonical) {
  EXPECT_EQ(Base64Encode("hello"), "aGVsbG8=");
  EXPECT_THAT(Base64Decode("aGVsbG8="), IsOkAndHolds(Bytes("hello")));
  EXPECT_THAT(Base64Decode("aGVsbG8"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("base64")));
  EXPECT_THAT(Base64Decode("a$=="), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("base64")));
}

TEST(BigEndianTest, AppendsFixedWidth) {
  Bytes out;
  AppendUint16(0x0102, &out);
  AppendUint32(0x03040506, &out);
  AppendUint64(0x0708090a0b0c0d0eULL, &out);
  EXPECT_EQ(HexEncode(out), "0102030405060708090a0b0c0d0e");
}

TEST(BigEndianTest, LengthPrefixSeparatesFields) {
  Bytes ab_c, a_bc;
  AppendLengthPrefixed("ab", &ab_c);
  AppendLengthPrefixed("c", &ab_c);
  AppendLengthPrefixed("a", &a_bc);
  AppendLengthPrefixed("bc", &a_bc);
  EXPECT_NE(ab_c, a_bc);
  EXPECT_EQ(HexEncode(ab_c), "00000002616200000001" "63");
}

}  // namespace
}  // namespace enlace
