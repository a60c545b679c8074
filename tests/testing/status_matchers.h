// gMock matchers for absl::Status and absl::StatusOr (Debian's Abseil ships none).
//
//   EXPECT_THAT(Parse(x), IsOk());
//   EXPECT_THAT(Parse(x), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("length")));
//   EXPECT_THAT(Parse(x), IsOkAndHolds(Eq(3)));
//   ASSERT_OK_AND_ASSIGN(auto value, Parse(x));
#ifndef ENLACE_TESTS_TESTING_STATUS_MATCHERS_H_
#define ENLACE_TESTS_TESTING_STATUS_MATCHERS_H_

#include <ostream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace enlace::testing {

inline const absl::Status& GetStatus(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  if (!status.ok()) *result_listener << "status is " << status;
  return status.ok();
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has code " + std::string(absl::StatusCodeToString(code))) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, std::string(status.message()),
                                       result_listener);
}

MATCHER_P(IsOkAndHolds, value_matcher, "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(value_matcher, *arg, result_listener);
}

}  // namespace enlace::testing

#define ENLACE_TESTING_CONCAT_INNER(a, b) a##b
#define ENLACE_TESTING_CONCAT(a, b) ENLACE_TESTING_CONCAT_INNER(a, b)

#define ASSERT_OK(expr) ASSERT_THAT((expr), ::enlace::testing::IsOk())
#define EXPECT_OK(expr) EXPECT_THAT((expr), ::enlace::testing::IsOk())

#define ASSERT_OK_AND_ASSIGN(lhs, expr)                        \
  auto ENLACE_TESTING_CONCAT(statusor_, __LINE__) = (expr);    \
  ASSERT_TRUE(ENLACE_TESTING_CONCAT(statusor_, __LINE__).ok()) \
      << ENLACE_TESTING_CONCAT(statusor_, __LINE__).status();  \
  lhs = std::move(ENLACE_TESTING_CONCAT(statusor_, __LINE__)).value()

#endif  // ENLACE_TESTS_TESTING_STATUS_MATCHERS_H_
