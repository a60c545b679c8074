#include "domain/request_lifecycle.h"

#include "domain/content.h"
#include "domain/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace::domain {
namespace {

using ::enlace::domain::testing::IssueIs;
using ::enlace::domain::testing::IssuesOf;
using ::enlace::domain::testing::LoadExample;
using ::enlace::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;

class RequestLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(v1::Content content,
                         LoadExample("info_request_secretariat_legislation_matrix.json"));
    request_ = content.info_request();
    deadline_ = TimeFromProto(request_.deadline());
    case_ = NewRequestCase(request_, {"node/CR", "node/HN", "node/PA"});
  }

  RequestCase Answer(const RequestCase& c, const std::string& who, absl::Time at) {
    absl::StatusOr<RequestCase> next = ApplyRequestAnswer(c, who, at);
    EXPECT_OK(next.status()) << who;
    return next.ok() ? *next : c;
  }

  v1::InfoRequest request_;
  absl::Time deadline_;
  RequestCase case_;
};

TEST_F(RequestLifecycleTest, EachAddresseeIsPendingThenOverdueUntilItAnswers) {
  EXPECT_EQ(case_.request_ref, request_.request_ref());
  EXPECT_EQ(case_.deadline, deadline_);
  EXPECT_THAT(RequestDeadlineStatuses(case_, deadline_ - absl::Hours(1)),
              ElementsAre(Pair("node/CR", v1::DEADLINE_STATUS_PENDING),
                          Pair("node/HN", v1::DEADLINE_STATUS_PENDING),
                          Pair("node/PA", v1::DEADLINE_STATUS_PENDING)));
  EXPECT_FALSE(FullyAnswered(case_));

  // CR and HN answer in time; PA does not.
  RequestCase c = Answer(case_, "node/CR", deadline_ - absl::Hours(5));
  c = Answer(c, "node/HN", deadline_ - absl::Hours(2));
  EXPECT_THAT(OverdueAddressees(c, deadline_), IsEmpty());  // the deadline itself is in time
  const absl::Time after = deadline_ + absl::Seconds(1);
  EXPECT_THAT(RequestDeadlineStatuses(c, after),
              ElementsAre(Pair("node/CR", v1::DEADLINE_STATUS_MET),
                          Pair("node/HN", v1::DEADLINE_STATUS_MET),
                          Pair("node/PA", v1::DEADLINE_STATUS_OVERDUE)));
  EXPECT_THAT(OverdueAddressees(c, after), ElementsAre("node/PA"));
  EXPECT_FALSE(FullyAnswered(c));

  // PA answers late: no one is overdue any more, and PA's answer is marked late.
  c = Answer(c, "node/PA", deadline_ + absl::Hours(30));
  EXPECT_THAT(OverdueAddressees(c, deadline_ + absl::Hours(31)), IsEmpty());
  EXPECT_EQ(RequestDeadlineStatuses(c, deadline_ + absl::Hours(31))["node/PA"],
            v1::DEADLINE_STATUS_MET_LATE);
  EXPECT_TRUE(FullyAnswered(c));
}

TEST_F(RequestLifecycleTest, TheFirstAnswerCountsAndLaterOnesChangeNothing) {
  RequestCase c = Answer(case_, "node/HN", deadline_ - absl::Hours(1));
  RequestCase again = Answer(c, "node/HN", deadline_ + absl::Hours(10));
  EXPECT_EQ(again.answered_at["node/HN"], deadline_ - absl::Hours(1));
  EXPECT_EQ(RequestDeadlineStatuses(again, deadline_ + absl::Hours(11))["node/HN"],
            v1::DEADLINE_STATUS_MET);
}

TEST_F(RequestLifecycleTest, AnAnswerFromSomeoneNotAddressedIsRefusedInBothLanguages) {
  absl::StatusOr<RequestCase> next = ApplyRequestAnswer(case_, "node/MX", deadline_);
  EXPECT_THAT(next, StatusIs(absl::StatusCode::kNotFound, HasSubstr("node/MX")));
  EXPECT_THAT(IssuesOf(next.status()),
              ElementsAre(IssueIs("", v1::DOMAIN_ERROR_UNKNOWN_RECIPIENT)));
  EXPECT_THAT(IssuesOf(next.status())[0].message_en(), HasSubstr("node/CR, node/HN, node/PA"));
}

TEST_F(RequestLifecycleTest, ItEndsAtTheLastAnswerOnceEveryoneAnsweredElseAtItsDeadline) {
  EXPECT_EQ(RequestEndedAt(case_), deadline_);
  RequestCase c = Answer(case_, "node/PA", deadline_ - absl::Hours(3));
  c = Answer(c, "node/CR", deadline_ - absl::Hours(9));
  EXPECT_EQ(RequestEndedAt(c), deadline_);  // HN still owes its answer
  c = Answer(c, "node/HN", deadline_ - absl::Hours(6));
  EXPECT_EQ(RequestEndedAt(c), deadline_ - absl::Hours(3));

  // Without a deadline an unanswered request never ends; nobody is ever overdue.
  v1::InfoRequest open = request_;
  open.clear_deadline();
  RequestCase no_deadline = NewRequestCase(open, {"node/HN"});
  EXPECT_EQ(RequestEndedAt(no_deadline), absl::InfiniteFuture());
  EXPECT_THAT(OverdueAddressees(no_deadline, deadline_ + absl::Hours(24 * 3650)), IsEmpty());
  // A request addressed to no one is never answered.
  EXPECT_FALSE(FullyAnswered(NewRequestCase(request_, {})));
}

}  // namespace
}  // namespace enlace::domain
