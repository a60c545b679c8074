#include "node/cli_prompts.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"
#include "domain/content.h"
#include "domain/policy.h"
#include "node/text.h"

namespace enlace::node {
namespace {

bool IsConsentGiven(v1::ConsentStatus status) {
  return status == v1::CONSENT_STATUS_GIVEN || status == v1::CONSENT_STATUS_GIVEN_LIMITED ||
         status == v1::CONSENT_STATUS_GUARDIAN_OR_AUTHORITY;
}

template <typename E>
const google::protobuf::EnumDescriptor& Type() {
  return *google::protobuf::GetEnumDescriptor<E>();
}

}  // namespace

v1::Party PartyOf(const v1::WhoamiResponse& me) {
  v1::Party party;
  party.set_country(me.country());
  party.set_organisation(me.organisation().empty() ? me.participant_id() : me.organisation());
  party.set_unit(me.unit());
  party.set_officer(me.officer().empty() ? me.os_user() : me.officer());
  return party;
}

absl::StatusOr<std::string> Prompter::Line(const std::string& question,
                                           const std::string& fallback) {
  out_ << question;
  if (!fallback.empty()) out_ << " [" << fallback << "]";
  out_ << ": " << std::flush;
  std::string line;
  if (!std::getline(in_, line)) {
    return NodeError(absl::StatusCode::kCancelled,
                     "la entrada terminó antes de completar el mensaje",
                     "input ended before the message was complete");
  }
  std::string answer(absl::StripAsciiWhitespace(line));
  return answer.empty() ? fallback : answer;
}

absl::StatusOr<std::string> Prompter::Text(const std::string& es, const std::string& en,
                                           const std::string& fallback) {
  return Line(view_.T(es, en), fallback);
}

absl::StatusOr<int> Prompter::Choice(const google::protobuf::EnumDescriptor& type,
                                     const std::string& es, const std::string& en, int fallback) {
  out_ << view_.T(es, en) << "\n";
  for (int i = 1; i < type.value_count(); ++i) {
    out_ << "  " << i << ") "
         << domain::LabelOrFallback(type, type.value(i)->number(), view_.language) << "\n";
  }
  std::string fallback_text =
      fallback == 0 ? "" : absl::StrCat(type.FindValueByNumber(fallback)->index());
  while (true) {
    ASSIGN_OR_RETURN(std::string answer, Line(view_.T("Opción", "Choice"), fallback_text));
    int index = 0;
    if (absl::SimpleAtoi(answer, &index) && index >= 1 && index < type.value_count()) {
      return type.value(index)->number();
    }
    const google::protobuf::EnumValueDescriptor* named =
        type.FindValueByName(absl::AsciiStrToUpper(answer));
    if (named != nullptr && named->number() != 0) return named->number();
    out_ << view_.T("No es una opción de la lista.\n", "That is not one of the choices.\n");
  }
}

absl::StatusOr<std::vector<int>> Prompter::Choices(const google::protobuf::EnumDescriptor& type,
                                                   const std::string& es, const std::string& en,
                                                   bool optional) {
  out_ << view_.T(es, en)
       << view_.T(" (números separados por comas", " (numbers separated by commas")
       << (optional ? view_.T("; vacío: ninguno)", "; empty: none)") : ")") << "\n";
  for (int i = 1; i < type.value_count(); ++i) {
    out_ << "  " << i << ") "
         << domain::LabelOrFallback(type, type.value(i)->number(), view_.language) << "\n";
  }
  while (true) {
    ASSIGN_OR_RETURN(std::string answer, Line(view_.T("Opciones", "Choices"), ""));
    std::vector<int> values;
    bool ok = true;
    for (absl::string_view part : absl::StrSplit(answer, ',', absl::SkipWhitespace())) {
      int index = 0;
      if (absl::SimpleAtoi(absl::StripAsciiWhitespace(part), &index) && index >= 1 &&
          index < type.value_count()) {
        values.push_back(type.value(index)->number());
      } else {
        ok = false;
      }
    }
    if (ok && (optional || !values.empty())) return values;
    out_ << view_.T("Indique números de la lista.\n", "Give numbers from the list.\n");
  }
}

absl::StatusOr<std::vector<std::string>> Prompter::Countries(const std::string& es,
                                                             const std::string& en,
                                                             const std::string& fallback) {
  ASSIGN_OR_RETURN(std::string answer, Line(view_.T(es + " (códigos ISO, p. ej. GT,HN)",
                                                    en + " (ISO codes, e.g. GT,HN)"),
                                            fallback));
  std::vector<std::string> countries;
  for (absl::string_view part : absl::StrSplit(answer, ',', absl::SkipWhitespace())) {
    countries.push_back(absl::AsciiStrToUpper(absl::StripAsciiWhitespace(part)));
  }
  return countries;
}

absl::StatusOr<v1::Content> Prompter::Referral(const v1::WhoamiResponse& me) {
  const absl::Time now = clock_->Now();
  v1::Content content;
  content.set_language(std::string(domain::LanguageTag(view_.language)));
  v1::VictimReferral& r = *content.mutable_victim_referral();
  ASSIGN_OR_RETURN(std::string ref, domain::NewReference(*random_));
  r.set_case_ref(ref);
  *r.mutable_referring() = PartyOf(me);
  ASSIGN_OR_RETURN(std::vector<std::string> receiving,
                   Countries("País receptor", "Receiving country"));
  r.mutable_receiving()->set_country(receiving.empty() ? "" : receiving.front());
  ASSIGN_OR_RETURN(std::string organisation,
                   Text("Organización receptora", "Receiving organisation"));
  r.mutable_receiving()->set_organisation(organisation);
  ASSIGN_OR_RETURN(int reason, Choice(Type<v1::ReferralReason>(), "Motivo de la derivación",
                                      "Reason for the referral"));
  r.set_reason(static_cast<v1::ReferralReason>(reason));
  if (reason == v1::REFERRAL_REASON_OTHER) {
    ASSIGN_OR_RETURN(std::string note, Text("Explique el motivo", "Explain the reason"));
    r.set_reason_note(note);
  }
  ASSIGN_OR_RETURN(std::vector<int> subs,
                   Choices(Type<v1::ReferralSubReason>(), "Se solicita en particular",
                           "Asked for in particular", /*optional=*/true));
  for (int s : subs) r.add_sub_reasons(static_cast<v1::ReferralSubReason>(s));
  ASSIGN_OR_RETURN(int trafficking, Choice(Type<v1::TraffickingStatus>(),
                                           "Condición de víctima de trata", "Trafficking status"));
  r.set_trafficking_status(static_cast<v1::TraffickingStatus>(trafficking));
  ASSIGN_OR_RETURN(std::string decided, Text("Autoridad que determinó la condición",
                                             "Authority that decided the status"));
  r.set_status_decided_by(decided);
  ASSIGN_OR_RETURN(int age, Choice(Type<v1::AgeBand>(), "Rango de edad", "Age band"));
  r.set_age_band(static_cast<v1::AgeBand>(age));
  ASSIGN_OR_RETURN(int majority,
                   Choice(Type<v1::Majority>(), "¿Niña, niño o adolescente?", "Child or adult?"));
  r.set_majority(static_cast<v1::Majority>(majority));
  ASSIGN_OR_RETURN(int gender, Choice(Type<v1::Gender>(), "Género", "Gender"));
  r.set_gender(static_cast<v1::Gender>(gender));
  ASSIGN_OR_RETURN(std::vector<std::string> citizenship, Countries("Nacionalidad", "Citizenship"));
  for (const std::string& c : citizenship) r.add_citizenship(c);
  ASSIGN_OR_RETURN(std::vector<std::string> exploitation_country,
                   Countries("País de explotación", "Country of exploitation"));
  r.set_country_of_exploitation(exploitation_country.empty() ? "" : exploitation_country.front());
  ASSIGN_OR_RETURN(
      std::vector<int> types,
      Choices(Type<v1::ExploitationType>(), "Tipos de explotación", "Types of exploitation",
              trafficking == v1::TRAFFICKING_STATUS_NOT_A_VICTIM));
  for (int t : types) r.add_exploitation_types(static_cast<v1::ExploitationType>(t));

  v1::Consent& consent = *r.mutable_consent();
  ASSIGN_OR_RETURN(int consent_status,
                   Choice(Type<v1::ConsentStatus>(), "Consentimiento", "Consent"));
  consent.set_status(static_cast<v1::ConsentStatus>(consent_status));
  ASSIGN_OR_RETURN(std::string recorded_by,
                   Text("Quién registró el consentimiento (cargo y oficina)",
                        "Who recorded the consent (role and office)"));
  consent.set_recorded_by(recorded_by);
  *consent.mutable_recorded_at() = domain::TimeToProto(now);
  if (IsConsentGiven(consent.status())) {
    ASSIGN_OR_RETURN(std::vector<int> purposes,
                     Choices(Type<v1::ConsentPurpose>(), "Fines autorizados", "Purposes allowed",
                             /*optional=*/false));
    for (int p : purposes) consent.add_purposes(static_cast<v1::ConsentPurpose>(p));
    ASSIGN_OR_RETURN(std::vector<int> data,
                     Choices(Type<v1::PersonalData>(), "Datos personales que se pueden compartir",
                             "Personal data that may be shared", /*optional=*/true));
    for (int d : data) consent.add_data(static_cast<v1::PersonalData>(d));
    ASSIGN_OR_RETURN(
        std::vector<std::string> shared,
        Countries("Con qué países", "Shared with which countries", r.receiving().country()));
    for (const std::string& c : shared) consent.add_shared_with(c);
    if (consent.status() == v1::CONSENT_STATUS_GUARDIAN_OR_AUTHORITY) {
      ASSIGN_OR_RETURN(std::string guardian, Text("Tutor o autoridad que consintió",
                                                  "Guardian or authority that consented"));
      consent.set_guardian_or_authority(guardian);
    }
  }
  ASSIGN_OR_RETURN(int urgency, Choice(Type<v1::Urgency>(), "Urgencia", "Urgency"));
  r.set_urgency(static_cast<v1::Urgency>(urgency));
  ASSIGN_OR_RETURN(int risk, Choice(Type<v1::RiskLevel>(), "Nivel de riesgo", "Risk level"));
  r.set_risk_level(static_cast<v1::RiskLevel>(risk));
  *r.mutable_risk_assessed_at() = domain::TimeToProto(now);
  ASSIGN_OR_RETURN(std::vector<int> needs,
                   Choices(Type<v1::AssistanceNeed>(), "Necesidades de asistencia",
                           "Assistance needs", /*optional=*/false));
  for (int n : needs) r.add_assistance_needs(static_cast<v1::AssistanceNeed>(n));
  *r.mutable_identified_at() = domain::TimeToProto(now);
  if (majority == v1::MAJORITY_CHILD || majority == v1::MAJORITY_UNCERTAIN) {
    out_ << view_.T("Datos de protección de la niñez (obligatorios para menores):\n",
                    "Child protection (required for children):\n");
    v1::ChildProtection& child = *r.mutable_child();
    ASSIGN_OR_RETURN(int arrangement, Choice(Type<v1::ChildCareArrangement>(),
                                             "Situación de cuidado", "Care arrangement"));
    child.set_arrangement(static_cast<v1::ChildCareArrangement>(arrangement));
    ASSIGN_OR_RETURN(std::string authority, Text("Autoridad de protección responsable",
                                                 "Responsible child-protection authority"));
    child.set_responsible_authority(authority);
    ASSIGN_OR_RETURN(int bid,
                     Choice(Type<v1::AssessmentStatus>(), "Determinación del interés superior",
                            "Best-interests determination"));
    child.set_best_interests_determination(static_cast<v1::AssessmentStatus>(bid));
    ASSIGN_OR_RETURN(int caregiver, Choice(Type<v1::AssessmentStatus>(),
                                           "Evaluación del cuidador en el país de retorno",
                                           "Caregiver assessment in the country of return"));
    child.set_caregiver_assessment(static_cast<v1::AssessmentStatus>(caregiver));
  }
  return content;
}

absl::StatusOr<v1::Content> Prompter::Alert(const v1::WhoamiResponse& me,
                                            const std::vector<std::string>& to) {
  const absl::Time now = clock_->Now();
  v1::Content content;
  content.set_language(std::string(domain::LanguageTag(view_.language)));
  v1::SmugglingAlert& a = *content.mutable_smuggling_alert();
  ASSIGN_OR_RETURN(std::string ref, domain::NewReference(*random_));
  a.set_alert_ref(ref);
  a.set_action(v1::ALERT_ACTION_PUBLISH);
  a.set_revision(1);
  *a.mutable_originator() = PartyOf(me);
  std::vector<std::string> targets;
  for (const std::string& t : to) targets.push_back(t.rfind("node/", 0) == 0 ? t.substr(5) : t);
  if (targets.empty()) {
    ASSIGN_OR_RETURN(targets, Countries("Países destinatarios", "Countries addressed"));
  }
  for (const std::string& t : targets) a.add_target_countries(t);
  ASSIGN_OR_RETURN(int type, Choice(Type<v1::AlertType>(), "Tipo de alerta", "Alert type"));
  a.set_alert_type(static_cast<v1::AlertType>(type));
  ASSIGN_OR_RETURN(std::string title, Text("Título", "Title"));
  a.set_title(title);
  ASSIGN_OR_RETURN(std::string summary, Text("Resumen de los hechos", "Summary of the facts"));
  a.set_summary(summary);
  switch (a.alert_type()) {
    case v1::ALERT_TYPE_ROUTE: {
      v1::RouteSegment& segment = *a.add_route();
      ASSIGN_OR_RETURN(std::vector<std::string> from, Countries("Tramo: desde", "Segment: from"));
      ASSIGN_OR_RETURN(std::vector<std::string> until, Countries("Tramo: hasta", "Segment: to"));
      segment.set_from_country(from.empty() ? "" : from.front());
      segment.set_to_country(until.empty() ? "" : until.front());
      ASSIGN_OR_RETURN(
          int mode, Choice(Type<v1::TransportMode>(), "Medio de transporte", "Means of transport"));
      segment.set_transport_mode(static_cast<v1::TransportMode>(mode));
      break;
    }
    case v1::ALERT_TYPE_MODUS_OPERANDI: {
      ASSIGN_OR_RETURN(std::string modus, Text("Modus operandi", "Modus operandi"));
      a.set_modus_operandi(modus);
      break;
    }
    case v1::ALERT_TYPE_PERSON_OF_INTEREST: {
      v1::PersonOfInterest& person = *a.add_persons();
      ASSIGN_OR_RETURN(int role, Choice(Type<v1::PersonRole>(), "Papel de la persona", "Role"));
      person.set_role(static_cast<v1::PersonRole>(role));
      ASSIGN_OR_RETURN(std::string description, Text("Descripción", "Description"));
      person.set_description(description);
      break;
    }
    case v1::ALERT_TYPE_VEHICLE_OR_VESSEL: {
      v1::Vehicle& vehicle = *a.add_vehicles();
      ASSIGN_OR_RETURN(int kind,
                       Choice(Type<v1::VehicleType>(), "Tipo de vehículo", "Vehicle type"));
      vehicle.set_type(static_cast<v1::VehicleType>(kind));
      ASSIGN_OR_RETURN(std::string plate, Text("Placa o matrícula", "Plate or registration"));
      vehicle.set_plate(plate);
      if (!plate.empty()) {
        ASSIGN_OR_RETURN(std::vector<std::string> country,
                         Countries("País de matrícula", "Country of registration"));
        vehicle.set_registration_country(country.empty() ? "" : country.front());
      }
      break;
    }
    case v1::ALERT_TYPE_DOCUMENT_FRAUD: {
      v1::DocumentUse& use = *a.add_documents_used();
      ASSIGN_OR_RETURN(int fraud,
                       Choice(Type<v1::DocumentFraudType>(), "Tipo de fraude", "Kind of fraud"));
      use.set_fraud(static_cast<v1::DocumentFraudType>(fraud));
      ASSIGN_OR_RETURN(int document,
                       Choice(Type<v1::IdentityDocumentType>(), "Documento", "Document"));
      use.set_document_type(static_cast<v1::IdentityDocumentType>(document));
      break;
    }
    case v1::ALERT_TYPE_ONLINE_RECRUITMENT: {
      ASSIGN_OR_RETURN(std::string platform, Text("Plataforma en línea", "Online platform"));
      a.add_online_platforms()->set_platform(platform);
      break;
    }
    default:
      break;
  }
  ASSIGN_OR_RETURN(int source, Choice(Type<v1::SourceReliability>(), "Fiabilidad de la fuente",
                                      "Source reliability"));
  a.mutable_grading()->set_source(static_cast<v1::SourceReliability>(source));
  ASSIGN_OR_RETURN(int information,
                   Choice(Type<v1::InformationAssessment>(), "Valoración de la información",
                          "Information assessment"));
  a.mutable_grading()->set_information(static_cast<v1::InformationAssessment>(information));
  ASSIGN_OR_RETURN(int handling,
                   Choice(Type<v1::HandlingCode>(), "Código de manejo", "Handling code"));
  a.mutable_handling()->set_code(static_cast<v1::HandlingCode>(handling));
  if (handling == v1::HANDLING_CODE_H3) {
    ASSIGN_OR_RETURN(std::string conditions, Text("Condiciones", "Conditions"));
    a.mutable_handling()->set_conditions(conditions);
  }
  ASSIGN_OR_RETURN(int urgency, Choice(Type<v1::Urgency>(), "Urgencia", "Urgency"));
  a.set_urgency(static_cast<v1::Urgency>(urgency));
  ASSIGN_OR_RETURN(int action,
                   Choice(Type<v1::RequestedAction>(), "Acción solicitada", "Requested action"));
  a.set_requested_action(static_cast<v1::RequestedAction>(action));
  if (action == v1::REQUESTED_ACTION_OTHER) {
    ASSIGN_OR_RETURN(std::string note, Text("Detalle de la acción", "Details of the action"));
    a.set_requested_action_note(note);
  }
  ASSIGN_OR_RETURN(std::string days, Text("Vigencia en días", "Valid for how many days", "182"));
  int valid_days = 0;
  if (!absl::SimpleAtoi(days, &valid_days) || valid_days <= 0) {
    return NodeError(absl::StatusCode::kInvalidArgument,
                     absl::StrCat("vigencia «", days, "»: indique un número de días"),
                     absl::StrCat("validity \"", days, "\": give a number of days"));
  }
  *a.mutable_valid_until() = domain::TimeToProto(now + domain::Days(valid_days));
  *a.mutable_observed_at() = domain::TimeToProto(now);
  return content;
}

}  // namespace enlace::node
