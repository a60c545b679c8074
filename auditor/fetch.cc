#include "auditor/fetch.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "auditlog/verifier.h"
#include "auditor/export.h"
#include "auditor/verify.h"
#include "base/files.h"
#include "base/status_macros.h"
#include "net/status.h"

namespace enlace::auditor {
namespace {

using auditlog::Hash;
using auditlog::HashView;
using auditlog::TreeHead;

std::unique_ptr<grpc::ClientContext> Context(const FetchOptions& options) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        absl::ToChronoMilliseconds(options.rpc_timeout));
  return context;
}

// A gRPC failure, saying which call failed.
absl::Status CallFailed(absl::string_view call, const grpc::Status& status) {
  absl::Status s = FromGrpcStatus(status);
  return absl::Status(s.code(),
                      absl::StrCat("the hub refused or failed ", call, ": ", s.message()));
}

std::string Describe(const TreeHead& head) {
  return absl::StrCat("size ", head.tree_size, ", root ", HexEncode(HashView(head.root_hash)),
                      ", signed at ", head.timestamp_ms, " ms");
}

// Resolves which key this directory trusts, pinning it on the first fetch.
absl::StatusOr<Ed25519PublicKey> PinnedKey(const std::optional<Ed25519PublicKey>& local,
                                           const Ed25519PublicKey& hub_key,
                                           const FetchOptions& options, absl::string_view dir,
                                           FetchResult* result) {
  if (options.log_key.has_value() && *options.log_key != hub_key) {
    return absl::DataLossError(absl::StrCat("the hub signs with log key ",
                                            HexEncode(hub_key.KeyId()), ", not with the given key ",
                                            HexEncode(options.log_key->KeyId())));
  }
  if (local.has_value()) {
    if (*local != hub_key) {
      return absl::DataLossError(
          absl::StrCat("the hub signs with log key ", HexEncode(hub_key.KeyId()),
                       ", not with the key this export pinned (", HexEncode(local->KeyId()), ")"));
    }
    return *local;
  }
  if (!options.log_key.has_value() && !options.trust_on_first_use) {
    return absl::FailedPreconditionError(
        absl::StrCat("first fetch into ", dir,
                     ": give the log key the operator published (--log-key), or "
                     "accept the hub's key ",
                     HexEncode(hub_key.KeyId()), " with --trust-hub-key"));
  }
  RETURN_IF_ERROR(WriteLogKey(dir, hub_key));
  result->pinned_key = true;
  return hub_key;
}

}  // namespace

absl::StatusOr<FetchResult> Fetch(v1::AuditLog::StubInterface* stub, absl::string_view dir,
                                  const FetchOptions& options) {
  if (options.page_size == 0) return absl::InvalidArgumentError("page size must be positive");
  RETURN_IF_ERROR(MakeDirectories(dir, 0750));
  FetchResult result;

  // 1. What the directory already holds.
  ASSIGN_OR_RETURN(std::optional<Ed25519PublicKey> local_key, ReadLogKey(dir));
  ASSIGN_OR_RETURN(std::vector<TreeHead> heads, ReadTreeHeads(dir));
  VerifyResult local;
  if (local_key.has_value()) {
    ASSIGN_OR_RETURN(local, VerifyExport(dir));
    if (local.divergence.has_value()) {
      const bool in_tail = local.divergence->entry_index.has_value() &&
                           *local.divergence->entry_index >= local.saved_size;
      if (!in_tail) {
        return absl::FailedPreconditionError(absl::StrCat(
            "the export in ", dir,
            " does not verify, so nothing is added to it: ", local.divergence->ToString()));
      }
      // An interrupted fetch left a damaged, unsigned tail: start again from the last head.
      result.dropped_tail = local.entries - local.covered_entries;
      local.entries = local.covered_entries;
      local.read_bytes = local.covered_bytes;
      local.read_range = local.covered_range;
    }
  } else if (!heads.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir, " holds tree heads but no log.json: not an export this tool wrote"));
  }

  // 2. The log key.
  v1::LogInfo info;
  grpc::Status status = stub->GetLogInfo(Context(options).get(), {}, &info);
  if (!status.ok()) return CallFailed("GetLogInfo", status);
  absl::StatusOr<Ed25519PublicKey> hub_key = Ed25519PublicKey::FromRaw(info.public_key());
  if (!hub_key.ok()) {
    return absl::DataLossError(
        absl::StrCat("the hub's log public key is malformed: ", hub_key.status().message()));
  }
  ASSIGN_OR_RETURN(Ed25519PublicKey key, PinnedKey(local_key, *hub_key, options, dir, &result));
  result.log_id = key.KeyId();

  // 3. The hub's latest head, and its consistency with the latest saved one.
  v1::TreeHead head_proto;
  status = stub->GetTreeHead(Context(options).get(), {}, &head_proto);
  if (!status.ok()) return CallFailed("GetTreeHead", status);
  absl::StatusOr<TreeHead> head = auditlog::FromProto(head_proto);
  if (!head.ok()) {
    return absl::DataLossError(
        absl::StrCat("the hub's latest tree head is malformed: ", head.status().message()));
  }
  TreeHead trusted;
  trusted.root_hash = auditlog::EmptyRoot();
  if (local.latest_head.has_value()) trusted = *local.latest_head;
  std::vector<std::string> proof;
  if (trusted.tree_size > 0 && head->tree_size > trusted.tree_size) {
    v1::GetConsistencyProofRequest request;
    request.set_first_size(trusted.tree_size);
    request.set_second_size(head->tree_size);
    v1::ConsistencyProof response;
    status = stub->GetConsistencyProof(Context(options).get(), request, &response);
    if (!status.ok()) return CallFailed("GetConsistencyProof", status);
    proof.assign(response.proof().begin(), response.proof().end());
  }
  absl::Status consistent = auditlog::VerifyTreeHeadUpdate(trusted, *head, proof, key);
  if (!consistent.ok()) {
    return absl::DataLossError(absl::StrCat("the hub's latest tree head (", Describe(*head),
                                            ") does not extend the one this export saved (",
                                            Describe(trusted), "): ", consistent.message(),
                                            ". Nothing was saved."));
  }
  result.head = *head;
  result.entries_before = local.entries;
  if (head->tree_size == trusted.tree_size && local.latest_head.has_value()) {
    return result;  // nothing new (an unverified tail, if any, waits for a larger head)
  }

  // 4. The missing entries. A tail longer than the new head cannot be the hub's: drop it.
  if (local.entries > head->tree_size) {
    result.dropped_tail += local.entries - local.covered_entries;
    local.entries = local.covered_entries;
    local.read_bytes = local.covered_bytes;
    local.read_range = local.covered_range;
  }
  ASSIGN_OR_RETURN(EntryWriter writer, EntryWriter::Open(dir, local.entries, local.read_bytes));
  ASSIGN_OR_RETURN(auditlog::MerkleHasher hasher, auditlog::MerkleHasher::Create());
  auditlog::CompactRange range = local.read_range;
  v1::ListEntriesRequest request;
  request.set_max_entries(options.page_size);
  while (range.size() < head->tree_size) {
    request.set_start_index(range.size());
    v1::ListEntriesResponse page;
    status = stub->ListEntries(Context(options).get(), request, &page);
    if (!status.ok()) {
      RETURN_IF_ERROR(writer.Sync());  // keep what arrived: the next fetch resumes from it
      return CallFailed("ListEntries", status);
    }
    if (page.entries().empty()) {
      RETURN_IF_ERROR(writer.Sync());
      return absl::UnavailableError(absl::StrCat("the hub returned no entries from index ",
                                                 range.size(), " although its head covers ",
                                                 head->tree_size));
    }
    for (const v1::LogEntry& entry : page.entries()) {
      if (range.size() == head->tree_size) break;  // the hub signed more meanwhile
      if (entry.index() != range.size()) {
        return absl::DataLossError(absl::StrCat(
            "the hub returned entry ", entry.index(), " where entry ", range.size(),
            " was due (only auditors see every entry: is this an auditor's certificate?)"));
      }
      ASSIGN_OR_RETURN(Hash leaf_hash, hasher.HashLeaf(entry.leaf()));
      RETURN_IF_ERROR(writer.Append(entry.leaf(), leaf_hash));
      RETURN_IF_ERROR(range.Append(leaf_hash, hasher));
      ++result.entries_fetched;
    }
  }
  // Durable before the head that covers them is saved (step 5); unsynced pages lost in a crash
  // are only an unverified tail that the next fetch truncates or completes.
  RETURN_IF_ERROR(writer.Sync());

  // 5. Save the head only if the entries produce its root.
  ASSIGN_OR_RETURN(Hash root, range.Root(hasher));
  if (root != head->root_hash) {
    { EntryWriter closed = std::move(writer); }  // close before truncating
    ASSIGN_OR_RETURN(EntryWriter truncated,
                     EntryWriter::Open(dir, local.covered_entries, local.covered_bytes));
    RETURN_IF_ERROR(truncated.Sync());
    return absl::DataLossError(
        absl::StrCat("entries ", local.covered_entries, "..", head->tree_size - 1,
                     " as served by the hub do not produce the root of its signed head of size ",
                     head->tree_size, " (expected ", HexEncode(HashView(head->root_hash)),
                     ", found ", HexEncode(HashView(root)), "); they were not kept"));
  }
  heads.push_back(*head);
  RETURN_IF_ERROR(WriteTreeHeads(dir, heads));
  result.new_head = true;
  return result;
}

}  // namespace enlace::auditor
