// JSON for the CLI and national case-management systems, by protobuf's JSON mapping: field
// names as in docs/messages.md (snake_case on output; lowerCamelCase is also accepted on input),
// enums by name, times as RFC 3339 UTC strings, 64-bit numbers as strings. Input is bounded in
// size and unknown fields are refused.
#ifndef ENLACE_DOMAIN_JSON_H_
#define ENLACE_DOMAIN_JSON_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "enlace/v1/domain_content.pb.h"
#include "google/protobuf/message.h"

namespace enlace::domain {

// The largest JSON document accepted (1 MiB).
inline constexpr size_t kMaxJsonBytes = 1 << 20;

// Parses `json` into `out` (cleared first). INVALID_ARGUMENT, with a bilingual issue in the
// payload, when the input is larger than `max_bytes`, is not JSON, names an unknown field or
// enum value, or has a value of the wrong type. Parsing does not validate: call Validate.
absl::Status MessageFromJson(absl::string_view json, google::protobuf::Message* out,
                             size_t max_bytes = kMaxJsonBytes);

// Pretty-printed JSON with proto field names; fields at their default value are omitted.
absl::StatusOr<std::string> MessageToJson(const google::protobuf::Message& message);

absl::StatusOr<v1::Content> ContentFromJson(absl::string_view json,
                                            size_t max_bytes = kMaxJsonBytes);

}  // namespace enlace::domain

#endif  // ENLACE_DOMAIN_JSON_H_
