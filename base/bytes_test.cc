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
  EXPECT_THAT(Base64Decode("aGVsbG8"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("base64")));
  EXPECT_THAT(Base64Decode("a$=="),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("base64")));
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
  EXPECT_EQ(HexEncode(ab_c),
            "00000002616200000001"
            "63");
}

TEST(ByteReaderTest, ReadsWhatTheAppendersWrote) {
  Bytes data;
  data.push_back('\xfe');
  AppendUint16(0xfffe, &data);
  AppendUint32(0x80000001, &data);
  AppendUint64(0xfedcba9876543210ULL, &data);
  AppendLengthPrefixed("field", &data);
  AppendLengthPrefixed("", &data);
  data += "tail";

  ByteReader reader(data);
  uint8_t u8 = 0;
  uint16_t u16 = 0;
  uint32_t u32 = 0;
  uint64_t u64 = 0;
  absl::string_view field, empty, tail;
  ASSERT_TRUE(reader.ReadUint8(&u8));
  ASSERT_TRUE(reader.ReadUint16(&u16));
  ASSERT_TRUE(reader.ReadUint32(&u32));
  ASSERT_TRUE(reader.ReadUint64(&u64));
  ASSERT_TRUE(reader.ReadLengthPrefixed(&field));
  ASSERT_TRUE(reader.ReadLengthPrefixed(&empty));
  EXPECT_EQ(reader.remaining(), 4u);
  ASSERT_TRUE(reader.ReadBytes(4, &tail));
  EXPECT_TRUE(reader.empty());
  EXPECT_EQ(u8, 0xfe);
  EXPECT_EQ(u16, 0xfffe);
  EXPECT_EQ(u32, 0x80000001u);
  EXPECT_EQ(u64, 0xfedcba9876543210ULL);
  EXPECT_EQ(field, "field");
  EXPECT_EQ(empty, "");
  EXPECT_EQ(tail, "tail");
  // The views point into the caller's bytes: no copies.
  EXPECT_EQ(tail.data(), data.data() + data.size() - 4);
}

TEST(ByteReaderTest, ShortReadsFailAndConsumeNothing) {
  const Bytes seven("\x01\x02\x03\x04\x05\x06\x07", 7);
  ByteReader reader(seven);
  uint64_t u64 = 42;
  absl::string_view bytes;
  EXPECT_FALSE(reader.ReadUint64(&u64));
  EXPECT_EQ(u64, 42u);  // untouched
  EXPECT_FALSE(reader.ReadBytes(8, &bytes));
  EXPECT_EQ(reader.remaining(), 7u);
  uint32_t u32 = 0;
  ASSERT_TRUE(reader.ReadUint32(&u32));
  EXPECT_EQ(u32, 0x01020304u);
  EXPECT_FALSE(reader.ReadUint32(&u32));
  EXPECT_EQ(reader.remaining(), 3u);

  ByteReader empty("");
  uint8_t u8 = 0;
  EXPECT_FALSE(empty.ReadUint8(&u8));
  EXPECT_TRUE(empty.ReadBytes(0, &bytes));
  EXPECT_TRUE(empty.empty());
}

TEST(ByteReaderTest, LengthPrefixedRefusesALengthPastTheEnd) {
  Bytes data;
  AppendUint32(6, &data);
  data += "short";  // 5 of the 6 bytes announced
  ByteReader reader(data);
  absl::string_view field;
  EXPECT_FALSE(reader.ReadLengthPrefixed(&field));
  EXPECT_EQ(reader.remaining(), data.size());  // not even the length was consumed

  Bytes huge;
  AppendUint32(0xffffffff, &huge);
  ByteReader huge_reader(huge);
  EXPECT_FALSE(huge_reader.ReadLengthPrefixed(&field));
  EXPECT_EQ(huge_reader.remaining(), 4u);

  ByteReader cut(absl::string_view("\x00\x00", 2));
  EXPECT_FALSE(cut.ReadLengthPrefixed(&field));
  EXPECT_EQ(cut.remaining(), 2u);
}

}  // namespace
}  // namespace enlace
