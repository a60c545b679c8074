#include "domain/alert_lifecycle.h"

#include "base/env.h"
#include "domain/content.h"
#include "domain/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace::domain {
namespace {

using ::enlace::domain::testing::ExamplesNow;
using ::enlace::domain::testing::IssueIs;
using ::enlace::domain::testing::IssuesOf;
using ::enlace::domain::testing::LoadExample;
using ::testing::ElementsAre;
using ::testing::Pair;

constexpr v1::AlertSide kOriginator = v1::ALERT_SIDE_ORIGINATOR;
constexpr v1::AlertSide kRecipient = v1::ALERT_SIDE_RECIPIENT;

class AlertLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(alert_, LoadExample("smuggling_alert_us_route_to_gt_hn_sv_mx.json"));
    draft_ = NewAlertCase(alert_.smuggling_alert(), {"node/GT", "node/HN", "node/SV", "node/MX"});
  }

  AlertCase Step(const AlertCase& c, AlertStep step, v1::AlertSide side) {
    absl::StatusOr<AlertCase> next = ApplyAlertStep(c, step, side, clock_.Now(), policy_);
    EXPECT_OK(next.status()) << v1::AlertState_Name(step.to);
    return next.ok() ? *next : c;
  }

  AlertCase Published() { return Step(draft_, {v1::ALERT_STATE_PUBLISHED}, kOriginator); }

  absl::Status Try(const AlertCase& c, AlertStep step, v1::AlertSide side) {
    return ApplyAlertStep(c, step, side, clock_.Now(), policy_).status();
  }

  FakeClock clock_{ExamplesNow()};
  RetentionPolicy policy_;
  v1::Content alert_;
  AlertCase draft_;
};

TEST_F(AlertLifecycleTest, LifecycleStepByStep) {
  EXPECT_EQ(draft_.state, v1::ALERT_STATE_DRAFT);
  EXPECT_EQ(draft_.valid_until, TimeFromProto(alert_.smuggling_alert().valid_until()));

  AlertCase c = Published();
  EXPECT_EQ(c.state, v1::ALERT_STATE_PUBLISHED);
  EXPECT_EQ(c.revision, 1u);
  EXPECT_THAT(c.recipients, ElementsAre(Pair("node/GT", v1::ALERT_STATE_PUBLISHED),
                                        Pair("node/HN", v1::ALERT_STATE_PUBLISHED),
                                        Pair("node/MX", v1::ALERT_STATE_PUBLISHED),
                                        Pair("node/SV", v1::ALERT_STATE_PUBLISHED)));

  // Acknowledged per recipient.
  for (const char* id : {"node/GT", "node/HN", "node/SV", "node/MX"}) {
    c = Step(c, {v1::ALERT_STATE_ACKNOWLEDGED, id}, kRecipient);
    EXPECT_EQ(c.recipients[id], v1::ALERT_STATE_ACKNOWLEDGED);
  }

  // An update must be acknowledged again.
  clock_.Advance(absl::Hours(6));
  c = Step(c, {v1::ALERT_STATE_UPDATED, "", 2, ExamplesNow() + Days(120)}, kOriginator);
  EXPECT_EQ(c.state, v1::ALERT_STATE_UPDATED);
  EXPECT_EQ(c.revision, 2u);
  EXPECT_EQ(c.valid_until, ExamplesNow() + Days(120));
  EXPECT_EQ(c.recipients["node/GT"], v1::ALERT_STATE_UPDATED);
  c = Step(c, {v1::ALERT_STATE_ACKNOWLEDGED, "node/GT", 2}, kRecipient);

  // Feedback (hit / no hit), possibly more than once.
  c = Step(c, {v1::ALERT_STATE_FEEDBACK, "node/GT", 2}, kRecipient);
  c = Step(c, {v1::ALERT_STATE_FEEDBACK, "node/GT"}, kRecipient);
  EXPECT_EQ(c.recipients["node/GT"], v1::ALERT_STATE_FEEDBACK);

  // Expiry only once the validity has passed; then archive; purge after the retention.
  EXPECT_THAT(IssuesOf(Try(c, {v1::ALERT_STATE_EXPIRED}, kRecipient)),
              ElementsAre(IssueIs("", v1::DOMAIN_ERROR_TOO_EARLY)));
  clock_.Set(ExamplesNow() + Days(120));
  c = Step(c, {v1::ALERT_STATE_EXPIRED}, kRecipient);
  EXPECT_EQ(c.ended_at, clock_.Now());
  c = Step(c, {v1::ALERT_STATE_ARCHIVED}, kOriginator);
  EXPECT_EQ(AlertPurgeAt(c, policy_), clock_.Now() + policy_.alert_content);
  EXPECT_THAT(IssuesOf(Try(c, {v1::ALERT_STATE_PURGED}, kOriginator)),
              ElementsAre(IssueIs("", v1::DOMAIN_ERROR_TOO_EARLY)));
  clock_.Advance(policy_.alert_content);
  c = Step(c, {v1::ALERT_STATE_PURGED}, kOriginator);
  EXPECT_EQ(c.state, v1::ALERT_STATE_PURGED);
  EXPECT_THAT(IssuesOf(Try(c, {v1::ALERT_STATE_ARCHIVED}, kOriginator)),
              ElementsAre(IssueIs("", v1::DOMAIN_ERROR_STEP_NOT_ALLOWED)));
}

TEST_F(AlertLifecycleTest, WithdrawnByTheOriginatorOnly) {
  const AlertCase c = Published();
  const absl::Status status = Try(c, {v1::ALERT_STATE_WITHDRAWN}, kRecipient);
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  const auto issues = IssuesOf(status);
  ASSERT_THAT(issues, ElementsAre(IssueIs("smuggling_alert.action", v1::DOMAIN_ERROR_WRONG_SIDE)));
  EXPECT_EQ(issues[0].message_en(),
            "The step “Withdrawn” may only be taken by the originator, not the recipient.");
  const AlertCase withdrawn = Step(c, {v1::ALERT_STATE_WITHDRAWN}, kOriginator);
  EXPECT_EQ(withdrawn.ended_at, clock_.Now());
  EXPECT_THAT(IssuesOf(Try(withdrawn, {v1::ALERT_STATE_ACKNOWLEDGED, "node/GT"}, kRecipient)),
              ElementsAre(IssueIs("alert_feedback.type", v1::DOMAIN_ERROR_STEP_NOT_ALLOWED)));
  Step(withdrawn, {v1::ALERT_STATE_ARCHIVED}, kRecipient);
}

TEST_F(AlertLifecycleTest, OnlyTheOriginatorPublishesAndUpdates) {
  EXPECT_EQ(Try(draft_, {v1::ALERT_STATE_PUBLISHED}, kRecipient).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Try(Published(), {v1::ALERT_STATE_UPDATED}, kRecipient).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(AlertLifecycleTest, RecipientsAcknowledgeAndGiveFeedbackOnlyForThemselves) {
  const AlertCase c = Published();
  EXPECT_EQ(Try(c, {v1::ALERT_STATE_ACKNOWLEDGED, "node/GT"}, kOriginator).code(),
            absl::StatusCode::kPermissionDenied);
  const absl::Status unknown = Try(c, {v1::ALERT_STATE_ACKNOWLEDGED, "node/PA"}, kRecipient);
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(IssuesOf(unknown),
              ElementsAre(IssueIs("alert_feedback.type", v1::DOMAIN_ERROR_UNKNOWN_RECIPIENT)));
}

TEST_F(AlertLifecycleTest, FeedbackComesAfterAcknowledgement) {
  AlertCase c = Published();
  const auto issues = IssuesOf(Try(c, {v1::ALERT_STATE_FEEDBACK, "node/HN"}, kRecipient));
  ASSERT_THAT(issues,
              ElementsAre(IssueIs("alert_feedback.type", v1::DOMAIN_ERROR_STEP_NOT_ALLOWED)));
  EXPECT_EQ(issues[0].message_en(),
            "Cannot go from “Published” to “Feedback given”; steps allowed from “Published”: "
            "“Acknowledged”.");
  c = Step(c, {v1::ALERT_STATE_ACKNOWLEDGED, "node/HN"}, kRecipient);
  EXPECT_THAT(IssuesOf(Try(c, {v1::ALERT_STATE_ACKNOWLEDGED, "node/HN"}, kRecipient)),
              ElementsAre(IssueIs("alert_feedback.type", v1::DOMAIN_ERROR_STEP_NOT_ALLOWED)));
  Step(c, {v1::ALERT_STATE_FEEDBACK, "node/HN"}, kRecipient);
}

TEST_F(AlertLifecycleTest, StepsAboutAnOlderRevisionChangeNothing) {
  AlertCase c = Step(Published(), {v1::ALERT_STATE_UPDATED}, kOriginator);
  ASSERT_EQ(c.revision, 2u);
  const AlertCase after = Step(c, {v1::ALERT_STATE_ACKNOWLEDGED, "node/SV", 1}, kRecipient);
  EXPECT_EQ(after.recipients.at("node/SV"), v1::ALERT_STATE_UPDATED);
  EXPECT_THAT(IssuesOf(Try(c, {v1::ALERT_STATE_ACKNOWLEDGED, "node/SV", 3}, kRecipient)),
              ElementsAre(IssueIs("alert_feedback.type", v1::DOMAIN_ERROR_UNKNOWN_REVISION)));
}

TEST_F(AlertLifecycleTest, UpdateMustBeNewerAndStillValid) {
  const AlertCase c = Step(Published(), {v1::ALERT_STATE_UPDATED, "", 3}, kOriginator);
  EXPECT_THAT(IssuesOf(Try(c, {v1::ALERT_STATE_UPDATED, "", 3}, kOriginator)),
              ElementsAre(IssueIs("smuggling_alert.action", v1::DOMAIN_ERROR_REVISION_NOT_NEWER)));
  EXPECT_THAT(
      IssuesOf(
          Try(c, {v1::ALERT_STATE_UPDATED, "", 4, ExamplesNow() - absl::Hours(1)}, kOriginator)),
      ElementsAre(IssueIs("smuggling_alert.valid_until", v1::DOMAIN_ERROR_DEADLINE_PASSED)));
}

TEST_F(AlertLifecycleTest, PublishingNeedsRecipients) {
  const AlertCase nobody = NewAlertCase(alert_.smuggling_alert(), {});
  EXPECT_THAT(IssuesOf(Try(nobody, {v1::ALERT_STATE_PUBLISHED}, kOriginator)),
              ElementsAre(IssueIs("smuggling_alert.target_countries", v1::DOMAIN_ERROR_REQUIRED)));
}

TEST_F(AlertLifecycleTest, DraftCannotSkipPublication) {
  for (v1::AlertState to :
       {v1::ALERT_STATE_ACKNOWLEDGED, v1::ALERT_STATE_UPDATED, v1::ALERT_STATE_FEEDBACK,
        v1::ALERT_STATE_EXPIRED, v1::ALERT_STATE_WITHDRAWN, v1::ALERT_STATE_ARCHIVED,
        v1::ALERT_STATE_PURGED, v1::ALERT_STATE_DRAFT}) {
    EXPECT_EQ(Try(draft_, {to, "node/GT"}, kOriginator).code(),
              absl::StatusCode::kFailedPrecondition)
        << v1::AlertState_Name(to);
  }
}

TEST_F(AlertLifecycleTest, StepOfContent) {
  ASSERT_OK_AND_ASSIGN(const AlertStep publish, AlertStepOf(alert_, "node/US"));
  EXPECT_EQ(publish.to, v1::ALERT_STATE_PUBLISHED);
  EXPECT_EQ(publish.revision, 1u);
  EXPECT_EQ(publish.valid_until, TimeFromProto(alert_.smuggling_alert().valid_until()));

  ASSERT_OK_AND_ASSIGN(const v1::Content feedback, LoadExample("alert_feedback_gt_hit.json"));
  ASSERT_OK_AND_ASSIGN(const AlertStep hit, AlertStepOf(feedback, "node/GT"));
  EXPECT_EQ(hit.to, v1::ALERT_STATE_FEEDBACK);
  EXPECT_EQ(hit.recipient, "node/GT");

  v1::Content ack = feedback;
  ack.mutable_alert_feedback()->set_type(v1::FEEDBACK_TYPE_ACKNOWLEDGED);
  ASSERT_OK_AND_ASSIGN(const AlertStep acknowledged, AlertStepOf(ack, "node/GT"));
  EXPECT_EQ(acknowledged.to, v1::ALERT_STATE_ACKNOWLEDGED);
  EXPECT_EQ(AlertStepSide(acknowledged.to), kRecipient);

  v1::Content withdraw = alert_;
  withdraw.mutable_smuggling_alert()->set_action(v1::ALERT_ACTION_WITHDRAW);
  ASSERT_OK_AND_ASSIGN(const AlertStep withdrawn, AlertStepOf(withdraw, "node/US"));
  EXPECT_EQ(withdrawn.to, v1::ALERT_STATE_WITHDRAWN);

  ASSERT_OK_AND_ASSIGN(const v1::Content referral, LoadExample("referral_status_gt_accepted.json"));
  EXPECT_THAT(IssuesOf(AlertStepOf(referral, "node/GT").status()),
              ElementsAre(IssueIs("", v1::DOMAIN_ERROR_NOT_A_LIFECYCLE_STEP)));
}

// The recipient's node keeps only itself and follows the same machine on receipt.
TEST_F(AlertLifecycleTest, RecipientNodeView) {
  AlertCase mine = NewAlertCase(alert_.smuggling_alert(), {"node/GT"});
  ASSERT_OK_AND_ASSIGN(const AlertStep publish, AlertStepOf(alert_, "node/US"));
  mine = Step(mine, publish, kOriginator);
  mine = Step(mine, {v1::ALERT_STATE_ACKNOWLEDGED, "node/GT"}, kRecipient);
  EXPECT_THAT(mine.recipients, ElementsAre(Pair("node/GT", v1::ALERT_STATE_ACKNOWLEDGED)));
}

}  // namespace
}  // namespace enlace::domain
