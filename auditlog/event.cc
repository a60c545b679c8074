#include "auditlog/event.h"

#include <limits>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "base/bytes.h"
#include "base/status_macros.h"

namespace enlace::auditlog {
namespace {

using v1::AuditEvent;

// Field tags: AuditEvent's field numbers.
enum Tag : uint8_t {
  kType = 1,
  kHubTime = 2,
  kActor = 3,
  kSubject = 4,
  kSender = 5,
  kRecipient = 6,
  kMessageKind = 7,
  kPriority = 8,
  kMessageId = 9,
  kHeaderHash = 10,
  kEnvelopeSize = 11,
  kDirectoryVersion = 12,
  kKeyId = 13,
  kReason = 14,
  kAckedAt = 15,
  kAckSignature = 16,
};
constexpr uint8_t kLastTag = kAckSignature;

enum class Form { kU32, kU64, kText, kFixed };

struct FieldSpec {
  const char* name;
  Form form;
  size_t fixed_size;  // for kFixed
};

const FieldSpec& Spec(uint8_t tag) {
  static const FieldSpec kSpecs[kLastTag + 1] = {
      {"", Form::kU32, 0},
      {"type", Form::kU32, 0},
      {"hub_time_ms", Form::kU64, 0},
      {"actor_id", Form::kText, 0},
      {"subject_id", Form::kText, 0},
      {"sender_id", Form::kText, 0},
      {"recipient_ids", Form::kText, 0},
      {"message_kind", Form::kU32, 0},
      {"priority", Form::kU32, 0},
      {"message_id", Form::kFixed, 16},
      {"header_hash", Form::kFixed, 32},
      {"envelope_size", Form::kU64, 0},
      {"directory_version", Form::kU64, 0},
      {"key_id", Form::kFixed, 16},
      {"reason_code", Form::kText, 0},
      {"acked_at_ms", Form::kU64, 0},
      {"ack_signature", Form::kFixed, 64},
  };
  return kSpecs[tag];
}

absl::Status CheckText(absl::string_view text, absl::string_view name) {
  if (text.size() > kMaxTextFieldSize) {
    return absl::InvalidArgumentError(absl::StrCat(name, " is ", text.size(), " bytes; at most ",
                                                   kMaxTextFieldSize, " are allowed"));
  }
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x21 || c > 0x7e) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": byte ", i, " (0x", absl::Hex(c, absl::kZeroPad2),
                       ") is not printable ASCII without spaces (0x21..0x7e)"));
    }
  }
  return absl::OkStatus();
}

class LeafWriter {
 public:
  LeafWriter() { out_.push_back(static_cast<char>(kLeafFormatVersion)); }

  // Signed proto fields (enums are int32, times int64) must not be negative.
  absl::Status Int(uint8_t tag, int64_t value) {
    if (value < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(Spec(tag).name, " must not be negative, got ", value));
    }
    return Unsigned(tag, static_cast<uint64_t>(value));
  }
  absl::Status Unsigned(uint8_t tag, uint64_t value) {
    if (value == 0) return absl::OkStatus();
    const bool wide = Spec(tag).form == Form::kU64;
    Header(tag, wide ? 8 : 4);
    if (wide) {
      AppendUint64(value, &out_);
    } else {
      if (value > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
        return absl::InvalidArgumentError(absl::StrCat(Spec(tag).name, " is out of range"));
      }
      AppendUint32(static_cast<uint32_t>(value), &out_);
    }
    return absl::OkStatus();
  }
  absl::Status Text(uint8_t tag, absl::string_view text, bool allow_empty = true) {
    if (text.empty()) {
      if (allow_empty) return absl::OkStatus();
      return absl::InvalidArgumentError(absl::StrCat(Spec(tag).name, " must not be empty"));
    }
    RETURN_IF_ERROR(CheckText(text, Spec(tag).name));
    Header(tag, text.size());
    out_.append(text.data(), text.size());
    return absl::OkStatus();
  }
  absl::Status Fixed(uint8_t tag, absl::string_view bytes) {
    if (bytes.empty()) return absl::OkStatus();
    if (bytes.size() != Spec(tag).fixed_size) {
      return absl::InvalidArgumentError(absl::StrCat(
          Spec(tag).name, " must be ", Spec(tag).fixed_size, " bytes, got ", bytes.size()));
    }
    Header(tag, bytes.size());
    out_.append(bytes.data(), bytes.size());
    return absl::OkStatus();
  }
  Bytes Take() { return std::move(out_); }

 private:
  void Header(uint8_t tag, size_t length) {
    out_.push_back(static_cast<char>(tag));
    AppendUint16(static_cast<uint16_t>(length), &out_);
  }
  Bytes out_;
};

absl::Status Require(bool present, const AuditEvent& event, absl::string_view field) {
  if (present) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(v1::AuditEventType_Name(event.type()), " events need ", field));
}

}  // namespace

absl::Status ValidateEvent(const AuditEvent& event) {
  if (event.type() == v1::AUDIT_EVENT_UNSPECIFIED || !v1::AuditEventType_IsValid(event.type())) {
    return absl::InvalidArgumentError(
        absl::StrCat("audit event type ", event.type(), " is not a defined AuditEventType"));
  }
  RETURN_IF_ERROR(Require(event.hub_time_ms() > 0, event, "hub_time_ms"));
  RETURN_IF_ERROR(Require(!event.actor_id().empty(), event, "actor_id"));
  switch (event.type()) {
    case v1::AUDIT_EVENT_ENROLLED:
    case v1::AUDIT_EVENT_SUSPENDED:
    case v1::AUDIT_EVENT_RESUMED:
      return Require(!event.subject_id().empty(), event, "subject_id");
    case v1::AUDIT_EVENT_REVOKED:
      RETURN_IF_ERROR(Require(!event.subject_id().empty() || !event.key_id().empty(), event,
                              "subject_id or key_id"));
      return Require(!event.reason_code().empty(), event, "reason_code");
    case v1::AUDIT_EVENT_ROTATED:
      RETURN_IF_ERROR(Require(!event.subject_id().empty(), event, "subject_id"));
      return Require(!event.key_id().empty(), event, "key_id (the new key)");
    case v1::AUDIT_EVENT_DIRECTORY_PUBLISHED:
      return Require(event.directory_version() > 0, event, "directory_version");
    case v1::AUDIT_EVENT_SUBMITTED:
      RETURN_IF_ERROR(Require(!event.sender_id().empty(), event, "sender_id"));
      RETURN_IF_ERROR(Require(event.recipient_ids_size() > 0, event, "recipient_ids"));
      RETURN_IF_ERROR(Require(event.message_kind() != v1::KIND_UNSPECIFIED, event, "message_kind"));
      RETURN_IF_ERROR(Require(!event.message_id().empty(), event, "message_id"));
      RETURN_IF_ERROR(Require(!event.header_hash().empty(), event, "header_hash"));
      return Require(event.envelope_size() > 0, event, "envelope_size");
    case v1::AUDIT_EVENT_REJECTED:
      return Require(!event.reason_code().empty(), event, "reason_code");
    case v1::AUDIT_EVENT_ACKNOWLEDGED:
      // Everything the recipient signed, so the log alone (with the directory) proves the ack.
      RETURN_IF_ERROR(Require(!event.header_hash().empty(), event, "header_hash"));
      RETURN_IF_ERROR(Require(!event.key_id().empty(), event, "key_id (the signing key)"));
      RETURN_IF_ERROR(Require(event.acked_at_ms() > 0, event, "acked_at_ms"));
      RETURN_IF_ERROR(Require(!event.ack_signature().empty(), event, "ack_signature"));
      [[fallthrough]];
    case v1::AUDIT_EVENT_DELIVERED:
    case v1::AUDIT_EVENT_EXPIRED:
      RETURN_IF_ERROR(Require(!event.message_id().empty(), event, "message_id"));
      RETURN_IF_ERROR(Require(!event.sender_id().empty(), event, "sender_id"));
      return Require(event.recipient_ids_size() == 1, event,
                     "exactly one recipient_ids entry (the recipient concerned)");
    case v1::AUDIT_EVENT_PURGED:
      return Require(!event.message_id().empty(), event, "message_id");
    default:
      return absl::OkStatus();
  }
}

absl::StatusOr<Bytes> EncodeLeaf(const AuditEvent& event) {
  RETURN_IF_ERROR(ValidateEvent(event));
  if (static_cast<size_t>(event.recipient_ids_size()) > kMaxRecipients) {
    return absl::InvalidArgumentError(absl::StrCat("an audit event names at most ", kMaxRecipients,
                                                   " recipients, got ",
                                                   event.recipient_ids_size()));
  }
  LeafWriter w;
  RETURN_IF_ERROR(w.Int(kType, event.type()));
  RETURN_IF_ERROR(w.Int(kHubTime, event.hub_time_ms()));
  RETURN_IF_ERROR(w.Text(kActor, event.actor_id()));
  RETURN_IF_ERROR(w.Text(kSubject, event.subject_id()));
  RETURN_IF_ERROR(w.Text(kSender, event.sender_id()));
  for (const std::string& recipient : event.recipient_ids()) {
    RETURN_IF_ERROR(w.Text(kRecipient, recipient, /*allow_empty=*/false));
  }
  RETURN_IF_ERROR(w.Int(kMessageKind, event.message_kind()));
  RETURN_IF_ERROR(w.Int(kPriority, event.priority()));
  RETURN_IF_ERROR(w.Fixed(kMessageId, event.message_id()));
  RETURN_IF_ERROR(w.Fixed(kHeaderHash, event.header_hash()));
  RETURN_IF_ERROR(w.Unsigned(kEnvelopeSize, event.envelope_size()));
  RETURN_IF_ERROR(w.Unsigned(kDirectoryVersion, event.directory_version()));
  RETURN_IF_ERROR(w.Fixed(kKeyId, event.key_id()));
  RETURN_IF_ERROR(w.Text(kReason, event.reason_code()));
  RETURN_IF_ERROR(w.Int(kAckedAt, event.acked_at_ms()));
  RETURN_IF_ERROR(w.Fixed(kAckSignature, event.ack_signature()));
  Bytes leaf = w.Take();
  if (leaf.size() > kMaxLeafSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the encoded event is ", leaf.size(), " bytes; at most ", kMaxLeafSize, " are allowed"));
  }
  return leaf;
}

namespace {

// Walks a leaf, checking everything that makes it canonical, and hands each field to
// `on_field` (integers already decoded into `number`). Error texts are built only on failure.
absl::Status WalkLeaf(
    absl::string_view leaf,
    absl::FunctionRef<void(uint8_t tag, absl::string_view value, uint64_t number)> on_field) {
  if (leaf.size() > kMaxLeafSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("leaf is ", leaf.size(), " bytes; at most ", kMaxLeafSize, " are allowed"));
  }
  ByteReader reader(leaf);
  uint8_t version = 0;
  if (!reader.ReadUint8(&version)) return absl::InvalidArgumentError("leaf is empty");
  if (version != kLeafFormatVersion) {
    return absl::InvalidArgumentError(absl::StrCat(
        "leaf format version ", version, " is not supported (only ", kLeafFormatVersion, ")"));
  }
  uint8_t last_tag = 0;
  size_t recipients = 0;
  while (!reader.empty()) {
    const size_t offset = leaf.size() - reader.remaining();
    uint8_t tag = 0;
    uint16_t length = 0;
    absl::string_view value;
    reader.ReadUint8(&tag);
    if (!reader.ReadUint16(&length) || !reader.ReadBytes(length, &value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("leaf field at byte ", offset, " runs past the end of the leaf"));
    }
    if (tag == 0 || tag > kLastTag) {
      return absl::InvalidArgumentError(absl::StrCat("unknown field tag ", tag, " at byte ", offset,
                                                     " (tags are 1..", kLastTag, ")"));
    }
    const FieldSpec& spec = Spec(tag);
    auto error = [&](absl::string_view problem) {
      return absl::InvalidArgumentError(absl::StrCat(spec.name, " at byte ", offset, problem));
    };
    if (tag < last_tag || (tag == last_tag && tag != kRecipient)) {
      return error(" is out of order or repeated (tags must increase; only recipients repeat)");
    }
    last_tag = tag;
    uint64_t number = 0;
    switch (spec.form) {
      case Form::kU32:
      case Form::kU64: {
        const size_t width = spec.form == Form::kU32 ? 4 : 8;
        if (value.size() != width) {
          return error(absl::StrCat(" must be ", width, " bytes, got ", value.size()));
        }
        if (width == 4) {
          uint32_t narrow = 0;
          ByteReader(value).ReadUint32(&narrow);
          number = narrow;
        } else {
          ByteReader(value).ReadUint64(&number);
        }
        const uint64_t limit = spec.form == Form::kU32
                                   ? static_cast<uint64_t>(std::numeric_limits<int32_t>::max())
                                   : std::numeric_limits<uint64_t>::max();
        if (number == 0 || number > limit ||
            ((tag == kHubTime || tag == kAckedAt) && number > static_cast<uint64_t>(INT64_MAX))) {
          return error(
              absl::StrCat(": value ", number, " is out of range or a default written out"));
        }
        break;
      }
      case Form::kText: {
        if (value.empty()) return error(" is empty");
        absl::Status text = CheckText(value, "");
        if (!text.ok()) return error(text.message());
        if (tag == kRecipient && ++recipients > kMaxRecipients) {
          return absl::InvalidArgumentError(
              absl::StrCat("more than ", kMaxRecipients, " recipients"));
        }
        break;
      }
      case Form::kFixed:
        if (value.size() != spec.fixed_size) {
          return error(absl::StrCat(" must be ", spec.fixed_size, " bytes, got ", value.size()));
        }
        break;
    }
    on_field(tag, value, number);
  }
  if (last_tag == 0 || leaf[1] != kType) {
    return absl::InvalidArgumentError("leaf has no type field (tag 1)");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateLeaf(absl::string_view leaf) {
  return WalkLeaf(leaf, [](uint8_t, absl::string_view, uint64_t) {});
}

absl::StatusOr<AuditEvent> DecodeLeaf(absl::string_view leaf) {
  AuditEvent event;
  RETURN_IF_ERROR(WalkLeaf(leaf, [&event](uint8_t tag, absl::string_view value, uint64_t number) {
    switch (tag) {
      case kType:
        event.set_type(static_cast<v1::AuditEventType>(number));
        break;
      case kHubTime:
        event.set_hub_time_ms(static_cast<int64_t>(number));
        break;
      case kActor:
        event.set_actor_id(std::string(value));
        break;
      case kSubject:
        event.set_subject_id(std::string(value));
        break;
      case kSender:
        event.set_sender_id(std::string(value));
        break;
      case kRecipient:
        event.add_recipient_ids(std::string(value));
        break;
      case kMessageKind:
        event.set_message_kind(static_cast<v1::MessageKind>(number));
        break;
      case kPriority:
        event.set_priority(static_cast<v1::Priority>(number));
        break;
      case kMessageId:
        event.set_message_id(std::string(value));
        break;
      case kHeaderHash:
        event.set_header_hash(std::string(value));
        break;
      case kEnvelopeSize:
        event.set_envelope_size(number);
        break;
      case kDirectoryVersion:
        event.set_directory_version(number);
        break;
      case kKeyId:
        event.set_key_id(std::string(value));
        break;
      case kReason:
        event.set_reason_code(std::string(value));
        break;
      case kAckedAt:
        event.set_acked_at_ms(static_cast<int64_t>(number));
        break;
      default:  // kAckSignature
        event.set_ack_signature(std::string(value));
        break;
    }
  }));
  return event;
}

bool IsPartyTo(const AuditEvent& event, absl::string_view participant_id) {
  if (participant_id.empty()) return false;
  if (event.actor_id() == participant_id || event.subject_id() == participant_id ||
      event.sender_id() == participant_id) {
    return true;
  }
  for (const std::string& recipient : event.recipient_ids()) {
    if (recipient == participant_id) return true;
  }
  return false;
}

}  // namespace enlace::auditlog
