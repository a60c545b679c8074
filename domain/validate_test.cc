#include "domain/validate.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "base/env.h"
#include "base/time.h"
#include "domain/content.h"
#include "domain/json.h"
#include "domain/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace::domain {
namespace {

using ::enlace::domain::testing::ExampleContext;
using ::enlace::domain::testing::ExamplesNow;
using ::enlace::domain::testing::IssueIs;
using ::enlace::domain::testing::LoadExample;
using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

constexpr char kGirlReferral[] = "victim_referral_mx_to_gt_unaccompanied_girl.json";
constexpr char kAnonymousNotice[] = "victim_referral_hn_to_sv_anonymous_notice.json";
constexpr char kUsAlert[] = "smuggling_alert_us_route_to_gt_hn_sv_mx.json";

class ValidateTest : public ::testing::Test {
 protected:
  v1::Content Example(const char* file) {
    absl::StatusOr<v1::Content> content = LoadExample(file);
    EXPECT_OK(content.status());
    return content.ok() ? *content : v1::Content();
  }
  std::vector<v1::FieldIssue> Check(const v1::Content& content) {
    return Validate(content, ExampleContext());
  }
};

TEST_F(ValidateTest, UnknownEnumNumberIsRefused) {
  v1::Content content = Example(kGirlReferral);
  content.mutable_victim_referral()->set_urgency(static_cast<v1::Urgency>(57));
  content.mutable_victim_referral()->add_exploitation_types(static_cast<v1::ExploitationType>(99));
  const auto issues = Check(content);
  EXPECT_THAT(issues,
              Contains(IssueIs("victim_referral.urgency", v1::DOMAIN_ERROR_UNKNOWN_ENUM_VALUE)));
  EXPECT_THAT(issues, Contains(IssueIs("victim_referral.exploitation_types[1]",
                                       v1::DOMAIN_ERROR_UNKNOWN_ENUM_VALUE)));
}

TEST_F(ValidateTest, UnknownEnumNumberMessageNamesTheAllowedValues) {
  v1::Content content = Example(kGirlReferral);
  content.mutable_victim_referral()->set_urgency(static_cast<v1::Urgency>(57));
  const auto issues = Check(content);
  ASSERT_THAT(issues, SizeIs(1));
  EXPECT_EQ(issues[0].message_en(),
            "Unknown value 57 for enlace.v1.Urgency; allowed values: URGENCY_IMMEDIATE, "
            "URGENCY_URGENT, URGENCY_ROUTINE.");
  EXPECT_EQ(issues[0].message_es(),
            "El valor 57 no existe en enlace.v1.Urgency; valores permitidos: URGENCY_IMMEDIATE, "
            "URGENCY_URGENT, URGENCY_ROUTINE.");
}

TEST_F(ValidateTest, UnspecifiedValueInAListIsRefused) {
  v1::Content content = Example(kGirlReferral);
  content.mutable_victim_referral()->add_assistance_needs(v1::ASSISTANCE_NEED_UNSPECIFIED);
  EXPECT_THAT(Check(content), Contains(IssueIs("victim_referral.assistance_needs[6]",
                                               v1::DOMAIN_ERROR_UNSPECIFIED_IN_LIST)));
}

TEST_F(ValidateTest, MissingRequiredFieldsAreAllReported) {
  v1::Content content;
  v1::VictimReferral* referral = content.mutable_victim_referral();
  referral->mutable_consent();  // present but empty
  const auto issues = Check(content);
  for (const char* path :
       {"victim_referral.case_ref", "victim_referral.referring", "victim_referral.receiving",
        "victim_referral.reason", "victim_referral.trafficking_status",
        "victim_referral.status_decided_by", "victim_referral.age_band", "victim_referral.majority",
        "victim_referral.gender", "victim_referral.citizenship",
        "victim_referral.country_of_exploitation", "victim_referral.urgency",
        "victim_referral.risk_level", "victim_referral.risk_assessed_at",
        "victim_referral.assistance_needs", "victim_referral.identified_at",
        "victim_referral.consent.status", "victim_referral.consent.recorded_at",
        "victim_referral.consent.recorded_by"}) {
    EXPECT_THAT(issues, Contains(IssueIs(path, v1::DOMAIN_ERROR_REQUIRED))) << path;
  }
}

TEST_F(ValidateTest, BlankRequiredTextIsMissing) {
  v1::Content content = Example(kGirlReferral);
  content.mutable_victim_referral()->set_status_decided_by("   ");
  EXPECT_THAT(Check(content),
              Contains(IssueIs("victim_referral.status_decided_by", v1::DOMAIN_ERROR_REQUIRED)));
}

TEST_F(ValidateTest, OverlongStringIsRefused) {
  v1::Content content = Example(kUsAlert);
  content.mutable_smuggling_alert()->set_title(std::string(201, 'x'));
  const auto issues = Check(content);
  ASSERT_THAT(issues, SizeIs(1));
  EXPECT_THAT(issues[0], IssueIs("smuggling_alert.title", v1::DOMAIN_ERROR_TOO_LONG));
  EXPECT_EQ(issues[0].message_en(), "Text too long: at most 200 characters, got 201.");
}

TEST_F(ValidateTest, LengthCountsCharactersNotBytes) {
  v1::Content content = Example(kUsAlert);
  std::string title;
  for (int i = 0; i < 200; ++i) title += "ñ";  // 400 bytes, 200 characters
  content.mutable_smuggling_alert()->set_title(title);
  EXPECT_THAT(Check(content), IsEmpty());
}

TEST_F(ValidateTest, TooManyItemsAreRefused) {
  v1::Content content = Example(kGirlReferral);
  for (const char* country : {"MX", "HN", "SV"}) {
    content.mutable_victim_referral()->add_citizenship(country);
  }
  EXPECT_THAT(Check(content),
              Contains(IssueIs("victim_referral.citizenship", v1::DOMAIN_ERROR_TOO_MANY_ITEMS)));
}

TEST_F(ValidateTest, DuplicateItemIsRefused) {
  v1::Content content = Example(kGirlReferral);
  content.mutable_victim_referral()->add_citizenship("GT");
  EXPECT_THAT(Check(content),
              Contains(IssueIs("victim_referral.citizenship[1]", v1::DOMAIN_ERROR_DUPLICATE_ITEM)));
}

TEST_F(ValidateTest, InvalidCountryCodesAreRefused) {
  v1::Content content = Example(kGirlReferral);
  v1::VictimReferral* referral = content.mutable_victim_referral();
  referral->add_citizenship("XX");
  referral->set_country_of_exploitation("mx");
  referral->mutable_receiving()->set_country("GTM");
  const auto issues = Check(content);
  EXPECT_THAT(issues, Contains(IssueIs("victim_referral.citizenship[1]",
                                       v1::DOMAIN_ERROR_INVALID_COUNTRY)));
  EXPECT_THAT(issues, Contains(IssueIs("victim_referral.country_of_exploitation",
                                       v1::DOMAIN_ERROR_INVALID_COUNTRY)));
  EXPECT_THAT(issues, Contains(IssueIs("victim_referral.receiving.country",
                                       v1::DOMAIN_ERROR_INVALID_COUNTRY)));
}

TEST_F(ValidateTest, CountryOutsideTheNetworkIsRefusedWhereANetworkCountryIsNeeded) {
  v1::Content content = Example(kUsAlert);
  content.mutable_smuggling_alert()->add_target_countries("BR");  // valid ISO, not a member
  const auto issues = Check(content);
  ASSERT_THAT(issues, SizeIs(1));
  EXPECT_THAT(issues[0], IssueIs("smuggling_alert.target_countries[4]",
                                 v1::DOMAIN_ERROR_COUNTRY_NOT_IN_NETWORK));
  EXPECT_THAT(issues[0].message_en(), ::testing::HasSubstr("BZ CA CR DO GT HN MX NI PA SV US"));
}

TEST_F(ValidateTest, InvalidFormatsAreRefused) {
  v1::Content content = Example(kUsAlert);
  v1::SmugglingAlert* alert = content.mutable_smuggling_alert();
  alert->set_alert_ref("MX-2026-0001");  // looks like a national case number
  content.set_language("spanish");
  const auto issues = Check(content);
  EXPECT_THAT(issues,
              Contains(IssueIs("smuggling_alert.alert_ref", v1::DOMAIN_ERROR_INVALID_REFERENCE)));
  EXPECT_THAT(issues, Contains(IssueIs("language", v1::DOMAIN_ERROR_INVALID_LANGUAGE)));
}

TEST_F(ValidateTest, ImpossibleDatesAreRefused) {
  v1::Content content = Example(kGirlReferral);
  v1::VictimReferral* referral = content.mutable_victim_referral();
  v1::CalendarDate* birth = referral->mutable_identity()->mutable_date_of_birth();
  birth->set_year(2011);
  birth->set_month(2);
  birth->set_day(30);
  referral->mutable_identity()->mutable_documents(0)->mutable_expires_on()->set_month(13);
  referral->mutable_risk_assessed_at()->set_nanos(-1);
  referral->mutable_identified_at()->set_seconds(int64_t{1} << 40);  // beyond year 9999
  const auto issues = Check(content);
  EXPECT_THAT(issues, Contains(IssueIs("victim_referral.identity.date_of_birth",
                                       v1::DOMAIN_ERROR_IMPOSSIBLE_DATE)));
  EXPECT_THAT(issues, Contains(IssueIs("victim_referral.identity.documents[0].expires_on",
                                       v1::DOMAIN_ERROR_IMPOSSIBLE_DATE)));
  EXPECT_THAT(issues, Contains(IssueIs("victim_referral.risk_assessed_at",
                                       v1::DOMAIN_ERROR_IMPOSSIBLE_DATE)));
  EXPECT_THAT(issues,
              Contains(IssueIs("victim_referral.identified_at", v1::DOMAIN_ERROR_IMPOSSIBLE_DATE)));
}

TEST_F(ValidateTest, LeapDayIsAPossibleDate) {
  v1::Content content = Example(kGirlReferral);
  content.mutable_victim_referral()->clear_identity();
  content.mutable_victim_referral()->mutable_identity()->set_given_names("Ana Lucía");
  v1::CalendarDate* birth =
      content.mutable_victim_referral()->mutable_identity()->mutable_date_of_birth();
  birth->set_year(2012);
  birth->set_month(2);
  birth->set_day(29);
  EXPECT_THAT(Check(content), IsEmpty());
}

TEST_F(ValidateTest, DatesInTheFutureAreRefusedWhereAbsurd) {
  v1::Content content = Example(kGirlReferral);
  v1::VictimReferral* referral = content.mutable_victim_referral();
  *referral->mutable_identified_at() = TimeToProto(ExamplesNow() + absl::Hours(2));
  referral->mutable_identity()->mutable_date_of_birth()->set_year(2027);
  const auto issues = Check(content);
  EXPECT_THAT(issues,
              Contains(IssueIs("victim_referral.identified_at", v1::DOMAIN_ERROR_DATE_IN_FUTURE)));
  EXPECT_THAT(issues, Contains(IssueIs("victim_referral.identity.date_of_birth",
                                       v1::DOMAIN_ERROR_DATE_IN_FUTURE)));
}

TEST_F(ValidateTest, ClockSkewIsTolerated) {
  v1::Content content = Example(kGirlReferral);
  *content.mutable_victim_referral()->mutable_identified_at() =
      TimeToProto(ExamplesNow() + absl::Minutes(4));
  EXPECT_THAT(Check(content), IsEmpty());
}

TEST_F(ValidateTest, DatesBefore1900AreRefused) {
  v1::Content content = Example(kGirlReferral);
  content.mutable_victim_referral()->mutable_identified_at()->set_seconds(0);  // 1970 is fine
  EXPECT_THAT(Check(content), IsEmpty());
  content.mutable_victim_referral()->mutable_identified_at()->set_seconds(-2300000000);  // 1897
  EXPECT_THAT(Check(content),
              Contains(IssueIs("victim_referral.identified_at", v1::DOMAIN_ERROR_DATE_TOO_OLD)));
}

TEST_F(ValidateTest, ChildWithoutChildBlockIsRefused) {
  v1::Content content = Example(kGirlReferral);
  content.mutable_victim_referral()->clear_child();
  const auto issues = Check(content);
  ASSERT_THAT(issues, SizeIs(1));
  EXPECT_THAT(issues[0], IssueIs("victim_referral.child", v1::DOMAIN_ERROR_CHILD_BLOCK_REQUIRED));
}

TEST_F(ValidateTest, UncertainAgeIsHandledAsAChild) {
  v1::Content content = Example(kGirlReferral);
  v1::VictimReferral* referral = content.mutable_victim_referral();
  referral->set_majority(v1::MAJORITY_UNCERTAIN);
  referral->set_age_band(v1::AGE_BAND_18_20);
  referral->clear_identity();
  referral->clear_child();
  referral->set_urgency(v1::URGENCY_ROUTINE);
  const auto issues = Check(content);
  EXPECT_THAT(issues,
              Contains(IssueIs("victim_referral.child", v1::DOMAIN_ERROR_CHILD_BLOCK_REQUIRED)));
  EXPECT_THAT(issues, Contains(IssueIs("victim_referral.urgency", v1::DOMAIN_ERROR_CHILD_URGENCY)));
}

TEST_F(ValidateTest, ChildMustBeImmediateOrUrgent) {
  v1::Content content = Example(kGirlReferral);
  content.mutable_victim_referral()->set_urgency(v1::URGENCY_ROUTINE);
  const auto issues = Check(content);
  ASSERT_THAT(issues, SizeIs(1));
  EXPECT_THAT(issues[0], IssueIs("victim_referral.urgency", v1::DOMAIN_ERROR_CHILD_URGENCY));
  EXPECT_EQ(issues[0].message_en(),
            "A child (or a person of uncertain age) is referred as immediate or urgent, not "
            "“Routine”.");
  content.mutable_victim_referral()->set_urgency(v1::URGENCY_URGENT);
  EXPECT_THAT(Check(content), IsEmpty());
}

TEST_F(ValidateTest, AdultDoesNotSendTheChildBlock) {
  v1::Content content = Example(kAnonymousNotice);
  content.mutable_victim_referral()->mutable_child()->set_arrangement(
      v1::CHILD_CARE_ARRANGEMENT_SEPARATED);
  EXPECT_THAT(Check(content), Contains(IssueIs("victim_referral.child",
                                               v1::DOMAIN_ERROR_CHILD_BLOCK_NOT_APPLICABLE)));
}

TEST_F(ValidateTest, AgeBandMustFitMajority) {
  v1::Content content = Example(kGirlReferral);
  content.mutable_victim_referral()->set_age_band(v1::AGE_BAND_21_23);
  EXPECT_THAT(Check(content),
              Contains(IssueIs("victim_referral.age_band", v1::DOMAIN_ERROR_AGE_INCONSISTENT)));
}

TEST_F(ValidateTest, DateOfBirthMustFitAgeBand) {
  v1::Content content = Example(kGirlReferral);
  // 2017-06-01 gives 8 years on 2026-03-20: outside 9-17.
  v1::CalendarDate* birth =
      content.mutable_victim_referral()->mutable_identity()->mutable_date_of_birth();
  birth->set_year(2017);
  birth->set_month(6);
  birth->set_day(1);
  const auto issues = Check(content);
  ASSERT_THAT(issues, SizeIs(1));
  EXPECT_THAT(issues[0], IssueIs("victim_referral.identity.date_of_birth",
                                 v1::DOMAIN_ERROR_DATE_OF_BIRTH_INCONSISTENT));
  EXPECT_EQ(issues[0].message_en(),
            "The date of birth 2017-06-01 gives an age of 8, outside the band “9 to 17 years”.");
}

TEST_F(ValidateTest, IdentityWithoutConsentIsRefused) {
  v1::Content content = Example(kAnonymousNotice);  // consent REFUSED
  content.mutable_victim_referral()->mutable_identity()->set_given_names("José");
  content.mutable_victim_referral()->set_case_summary("Trabajaba en una finca de café ...");
  const auto issues = Check(content);
  ASSERT_THAT(issues, SizeIs(2));
  EXPECT_THAT(issues[0], IssueIs("victim_referral.identity", v1::DOMAIN_ERROR_CONSENT_REQUIRED));
  EXPECT_EQ(issues[0].message_en(),
            "Personal data (identity) without consent: consent is “Consent refused”. Without "
            "consent (or once it is withdrawn) only an anonymous notice may be sent.");
  EXPECT_THAT(issues[1],
              IssueIs("victim_referral.case_summary", v1::DOMAIN_ERROR_CONSENT_REQUIRED));
}

TEST_F(ValidateTest, WithdrawnConsentLeavesOnlyAnAnonymousNotice) {
  v1::Content content = Example(kGirlReferral);
  v1::Consent* consent = content.mutable_victim_referral()->mutable_consent();
  consent->set_status(v1::CONSENT_STATUS_WITHDRAWN);
  const auto issues = Check(content);
  EXPECT_THAT(issues,
              Contains(IssueIs("victim_referral.identity", v1::DOMAIN_ERROR_CONSENT_REQUIRED)));
  EXPECT_THAT(issues, Contains(IssueIs("victim_referral.family_contact",
                                       v1::DOMAIN_ERROR_CONSENT_REQUIRED)));
  EXPECT_THAT(issues, Contains(IssueIs("victim_referral.return_logistics.destination_locality",
                                       v1::DOMAIN_ERROR_CONSENT_REQUIRED)));
  // A withdrawn consent has no scope left.
  EXPECT_THAT(issues,
              Contains(IssueIs("victim_referral.consent.data", v1::DOMAIN_ERROR_NOT_ALLOWED_WHEN)));

  // Stripped to an anonymous notice, it is valid.
  v1::VictimReferral* referral = content.mutable_victim_referral();
  referral->clear_identity();
  referral->clear_family_contact();
  referral->mutable_return_logistics()->clear_destination_locality();
  consent->clear_data();
  consent->clear_purposes();
  consent->clear_shared_with();
  EXPECT_THAT(Check(content), IsEmpty());
}

TEST_F(ValidateTest, ConsentScopeLimitsTheDataCategories) {
  v1::Content content = Example(kGirlReferral);
  v1::Consent* consent = content.mutable_victim_referral()->mutable_consent();
  consent->set_status(v1::CONSENT_STATUS_GIVEN_LIMITED);
  consent->clear_data();
  consent->add_data(v1::PERSONAL_DATA_CONTACT);
  const auto issues = Check(content);
  ASSERT_THAT(issues, SizeIs(1));
  EXPECT_THAT(issues[0], IssueIs("victim_referral.identity", v1::DOMAIN_ERROR_CONSENT_SCOPE));
}

TEST_F(ValidateTest, ConsentMustCoverTheReceivingCountry) {
  v1::Content content = Example(kGirlReferral);
  content.mutable_victim_referral()->mutable_consent()->set_shared_with(0, "MX");
  const auto issues = Check(content);
  ASSERT_THAT(issues, SizeIs(1));  // reported once, not per identifying field
  EXPECT_THAT(issues[0], IssueIs("victim_referral.consent.shared_with",
                                 v1::DOMAIN_ERROR_CONSENT_NOT_SHARED_WITH));
}

TEST_F(ValidateTest, GuardianConsentNamesTheGuardian) {
  v1::Content content = Example(kGirlReferral);
  content.mutable_victim_referral()->mutable_consent()->clear_guardian_or_authority();
  EXPECT_THAT(Check(content), Contains(IssueIs("victim_referral.consent.guardian_or_authority",
                                               v1::DOMAIN_ERROR_REQUIRED_WHEN)));
}

TEST_F(ValidateTest, ReferralToTheSameCountryIsRefused) {
  v1::Content content = Example(kAnonymousNotice);
  content.mutable_victim_referral()->mutable_receiving()->set_country("HN");
  EXPECT_THAT(Check(content), Contains(IssueIs("victim_referral.receiving.country",
                                               v1::DOMAIN_ERROR_SAME_COUNTRY)));
}

TEST_F(ValidateTest, ExploitationTypeRequiredUnlessNotAVictim) {
  v1::Content content = Example(kAnonymousNotice);
  content.mutable_victim_referral()->clear_exploitation_types();
  EXPECT_THAT(Check(content), Contains(IssueIs("victim_referral.exploitation_types",
                                               v1::DOMAIN_ERROR_REQUIRED_WHEN)));
  content.mutable_victim_referral()->set_trafficking_status(v1::TRAFFICKING_STATUS_NOT_A_VICTIM);
  EXPECT_THAT(Check(content), IsEmpty());
}

TEST_F(ValidateTest, ChildRepatriationIsNotForAnAdult) {
  v1::Content content = Example(kAnonymousNotice);
  content.mutable_victim_referral()->add_sub_reasons(v1::REFERRAL_SUB_REASON_CHILD_REPATRIATION);
  EXPECT_THAT(Check(content), Contains(IssueIs("victim_referral.sub_reasons[0]",
                                               v1::DOMAIN_ERROR_NOT_ALLOWED_WHEN)));
}

TEST_F(ValidateTest, AlertNeedsGradingAndHandlingCode) {
  v1::Content content = Example(kUsAlert);
  content.mutable_smuggling_alert()->clear_grading();
  content.mutable_smuggling_alert()->clear_handling();
  const auto issues = Check(content);
  ASSERT_THAT(issues, SizeIs(2));
  EXPECT_THAT(issues, Contains(IssueIs("smuggling_alert.handling", v1::DOMAIN_ERROR_REQUIRED)));
  EXPECT_THAT(issues, Contains(IssueIs("smuggling_alert.grading", v1::DOMAIN_ERROR_REQUIRED_WHEN)));
}

TEST_F(ValidateTest, GradingNeedsBothHalves) {
  v1::Content content = Example(kUsAlert);
  content.mutable_smuggling_alert()->mutable_grading()->clear_information();
  EXPECT_THAT(Check(content),
              Contains(IssueIs("smuggling_alert.grading.information", v1::DOMAIN_ERROR_REQUIRED)));
}

TEST_F(ValidateTest, HandlingCodeH3NeedsConditions) {
  v1::Content content = Example(kUsAlert);
  content.mutable_smuggling_alert()->mutable_handling()->set_code(v1::HANDLING_CODE_H3);
  EXPECT_THAT(Check(content), Contains(IssueIs("smuggling_alert.handling.conditions",
                                               v1::DOMAIN_ERROR_REQUIRED_WHEN)));
  content.mutable_smuggling_alert()->mutable_handling()->set_conditions(
      "Only for border units; not to be shared with third countries.");
  EXPECT_THAT(Check(content), IsEmpty());
}

TEST_F(ValidateTest, AlertTypeNeedsItsSubject) {
  v1::Content content = Example(kUsAlert);
  content.mutable_smuggling_alert()->clear_route();
  EXPECT_THAT(Check(content),
              Contains(IssueIs("smuggling_alert.route", v1::DOMAIN_ERROR_REQUIRED_WHEN)));
}

TEST_F(ValidateTest, PlateNeedsRegistrationCountry) {
  v1::Content content = Example(kUsAlert);
  content.mutable_smuggling_alert()->mutable_vehicles(0)->clear_registration_country();
  EXPECT_THAT(Check(content), Contains(IssueIs("smuggling_alert.vehicles[0].registration_country",
                                               v1::DOMAIN_ERROR_REQUIRED_WITH)));
}

TEST_F(ValidateTest, PersonOfInterestNeedsSomethingToRecogniseThem) {
  v1::Content content = Example(kUsAlert);
  v1::PersonOfInterest* person = content.mutable_smuggling_alert()->mutable_persons(0);
  person->clear_aliases();
  person->clear_description();
  EXPECT_THAT(Check(content),
              Contains(IssueIs("smuggling_alert.persons[0]", v1::DOMAIN_ERROR_ONE_OF_REQUIRED)));
}

TEST_F(ValidateTest, RouteSegmentDatesInOrder) {
  v1::Content content = Example(kUsAlert);
  v1::RouteSegment* segment = content.mutable_smuggling_alert()->mutable_route(0);
  std::swap(*segment->mutable_observed_from(), *segment->mutable_observed_until());
  EXPECT_THAT(Check(content), Contains(IssueIs("smuggling_alert.route[0].observed_until",
                                               v1::DOMAIN_ERROR_DATE_ORDER)));
}

TEST_F(ValidateTest, AlertRevisionMustFitTheAction) {
  v1::Content content = Example(kUsAlert);
  content.mutable_smuggling_alert()->set_action(v1::ALERT_ACTION_UPDATE);
  EXPECT_THAT(Check(content), Contains(IssueIs("smuggling_alert.revision",
                                               v1::DOMAIN_ERROR_REVISION_INCONSISTENT)));
}

TEST_F(ValidateTest, WithdrawalNeedsOnlyAReason) {
  v1::Content content;
  v1::SmugglingAlert* alert = content.mutable_smuggling_alert();
  alert->set_alert_ref("f6c47365f104edde0d73138ced9e77c6");
  alert->set_action(v1::ALERT_ACTION_WITHDRAW);
  alert->set_revision(1);
  alert->mutable_originator()->set_country("US");
  alert->mutable_originator()->set_organisation("Homeland Security Investigations");
  alert->add_target_countries("GT");
  alert->mutable_handling()->set_code(v1::HANDLING_CODE_H2);
  EXPECT_THAT(Check(content), ::testing::ElementsAre(IssueIs("smuggling_alert.withdraw_reason",
                                                             v1::DOMAIN_ERROR_REQUIRED_WHEN)));
  alert->set_withdraw_reason("The vehicle was seized on 19 March; the route is no longer active.");
  EXPECT_THAT(Check(content), IsEmpty());
}

TEST_F(ValidateTest, AlertValidityMustLieAheadAndWithinTheMaximum) {
  v1::Content content = Example(kUsAlert);
  *content.mutable_smuggling_alert()->mutable_valid_until() =
      TimeToProto(ExamplesNow() - absl::Hours(1));
  EXPECT_THAT(Check(content),
              Contains(IssueIs("smuggling_alert.valid_until", v1::DOMAIN_ERROR_DEADLINE_PASSED)));
  // A received alert whose validity has since ended is not an error of the content.
  EXPECT_THAT(Validate(content, ExampleContext(ValidationMode::kReceived)), IsEmpty());

  *content.mutable_smuggling_alert()->mutable_valid_until() =
      TimeToProto(ExamplesNow() + Days(400));
  EXPECT_THAT(Check(content),
              Contains(IssueIs("smuggling_alert.valid_until", v1::DOMAIN_ERROR_VALIDITY_TOO_LONG)));
}

TEST_F(ValidateTest, AlertIsNotAddressedToItsOwnCountry) {
  v1::Content content = Example(kUsAlert);
  content.mutable_smuggling_alert()->add_target_countries("US");
  EXPECT_THAT(Check(content), Contains(IssueIs("smuggling_alert.target_countries[4]",
                                               v1::DOMAIN_ERROR_SAME_COUNTRY)));
}

TEST_F(ValidateTest, HitFeedbackNeedsNoteGradingAndTime) {
  v1::Content content;
  ASSERT_OK_AND_ASSIGN(content, LoadExample("alert_feedback_gt_hit.json"));
  content.mutable_alert_feedback()->clear_note();
  content.mutable_alert_feedback()->clear_grading();
  content.mutable_alert_feedback()->clear_observed_at();
  const auto issues = Check(content);
  EXPECT_THAT(issues, Contains(IssueIs("alert_feedback.note", v1::DOMAIN_ERROR_REQUIRED_WHEN)));
  EXPECT_THAT(issues, Contains(IssueIs("alert_feedback.grading", v1::DOMAIN_ERROR_REQUIRED_WHEN)));
  EXPECT_THAT(issues,
              Contains(IssueIs("alert_feedback.observed_at", v1::DOMAIN_ERROR_REQUIRED_WHEN)));
}

TEST_F(ValidateTest, StatusStepStatesAndReasons) {
  v1::Content content;
  ASSERT_OK_AND_ASSIGN(content, LoadExample("referral_status_gt_accepted.json"));
  content.mutable_referral_status()->set_state(v1::REFERRAL_STATE_DECLINED);
  EXPECT_THAT(Check(content),
              Contains(IssueIs("referral_status.decline_reason", v1::DOMAIN_ERROR_REQUIRED_WHEN)));
  content.mutable_referral_status()->set_decline_reason(v1::DECLINE_REASON_NO_CAPACITY);
  EXPECT_THAT(Check(content), IsEmpty());
  content.mutable_referral_status()->set_close_reason(v1::CLOSE_REASON_CONTACT_LOST);
  EXPECT_THAT(Check(content),
              Contains(IssueIs("referral_status.close_reason", v1::DOMAIN_ERROR_NOT_ALLOWED_WHEN)));
  content.mutable_referral_status()->set_state(v1::REFERRAL_STATE_SENT);
  EXPECT_THAT(Check(content),
              Contains(IssueIs("referral_status.state", v1::DOMAIN_ERROR_STATE_NOT_A_STEP)));
}

TEST_F(ValidateTest, OtherReasonNeedsANote) {
  v1::Content content;
  ASSERT_OK_AND_ASSIGN(content, LoadExample("referral_status_gt_accepted.json"));
  content.mutable_referral_status()->set_state(v1::REFERRAL_STATE_WITHDRAWN);
  content.mutable_referral_status()->set_withdraw_reason(v1::WITHDRAW_REASON_OTHER);
  content.mutable_referral_status()->clear_note();
  EXPECT_THAT(Check(content),
              Contains(IssueIs("referral_status.note", v1::DOMAIN_ERROR_REQUIRED_WHEN)));
}

TEST_F(ValidateTest, ControlCharactersAreRefused) {
  v1::Content content = Example(kUsAlert);
  content.mutable_smuggling_alert()->set_title("Route\x1b[2J update");
  content.mutable_smuggling_alert()->set_summary("line one\nline two\ttabbed");  // allowed
  content.mutable_smuggling_alert()->mutable_originator()->set_officer(
      "Agent \xE2\x80\xAE"
      "evil");  // U+202E right-to-left override
  const auto issues = Check(content);
  ASSERT_THAT(issues, SizeIs(2));
  EXPECT_THAT(issues[0],
              IssueIs("smuggling_alert.originator.officer", v1::DOMAIN_ERROR_INVALID_CHARACTER));
  EXPECT_THAT(issues[1], IssueIs("smuggling_alert.title", v1::DOMAIN_ERROR_INVALID_CHARACTER));
  EXPECT_EQ(issues[1].message_en(),
            "Character not allowed (U+001B) at position 6; this field takes a single line of "
            "text.");
}

TEST_F(ValidateTest, InvalidUtf8IsRefused) {
  v1::Content content = Example(kUsAlert);
  content.mutable_smuggling_alert()->set_summary("caf\xC3");  // truncated sequence
  EXPECT_THAT(Check(content),
              Contains(IssueIs("smuggling_alert.summary", v1::DOMAIN_ERROR_INVALID_UTF8)));
}

TEST_F(ValidateTest, TranslationsBothPresentUnlessOneIsPending) {
  v1::Content content;
  ASSERT_OK_AND_ASSIGN(content, LoadExample("bulletin_secretariat_iom_es_en.json"));
  content.mutable_bulletin()->mutable_body()->clear_en();
  EXPECT_THAT(Check(content), ::testing::ElementsAre(IssueIs(
                                  "bulletin.body.en", v1::DOMAIN_ERROR_TRANSLATION_MISSING)));
  content.mutable_bulletin()->mutable_body()->set_pending(v1::TRANSLATION_PENDING_EN);
  EXPECT_THAT(Check(content), IsEmpty());
  content.mutable_bulletin()->mutable_body()->clear_es();
  EXPECT_THAT(Check(content), ::testing::ElementsAre(IssueIs(
                                  "bulletin.body.es", v1::DOMAIN_ERROR_TRANSLATION_MISSING)));
}

TEST_F(ValidateTest, AttachmentReferenceIsChecked) {
  v1::Content content;
  ASSERT_OK_AND_ASSIGN(content, LoadExample("bulletin_secretariat_iom_es_en.json"));
  v1::Attachment* attachment = content.mutable_bulletin()->mutable_attachments(0);
  attachment->set_sha256("E4BB8A5F");
  attachment->set_media_type("PDF");
  attachment->set_size_bytes(0);
  const auto issues = Check(content);
  EXPECT_THAT(issues,
              Contains(IssueIs("bulletin.attachments[0].sha256", v1::DOMAIN_ERROR_INVALID_SHA256)));
  EXPECT_THAT(issues, Contains(IssueIs("bulletin.attachments[0].media_type",
                                       v1::DOMAIN_ERROR_INVALID_MEDIA_TYPE)));
  EXPECT_THAT(issues,
              Contains(IssueIs("bulletin.attachments[0].size_bytes", v1::DOMAIN_ERROR_REQUIRED)));
  attachment->set_size_bytes(uint64_t{3} << 31);  // 6 GiB
  EXPECT_THAT(Check(content), Contains(IssueIs("bulletin.attachments[0].size_bytes",
                                               v1::DOMAIN_ERROR_VALUE_TOO_LARGE)));
}

TEST_F(ValidateTest, RequestDeadlineMustLieAheadWhenWritten) {
  v1::Content content;
  ASSERT_OK_AND_ASSIGN(content, LoadExample("info_request_sv_to_hn_document_verification.json"));
  *content.mutable_info_request()->mutable_deadline() = TimeToProto(ExamplesNow());
  EXPECT_THAT(Check(content),
              Contains(IssueIs("info_request.deadline", v1::DOMAIN_ERROR_DEADLINE_PASSED)));
  EXPECT_THAT(Validate(content, ExampleContext(ValidationMode::kReceived)), IsEmpty());
}

TEST_F(ValidateTest, MatrixRequestNamesItsTopics) {
  v1::Content content;
  ASSERT_OK_AND_ASSIGN(content, LoadExample("info_request_secretariat_legislation_matrix.json"));
  content.mutable_info_request()->clear_matrix_topics();
  EXPECT_THAT(Check(content),
              Contains(IssueIs("info_request.matrix_topics", v1::DOMAIN_ERROR_REQUIRED_WHEN)));
}

TEST_F(ValidateTest, MatrixUpdateComesFromItsCountry) {
  v1::Content content;
  ASSERT_OK_AND_ASSIGN(content, LoadExample("legislation_matrix_update_cr.json"));
  content.mutable_legislation_matrix_update()->mutable_submitted_by()->set_country("PA");
  content.mutable_legislation_matrix_update()->mutable_entries(0)->clear_text();
  const auto issues = Check(content);
  EXPECT_THAT(issues, Contains(IssueIs("legislation_matrix_update.submitted_by.country",
                                       v1::DOMAIN_ERROR_COUNTRY_MISMATCH)));
  EXPECT_THAT(issues, Contains(IssueIs("legislation_matrix_update.entries[0]",
                                       v1::DOMAIN_ERROR_ONE_OF_REQUIRED)));
}

TEST_F(ValidateTest, ContentWithoutBodyIsRefused) {
  v1::Content content;
  content.set_language("es");
  const auto issues = Check(content);
  ASSERT_THAT(issues, SizeIs(1));
  EXPECT_THAT(issues[0], IssueIs("", v1::DOMAIN_ERROR_BODY_MISSING));
  EXPECT_THAT(issues[0].message_en(), ::testing::HasSubstr("victim_referral, referral_status"));
}

TEST_F(ValidateTest, UnknownFieldsAreReported) {
  v1::Content content = Example(kUsAlert);
  // Field 99 (varint 1) appended to the serialized alert: a newer schema, or garbage.
  std::string bytes = content.smuggling_alert().SerializeAsString() + std::string("\x98\x06\x01");
  ASSERT_TRUE(content.mutable_smuggling_alert()->ParseFromString(bytes));
  EXPECT_THAT(Check(content),
              ::testing::ElementsAre(IssueIs("smuggling_alert", v1::DOMAIN_ERROR_UNKNOWN_FIELD)));
}

TEST_F(ValidateTest, ForwardedReferralIsFlagged) {
  v1::Content content = Example(kGirlReferral);
  v1::ForwardInfo* forwarded = content.mutable_forwarded();
  forwarded->set_original_message_id("a7d025e7196e1d3786f41aff709ef018");
  forwarded->set_originator("node/MX");
  forwarded->set_forwarded_by("node/GT");
  EXPECT_THAT(Check(content),
              ::testing::ElementsAre(IssueIs("forwarded", v1::DOMAIN_ERROR_FORWARD_PERSONAL_DATA)));
}

TEST_F(ValidateTest, EveryProblemIsReportedAtOnce) {
  v1::Content content = Example(kGirlReferral);
  v1::VictimReferral* referral = content.mutable_victim_referral();
  referral->clear_child();                                              // child block
  referral->set_country_of_exploitation("ZZ");                          // country
  referral->set_status_decided_by(std::string(300, 'a'));               // length
  referral->mutable_consent()->set_status(v1::CONSENT_STATUS_REFUSED);  // consent gate
  const auto issues = Check(content);
  EXPECT_THAT(issues,
              Contains(IssueIs("victim_referral.child", v1::DOMAIN_ERROR_CHILD_BLOCK_REQUIRED)));
  EXPECT_THAT(issues, Contains(IssueIs("victim_referral.country_of_exploitation",
                                       v1::DOMAIN_ERROR_INVALID_COUNTRY)));
  EXPECT_THAT(issues,
              Contains(IssueIs("victim_referral.status_decided_by", v1::DOMAIN_ERROR_TOO_LONG)));
  EXPECT_THAT(issues,
              Contains(IssueIs("victim_referral.identity", v1::DOMAIN_ERROR_CONSENT_REQUIRED)));
}

TEST_F(ValidateTest, BadValuesAreEchoedShort) {
  v1::Content content = Example(kUsAlert);
  content.mutable_smuggling_alert()->set_alert_ref(std::string(100000, 'z'));
  const auto issues = Check(content);
  ASSERT_THAT(issues, SizeIs(1));
  EXPECT_LT(issues[0].message_en().size(), 300u);
}

TEST_F(ValidateTest, ContextFromClock) {
  FakeClock clock(ExamplesNow());
  const ValidationContext context = MakeValidationContext(clock, ValidationMode::kReceived);
  EXPECT_EQ(context.now, ExamplesNow());
  EXPECT_EQ(context.mode, ValidationMode::kReceived);
  EXPECT_THAT(context.network_countries, Contains("CR"));
  EXPECT_THAT(Validate(Example(kUsAlert), context), IsEmpty());
}

}  // namespace
}  // namespace enlace::domain
