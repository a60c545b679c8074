// The recipient's signed acknowledgement that an ACKNOWLEDGED event carries, checked from the
// event and the directory alone: delivery is non-repudiable and visible to auditors, and a hub
// cannot log an acknowledgement the recipient did not sign.
//
// The recipient signed, with its directory signing key `key_id`, crypto/receipts.h's
//   AckSigningInput(message_id, header_hash, recipient_id, acked_at_ms)
// and the hub checked it before logging it (docs/audit-log.md §1, docs/protocol.md §14).
#ifndef ENLACE_AUDITLOG_ACKNOWLEDGEMENT_H_
#define ENLACE_AUDITLOG_ACKNOWLEDGEMENT_H_

#include "absl/status/status.h"
#include "enlace/v1/audit.pb.h"
#include "identity/directory.h"

namespace enlace::auditlog {

// OK iff `event` is an ACKNOWLEDGED event for one recipient (its single recipient_ids entry,
// also its actor) and its ack_signature verifies with that recipient's signing key key_id, valid
// for signing at acked_at_ms according to `directory`. Errors, each saying what and which:
//   INVALID_ARGUMENT   not such an event, a field missing or malformed, or a signature that
//                      does not verify (the log holds an acknowledgement the key did not sign);
//   NOT_FOUND          the directory does not list the recipient or the key (keys leave the
//                      directory a while after they end, so an old acknowledgement may not be
//                      checkable against a newer directory);
//   PERMISSION_DENIED  the key was not valid for signing at acked_at_ms (outside its interval,
//                      or it or its participant was revoked at or before then).
// Thread-safe.
absl::Status VerifyAcknowledgement(const v1::AuditEvent& event, const Directory& directory);

}  // namespace enlace::auditlog

#endif  // ENLACE_AUDITLOG_ACKNOWLEDGEMENT_H_
