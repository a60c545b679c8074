// Signed tree heads: the log's signed commitment to its first tree_size entries.
//
// Signed bytes (docs/audit-log.md, "Tree heads"):
//   SigningInput("enlace.v1.TreeHead", {u64be(tree_size), root_hash, u64be(timestamp_ms), log_id})
// with crypto/signing.h's SigningInput, Ed25519 by the log key; log_id is that key's KeyId().
// Stored and exported in the fixed 128-byte form of EncodeTreeHead.
#ifndef ENLACE_AUDITLOG_TREE_HEAD_H_
#define ENLACE_AUDITLOG_TREE_HEAD_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "auditlog/merkle.h"
#include "base/bytes.h"
#include "crypto/signing.h"
#include "enlace/v1/audit.pb.h"

namespace enlace::auditlog {

inline constexpr absl::string_view kTreeHeadDomain = "enlace.v1.TreeHead";
inline constexpr size_t kSignatureSize = 64;
inline constexpr size_t kEncodedTreeHeadSize = 8 + kHashSize + 8 + kKeyIdSize + kSignatureSize;

struct TreeHead {
  uint64_t tree_size = 0;
  Hash root_hash{};
  int64_t timestamp_ms = 0;  // UTC milliseconds since the Unix epoch
  Bytes log_id;              // kKeyIdSize bytes
  Bytes signature;           // kSignatureSize bytes

  friend bool operator==(const TreeHead& a, const TreeHead& b) {
    return a.tree_size == b.tree_size && a.root_hash == b.root_hash &&
           a.timestamp_ms == b.timestamp_ms && a.log_id == b.log_id && a.signature == b.signature;
  }
  friend bool operator!=(const TreeHead& a, const TreeHead& b) { return !(a == b); }
};

// The bytes the signature covers.
Bytes TreeHeadSigningInput(const TreeHead& head);

// A head for (tree_size, root_hash) at `time` (truncated to milliseconds), signed by `log_key`.
absl::StatusOr<TreeHead> SignTreeHead(uint64_t tree_size, const Hash& root_hash, absl::Time time,
                                      const Ed25519PrivateKey& log_key);

// OK only if `head` names `log_key` (log_id) and its signature verifies.
absl::Status VerifyTreeHeadSignature(const TreeHead& head, const Ed25519PublicKey& log_key);

// Fixed-size binary form: u64be tree_size || root_hash || u64be timestamp_ms || log_id ||
// signature (kEncodedTreeHeadSize bytes).
Bytes EncodeTreeHead(const TreeHead& head);
absl::StatusOr<TreeHead> DecodeTreeHead(absl::string_view bytes);

v1::TreeHead ToProto(const TreeHead& head);
// Checks every length (root 32, log id 16, signature 64) and a non-negative timestamp.
absl::StatusOr<TreeHead> FromProto(const v1::TreeHead& proto);

}  // namespace enlace::auditlog

#endif  // ENLACE_AUDITLOG_TREE_HEAD_H_
