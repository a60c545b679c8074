// An information request's (or legislation-matrix request's) deadline, tracked per addressee,
// as alerts track acknowledgements per recipient:
//
//   per addressee: PENDING --(its answer by the deadline)--> MET
//                  PENDING --(the deadline passes)---------> OVERDUE --(its answer)--> MET_LATE
//
// An answer is an INFO_RESPONSE (of any status: answered, partial, unable, declined: each is the
// addressee's reply) or a LEGISLATION_MATRIX_UPDATE naming the request. The first answer of an
// addressee is the one measured against the deadline; later ones change nothing here. The
// requester's node keeps every addressee, so the requester sees who answered and who is overdue;
// an addressee's node keeps only itself, so its own copy is overdue until it answers. Pure
// functions.
#ifndef ENLACE_DOMAIN_REQUEST_LIFECYCLE_H_
#define ENLACE_DOMAIN_REQUEST_LIFECYCLE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "enlace/v1/domain_content.pb.h"

namespace enlace::domain {

struct RequestCase {
  std::string request_ref;
  // When every answer is due (InfiniteFuture: no deadline).
  absl::Time deadline = absl::InfiniteFuture();
  // Each addressee (participant id, e.g. "node/PA") and when it first answered (nullopt: not
  // yet).
  std::map<std::string, absl::optional<absl::Time>> answered_at;
};

// A case for `request`, addressed to `addressees`, none of whom has answered.
RequestCase NewRequestCase(const v1::InfoRequest& request,
                           const std::vector<std::string>& addressees);

// The case after `responder` answered at `at`. NOT_FOUND (DOMAIN_ERROR_UNKNOWN_RECIPIENT, with
// both languages) when the request was not addressed to `responder`.
absl::StatusOr<RequestCase> ApplyRequestAnswer(const RequestCase& current,
                                               absl::string_view responder, absl::Time at);

// Each addressee's deadline at `now`: PENDING or OVERDUE until it answers, then MET or MET_LATE.
std::map<std::string, v1::DeadlineStatus> RequestDeadlineStatuses(const RequestCase& current,
                                                                  absl::Time now);

// The addressees that owe an answer after the deadline at `now`, in id order.
std::vector<std::string> OverdueAddressees(const RequestCase& current, absl::Time now);

// Whether every addressee answered (false for a request addressed to no one).
bool FullyAnswered(const RequestCase& current);

// When the request ended, for retention: once every addressee answered, at the last first
// answer; until then at its deadline (InfiniteFuture without one).
absl::Time RequestEndedAt(const RequestCase& current);

}  // namespace enlace::domain

#endif  // ENLACE_DOMAIN_REQUEST_LIFECYCLE_H_
