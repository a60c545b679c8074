// The configurable time rules: deadlines (how soon a side must act) and retention (how long
// content and metadata are kept, per message kind). Everything is computed from times the
// caller passes in (from its injected Clock); nothing here reads the wall clock.
//
// Retention defaults follow the network's data-protection rules (shared design, domain.md):
// referral content is purged 12 months after the referral ends, metadata is kept 5 years,
// alerts are valid 6 months by default and 12 at most. Each country's node may configure its
// own values.
#ifndef ENLACE_DOMAIN_POLICY_H_
#define ENLACE_DOMAIN_POLICY_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "enlace/v1/domain_content.pb.h"
#include "enlace/v1/envelope.pb.h"

namespace enlace::domain {

inline absl::Duration Days(int64_t days) { return absl::Hours(24 * days); }

// ---- Deadlines ----

struct DeadlinePolicy {
  // How soon the other side must take the next step of a referral, by urgency (domain.md:
  // IMMEDIATE < 24 h, URGENT <= 72 h; ROUTINE is our choice: two weeks).
  absl::Duration immediate_response = absl::Hours(24);
  absl::Duration urgent_response = absl::Hours(72);
  absl::Duration routine_response = Days(14);
  // An open referral with no step for this long may be marked EXPIRED by either side.
  absl::Duration referral_inactivity_expiry = Days(90);
};

// INVALID_ARGUMENT unless every period is positive and finite and
// immediate <= urgent <= routine <= referral_inactivity_expiry.
absl::Status CheckDeadlinePolicy(const DeadlinePolicy& policy);

// The response window for `urgency` (an unspecified or unknown urgency gets the routine one).
absl::Duration ResponseWindow(v1::Urgency urgency, const DeadlinePolicy& policy);

// PENDING or OVERDUE while not done (`done_at` empty); MET or MET_LATE once done.
v1::DeadlineStatus EvaluateDeadline(absl::Time due, absl::optional<absl::Time> done_at,
                                    absl::Time now);

// The state of an information request's deadline (also a legislation-matrix request's).
v1::DeadlineStatus InfoRequestDeadlineStatus(const v1::InfoRequest& request,
                                             absl::optional<absl::Time> answered_at,
                                             absl::Time now);

// Whether a matrix update submitted at `submitted_at` met its request's deadline.
v1::DeadlineStatus MatrixUpdateDeadlineStatus(const v1::LegislationMatrixUpdate& update,
                                              absl::Time submitted_at);

// ---- Retention ----

struct RetentionPolicy {
  // Referrals and their status steps: content kept this long after the referral ends
  // (closed, declined, withdrawn or expired).
  absl::Duration referral_content = Days(365);
  // Alerts and feedback: content kept (archived) this long after expiry or withdrawal.
  absl::Duration alert_content = Days(182);
  // Information requests and responses: content kept this long after the answer.
  absl::Duration request_content = Days(365);
  // Bulletins, documents and legislation-matrix inputs.
  absl::Duration publication_content = Days(1826);
  // Metadata (ids, parties, kinds, times, hashes) of every kind, counted from the same moment.
  absl::Duration metadata = Days(1826);
  // An alert's validity when the originator does not choose one, and the longest allowed.
  absl::Duration alert_default_validity = Days(182);
  absl::Duration alert_max_validity = Days(365);
};

// INVALID_ARGUMENT unless every period is positive, metadata outlives content of every kind,
// and the default alert validity is within the maximum.
absl::Status CheckRetentionPolicy(const RetentionPolicy& policy);

// What is kept, and how long, for one kind.
struct KindRetention {
  absl::Duration content;
  absl::Duration metadata;
};

// The retention of `kind` (KIND_UNSPECIFIED gets the shortest content period, never longer
// retention than a known kind).
KindRetention RetentionFor(v1::MessageKind kind, const RetentionPolicy& policy);

// When the content and the metadata of an item of `kind` that ended at `ended_at` are due for
// purging.
absl::Time ContentPurgeAt(v1::MessageKind kind, absl::Time ended_at, const RetentionPolicy& policy);
absl::Time MetadataPurgeAt(v1::MessageKind kind, absl::Time ended_at,
                           const RetentionPolicy& policy);

// The default end of validity of an alert published at `published_at`.
absl::Time DefaultAlertValidUntil(absl::Time published_at, const RetentionPolicy& policy);

}  // namespace enlace::domain

#endif  // ENLACE_DOMAIN_POLICY_H_
