// Attachments travel with their message: a content lists each file by reference (name, media
// type, size, SHA-256: domain_common.proto's Attachment), and the sealed plaintext carries the
// bytes (docs/protocol.md §15, "Node"):
//
//   plaintext = serialized Content                                  (no attachment listed)
//             | 0x00 0x01 || uint32be(len(content)) || content       (one or more)
//                         || uint32be(n) || n × (uint64be(len(body)) || body)
//
// 0x00 never starts a serialized Content (field number 0 does not exist), so a reader tells the
// two forms apart by the first byte. The bodies follow the content's references in their order
// (AttachmentRefs): depth first through the content's fields by field number, repeated fields
// element by element. Every body must have its reference's size and SHA-256.
//
// A node holds one such message in memory while it seals, submits or opens it (the files, the
// plaintext, the padded and sealed payload, the envelope: up to about four copies at the peak),
// so it sends and accepts at most kMaxAttachmentBytes of attachments per message. Pure
// functions; thread-safe.
#ifndef ENLACE_NODE_ATTACHMENTS_H_
#define ENLACE_NODE_ATTACHMENTS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "base/bytes.h"
#include "enlace/v1/domain_content.pb.h"

namespace enlace::node {

// The most attachment bytes one message carries, all attachments together.
inline constexpr uint64_t kMaxAttachmentBytes = uint64_t{32} << 20;

// The content's attachment references, in container order. The pointers point into `content`.
std::vector<const v1::Attachment*> AttachmentRefs(const v1::Content& content);

// OK iff `body` has the size and SHA-256 that `ref` (attachment `index`, 0-based) gives;
// INVALID_ARGUMENT naming the attachment and what differs otherwise (bilingual, node/text.h).
absl::Status CheckAttachmentBody(const v1::Attachment& ref, size_t index, absl::string_view body);

// The plaintext to seal for `content` with `bodies` (one per reference, in order, each checked
// with CheckAttachmentBody; at most kMaxAttachmentBytes together). INVALID_ARGUMENT otherwise.
absl::StatusOr<std::string> PackPlaintext(const v1::Content& content,
                                          absl::Span<const Bytes> bodies);

struct UnpackedPlaintext {
  v1::Content content;
  std::vector<absl::string_view> bodies;  // views into the plaintext given to UnpackPlaintext
};

// Reads a decrypted payload (either form), bounded: the content as domain::ContentFromBinary
// parses it, then exactly one body per reference, each checked with CheckAttachmentBody, and
// nothing after the last. INVALID_ARGUMENT saying what is wrong and where.
absl::StatusOr<UnpackedPlaintext> UnpackPlaintext(absl::string_view plaintext);

}  // namespace enlace::node

#endif  // ENLACE_NODE_ATTACHMENTS_H_
