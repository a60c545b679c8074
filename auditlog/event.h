// The canonical leaf encoding of an audit event: the exact bytes hashed into the log.
//
// Grammar (docs/audit-log.md, "Leaf encoding", is the reference):
//   leaf   = version field*            version = 0x01
//   field  = tag:u8 length:u16be value  tags are AuditEvent's field numbers (1..16)
// Fields appear in strictly increasing tag order, except recipients (tag 6), which repeat
// consecutively in header order. A field whose value is the proto default (0, empty) is absent.
// Integers: type, message_kind, priority u32be; hub_time_ms, envelope_size, directory_version,
// acked_at_ms u64be. Text fields (actor, subject, sender, recipient, reason) are 1..128 printable
// ASCII bytes without spaces (0x21..0x7e). message_id and key_id are 16 bytes, header_hash 32,
// ack_signature 64.
// Anything else (unknown tags, wrong lengths, wrong order, trailing bytes, default values
// written out) is refused, so every event has exactly one encoding.
#ifndef ENLACE_AUDITLOG_EVENT_H_
#define ENLACE_AUDITLOG_EVENT_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/bytes.h"
#include "enlace/v1/audit.pb.h"

namespace enlace::auditlog {

inline constexpr uint8_t kLeafFormatVersion = 1;
inline constexpr size_t kMaxTextFieldSize = 128;
inline constexpr size_t kMaxRecipients = 256;
// Bounds every leaf (a full recipient list of maximal ids stays below it).
inline constexpr size_t kMaxLeafSize = 64 * 1024;

// Checks what each event type needs (docs/audit-log.md, "Events"), then encodes. The hub calls
// this (through AuditLog::PrepareAppend), so an incomplete event never reaches the log.
absl::StatusOr<Bytes> EncodeLeaf(const v1::AuditEvent& event);

// Parses a leaf, refusing anything but the one canonical encoding. Structural only: it does not
// apply EncodeLeaf's per-type requirements, so a reader can show whatever the log holds.
absl::StatusOr<v1::AuditEvent> DecodeLeaf(absl::string_view leaf);

// DecodeLeaf's checks without building the event (what a verifier needs, cheaply).
absl::Status ValidateLeaf(absl::string_view leaf);

// The event's per-type requirements alone (EncodeLeaf runs it first).
absl::Status ValidateEvent(const v1::AuditEvent& event);

// True if `participant_id` is the event's actor, subject, sender or one of its recipients.
bool IsPartyTo(const v1::AuditEvent& event, absl::string_view participant_id);

}  // namespace enlace::auditlog

#endif  // ENLACE_AUDITLOG_EVENT_H_
