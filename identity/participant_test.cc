#include "identity/participant.h"

#include <ostream>
#include <string>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace {
namespace {

using ::enlace::testing::StatusIs;
using ::testing::HasSubstr;

struct ValidCase {
  const char* text;
  Role role;
  const char* name;
  const char* file_name;
};

void PrintTo(const ValidCase& c, std::ostream* os) { *os << c.text; }

class ValidParticipantIdTest : public ::testing::TestWithParam<ValidCase> {};

TEST_P(ValidParticipantIdTest, ParsesWithRoleNameAndForms) {
  const ValidCase& c = GetParam();
  ASSERT_OK_AND_ASSIGN(ParticipantId id, ParticipantId::Parse(c.text));
  EXPECT_EQ(id.str(), c.text);
  EXPECT_EQ(id.role(), c.role);
  EXPECT_EQ(id.name(), c.name);
  EXPECT_EQ(id.FileName(), c.file_name);
  EXPECT_EQ(id.ToUri(), std::string("urn:enlace:") + c.text);
  ASSERT_OK_AND_ASSIGN(ParticipantId back, ParticipantId::FromUri(id.ToUri()));
  EXPECT_EQ(back, id);
}

INSTANTIATE_TEST_SUITE_P(
    Grammar, ValidParticipantIdTest,
    ::testing::Values(
        ValidCase{"hub", Role::kHub, "", "hub"}, ValidCase{"node/MX", Role::kNode, "MX", "node-MX"},
        ValidCase{"node/DO", Role::kNode, "DO", "node-DO"},
        ValidCase{"node/BZ", Role::kNode, "BZ", "node-BZ"},
        ValidCase{"admin/secretariat", Role::kAdmin, "secretariat", "admin-secretariat"},
        ValidCase{"auditor/maria-lopez2", Role::kAuditor, "maria-lopez2", "auditor-maria-lopez2"},
        ValidCase{"auditor/a", Role::kAuditor, "a", "auditor-a"},
        ValidCase{"observer/IOM", Role::kObserver, "IOM", "observer-IOM"},
        ValidCase{"observer/UNHCR", Role::kObserver, "UNHCR", "observer-UNHCR"},
        ValidCase{"observer/RROCM", Role::kObserver, "RROCM", "observer-RROCM"}));

struct InvalidCase {
  std::string text;
  const char* message_part;
};

void PrintTo(const InvalidCase& c, std::ostream* os) { *os << absl::CEscape(c.text); }

class InvalidParticipantIdTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidParticipantIdTest, IsRefusedWithAClearMessage) {
  const InvalidCase& c = GetParam();
  EXPECT_THAT(
      ParticipantId::Parse(c.text),
      StatusIs(absl::StatusCode::kInvalidArgument,
               ::testing::AllOf(HasSubstr("invalid participant id"), HasSubstr(c.message_part))));
}

INSTANTIATE_TEST_SUITE_P(
    Grammar, InvalidParticipantIdTest,
    ::testing::Values(
        InvalidCase{"", "expected hub"}, InvalidCase{"HUB", "expected hub"},
        InvalidCase{"hub/", "unknown role"}, InvalidCase{"node/mx", "ISO 3166-1"},
        InvalidCase{"node/FR", "BZ CA CR SV US GT HN MX NI PA DO"},
        InvalidCase{"node/MEX", "ISO 3166-1"}, InvalidCase{"node/", "ISO 3166-1"},
        InvalidCase{"node/MX/", "ISO 3166-1"}, InvalidCase{" node/MX", "unknown role"},
        InvalidCase{"node/MX ", "ISO 3166-1"}, InvalidCase{"Node/MX", "unknown role"},
        InvalidCase{"country/MX", "unknown role"}, InvalidCase{"admin/", "lower-case letter"},
        InvalidCase{"admin/Secretariat", "lower-case letter"},
        InvalidCase{"admin/1st", "lower-case letter"},
        InvalidCase{"admin/ops-", "not ending in '-'"}, InvalidCase{"admin/a--b", "'--'"},
        InvalidCase{"admin/a_b", "lower-case letter"}, InvalidCase{"admin/a/b", "lower-case"},
        InvalidCase{"auditor/" + std::string(33, 'a'), "up to 31"},
        InvalidCase{"observer/iom", "upper-case acronym"}, InvalidCase{"observer/I", "2 to 16"},
        InvalidCase{"observer/1OM", "upper-case"}, InvalidCase{"observer/IOM-X", "upper-case"},
        InvalidCase{"observer/" + std::string(17, 'A'), "2 to 16"},
        InvalidCase{std::string("node/M\0", 7), "ISO 3166-1"},
        InvalidCase{"node/M\xc3\x89", "\\xc3\\x89"},
        InvalidCase{std::string(65, 'a'), "longer than 64 bytes"}));

TEST(ParticipantIdTest, CountryListIsConfigurable) {
  ParticipantRules rules;
  rules.countries = {"MX", "FR"};
  EXPECT_OK(ParticipantId::Parse("node/FR", rules).status());
  EXPECT_THAT(ParticipantId::Parse("node/GT", rules),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("MX FR")));
}

TEST(ParticipantIdTest, DefaultCountriesAreTheCrmMembers) {
  EXPECT_THAT(CrmCountries(), ::testing::ElementsAre("BZ", "CA", "CR", "SV", "US", "GT", "HN", "MX",
                                                     "NI", "PA", "DO"));
  for (const std::string& code : CrmCountries()) {
    EXPECT_OK(ParticipantId::Parse("node/" + code).status());
  }
}

TEST(ParticipantIdTest, RulesAreValidated) {
  EXPECT_OK(ValidateParticipantRules(ParticipantRules()));
  EXPECT_THAT(ValidateParticipantRules(ParticipantRules{{"MX", "mx"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("upper case")));
  EXPECT_THAT(ValidateParticipantRules(ParticipantRules{{"MEX"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("alpha-2")));
  EXPECT_THAT(ValidateParticipantRules(ParticipantRules{{"MX", "MX"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("twice")));
}

TEST(ParticipantIdTest, UriFormIsStrict) {
  EXPECT_THAT(ParticipantId::FromUri("urn:enlace:node/MX"),
              ::enlace::testing::IsOkAndHolds(::testing::Property(&ParticipantId::str, "node/MX")));
  EXPECT_THAT(ParticipantId::FromUri("spiffe://enlace/node/MX"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a participant URI")));
  EXPECT_THAT(ParticipantId::FromUri("URN:enlace:node/MX"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a participant URI")));
  EXPECT_THAT(ParticipantId::FromUri("urn:enlace:directory-signer"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("expected hub")));
}

TEST(ParticipantIdTest, RoleNames) {
  EXPECT_EQ(RoleName(Role::kHub), "hub");
  EXPECT_EQ(RoleName(Role::kNode), "node");
  EXPECT_EQ(RoleName(Role::kAdmin), "admin");
  EXPECT_EQ(RoleName(Role::kAuditor), "auditor");
  EXPECT_EQ(RoleName(Role::kObserver), "observer");
}

}  // namespace
}  // namespace enlace
