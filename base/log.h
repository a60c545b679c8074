// Structured logging: one JSON object per line on stderr (journald keeps it as is).
//
//   LogInfo("submit.accepted", {{"sender", "node/MX"}, {"bytes", "1532"}});
//
// Log lines are read by operators, so they must never carry message content or anything that
// identifies a person: only ids, parties, kinds, sizes, hashes, times and error text.
#ifndef ENLACE_BASE_LOG_H_
#define ENLACE_BASE_LOG_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace enlace {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

using LogFields = std::vector<std::pair<std::string, std::string>>;

void Log(LogLevel level, absl::string_view event, const LogFields& fields = {});
inline void LogInfo(absl::string_view event, const LogFields& fields = {}) {
  Log(LogLevel::kInfo, event, fields);
}
inline void LogWarning(absl::string_view event, const LogFields& fields = {}) {
  Log(LogLevel::kWarning, event, fields);
}
inline void LogError(absl::string_view event, const LogFields& fields = {}) {
  Log(LogLevel::kError, event, fields);
}

// Lines below `level` are dropped. Default: kInfo.
void SetMinLogLevel(LogLevel level);

// Replaces the stderr sink (tests capture lines with this). Pass nullptr to restore stderr.
using LogSink = std::function<void(absl::string_view line)>;
void SetLogSink(LogSink sink);

// The JSON line for an event, without the trailing newline (exposed for tests).
std::string FormatLogLine(LogLevel level, absl::string_view event, const LogFields& fields);

// `s` as a JSON string literal, quotes included.
std::string JsonQuote(absl::string_view s);

}  // namespace enlace

#endif  // ENLACE_BASE_LOG_H_
