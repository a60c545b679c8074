#include "node/attachments.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "crypto/hash.h"
#include "domain/content.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "node/text.h"

namespace enlace::node {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr char kContainerMarker[] = {'\x00', '\x01'};

void CollectRefs(const Message& message, std::vector<const v1::Attachment*>* refs) {
  if (message.GetDescriptor() == v1::Attachment::descriptor()) {
    refs->push_back(static_cast<const v1::Attachment*>(&message));
    return;
  }
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);  // set fields, by field number
  for (const FieldDescriptor* field : fields) {
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        CollectRefs(reflection->GetRepeatedMessage(message, field, i), refs);
      }
    } else {
      CollectRefs(reflection->GetMessage(message, field), refs);
    }
  }
}

absl::Status Invalid(absl::string_view es, absl::string_view en) {
  return NodeError(absl::StatusCode::kInvalidArgument, es, en);
}

// The total size the references announce, or an error when it exceeds kMaxAttachmentBytes.
absl::Status CheckTotal(const std::vector<const v1::Attachment*>& refs) {
  uint64_t total = 0;
  for (const v1::Attachment* ref : refs) {
    total += ref->size_bytes();
    if (ref->size_bytes() > kMaxAttachmentBytes || total > kMaxAttachmentBytes) {
      return NodeError(
          absl::StatusCode::kResourceExhausted,
          absl::StrCat("los adjuntos suman más de ", kMaxAttachmentBytes,
                       " bytes: un mensaje lleva como mucho eso (envíe varios mensajes)"),
          absl::StrCat("the attachments add up to more than ", kMaxAttachmentBytes,
                       " bytes, the most one message carries (send several messages)"));
    }
  }
  return absl::OkStatus();
}

uint64_t ReadBigEndian(absl::string_view bytes) {
  uint64_t value = 0;
  for (char c : bytes) value = value << 8 | static_cast<uint8_t>(c);
  return value;
}

// Takes `n` bytes off the front of `rest` into `out`; false if fewer remain.
bool Take(absl::string_view& rest, size_t n, absl::string_view* out) {
  if (rest.size() < n) return false;
  *out = rest.substr(0, n);
  rest.remove_prefix(n);
  return true;
}

}  // namespace

std::vector<const v1::Attachment*> AttachmentRefs(const v1::Content& content) {
  std::vector<const v1::Attachment*> refs;
  CollectRefs(content, &refs);
  return refs;
}

absl::Status CheckAttachmentBody(const v1::Attachment& ref, size_t index, absl::string_view body) {
  const std::string which = absl::StrCat(index + 1, " («", ref.name(), "»)");
  const std::string which_en = absl::StrCat(index + 1, " (\"", ref.name(), "\")");
  if (body.size() != ref.size_bytes()) {
    return Invalid(absl::StrCat("el adjunto ", which, " tiene ", body.size(),
                                " bytes; el contenido dice ", ref.size_bytes()),
                   absl::StrCat("attachment ", which_en, " has ", body.size(),
                                " bytes; the content says ", ref.size_bytes()));
  }
  ASSIGN_OR_RETURN(Sha256Digest digest, Sha256(body));
  const std::string actual = HexEncode(DigestBytes(digest));
  if (actual != ref.sha256()) {
    return Invalid(absl::StrCat("el SHA-256 del adjunto ", which, " es ", actual,
                                "; el contenido dice ", ref.sha256()),
                   absl::StrCat("the SHA-256 of attachment ", which_en, " is ", actual,
                                "; the content says ", ref.sha256()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> PackPlaintext(const v1::Content& content,
                                          absl::Span<const Bytes> bodies) {
  const std::vector<const v1::Attachment*> refs = AttachmentRefs(content);
  if (bodies.size() != refs.size()) {
    return Invalid(absl::StrCat("el contenido enumera ", refs.size(), " adjuntos y se dieron ",
                                bodies.size(), " archivos (--attach)"),
                   absl::StrCat("the content lists ", refs.size(), " attachments and ",
                                bodies.size(), " files were given (--attach)"));
  }
  std::string serialized = domain::ContentToBinary(content);
  if (refs.empty()) return serialized;
  RETURN_IF_ERROR(CheckTotal(refs));
  size_t size = sizeof(kContainerMarker) + 4 + serialized.size() + 4;
  for (size_t i = 0; i < refs.size(); ++i) {
    RETURN_IF_ERROR(CheckAttachmentBody(*refs[i], i, bodies[i]));
    size += 8 + bodies[i].size();
  }
  std::string plaintext;
  plaintext.reserve(size);
  plaintext.append(kContainerMarker, sizeof(kContainerMarker));
  AppendLengthPrefixed(serialized, &plaintext);
  AppendUint32(static_cast<uint32_t>(bodies.size()), &plaintext);
  for (const Bytes& body : bodies) {
    AppendUint64(body.size(), &plaintext);
    plaintext.append(body);
  }
  return plaintext;
}

absl::StatusOr<UnpackedPlaintext> UnpackPlaintext(absl::string_view plaintext) {
  UnpackedPlaintext unpacked;
  if (plaintext.empty() || plaintext[0] != '\0') {
    ASSIGN_OR_RETURN(unpacked.content, domain::ContentFromBinary(plaintext));
    if (!AttachmentRefs(unpacked.content).empty()) {
      return absl::InvalidArgumentError(
          "the content lists attachments but the payload carries none of their bytes");
    }
    return unpacked;
  }
  absl::string_view rest = plaintext;
  absl::string_view marker, field, content;
  if (!Take(rest, sizeof(kContainerMarker), &marker) ||
      marker != absl::string_view(kContainerMarker, sizeof(kContainerMarker))) {
    return absl::InvalidArgumentError(
        "the payload starts with 0x00 but is not an attachment container of version 1 (0x00 "
        "0x01)");
  }
  if (!Take(rest, 4, &field) || !Take(rest, ReadBigEndian(field), &content)) {
    return absl::InvalidArgumentError("the attachment container's content is cut short");
  }
  ASSIGN_OR_RETURN(unpacked.content, domain::ContentFromBinary(content));
  const std::vector<const v1::Attachment*> refs = AttachmentRefs(unpacked.content);
  if (refs.empty()) {
    return absl::InvalidArgumentError(
        "an attachment container whose content lists no attachment (it must be sent as a "
        "plain content)");
  }
  RETURN_IF_ERROR(CheckTotal(refs));
  if (!Take(rest, 4, &field) || ReadBigEndian(field) != refs.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the attachment container does not carry one body per attachment listed (",
                     refs.size(), ")"));
  }
  for (size_t i = 0; i < refs.size(); ++i) {
    absl::string_view body;
    if (!Take(rest, 8, &field) || !Take(rest, ReadBigEndian(field), &body)) {
      return absl::InvalidArgumentError(
          absl::StrCat("attachment ", i + 1, " of the container is cut short"));
    }
    RETURN_IF_ERROR(CheckAttachmentBody(*refs[i], i, body));
    unpacked.bodies.push_back(body);
  }
  if (!rest.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(rest.size(), " bytes follow the attachment container's last body"));
  }
  return unpacked;
}

}  // namespace enlace::node
