// Handling restrictions on forwarding (SIENA handling codes, TLP markings, victims' data).
//
// A forward is a new message whose Content copies the original body unchanged (so the handling
// code or TLP marking travels with it) and whose ForwardInfo names the original message and its
// first originator. Refused: referrals and their status steps (victims' data: make a new
// referral with the person's consent), items with handling code H2 (no further dissemination
// without the originator's consent), and items marked TLP:AMBER, AMBER+STRICT or RED (not for
// sharing beyond their recipients' organisations).
#ifndef ENLACE_DOMAIN_HANDLING_H_
#define ENLACE_DOMAIN_HANDLING_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "enlace/v1/domain_content.pb.h"
#include "enlace/v1/domain_issues.pb.h"

namespace enlace::domain {

// The handling of alerts, feedback, information requests and responses; nullopt for kinds that
// carry none.
absl::optional<v1::Handling> HandlingOf(const v1::Content& content);

// The TLP marking of bulletins and documents; TLP_UNSPECIFIED for other kinds.
v1::Tlp TlpOf(const v1::Content& content);

// Why `content` may not be forwarded, as an issue at `path`; nullopt when it may be.
absl::optional<v1::FieldIssue> ForwardRefusal(const v1::Content& content, absl::string_view path);

// A forward of `original` (message id `original_message_id`, 32 hex digits, sent by participant
// `original_sender`) by participant `forwarded_by`, with an optional note. When `original` is
// itself a forward, the first message id and originator are kept. PERMISSION_DENIED with a
// bilingual issue when the original may not be forwarded; INVALID_ARGUMENT for malformed ids.
absl::StatusOr<v1::Content> BuildForward(const v1::Content& original,
                                         absl::string_view original_message_id,
                                         absl::string_view original_sender,
                                         absl::string_view forwarded_by, absl::string_view note);

// OK when `forward` is what BuildForward makes of `original`: forwardable, the same body
// (hence the same handling code or marking), and a ForwardInfo naming the original's first
// message id and originator. A receiver that holds the original uses it to check a forward.
absl::Status CheckForward(const v1::Content& original, absl::string_view original_message_id,
                          absl::string_view original_sender, const v1::Content& forward);

}  // namespace enlace::domain

#endif  // ENLACE_DOMAIN_HANDLING_H_
