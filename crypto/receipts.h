// The two things the exchange signs besides envelopes and tree heads: the hub's receipt for a
// submission and a recipient's acknowledgement (docs/protocol.md §11 and §14). The hub signs
// receipts and checks acks; nodes check receipts and sign acks; so the one definition of each
// signed form lives here, below both. Each is a crypto/signing.h SigningInput:
//
//   receipt  by the hub's log key:
//     SigningInput("enlace/v1/receipt", {message_id, header_hash, envelope_hash,
//                                        u64be(log_index), u64be(hub_time_ms), hub_key_id})
//   ack      by the recipient's directory signing key:
//     SigningInput("enlace/v1/ack", {message_id, header_hash, recipient_id, u64be(acked_at_ms)})
//
// (Times are non-negative milliseconds, written as 8 big-endian bytes: the same bytes as
// int64be.) Pure functions; thread-safe.
#ifndef ENLACE_CRYPTO_RECEIPTS_H_
#define ENLACE_CRYPTO_RECEIPTS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "base/bytes.h"
#include "crypto/signing.h"
#include "enlace/v1/hub_service.pb.h"

namespace enlace {

inline constexpr absl::string_view kReceiptDomain = "enlace/v1/receipt";
inline constexpr absl::string_view kAckDomain = "enlace/v1/ack";

// The signed bytes of `receipt` (its signature field is ignored).
Bytes ReceiptSigningInput(const v1::Receipt& receipt);

// OK iff `receipt` names `hub_key` (hub_key_id), its hub time is not negative and its
// signature verifies; INVALID_ARGUMENT saying which check failed otherwise. It does not compare
// the receipt's hashes with an envelope: that is the submitter's check.
absl::Status VerifyReceipt(const v1::Receipt& receipt, const Ed25519PublicKey& hub_key);

// The signed bytes of `recipient_id`'s acknowledgement of a message.
Bytes AckSigningInput(absl::string_view message_id, absl::string_view header_hash,
                      absl::string_view recipient_id, int64_t acked_at_ms);

}  // namespace enlace

#endif  // ENLACE_CRYPTO_RECEIPTS_H_
