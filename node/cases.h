// The node's case trackers: referrals, alerts and information requests as CaseSummary records
// (proto/enlace/v1/node_service.proto), moved by the domain's rules
// (domain/referral_lifecycle.h, domain/alert_lifecycle.h, domain/request_lifecycle.h). Alerts and
// requests keep one RecipientState per recipient: the originator's (requester's) node every
// recipient, a recipient's node only itself.
//
// The same content is applied on both sides: by the sender's node before it seals anything
// (a step the machine refuses, or that the other side must take, is an error and nothing is
// sent), and by the receiver's node when it stores what arrived (a refused step is flagged on
// the case, not applied). Pure functions of their arguments.
#ifndef ENLACE_NODE_CASES_H_
#define ENLACE_NODE_CASES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "domain/policy.h"
#include "enlace/v1/domain_content.pb.h"
#include "enlace/v1/node_service.pb.h"

namespace enlace::node {

struct CasePolicies {
  domain::DeadlinePolicy deadlines;
  domain::RetentionPolicy retention;
};

// The reference a content belongs to: a referral's or status's case_ref, an alert's or
// feedback's alert_ref, a request's or response's (or matrix update's) request_ref, a
// bulletin's or document's own reference. Empty for none.
std::string RefOf(const v1::Content& content);

// The kind of case a content opens or moves; CASE_KIND_UNSPECIFIED for bulletins and documents.
v1::CaseKind CaseKindOf(const v1::Content& content);

// One content applied to a case.
struct CaseContext {
  std::string self;                     // this node's participant id
  std::string sender;                   // who sends the content
  std::vector<std::string> recipients;  // to whom
  std::string message_id;               // hex
  std::string thread_id;                // hex
  absl::Time now;
};

// The case after this node sends `content` (`current`: the stored case of its reference, if
// any). Errors carry the domain's bilingual issues (domain/issues.h): NOT_FOUND for a step on an
// unknown case, ALREADY_EXISTS for a new case whose reference is taken, FAILED_PRECONDITION or
// PERMISSION_DENIED from the lifecycles. nullopt for contents that keep no case.
absl::StatusOr<absl::optional<v1::CaseSummary>> ApplyOutbound(
    const absl::optional<v1::CaseSummary>& current, const v1::Content& content,
    const CaseContext& context, const CasePolicies& policies);

// The case after this node receives `content`. A step the lifecycle refuses is not applied: the
// case (or, for an unknown reference, nothing) is returned with a flag naming the problem.
absl::optional<v1::CaseSummary> ApplyInbound(const absl::optional<v1::CaseSummary>& current,
                                             const v1::Content& content, const CaseContext& context,
                                             const CasePolicies& policies);

// Fills deadline and overdue as of `now`, and for a request each recipient's deadline_status
// (overdue: some recipient tracked here has not answered by the deadline).
void RefreshDeadline(v1::CaseSummary& summary, absl::Time now, const CasePolicies& policies);

// When the case ended, for retention (InfiniteFuture while it runs): a referral when it reached
// CLOSED, DECLINED, WITHDRAWN or EXPIRED, or, still open, once it may be marked EXPIRED
// (inactivity); an alert at its expiry or withdrawal, or at the end of its validity; a request
// once every recipient tracked here answered (the last answer), else at its deadline.
absl::Time CaseEndedAt(const v1::CaseSummary& summary, const CasePolicies& policies);

// Whether the case still runs at `now` (its records are then kept whatever their age): a
// referral in an open state, even one inactive long enough to be marked EXPIRED (until a side
// does, someone may still act on it); another case before CaseEndedAt.
bool CaseIsOpen(const v1::CaseSummary& summary, absl::Time now, const CasePolicies& policies);

}  // namespace enlace::node

#endif  // ENLACE_NODE_CASES_H_
