#include "node/cases.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "domain/alert_lifecycle.h"
#include "domain/content.h"
#include "domain/issues.h"
#include "domain/referral_lifecycle.h"
#include "domain/request_lifecycle.h"
#include "node/text.h"

namespace enlace::node {
namespace {

using domain::TimeFromProto;
using domain::TimeToProto;

bool HasTime(const google::protobuf::Timestamp& t) { return t.seconds() != 0 || t.nanos() != 0; }

absl::Time TimeOr(const google::protobuf::Timestamp& t, absl::Time fallback) {
  return HasTime(t) ? TimeFromProto(t) : fallback;
}

void SetTime(absl::Time t, google::protobuf::Timestamp* out) {
  if (t == absl::InfinitePast() || t == absl::InfiniteFuture()) {
    out->Clear();
  } else {
    *out = TimeToProto(t);
  }
}

domain::ReferralCase ToReferralCase(const v1::CaseSummary& s) {
  domain::ReferralCase c;
  c.case_ref = s.ref();
  c.state = s.referral_state();
  c.urgency = s.urgency();
  c.involves_return = s.involves_return();
  c.sent_at = TimeOr(s.opened_at(), absl::InfinitePast());
  c.last_step_at = TimeOr(s.last_step_at(), absl::InfinitePast());
  return c;
}

void FromReferralCase(const domain::ReferralCase& c, v1::CaseSummary& s) {
  s.set_referral_state(c.state);
  s.set_urgency(c.urgency);
  s.set_involves_return(c.involves_return);
  SetTime(c.sent_at, s.mutable_opened_at());
  SetTime(c.last_step_at, s.mutable_last_step_at());
}

domain::AlertCase ToAlertCase(const v1::CaseSummary& s) {
  domain::AlertCase c;
  c.alert_ref = s.ref();
  c.state = s.alert_state();
  c.revision = s.alert_revision();
  c.valid_until = TimeOr(s.valid_until(), absl::InfiniteFuture());
  c.ended_at = TimeOr(s.ended_at(), absl::InfiniteFuture());
  for (const v1::RecipientState& r : s.recipients()) c.recipients[r.participant_id()] = r.state();
  return c;
}

// The summary's entry for recipient `id`, added if missing.
v1::RecipientState& RecipientEntry(v1::CaseSummary& s, const std::string& id) {
  for (v1::RecipientState& existing : *s.mutable_recipients()) {
    if (existing.participant_id() == id) return existing;
  }
  v1::RecipientState& added = *s.add_recipients();
  added.set_participant_id(id);
  return added;
}

void FromAlertCase(const domain::AlertCase& c, v1::CaseSummary& s, const v1::Content* feedback,
                   const std::string& feedback_from, absl::Time now) {
  s.set_alert_state(c.state);
  s.set_alert_revision(c.revision);
  SetTime(c.valid_until, s.mutable_valid_until());
  SetTime(c.ended_at, s.mutable_ended_at());
  for (const auto& [id, state] : c.recipients) {
    v1::RecipientState* r = &RecipientEntry(s, id);
    if (r->state() != state) *r->mutable_at() = TimeToProto(now);
    r->set_state(state);
    if (feedback != nullptr && id == feedback_from) {
      r->set_last_feedback(feedback->alert_feedback().type());
      *r->mutable_at() = TimeToProto(now);
    }
  }
}

domain::RequestCase ToRequestCase(const v1::CaseSummary& s) {
  domain::RequestCase c;
  c.request_ref = s.ref();
  c.deadline = TimeOr(s.deadline(), absl::InfiniteFuture());
  for (const v1::RecipientState& r : s.recipients()) {
    c.answered_at[r.participant_id()] = HasTime(r.answered_at())
                                            ? absl::make_optional(TimeFromProto(r.answered_at()))
                                            : absl::nullopt;
  }
  return c;
}

void FromRequestCase(const domain::RequestCase& c, v1::CaseSummary& s, absl::Time now) {
  for (const auto& [id, answered_at] : c.answered_at) {
    v1::RecipientState& r = RecipientEntry(s, id);
    if (answered_at.has_value() && !HasTime(r.answered_at())) {
      *r.mutable_answered_at() = TimeToProto(*answered_at);
      *r.mutable_at() = TimeToProto(now);
    } else if (!HasTime(r.at())) {
      *r.mutable_at() = TimeToProto(now);
    }
  }
  s.set_answered(domain::FullyAnswered(c));
}

void AddStep(v1::CaseSummary& s, v1::ReferralState referral_state, v1::AlertState alert_state,
             const CaseContext& context) {
  v1::CaseStep* step = s.add_history();
  step->set_referral_state(referral_state);
  step->set_alert_state(alert_state);
  step->set_by(context.sender);
  *step->mutable_at() = TimeToProto(context.now);
  step->set_message_id(context.message_id);
}

v1::CaseSummary NewSummary(v1::CaseKind kind, const std::string& ref, const CaseContext& context,
                           const std::vector<std::string>& counterparts,
                           const v1::Content& content) {
  v1::CaseSummary s;
  s.set_ref(ref);
  s.set_kind(kind);
  s.set_thread_id(context.thread_id);
  *s.mutable_opened_at() = TimeToProto(context.now);
  s.set_priority(domain::PriorityOf(content));
  for (const std::string& c : counterparts) s.add_counterparts(c);
  return s;
}

absl::Status UnknownCase(const std::string& ref) {
  return domain::IssueStatus(absl::StatusCode::kNotFound,
                             NodeIssue("", absl::StrCat("este nodo no tiene el caso ", ref),
                                       absl::StrCat("this node has no case ", ref)));
}

absl::Status CaseExists(const std::string& ref) {
  return domain::IssueStatus(
      absl::StatusCode::kAlreadyExists,
      NodeIssue("", absl::StrCat("la referencia ", ref, " ya identifica otro caso"),
                absl::StrCat("reference ", ref, " already names another case")));
}

absl::Status WrongCaseKind(const std::string& ref) {
  return domain::IssueStatus(
      absl::StatusCode::kFailedPrecondition,
      NodeIssue("",
                absl::StrCat("el caso ", ref,
                             " no es de este tipo o este nodo no es la parte que responde"),
                absl::StrCat("case ", ref,
                             " is of another kind, or this node is not the side that answers it")));
}

// The referral case after `content` is taken by `side`.
absl::StatusOr<v1::CaseSummary> StepReferral(const v1::CaseSummary& current,
                                             const v1::Content& content, v1::ReferralSide side,
                                             const CaseContext& context,
                                             const CasePolicies& policies) {
  ASSIGN_OR_RETURN(domain::ReferralStep step, domain::ReferralStepOf(content));
  ASSIGN_OR_RETURN(domain::ReferralCase next,
                   domain::ApplyReferralStep(ToReferralCase(current), step, side, context.now,
                                             policies.deadlines));
  v1::CaseSummary s = current;
  FromReferralCase(next, s);
  AddStep(s, next.state, v1::ALERT_STATE_UNSPECIFIED, context);
  return s;
}

absl::StatusOr<v1::CaseSummary> StepAlert(const v1::CaseSummary& current,
                                          const v1::Content& content, v1::AlertSide side,
                                          const CaseContext& context,
                                          const CasePolicies& policies) {
  ASSIGN_OR_RETURN(domain::AlertStep step, domain::AlertStepOf(content, context.sender));
  ASSIGN_OR_RETURN(domain::AlertCase next, domain::ApplyAlertStep(ToAlertCase(current), step, side,
                                                                  context.now, policies.retention));
  v1::CaseSummary s = current;
  FromAlertCase(next, s, content.has_alert_feedback() ? &content : nullptr, context.sender,
                context.now);
  AddStep(s, v1::REFERRAL_STATE_UNSPECIFIED, step.to, context);
  return s;
}

v1::ReferralSide OtherSide(v1::ReferralSide side) {
  return side == v1::REFERRAL_SIDE_REFERRING ? v1::REFERRAL_SIDE_RECEIVING
                                             : v1::REFERRAL_SIDE_REFERRING;
}

// The case for a content; shared by both directions. `outbound` tells who this node is.
absl::StatusOr<absl::optional<v1::CaseSummary>> Apply(
    const absl::optional<v1::CaseSummary>& current, const v1::Content& content,
    const CaseContext& context, const CasePolicies& policies, bool outbound) {
  const std::string ref = RefOf(content);
  const std::vector<std::string> counterparts =
      outbound ? context.recipients : std::vector<std::string>{context.sender};
  switch (content.body_case()) {
    case v1::Content::kVictimReferral: {
      if (current.has_value()) return CaseExists(ref);
      v1::CaseSummary s = NewSummary(v1::CASE_KIND_REFERRAL, ref, context, counterparts, content);
      s.set_referral_side(outbound ? v1::REFERRAL_SIDE_REFERRING : v1::REFERRAL_SIDE_RECEIVING);
      FromReferralCase(domain::NewReferralCase(content.victim_referral()), s);
      ASSIGN_OR_RETURN(s, StepReferral(s, content, v1::REFERRAL_SIDE_REFERRING, context, policies));
      return absl::optional<v1::CaseSummary>(std::move(s));
    }
    case v1::Content::kReferralStatus: {
      if (!current.has_value()) return UnknownCase(ref);
      if (current->kind() != v1::CASE_KIND_REFERRAL) return WrongCaseKind(ref);
      v1::ReferralSide side =
          outbound ? current->referral_side() : OtherSide(current->referral_side());
      ASSIGN_OR_RETURN(v1::CaseSummary s, StepReferral(*current, content, side, context, policies));
      return absl::optional<v1::CaseSummary>(std::move(s));
    }
    case v1::Content::kSmugglingAlert: {
      const v1::SmugglingAlert& alert = content.smuggling_alert();
      if (alert.action() == v1::ALERT_ACTION_PUBLISH) {
        if (current.has_value()) return CaseExists(ref);
        v1::CaseSummary s = NewSummary(v1::CASE_KIND_ALERT, ref, context, counterparts, content);
        s.set_alert_side(outbound ? v1::ALERT_SIDE_ORIGINATOR : v1::ALERT_SIDE_RECIPIENT);
        // The originator tracks every recipient; a recipient only itself.
        std::vector<std::string> tracked =
            outbound ? context.recipients : std::vector<std::string>{context.self};
        FromAlertCase(domain::NewAlertCase(alert, tracked), s, nullptr, "", context.now);
        ASSIGN_OR_RETURN(s, StepAlert(s, content, v1::ALERT_SIDE_ORIGINATOR, context, policies));
        return absl::optional<v1::CaseSummary>(std::move(s));
      }
      if (!current.has_value()) return UnknownCase(ref);
      if (current->kind() != v1::CASE_KIND_ALERT ||
          current->alert_side() !=
              (outbound ? v1::ALERT_SIDE_ORIGINATOR : v1::ALERT_SIDE_RECIPIENT)) {
        return WrongCaseKind(ref);
      }
      ASSIGN_OR_RETURN(v1::CaseSummary s,
                       StepAlert(*current, content, v1::ALERT_SIDE_ORIGINATOR, context, policies));
      return absl::optional<v1::CaseSummary>(std::move(s));
    }
    case v1::Content::kAlertFeedback: {
      if (!current.has_value()) return UnknownCase(ref);
      if (current->kind() != v1::CASE_KIND_ALERT ||
          current->alert_side() !=
              (outbound ? v1::ALERT_SIDE_RECIPIENT : v1::ALERT_SIDE_ORIGINATOR)) {
        return WrongCaseKind(ref);
      }
      ASSIGN_OR_RETURN(v1::CaseSummary s,
                       StepAlert(*current, content, v1::ALERT_SIDE_RECIPIENT, context, policies));
      return absl::optional<v1::CaseSummary>(std::move(s));
    }
    case v1::Content::kInfoRequest: {
      if (current.has_value()) return CaseExists(ref);
      v1::CaseSummary s = NewSummary(v1::CASE_KIND_REQUEST, ref, context, counterparts, content);
      s.set_alert_side(outbound ? v1::ALERT_SIDE_ORIGINATOR : v1::ALERT_SIDE_RECIPIENT);
      *s.mutable_deadline() = content.info_request().deadline();
      s.set_urgency(content.info_request().urgency());
      // The requester tracks every addressee's answer; an addressee only its own.
      std::vector<std::string> tracked =
          outbound ? context.recipients : std::vector<std::string>{context.self};
      FromRequestCase(domain::NewRequestCase(content.info_request(), tracked), s, context.now);
      AddStep(s, v1::REFERRAL_STATE_UNSPECIFIED, v1::ALERT_STATE_PUBLISHED, context);
      return absl::optional<v1::CaseSummary>(std::move(s));
    }
    case v1::Content::kInfoResponse:
    case v1::Content::kLegislationMatrixUpdate: {
      if (!current.has_value()) {
        // A matrix update may be sent without a request known to this node.
        if (content.has_legislation_matrix_update()) return absl::optional<v1::CaseSummary>();
        return UnknownCase(ref);
      }
      if (current->kind() != v1::CASE_KIND_REQUEST ||
          current->alert_side() !=
              (outbound ? v1::ALERT_SIDE_RECIPIENT : v1::ALERT_SIDE_ORIGINATOR)) {
        return WrongCaseKind(ref);
      }
      ASSIGN_OR_RETURN(
          domain::RequestCase next,
          domain::ApplyRequestAnswer(ToRequestCase(*current), context.sender, context.now));
      v1::CaseSummary s = *current;
      FromRequestCase(next, s, context.now);
      *s.mutable_last_step_at() = TimeToProto(context.now);
      AddStep(s, v1::REFERRAL_STATE_UNSPECIFIED, v1::ALERT_STATE_FEEDBACK, context);
      return absl::optional<v1::CaseSummary>(std::move(s));
    }
    default:
      return absl::optional<v1::CaseSummary>();
  }
}

}  // namespace

std::string RefOf(const v1::Content& content) {
  switch (content.body_case()) {
    case v1::Content::kVictimReferral:
      return content.victim_referral().case_ref();
    case v1::Content::kReferralStatus:
      return content.referral_status().case_ref();
    case v1::Content::kSmugglingAlert:
      return content.smuggling_alert().alert_ref();
    case v1::Content::kAlertFeedback:
      return content.alert_feedback().alert_ref();
    case v1::Content::kInfoRequest:
      return content.info_request().request_ref();
    case v1::Content::kInfoResponse:
      return content.info_response().request_ref();
    case v1::Content::kBulletin:
      return content.bulletin().bulletin_ref();
    case v1::Content::kDocument:
      return content.document().document_ref();
    case v1::Content::kLegislationMatrixUpdate:
      return content.legislation_matrix_update().request_ref();
    default:
      return "";
  }
}

v1::CaseKind CaseKindOf(const v1::Content& content) {
  switch (content.body_case()) {
    case v1::Content::kVictimReferral:
    case v1::Content::kReferralStatus:
      return v1::CASE_KIND_REFERRAL;
    case v1::Content::kSmugglingAlert:
    case v1::Content::kAlertFeedback:
      return v1::CASE_KIND_ALERT;
    case v1::Content::kInfoRequest:
    case v1::Content::kInfoResponse:
    case v1::Content::kLegislationMatrixUpdate:
      return v1::CASE_KIND_REQUEST;
    default:
      return v1::CASE_KIND_UNSPECIFIED;
  }
}

absl::StatusOr<absl::optional<v1::CaseSummary>> ApplyOutbound(
    const absl::optional<v1::CaseSummary>& current, const v1::Content& content,
    const CaseContext& context, const CasePolicies& policies) {
  return Apply(current, content, context, policies, /*outbound=*/true);
}

absl::optional<v1::CaseSummary> ApplyInbound(const absl::optional<v1::CaseSummary>& current,
                                             const v1::Content& content, const CaseContext& context,
                                             const CasePolicies& policies) {
  absl::StatusOr<absl::optional<v1::CaseSummary>> next =
      Apply(current, content, context, policies, /*outbound=*/false);
  if (next.ok()) return *next;
  // Refused: flag it on the case (both languages), leave the state as it was.
  if (!current.has_value()) return absl::nullopt;
  v1::CaseSummary flagged = *current;
  std::vector<v1::FieldIssue> issues = domain::IssuesFromStatus(next.status());
  std::string text =
      issues.empty() ? std::string(next.status().message()) : domain::DescribeIssue(issues.front());
  flagged.add_flags(absl::StrCat(context.sender, " ", context.message_id, ": ", text));
  return flagged;
}

void RefreshDeadline(v1::CaseSummary& summary, absl::Time now, const CasePolicies& policies) {
  switch (summary.kind()) {
    case v1::CASE_KIND_REFERRAL: {
      absl::optional<domain::ReferralDeadline> deadline =
          domain::ReferralResponseDeadline(ToReferralCase(summary), now, policies.deadlines);
      if (deadline.has_value()) {
        *summary.mutable_deadline() = TimeToProto(deadline->due);
        summary.set_overdue(deadline->status == v1::DEADLINE_STATUS_OVERDUE);
      } else {
        summary.clear_deadline();
        summary.set_overdue(false);
      }
      break;
    }
    case v1::CASE_KIND_REQUEST: {
      bool overdue = false;
      for (const auto& [id, status] :
           domain::RequestDeadlineStatuses(ToRequestCase(summary), now)) {
        RecipientEntry(summary, id).set_deadline_status(status);
        overdue = overdue || status == v1::DEADLINE_STATUS_OVERDUE;
      }
      summary.set_overdue(overdue);
      break;
    }
    default:
      summary.set_overdue(false);
      break;
  }
}

absl::Time CaseEndedAt(const v1::CaseSummary& summary, const CasePolicies& policies) {
  switch (summary.kind()) {
    case v1::CASE_KIND_REFERRAL: {
      domain::ReferralCase referral = ToReferralCase(summary);
      // Never the infinite past: a case without times has not ended.
      referral.last_step_at =
          TimeOr(summary.last_step_at(), TimeOr(summary.opened_at(), absl::InfiniteFuture()));
      if (domain::IsOpenReferralState(referral.state)) {
        return domain::ReferralExpiresAt(referral, policies.deadlines);
      }
      return referral.last_step_at;
    }
    case v1::CASE_KIND_ALERT:
      return std::min(TimeOr(summary.ended_at(), absl::InfiniteFuture()),
                      TimeOr(summary.valid_until(), absl::InfiniteFuture()));
    case v1::CASE_KIND_REQUEST:
      return domain::RequestEndedAt(ToRequestCase(summary));
    default:
      return absl::InfiniteFuture();
  }
}

bool CaseIsOpen(const v1::CaseSummary& summary, absl::Time now, const CasePolicies& policies) {
  if (summary.kind() == v1::CASE_KIND_REFERRAL &&
      domain::IsOpenReferralState(summary.referral_state())) {
    return true;
  }
  return now < CaseEndedAt(summary, policies);
}

}  // namespace enlace::node
