// `enlace-audit fetch`: brings an export directory (auditor/export.h) up to the hub's latest
// signed tree head, resumably, and never saves anything the hub cannot prove:
//
//  1. the local export is verified first (VerifyExport); an unverified tail left by an
//     interrupted fetch is kept if intact and dropped if damaged; damage to anything a saved
//     head covers stops the fetch (FAILED_PRECONDITION);
//  2. the hub's log key must be the pinned one (the first fetch pins the key given by the
//     operator, or the hub's own with trust_on_first_use);
//  3. the hub's latest head must verify and be consistent with the latest saved head (RFC 9162
//     consistency proof, auditlog::VerifyTreeHeadUpdate): a fork, a shrunken log or a bad proof
//     is DATA_LOSS and nothing is saved;
//  4. the missing entries are fetched page by page and appended with their leaf hashes;
//  5. only if the root recomputed from all entries equals the new head's root is the head
//     saved; otherwise the new entries are dropped again (DATA_LOSS).
#ifndef ENLACE_AUDITOR_FETCH_H_
#define ENLACE_AUDITOR_FETCH_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "auditlog/tree_head.h"
#include "crypto/signing.h"
#include "enlace/v1/auditlog_service.grpc.pb.h"

namespace enlace::auditor {

struct FetchOptions {
  // The log key the operator published. Required for the first fetch into a directory unless
  // trust_on_first_use; later fetches check it against the pinned key if given.
  std::optional<Ed25519PublicKey> log_key;
  // First fetch only: pin whatever key the hub presents (its id is reported: compare it with
  // the operator's).
  bool trust_on_first_use = false;
  uint32_t page_size = 1000;
  absl::Duration rpc_timeout = absl::Seconds(30);
};

struct FetchResult {
  uint64_t entries_before = 0;   // entries kept from the directory
  uint64_t entries_fetched = 0;  // entries added by this fetch
  uint64_t dropped_tail = 0;     // unverified entries of an interrupted fetch that were dropped
  bool pinned_key = false;       // this fetch pinned the log key (first fetch)
  bool new_head = false;         // a new head was saved
  auditlog::TreeHead head;       // the latest saved head
  Bytes log_id;
};

// `stub` (not owned) is a channel to the hub as an auditor; `dir` is created if missing.
absl::StatusOr<FetchResult> Fetch(v1::AuditLog::StubInterface* stub, absl::string_view dir,
                                  const FetchOptions& options);

}  // namespace enlace::auditor

#endif  // ENLACE_AUDITOR_FETCH_H_
