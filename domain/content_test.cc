#include "domain/content.h"

#include "base/env.h"
#include "domain/formats.h"
#include "domain/issues.h"
#include "domain/test_util.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace::domain {
namespace {

using ::enlace::domain::testing::IssueIs;
using ::enlace::domain::testing::IssuesOf;
using ::enlace::domain::testing::LoadExample;
using ::testing::ElementsAre;

TEST(ContentTest, KindOfEveryBody) {
  const struct {
    const char* file;
    v1::MessageKind kind;
    v1::Priority priority;
  } cases[] = {
      {"victim_referral_mx_to_gt_unaccompanied_girl.json", v1::KIND_VICTIM_REFERRAL,
       v1::PRIORITY_IMMEDIATE},
      {"referral_status_gt_accepted.json", v1::KIND_REFERRAL_STATUS, v1::PRIORITY_ROUTINE},
      {"smuggling_alert_us_route_to_gt_hn_sv_mx.json", v1::KIND_SMUGGLING_ALERT,
       v1::PRIORITY_URGENT},
      {"alert_feedback_gt_hit.json", v1::KIND_ALERT_FEEDBACK, v1::PRIORITY_ROUTINE},
      {"info_request_sv_to_hn_document_verification.json", v1::KIND_INFO_REQUEST,
       v1::PRIORITY_URGENT},
      {"info_response_hn_to_sv_document_verification.json", v1::KIND_INFO_RESPONSE,
       v1::PRIORITY_ROUTINE},
      {"bulletin_secretariat_iom_es_en.json", v1::KIND_BULLETIN, v1::PRIORITY_ROUTINE},
      {"document_secretariat_minutes.json", v1::KIND_DOCUMENT, v1::PRIORITY_ROUTINE},
      {"legislation_matrix_update_cr.json", v1::KIND_LEGISLATION_MATRIX_UPDATE,
       v1::PRIORITY_ROUTINE},
  };
  for (const auto& c : cases) {
    ASSERT_OK_AND_ASSIGN(const v1::Content content, LoadExample(c.file));
    EXPECT_EQ(KindOf(content), c.kind) << c.file;
    EXPECT_EQ(PriorityOf(content), c.priority) << c.file;
    EXPECT_OK(CheckKindMatches(content, c.kind));
  }
  EXPECT_EQ(KindOf(v1::Content()), v1::KIND_UNSPECIFIED);
}

TEST(ContentTest, KindMismatchWithTheHeaderIsRefused) {
  ASSERT_OK_AND_ASSIGN(const v1::Content content, LoadExample("alert_feedback_gt_hit.json"));
  const absl::Status status = CheckKindMatches(content, v1::KIND_BULLETIN);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  const auto issues = IssuesOf(status);
  ASSERT_THAT(issues, ElementsAre(IssueIs("", v1::DOMAIN_ERROR_KIND_MISMATCH)));
  EXPECT_EQ(issues[0].message_en(),
            "The header says “Bulletin” but the content is “Alert feedback”.");
  EXPECT_EQ(issues[0].message_es(),
            "El encabezado dice «Boletín», pero el contenido es «Respuesta a alerta».");
  EXPECT_FALSE(CheckKindMatches(v1::Content(), v1::KIND_UNSPECIFIED).ok());
}

TEST(ContentTest, NewReferenceIsRandomHex) {
  DeterministicRandom random(7);
  ASSERT_OK_AND_ASSIGN(const std::string a, NewReference(random));
  ASSERT_OK_AND_ASSIGN(const std::string b, NewReference(random));
  EXPECT_TRUE(IsReference(a)) << a;
  EXPECT_TRUE(IsReference(b)) << b;
  EXPECT_NE(a, b);
  ASSERT_OK_AND_ASSIGN(const std::string real, NewReference(*RandomSource::Real()));
  EXPECT_TRUE(IsReference(real));
}

TEST(ContentTest, BinaryRoundTripIsDeterministic) {
  ASSERT_OK_AND_ASSIGN(const v1::Content content,
                       LoadExample("smuggling_alert_us_route_to_gt_hn_sv_mx.json"));
  const std::string bytes = ContentToBinary(content);
  EXPECT_EQ(bytes, ContentToBinary(content));
  ASSERT_OK_AND_ASSIGN(const v1::Content parsed, ContentFromBinary(bytes));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(content, parsed));
}

TEST(ContentTest, BinaryInputIsBoundedAndChecked) {
  EXPECT_THAT(IssuesOf(ContentFromBinary(std::string(100, 'x'), 50).status()),
              ElementsAre(IssueIs("", v1::DOMAIN_ERROR_INPUT_TOO_LARGE)));
  EXPECT_THAT(IssuesOf(ContentFromBinary("\xff\xff\xff").status()),
              ElementsAre(IssueIs("", v1::DOMAIN_ERROR_BINARY_INVALID)));
}

TEST(ContentTest, TimestampConversion) {
  const absl::Time t = absl::FromUnixMillis(-1500);  // before the epoch: nanos stay positive
  const google::protobuf::Timestamp ts = TimeToProto(t);
  EXPECT_EQ(ts.seconds(), -2);
  EXPECT_EQ(ts.nanos(), 500000000);
  EXPECT_EQ(TimeFromProto(ts), t);
}

TEST(ContentTest, IssuesSurviveAStatus) {
  const std::vector<v1::FieldIssue> issues = {
      MakeIssue("a", v1::DOMAIN_ERROR_REQUIRED),
      MakeIssue("b.c[2]", v1::DOMAIN_ERROR_TOO_LONG, {10, 12})};
  const absl::Status status = IssuesToStatus(issues);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              ::testing::HasSubstr("b.c[2]: Text too long: at most 10 characters, got 12. (es: "
                                   "Texto demasiado largo: como máximo 10 caracteres, tiene 12.)"));
  EXPECT_THAT(IssuesFromStatus(status), ElementsAre(IssueIs("a", v1::DOMAIN_ERROR_REQUIRED),
                                                    IssueIs("b.c[2]", v1::DOMAIN_ERROR_TOO_LONG)));
  EXPECT_OK(IssuesToStatus({}));
  EXPECT_TRUE(IssuesFromStatus(absl::InternalError("x")).empty());
}

}  // namespace
}  // namespace enlace::domain
