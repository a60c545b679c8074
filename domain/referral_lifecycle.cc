#include "domain/referral_lifecycle.h"

#include <algorithm>
#include <iterator>

#include "base/time.h"
#include "domain/content.h"
#include "domain/issues.h"

namespace enlace::domain {
namespace {

using S = v1::ReferralState;
constexpr v1::ReferralSide kReferring = v1::REFERRAL_SIDE_REFERRING;
constexpr v1::ReferralSide kReceiving = v1::REFERRAL_SIDE_RECEIVING;

enum class Path { kAny, kReturnOnly, kNoReturnOnly };

struct Transition {
  S from;
  S to;
  Path path;
};

// The ordinary steps. WITHDRAWN, EXPIRED and early closing are rules below, not rows.
constexpr Transition kTransitions[] = {
    {v1::REFERRAL_STATE_DRAFT, v1::REFERRAL_STATE_SENT, Path::kAny},
    {v1::REFERRAL_STATE_SENT, v1::REFERRAL_STATE_RECEIVED, Path::kAny},
    {v1::REFERRAL_STATE_RECEIVED, v1::REFERRAL_STATE_INFO_REQUESTED, Path::kAny},
    {v1::REFERRAL_STATE_RECEIVED, v1::REFERRAL_STATE_ACCEPTED, Path::kAny},
    {v1::REFERRAL_STATE_RECEIVED, v1::REFERRAL_STATE_DECLINED, Path::kAny},
    {v1::REFERRAL_STATE_INFO_REQUESTED, v1::REFERRAL_STATE_INFO_PROVIDED, Path::kAny},
    {v1::REFERRAL_STATE_INFO_PROVIDED, v1::REFERRAL_STATE_INFO_REQUESTED, Path::kAny},
    {v1::REFERRAL_STATE_INFO_PROVIDED, v1::REFERRAL_STATE_ACCEPTED, Path::kAny},
    {v1::REFERRAL_STATE_INFO_PROVIDED, v1::REFERRAL_STATE_DECLINED, Path::kAny},
    {v1::REFERRAL_STATE_ACCEPTED, v1::REFERRAL_STATE_RISK_ASSESSMENT, Path::kAny},
    {v1::REFERRAL_STATE_RISK_ASSESSMENT, v1::REFERRAL_STATE_RETURN_PLANNED, Path::kReturnOnly},
    {v1::REFERRAL_STATE_RISK_ASSESSMENT, v1::REFERRAL_STATE_ASSISTANCE_STARTED,
     Path::kNoReturnOnly},
    {v1::REFERRAL_STATE_RETURN_PLANNED, v1::REFERRAL_STATE_IN_TRANSIT, Path::kReturnOnly},
    {v1::REFERRAL_STATE_IN_TRANSIT, v1::REFERRAL_STATE_RETURN_COMPLETED, Path::kReturnOnly},
    {v1::REFERRAL_STATE_RETURN_COMPLETED, v1::REFERRAL_STATE_ASSISTANCE_STARTED, Path::kReturnOnly},
    {v1::REFERRAL_STATE_ASSISTANCE_STARTED, v1::REFERRAL_STATE_FOLLOW_UP, Path::kAny},
    {v1::REFERRAL_STATE_FOLLOW_UP, v1::REFERRAL_STATE_CLOSED, Path::kAny},
};

// States from which the receiving side may close early (not with SERVICES_COMPLETED).
bool MayCloseEarlyFrom(S state) {
  switch (state) {
    case v1::REFERRAL_STATE_ACCEPTED:
    case v1::REFERRAL_STATE_RISK_ASSESSMENT:
    case v1::REFERRAL_STATE_RETURN_PLANNED:
    case v1::REFERRAL_STATE_IN_TRANSIT:
    case v1::REFERRAL_STATE_RETURN_COMPLETED:
    case v1::REFERRAL_STATE_ASSISTANCE_STARTED:
      return true;
    default:
      return false;
  }
}

bool PathApplies(Path path, bool involves_return) {
  return path == Path::kAny || (path == Path::kReturnOnly) == involves_return;
}

// Whether the machine has the step current.state -> to, ignoring sides and time.
bool IsStep(const ReferralCase& current, S to) {
  if (to == v1::REFERRAL_STATE_WITHDRAWN || to == v1::REFERRAL_STATE_EXPIRED) {
    return IsOpenReferralState(current.state);
  }
  if (to == v1::REFERRAL_STATE_CLOSED && MayCloseEarlyFrom(current.state)) return true;
  return std::any_of(std::begin(kTransitions), std::end(kTransitions), [&](const Transition& t) {
    return t.from == current.state && t.to == to && PathApplies(t.path, current.involves_return);
  });
}

// Every state the machine can move the case to (any side), in enum order.
std::vector<S> NextStates(const ReferralCase& current) {
  std::vector<S> next;
  for (int to = v1::ReferralState_MIN; to <= v1::ReferralState_MAX; ++to) {
    if (v1::ReferralState_IsValid(to) && IsStep(current, static_cast<S>(to))) {
      next.push_back(static_cast<S>(to));
    }
  }
  return next;
}

absl::Status Refuse(absl::StatusCode code, v1::DomainError error, std::vector<IssueArg> args) {
  return IssueStatus(code, MakeIssue("referral_status.state", error, args));
}

}  // namespace

ReferralCase NewReferralCase(const v1::VictimReferral& referral) {
  ReferralCase c;
  c.case_ref = referral.case_ref();
  c.urgency = referral.urgency();
  c.involves_return =
      std::any_of(referral.sub_reasons().begin(), referral.sub_reasons().end(), [](int reason) {
        return reason == v1::REFERRAL_SUB_REASON_ASSISTED_RETURN ||
               reason == v1::REFERRAL_SUB_REASON_CHILD_REPATRIATION;
      });
  return c;
}

absl::StatusOr<ReferralStep> ReferralStepOf(const v1::Content& content) {
  if (content.has_victim_referral()) return ReferralStep{v1::REFERRAL_STATE_SENT};
  if (content.has_referral_status()) {
    return ReferralStep{content.referral_status().state(),
                        content.referral_status().close_reason()};
  }
  return IssueStatus(
      absl::StatusCode::kInvalidArgument,
      MakeIssue("", v1::DOMAIN_ERROR_NOT_A_LIFECYCLE_STEP,
                {IssueArg::Code(KindOf(content)), IssueArg::Code(v1::KIND_VICTIM_REFERRAL)}));
}

v1::ReferralSide ReferralStepSide(S to) {
  switch (to) {
    case v1::REFERRAL_STATE_SENT:
    case v1::REFERRAL_STATE_INFO_PROVIDED:
    case v1::REFERRAL_STATE_IN_TRANSIT:
    case v1::REFERRAL_STATE_WITHDRAWN:
      return kReferring;
    case v1::REFERRAL_STATE_RECEIVED:
    case v1::REFERRAL_STATE_INFO_REQUESTED:
    case v1::REFERRAL_STATE_ACCEPTED:
    case v1::REFERRAL_STATE_DECLINED:
    case v1::REFERRAL_STATE_RISK_ASSESSMENT:
    case v1::REFERRAL_STATE_RETURN_PLANNED:
    case v1::REFERRAL_STATE_RETURN_COMPLETED:
    case v1::REFERRAL_STATE_ASSISTANCE_STARTED:
    case v1::REFERRAL_STATE_FOLLOW_UP:
    case v1::REFERRAL_STATE_CLOSED:
      return kReceiving;
    default:
      return v1::REFERRAL_SIDE_UNSPECIFIED;  // EXPIRED: either side; DRAFT, UNSPECIFIED: never
  }
}

bool IsOpenReferralState(S state) {
  switch (state) {
    case v1::REFERRAL_STATE_SENT:
    case v1::REFERRAL_STATE_RECEIVED:
    case v1::REFERRAL_STATE_INFO_REQUESTED:
    case v1::REFERRAL_STATE_INFO_PROVIDED:
    case v1::REFERRAL_STATE_ACCEPTED:
    case v1::REFERRAL_STATE_RISK_ASSESSMENT:
    case v1::REFERRAL_STATE_RETURN_PLANNED:
    case v1::REFERRAL_STATE_IN_TRANSIT:
    case v1::REFERRAL_STATE_RETURN_COMPLETED:
    case v1::REFERRAL_STATE_ASSISTANCE_STARTED:
    case v1::REFERRAL_STATE_FOLLOW_UP:
      return true;
    default:
      return false;
  }
}

std::vector<S> AllowedReferralSteps(const ReferralCase& current, v1::ReferralSide side,
                                    absl::Time now, const DeadlinePolicy& policy) {
  std::vector<S> allowed;
  for (S to : NextStates(current)) {
    if (ApplyReferralStep(current, {to, v1::CLOSE_REASON_OTHER}, side, now, policy).ok()) {
      allowed.push_back(to);
    }
  }
  return allowed;
}

absl::StatusOr<ReferralCase> ApplyReferralStep(const ReferralCase& current,
                                               const ReferralStep& step, v1::ReferralSide side,
                                               absl::Time now, const DeadlinePolicy& policy) {
  if (!IsStep(current, step.to)) {
    std::vector<int> next;
    for (S s : NextStates(current)) next.push_back(s);
    return Refuse(
        absl::StatusCode::kFailedPrecondition, v1::DOMAIN_ERROR_STEP_NOT_ALLOWED,
        {IssueArg::Code(current.state), IssueArg::Value(*v1::ReferralState_descriptor(), step.to),
         IssueArg::Values(*v1::ReferralState_descriptor(), std::move(next))});
  }
  const bool expiry = step.to == v1::REFERRAL_STATE_EXPIRED;
  const v1::ReferralSide required = expiry ? kReceiving : ReferralStepSide(step.to);
  if (expiry ? side != kReferring && side != kReceiving : side != required) {
    return Refuse(absl::StatusCode::kPermissionDenied, v1::DOMAIN_ERROR_WRONG_SIDE,
                  {IssueArg::Code(step.to), IssueArg::Code(required),
                   IssueArg::Value(*v1::ReferralSide_descriptor(), side)});
  }
  if (step.to == v1::REFERRAL_STATE_EXPIRED && now < ReferralExpiresAt(current, policy)) {
    return Refuse(
        absl::StatusCode::kFailedPrecondition, v1::DOMAIN_ERROR_TOO_EARLY,
        {IssueArg::Code(step.to), FormatUtc(ReferralExpiresAt(current, policy)), FormatUtc(now)});
  }
  if (step.to == v1::REFERRAL_STATE_CLOSED && current.state != v1::REFERRAL_STATE_FOLLOW_UP &&
      step.close_reason == v1::CLOSE_REASON_SERVICES_COMPLETED) {
    return Refuse(
        absl::StatusCode::kFailedPrecondition, v1::DOMAIN_ERROR_CLOSE_REASON_NOT_ALLOWED,
        {IssueArg::Code(current.state), IssueArg::Code(v1::CLOSE_REASON_SERVICES_COMPLETED)});
  }
  ReferralCase next = current;
  next.state = step.to;
  next.last_step_at = now;
  if (step.to == v1::REFERRAL_STATE_SENT) next.sent_at = now;
  return next;
}

absl::Time ReferralExpiresAt(const ReferralCase& current, const DeadlinePolicy& policy) {
  if (!IsOpenReferralState(current.state)) return absl::InfiniteFuture();
  return current.last_step_at + policy.referral_inactivity_expiry;
}

absl::optional<ReferralDeadline> ReferralResponseDeadline(const ReferralCase& current,
                                                          absl::Time now,
                                                          const DeadlinePolicy& policy) {
  ReferralDeadline deadline;
  absl::Time from;
  switch (current.state) {
    case v1::REFERRAL_STATE_SENT:
    case v1::REFERRAL_STATE_RECEIVED:
      deadline.owed_by = kReceiving;
      from = current.sent_at;
      break;
    case v1::REFERRAL_STATE_INFO_PROVIDED:
      deadline.owed_by = kReceiving;
      from = current.last_step_at;
      break;
    case v1::REFERRAL_STATE_INFO_REQUESTED:
      deadline.owed_by = kReferring;
      from = current.last_step_at;
      break;
    default:
      return absl::nullopt;
  }
  deadline.due = from + ResponseWindow(current.urgency, policy);
  deadline.status = EvaluateDeadline(deadline.due, absl::nullopt, now);
  return deadline;
}

}  // namespace enlace::domain
