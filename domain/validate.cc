#include "domain/validate.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "base/time.h"
#include "domain/content.h"
#include "domain/formats.h"
#include "domain/handling.h"
#include "domain/issues.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/unknown_field_set.h"

namespace enlace::domain {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DynamicCastToGenerated;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// google.protobuf.Timestamp's range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;
constexpr int kEarliestYear = 1900;
// How much of a bad value is echoed in a message.
constexpr size_t kExcerptBytes = 48;

bool IsBlank(absl::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return absl::ascii_isspace(static_cast<unsigned char>(c)); });
}

// At most kExcerptBytes of valid UTF-8 text, cut on a character boundary.
std::string Excerpt(absl::string_view text) {
  if (text.size() <= kExcerptBytes) return std::string(text);
  size_t end = kExcerptBytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return absl::StrCat(text.substr(0, end), "…");
}

std::string FormatDate(const v1::CalendarDate& date) {
  return absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(), date.day());
}

bool IsRealDate(const v1::CalendarDate& date) {
  if (date.month() < 1 || date.month() > 12 || date.day() < 1 || date.day() > 31) return false;
  const absl::CivilDay day(date.year(), date.month(), date.day());
  return day.year() == date.year() && day.month() == date.month() && day.day() == date.day();
}

bool IsChildOrUncertain(v1::Majority majority) {
  return majority == v1::MAJORITY_CHILD || majority == v1::MAJORITY_UNCERTAIN;
}

bool IsConsenting(v1::ConsentStatus status) {
  return status == v1::CONSENT_STATUS_GIVEN || status == v1::CONSENT_STATUS_GIVEN_LIMITED ||
         status == v1::CONSENT_STATUS_GUARDIAN_OR_AUTHORITY;
}

// The inclusive age range of a band; nullopt for an unspecified or unknown band.
absl::optional<std::pair<int, int>> AgeRange(v1::AgeBand band) {
  switch (band) {
    case v1::AGE_BAND_0_8:
      return std::make_pair(0, 8);
    case v1::AGE_BAND_9_17:
      return std::make_pair(9, 17);
    case v1::AGE_BAND_18_20:
      return std::make_pair(18, 20);
    case v1::AGE_BAND_21_23:
      return std::make_pair(21, 23);
    case v1::AGE_BAND_24_26:
      return std::make_pair(24, 26);
    case v1::AGE_BAND_27_29:
      return std::make_pair(27, 29);
    case v1::AGE_BAND_30_38:
      return std::make_pair(30, 38);
    case v1::AGE_BAND_39_47:
      return std::make_pair(39, 47);
    case v1::AGE_BAND_48_PLUS:
      return std::make_pair(48, 200);
    default:
      return absl::nullopt;
  }
}

template <typename T>
bool Contains(const google::protobuf::RepeatedField<T>& list, T value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}
bool Contains(const google::protobuf::RepeatedPtrField<std::string>& list,
              absl::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

class Validator {
 public:
  explicit Validator(const ValidationContext& context) : context_(context) {}

  std::vector<v1::FieldIssue> Run(const v1::Content& content) {
    if (content.has_victim_referral()) {
      consent_ = &content.victim_referral().consent();
      receiving_country_ = content.victim_referral().receiving().country();
    }
    Walk(content, "");
    switch (content.body_case()) {
      case v1::Content::kVictimReferral:
        CheckReferral(content.victim_referral(), "victim_referral");
        break;
      case v1::Content::kReferralStatus:
        CheckReferralStatus(content.referral_status(), "referral_status");
        break;
      case v1::Content::kSmugglingAlert:
        CheckAlert(content.smuggling_alert(), "smuggling_alert");
        break;
      case v1::Content::kAlertFeedback:
        CheckFeedback(content.alert_feedback(), "alert_feedback");
        break;
      case v1::Content::kInfoRequest:
        CheckInfoRequest(content.info_request(), "info_request");
        break;
      case v1::Content::kLegislationMatrixUpdate:
        CheckMatrixUpdate(content.legislation_matrix_update(), "legislation_matrix_update");
        break;
      case v1::Content::kInfoResponse:
      case v1::Content::kBulletin:
      case v1::Content::kDocument:
        break;  // their rules are all declared on the fields or checked per message type
      case v1::Content::BODY_NOT_SET: {
        std::vector<std::string> names;
        for (int i = 0; i < v1::Content::descriptor()->oneof_decl(0)->field_count(); ++i) {
          names.push_back(v1::Content::descriptor()->oneof_decl(0)->field(i)->name());
        }
        Add("", v1::DOMAIN_ERROR_BODY_MISSING, {absl::StrJoin(names, ", ")});
        break;
      }
    }
    if (content.has_forwarded()) {
      if (absl::optional<v1::FieldIssue> refusal = ForwardRefusal(content, "forwarded")) {
        issues_.push_back(*std::move(refusal));
      }
    }
    return std::move(issues_);
  }

 private:
  void Add(absl::string_view path, v1::DomainError code, std::vector<IssueArg> args = {}) {
    issues_.push_back(MakeIssue(path, code, args));
  }

  // ---- Declared rules, by reflection ----

  void Walk(const Message& message, const std::string& path) {
    const Reflection& reflection = *message.GetReflection();
    const google::protobuf::UnknownFieldSet& unknown = reflection.GetUnknownFields(message);
    for (int i = 0; i < unknown.field_count(); ++i) {
      Add(path, v1::DOMAIN_ERROR_UNKNOWN_FIELD, {unknown.field(i).number()});
    }
    const Descriptor& descriptor = *message.GetDescriptor();
    for (int i = 0; i < descriptor.field_count(); ++i) {
      WalkField(message, *descriptor.field(i), path);
    }
    CheckMessageRules(message, path);
  }

  void WalkField(const Message& message, const FieldDescriptor& field, const std::string& parent) {
    const v1::FieldRules& rules = field.options().GetExtension(v1::rules);
    const Reflection& reflection = *message.GetReflection();
    const std::string path = JoinPath(parent, field.name());
    if (field.is_repeated()) {
      const int size = reflection.FieldSize(message, &field);
      if (size == 0) {
        if (rules.required()) Add(path, v1::DOMAIN_ERROR_REQUIRED);
        return;
      }
      CheckPersonalData(path, rules);
      if (rules.max_items() > 0 && static_cast<uint32_t>(size) > rules.max_items()) {
        Add(path, v1::DOMAIN_ERROR_TOO_MANY_ITEMS, {rules.max_items(), size});
      }
      std::set<std::string> seen;
      for (int i = 0; i < size; ++i) {
        const std::string item = absl::StrCat(path, "[", i, "]");
        switch (field.cpp_type()) {
          case FieldDescriptor::CPPTYPE_STRING: {
            const std::string value = reflection.GetRepeatedString(message, &field, i);
            CheckText(item, value, rules);
            if (!seen.insert(value).second) {
              Add(item, v1::DOMAIN_ERROR_DUPLICATE_ITEM, {Excerpt(value)});
            }
            break;
          }
          case FieldDescriptor::CPPTYPE_ENUM: {
            const int value = reflection.GetRepeatedEnumValue(message, &field, i);
            if (value == 0) {
              Add(item, v1::DOMAIN_ERROR_UNSPECIFIED_IN_LIST,
                  {field.enum_type()->FindValueByNumber(0)->name()});
            } else if (CheckEnum(item, field, value) && !seen.insert(absl::StrCat(value)).second) {
              Add(item, v1::DOMAIN_ERROR_DUPLICATE_ITEM,
                  {IssueArg::Value(*field.enum_type(), value)});
            }
            break;
          }
          case FieldDescriptor::CPPTYPE_MESSAGE:
            CheckMessageValue(item, reflection.GetRepeatedMessage(message, &field, i), rules);
            break;
          default:
            break;  // the schema has no repeated numbers or booleans
        }
      }
      return;
    }
    if (!reflection.HasField(message, &field)) {
      if (rules.required()) Add(path, v1::DOMAIN_ERROR_REQUIRED);
      return;
    }
    CheckPersonalData(path, rules);
    switch (field.cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: {
        const std::string value = reflection.GetString(message, &field);
        if (rules.required() && IsBlank(value)) {
          Add(path, v1::DOMAIN_ERROR_REQUIRED);
        } else {
          CheckText(path, value, rules);
        }
        break;
      }
      case FieldDescriptor::CPPTYPE_ENUM:
        CheckEnum(path, field, reflection.GetEnumValue(message, &field));
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE:
        CheckMessageValue(path, reflection.GetMessage(message, &field), rules);
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        CheckNumber(path, reflection.GetUInt32(message, &field), rules);
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        CheckNumber(path, reflection.GetUInt64(message, &field), rules);
        break;
      default:
        break;  // booleans; the only signed numbers are CalendarDate's, checked as a date
    }
  }

  void CheckMessageValue(const std::string& path, const Message& value,
                         const v1::FieldRules& rules) {
    if (const auto* timestamp = DynamicCastToGenerated<google::protobuf::Timestamp>(&value)) {
      CheckTimestamp(path, *timestamp, rules.not_future());
    } else if (const auto* date = DynamicCastToGenerated<v1::CalendarDate>(&value)) {
      CheckDate(path, *date, rules.not_future());
    } else {
      Walk(value, path);
    }
  }

  // False when the value is not one the enum defines.
  bool CheckEnum(const std::string& path, const FieldDescriptor& field, int value) {
    const google::protobuf::EnumDescriptor& type = *field.enum_type();
    if (type.FindValueByNumber(value) != nullptr) return true;
    std::vector<std::string> allowed;
    for (int i = 1; i < type.value_count(); ++i) allowed.push_back(type.value(i)->name());
    Add(path, v1::DOMAIN_ERROR_UNKNOWN_ENUM_VALUE,
        {value, type.full_name(), absl::StrJoin(allowed, ", ")});
    return false;
  }

  void CheckNumber(const std::string& path, uint64_t value, const v1::FieldRules& rules) {
    if (rules.max_value() > 0 && value > rules.max_value()) {
      Add(path, v1::DOMAIN_ERROR_VALUE_TOO_LARGE, {value, rules.max_value()});
    }
  }

  void CheckText(const std::string& path, absl::string_view value, const v1::FieldRules& rules) {
    const v1::TextFormat format = rules.format();
    const TextScan scan = ScanText(value, format == v1::TEXT_FORMAT_FREE);
    if (!scan.valid_utf8) {
      Add(path, v1::DOMAIN_ERROR_INVALID_UTF8);
      return;
    }
    if (rules.max_length() > 0 && scan.code_points > rules.max_length()) {
      Add(path, v1::DOMAIN_ERROR_TOO_LONG,
          {rules.max_length(), static_cast<uint64_t>(scan.code_points)});
    }
    if (scan.bad_code_point.has_value()) {
      Add(path, v1::DOMAIN_ERROR_INVALID_CHARACTER,
          {absl::StrFormat("%04X", *scan.bad_code_point), static_cast<uint64_t>(scan.bad_position),
           IssueArg::Code(format == v1::TEXT_FORMAT_FREE ? v1::TEXT_FORMAT_FREE
                                                         : v1::TEXT_FORMAT_SINGLE_LINE)});
      return;
    }
    switch (format) {
      case v1::TEXT_FORMAT_COUNTRY:
        if (!IsIsoCountryCode(value)) Add(path, v1::DOMAIN_ERROR_INVALID_COUNTRY, {Excerpt(value)});
        break;
      case v1::TEXT_FORMAT_NETWORK_COUNTRY:
        if (!IsIsoCountryCode(value)) {
          Add(path, v1::DOMAIN_ERROR_INVALID_COUNTRY, {Excerpt(value)});
        } else if (std::find(context_.network_countries.begin(), context_.network_countries.end(),
                             value) == context_.network_countries.end()) {
          Add(path, v1::DOMAIN_ERROR_COUNTRY_NOT_IN_NETWORK,
              {value, absl::StrJoin(context_.network_countries, " ")});
        }
        break;
      case v1::TEXT_FORMAT_LANGUAGE:
        if (!IsLanguageTag(value)) Add(path, v1::DOMAIN_ERROR_INVALID_LANGUAGE, {Excerpt(value)});
        break;
      case v1::TEXT_FORMAT_REFERENCE:
        if (!IsReference(value)) Add(path, v1::DOMAIN_ERROR_INVALID_REFERENCE, {Excerpt(value)});
        break;
      case v1::TEXT_FORMAT_SHA256_HEX:
        if (!IsSha256Hex(value)) Add(path, v1::DOMAIN_ERROR_INVALID_SHA256, {Excerpt(value)});
        break;
      case v1::TEXT_FORMAT_MEDIA_TYPE:
        if (!IsMediaType(value)) Add(path, v1::DOMAIN_ERROR_INVALID_MEDIA_TYPE, {Excerpt(value)});
        break;
      case v1::TEXT_FORMAT_PARTICIPANT_ID:
        if (!IsParticipantId(value)) {
          Add(path, v1::DOMAIN_ERROR_INVALID_PARTICIPANT_ID, {Excerpt(value)});
        }
        break;
      default:
        break;  // free text and single lines: the character scan above is the check
    }
  }

  void CheckTimestamp(const std::string& path, const google::protobuf::Timestamp& value,
                      bool not_future) {
    if (value.seconds() < kMinTimestampSeconds || value.seconds() > kMaxTimestampSeconds ||
        value.nanos() < 0 || value.nanos() > 999999999) {
      Add(path, v1::DOMAIN_ERROR_IMPOSSIBLE_DATE,
          {absl::StrCat("seconds=", value.seconds(), " nanos=", value.nanos())});
      return;
    }
    const absl::Time time = TimeFromProto(value);
    if (time < absl::FromCivil(absl::CivilDay(kEarliestYear, 1, 1), absl::UTCTimeZone())) {
      Add(path, v1::DOMAIN_ERROR_DATE_TOO_OLD, {FormatUtc(time), absl::StrCat(kEarliestYear)});
      return;
    }
    if (not_future && time > context_.now + context_.clock_skew) {
      Add(path, v1::DOMAIN_ERROR_DATE_IN_FUTURE, {FormatUtc(time), FormatUtc(context_.now)});
    }
  }

  void CheckDate(const std::string& path, const v1::CalendarDate& date, bool not_future) {
    if (!IsRealDate(date)) {
      Add(path, v1::DOMAIN_ERROR_IMPOSSIBLE_DATE, {FormatDate(date)});
      return;
    }
    if (date.year() < kEarliestYear) {
      Add(path, v1::DOMAIN_ERROR_DATE_TOO_OLD, {FormatDate(date), absl::StrCat(kEarliestYear)});
      return;
    }
    // A day ahead of UTC is still "today" somewhere.
    const absl::CivilDay latest = absl::ToCivilDay(context_.now, absl::UTCTimeZone()) + 1;
    if (not_future && absl::CivilDay(date.year(), date.month(), date.day()) > latest) {
      Add(path, v1::DOMAIN_ERROR_DATE_IN_FUTURE, {FormatDate(date), FormatUtc(context_.now)});
    }
  }

  // The consent gate: personal data only within the consent given for the referral.
  void CheckPersonalData(const std::string& path, const v1::FieldRules& rules) {
    const v1::PersonalData category = rules.personal_data();
    if (category == v1::PERSONAL_DATA_NONE) return;
    const v1::ConsentStatus status =
        consent_ != nullptr ? consent_->status() : v1::CONSENT_STATUS_UNSPECIFIED;
    if (!IsConsenting(status)) {
      Add(path, v1::DOMAIN_ERROR_CONSENT_REQUIRED,
          {IssueArg::Code(category), IssueArg::Code(status)});
      return;
    }
    if (!Contains(consent_->data(), static_cast<int>(category))) {
      Add(path, v1::DOMAIN_ERROR_CONSENT_SCOPE, {IssueArg::Code(category)});
      return;
    }
    if (!shared_with_reported_ && !receiving_country_.empty() &&
        !Contains(consent_->shared_with(), receiving_country_)) {
      shared_with_reported_ = true;
      Add("victim_referral.consent.shared_with", v1::DOMAIN_ERROR_CONSENT_NOT_SHARED_WITH,
          {receiving_country_, absl::StrJoin(consent_->shared_with(), " ")});
    }
  }

  // ---- Rules of particular message types, wherever they appear ----

  void CheckMessageRules(const Message& message, const std::string& path) {
    if (const auto* handling = DynamicCastToGenerated<v1::Handling>(&message)) {
      if (handling->code() == v1::HANDLING_CODE_H3 && IsBlank(handling->conditions())) {
        Add(JoinPath(path, "conditions"), v1::DOMAIN_ERROR_REQUIRED_WHEN,
            {JoinPath(path, "code"), IssueArg::Code(v1::HANDLING_CODE_H3)});
      }
    } else if (const auto* title = DynamicCastToGenerated<v1::LocalizedTitle>(&message)) {
      CheckTranslations(path, title->es(), title->en(), title->pending());
    } else if (const auto* text = DynamicCastToGenerated<v1::LocalizedText>(&message)) {
      CheckTranslations(path, text->es(), text->en(), text->pending());
    } else if (const auto* segment = DynamicCastToGenerated<v1::RouteSegment>(&message)) {
      if (segment->has_observed_from() && segment->has_observed_until() &&
          TimeFromProto(segment->observed_until()) < TimeFromProto(segment->observed_from())) {
        Add(JoinPath(path, "observed_until"), v1::DOMAIN_ERROR_DATE_ORDER,
            {FormatUtc(TimeFromProto(segment->observed_until())), JoinPath(path, "observed_from"),
             FormatUtc(TimeFromProto(segment->observed_from()))});
      }
    } else if (const auto* person = DynamicCastToGenerated<v1::PersonOfInterest>(&message)) {
      if (IsBlank(person->names()) && person->aliases().empty() && IsBlank(person->description())) {
        Add(path, v1::DOMAIN_ERROR_ONE_OF_REQUIRED, {"names, aliases, description"});
      }
    } else if (const auto* vehicle = DynamicCastToGenerated<v1::Vehicle>(&message)) {
      if (!vehicle->plate().empty() && vehicle->registration_country().empty()) {
        Add(JoinPath(path, "registration_country"), v1::DOMAIN_ERROR_REQUIRED_WITH,
            {JoinPath(path, "plate")});
      }
    } else if (const auto* entry = DynamicCastToGenerated<v1::MatrixEntry>(&message)) {
      if (IsBlank(entry->text()) && entry->attachments().empty()) {
        Add(path, v1::DOMAIN_ERROR_ONE_OF_REQUIRED, {"text, attachments"});
      }
    }
  }

  void CheckTranslations(const std::string& path, absl::string_view es, absl::string_view en,
                         v1::TranslationPending pending) {
    if (IsBlank(es) && pending != v1::TRANSLATION_PENDING_ES) {
      Add(JoinPath(path, "es"), v1::DOMAIN_ERROR_TRANSLATION_MISSING, {"es"});
    }
    if (IsBlank(en) && pending != v1::TRANSLATION_PENDING_EN) {
      Add(JoinPath(path, "en"), v1::DOMAIN_ERROR_TRANSLATION_MISSING, {"en"});
    }
  }

  // ---- Rules of each kind ----

  void RequireCountry(const v1::Party& party, bool present, const std::string& path) {
    if (present && party.country().empty())
      Add(JoinPath(path, "country"), v1::DOMAIN_ERROR_REQUIRED);
  }

  template <typename E>
  void RequiredWhen(bool missing, const std::string& path, const std::string& condition_path,
                    E condition_value) {
    if (missing) {
      Add(path, v1::DOMAIN_ERROR_REQUIRED_WHEN, {condition_path, IssueArg::Code(condition_value)});
    }
  }

  template <typename E>
  void NotAllowedWhen(bool present, const std::string& path, const std::string& condition_path,
                      E condition_value) {
    if (present) {
      Add(path, v1::DOMAIN_ERROR_NOT_ALLOWED_WHEN,
          {condition_path, IssueArg::Code(condition_value)});
    }
  }

  void CheckReferral(const v1::VictimReferral& referral, const std::string& p) {
    const auto at = [&p](absl::string_view field) { return JoinPath(p, field); };
    RequireCountry(referral.referring(), referral.has_referring(), at("referring"));
    RequireCountry(referral.receiving(), referral.has_receiving(), at("receiving"));
    if (!referral.receiving().country().empty() &&
        referral.receiving().country() == referral.referring().country()) {
      Add(at("receiving.country"), v1::DOMAIN_ERROR_SAME_COUNTRY,
          {referral.receiving().country(), at("referring.country")});
    }
    RequiredWhen(referral.reason() == v1::REFERRAL_REASON_OTHER && IsBlank(referral.reason_note()),
                 at("reason_note"), at("reason"), v1::REFERRAL_REASON_OTHER);
    if (referral.exploitation_types().empty() && referral.trafficking_status() != 0 &&
        referral.trafficking_status() != v1::TRAFFICKING_STATUS_NOT_A_VICTIM) {
      Add(at("exploitation_types"), v1::DOMAIN_ERROR_REQUIRED_WHEN,
          {at("trafficking_status"),
           IssueArg::Value(*v1::TraffickingStatus_descriptor(), referral.trafficking_status())});
    }

    // Minors: a child, or a person who may be one, needs the child block and a fast response.
    const v1::Majority majority = referral.majority();
    if (IsChildOrUncertain(majority)) {
      if (!referral.has_child()) {
        Add(at("child"), v1::DOMAIN_ERROR_CHILD_BLOCK_REQUIRED, {IssueArg::Code(majority)});
      }
      // (An unknown urgency number is already reported as such.)
      if (referral.urgency() == v1::URGENCY_ROUTINE) {
        Add(at("urgency"), v1::DOMAIN_ERROR_CHILD_URGENCY,
            {IssueArg::Value(*v1::Urgency_descriptor(), referral.urgency())});
      }
    } else if (majority == v1::MAJORITY_ADULT) {
      if (referral.has_child()) {
        Add(at("child"), v1::DOMAIN_ERROR_CHILD_BLOCK_NOT_APPLICABLE, {IssueArg::Code(majority)});
      }
      for (int i = 0; i < referral.sub_reasons_size(); ++i) {
        NotAllowedWhen(referral.sub_reasons(i) == v1::REFERRAL_SUB_REASON_CHILD_REPATRIATION,
                       absl::StrCat(at("sub_reasons"), "[", i, "]"), at("majority"), majority);
      }
    }
    const absl::optional<std::pair<int, int>> range = AgeRange(referral.age_band());
    if (range.has_value()) {
      const bool band_is_minor = range->second < 18;
      if ((majority == v1::MAJORITY_CHILD && !band_is_minor) ||
          (majority == v1::MAJORITY_ADULT && band_is_minor)) {
        Add(at("age_band"), v1::DOMAIN_ERROR_AGE_INCONSISTENT,
            {IssueArg::Code(referral.age_band()), IssueArg::Code(majority)});
      }
      if (referral.identity().has_date_of_birth() &&
          IsRealDate(referral.identity().date_of_birth())) {
        const v1::CalendarDate& birth = referral.identity().date_of_birth();
        const absl::CivilDay today = absl::ToCivilDay(context_.now, absl::UTCTimeZone());
        int age = static_cast<int>(today.year()) - birth.year();
        if (today.month() < birth.month() ||
            (today.month() == birth.month() && today.day() < birth.day())) {
          --age;
        }
        if (age < range->first || age > range->second) {
          Add(at("identity.date_of_birth"), v1::DOMAIN_ERROR_DATE_OF_BIRTH_INCONSISTENT,
              {FormatDate(birth), age, IssueArg::Code(referral.age_band())});
        }
      }
    }

    // Consent: its scope must fit its status.
    const v1::Consent& consent = referral.consent();
    const std::string c = at("consent");
    if (IsConsenting(consent.status())) {
      RequiredWhen(consent.purposes().empty(), JoinPath(c, "purposes"), JoinPath(c, "status"),
                   consent.status());
      RequiredWhen(consent.shared_with().empty(), JoinPath(c, "shared_with"), JoinPath(c, "status"),
                   consent.status());
      RequiredWhen(consent.status() == v1::CONSENT_STATUS_GUARDIAN_OR_AUTHORITY &&
                       IsBlank(consent.guardian_or_authority()),
                   JoinPath(c, "guardian_or_authority"), JoinPath(c, "status"), consent.status());
    } else if (referral.has_consent()) {
      NotAllowedWhen(!consent.data().empty(), JoinPath(c, "data"), JoinPath(c, "status"),
                     consent.status());
      NotAllowedWhen(!consent.purposes().empty(), JoinPath(c, "purposes"), JoinPath(c, "status"),
                     consent.status());
    }

    if (referral.has_child()) {
      const v1::ChildProtection& child = referral.child();
      RequiredWhen(child.best_interests_determination() == v1::ASSESSMENT_STATUS_COMPLETED &&
                       !child.has_best_interests_determined_at(),
                   at("child.best_interests_determined_at"),
                   at("child.best_interests_determination"), v1::ASSESSMENT_STATUS_COMPLETED);
    }
    const std::string& destination = referral.return_logistics().destination_country();
    if (!destination.empty() && !referral.receiving().country().empty() &&
        destination != referral.receiving().country()) {
      Add(at("return_logistics.destination_country"), v1::DOMAIN_ERROR_COUNTRY_MISMATCH,
          {destination, at("receiving.country"), referral.receiving().country()});
    }
  }

  void CheckReferralStatus(const v1::ReferralStatus& status, const std::string& p) {
    const auto at = [&p](absl::string_view field) { return JoinPath(p, field); };
    const v1::ReferralState state = status.state();
    if (state == v1::REFERRAL_STATE_DRAFT || state == v1::REFERRAL_STATE_SENT) {
      Add(at("state"), v1::DOMAIN_ERROR_STATE_NOT_A_STEP, {IssueArg::Code(state)});
    }
    struct Reason {
      const char* field;
      v1::ReferralState state;
      int value;
      int other;
    };
    const Reason reasons[] = {
        {"decline_reason", v1::REFERRAL_STATE_DECLINED, status.decline_reason(),
         v1::DECLINE_REASON_OTHER},
        {"close_reason", v1::REFERRAL_STATE_CLOSED, status.close_reason(), v1::CLOSE_REASON_OTHER},
        {"withdraw_reason", v1::REFERRAL_STATE_WITHDRAWN, status.withdraw_reason(),
         v1::WITHDRAW_REASON_OTHER},
    };
    for (const Reason& reason : reasons) {
      if (state == reason.state) {
        RequiredWhen(reason.value == 0, at(reason.field), at("state"), state);
        if (reason.value == reason.other && IsBlank(status.note())) {
          Add(at("note"), v1::DOMAIN_ERROR_REQUIRED_WHEN,
              {at(reason.field),
               IssueArg::Value(
                   *v1::ReferralStatus::descriptor()->FindFieldByName(reason.field)->enum_type(),
                   reason.value)});
        }
      } else {
        NotAllowedWhen(reason.value != 0, at(reason.field), at("state"), state);
      }
    }
    RequiredWhen(
        (state == v1::REFERRAL_STATE_INFO_REQUESTED || state == v1::REFERRAL_STATE_INFO_PROVIDED) &&
            IsBlank(status.note()),
        at("note"), at("state"), state);
  }

  void CheckAlert(const v1::SmugglingAlert& alert, const std::string& p) {
    const auto at = [&p](absl::string_view field) { return JoinPath(p, field); };
    RequireCountry(alert.originator(), alert.has_originator(), at("originator"));
    for (int i = 0; i < alert.target_countries_size(); ++i) {
      if (!alert.originator().country().empty() &&
          alert.target_countries(i) == alert.originator().country()) {
        Add(absl::StrCat(at("target_countries"), "[", i, "]"), v1::DOMAIN_ERROR_SAME_COUNTRY,
            {alert.target_countries(i), at("originator.country")});
      }
    }
    const v1::AlertAction action = alert.action();
    if ((action == v1::ALERT_ACTION_PUBLISH && alert.revision() != 1) ||
        (action == v1::ALERT_ACTION_UPDATE && alert.revision() < 2)) {
      Add(at("revision"), v1::DOMAIN_ERROR_REVISION_INCONSISTENT,
          {alert.revision(), IssueArg::Code(action)});
    }
    if (action == v1::ALERT_ACTION_WITHDRAW) {
      RequiredWhen(IsBlank(alert.withdraw_reason()), at("withdraw_reason"), at("action"), action);
      return;
    }
    if (action != v1::ALERT_ACTION_PUBLISH && action != v1::ALERT_ACTION_UPDATE) return;
    const std::string when = at("action");
    RequiredWhen(alert.alert_type() == 0, at("alert_type"), when, action);
    RequiredWhen(IsBlank(alert.title()), at("title"), when, action);
    RequiredWhen(!alert.has_grading(), at("grading"), when, action);
    RequiredWhen(!alert.has_valid_until(), at("valid_until"), when, action);
    RequiredWhen(alert.urgency() == 0, at("urgency"), when, action);
    RequiredWhen(alert.requested_action() == 0, at("requested_action"), when, action);
    NotAllowedWhen(!alert.withdraw_reason().empty(), at("withdraw_reason"), when, action);
    RequiredWhen(alert.requested_action() == v1::REQUESTED_ACTION_OTHER &&
                     IsBlank(alert.requested_action_note()),
                 at("requested_action_note"), at("requested_action"), v1::REQUESTED_ACTION_OTHER);

    // The subject named by the type must be described.
    const std::string type = at("alert_type");
    const v1::AlertType alert_type = alert.alert_type();
    RequiredWhen(alert_type == v1::ALERT_TYPE_ROUTE && alert.route().empty(), at("route"), type,
                 alert_type);
    RequiredWhen(alert_type == v1::ALERT_TYPE_MODUS_OPERANDI && IsBlank(alert.modus_operandi()),
                 at("modus_operandi"), type, alert_type);
    RequiredWhen(alert_type == v1::ALERT_TYPE_PERSON_OF_INTEREST && alert.persons().empty(),
                 at("persons"), type, alert_type);
    RequiredWhen(alert_type == v1::ALERT_TYPE_VEHICLE_OR_VESSEL && alert.vehicles().empty(),
                 at("vehicles"), type, alert_type);
    RequiredWhen(alert_type == v1::ALERT_TYPE_DOCUMENT_FRAUD && alert.documents_used().empty(),
                 at("documents_used"), type, alert_type);
    RequiredWhen(
        alert_type == v1::ALERT_TYPE_ONLINE_RECRUITMENT && alert.online_platforms().empty(),
        at("online_platforms"), type, alert_type);

    if (alert.has_valid_until() && IsPossible(alert.valid_until())) {
      const absl::Time valid_until = TimeFromProto(alert.valid_until());
      CheckFutureDeadline(at("valid_until"), valid_until);
      const absl::Duration max = context_.retention.alert_max_validity;
      if (valid_until > context_.now + max + context_.clock_skew) {
        Add(at("valid_until"), v1::DOMAIN_ERROR_VALIDITY_TOO_LONG,
            {FormatUtc(valid_until), absl::ToInt64Hours(max) / 24});
      }
    }
  }

  void CheckFeedback(const v1::AlertFeedback& feedback, const std::string& p) {
    const auto at = [&p](absl::string_view field) { return JoinPath(p, field); };
    RequireCountry(feedback.responder(), feedback.has_responder(), at("responder"));
    const v1::FeedbackType type = feedback.type();
    const bool reports_information =
        type == v1::FEEDBACK_TYPE_HIT || type == v1::FEEDBACK_TYPE_ADDITIONAL_INFORMATION;
    RequiredWhen(reports_information && IsBlank(feedback.note()), at("note"), at("type"), type);
    RequiredWhen(reports_information && !feedback.has_grading(), at("grading"), at("type"), type);
    RequiredWhen(type == v1::FEEDBACK_TYPE_HIT && !feedback.has_observed_at(), at("observed_at"),
                 at("type"), type);
  }

  void CheckInfoRequest(const v1::InfoRequest& request, const std::string& p) {
    const auto at = [&p](absl::string_view field) { return JoinPath(p, field); };
    const bool matrix = request.topic() == v1::REQUEST_TOPIC_LEGISLATION_MATRIX;
    RequiredWhen(matrix && request.matrix_topics().empty(), at("matrix_topics"), at("topic"),
                 request.topic());
    NotAllowedWhen(!matrix && !request.matrix_topics().empty(), at("matrix_topics"), at("topic"),
                   request.topic());
    if (request.has_deadline() && IsPossible(request.deadline())) {
      CheckFutureDeadline(at("deadline"), TimeFromProto(request.deadline()));
    }
  }

  void CheckMatrixUpdate(const v1::LegislationMatrixUpdate& update, const std::string& p) {
    const auto at = [&p](absl::string_view field) { return JoinPath(p, field); };
    const std::string& submitter = update.submitted_by().country();
    if (!submitter.empty() && !update.country().empty() && submitter != update.country()) {
      Add(at("submitted_by.country"), v1::DOMAIN_ERROR_COUNTRY_MISMATCH,
          {submitter, at("country"), update.country()});
    }
  }

  // A deadline or validity being written now must lie ahead.
  void CheckFutureDeadline(const std::string& path, absl::Time when) {
    if (context_.mode == ValidationMode::kCompose && when <= context_.now) {
      Add(path, v1::DOMAIN_ERROR_DEADLINE_PASSED, {FormatUtc(when), FormatUtc(context_.now)});
    }
  }

  static bool IsPossible(const google::protobuf::Timestamp& value) {
    return value.seconds() >= kMinTimestampSeconds && value.seconds() <= kMaxTimestampSeconds &&
           value.nanos() >= 0 && value.nanos() <= 999999999;
  }

  const ValidationContext& context_;
  const v1::Consent* consent_ = nullptr;
  std::string receiving_country_;
  bool shared_with_reported_ = false;
  std::vector<v1::FieldIssue> issues_;
};

}  // namespace

ValidationContext MakeValidationContext(const Clock& clock, ValidationMode mode) {
  ValidationContext context;
  context.now = clock.Now();
  context.network_countries = CrmMemberCountries();
  context.mode = mode;
  return context;
}

std::vector<v1::FieldIssue> Validate(const v1::Content& content, const ValidationContext& context) {
  return Validator(context).Run(content);
}

}  // namespace enlace::domain
