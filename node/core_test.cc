// The node's pure parts: retry delays, the roles table, and the case trackers over the domain's
// lifecycles (both sides of a referral, a refused step flagged on the receiver).
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "domain/content.h"
#include "domain/issues.h"
#include "domain/json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/cases.h"
#include "node/node.h"
#include "node/roles.h"
#include "tests/testing/status_matchers.h"

namespace enlace::node {
namespace {

using ::enlace::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::SizeIs;

TEST(RetryDelayTest, GrowsExponentiallyWithJitterAndIsCapped) {
  DeterministicRandom random(1);
  const absl::Duration initial = absl::Seconds(1);
  const absl::Duration max = absl::Seconds(60);
  for (int i = 0; i < 50; ++i) {
    absl::Duration first = RetryDelay(1, initial, max, &random);
    EXPECT_GE(first, initial / 2);
    EXPECT_LE(first, initial);
    absl::Duration fourth = RetryDelay(4, initial, max, &random);
    EXPECT_GE(fourth, absl::Seconds(4));
    EXPECT_LE(fourth, absl::Seconds(8));
    absl::Duration late = RetryDelay(30, initial, max, &random);
    EXPECT_GE(late, max / 2);
    EXPECT_LE(late, max);
  }
  // The jitter really varies.
  DeterministicRandom other(2);
  std::set<int64_t> seen;
  for (int i = 0; i < 20; ++i) {
    seen.insert(absl::ToInt64Milliseconds(RetryDelay(5, initial, max, &other)));
  }
  EXPECT_GT(seen.size(), 10u);
}

v1::NodeUser User(v1::NodeRole role, std::vector<v1::NodePermission> permissions = {}) {
  v1::NodeUser user;
  user.set_os_user("u");
  user.set_role(role);
  for (v1::NodePermission p : permissions) user.add_permissions(p);
  return user;
}

TEST(RolesTest, EachRoleMayDoWhatTheTableSays) {
  v1::NodeUser focal = User(v1::NODE_ROLE_FOCAL_POINT);
  v1::NodeUser worker = User(v1::NODE_ROLE_CASE_WORKER);
  v1::NodeUser investigator = User(v1::NODE_ROLE_INVESTIGATOR);
  for (int k = v1::KIND_VICTIM_REFERRAL; k <= v1::KIND_LEGISLATION_MATRIX_UPDATE; ++k) {
    EXPECT_TRUE(MaySend(focal, static_cast<v1::MessageKind>(k))) << k;
  }
  EXPECT_TRUE(MaySend(worker, v1::KIND_VICTIM_REFERRAL));
  EXPECT_FALSE(MaySend(worker, v1::KIND_SMUGGLING_ALERT));
  EXPECT_FALSE(MayRead(worker, v1::KIND_SMUGGLING_ALERT));
  EXPECT_TRUE(MaySend(User(v1::NODE_ROLE_CASE_WORKER, {v1::NODE_PERMISSION_ALERTS}),
                      v1::KIND_SMUGGLING_ALERT));
  EXPECT_TRUE(MayRead(worker, v1::KIND_BULLETIN));
  EXPECT_FALSE(MaySend(worker, v1::KIND_BULLETIN));
  EXPECT_TRUE(MaySend(investigator, v1::KIND_SMUGGLING_ALERT));
  EXPECT_FALSE(MayRead(investigator, v1::KIND_VICTIM_REFERRAL));
  EXPECT_TRUE(MaySend(investigator, v1::KIND_INFO_REQUEST));
  EXPECT_FALSE(MaySend(investigator, v1::KIND_LEGISLATION_MATRIX_UPDATE));
  EXPECT_TRUE(MayAdminister(focal));
  EXPECT_FALSE(MayAdminister(worker));
  EXPECT_FALSE(MayAdminister(investigator));
  EXPECT_FALSE(MaySend(User(v1::NODE_ROLE_UNSPECIFIED), v1::KIND_INFO_REQUEST));
}

class CasesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> json = ReadFile(
        absl::StrCat(ENLACE_SOURCE_DIR,
                     "/tests/data/examples/victim_referral_mx_to_gt_unaccompanied_girl.json"),
        1 << 20);
    ASSERT_OK(json.status());
    ASSERT_OK_AND_ASSIGN(referral_, domain::ContentFromJson(*json));
    ref_ = referral_.victim_referral().case_ref();
  }

  CaseContext Context(const std::string& self, const std::string& sender,
                      const std::string& recipient) {
    return CaseContext{self, sender, {recipient}, std::string(32, 'a'), std::string(32, 'b'), now_};
  }

  v1::Content Status(v1::ReferralState state) {
    v1::Content content;
    content.mutable_referral_status()->set_case_ref(ref_);
    content.mutable_referral_status()->set_state(state);
    *content.mutable_referral_status()->mutable_effective_at() = domain::TimeToProto(now_);
    return content;
  }

  v1::Content referral_;
  std::string ref_;
  absl::Time now_ = absl::FromUnixSeconds(1795000000);
  CasePolicies policies_;
};

TEST_F(CasesTest, BothSidesOpenTheCaseAndMoveItTheSameWay) {
  ASSERT_OK_AND_ASSIGN(
      absl::optional<v1::CaseSummary> mx,
      ApplyOutbound(absl::nullopt, referral_, Context("node/MX", "node/MX", "node/GT"), policies_));
  ASSERT_TRUE(mx.has_value());
  EXPECT_EQ(mx->referral_side(), v1::REFERRAL_SIDE_REFERRING);
  EXPECT_EQ(mx->referral_state(), v1::REFERRAL_STATE_SENT);
  EXPECT_THAT(mx->counterparts(), ::testing::ElementsAre("node/GT"));
  EXPECT_TRUE(mx->involves_return());

  absl::optional<v1::CaseSummary> gt =
      ApplyInbound(absl::nullopt, referral_, Context("node/GT", "node/MX", "node/GT"), policies_);
  ASSERT_TRUE(gt.has_value());
  EXPECT_EQ(gt->referral_side(), v1::REFERRAL_SIDE_RECEIVING);
  EXPECT_EQ(gt->referral_state(), v1::REFERRAL_STATE_SENT);

  // GT takes RECEIVED; MX applies what it receives.
  ASSERT_OK_AND_ASSIGN(gt, ApplyOutbound(gt, Status(v1::REFERRAL_STATE_RECEIVED),
                                         Context("node/GT", "node/GT", "node/MX"), policies_));
  mx = ApplyInbound(mx, Status(v1::REFERRAL_STATE_RECEIVED),
                    Context("node/MX", "node/GT", "node/MX"), policies_);
  EXPECT_EQ(gt->referral_state(), v1::REFERRAL_STATE_RECEIVED);
  EXPECT_EQ(mx->referral_state(), v1::REFERRAL_STATE_RECEIVED);
  EXPECT_THAT(mx->history(), SizeIs(2));

  // The deadline of a referral waiting for a decision is the urgency's window.
  RefreshDeadline(*mx, now_ + absl::Hours(30), policies_);
  EXPECT_TRUE(mx->overdue());  // IMMEDIATE: 24 h
}

TEST_F(CasesTest, TheSenderRefusesAStepOfTheOtherSide) {
  ASSERT_OK_AND_ASSIGN(
      absl::optional<v1::CaseSummary> mx,
      ApplyOutbound(absl::nullopt, referral_, Context("node/MX", "node/MX", "node/GT"), policies_));
  mx = ApplyInbound(mx, Status(v1::REFERRAL_STATE_RECEIVED),
                    Context("node/MX", "node/GT", "node/MX"), policies_);
  ASSERT_EQ(mx->referral_state(), v1::REFERRAL_STATE_RECEIVED);
  // Accepting is the receiving side's step: the referring node refuses to send it.
  absl::StatusOr<absl::optional<v1::CaseSummary>> accepted = ApplyOutbound(
      mx, Status(v1::REFERRAL_STATE_ACCEPTED), Context("node/MX", "node/MX", "node/GT"), policies_);
  EXPECT_THAT(accepted, StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("state")));
  std::vector<v1::FieldIssue> issues = domain::IssuesFromStatus(accepted.status());
  ASSERT_THAT(issues, SizeIs(1));
  EXPECT_FALSE(issues[0].message_es().empty());
  EXPECT_FALSE(issues[0].message_en().empty());
}

TEST_F(CasesTest, TheReceiverFlagsARefusedStepAndKeepsTheState) {
  absl::optional<v1::CaseSummary> gt =
      ApplyInbound(absl::nullopt, referral_, Context("node/GT", "node/MX", "node/GT"), policies_);
  // The referring side cannot accept: flagged, not applied.
  absl::optional<v1::CaseSummary> after = ApplyInbound(
      gt, Status(v1::REFERRAL_STATE_ACCEPTED), Context("node/GT", "node/MX", "node/GT"), policies_);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->referral_state(), v1::REFERRAL_STATE_SENT);
  ASSERT_THAT(after->flags(), SizeIs(1));
  EXPECT_THAT(after->flags(0), HasSubstr("node/MX"));
  EXPECT_THAT(after->history(), SizeIs(gt->history_size()));
}

TEST_F(CasesTest, UnknownAndTakenReferencesAreRefusedInBothLanguages) {
  EXPECT_THAT(ApplyOutbound(absl::nullopt, Status(v1::REFERRAL_STATE_RECEIVED),
                            Context("node/GT", "node/GT", "node/MX"), policies_),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(ref_)));
  ASSERT_OK_AND_ASSIGN(
      absl::optional<v1::CaseSummary> mx,
      ApplyOutbound(absl::nullopt, referral_, Context("node/MX", "node/MX", "node/GT"), policies_));
  absl::StatusOr<absl::optional<v1::CaseSummary>> again =
      ApplyOutbound(mx, referral_, Context("node/MX", "node/MX", "node/GT"), policies_);
  EXPECT_THAT(again, StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr(ref_)));
  std::vector<v1::FieldIssue> issues = domain::IssuesFromStatus(again.status());
  ASSERT_THAT(issues, SizeIs(1));
  EXPECT_THAT(issues[0].message_es(), HasSubstr("ya identifica"));
}

TEST(RequestCaseTest, UnansweredRequestPastItsDeadlineIsOverdue) {
  v1::Content request;
  v1::InfoRequest& r = *request.mutable_info_request();
  r.set_request_ref(std::string(32, 'c'));
  const absl::Time now = absl::FromUnixSeconds(1795000000);
  *r.mutable_deadline() = domain::TimeToProto(now + absl::Hours(48));
  CaseContext context{"node/SV", "node/SV", {"node/HN"}, std::string(32, 'a'), std::string(32, 'b'),
                      now};
  CasePolicies policies;
  ASSERT_OK_AND_ASSIGN(absl::optional<v1::CaseSummary> c,
                       ApplyOutbound(absl::nullopt, request, context, policies));
  RefreshDeadline(*c, now + absl::Hours(47), policies);
  EXPECT_FALSE(c->overdue());
  RefreshDeadline(*c, now + absl::Hours(49), policies);
  EXPECT_TRUE(c->overdue());
  v1::Content response;
  response.mutable_info_response()->set_request_ref(r.request_ref());
  absl::optional<v1::CaseSummary> answered = ApplyInbound(
      c, response, CaseContext{"node/SV", "node/HN", {"node/SV"}, "x", "y", now}, policies);
  ASSERT_TRUE(answered.has_value());
  EXPECT_TRUE(answered->answered());
  RefreshDeadline(*answered, now + absl::Hours(49), policies);
  EXPECT_FALSE(answered->overdue());
}

// The Secretariat asks three countries: its node tracks each one; each country's node only
// itself.
TEST(RequestCaseTest, TheRequesterSeesPerAddresseeWhoAnsweredAndWhoIsOverdue) {
  const absl::Time now = absl::FromUnixSeconds(1795000000);
  const absl::Time deadline = now + absl::Hours(48);
  v1::Content request;
  request.mutable_info_request()->set_request_ref(std::string(32, 'd'));
  *request.mutable_info_request()->mutable_deadline() = domain::TimeToProto(deadline);
  const std::vector<std::string> addressees = {"node/CR", "node/HN", "node/PA"};
  const CasePolicies policies;
  ASSERT_OK_AND_ASSIGN(absl::optional<v1::CaseSummary> secretariat,
                       ApplyOutbound(absl::nullopt, request,
                                     CaseContext{"admin/secretariat", "admin/secretariat",
                                                 addressees, "m1", "t", now},
                                     policies));
  ASSERT_TRUE(secretariat.has_value());
  ASSERT_THAT(secretariat->recipients(), SizeIs(3));
  absl::optional<v1::CaseSummary> panama = ApplyInbound(
      absl::nullopt, request,
      CaseContext{"node/PA", "admin/secretariat", addressees, "m1", "t", now}, policies);
  ASSERT_TRUE(panama.has_value());
  ASSERT_THAT(panama->recipients(), SizeIs(1));
  EXPECT_EQ(panama->recipients(0).participant_id(), "node/PA");

  // CR answers with a matrix update, HN with a response; both in time.
  v1::Content matrix;
  matrix.mutable_legislation_matrix_update()->set_request_ref(std::string(32, 'd'));
  v1::Content response;
  response.mutable_info_response()->set_request_ref(std::string(32, 'd'));
  secretariat = ApplyInbound(
      secretariat, matrix,
      CaseContext{
          "admin/secretariat", "node/CR", {"admin/secretariat"}, "m2", "t", now + absl::Hours(1)},
      policies);
  secretariat = ApplyInbound(
      secretariat, response,
      CaseContext{
          "admin/secretariat", "node/HN", {"admin/secretariat"}, "m3", "t", now + absl::Hours(2)},
      policies);
  EXPECT_FALSE(secretariat->answered());  // PA has not
  // An answer from a country never asked is flagged and changes nothing.
  absl::optional<v1::CaseSummary> flagged = ApplyInbound(
      secretariat, response,
      CaseContext{
          "admin/secretariat", "node/MX", {"admin/secretariat"}, "m4", "t", now + absl::Hours(3)},
      policies);
  ASSERT_THAT(flagged->flags(), SizeIs(1));
  EXPECT_THAT(flagged->flags(0), HasSubstr("node/MX"));
  EXPECT_THAT(flagged->history(), SizeIs(secretariat->history_size()));

  RefreshDeadline(*secretariat, deadline - absl::Hours(1), policies);
  EXPECT_FALSE(secretariat->overdue());
  RefreshDeadline(*secretariat, deadline + absl::Hours(1), policies);
  EXPECT_TRUE(secretariat->overdue());
  std::map<std::string, v1::DeadlineStatus> statuses;
  for (const v1::RecipientState& r : secretariat->recipients()) {
    statuses[r.participant_id()] = r.deadline_status();
  }
  EXPECT_EQ(statuses["node/CR"], v1::DEADLINE_STATUS_MET);
  EXPECT_EQ(statuses["node/HN"], v1::DEADLINE_STATUS_MET);
  EXPECT_EQ(statuses["node/PA"], v1::DEADLINE_STATUS_OVERDUE);
  EXPECT_EQ(domain::TimeFromProto(secretariat->recipients(0).answered_at()), now + absl::Hours(1));
  EXPECT_EQ(CaseEndedAt(*secretariat, policies), deadline);
  // Panama's own copy is overdue too, until it answers.
  RefreshDeadline(*panama, deadline + absl::Hours(1), policies);
  EXPECT_TRUE(panama->overdue());

  // Panama answers late: its copy and the Secretariat's stop being overdue.
  const absl::Time late = deadline + absl::Hours(5);
  ASSERT_OK_AND_ASSIGN(
      panama,
      ApplyOutbound(panama, response,
                    CaseContext{"node/PA", "node/PA", {"admin/secretariat"}, "m5", "t", late},
                    policies));
  secretariat = ApplyInbound(
      secretariat, response,
      CaseContext{"admin/secretariat", "node/PA", {"admin/secretariat"}, "m5", "t", late},
      policies);
  EXPECT_TRUE(secretariat->answered());
  EXPECT_TRUE(panama->answered());
  RefreshDeadline(*secretariat, late, policies);
  RefreshDeadline(*panama, late, policies);
  EXPECT_FALSE(secretariat->overdue());
  EXPECT_FALSE(panama->overdue());
  EXPECT_EQ(secretariat->recipients(2).deadline_status(), v1::DEADLINE_STATUS_MET_LATE);
  EXPECT_EQ(CaseEndedAt(*secretariat, policies), late);
}

TEST(CaseEndedAtTest, EachKindOfCaseEndsWhenItsLifecycleSays) {
  const CasePolicies policies;
  const absl::Time t = absl::FromUnixSeconds(1795000000);
  v1::CaseSummary referral;
  referral.set_kind(v1::CASE_KIND_REFERRAL);
  referral.set_referral_state(v1::REFERRAL_STATE_CLOSED);
  *referral.mutable_opened_at() = domain::TimeToProto(t - absl::Hours(24 * 40));
  *referral.mutable_last_step_at() = domain::TimeToProto(t);
  EXPECT_EQ(CaseEndedAt(referral, policies), t);
  // Still open: it ends when it may be marked EXPIRED for inactivity.
  referral.set_referral_state(v1::REFERRAL_STATE_ACCEPTED);
  EXPECT_EQ(CaseEndedAt(referral, policies), t + policies.deadlines.referral_inactivity_expiry);
  referral.clear_last_step_at();
  EXPECT_EQ(CaseEndedAt(referral, policies),
            t - absl::Hours(24 * 40) + policies.deadlines.referral_inactivity_expiry);
  referral.clear_opened_at();  // no times at all: never the infinite past
  EXPECT_EQ(CaseEndedAt(referral, policies), absl::InfiniteFuture());

  v1::CaseSummary alert;
  alert.set_kind(v1::CASE_KIND_ALERT);
  EXPECT_EQ(CaseEndedAt(alert, policies), absl::InfiniteFuture());
  *alert.mutable_valid_until() = domain::TimeToProto(t);
  EXPECT_EQ(CaseEndedAt(alert, policies), t);
  *alert.mutable_ended_at() = domain::TimeToProto(t - absl::Hours(1));  // withdrawn earlier
  EXPECT_EQ(CaseEndedAt(alert, policies), t - absl::Hours(1));

  v1::CaseSummary request;
  request.set_kind(v1::CASE_KIND_REQUEST);
  *request.mutable_deadline() = domain::TimeToProto(t);
  v1::RecipientState* addressee = request.add_recipients();
  addressee->set_participant_id("node/HN");
  EXPECT_EQ(CaseEndedAt(request, policies), t);
  *addressee->mutable_answered_at() = domain::TimeToProto(t - absl::Hours(2));
  EXPECT_EQ(CaseEndedAt(request, policies), t - absl::Hours(2));
}

TEST(CaseIsOpenTest, AReferralStaysOpenUntilASideEndsItOtherCasesUntilTheirEnd) {
  const CasePolicies policies;
  const absl::Time t = absl::FromUnixSeconds(1795000000);
  const absl::Time years_later = t + absl::Hours(24 * 365 * 10);
  v1::CaseSummary referral;
  referral.set_kind(v1::CASE_KIND_REFERRAL);
  referral.set_referral_state(v1::REFERRAL_STATE_ACCEPTED);
  *referral.mutable_last_step_at() = domain::TimeToProto(t);
  // Inactive for years, but nobody marked it EXPIRED: still open.
  EXPECT_TRUE(CaseIsOpen(referral, years_later, policies));
  referral.set_referral_state(v1::REFERRAL_STATE_EXPIRED);
  EXPECT_FALSE(CaseIsOpen(referral, t + absl::Seconds(1), policies));

  v1::CaseSummary alert;
  alert.set_kind(v1::CASE_KIND_ALERT);
  *alert.mutable_valid_until() = domain::TimeToProto(t);
  EXPECT_TRUE(CaseIsOpen(alert, t - absl::Seconds(1), policies));
  EXPECT_FALSE(CaseIsOpen(alert, t, policies));

  v1::CaseSummary request;
  request.set_kind(v1::CASE_KIND_REQUEST);
  request.add_recipients()->set_participant_id("node/PA");
  EXPECT_TRUE(CaseIsOpen(request, years_later, policies));  // no deadline, no answer
  *request.mutable_deadline() = domain::TimeToProto(t);
  EXPECT_FALSE(CaseIsOpen(request, t, policies));
}

}  // namespace
}  // namespace enlace::node
