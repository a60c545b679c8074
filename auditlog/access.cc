#include "auditlog/access.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "auditlog/event.h"
#include "base/status_macros.h"

namespace enlace::auditlog {
namespace {

void AddHashes(const std::vector<Hash>& hashes,
               google::protobuf::RepeatedPtrField<std::string>* out) {
  for (const Hash& h : hashes) out->Add(std::string(HashView(h)));
}

}  // namespace

EntryAccess EntryAccessFor(Role role) {
  return role == Role::kAuditor ? EntryAccess::kAll : EntryAccess::kOwnEntries;
}

absl::StatusOr<TreeHead> AuditLogAccess::SignedHead(uint64_t tree_size) const {
  if (tree_size == 0) return log_->LatestTreeHead();
  absl::StatusOr<TreeHead> head = log_->GetTreeHead(tree_size);
  if (absl::IsNotFound(head.status())) {
    return absl::NotFoundError(absl::StrCat("no signed tree head at size ", tree_size,
                                            "; ask for a size the log has signed (or 0 for "
                                            "the latest)"));
  }
  return head;
}

absl::StatusOr<v1::LogInfo> AuditLogAccess::GetLogInfo(const ParticipantId& caller,
                                                       const v1::GetLogInfoRequest&) const {
  v1::LogInfo info;
  info.set_log_id(log_->public_key().KeyId());
  info.set_public_key(log_->public_key().raw());
  info.set_max_merge_delay_ms(absl::ToInt64Milliseconds(log_->options().max_merge_delay));
  return info;
}

absl::StatusOr<v1::TreeHead> AuditLogAccess::GetTreeHead(
    const ParticipantId& caller, const v1::GetTreeHeadRequest& request) const {
  ASSIGN_OR_RETURN(TreeHead head, SignedHead(request.tree_size()));
  return ToProto(head);
}

absl::StatusOr<v1::InclusionProof> AuditLogAccess::GetInclusionProof(
    const ParticipantId& caller, const v1::GetInclusionProofRequest& request) const {
  ASSIGN_OR_RETURN(TreeHead head, SignedHead(request.tree_size()));
  if (request.leaf_index() >= head.tree_size) {
    return absl::InvalidArgumentError(absl::StrCat("leaf index ", request.leaf_index(),
                                                   " is not in the signed tree of size ",
                                                   head.tree_size));
  }
  ASSIGN_OR_RETURN(std::vector<Hash> path,
                   log_->InclusionProof(request.leaf_index(), head.tree_size));
  ASSIGN_OR_RETURN(Hash leaf_hash, log_->LeafHash(request.leaf_index()));
  v1::InclusionProof proof;
  proof.set_leaf_index(request.leaf_index());
  proof.set_tree_size(head.tree_size);
  AddHashes(path, proof.mutable_audit_path());
  *proof.mutable_tree_head() = ToProto(head);
  proof.set_leaf_hash(std::string(HashView(leaf_hash)));
  return proof;
}

absl::StatusOr<v1::ConsistencyProof> AuditLogAccess::GetConsistencyProof(
    const ParticipantId& caller, const v1::GetConsistencyProofRequest& request) const {
  ASSIGN_OR_RETURN(TreeHead head, SignedHead(request.second_size()));
  if (request.first_size() == 0 || request.first_size() > head.tree_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("first_size must be between 1 and the second size (", head.tree_size,
                     "), got ", request.first_size()));
  }
  ASSIGN_OR_RETURN(std::vector<Hash> path,
                   log_->ConsistencyProof(request.first_size(), head.tree_size));
  v1::ConsistencyProof proof;
  proof.set_first_size(request.first_size());
  proof.set_second_size(head.tree_size);
  AddHashes(path, proof.mutable_proof());
  *proof.mutable_second_tree_head() = ToProto(head);
  return proof;
}

absl::StatusOr<v1::ListEntriesResponse> AuditLogAccess::ListEntries(
    const ParticipantId& caller, const v1::ListEntriesRequest& request) const {
  absl::StatusOr<TreeHead> head = log_->LatestTreeHead();
  if (!head.ok() && !absl::IsNotFound(head.status())) return head.status();
  const uint64_t published = head.ok() ? head->tree_size : 0;
  if (request.start_index() > published) {
    return absl::OutOfRangeError(absl::StrCat("start_index ", request.start_index(),
                                              " is beyond the latest signed tree head (size ",
                                              published, ")"));
  }
  const uint64_t page =
      request.max_entries() == 0 ? log_->options().max_entries_per_read : request.max_entries();
  ASSIGN_OR_RETURN(std::vector<Bytes> leaves,
                   log_->ReadEntries(request.start_index(), page, published));
  const bool all = EntryAccessFor(caller.role()) == EntryAccess::kAll;
  v1::ListEntriesResponse response;
  for (size_t i = 0; i < leaves.size(); ++i) {
    const uint64_t index = request.start_index() + i;
    if (!all) {
      absl::StatusOr<v1::AuditEvent> event = DecodeLeaf(leaves[i]);
      if (!event.ok()) {
        return absl::DataLossError(absl::StrCat("audit log entry ", index,
                                                " does not decode: ", event.status().message()));
      }
      if (!IsPartyTo(*event, caller.str())) continue;
    }
    v1::LogEntry* entry = response.add_entries();
    entry->set_index(index);
    entry->set_leaf(std::move(leaves[i]));
  }
  response.set_next_index(request.start_index() + leaves.size());
  response.set_tree_size(published);
  return response;
}

}  // namespace enlace::auditlog
