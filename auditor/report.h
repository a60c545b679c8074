// `enlace-audit report`: what happened between two times, from an export's metadata alone.
//
// Only entries covered by a verified signed tree head are used (VerifyExport runs first and the
// report says what it found). A message "in the period" was SUBMITTED at a hub time in
// [from, to); its deliveries and acknowledgements are counted whenever they happened up to
// `as_of` (by default the latest verified head's time).
#ifndef ENLACE_AUDITOR_REPORT_H_
#define ENLACE_AUDITOR_REPORT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "base/bytes.h"
#include "domain/labels.h"
#include "enlace/v1/audit.pb.h"
#include "identity/directory.h"
#include "nlohmann/json.hpp"

namespace enlace::auditor {

// How long a recipient has to acknowledge, by the message's priority. The defaults are the
// response windows of domain/policy.h's DeadlinePolicy (24 h, 72 h, 14 days).
struct AckDeadlines {
  absl::Duration immediate = absl::Hours(24);
  absl::Duration urgent = absl::Hours(72);
  absl::Duration routine = absl::Hours(14 * 24);  // also for an unspecified priority

  absl::Duration For(v1::Priority priority) const;
};

struct ReportOptions {
  absl::Time from;
  absl::Time to;  // exclusive
  std::optional<absl::Time> as_of;
  domain::Language language = domain::Language::kSpanish;
  AckDeadlines ack_deadlines;
  // The network's verified directory (not owned), to check the signed acknowledgements too.
  const Directory* directory = nullptr;
};

struct Report {
  bool verified = false;     // the export verified completely (and its acknowledgements)
  std::string verification;  // what VerifyExport found, in one line
  Bytes log_id;
  uint64_t covered_entries = 0;  // entries the report could use
  absl::Time from, to, as_of;

  // Messages submitted in the period, per (kind, sender, recipient): one per recipient.
  struct Pair {
    v1::MessageKind kind;
    std::string sender;  // "MX" for node/MX, else the participant id
    std::string recipient;
    uint64_t messages = 0;
  };
  std::vector<Pair> pairs;

  // Time from submission to the first delivery (or acknowledgement) per recipient, per kind.
  struct Timing {
    v1::MessageKind kind;
    uint64_t count = 0;
    absl::Duration median, p90, max;
  };
  std::vector<Timing> delivery;
  std::vector<Timing> acknowledgement;

  // (message, recipient) without an acknowledgement by as_of although its deadline passed.
  struct Overdue {
    Bytes message_id;
    v1::MessageKind kind;
    v1::Priority priority;
    std::string sender, recipient;
    absl::Time submitted, deadline;
    bool delivered = false;
    bool expired = false;  // the hub gave up on it (EXPIRED)
  };
  std::vector<Overdue> overdue;

  // Every other event in the period, by type (and reason code, for rejections and revocations).
  std::map<std::string, uint64_t> other_events;
};

// Reads and verifies `dir`, then builds the report. Errors only for an unreadable directory or
// bad options (from >= to).
absl::StatusOr<Report> BuildReport(absl::string_view dir, const ReportOptions& options);

// A readable report in options.language.
std::string ReportText(const Report& report, const ReportOptions& options);
// The same as JSON (enum names, RFC 3339 times, durations in seconds, ids in hex).
nlohmann::ordered_json ReportJson(const Report& report);

}  // namespace enlace::auditor

#endif  // ENLACE_AUDITOR_REPORT_H_
