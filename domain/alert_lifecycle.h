// The smuggling alert's lifecycle as an explicit state machine with sides:
//
//   DRAFT -O-> PUBLISHED -O-> UPDATED -O-> UPDATED ...            (the alert as a whole)
//   per recipient: PUBLISHED | UPDATED -r-> ACKNOWLEDGED -r-> FEEDBACK -r-> FEEDBACK ...
//                  (an update sets every recipient back to UPDATED: it must be acknowledged)
//   PUBLISHED | UPDATED -O-> WITHDRAWN;  -either-> EXPIRED (only once valid_until has passed)
//   EXPIRED | WITHDRAWN -either-> ARCHIVED -either-> PURGED (only once the retention has passed)
//   (O = originator, r = that recipient).
//
// Steps about an older revision than the current one (an acknowledgement or feedback that
// crossed an update in flight) are accepted and change nothing. The originator's node keeps
// every recipient; a recipient's node keeps only itself. Pure functions.
#ifndef ENLACE_DOMAIN_ALERT_LIFECYCLE_H_
#define ENLACE_DOMAIN_ALERT_LIFECYCLE_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "domain/policy.h"
#include "enlace/v1/domain_content.pb.h"

namespace enlace::domain {

struct AlertCase {
  std::string alert_ref;
  // The alert as a whole: DRAFT, PUBLISHED, UPDATED, EXPIRED, WITHDRAWN, ARCHIVED or PURGED.
  v1::AlertState state = v1::ALERT_STATE_DRAFT;
  uint32_t revision = 0;
  absl::Time valid_until = absl::InfiniteFuture();
  // When the alert expired or was withdrawn (InfiniteFuture before).
  absl::Time ended_at = absl::InfiniteFuture();
  // Each recipient (participant id, e.g. "node/GT"): DRAFT before publishing, then PUBLISHED or
  // UPDATED (acknowledgement due), ACKNOWLEDGED or FEEDBACK.
  std::map<std::string, v1::AlertState> recipients;
};

// A case in DRAFT for `alert`, addressed to `recipients`.
AlertCase NewAlertCase(const v1::SmugglingAlert& alert, const std::vector<std::string>& recipients);

struct AlertStep {
  AlertStep() = default;
  AlertStep(v1::AlertState to, std::string recipient = "", uint32_t revision = 0,  // NOLINT
            absl::optional<absl::Time> valid_until = absl::nullopt)
      : to(to), recipient(std::move(recipient)), revision(revision), valid_until(valid_until) {}

  v1::AlertState to = v1::ALERT_STATE_UNSPECIFIED;
  // ACKNOWLEDGED and FEEDBACK: the recipient taking the step.
  std::string recipient;
  // PUBLISHED, UPDATED: the new revision (0: the next one). ACKNOWLEDGED, FEEDBACK: the revision
  // the step is about (0: the current one).
  uint32_t revision = 0;
  // PUBLISHED, UPDATED: the new end of validity (nullopt: unchanged).
  absl::optional<absl::Time> valid_until;
};

// The step a content takes: a SmugglingAlert publishes, updates or withdraws; an AlertFeedback
// from `sender_id` acknowledges or gives feedback. INVALID_ARGUMENT for other contents.
absl::StatusOr<AlertStep> AlertStepOf(const v1::Content& content, absl::string_view sender_id);

// The side that may take a step to `to`; ALERT_SIDE_UNSPECIFIED when either side may (EXPIRED,
// ARCHIVED, PURGED: each node does them locally) or when `to` is never a step.
v1::AlertSide AlertStepSide(v1::AlertState to);

// The case after `step`, taken by `side` at `now`. Errors carry a bilingual issue:
// FAILED_PRECONDITION for a step the machine does not allow now (STEP_NOT_ALLOWED, TOO_EARLY,
// DEADLINE_PASSED, REVISION_NOT_NEWER, UNKNOWN_REVISION), PERMISSION_DENIED for the wrong side,
// NOT_FOUND for a recipient the alert was not addressed to.
absl::StatusOr<AlertCase> ApplyAlertStep(const AlertCase& current, const AlertStep& step,
                                         v1::AlertSide side, absl::Time now,
                                         const RetentionPolicy& policy);

// When an ended alert's content may be purged (InfiniteFuture while it has not ended).
absl::Time AlertPurgeAt(const AlertCase& current, const RetentionPolicy& policy);

}  // namespace enlace::domain

#endif  // ENLACE_DOMAIN_ALERT_LIFECYCLE_H_
