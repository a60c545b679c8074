#include "auditlog/acknowledgement.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "auditlog/event.h"
#include "base/bytes.h"
#include "base/status_macros.h"
#include "base/time.h"
#include "crypto/receipts.h"
#include "crypto/signing.h"
#include "identity/participant.h"

namespace enlace::auditlog {

absl::Status VerifyAcknowledgement(const v1::AuditEvent& event, const Directory& directory) {
  if (event.type() != v1::AUDIT_EVENT_ACKNOWLEDGED) {
    return absl::InvalidArgumentError(absl::StrCat("a ", v1::AuditEventType_Name(event.type()),
                                                   " event carries no acknowledgement"));
  }
  // The fields the signature covers must all be there (an older or forged leaf may lack them).
  RETURN_IF_ERROR(ValidateEvent(event));
  if (event.actor_id() != event.recipient_ids(0)) {
    return absl::InvalidArgumentError(absl::StrCat("the acknowledgement's actor ", event.actor_id(),
                                                   " is not its recipient ",
                                                   event.recipient_ids(0)));
  }
  absl::StatusOr<ParticipantId> recipient =
      ParticipantId::Parse(event.recipient_ids(0), directory.rules());
  if (!recipient.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("the acknowledgement's recipient \"",
                                                   event.recipient_ids(0),
                                                   "\": ", recipient.status().message()));
  }
  const absl::Time acked_at = absl::FromUnixMillis(event.acked_at_ms());
  ASSIGN_OR_RETURN(Ed25519PublicKey key,
                   directory.SigningKey(*recipient, event.key_id(), acked_at));
  absl::Status signature = key.Verify(AckSigningInput(event.message_id(), event.header_hash(),
                                                      recipient->str(), event.acked_at_ms()),
                                      event.ack_signature());
  if (!signature.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the acknowledgement of message ", HexEncode(event.message_id()), " by ", recipient->str(),
        " at ", FormatUtc(acked_at), " does not verify with its key ", HexEncode(event.key_id()),
        " (directory version ", directory.version(), ")"));
  }
  return absl::OkStatus();
}

}  // namespace enlace::auditlog
