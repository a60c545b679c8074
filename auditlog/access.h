// The AuditLog service's logic without gRPC: given who is calling (an authenticated, admitted
// participant) and a request, the answer or the refusal.
//
// Access (docs/audit-log.md, "Access"):
// - auditors (auditor/<name>) read everything, every entry;
// - every other participant (node, admin, observer, hub) reads the log info, tree heads and
//   proofs, and only the entries it is a party to (actor, subject, sender or a recipient);
// - a caller that could not be identified never gets here: the service refuses it first.
// Reads never go past the latest signed tree head: unsigned entries are not published yet.
//
// Thread-safe (the log's readers are).
#ifndef ENLACE_AUDITLOG_ACCESS_H_
#define ENLACE_AUDITLOG_ACCESS_H_

#include "absl/status/statusor.h"
#include "auditlog/log.h"
#include "enlace/v1/auditlog_service.pb.h"
#include "identity/participant.h"

namespace enlace::auditlog {

enum class EntryAccess {
  kAll,        // every entry
  kOwnEntries  // the entries the caller is a party to
};

// The one place where a role becomes an access level.
EntryAccess EntryAccessFor(Role role);

class AuditLogAccess {
 public:
  // `log` is not owned and must outlive this object.
  explicit AuditLogAccess(const AuditLog* log) : log_(log) {}

  absl::StatusOr<v1::LogInfo> GetLogInfo(const ParticipantId& caller,
                                         const v1::GetLogInfoRequest& request) const;
  // NOT_FOUND if no head exists (yet, or at that size).
  absl::StatusOr<v1::TreeHead> GetTreeHead(const ParticipantId& caller,
                                           const v1::GetTreeHeadRequest& request) const;
  // INVALID_ARGUMENT for an index outside the tree; NOT_FOUND for a size without a signed head.
  absl::StatusOr<v1::InclusionProof> GetInclusionProof(
      const ParticipantId& caller, const v1::GetInclusionProofRequest& request) const;
  // INVALID_ARGUMENT unless 1 <= first_size <= second_size; NOT_FOUND for a second size
  // without a signed head.
  absl::StatusOr<v1::ConsistencyProof> GetConsistencyProof(
      const ParticipantId& caller, const v1::GetConsistencyProofRequest& request) const;
  // OUT_OF_RANGE if start_index is beyond the latest signed head.
  absl::StatusOr<v1::ListEntriesResponse> ListEntries(const ParticipantId& caller,
                                                      const v1::ListEntriesRequest& request) const;

 private:
  // The head a request names: the latest for 0, else the one issued at `tree_size`.
  absl::StatusOr<TreeHead> SignedHead(uint64_t tree_size) const;

  const AuditLog* const log_;
};

}  // namespace enlace::auditlog

#endif  // ENLACE_AUDITLOG_ACCESS_H_
