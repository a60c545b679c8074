// The two things the hub's protocol signs besides envelopes and tree heads (docs/protocol.md,
// "Hub receipts" and "Acknowledgements"), each over crypto/signing.h's SigningInput:
//
//   receipt  by the hub's log key:
//     SigningInput("enlace/v1/receipt", {message_id, header_hash, envelope_hash,
//                                        u64be(log_index), u64be(hub_time_ms), hub_key_id})
//   ack      by the recipient's directory signing key:
//     SigningInput("enlace/v1/ack", {message_id, header_hash, recipient_id, u64be(acked_at_ms)})
//
// (Times are non-negative milliseconds, written as 8 big-endian bytes.)
#ifndef ENLACE_HUB_SIGNED_FORMS_H_
#define ENLACE_HUB_SIGNED_FORMS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "base/bytes.h"
#include "crypto/signing.h"
#include "enlace/v1/hub_service.pb.h"

namespace enlace::hub {

inline constexpr absl::string_view kReceiptDomain = "enlace/v1/receipt";
inline constexpr absl::string_view kAckDomain = "enlace/v1/ack";

// The signed bytes of `receipt` (its signature field is ignored).
Bytes ReceiptSigningInput(const v1::Receipt& receipt);

// OK iff `receipt` names `hub_key` (hub_key_id) and its signature verifies; INVALID_ARGUMENT
// saying which check failed otherwise.
absl::Status VerifyReceipt(const v1::Receipt& receipt, const Ed25519PublicKey& hub_key);

Bytes AckSigningInput(absl::string_view message_id, absl::string_view header_hash,
                      absl::string_view recipient_id, int64_t acked_at_ms);

}  // namespace enlace::hub

#endif  // ENLACE_HUB_SIGNED_FORMS_H_
