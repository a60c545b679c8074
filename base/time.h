// UTC times as text. Everything enlace stores or signs is UTC; only displays use a time zone.
#ifndef ENLACE_BASE_TIME_H_
#define ENLACE_BASE_TIME_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace enlace {

// "2026-11-26T12:29:06Z" (RFC 3339, UTC, whole seconds).
std::string FormatUtc(absl::Time t);
// Accepts RFC 3339 with a 'Z' or numeric offset, optional fractional seconds.
absl::StatusOr<absl::Time> ParseUtc(absl::string_view text);

// Shows `t` in an IANA time zone (e.g. "America/Guatemala") as "2026-11-26 06:29 CST". Falls back
// to UTC when the zone is unknown on this machine.
std::string FormatLocal(absl::Time t, absl::string_view zone_name);

// Milliseconds since the Unix epoch: the integer form used in signed encodings.
inline int64_t ToUnixMillisUtc(absl::Time t) { return absl::ToUnixMillis(t); }

}  // namespace enlace

#endif  // ENLACE_BASE_TIME_H_
