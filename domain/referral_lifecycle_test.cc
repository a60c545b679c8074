#include "domain/referral_lifecycle.h"

#include <set>
#include <tuple>
#include <utility>

#include "base/env.h"
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
using ::enlace::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr v1::ReferralSide kReferring = v1::REFERRAL_SIDE_REFERRING;
constexpr v1::ReferralSide kReceiving = v1::REFERRAL_SIDE_RECEIVING;

// The steps as the design states them (shared design, domain.md), restated independently of the
// implementation's table: from, to, the side that takes it, and whether it needs a return.
enum class Needs { kAny, kReturn, kNoReturn };
struct Expected {
  v1::ReferralState from;
  v1::ReferralState to;
  v1::ReferralSide side;
  Needs needs;
};
const Expected kExpected[] = {
    {v1::REFERRAL_STATE_DRAFT, v1::REFERRAL_STATE_SENT, kReferring, Needs::kAny},
    {v1::REFERRAL_STATE_SENT, v1::REFERRAL_STATE_RECEIVED, kReceiving, Needs::kAny},
    {v1::REFERRAL_STATE_RECEIVED, v1::REFERRAL_STATE_INFO_REQUESTED, kReceiving, Needs::kAny},
    {v1::REFERRAL_STATE_INFO_REQUESTED, v1::REFERRAL_STATE_INFO_PROVIDED, kReferring, Needs::kAny},
    {v1::REFERRAL_STATE_INFO_PROVIDED, v1::REFERRAL_STATE_INFO_REQUESTED, kReceiving, Needs::kAny},
    {v1::REFERRAL_STATE_RECEIVED, v1::REFERRAL_STATE_ACCEPTED, kReceiving, Needs::kAny},
    {v1::REFERRAL_STATE_RECEIVED, v1::REFERRAL_STATE_DECLINED, kReceiving, Needs::kAny},
    {v1::REFERRAL_STATE_INFO_PROVIDED, v1::REFERRAL_STATE_ACCEPTED, kReceiving, Needs::kAny},
    {v1::REFERRAL_STATE_INFO_PROVIDED, v1::REFERRAL_STATE_DECLINED, kReceiving, Needs::kAny},
    {v1::REFERRAL_STATE_ACCEPTED, v1::REFERRAL_STATE_RISK_ASSESSMENT, kReceiving, Needs::kAny},
    {v1::REFERRAL_STATE_RISK_ASSESSMENT, v1::REFERRAL_STATE_RETURN_PLANNED, kReceiving,
     Needs::kReturn},
    {v1::REFERRAL_STATE_RETURN_PLANNED, v1::REFERRAL_STATE_IN_TRANSIT, kReferring, Needs::kReturn},
    {v1::REFERRAL_STATE_IN_TRANSIT, v1::REFERRAL_STATE_RETURN_COMPLETED, kReceiving,
     Needs::kReturn},
    {v1::REFERRAL_STATE_RETURN_COMPLETED, v1::REFERRAL_STATE_ASSISTANCE_STARTED, kReceiving,
     Needs::kReturn},
    {v1::REFERRAL_STATE_RISK_ASSESSMENT, v1::REFERRAL_STATE_ASSISTANCE_STARTED, kReceiving,
     Needs::kNoReturn},
    {v1::REFERRAL_STATE_ASSISTANCE_STARTED, v1::REFERRAL_STATE_FOLLOW_UP, kReceiving, Needs::kAny},
    {v1::REFERRAL_STATE_FOLLOW_UP, v1::REFERRAL_STATE_CLOSED, kReceiving, Needs::kAny},
};

const v1::ReferralState kOpenStates[] = {
    v1::REFERRAL_STATE_SENT,
    v1::REFERRAL_STATE_RECEIVED,
    v1::REFERRAL_STATE_INFO_REQUESTED,
    v1::REFERRAL_STATE_INFO_PROVIDED,
    v1::REFERRAL_STATE_ACCEPTED,
    v1::REFERRAL_STATE_RISK_ASSESSMENT,
    v1::REFERRAL_STATE_RETURN_PLANNED,
    v1::REFERRAL_STATE_IN_TRANSIT,
    v1::REFERRAL_STATE_RETURN_COMPLETED,
    v1::REFERRAL_STATE_ASSISTANCE_STARTED,
    v1::REFERRAL_STATE_FOLLOW_UP,
};

ReferralCase CaseIn(v1::ReferralState state, bool involves_return, absl::Time at) {
  ReferralCase c;
  c.case_ref = "832ba50914912644152e930d378ece66";
  c.state = state;
  c.urgency = v1::URGENCY_IMMEDIATE;
  c.involves_return = involves_return;
  c.sent_at = at;
  c.last_step_at = at;
  return c;
}

class ReferralLifecycleTest : public ::testing::Test {
 protected:
  // Applies `to` by `side`, expecting success, and returns the new case.
  ReferralCase Step(const ReferralCase& c, v1::ReferralState to, v1::ReferralSide side,
                    v1::CloseReason reason = v1::CLOSE_REASON_UNSPECIFIED) {
    clock_.Advance(absl::Hours(1));
    absl::StatusOr<ReferralCase> next =
        ApplyReferralStep(c, {to, reason}, side, clock_.Now(), policy_);
    EXPECT_OK(next.status()) << v1::ReferralState_Name(c.state) << " -> "
                             << v1::ReferralState_Name(to);
    if (!next.ok()) return c;
    EXPECT_EQ(next->state, to);
    EXPECT_EQ(next->last_step_at, clock_.Now());
    return *next;
  }

  FakeClock clock_{ExamplesNow()};
  DeadlinePolicy policy_;
};

TEST_F(ReferralLifecycleTest, AssistedReturnStepByStep) {
  ASSERT_OK_AND_ASSIGN(const v1::Content example,
                       LoadExample("victim_referral_mx_to_gt_unaccompanied_girl.json"));
  ReferralCase c = NewReferralCase(example.victim_referral());
  EXPECT_EQ(c.state, v1::REFERRAL_STATE_DRAFT);
  EXPECT_TRUE(c.involves_return);
  EXPECT_EQ(c.urgency, v1::URGENCY_IMMEDIATE);

  c = Step(c, v1::REFERRAL_STATE_SENT, kReferring);
  EXPECT_EQ(c.sent_at, clock_.Now());
  c = Step(c, v1::REFERRAL_STATE_RECEIVED, kReceiving);
  c = Step(c, v1::REFERRAL_STATE_INFO_REQUESTED, kReceiving);
  c = Step(c, v1::REFERRAL_STATE_INFO_PROVIDED, kReferring);
  c = Step(c, v1::REFERRAL_STATE_INFO_REQUESTED, kReceiving);
  c = Step(c, v1::REFERRAL_STATE_INFO_PROVIDED, kReferring);
  c = Step(c, v1::REFERRAL_STATE_ACCEPTED, kReceiving);
  c = Step(c, v1::REFERRAL_STATE_RISK_ASSESSMENT, kReceiving);
  c = Step(c, v1::REFERRAL_STATE_RETURN_PLANNED, kReceiving);
  c = Step(c, v1::REFERRAL_STATE_IN_TRANSIT, kReferring);
  c = Step(c, v1::REFERRAL_STATE_RETURN_COMPLETED, kReceiving);
  c = Step(c, v1::REFERRAL_STATE_ASSISTANCE_STARTED, kReceiving);
  c = Step(c, v1::REFERRAL_STATE_FOLLOW_UP, kReceiving);
  c = Step(c, v1::REFERRAL_STATE_CLOSED, kReceiving, v1::CLOSE_REASON_SERVICES_COMPLETED);
  EXPECT_FALSE(IsOpenReferralState(c.state));
}

TEST_F(ReferralLifecycleTest, WithoutAReturnAssistanceFollowsTheRiskAssessment) {
  ReferralCase c =
      CaseIn(v1::REFERRAL_STATE_RISK_ASSESSMENT, /*involves_return=*/false, clock_.Now());
  EXPECT_THAT(
      ApplyReferralStep(c, {v1::REFERRAL_STATE_RETURN_PLANNED}, kReceiving, clock_.Now(), policy_),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("Return planned")));
  c = Step(c, v1::REFERRAL_STATE_ASSISTANCE_STARTED, kReceiving);
  c = Step(c, v1::REFERRAL_STATE_FOLLOW_UP, kReceiving);
}

TEST_F(ReferralLifecycleTest, DeclineEndsTheReferral) {
  ReferralCase c = CaseIn(v1::REFERRAL_STATE_RECEIVED, true, clock_.Now());
  c = Step(c, v1::REFERRAL_STATE_DECLINED, kReceiving);
  EXPECT_FALSE(IsOpenReferralState(c.state));
  EXPECT_THAT(AllowedReferralSteps(c, kReceiving, clock_.Now() + Days(1000), policy_),
              ::testing::IsEmpty());
}

// Every (from, to, side) combination: allowed exactly when the design says so.
TEST_F(ReferralLifecycleTest, MachineMatchesTheDesignForEveryStateStepAndSide) {
  const absl::Time now = clock_.Now();
  for (bool involves_return : {true, false}) {
    for (int from = v1::ReferralState_MIN; from <= v1::ReferralState_MAX; ++from) {
      for (int to = v1::ReferralState_MIN; to <= v1::ReferralState_MAX; ++to) {
        for (v1::ReferralSide side : {kReferring, kReceiving}) {
          const auto f = static_cast<v1::ReferralState>(from);
          const auto t = static_cast<v1::ReferralState>(to);
          const bool open =
              std::find(std::begin(kOpenStates), std::end(kOpenStates), f) != std::end(kOpenStates);
          bool expected = false;
          for (const Expected& e : kExpected) {
            expected |= e.from == f && e.to == t && e.side == side &&
                        (e.needs == Needs::kAny || (e.needs == Needs::kReturn) == involves_return);
          }
          expected |= t == v1::REFERRAL_STATE_WITHDRAWN && open && side == kReferring;
          expected |=
              t == v1::REFERRAL_STATE_CLOSED && side == kReceiving &&
              (f == v1::REFERRAL_STATE_ACCEPTED || f == v1::REFERRAL_STATE_RISK_ASSESSMENT ||
               f == v1::REFERRAL_STATE_RETURN_PLANNED || f == v1::REFERRAL_STATE_IN_TRANSIT ||
               f == v1::REFERRAL_STATE_RETURN_COMPLETED ||
               f == v1::REFERRAL_STATE_ASSISTANCE_STARTED);
          // Expiry, by either side, once the inactivity period has passed.
          const absl::Time when =
              t == v1::REFERRAL_STATE_EXPIRED ? now + policy_.referral_inactivity_expiry : now;
          expected |= t == v1::REFERRAL_STATE_EXPIRED && open;
          const bool allowed = ApplyReferralStep(CaseIn(f, involves_return, now),
                                                 {t, v1::CLOSE_REASON_OTHER}, side, when, policy_)
                                   .ok();
          EXPECT_EQ(allowed, expected)
              << v1::ReferralState_Name(f) << " -> " << v1::ReferralState_Name(t) << " by "
              << v1::ReferralSide_Name(side) << (involves_return ? " (return)" : " (no return)");
        }
      }
    }
  }
}

TEST_F(ReferralLifecycleTest, StatusStepOutOfOrderIsRefused) {
  const ReferralCase c = CaseIn(v1::REFERRAL_STATE_RECEIVED, true, clock_.Now());
  const absl::Status status =
      ApplyReferralStep(c, {v1::REFERRAL_STATE_IN_TRANSIT}, kReferring, clock_.Now(), policy_)
          .status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  const auto issues = IssuesOf(status);
  ASSERT_THAT(issues,
              ElementsAre(IssueIs("referral_status.state", v1::DOMAIN_ERROR_STEP_NOT_ALLOWED)));
  EXPECT_EQ(issues[0].message_en(),
            "Cannot go from “Received” to “In transit”; steps allowed from “Received”: "
            "“Information requested”, “Accepted”, “Declined”, “Withdrawn”, “Expired”.");
  EXPECT_EQ(issues[0].message_es(),
            "No se puede pasar de «Recibida» a «En tránsito»; pasos permitidos desde «Recibida»: "
            "«Información solicitada», «Aceptada», «Rechazada», «Retirada», «Vencida».");
}

TEST_F(ReferralLifecycleTest, StepByTheWrongSideIsRefused) {
  const ReferralCase c = CaseIn(v1::REFERRAL_STATE_RECEIVED, true, clock_.Now());
  const absl::Status status =
      ApplyReferralStep(c, {v1::REFERRAL_STATE_ACCEPTED}, kReferring, clock_.Now(), policy_)
          .status();
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  const auto issues = IssuesOf(status);
  ASSERT_THAT(issues, ElementsAre(IssueIs("referral_status.state", v1::DOMAIN_ERROR_WRONG_SIDE)));
  EXPECT_EQ(issues[0].message_en(),
            "The step “Accepted” may only be taken by the receiving side, not the referring side.");
  EXPECT_EQ(issues[0].message_es(),
            "El paso «Aceptada» solo lo puede dar la parte receptora, no la parte remitente.");
}

TEST_F(ReferralLifecycleTest, OnlyTheReferringSideWithdrawsFromEveryOpenState) {
  for (v1::ReferralState state : kOpenStates) {
    const ReferralCase c = CaseIn(state, true, clock_.Now());
    EXPECT_OK(
        ApplyReferralStep(c, {v1::REFERRAL_STATE_WITHDRAWN}, kReferring, clock_.Now(), policy_)
            .status())
        << v1::ReferralState_Name(state);
    EXPECT_THAT(
        ApplyReferralStep(c, {v1::REFERRAL_STATE_WITHDRAWN}, kReceiving, clock_.Now(), policy_),
        StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("referring side")));
  }
}

TEST_F(ReferralLifecycleTest, ExpiryOnlyAfterTheInactivityPeriod) {
  const ReferralCase c = CaseIn(v1::REFERRAL_STATE_SENT, true, clock_.Now());
  EXPECT_EQ(ReferralExpiresAt(c, policy_), clock_.Now() + Days(90));
  const absl::Status early = ApplyReferralStep(c, {v1::REFERRAL_STATE_EXPIRED}, kReceiving,
                                               clock_.Now() + Days(89), policy_)
                                 .status();
  EXPECT_EQ(early.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(IssuesOf(early),
              ElementsAre(IssueIs("referral_status.state", v1::DOMAIN_ERROR_TOO_EARLY)));
  for (v1::ReferralSide side : {kReferring, kReceiving}) {
    EXPECT_OK(
        ApplyReferralStep(c, {v1::REFERRAL_STATE_EXPIRED}, side, clock_.Now() + Days(90), policy_)
            .status());
  }
  EXPECT_THAT(ApplyReferralStep(c, {v1::REFERRAL_STATE_EXPIRED}, v1::REFERRAL_SIDE_UNSPECIFIED,
                                clock_.Now() + Days(90), policy_),
              StatusIs(absl::StatusCode::kPermissionDenied, ::testing::_));
  EXPECT_EQ(ReferralExpiresAt(CaseIn(v1::REFERRAL_STATE_CLOSED, true, clock_.Now()), policy_),
            absl::InfiniteFuture());
}

TEST_F(ReferralLifecycleTest, ServicesCompletedOnlyAfterFollowUp) {
  const ReferralCase c = CaseIn(v1::REFERRAL_STATE_IN_TRANSIT, true, clock_.Now());
  const absl::Status status =
      ApplyReferralStep(c, {v1::REFERRAL_STATE_CLOSED, v1::CLOSE_REASON_SERVICES_COMPLETED},
                        kReceiving, clock_.Now(), policy_)
          .status();
  EXPECT_THAT(IssuesOf(status), ElementsAre(IssueIs("referral_status.state",
                                                    v1::DOMAIN_ERROR_CLOSE_REASON_NOT_ALLOWED)));
  EXPECT_OK(ApplyReferralStep(c, {v1::REFERRAL_STATE_CLOSED, v1::CLOSE_REASON_CONTACT_LOST},
                              kReceiving, clock_.Now(), policy_)
                .status());
}

TEST_F(ReferralLifecycleTest, UnknownTargetStateIsRefused) {
  const ReferralCase c = CaseIn(v1::REFERRAL_STATE_RECEIVED, true, clock_.Now());
  const absl::Status status =
      ApplyReferralStep(c, {static_cast<v1::ReferralState>(77)}, kReceiving, clock_.Now(), policy_)
          .status();
  EXPECT_THAT(IssuesOf(status),
              ElementsAre(IssueIs("referral_status.state", v1::DOMAIN_ERROR_STEP_NOT_ALLOWED)));
  EXPECT_THAT(status.message(), HasSubstr("(unknown value 77)"));
}

TEST_F(ReferralLifecycleTest, AllowedStepsDependOnSideAndTime) {
  const ReferralCase c = CaseIn(v1::REFERRAL_STATE_RECEIVED, true, clock_.Now());
  EXPECT_THAT(AllowedReferralSteps(c, kReceiving, clock_.Now(), policy_),
              ElementsAre(v1::REFERRAL_STATE_INFO_REQUESTED, v1::REFERRAL_STATE_ACCEPTED,
                          v1::REFERRAL_STATE_DECLINED));
  EXPECT_THAT(AllowedReferralSteps(c, kReferring, clock_.Now(), policy_),
              ElementsAre(v1::REFERRAL_STATE_WITHDRAWN));
  EXPECT_THAT(AllowedReferralSteps(c, kReferring, clock_.Now() + Days(90), policy_),
              ElementsAre(v1::REFERRAL_STATE_WITHDRAWN, v1::REFERRAL_STATE_EXPIRED));
}

TEST_F(ReferralLifecycleTest, StepOfContent) {
  ASSERT_OK_AND_ASSIGN(const v1::Content referral,
                       LoadExample("victim_referral_mx_to_gt_unaccompanied_girl.json"));
  ASSERT_OK_AND_ASSIGN(const ReferralStep sent, ReferralStepOf(referral));
  EXPECT_EQ(sent.to, v1::REFERRAL_STATE_SENT);
  ASSERT_OK_AND_ASSIGN(const v1::Content status, LoadExample("referral_status_gt_accepted.json"));
  ASSERT_OK_AND_ASSIGN(const ReferralStep accepted, ReferralStepOf(status));
  EXPECT_EQ(accepted.to, v1::REFERRAL_STATE_ACCEPTED);
  EXPECT_EQ(ReferralStepSide(accepted.to), kReceiving);
  ASSERT_OK_AND_ASSIGN(const v1::Content bulletin,
                       LoadExample("bulletin_secretariat_iom_es_en.json"));
  EXPECT_THAT(IssuesOf(ReferralStepOf(bulletin).status()),
              ElementsAre(IssueIs("", v1::DOMAIN_ERROR_NOT_A_LIFECYCLE_STEP)));
}

TEST_F(ReferralLifecycleTest, ResponseDeadlineByUrgency) {
  ReferralCase c = CaseIn(v1::REFERRAL_STATE_DRAFT, true, absl::InfinitePast());
  EXPECT_FALSE(ReferralResponseDeadline(c, clock_.Now(), policy_).has_value());
  c = Step(c, v1::REFERRAL_STATE_SENT, kReferring);
  const absl::Time sent = clock_.Now();
  c = Step(c, v1::REFERRAL_STATE_RECEIVED, kReceiving);

  // IMMEDIATE: the receiving side owes a decision within 24 hours of sending.
  auto deadline = ReferralResponseDeadline(c, sent + absl::Hours(23), policy_);
  ASSERT_TRUE(deadline.has_value());
  EXPECT_EQ(deadline->owed_by, kReceiving);
  EXPECT_EQ(deadline->due, sent + absl::Hours(24));
  EXPECT_EQ(deadline->status, v1::DEADLINE_STATUS_PENDING);
  deadline = ReferralResponseDeadline(c, sent + absl::Hours(25), policy_);
  EXPECT_EQ(deadline->status, v1::DEADLINE_STATUS_OVERDUE);

  // A request for information: the referring side owes the answer, counted from the request.
  c = Step(c, v1::REFERRAL_STATE_INFO_REQUESTED, kReceiving);
  deadline = ReferralResponseDeadline(c, clock_.Now(), policy_);
  EXPECT_EQ(deadline->owed_by, kReferring);
  EXPECT_EQ(deadline->due, clock_.Now() + absl::Hours(24));

  c.urgency = v1::URGENCY_ROUTINE;
  EXPECT_EQ(ReferralResponseDeadline(c, clock_.Now(), policy_)->due, clock_.Now() + Days(14));

  c = Step(c, v1::REFERRAL_STATE_INFO_PROVIDED, kReferring);
  c = Step(c, v1::REFERRAL_STATE_ACCEPTED, kReceiving);
  EXPECT_FALSE(ReferralResponseDeadline(c, clock_.Now(), policy_).has_value());
}

}  // namespace
}  // namespace enlace::domain
