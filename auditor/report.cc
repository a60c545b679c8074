#include "auditor/report.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "auditlog/event.h"
#include "auditor/export.h"
#include "auditor/verify.h"
#include "base/status_macros.h"
#include "base/time.h"

namespace enlace::auditor {
namespace {

using domain::Language;

// What the report says, in Spanish and English.
struct Text {
  const char* es;
  const char* en;
  const char* in(Language language) const { return language == Language::kSpanish ? es : en; }
};

constexpr Text kTitle = {"Informe de auditoría de enlace", "enlace audit report"};
constexpr Text kLog = {"registro", "log"};
constexpr Text kPeriod = {"Periodo", "Period"};
constexpr Text kDeadlinesAt = {"plazos evaluados al", "deadlines judged at"};
constexpr Text kIntegrity = {"Integridad", "Integrity"};
constexpr Text kVerified = {"verificado", "verified"};
constexpr Text kNotVerified = {"NO VERIFICADO", "NOT VERIFIED"};
constexpr Text kEntriesUsed = {"entradas cubiertas por cabezas firmadas",
                               "entries covered by signed tree heads"};
constexpr Text kPairs = {"Mensajes por tipo y par de países", "Messages per kind and country pair"};
constexpr Text kKind = {"Tipo", "Kind"};
constexpr Text kFrom = {"De", "From"};
constexpr Text kTo = {"A", "To"};
constexpr Text kMessages = {"Mensajes", "Messages"};
constexpr Text kDelivery = {"Tiempo hasta la entrega", "Time to delivery"};
constexpr Text kAcknowledgement = {"Tiempo hasta el acuse de recibo", "Time to acknowledgement"};
constexpr Text kMedian = {"mediana", "median"};
constexpr Text kMax = {"máx.", "max"};
constexpr Text kOverdue = {"Sin acuse de recibo fuera de plazo",
                           "Unacknowledged past the deadline"};
constexpr Text kMessageId = {"Mensaje", "Message"};
constexpr Text kPriority = {"Prioridad", "Priority"};
constexpr Text kSubmitted = {"Enviado", "Submitted"};
constexpr Text kDeadline = {"Plazo", "Deadline"};
constexpr Text kState = {"Estado", "State"};
constexpr Text kDelivered = {"entregado", "delivered"};
constexpr Text kNotDelivered = {"no entregado", "not delivered"};
constexpr Text kExpired = {"expirado en el hub", "expired at the hub"};
constexpr Text kOtherEvents = {"Otros eventos del periodo", "Other events in the period"};
constexpr Text kNone = {"(ninguno)", "(none)"};

// Labels of the audit event types (the domain catalogue covers the message enums).
Text EventTypeLabel(v1::AuditEventType type) {
  switch (type) {
    case v1::AUDIT_EVENT_HUB_STARTED:
      return {"Hub iniciado", "Hub started"};
    case v1::AUDIT_EVENT_HUB_STOPPED:
      return {"Hub detenido", "Hub stopped"};
    case v1::AUDIT_EVENT_ENROLLED:
      return {"Alta de participante", "Participant enrolled"};
    case v1::AUDIT_EVENT_REVOKED:
      return {"Revocación", "Revoked"};
    case v1::AUDIT_EVENT_SUSPENDED:
      return {"Suspensión", "Suspended"};
    case v1::AUDIT_EVENT_RESUMED:
      return {"Reactivación", "Resumed"};
    case v1::AUDIT_EVENT_ROTATED:
      return {"Rotación de claves", "Keys rotated"};
    case v1::AUDIT_EVENT_DIRECTORY_PUBLISHED:
      return {"Directorio publicado", "Directory published"};
    case v1::AUDIT_EVENT_SUBMITTED:
      return {"Mensaje enviado", "Message submitted"};
    case v1::AUDIT_EVENT_REJECTED:
      return {"Envío rechazado", "Submission rejected"};
    case v1::AUDIT_EVENT_DELIVERED:
      return {"Mensaje entregado", "Message delivered"};
    case v1::AUDIT_EVENT_ACKNOWLEDGED:
      return {"Acuse de recibo", "Acknowledged"};
    case v1::AUDIT_EVENT_EXPIRED:
      return {"Expirado sin acuse", "Expired unacknowledged"};
    case v1::AUDIT_EVENT_PURGED:
      return {"Contenido borrado del hub", "Content purged at the hub"};
    default:
      return {"Evento desconocido", "Unknown event"};
  }
}

// "MX" for node/MX; other participants keep their id.
std::string Party(absl::string_view participant) {
  constexpr absl::string_view kNodePrefix = "node/";
  if (absl::StartsWith(participant, kNodePrefix)) {
    return std::string(participant.substr(kNodePrefix.size()));
  }
  return std::string(participant);
}

std::string ReadableDuration(absl::Duration d) {
  const int64_t seconds = absl::ToInt64Seconds(d);
  if (seconds < 60) return absl::StrCat(seconds, " s");
  if (seconds < 3600) return absl::StrFormat("%d min %02d s", seconds / 60, seconds % 60);
  if (seconds < 86400) return absl::StrFormat("%d h %02d min", seconds / 3600, seconds % 3600 / 60);
  return absl::StrFormat("%d d %02d h", seconds / 86400, seconds % 86400 / 3600);
}

struct RecipientState {
  std::optional<absl::Time> delivered;
  std::optional<absl::Time> acknowledged;
  bool expired = false;
};

struct Submission {
  v1::MessageKind kind;
  v1::Priority priority;
  std::string sender;
  absl::Time submitted;
  std::vector<std::pair<std::string, RecipientState>> recipients;  // header order

  RecipientState* Find(absl::string_view recipient) {
    for (auto& [id, state] : recipients) {
      if (id == recipient) return &state;
    }
    return nullptr;
  }
};

std::vector<Report::Timing> Timings(
    std::map<v1::MessageKind, std::vector<absl::Duration>> by_kind) {
  std::vector<Report::Timing> out;
  for (auto& [kind, durations] : by_kind) {
    std::sort(durations.begin(), durations.end());
    const size_t n = durations.size();
    Report::Timing timing;
    timing.kind = kind;
    timing.count = n;
    timing.median = durations[(n - 1) / 2];
    timing.p90 = durations[(9 * n + 9) / 10 - 1];  // ceil(0.9 n) - 1
    timing.max = durations.back();
    out.push_back(timing);
  }
  return out;
}

std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  auto display_width = [](const std::string& s) {
    // Count UTF-8 code points, not bytes, so accented labels align.
    return static_cast<size_t>(
        std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
  };
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));
  }
  std::string out;
  for (const auto& row : rows) {
    out += " ";
    for (size_t i = 0; i < row.size(); ++i) {
      out += " " + row[i];
      if (i + 1 < row.size()) out += std::string(widths[i] - display_width(row[i]) + 1, ' ');
    }
    out += "\n";
  }
  return out;
}

}  // namespace

absl::Duration AckDeadlines::For(v1::Priority priority) const {
  switch (priority) {
    case v1::PRIORITY_IMMEDIATE:
      return immediate;
    case v1::PRIORITY_URGENT:
      return urgent;
    default:
      return routine;
  }
}

absl::StatusOr<Report> BuildReport(absl::string_view dir, const ReportOptions& options) {
  if (options.from >= options.to) {
    return absl::InvalidArgumentError(absl::StrCat("--from (", FormatUtc(options.from),
                                                   ") must be before --to (", FormatUtc(options.to),
                                                   ")"));
  }
  ASSIGN_OR_RETURN(VerifyResult verified, VerifyExport(dir, std::nullopt, options.directory));
  Report report;
  report.verified = verified.ok();
  if (verified.divergence.has_value()) {
    report.verification = verified.divergence->ToString();
  } else if (verified.uncovered_entries() > 0) {
    report.verification =
        absl::StrCat(verified.uncovered_entries(), " entries are not covered by a saved tree head");
  } else {
    report.verification =
        absl::StrCat(verified.entries, " entries, ", verified.tree_heads, " tree heads");
  }
  if (verified.acks.has_value()) {
    absl::StrAppend(&report.verification, "; ", verified.acks->Summary());
    if (!verified.acks->failures.empty()) {
      absl::StrAppend(&report.verification, "; first: ", verified.acks->failures[0].ToString());
    }
  }
  if (verified.log_key.has_value()) report.log_id = verified.log_key->KeyId();
  report.covered_entries = verified.covered_entries;
  report.from = options.from;
  report.to = options.to;
  report.as_of = options.as_of.value_or(
      verified.latest_head.has_value() ? absl::FromUnixMillis(verified.latest_head->timestamp_ms)
                                       : options.to);

  std::unordered_map<Bytes, Submission> submissions;
  std::map<std::tuple<v1::MessageKind, std::string, std::string>, uint64_t> pairs;
  ASSIGN_OR_RETURN(EntryReader reader, EntryReader::Open(dir));
  EntryReader::Entry entry;
  while (reader.index() < verified.covered_entries) {
    ASSIGN_OR_RETURN(bool more, reader.Next(&entry));
    if (!more) break;
    // Verified above, so it decodes; a failure here means the files changed meanwhile.
    ASSIGN_OR_RETURN(v1::AuditEvent event, auditlog::DecodeLeaf(entry.leaf));
    const absl::Time at = absl::FromUnixMillis(event.hub_time_ms());
    if (at > report.as_of) continue;
    const bool in_period = at >= options.from && at < options.to;
    switch (event.type()) {
      case v1::AUDIT_EVENT_SUBMITTED: {
        if (!in_period) break;
        Submission s{event.message_kind(), event.priority(), event.sender_id(), at, {}};
        for (const std::string& recipient : event.recipient_ids()) {
          s.recipients.emplace_back(recipient, RecipientState{});
          ++pairs[{event.message_kind(), Party(event.sender_id()), Party(recipient)}];
        }
        submissions.emplace(event.message_id(), std::move(s));
        break;
      }
      case v1::AUDIT_EVENT_DELIVERED:
      case v1::AUDIT_EVENT_ACKNOWLEDGED:
      case v1::AUDIT_EVENT_EXPIRED: {
        auto it = submissions.find(event.message_id());
        if (it == submissions.end() || event.recipient_ids_size() != 1) break;
        RecipientState* state = it->second.Find(event.recipient_ids(0));
        if (state == nullptr) break;
        if (event.type() == v1::AUDIT_EVENT_DELIVERED && !state->delivered) state->delivered = at;
        if (event.type() == v1::AUDIT_EVENT_ACKNOWLEDGED && !state->acknowledged) {
          state->acknowledged = at;
        }
        if (event.type() == v1::AUDIT_EVENT_EXPIRED) state->expired = true;
        break;
      }
      default:
        if (!in_period) break;
        std::string key = v1::AuditEventType_Name(event.type());
        if (!event.reason_code().empty()) absl::StrAppend(&key, " ", event.reason_code());
        ++report.other_events[key];
    }
  }

  for (const auto& [key, count] : pairs) {
    report.pairs.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), count});
  }
  std::map<v1::MessageKind, std::vector<absl::Duration>> delivery, acknowledgement;
  for (const auto& [id, s] : submissions) {
    for (const auto& [recipient, state] : s.recipients) {
      if (state.delivered) delivery[s.kind].push_back(*state.delivered - s.submitted);
      if (state.acknowledged) {
        acknowledgement[s.kind].push_back(*state.acknowledged - s.submitted);
        continue;
      }
      const absl::Time deadline = s.submitted + options.ack_deadlines.For(s.priority);
      if (deadline < report.as_of) {
        report.overdue.push_back({id, s.kind, s.priority, s.sender, recipient, s.submitted,
                                  deadline, state.delivered.has_value(), state.expired});
      }
    }
  }
  report.delivery = Timings(std::move(delivery));
  report.acknowledgement = Timings(std::move(acknowledgement));
  std::sort(report.overdue.begin(), report.overdue.end(),
            [](const Report::Overdue& a, const Report::Overdue& b) {
              return std::tie(a.deadline, a.message_id, a.recipient) <
                     std::tie(b.deadline, b.message_id, b.recipient);
            });
  return report;
}

std::string ReportText(const Report& report, const ReportOptions& options) {
  const Language lang = options.language;
  auto kind = [lang](v1::MessageKind k) { return domain::LabelOf(k, lang); };
  std::string out =
      absl::StrCat(kTitle.in(lang), " — ", kLog.in(lang), " ", HexEncode(report.log_id), "\n");
  absl::StrAppend(&out, kPeriod.in(lang), ": ", FormatUtc(report.from), " – ", FormatUtc(report.to),
                  " (", kDeadlinesAt.in(lang), " ", FormatUtc(report.as_of), ")\n");
  absl::StrAppend(
      &out, kIntegrity.in(lang), ": ", report.verified ? kVerified.in(lang) : kNotVerified.in(lang),
      " (", report.verification, "); ", report.covered_entries, " ", kEntriesUsed.in(lang), "\n");

  absl::StrAppend(&out, "\n", kPairs.in(lang), "\n");
  std::vector<std::vector<std::string>> rows = {
      {kKind.in(lang), kFrom.in(lang), kTo.in(lang), kMessages.in(lang)}};
  for (const Report::Pair& p : report.pairs) {
    rows.push_back({kind(p.kind), p.sender, p.recipient, absl::StrCat(p.messages)});
  }
  absl::StrAppend(&out, rows.size() > 1 ? Table(rows) : absl::StrCat("  ", kNone.in(lang), "\n"));

  for (const auto& [title, timings] : {std::pair{kDelivery, &report.delivery},
                                       std::pair{kAcknowledgement, &report.acknowledgement}}) {
    absl::StrAppend(&out, "\n", title.in(lang), "\n");
    rows = {{kKind.in(lang), "n", kMedian.in(lang), "p90", kMax.in(lang)}};
    for (const Report::Timing& t : *timings) {
      rows.push_back({kind(t.kind), absl::StrCat(t.count), ReadableDuration(t.median),
                      ReadableDuration(t.p90), ReadableDuration(t.max)});
    }
    absl::StrAppend(&out, rows.size() > 1 ? Table(rows) : absl::StrCat("  ", kNone.in(lang), "\n"));
  }

  absl::StrAppend(&out, "\n", kOverdue.in(lang), "\n");
  rows = {{kMessageId.in(lang), kKind.in(lang), kPriority.in(lang), kFrom.in(lang), kTo.in(lang),
           kSubmitted.in(lang), kDeadline.in(lang), kState.in(lang)}};
  for (const Report::Overdue& o : report.overdue) {
    const char* state = o.expired     ? kExpired.in(lang)
                        : o.delivered ? kDelivered.in(lang)
                                      : kNotDelivered.in(lang);
    rows.push_back({HexEncode(o.message_id), kind(o.kind), domain::LabelOf(o.priority, lang),
                    Party(o.sender), Party(o.recipient), FormatUtc(o.submitted),
                    FormatUtc(o.deadline), state});
  }
  absl::StrAppend(&out, rows.size() > 1 ? Table(rows) : absl::StrCat("  ", kNone.in(lang), "\n"));

  absl::StrAppend(&out, "\n", kOtherEvents.in(lang), "\n");
  rows.clear();
  for (const auto& [key, count] : report.other_events) {
    const size_t space = key.find(' ');
    v1::AuditEventType type = v1::AUDIT_EVENT_UNSPECIFIED;
    v1::AuditEventType_Parse(key.substr(0, space), &type);
    std::string label = EventTypeLabel(type).in(lang);
    if (space != std::string::npos) absl::StrAppend(&label, " (", key.substr(space + 1), ")");
    rows.push_back({label, absl::StrCat(count)});
  }
  absl::StrAppend(&out, rows.empty() ? absl::StrCat("  ", kNone.in(lang), "\n") : Table(rows));
  return out;
}

nlohmann::ordered_json ReportJson(const Report& report) {
  nlohmann::ordered_json out;
  out["verified"] = report.verified;
  out["verification"] = report.verification;
  out["log_id"] = HexEncode(report.log_id);
  out["covered_entries"] = report.covered_entries;
  out["from"] = FormatUtc(report.from);
  out["to"] = FormatUtc(report.to);
  out["as_of"] = FormatUtc(report.as_of);
  out["pairs"] = nlohmann::ordered_json::array();
  for (const Report::Pair& p : report.pairs) {
    out["pairs"].push_back({{"kind", v1::MessageKind_Name(p.kind)},
                            {"sender", p.sender},
                            {"recipient", p.recipient},
                            {"messages", p.messages}});
  }
  for (const auto& [name, timings] : {std::pair{"delivery", &report.delivery},
                                      std::pair{"acknowledgement", &report.acknowledgement}}) {
    out[name] = nlohmann::ordered_json::array();
    for (const Report::Timing& t : *timings) {
      out[name].push_back({{"kind", v1::MessageKind_Name(t.kind)},
                           {"count", t.count},
                           {"median_seconds", absl::ToDoubleSeconds(t.median)},
                           {"p90_seconds", absl::ToDoubleSeconds(t.p90)},
                           {"max_seconds", absl::ToDoubleSeconds(t.max)}});
    }
  }
  out["overdue"] = nlohmann::ordered_json::array();
  for (const Report::Overdue& o : report.overdue) {
    out["overdue"].push_back({{"message_id", HexEncode(o.message_id)},
                              {"kind", v1::MessageKind_Name(o.kind)},
                              {"priority", v1::Priority_Name(o.priority)},
                              {"sender", o.sender},
                              {"recipient", o.recipient},
                              {"submitted", FormatUtc(o.submitted)},
                              {"deadline", FormatUtc(o.deadline)},
                              {"delivered", o.delivered},
                              {"expired", o.expired}});
  }
  out["other_events"] = nlohmann::ordered_json::object();
  for (const auto& [key, count] : report.other_events) out["other_events"][key] = count;
  return out;
}

}  // namespace enlace::auditor
