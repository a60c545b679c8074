#include "domain/request_lifecycle.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_join.h"
#include "domain/content.h"
#include "domain/issues.h"
#include "domain/policy.h"

namespace enlace::domain {

RequestCase NewRequestCase(const v1::InfoRequest& request,
                           const std::vector<std::string>& addressees) {
  RequestCase c;
  c.request_ref = request.request_ref();
  if (request.has_deadline()) c.deadline = TimeFromProto(request.deadline());
  for (const std::string& id : addressees) c.answered_at[id] = absl::nullopt;
  return c;
}

absl::StatusOr<RequestCase> ApplyRequestAnswer(const RequestCase& current,
                                               absl::string_view responder, absl::Time at) {
  const auto it = current.answered_at.find(std::string(responder));
  if (it == current.answered_at.end()) {
    std::vector<std::string> ids;
    for (const auto& [id, answered] : current.answered_at) ids.push_back(id);
    return IssueStatus(absl::StatusCode::kNotFound,
                       MakeIssue("", v1::DOMAIN_ERROR_UNKNOWN_RECIPIENT,
                                 {responder.substr(0, 80), absl::StrJoin(ids, ", ")}));
  }
  RequestCase next = current;
  if (!it->second.has_value()) next.answered_at[it->first] = at;
  return next;
}

std::map<std::string, v1::DeadlineStatus> RequestDeadlineStatuses(const RequestCase& current,
                                                                  absl::Time now) {
  std::map<std::string, v1::DeadlineStatus> statuses;
  for (const auto& [id, answered] : current.answered_at) {
    statuses[id] = EvaluateDeadline(current.deadline, answered, now);
  }
  return statuses;
}

std::vector<std::string> OverdueAddressees(const RequestCase& current, absl::Time now) {
  std::vector<std::string> overdue;
  for (const auto& [id, status] : RequestDeadlineStatuses(current, now)) {
    if (status == v1::DEADLINE_STATUS_OVERDUE) overdue.push_back(id);
  }
  return overdue;
}

bool FullyAnswered(const RequestCase& current) {
  return !current.answered_at.empty() &&
         std::all_of(current.answered_at.begin(), current.answered_at.end(),
                     [](const auto& entry) { return entry.second.has_value(); });
}

absl::Time RequestEndedAt(const RequestCase& current) {
  if (!FullyAnswered(current)) return current.deadline;
  absl::Time last = absl::InfinitePast();
  for (const auto& [id, answered] : current.answered_at) last = std::max(last, *answered);
  return last;
}

}  // namespace enlace::domain
