#include "domain/json.h"

#include <string>

#include "domain/test_util.h"
#include "domain/validate.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
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

TEST(JsonTest, RoundTripKeepsEveryField) {
  ASSERT_OK_AND_ASSIGN(const v1::Content original,
                       LoadExample("victim_referral_mx_to_gt_unaccompanied_girl.json"));
  ASSERT_OK_AND_ASSIGN(const std::string json, MessageToJson(original));
  EXPECT_THAT(json, HasSubstr("\"case_ref\": \"832ba50914912644152e930d378ece66\""));
  EXPECT_THAT(json, HasSubstr("\"urgency\": \"URGENCY_IMMEDIATE\""));
  EXPECT_THAT(json, HasSubstr("\"identified_at\": \"2026-03-17T22:15:00Z\""));
  ASSERT_OK_AND_ASSIGN(const v1::Content parsed, ContentFromJson(json));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(original, parsed));
}

TEST(JsonTest, UnknownFieldIsRefusedWithAClearError) {
  const absl::StatusOr<v1::Content> parsed =
      ContentFromJson(R"({"bulletin": {"bulletin_ref": "c720683d8ccdda0f21963828457a5c14",
                                       "victim_name": "Ana"}})");
  EXPECT_THAT(parsed, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("victim_name")));
  const auto issues = IssuesOf(parsed.status());
  ASSERT_THAT(issues, ElementsAre(IssueIs("", v1::DOMAIN_ERROR_JSON_INVALID)));
  EXPECT_THAT(issues[0].message_en(), HasSubstr("Unknown fields are refused"));
  EXPECT_THAT(issues[0].message_es(), HasSubstr("Los campos desconocidos se rechazan"));
}

TEST(JsonTest, UnknownEnumNameIsRefused) {
  EXPECT_THAT(ContentFromJson(R"({"victim_referral": {"urgency": "URGENCY_WHENEVER"}})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("URGENCY_WHENEVER")));
}

TEST(JsonTest, UnknownEnumNumberParsesAndValidationRefusesIt) {
  ASSERT_OK_AND_ASSIGN(const v1::Content content,
                       ContentFromJson(R"({"victim_referral": {"urgency": 57}})"));
  EXPECT_EQ(static_cast<int>(content.victim_referral().urgency()), 57);
  EXPECT_THAT(
      Validate(content, ::enlace::domain::testing::ExampleContext()),
      ::testing::Contains(IssueIs("victim_referral.urgency", v1::DOMAIN_ERROR_UNKNOWN_ENUM_VALUE)));
}

TEST(JsonTest, WrongTypesAndNonJsonAreRefused) {
  for (const char* bad : {"", "not json", "[]", R"({"language": 5})",
                          R"({"victim_referral": {"identified_at": "yesterday"}})",
                          R"({"victim_referral": {"identified_at": "2026-02-30T00:00:00Z"}})",
                          R"({"smuggling_alert": {"revision": -1}})"}) {
    EXPECT_THAT(IssuesOf(ContentFromJson(bad).status()),
                ElementsAre(IssueIs("", v1::DOMAIN_ERROR_JSON_INVALID)))
        << bad;
  }
}

TEST(JsonTest, InputIsBounded) {
  const std::string big = "{\"language\": \"" + std::string(2000, 'e') + "\"}";
  const absl::Status status = ContentFromJson(big, /*max_bytes=*/1000).status();
  EXPECT_THAT(IssuesOf(status), ElementsAre(IssueIs("", v1::DOMAIN_ERROR_INPUT_TOO_LARGE)));
  EXPECT_THAT(status.message(), HasSubstr("2016 bytes; at most 1000"));
}

TEST(JsonTest, DeepNestingIsRefusedWithoutCrashing) {
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "{\"a\":";
  EXPECT_FALSE(ContentFromJson(deep).ok());
}

TEST(JsonTest, LowerCamelCaseIsAcceptedOnInput) {
  ASSERT_OK_AND_ASSIGN(
      const v1::Content content,
      ContentFromJson(R"({"referralStatus": {"caseRef": "832ba50914912644152e930d378ece66",
                                             "state": "REFERRAL_STATE_RECEIVED"}})"));
  EXPECT_EQ(content.referral_status().state(), v1::REFERRAL_STATE_RECEIVED);
}

TEST(JsonTest, OtherMessagesConvertToo) {
  v1::ValidationReport report;
  v1::FieldIssue* issue = report.add_issues();
  issue->set_path("victim_referral.child");
  issue->set_code(v1::DOMAIN_ERROR_CHILD_BLOCK_REQUIRED);
  ASSERT_OK_AND_ASSIGN(const std::string json, MessageToJson(report));
  EXPECT_THAT(json, HasSubstr("\"code\": \"DOMAIN_ERROR_CHILD_BLOCK_REQUIRED\""));
  v1::ValidationReport parsed;
  ASSERT_OK(MessageFromJson(json, &parsed));
  EXPECT_EQ(parsed.issues(0).path(), "victim_referral.child");
}

TEST(JsonTest, PrintingAnImpossibleTimeFails) {
  v1::Content content;
  content.mutable_referral_status()->mutable_effective_at()->set_seconds(int64_t{1} << 50);
  EXPECT_THAT(MessageToJson(content),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("JSON")));
}

}  // namespace
}  // namespace enlace::domain
