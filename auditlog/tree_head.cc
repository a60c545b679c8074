#include "auditlog/tree_head.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/bytes.h"
#include "base/status_macros.h"

namespace enlace::auditlog {
namespace {

Bytes BigEndian64(uint64_t v) {
  Bytes out;
  AppendUint64(v, &out);
  return out;
}

absl::Status CheckShape(const TreeHead& head) {
  if (head.timestamp_ms < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("tree head timestamp must not be negative, got ", head.timestamp_ms));
  }
  if (head.log_id.size() != kKeyIdSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("tree head log id must be ", kKeyIdSize, " bytes, got ", head.log_id.size()));
  }
  if (head.signature.size() != kSignatureSize) {
    return absl::InvalidArgumentError(absl::StrCat("tree head signature must be ", kSignatureSize,
                                                   " bytes, got ", head.signature.size()));
  }
  return absl::OkStatus();
}

}  // namespace

Bytes TreeHeadSigningInput(const TreeHead& head) {
  const Bytes size = BigEndian64(head.tree_size);
  const Bytes timestamp = BigEndian64(static_cast<uint64_t>(head.timestamp_ms));
  return SigningInput(kTreeHeadDomain, {size, HashView(head.root_hash), timestamp, head.log_id});
}

absl::StatusOr<TreeHead> SignTreeHead(uint64_t tree_size, const Hash& root_hash, absl::Time time,
                                      const Ed25519PrivateKey& log_key) {
  TreeHead head;
  head.tree_size = tree_size;
  head.root_hash = root_hash;
  head.timestamp_ms = absl::ToUnixMillis(time);
  if (head.timestamp_ms < 0) {
    return absl::InvalidArgumentError("cannot sign a tree head dated before 1970");
  }
  head.log_id = log_key.public_key().KeyId();
  ASSIGN_OR_RETURN(head.signature, log_key.Sign(TreeHeadSigningInput(head)));
  return head;
}

absl::Status VerifyTreeHeadSignature(const TreeHead& head, const Ed25519PublicKey& log_key) {
  RETURN_IF_ERROR(CheckShape(head));
  if (head.log_id != log_key.KeyId()) {
    return absl::InvalidArgumentError(
        absl::StrCat("tree head of size ", head.tree_size, " names log ", HexEncode(head.log_id),
                     " but the log key's id is ", HexEncode(log_key.KeyId())));
  }
  absl::Status status = log_key.Verify(TreeHeadSigningInput(head), head.signature);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("tree head of size ", head.tree_size,
                                                   ": signature does not verify (",
                                                   status.message(), ")"));
  }
  return absl::OkStatus();
}

Bytes EncodeTreeHead(const TreeHead& head) {
  Bytes out;
  out.reserve(kEncodedTreeHeadSize);
  AppendUint64(head.tree_size, &out);
  out.append(reinterpret_cast<const char*>(head.root_hash.data()), kHashSize);
  AppendUint64(static_cast<uint64_t>(head.timestamp_ms), &out);
  out.append(head.log_id);
  out.append(head.signature);
  return out;
}

absl::StatusOr<TreeHead> DecodeTreeHead(absl::string_view bytes) {
  if (bytes.size() != kEncodedTreeHeadSize) {
    return absl::InvalidArgumentError(absl::StrCat("an encoded tree head is ", kEncodedTreeHeadSize,
                                                   " bytes, got ", bytes.size()));
  }
  ByteReader reader(bytes);
  TreeHead head;
  uint64_t timestamp = 0;
  absl::string_view root, log_id, signature;
  // The size check above guarantees every read succeeds.
  reader.ReadUint64(&head.tree_size);
  reader.ReadBytes(kHashSize, &root);
  reader.ReadUint64(&timestamp);
  reader.ReadBytes(kKeyIdSize, &log_id);
  reader.ReadBytes(kSignatureSize, &signature);
  std::memcpy(head.root_hash.data(), root.data(), kHashSize);
  head.timestamp_ms = static_cast<int64_t>(timestamp);
  head.log_id = Bytes(log_id);
  head.signature = Bytes(signature);
  RETURN_IF_ERROR(CheckShape(head));
  return head;
}

v1::TreeHead ToProto(const TreeHead& head) {
  v1::TreeHead proto;
  proto.set_tree_size(head.tree_size);
  proto.set_root_hash(Bytes(HashView(head.root_hash)));
  proto.set_timestamp_ms(head.timestamp_ms);
  proto.set_log_id(head.log_id);
  proto.set_signature(head.signature);
  return proto;
}

absl::StatusOr<TreeHead> FromProto(const v1::TreeHead& proto) {
  TreeHead head;
  head.tree_size = proto.tree_size();
  ASSIGN_OR_RETURN(head.root_hash, HashFromBytes(proto.root_hash(), "tree head root hash"));
  head.timestamp_ms = proto.timestamp_ms();
  head.log_id = proto.log_id();
  head.signature = proto.signature();
  RETURN_IF_ERROR(CheckShape(head));
  return head;
}

}  // namespace enlace::auditlog
