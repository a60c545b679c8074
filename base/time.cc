#include "base/time.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace enlace {

std::string FormatUtc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

absl::StatusOr<absl::Time> ParseUtc(absl::string_view text) {
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, std::string(text), absl::UTCTimeZone(), &t, &error)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", text, "' is not an RFC 3339 time such as 2026-11-26T12:00:00Z (", error, ")"));
  }
  return t;
}

std::string FormatLocal(absl::Time t, absl::string_view zone_name) {
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(std::string(zone_name), &zone)) zone = absl::UTCTimeZone();
  return absl::FormatTime("%Y-%m-%d %H:%M %Z", t, zone);
}

}  // namespace enlace
