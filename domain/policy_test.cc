#include "domain/policy.h"

#include "base/time.h"
#include "domain/content.h"
#include "domain/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace::domain {
namespace {

using ::enlace::domain::testing::ExamplesNow;
using ::enlace::domain::testing::LoadExample;
using ::enlace::testing::StatusIs;
using ::testing::HasSubstr;

TEST(DeadlinesTest, ResponseWindowByUrgency) {
  const DeadlinePolicy policy;
  EXPECT_EQ(ResponseWindow(v1::URGENCY_IMMEDIATE, policy), absl::Hours(24));
  EXPECT_EQ(ResponseWindow(v1::URGENCY_URGENT, policy), absl::Hours(72));
  EXPECT_EQ(ResponseWindow(v1::URGENCY_ROUTINE, policy), Days(14));
  EXPECT_EQ(ResponseWindow(v1::URGENCY_UNSPECIFIED, policy), Days(14));
}

TEST(DeadlinesTest, EvaluateDeadline) {
  const absl::Time due = ExamplesNow();
  EXPECT_EQ(EvaluateDeadline(due, absl::nullopt, due), v1::DEADLINE_STATUS_PENDING);
  EXPECT_EQ(EvaluateDeadline(due, absl::nullopt, due + absl::Seconds(1)),
            v1::DEADLINE_STATUS_OVERDUE);
  EXPECT_EQ(EvaluateDeadline(due, due, due + Days(3)), v1::DEADLINE_STATUS_MET);
  EXPECT_EQ(EvaluateDeadline(due, due + absl::Minutes(1), due), v1::DEADLINE_STATUS_MET_LATE);
}

TEST(DeadlinesTest, OverdueInformationRequest) {
  ASSERT_OK_AND_ASSIGN(const v1::Content request,
                       LoadExample("info_request_sv_to_hn_document_verification.json"));
  const absl::Time deadline = *ParseUtc("2026-03-27T23:59:00Z");
  EXPECT_EQ(InfoRequestDeadlineStatus(request.info_request(), absl::nullopt, ExamplesNow()),
            v1::DEADLINE_STATUS_PENDING);
  EXPECT_EQ(
      InfoRequestDeadlineStatus(request.info_request(), absl::nullopt, deadline + absl::Minutes(1)),
      v1::DEADLINE_STATUS_OVERDUE);
  ASSERT_OK_AND_ASSIGN(const v1::Content response,
                       LoadExample("info_response_hn_to_sv_document_verification.json"));
  EXPECT_EQ(InfoRequestDeadlineStatus(request.info_request(),
                                      TimeFromProto(response.info_response().answered_at()),
                                      deadline + Days(10)),
            v1::DEADLINE_STATUS_MET);
}

TEST(DeadlinesTest, LegislationMatrixInputsAgainstTheRequestDeadline) {
  ASSERT_OK_AND_ASSIGN(const v1::Content update, LoadExample("legislation_matrix_update_cr.json"));
  const auto& matrix = update.legislation_matrix_update();
  EXPECT_EQ(MatrixUpdateDeadlineStatus(matrix, ExamplesNow()), v1::DEADLINE_STATUS_MET);
  EXPECT_EQ(MatrixUpdateDeadlineStatus(matrix, *ParseUtc("2026-05-02T10:00:00Z")),
            v1::DEADLINE_STATUS_MET_LATE);
  // The request side: still pending on 20 March, overdue on 1 May without an answer.
  ASSERT_OK_AND_ASSIGN(const v1::Content request,
                       LoadExample("info_request_secretariat_legislation_matrix.json"));
  EXPECT_EQ(InfoRequestDeadlineStatus(request.info_request(), absl::nullopt,
                                      *ParseUtc("2026-05-01T00:00:00Z")),
            v1::DEADLINE_STATUS_OVERDUE);
}

TEST(DeadlinesTest, PolicyIsChecked) {
  EXPECT_OK(CheckDeadlinePolicy(DeadlinePolicy()));
  DeadlinePolicy policy;
  policy.urgent_response = absl::Hours(12);
  EXPECT_THAT(CheckDeadlinePolicy(policy),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("urgent_response")));
  policy = DeadlinePolicy();
  policy.referral_inactivity_expiry = absl::ZeroDuration();
  EXPECT_THAT(CheckDeadlinePolicy(policy),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("positive")));
}

TEST(RetentionTest, DefaultsFollowTheDataProtectionRules) {
  const RetentionPolicy policy;
  EXPECT_OK(CheckRetentionPolicy(policy));
  const absl::Time closed = ExamplesNow();
  // Referral content 12 months after closing; metadata 5 years.
  EXPECT_EQ(ContentPurgeAt(v1::KIND_VICTIM_REFERRAL, closed, policy), closed + Days(365));
  EXPECT_EQ(ContentPurgeAt(v1::KIND_REFERRAL_STATUS, closed, policy), closed + Days(365));
  for (int kind = v1::MessageKind_MIN; kind <= v1::MessageKind_MAX; ++kind) {
    EXPECT_EQ(MetadataPurgeAt(static_cast<v1::MessageKind>(kind), closed, policy),
              closed + Days(1826));
  }
  // Alerts valid 6 months by default, 12 at most.
  EXPECT_EQ(DefaultAlertValidUntil(closed, policy), closed + Days(182));
  EXPECT_EQ(policy.alert_max_validity, Days(365));
  EXPECT_EQ(RetentionFor(v1::KIND_ALERT_FEEDBACK, policy).content, policy.alert_content);
  EXPECT_EQ(RetentionFor(v1::KIND_INFO_RESPONSE, policy).content, policy.request_content);
  EXPECT_EQ(RetentionFor(v1::KIND_DOCUMENT, policy).content, policy.publication_content);
  // An unknown kind never gets more than the shortest content retention.
  EXPECT_EQ(RetentionFor(v1::KIND_UNSPECIFIED, policy).content, policy.alert_content);
}

TEST(RetentionTest, ConfigurablePerCountry) {
  RetentionPolicy policy;
  policy.referral_content = Days(180);
  EXPECT_OK(CheckRetentionPolicy(policy));
  EXPECT_EQ(ContentPurgeAt(v1::KIND_VICTIM_REFERRAL, ExamplesNow(), policy),
            ExamplesNow() + Days(180));
  policy.metadata = Days(100);
  EXPECT_THAT(CheckRetentionPolicy(policy),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("metadata")));
  policy = RetentionPolicy();
  policy.alert_default_validity = Days(400);
  EXPECT_THAT(CheckRetentionPolicy(policy),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("alert_default_validity")));
  policy = RetentionPolicy();
  policy.alert_content = -absl::Hours(1);
  EXPECT_THAT(CheckRetentionPolicy(policy),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("alert_content")));
}

}  // namespace
}  // namespace enlace::domain
