// Every example in tests/data/examples validates, every kind has one, and the scenarios fit
// together (a request and its answer, a referral and its status, the matrix request and input).
#include <set>

#include "absl/strings/ascii.h"
#include "domain/content.h"
#include "domain/issues.h"
#include "domain/json.h"
#include "domain/policy.h"
#include "domain/referral_lifecycle.h"
#include "domain/test_util.h"
#include "domain/validate.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace::domain {
namespace {

using ::enlace::domain::testing::ExampleContext;
using ::enlace::domain::testing::ExampleFiles;
using ::enlace::domain::testing::ExamplesNow;
using ::enlace::domain::testing::LoadExample;
using ::testing::IsEmpty;

class ExampleTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ExampleTest, ParsesAndValidates) {
  ASSERT_OK_AND_ASSIGN(const v1::Content content, LoadExample(GetParam()));
  for (const ValidationMode mode : {ValidationMode::kCompose, ValidationMode::kReceived}) {
    const auto issues = Validate(content, ExampleContext(mode));
    EXPECT_THAT(issues, IsEmpty()) << IssuesToStatus(issues);
  }
  // What a node stores or prints parses back to the same content.
  ASSERT_OK_AND_ASSIGN(const std::string json, MessageToJson(content));
  ASSERT_OK_AND_ASSIGN(const v1::Content again, ContentFromJson(json));
  EXPECT_EQ(ContentToBinary(again), ContentToBinary(content));
}

INSTANTIATE_TEST_SUITE_P(AllExamples, ExampleTest, ::testing::ValuesIn(ExampleFiles()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param.substr(0, info.param.rfind('.'));
                           for (char& c : name) {
                             if (!absl::ascii_isalnum(c)) c = '_';
                           }
                           return name;
                         });

TEST(ExamplesTest, EveryKindHasAnExample) {
  std::set<int> kinds;
  for (const std::string& file : ExampleFiles()) {
    ASSERT_OK_AND_ASSIGN(const v1::Content content, LoadExample(file));
    kinds.insert(KindOf(content));
  }
  for (int kind = v1::KIND_VICTIM_REFERRAL; kind <= v1::MessageKind_MAX; ++kind) {
    EXPECT_TRUE(kinds.count(kind)) << "no example of " << v1::MessageKind_Name(kind);
  }
}

TEST(ExamplesTest, GirlReferredForAssistedReturn) {
  ASSERT_OK_AND_ASSIGN(const v1::Content content,
                       LoadExample("victim_referral_mx_to_gt_unaccompanied_girl.json"));
  const v1::VictimReferral& referral = content.victim_referral();
  EXPECT_EQ(referral.referring().country(), "MX");
  EXPECT_EQ(referral.receiving().country(), "GT");
  EXPECT_EQ(referral.age_band(), v1::AGE_BAND_9_17);
  EXPECT_EQ(referral.gender(), v1::GENDER_FEMALE);
  EXPECT_EQ(referral.child().arrangement(), v1::CHILD_CARE_ARRANGEMENT_UNACCOMPANIED);
  EXPECT_EQ(referral.consent().status(), v1::CONSENT_STATUS_GUARDIAN_OR_AUTHORITY);
  EXPECT_EQ(referral.urgency(), v1::URGENCY_IMMEDIATE);
  EXPECT_THAT(referral.exploitation_types(),
              ::testing::ElementsAre(v1::EXPLOITATION_TYPE_SEXUAL_EXPLOITATION));

  // The status example is the next step of this referral, taken by Guatemala.
  ASSERT_OK_AND_ASSIGN(const v1::Content status, LoadExample("referral_status_gt_accepted.json"));
  EXPECT_EQ(status.referral_status().case_ref(), referral.case_ref());
  const DeadlinePolicy policy;
  ReferralCase c = NewReferralCase(referral);
  const absl::Time sent = ExamplesNow() - absl::Hours(5);
  ASSERT_OK_AND_ASSIGN(c, ApplyReferralStep(c, {v1::REFERRAL_STATE_SENT},
                                            v1::REFERRAL_SIDE_REFERRING, sent, policy));
  ASSERT_OK_AND_ASSIGN(
      c, ApplyReferralStep(c, {v1::REFERRAL_STATE_RECEIVED}, v1::REFERRAL_SIDE_RECEIVING,
                           sent + absl::Minutes(1), policy));
  ASSERT_OK_AND_ASSIGN(const ReferralStep step, ReferralStepOf(status));
  ASSERT_OK_AND_ASSIGN(
      c, ApplyReferralStep(c, step, v1::REFERRAL_SIDE_RECEIVING, ExamplesNow(), policy));
  EXPECT_EQ(c.state, v1::REFERRAL_STATE_ACCEPTED);
}

TEST(ExamplesTest, UsAlertToFourCountries) {
  ASSERT_OK_AND_ASSIGN(const v1::Content content,
                       LoadExample("smuggling_alert_us_route_to_gt_hn_sv_mx.json"));
  const v1::SmugglingAlert& alert = content.smuggling_alert();
  EXPECT_EQ(alert.originator().country(), "US");
  EXPECT_THAT(alert.target_countries(), ::testing::ElementsAre("GT", "HN", "SV", "MX"));
  EXPECT_EQ(alert.grading().source(), v1::SOURCE_RELIABILITY_B);
  EXPECT_EQ(alert.grading().information(), v1::INFORMATION_ASSESSMENT_2);
  EXPECT_EQ(alert.handling().code(), v1::HANDLING_CODE_H2);
  EXPECT_FALSE(alert.vehicles().empty());
  EXPECT_FALSE(alert.persons().empty());
  ASSERT_OK_AND_ASSIGN(const v1::Content feedback, LoadExample("alert_feedback_gt_hit.json"));
  EXPECT_EQ(feedback.alert_feedback().alert_ref(), alert.alert_ref());
}

TEST(ExamplesTest, RequestsAndTheirAnswersShareAReference) {
  ASSERT_OK_AND_ASSIGN(const v1::Content request,
                       LoadExample("info_request_sv_to_hn_document_verification.json"));
  ASSERT_OK_AND_ASSIGN(const v1::Content response,
                       LoadExample("info_response_hn_to_sv_document_verification.json"));
  EXPECT_EQ(response.info_response().request_ref(), request.info_request().request_ref());

  ASSERT_OK_AND_ASSIGN(const v1::Content matrix_request,
                       LoadExample("info_request_secretariat_legislation_matrix.json"));
  ASSERT_OK_AND_ASSIGN(const v1::Content matrix_update,
                       LoadExample("legislation_matrix_update_cr.json"));
  EXPECT_EQ(matrix_update.legislation_matrix_update().request_ref(),
            matrix_request.info_request().request_ref());
  EXPECT_EQ(matrix_update.legislation_matrix_update().request_deadline().seconds(),
            matrix_request.info_request().deadline().seconds());
}

TEST(ExamplesTest, BulletinInSpanishAndEnglish) {
  ASSERT_OK_AND_ASSIGN(const v1::Content content,
                       LoadExample("bulletin_secretariat_iom_es_en.json"));
  const v1::Bulletin& bulletin = content.bulletin();
  EXPECT_FALSE(bulletin.title().es().empty());
  EXPECT_FALSE(bulletin.title().en().empty());
  EXPECT_FALSE(bulletin.body().es().empty());
  EXPECT_FALSE(bulletin.body().en().empty());
}

}  // namespace
}  // namespace enlace::domain
