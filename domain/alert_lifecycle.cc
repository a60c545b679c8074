#include "domain/alert_lifecycle.h"

#include <utility>

#include "absl/strings/str_join.h"
#include "base/time.h"
#include "domain/content.h"
#include "domain/issues.h"

namespace enlace::domain {
namespace {

using S = v1::AlertState;

const char* PathOf(S to) {
  switch (to) {
    case v1::ALERT_STATE_PUBLISHED:
    case v1::ALERT_STATE_UPDATED:
    case v1::ALERT_STATE_WITHDRAWN:
      return "smuggling_alert.action";
    case v1::ALERT_STATE_ACKNOWLEDGED:
    case v1::ALERT_STATE_FEEDBACK:
      return "alert_feedback.type";
    default:
      return "";
  }
}

absl::Status Refuse(absl::StatusCode code, S to, v1::DomainError error,
                    std::vector<IssueArg> args) {
  return IssueStatus(code, MakeIssue(PathOf(to), error, args));
}

// The states reachable from `from` for the alert as a whole or, for ACKNOWLEDGED and FEEDBACK,
// for one recipient in state `from` (ignoring sides, time and revisions).
std::vector<int> NextStates(S from, bool per_recipient) {
  if (per_recipient) {
    switch (from) {
      case v1::ALERT_STATE_PUBLISHED:
      case v1::ALERT_STATE_UPDATED:
        return {v1::ALERT_STATE_ACKNOWLEDGED};
      case v1::ALERT_STATE_ACKNOWLEDGED:
      case v1::ALERT_STATE_FEEDBACK:
        return {v1::ALERT_STATE_FEEDBACK};
      default:
        return {};
    }
  }
  switch (from) {
    case v1::ALERT_STATE_DRAFT:
      return {v1::ALERT_STATE_PUBLISHED};
    case v1::ALERT_STATE_PUBLISHED:
    case v1::ALERT_STATE_UPDATED:
      return {v1::ALERT_STATE_ACKNOWLEDGED, v1::ALERT_STATE_UPDATED, v1::ALERT_STATE_FEEDBACK,
              v1::ALERT_STATE_EXPIRED, v1::ALERT_STATE_WITHDRAWN};
    case v1::ALERT_STATE_EXPIRED:
    case v1::ALERT_STATE_WITHDRAWN:
      return {v1::ALERT_STATE_ARCHIVED};
    case v1::ALERT_STATE_ARCHIVED:
      return {v1::ALERT_STATE_PURGED};
    default:
      return {};
  }
}

absl::Status NotAllowed(S from, S to, bool per_recipient) {
  return Refuse(absl::StatusCode::kFailedPrecondition, to, v1::DOMAIN_ERROR_STEP_NOT_ALLOWED,
                {IssueArg::Code(from), IssueArg::Value(*v1::AlertState_descriptor(), to),
                 IssueArg::Values(*v1::AlertState_descriptor(), NextStates(from, per_recipient))});
}

bool Allows(S from, S to, bool per_recipient) {
  for (int next : NextStates(from, per_recipient)) {
    if (next == to) return true;
  }
  return false;
}

std::string RecipientList(const AlertCase& c) {
  std::vector<std::string> ids;
  for (const auto& [id, state] : c.recipients) ids.push_back(id);
  return absl::StrJoin(ids, ", ");
}

}  // namespace

AlertCase NewAlertCase(const v1::SmugglingAlert& alert,
                       const std::vector<std::string>& recipients) {
  AlertCase c;
  c.alert_ref = alert.alert_ref();
  if (alert.has_valid_until()) c.valid_until = TimeFromProto(alert.valid_until());
  for (const std::string& id : recipients) c.recipients[id] = v1::ALERT_STATE_DRAFT;
  return c;
}

absl::StatusOr<AlertStep> AlertStepOf(const v1::Content& content, absl::string_view sender_id) {
  AlertStep step;
  if (content.has_smuggling_alert()) {
    const v1::SmugglingAlert& alert = content.smuggling_alert();
    step.revision = alert.revision();
    if (alert.has_valid_until()) step.valid_until = TimeFromProto(alert.valid_until());
    switch (alert.action()) {
      case v1::ALERT_ACTION_PUBLISH:
        step.to = v1::ALERT_STATE_PUBLISHED;
        return step;
      case v1::ALERT_ACTION_UPDATE:
        step.to = v1::ALERT_STATE_UPDATED;
        return step;
      case v1::ALERT_ACTION_WITHDRAW:
        step.to = v1::ALERT_STATE_WITHDRAWN;
        step.valid_until.reset();
        return step;
      default:
        return IssueStatus(absl::StatusCode::kInvalidArgument,
                           MakeIssue("smuggling_alert.action", v1::DOMAIN_ERROR_REQUIRED));
    }
  }
  if (content.has_alert_feedback()) {
    const v1::AlertFeedback& feedback = content.alert_feedback();
    if (feedback.type() == v1::FEEDBACK_TYPE_UNSPECIFIED ||
        !v1::FeedbackType_IsValid(feedback.type())) {
      return IssueStatus(absl::StatusCode::kInvalidArgument,
                         MakeIssue("alert_feedback.type", v1::DOMAIN_ERROR_REQUIRED));
    }
    step.to = feedback.type() == v1::FEEDBACK_TYPE_ACKNOWLEDGED ? v1::ALERT_STATE_ACKNOWLEDGED
                                                                : v1::ALERT_STATE_FEEDBACK;
    step.recipient = std::string(sender_id);
    step.revision = feedback.revision();
    return step;
  }
  return IssueStatus(
      absl::StatusCode::kInvalidArgument,
      MakeIssue("", v1::DOMAIN_ERROR_NOT_A_LIFECYCLE_STEP,
                {IssueArg::Code(KindOf(content)), IssueArg::Code(v1::KIND_SMUGGLING_ALERT)}));
}

v1::AlertSide AlertStepSide(S to) {
  switch (to) {
    case v1::ALERT_STATE_PUBLISHED:
    case v1::ALERT_STATE_UPDATED:
    case v1::ALERT_STATE_WITHDRAWN:
      return v1::ALERT_SIDE_ORIGINATOR;
    case v1::ALERT_STATE_ACKNOWLEDGED:
    case v1::ALERT_STATE_FEEDBACK:
      return v1::ALERT_SIDE_RECIPIENT;
    default:
      return v1::ALERT_SIDE_UNSPECIFIED;
  }
}

absl::StatusOr<AlertCase> ApplyAlertStep(const AlertCase& current, const AlertStep& step,
                                         v1::AlertSide side, absl::Time now,
                                         const RetentionPolicy& policy) {
  const S to = step.to;
  if (!Allows(current.state, to, /*per_recipient=*/false)) {
    return NotAllowed(current.state, to, /*per_recipient=*/false);
  }
  const v1::AlertSide required = AlertStepSide(to);
  const bool side_ok = required == v1::ALERT_SIDE_UNSPECIFIED
                           ? side == v1::ALERT_SIDE_ORIGINATOR || side == v1::ALERT_SIDE_RECIPIENT
                           : side == required;
  if (!side_ok) {
    return Refuse(absl::StatusCode::kPermissionDenied, to, v1::DOMAIN_ERROR_WRONG_SIDE,
                  {IssueArg::Code(to),
                   IssueArg::Code(required == v1::ALERT_SIDE_UNSPECIFIED ? v1::ALERT_SIDE_ORIGINATOR
                                                                         : required),
                   IssueArg::Value(*v1::AlertSide_descriptor(), side)});
  }
  AlertCase next = current;
  switch (to) {
    case v1::ALERT_STATE_PUBLISHED:
    case v1::ALERT_STATE_UPDATED: {
      if (current.recipients.empty()) {
        return IssueStatus(
            absl::StatusCode::kFailedPrecondition,
            MakeIssue("smuggling_alert.target_countries", v1::DOMAIN_ERROR_REQUIRED));
      }
      const uint32_t revision = step.revision != 0 ? step.revision : current.revision + 1;
      if (revision <= current.revision) {
        return Refuse(absl::StatusCode::kFailedPrecondition, to,
                      v1::DOMAIN_ERROR_REVISION_NOT_NEWER, {revision, current.revision});
      }
      const absl::Time valid_until = step.valid_until.value_or(current.valid_until);
      if (valid_until <= now) {
        return IssueStatus(
            absl::StatusCode::kFailedPrecondition,
            MakeIssue("smuggling_alert.valid_until", v1::DOMAIN_ERROR_DEADLINE_PASSED,
                      {FormatUtc(valid_until), FormatUtc(now)}));
      }
      next.state = to;
      next.revision = revision;
      next.valid_until = valid_until;
      for (auto& [id, state] : next.recipients) state = to;
      return next;
    }
    case v1::ALERT_STATE_ACKNOWLEDGED:
    case v1::ALERT_STATE_FEEDBACK: {
      const auto it = next.recipients.find(step.recipient);
      if (it == next.recipients.end()) {
        return Refuse(absl::StatusCode::kNotFound, to, v1::DOMAIN_ERROR_UNKNOWN_RECIPIENT,
                      {step.recipient.substr(0, 80), RecipientList(current)});
      }
      if (step.revision > current.revision) {
        return Refuse(absl::StatusCode::kFailedPrecondition, to, v1::DOMAIN_ERROR_UNKNOWN_REVISION,
                      {step.revision, current.revision});
      }
      if (step.revision != 0 && step.revision < current.revision) return next;  // crossed an update
      if (!Allows(it->second, to, /*per_recipient=*/true)) {
        return NotAllowed(it->second, to, /*per_recipient=*/true);
      }
      it->second = to;
      return next;
    }
    case v1::ALERT_STATE_EXPIRED:
      if (now < current.valid_until) {
        return Refuse(absl::StatusCode::kFailedPrecondition, to, v1::DOMAIN_ERROR_TOO_EARLY,
                      {IssueArg::Code(to), FormatUtc(current.valid_until), FormatUtc(now)});
      }
      next.state = to;
      next.ended_at = now;
      return next;
    case v1::ALERT_STATE_WITHDRAWN:
      next.state = to;
      next.ended_at = now;
      return next;
    case v1::ALERT_STATE_ARCHIVED:
      next.state = to;
      return next;
    case v1::ALERT_STATE_PURGED:
      if (now < AlertPurgeAt(current, policy)) {
        return Refuse(
            absl::StatusCode::kFailedPrecondition, to, v1::DOMAIN_ERROR_TOO_EARLY,
            {IssueArg::Code(to), FormatUtc(AlertPurgeAt(current, policy)), FormatUtc(now)});
      }
      next.state = to;
      return next;
    default:
      return NotAllowed(current.state, to, /*per_recipient=*/false);
  }
}

absl::Time AlertPurgeAt(const AlertCase& current, const RetentionPolicy& policy) {
  if (current.ended_at == absl::InfiniteFuture()) return absl::InfiniteFuture();
  return ContentPurgeAt(v1::KIND_SMUGGLING_ALERT, current.ended_at, policy);
}

}  // namespace enlace::domain
