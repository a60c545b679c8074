// The audit log: an RFC 9162 Merkle tree kept in column families of the caller's RocksDB.
//
// The caller (the hub) owns the database. It opens it with AuditLogColumnFamilies() among its
// own column families, hands the handles over, and appends events INSIDE its own WriteBatch, so
// that a mailbox entry, a message's state and the audit leaf that records them commit together:
//
//   rocksdb::WriteBatch batch;
//   ... caller's own Puts ...
//   ASSIGN_OR_RETURN(PendingAppend pending, log->PrepareAppend(events, &batch));
//   rocksdb::Status s = db->Write(sync_options, &batch);
//   if (s.ok()) { RETURN_IF_ERROR(log->CommitAppend(pending)); }
//   else        { log->AbandonAppend(pending); }
//
// The in-memory tree (its compact range) only advances in CommitAppend, which first checks that
// the batch really reached the database, so memory never runs ahead of disk. A crash between
// Write and CommitAppend is harmless: Open() rebuilds the range from what was written.
//
// Storage (docs/audit-log.md, "Storage"), all keys big-endian:
//   log_leaves  u64 index                 -> canonical leaf bytes (auditlog/event.h)
//   log_nodes   u64 last leaf || u8 level -> 32-byte hash of perfect subtree (level, index),
//                                            whose last leaf is (index + 1) * 2^level - 1
//   tree_heads  u64 tree_size             -> 128-byte signed tree head (auditlog/tree_head.h)
//   log_meta    "size"                    -> u64 number of committed entries
//               "log_id"                  -> key id of the log key that signs the heads
// An append writes the leaf, its hash and the perfect nodes it completes (O(log n), 2 on
// average); a proof reads O(log n) nodes; Open() reads the size, the popcount(size) border
// nodes and the latest head, however long the log.
//
// Threads: appends (Prepare/Commit/Abandon) come from one writer thread. Everything else
// (tree heads, proofs, entries, MaybeIssueTreeHead) may be called from any thread.
#ifndef ENLACE_AUDITLOG_LOG_H_
#define ENLACE_AUDITLOG_LOG_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "auditlog/merkle.h"
#include "auditlog/tree_head.h"
#include "base/env.h"
#include "crypto/signing.h"
#include "enlace/v1/audit.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace enlace::auditlog {

inline constexpr char kLeavesColumnFamily[] = "log_leaves";
inline constexpr char kNodesColumnFamily[] = "log_nodes";
inline constexpr char kTreeHeadsColumnFamily[] = "tree_heads";
inline constexpr char kMetaColumnFamily[] = "log_meta";

// The column families the log needs, with their options: add them to the descriptors given to
// rocksdb::DB::Open (missing ones are created when `create_missing_column_families` is set).
std::vector<rocksdb::ColumnFamilyDescriptor> AuditLogColumnFamilies();

// The handles of those column families (owned by the caller, who must keep them and the DB
// open for the log's lifetime).
struct ColumnFamilies {
  rocksdb::ColumnFamilyHandle* leaves = nullptr;
  rocksdb::ColumnFamilyHandle* nodes = nullptr;
  rocksdb::ColumnFamilyHandle* tree_heads = nullptr;
  rocksdb::ColumnFamilyHandle* meta = nullptr;
};
// Picks the log's handles out of everything DB::Open returned, by name. NOT_FOUND if one is
// missing.
absl::StatusOr<ColumnFamilies> FindColumnFamilies(
    absl::Span<rocksdb::ColumnFamilyHandle* const> handles);

struct AuditLogOptions {
  // Drives tree-head timestamps and the merge delay. Not owned; must outlive the log.
  Clock* clock = Clock::Real();
  // Every committed entry is covered by a signed tree head within this delay, provided the
  // caller calls MaybeIssueTreeHead() at least every max_merge_delay / 2 (or at
  // NextTreeHeadDue()). A head is issued once the oldest uncovered entry has waited half of it,
  // so under steady load there are about two heads per max_merge_delay.
  absl::Duration max_merge_delay = absl::Seconds(1);
  // Tree heads are written with WriteOptions::sync (a head is a promise: it must survive).
  bool sync_tree_heads = true;
  // Upper bound of ReadEntries' count (and of one ListEntries page).
  uint32_t max_entries_per_read = 1000;
};

// One prepared, not yet committed append (see the class comment).
class PendingAppend {
 public:
  uint64_t first_index() const { return first_index_; }
  uint64_t count() const { return size_after_ - first_index_; }
  uint64_t size_after() const { return size_after_; }

 private:
  friend class AuditLog;
  uint64_t token_ = 0;
  uint64_t first_index_ = 0;
  uint64_t size_after_ = 0;
  CompactRange range_after_;
};

class AuditLog {
 public:
  // Opens the log stored in `cfs` of `db` (neither owned). A new log records the id of
  // `log_key`; an existing one must have been signed with the same key (FAILED_PRECONDITION
  // otherwise). DATA_LOSS if the stored tree is incomplete or its latest head does not match it.
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(rocksdb::DB* db, const ColumnFamilies& cfs,
                                                        Ed25519PrivateKey log_key,
                                                        const AuditLogOptions& options);

  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // --- Appending (single writer) ---

  // Encodes `events` (auditlog/event.h, refusing invalid ones with INVALID_ARGUMENT before
  // touching the batch) and adds their leaves, hashes and completed nodes plus the new size to
  // `batch`. Entries get indices first_index() ... size_after() - 1. Only one append may be
  // pending: FAILED_PRECONDITION if the previous one was neither committed nor abandoned.
  absl::StatusOr<PendingAppend> PrepareAppend(absl::Span<const v1::AuditEvent> events,
                                              rocksdb::WriteBatch* batch);
  // The same for leaves that are already encoded (they are checked with DecodeLeaf).
  absl::StatusOr<PendingAppend> PrepareAppendLeaves(absl::Span<const Bytes> leaves,
                                                    rocksdb::WriteBatch* batch);
  // Call after the batch was written. Checks that the database holds the new size (so a failed
  // or forgotten write is caught: FAILED_PRECONDITION, and the append is abandoned), then makes
  // the entries visible to readers and to tree-head issuing.
  absl::Status CommitAppend(const PendingAppend& pending);
  // Call when the batch was not written: the log forgets the pending append.
  void AbandonAppend(const PendingAppend& pending);
  // Convenience for callers without a batch of their own: prepare, write with `write_options`,
  // commit. Returns the index of the first event.
  absl::StatusOr<uint64_t> Append(absl::Span<const v1::AuditEvent> events,
                                  const rocksdb::WriteOptions& write_options);

  // --- Tree heads ---

  // Signs and stores a new head if entries are uncovered and the oldest has waited at least
  // max_merge_delay / 2 (see AuditLogOptions). Returns the new head, or nullopt if none was due.
  // FAILED_PRECONDITION if the clock is behind the latest head (heads never go back in time).
  absl::StatusOr<std::optional<TreeHead>> MaybeIssueTreeHead();
  // Signs and stores a head for everything committed now, whatever the delay (e.g. at
  // shutdown). Returns the latest head unchanged if it already covers every entry.
  absl::StatusOr<TreeHead> IssueTreeHead();
  // When MaybeIssueTreeHead() will next issue a head; nullopt if every entry is covered.
  std::optional<absl::Time> NextTreeHeadDue() const;

  // The latest signed head; NOT_FOUND before the first.
  absl::StatusOr<TreeHead> LatestTreeHead() const;
  // The head issued at exactly `tree_size`; NOT_FOUND if no head was issued at that size.
  absl::StatusOr<TreeHead> GetTreeHead(uint64_t tree_size) const;

  // --- Reading (any committed size; the service restricts callers to signed sizes) ---

  uint64_t size() const;
  const Ed25519PublicKey& public_key() const { return log_key_.public_key(); }
  const AuditLogOptions& options() const { return options_; }

  // MTH of the first `tree_size` entries. OUT_OF_RANGE beyond size().
  absl::StatusOr<Hash> RootAt(uint64_t tree_size) const;
  absl::StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t tree_size) const;
  absl::StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t first_size,
                                                     uint64_t second_size) const;
  // The hash stored for entry `index` (SHA-256(0x00 || leaf)).
  absl::StatusOr<Hash> LeafHash(uint64_t index) const;
  // Up to min(count, max_entries_per_read) leaves from `start`, stopping at `end` (exclusive,
  // at most size()). OUT_OF_RANGE if start > end.
  absl::StatusOr<std::vector<Bytes>> ReadEntries(uint64_t start, uint64_t count,
                                                 uint64_t end) const;

 private:
  class StoredNodes;

  AuditLog(rocksdb::DB* db, const ColumnFamilies& cfs, Ed25519PrivateKey log_key,
           const AuditLogOptions& options);
  absl::Status Load();
  absl::StatusOr<PendingAppend> PrepareHashed(absl::Span<const Bytes> leaves,
                                              rocksdb::WriteBatch* batch);
  absl::StatusOr<TreeHead> Issue() ABSL_EXCLUSIVE_LOCKS_REQUIRED(issue_mu_);
  absl::Status CheckReadableSize(uint64_t tree_size) const;

  rocksdb::DB* const db_;
  const ColumnFamilies cfs_;
  const Ed25519PrivateKey log_key_;
  const AuditLogOptions options_;
  std::unique_ptr<StoredNodes> nodes_;

  // Writer-thread state: the pending append and the hasher used to prepare it.
  absl::Mutex writer_mu_;
  std::optional<MerkleHasher> writer_hasher_ ABSL_GUARDED_BY(writer_mu_);
  uint64_t pending_token_ ABSL_GUARDED_BY(writer_mu_) = 0;  // 0: none pending
  uint64_t next_token_ ABSL_GUARDED_BY(writer_mu_) = 1;

  // Serializes tree-head issuing (signing happens outside mu_).
  absl::Mutex issue_mu_ ABSL_ACQUIRED_BEFORE(mu_);

  mutable absl::Mutex mu_;
  CompactRange committed_ ABSL_GUARDED_BY(mu_);
  std::optional<TreeHead> latest_head_ ABSL_GUARDED_BY(mu_);
  // When the oldest entry not covered by latest_head_ was committed (InfinitePast after Open).
  absl::Time oldest_uncovered_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace enlace::auditlog

#endif  // ENLACE_AUDITLOG_LOG_H_
