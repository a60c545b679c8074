#include "crypto/hash.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace {
namespace {

using ::enlace::testing::StatusIs;

std::string Hex(const Sha256Digest& d) { return HexEncode(DigestBytes(d)); }

// FIPS 180-2 Appendix B examples.
constexpr char kAbc[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr char kTwoBlock[] = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
constexpr char kMillionA[] = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

TEST(Sha256Test, KnownAnswers) {
  ASSERT_OK_AND_ASSIGN(Sha256Digest empty, Sha256(""));
  EXPECT_EQ(Hex(empty), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  ASSERT_OK_AND_ASSIGN(Sha256Digest abc, Sha256("abc"));
  EXPECT_EQ(Hex(abc), kAbc);
  ASSERT_OK_AND_ASSIGN(Sha256Digest two,
                       Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"));
  EXPECT_EQ(Hex(two), kTwoBlock);
}

TEST(Sha256HasherTest, IncrementalMatchesOneShotAndIsReusable) {
  ASSERT_OK_AND_ASSIGN(Sha256Hasher hasher, Sha256Hasher::Create());
  const std::string chunk(1000, 'a');
  for (int i = 0; i < 1000; ++i) ASSERT_OK(hasher.Update(chunk));
  ASSERT_OK_AND_ASSIGN(Sha256Digest million, hasher.Finish());
  EXPECT_EQ(Hex(million), kMillionA);

  ASSERT_OK(hasher.Reset());
  ASSERT_OK(hasher.Update("a"));
  ASSERT_OK(hasher.Update(""));
  ASSERT_OK(hasher.Update("bc"));
  ASSERT_OK_AND_ASSIGN(Sha256Digest abc, hasher.Finish());
  EXPECT_EQ(Hex(abc), kAbc);
}

TEST(Sha256HasherTest, UseAfterFinishNeedsReset) {
  ASSERT_OK_AND_ASSIGN(Sha256Hasher hasher, Sha256Hasher::Create());
  ASSERT_OK(hasher.Finish().status());
  EXPECT_THAT(hasher.Update("x"),
              StatusIs(absl::StatusCode::kFailedPrecondition, ::testing::HasSubstr("Reset")));
  EXPECT_THAT(hasher.Finish(),
              StatusIs(absl::StatusCode::kFailedPrecondition, ::testing::HasSubstr("Reset")));
  Sha256Hasher moved = std::move(hasher);
  ASSERT_OK(moved.Reset());
  ASSERT_OK_AND_ASSIGN(Sha256Digest empty, moved.Finish());
  EXPECT_EQ(Hex(empty), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(ConstantTimeEqualsTest, ComparesSizeAndEveryByte) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "bbc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
  EXPECT_TRUE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace
}  // namespace enlace
