// The referral's lifecycle as an explicit state machine with sides:
//
//   DRAFT -R-> SENT -V-> RECEIVED -V-> INFO_REQUESTED -R-> INFO_PROVIDED -V-> INFO_REQUESTED ...
//   RECEIVED | INFO_PROVIDED -V-> ACCEPTED | DECLINED(reason)
//   ACCEPTED -V-> RISK_ASSESSMENT -V-> RETURN_PLANNED -R-> IN_TRANSIT -V-> RETURN_COMPLETED
//            -V-> ASSISTANCE_STARTED -V-> FOLLOW_UP -V-> CLOSED(reason)
//   (R = referring side, V = receiving side). Without a return (no ASSISTED_RETURN or
//   CHILD_REPATRIATION sub-reason): RISK_ASSESSMENT -V-> ASSISTANCE_STARTED.
//   From ACCEPTED up to ASSISTANCE_STARTED the receiving side may also close early with a reason
//   other than SERVICES_COMPLETED (contact lost, assistance declined ...).
//   From any open state (SENT ... FOLLOW_UP, not DECLINED): WITHDRAWN by the referring side;
//   EXPIRED by either side once DeadlinePolicy::referral_inactivity_expiry has passed without a
//   step.
//
// A node keeps a ReferralCase per case and calls ApplyReferralStep both when it sends a step
// (refused before sending) and when it receives one (flagged, not applied). Pure functions.
#ifndef ENLACE_DOMAIN_REFERRAL_LIFECYCLE_H_
#define ENLACE_DOMAIN_REFERRAL_LIFECYCLE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "domain/policy.h"
#include "enlace/v1/domain_content.pb.h"

namespace enlace::domain {

// What a node remembers about a referral's progress.
struct ReferralCase {
  std::string case_ref;
  v1::ReferralState state = v1::REFERRAL_STATE_DRAFT;
  v1::Urgency urgency = v1::URGENCY_ROUTINE;
  // Assisted return or child repatriation: the return steps apply.
  bool involves_return = false;
  // When the referral was sent (InfinitePast while a draft) and when the last step was taken.
  absl::Time sent_at = absl::InfinitePast();
  absl::Time last_step_at = absl::InfinitePast();
};

// A case for `referral` in DRAFT (the referring node before sending; the receiving node then
// applies the SENT step it received).
ReferralCase NewReferralCase(const v1::VictimReferral& referral);

// One step: the state to move to, and for CLOSED the reason (which constrains where from).
struct ReferralStep {
  ReferralStep() = default;
  ReferralStep(v1::ReferralState to,  // NOLINT: a state converts to its step
               v1::CloseReason close_reason = v1::CLOSE_REASON_UNSPECIFIED)
      : to(to), close_reason(close_reason) {}

  v1::ReferralState to = v1::REFERRAL_STATE_UNSPECIFIED;
  v1::CloseReason close_reason = v1::CLOSE_REASON_UNSPECIFIED;
};

// The step a content takes: SENT for a VictimReferral, the status's state for a
// ReferralStatus. INVALID_ARGUMENT (DOMAIN_ERROR_NOT_A_LIFECYCLE_STEP) for other kinds.
absl::StatusOr<ReferralStep> ReferralStepOf(const v1::Content& content);

// The side that may take a step to `to` (REFERRAL_SIDE_UNSPECIFIED for EXPIRED, which either
// side may take, and for states that are never steps).
v1::ReferralSide ReferralStepSide(v1::ReferralState to);

// States from which the referral is still in progress.
bool IsOpenReferralState(v1::ReferralState state);

// The states `side` may move the case to at `now` (for menus and error messages).
std::vector<v1::ReferralState> AllowedReferralSteps(const ReferralCase& current,
                                                    v1::ReferralSide side, absl::Time now,
                                                    const DeadlinePolicy& policy);

// The case after `step`, taken by `side` at `now`. Errors carry a bilingual issue at
// "referral_status.state": FAILED_PRECONDITION for a step the machine does not allow from the
// current state (DOMAIN_ERROR_STEP_NOT_ALLOWED, CLOSE_REASON_NOT_ALLOWED) or an expiry before
// its time (TOO_EARLY); PERMISSION_DENIED for a step the other side must take (WRONG_SIDE).
absl::StatusOr<ReferralCase> ApplyReferralStep(const ReferralCase& current,
                                               const ReferralStep& step, v1::ReferralSide side,
                                               absl::Time now, const DeadlinePolicy& policy);

// When the case may be marked EXPIRED (InfiniteFuture when it is not open).
absl::Time ReferralExpiresAt(const ReferralCase& current, const DeadlinePolicy& policy);

// The timed step a referral waits for: who owes it and by when.
struct ReferralDeadline {
  v1::ReferralSide owed_by = v1::REFERRAL_SIDE_UNSPECIFIED;
  absl::Time due;
  v1::DeadlineStatus status = v1::DEADLINE_STATUS_UNSPECIFIED;
};

// While the receiving side must decide (SENT, RECEIVED, INFO_PROVIDED) or the referring side must
// answer an information request (INFO_REQUESTED), the deadline by urgency: counted from sending
// until the first decision or request, then from the last step. nullopt in other states.
absl::optional<ReferralDeadline> ReferralResponseDeadline(const ReferralCase& current,
                                                          absl::Time now,
                                                          const DeadlinePolicy& policy);

}  // namespace enlace::domain

#endif  // ENLACE_DOMAIN_REFERRAL_LIFECYCLE_H_
