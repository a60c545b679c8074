#include "domain/handling.h"

#include "domain/test_util.h"
#include "domain/validate.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace::domain {
namespace {

using ::enlace::domain::testing::ExampleContext;
using ::enlace::domain::testing::IssueIs;
using ::enlace::domain::testing::IssuesOf;
using ::enlace::domain::testing::LoadExample;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kMessageId[] = "7d86e14979cc53f3ab15245e82570fbd";

class HandlingTest : public ::testing::Test {
 protected:
  v1::Content Example(const char* file) {
    absl::StatusOr<v1::Content> content = LoadExample(file);
    EXPECT_OK(content.status());
    return content.ok() ? *content : v1::Content();
  }
};

TEST_F(HandlingTest, ForwardingAnH2ItemIsRefused) {
  const v1::Content alert = Example("smuggling_alert_us_route_to_gt_hn_sv_mx.json");
  ASSERT_EQ(HandlingOf(alert)->code(), v1::HANDLING_CODE_H2);
  const absl::Status status =
      BuildForward(alert, kMessageId, "node/US", "node/GT", "para la unidad de frontera").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  const auto issues = IssuesOf(status);
  ASSERT_THAT(issues, ElementsAre(IssueIs("", v1::DOMAIN_ERROR_FORWARD_HANDLING_H2)));
  EXPECT_EQ(issues[0].message_en(),
            "Cannot forward: handling code H2, no further dissemination without the originator's "
            "consent.");
}

TEST_F(HandlingTest, ForwardCarriesTheHandlingCodeAndOriginator) {
  v1::Content alert = Example("smuggling_alert_us_route_to_gt_hn_sv_mx.json");
  alert.mutable_smuggling_alert()->mutable_handling()->set_code(v1::HANDLING_CODE_H1);
  ASSERT_OK_AND_ASSIGN(const v1::Content forward,
                       BuildForward(alert, kMessageId, "node/US", "node/GT", "para DGM"));
  EXPECT_EQ(HandlingOf(forward)->code(), v1::HANDLING_CODE_H1);
  EXPECT_EQ(forward.forwarded().original_message_id(), kMessageId);
  EXPECT_EQ(forward.forwarded().originator(), "node/US");
  EXPECT_EQ(forward.forwarded().forwarded_by(), "node/GT");
  EXPECT_OK(CheckForward(alert, kMessageId, "node/US", forward));
  EXPECT_THAT(Validate(forward, ExampleContext()), IsEmpty());

  // A forward of the forward keeps the first originator and message id.
  ASSERT_OK_AND_ASSIGN(
      const v1::Content again,
      BuildForward(forward, "8dc8df680841d374072404848bedf142", "node/GT", "node/HN", ""));
  EXPECT_EQ(again.forwarded().originator(), "node/US");
  EXPECT_EQ(again.forwarded().original_message_id(), kMessageId);
  EXPECT_OK(CheckForward(forward, "8dc8df680841d374072404848bedf142", "node/GT", again));
}

TEST_F(HandlingTest, H3ConditionsTravelWithTheForward) {
  v1::Content request = Example("info_request_sv_to_hn_document_verification.json");
  v1::Handling* handling = request.mutable_info_request()->mutable_handling();
  handling->set_code(v1::HANDLING_CODE_H3);
  handling->set_conditions("Solo para verificación documental.");
  ASSERT_OK_AND_ASSIGN(const v1::Content forward,
                       BuildForward(request, kMessageId, "node/SV", "node/HN", ""));
  EXPECT_EQ(HandlingOf(forward)->conditions(), "Solo para verificación documental.");
}

TEST_F(HandlingTest, ForwardThatChangesTheHandlingCodeIsDetected) {
  v1::Content alert = Example("smuggling_alert_us_route_to_gt_hn_sv_mx.json");
  alert.mutable_smuggling_alert()->mutable_handling()->set_code(v1::HANDLING_CODE_H1);
  ASSERT_OK_AND_ASSIGN(v1::Content forward,
                       BuildForward(alert, kMessageId, "node/US", "node/GT", ""));
  forward.mutable_smuggling_alert()->mutable_handling()->set_code(v1::HANDLING_CODE_H0);
  const absl::Status status = CheckForward(alert, kMessageId, "node/US", forward);
  EXPECT_THAT(IssuesOf(status), ElementsAre(IssueIs("", v1::DOMAIN_ERROR_FORWARD_MISMATCH)));
  EXPECT_THAT(status.message(), ::testing::HasSubstr("HANDLING_CODE_H1"));

  forward.mutable_smuggling_alert()->mutable_handling()->set_code(v1::HANDLING_CODE_H1);
  forward.mutable_forwarded()->set_originator("node/GT");
  EXPECT_THAT(IssuesOf(CheckForward(alert, kMessageId, "node/US", forward)),
              ElementsAre(IssueIs("forwarded.originator", v1::DOMAIN_ERROR_FORWARD_MISMATCH)));
}

TEST_F(HandlingTest, ReferralsAreNeverForwarded) {
  for (const char* file :
       {"victim_referral_mx_to_gt_unaccompanied_girl.json", "referral_status_gt_accepted.json"}) {
    const absl::Status status =
        BuildForward(Example(file), kMessageId, "node/MX", "node/GT", "").status();
    EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << file;
    EXPECT_THAT(IssuesOf(status), ElementsAre(IssueIs("", v1::DOMAIN_ERROR_FORWARD_PERSONAL_DATA)));
  }
}

TEST_F(HandlingTest, TlpLimitsForwarding) {
  v1::Content bulletin = Example("bulletin_secretariat_iom_es_en.json");
  EXPECT_OK(BuildForward(bulletin, kMessageId, "admin/secretariat", "node/PA", "").status());
  for (v1::Tlp tlp : {v1::TLP_AMBER, v1::TLP_AMBER_STRICT, v1::TLP_RED}) {
    bulletin.mutable_bulletin()->set_tlp(tlp);
    EXPECT_THAT(
        IssuesOf(BuildForward(bulletin, kMessageId, "admin/secretariat", "node/PA", "").status()),
        ElementsAre(IssueIs("", v1::DOMAIN_ERROR_FORWARD_TLP)))
        << v1::Tlp_Name(tlp);
  }
}

TEST_F(HandlingTest, MalformedIdsAreRefused) {
  const v1::Content bulletin = Example("bulletin_secretariat_iom_es_en.json");
  EXPECT_THAT(
      IssuesOf(BuildForward(bulletin, "msg-1", "node/US", "node/GT", "").status()),
      ElementsAre(IssueIs("forwarded.original_message_id", v1::DOMAIN_ERROR_INVALID_REFERENCE)));
  EXPECT_THAT(
      IssuesOf(BuildForward(bulletin, kMessageId, "GT", "node/GT", "").status()),
      ElementsAre(IssueIs("forwarded.originator", v1::DOMAIN_ERROR_INVALID_PARTICIPANT_ID)));
}

TEST_F(HandlingTest, ReceivedForwardOfAnH2ItemIsFlagged) {
  v1::Content alert = Example("smuggling_alert_us_route_to_gt_hn_sv_mx.json");
  v1::ForwardInfo* info = alert.mutable_forwarded();
  info->set_original_message_id(kMessageId);
  info->set_originator("node/US");
  info->set_forwarded_by("node/GT");
  EXPECT_THAT(Validate(alert, ExampleContext(ValidationMode::kReceived)),
              ElementsAre(IssueIs("forwarded", v1::DOMAIN_ERROR_FORWARD_HANDLING_H2)));
}

TEST_F(HandlingTest, KindsWithoutHandlingOrTlp) {
  const v1::Content matrix = Example("legislation_matrix_update_cr.json");
  EXPECT_FALSE(HandlingOf(matrix).has_value());
  EXPECT_EQ(TlpOf(matrix), v1::TLP_UNSPECIFIED);
  EXPECT_FALSE(ForwardRefusal(matrix, "").has_value());
}

}  // namespace
}  // namespace enlace::domain
