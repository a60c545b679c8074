// Validation of a Content: every problem at once, each with a field path, a code and a message
// in Spanish and English. No network, no global state: the time and the network's countries
// come in the ValidationContext.
//
//   const ValidationContext context = MakeValidationContext(*env.clock, ValidationMode::kCompose);
//   std::vector<v1::FieldIssue> issues = Validate(content, context);
//   RETURN_IF_ERROR(IssuesToStatus(issues));  // or show them, or flag them to the sender
//
// What is checked: the rules declared on each field in the .proto files (required, lengths,
// list sizes, formats such as country codes and references, times not in the future, known
// enum values, unknown fields) and the rules of each kind: the consent gate, minors, age
// consistency, alert grading and handling codes, conditional fields, date order, translations,
// deadlines and alert validity, forwarding restrictions.
#ifndef ENLACE_DOMAIN_VALIDATE_H_
#define ENLACE_DOMAIN_VALIDATE_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "base/env.h"
#include "domain/policy.h"
#include "enlace/v1/domain_content.pb.h"
#include "enlace/v1/domain_issues.pb.h"

namespace enlace::domain {

enum class ValidationMode {
  // The content is being written on this node: deadlines and alert validity must also lie in
  // the future.
  kCompose,
  // The content was received (or is read back later): its deadlines may have passed since.
  kReceived,
};

struct ValidationContext {
  // The current time, from the caller's Clock.
  absl::Time now = absl::UnixEpoch();
  // The network's countries (ISO 3166-1 alpha-2), for fields in TEXT_FORMAT_NETWORK_COUNTRY
  // (empty: no country qualifies; MakeValidationContext fills in the CRM's members).
  std::vector<std::string> network_countries;
  ValidationMode mode = ValidationMode::kCompose;
  // Tolerated clock difference between nodes for "not in the future".
  absl::Duration clock_skew = absl::Minutes(5);
  // Alert validity limits.
  RetentionPolicy retention;
};

// A context at `clock`'s current time with the CRM's member countries and default policies.
ValidationContext MakeValidationContext(const Clock& clock, ValidationMode mode);

// Every problem found in `content`; empty when it is valid. Bounded work: proportional to the
// content's size, which parsing already bounds.
std::vector<v1::FieldIssue> Validate(const v1::Content& content, const ValidationContext& context);

}  // namespace enlace::domain

#endif  // ENLACE_DOMAIN_VALIDATE_H_
