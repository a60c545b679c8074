#include "domain/policy.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "domain/content.h"

namespace enlace::domain {
namespace {

absl::Status CheckPositive(const char* what, const char* name, absl::Duration value) {
  if (value > absl::ZeroDuration() && value != absl::InfiniteDuration()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      what, ": ", name, " must be a positive, finite duration, not ", absl::FormatDuration(value)));
}

}  // namespace

absl::Status CheckDeadlinePolicy(const DeadlinePolicy& policy) {
  const struct {
    const char* name;
    absl::Duration value;
  } periods[] = {
      {"immediate_response", policy.immediate_response},
      {"urgent_response", policy.urgent_response},
      {"routine_response", policy.routine_response},
      {"referral_inactivity_expiry", policy.referral_inactivity_expiry},
  };
  for (size_t i = 0; i < 4; ++i) {
    if (absl::Status s = CheckPositive("deadlines", periods[i].name, periods[i].value); !s.ok()) {
      return s;
    }
    if (i > 0 && periods[i].value < periods[i - 1].value) {
      return absl::InvalidArgumentError(
          absl::StrCat("deadlines: ", periods[i].name, " (", absl::FormatDuration(periods[i].value),
                       ") must not be shorter than ", periods[i - 1].name, " (",
                       absl::FormatDuration(periods[i - 1].value), ")"));
    }
  }
  return absl::OkStatus();
}

absl::Duration ResponseWindow(v1::Urgency urgency, const DeadlinePolicy& policy) {
  switch (urgency) {
    case v1::URGENCY_IMMEDIATE:
      return policy.immediate_response;
    case v1::URGENCY_URGENT:
      return policy.urgent_response;
    default:
      return policy.routine_response;
  }
}

v1::DeadlineStatus EvaluateDeadline(absl::Time due, absl::optional<absl::Time> done_at,
                                    absl::Time now) {
  if (done_at.has_value()) {
    return *done_at <= due ? v1::DEADLINE_STATUS_MET : v1::DEADLINE_STATUS_MET_LATE;
  }
  return now <= due ? v1::DEADLINE_STATUS_PENDING : v1::DEADLINE_STATUS_OVERDUE;
}

v1::DeadlineStatus InfoRequestDeadlineStatus(const v1::InfoRequest& request,
                                             absl::optional<absl::Time> answered_at,
                                             absl::Time now) {
  return EvaluateDeadline(TimeFromProto(request.deadline()), answered_at, now);
}

v1::DeadlineStatus MatrixUpdateDeadlineStatus(const v1::LegislationMatrixUpdate& update,
                                              absl::Time submitted_at) {
  return EvaluateDeadline(TimeFromProto(update.request_deadline()), submitted_at, submitted_at);
}

absl::Status CheckRetentionPolicy(const RetentionPolicy& policy) {
  const struct {
    const char* name;
    absl::Duration value;
  } periods[] = {
      {"referral_content", policy.referral_content},
      {"alert_content", policy.alert_content},
      {"request_content", policy.request_content},
      {"publication_content", policy.publication_content},
      {"metadata", policy.metadata},
      {"alert_default_validity", policy.alert_default_validity},
      {"alert_max_validity", policy.alert_max_validity},
  };
  for (const auto& period : periods) {
    if (absl::Status s = CheckPositive("retention", period.name, period.value); !s.ok()) return s;
  }
  for (int i = 0; i < 4; ++i) {
    if (periods[i].value > policy.metadata) {
      return absl::InvalidArgumentError(
          absl::StrCat("retention: metadata (", absl::FormatDuration(policy.metadata),
                       ") must be kept at least as long as ", periods[i].name, " (",
                       absl::FormatDuration(periods[i].value), ")"));
    }
  }
  if (policy.alert_default_validity > policy.alert_max_validity) {
    return absl::InvalidArgumentError(absl::StrCat(
        "retention: alert_default_validity (", absl::FormatDuration(policy.alert_default_validity),
        ") exceeds alert_max_validity (", absl::FormatDuration(policy.alert_max_validity), ")"));
  }
  return absl::OkStatus();
}

KindRetention RetentionFor(v1::MessageKind kind, const RetentionPolicy& policy) {
  switch (kind) {
    case v1::KIND_VICTIM_REFERRAL:
    case v1::KIND_REFERRAL_STATUS:
      return {policy.referral_content, policy.metadata};
    case v1::KIND_SMUGGLING_ALERT:
    case v1::KIND_ALERT_FEEDBACK:
      return {policy.alert_content, policy.metadata};
    case v1::KIND_INFO_REQUEST:
    case v1::KIND_INFO_RESPONSE:
      return {policy.request_content, policy.metadata};
    case v1::KIND_BULLETIN:
    case v1::KIND_DOCUMENT:
    case v1::KIND_LEGISLATION_MATRIX_UPDATE:
      return {policy.publication_content, policy.metadata};
    default:
      return {std::min({policy.referral_content, policy.alert_content, policy.request_content,
                        policy.publication_content}),
              policy.metadata};
  }
}

absl::Time ContentPurgeAt(v1::MessageKind kind, absl::Time ended_at,
                          const RetentionPolicy& policy) {
  return ended_at + RetentionFor(kind, policy).content;
}

absl::Time MetadataPurgeAt(v1::MessageKind kind, absl::Time ended_at,
                           const RetentionPolicy& policy) {
  return ended_at + RetentionFor(kind, policy).metadata;
}

absl::Time DefaultAlertValidUntil(absl::Time published_at, const RetentionPolicy& policy) {
  return published_at + policy.alert_default_validity;
}

}  // namespace enlace::domain
