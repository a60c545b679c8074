#include "crypto/secret.h"

#include <utility>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace {
namespace {

TEST(SecretBytesTest, HoldsACopyOfItsInput) {
  std::string input = "key material";
  SecretBytes secret(input);
  input[0] = 'X';
  EXPECT_EQ(secret.view(), "key material");
  EXPECT_EQ(secret.size(), 12u);
  EXPECT_FALSE(secret.empty());
}

TEST(SecretBytesTest, SizedConstructorIsZeroFilled) {
  SecretBytes secret(4);
  EXPECT_EQ(secret.view(), std::string(4, '\0'));
  secret.data()[2] = 7;
  EXPECT_EQ(secret.view(), std::string("\0\0\x07\0", 4));
}

TEST(SecretBytesTest, MoveLeavesSourceEmpty) {
  SecretBytes a(absl::string_view("abc"));
  SecretBytes b(std::move(a));
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): the contract under test
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_EQ(b.view(), "abc");
  SecretBytes c(absl::string_view("longer value"));
  c = std::move(b);
  EXPECT_EQ(c.view(), "abc");
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
}

TEST(SecretBytesTest, CopiesAreIndependent) {
  SecretBytes a(absl::string_view("abc"));
  SecretBytes b = a;
  b.data()[0] = 'z';
  EXPECT_EQ(a.view(), "abc");
  EXPECT_EQ(b.view(), "zbc");
  a = b;
  EXPECT_EQ(a.view(), "zbc");
  EXPECT_NE(a.data(), b.data());
}

TEST(SecretBytesTest, RandomFillsFromTheSource) {
  DeterministicRandom random1(7), random2(7);
  ASSERT_OK_AND_ASSIGN(SecretBytes a, SecretBytes::Random(48, &random1));
  ASSERT_OK_AND_ASSIGN(SecretBytes b, SecretBytes::Random(48, &random2));
  EXPECT_EQ(a.size(), 48u);
  EXPECT_EQ(a.view(), b.view());
  EXPECT_NE(a.view(), std::string(48, '\0'));
}

}  // namespace
}  // namespace enlace
