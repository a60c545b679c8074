// The payload as a whole: which kind a Content is, whether it matches the envelope header's
// kind, the priority it asks for, random references, and bounded parsing of its bytes.
#ifndef ENLACE_DOMAIN_CONTENT_H_
#define ENLACE_DOMAIN_CONTENT_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/env.h"
#include "enlace/v1/domain_content.pb.h"
#include "enlace/v1/envelope.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/timestamp.pb.h"

namespace enlace::domain {

// The largest serialized Content accepted (1 MiB: attachments travel separately, by reference).
inline constexpr size_t kMaxContentBytes = 1 << 20;

// The MessageKind of the body; KIND_UNSPECIFIED when no body is set.
v1::MessageKind KindOf(const v1::Content& content);

// OK when the body is of `header_kind`; INVALID_ARGUMENT with a bilingual
// DOMAIN_ERROR_KIND_MISMATCH (or BODY_MISSING) issue otherwise. Receivers check this before
// trusting the header's kind.
absl::Status CheckKindMatches(const v1::Content& content, v1::MessageKind header_kind);

// The envelope priority the content asks for: its urgency where it has one (referrals, alerts,
// requests), PRIORITY_ROUTINE otherwise.
v1::Priority PriorityOf(const v1::Content& content);

// A new random reference (case_ref, alert_ref, request_ref ...): 128 bits from `random` as 32
// lowercase hex digits. Never derive references from case data.
absl::StatusOr<std::string> NewReference(RandomSource& random);

// Parses a serialized Content (a decrypted payload). INVALID_ARGUMENT when larger than
// `max_bytes` or not a valid Content; the status carries a bilingual issue. Unknown fields are
// kept and reported by Validate.
absl::StatusOr<v1::Content> ContentFromBinary(absl::string_view bytes,
                                              size_t max_bytes = kMaxContentBytes);

// google.protobuf.Timestamp <-> absl::Time. TimeFromProto does not validate (Validate does:
// out-of-range seconds or nanos are reported as impossible dates).
absl::Time TimeFromProto(const google::protobuf::Timestamp& timestamp);
google::protobuf::Timestamp TimeToProto(absl::Time time);

// The compiled domain schema files (proto/enlace/v1/domain_*.proto), in documentation order:
// content, referral, alert, request, publication, legislation, common, issues.
std::vector<const google::protobuf::FileDescriptor*> DomainSchemaFiles();

// Deterministic serialization (the same Content always gives the same bytes).
std::string ContentToBinary(const v1::Content& content);

}  // namespace enlace::domain

#endif  // ENLACE_DOMAIN_CONTENT_H_
