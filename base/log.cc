#include "base/log.h"

#include <atomic>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "base/time.h"

namespace enlace {
namespace {

std::atomic<int> min_level{static_cast<int>(LogLevel::kInfo)};

absl::Mutex& SinkMutex() {
  static absl::Mutex* const mu = new absl::Mutex();
  return *mu;
}
LogSink& Sink() {
  static LogSink* const sink = new LogSink();
  return *sink;
}

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

}  // namespace

std::string JsonQuote(absl::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u%04x", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  out += "\"";
  return out;
}

std::string FormatLogLine(LogLevel level, absl::string_view event, const LogFields& fields) {
  std::string line =
      absl::StrCat("{\"ts\":", JsonQuote(FormatUtc(absl::Now())),
                   ",\"level\":", JsonQuote(LevelName(level)), ",\"event\":", JsonQuote(event));
  for (const auto& [key, value] : fields) {
    absl::StrAppend(&line, ",", JsonQuote(key), ":", JsonQuote(value));
  }
  line += "}";
  return line;
}

void Log(LogLevel level, absl::string_view event, const LogFields& fields) {
  if (static_cast<int>(level) < min_level.load(std::memory_order_relaxed)) return;
  const std::string line = FormatLogLine(level, event, fields);
  absl::MutexLock lock(&SinkMutex());
  if (Sink()) {
    Sink()(line);
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

void SetMinLogLevel(LogLevel level) {
  min_level.store(static_cast<int>(level), std::memory_order_relaxed);
}

void SetLogSink(LogSink sink) {
  absl::MutexLock lock(&SinkMutex());
  Sink() = std::move(sink);
}

}  // namespace enlace
