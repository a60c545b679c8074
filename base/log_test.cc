#include "base/log.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace enlace {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

TEST(LogTest, WritesOneEscapedJsonObjectPerEvent) {
  std::vector<std::string> lines;
  SetLogSink([&lines](absl::string_view line) { lines.emplace_back(line); });
  LogInfo("submit.accepted", {{"sender", "node/MX"}, {"note", "a \"quoted\"\nline"}});
  SetLogSink(nullptr);
  ASSERT_THAT(lines, SizeIs(1));
  EXPECT_THAT(lines[0], HasSubstr("\"event\":\"submit.accepted\""));
  EXPECT_THAT(lines[0], HasSubstr("\"sender\":\"node/MX\""));
  EXPECT_THAT(lines[0], HasSubstr("\"note\":\"a \\\"quoted\\\"\\nline\""));
  EXPECT_EQ(lines[0].find('\n'), std::string::npos);
}

TEST(LogTest, DropsLinesBelowTheMinimumLevel) {
  std::vector<std::string> lines;
  SetLogSink([&lines](absl::string_view line) { lines.emplace_back(line); });
  SetMinLogLevel(LogLevel::kWarning);
  LogInfo("quiet");
  LogWarning("loud");
  SetMinLogLevel(LogLevel::kInfo);
  SetLogSink(nullptr);
  ASSERT_THAT(lines, SizeIs(1));
  EXPECT_THAT(lines[0], HasSubstr("\"level\":\"warning\""));
}

TEST(LogTest, QuotesControlCharacters) {
  EXPECT_EQ(JsonQuote(std::string("\x01", 1)), "\"\\u0001\"");
}

}  // namespace
}  // namespace enlace
