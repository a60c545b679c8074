#include "auditlog/log.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "auditlog/event.h"
#include "base/bytes.h"
#include "base/status_macros.h"
#include "rocksdb/iterator.h"

namespace enlace::auditlog {
namespace {

constexpr char kSizeKey[] = "size";
constexpr char kLogIdKey[] = "log_id";

Bytes IndexKey(uint64_t index) {
  Bytes key;
  AppendUint64(index, &key);
  return key;
}

// Node (level, index) is keyed by the index of its last leaf, then its level. Every append
// then writes node keys in increasing order (a leaf completes its own node and the nodes it
// closes, level by level), which keeps memtable inserts and SST files sequential.
Bytes NodeKey(const NodeId& id) {
  Bytes key;
  AppendUint64(((id.index + 1) << id.level) - 1, &key);
  key.push_back(static_cast<char>(id.level));
  return key;
}

absl::Status FromRocks(const rocksdb::Status& status, absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  const std::string message = absl::StrCat(what, ": ", status.ToString());
  if (status.IsCorruption()) return absl::DataLossError(message);
  if (status.IsIOError() || status.IsBusy() || status.IsTimedOut() || status.IsTryAgain()) {
    return absl::UnavailableError(message);
  }
  return absl::InternalError(message);
}

absl::string_view View(const rocksdb::Slice& slice) {
  return absl::string_view(slice.data(), slice.size());
}
rocksdb::Slice ToSlice(absl::string_view view) { return rocksdb::Slice(view.data(), view.size()); }

// A value that must be an 8-byte big-endian integer.
absl::StatusOr<uint64_t> DecodeU64(absl::string_view value, absl::string_view what) {
  uint64_t v = 0;
  if (value.size() != 8 || !ByteReader(value).ReadUint64(&v)) {
    return absl::DataLossError(absl::StrCat(what, " is ", value.size(), " bytes, not 8"));
  }
  return v;
}

}  // namespace

// Perfect node hashes read from log_nodes. Thread-safe (RocksDB Get is).
class AuditLog::StoredNodes : public NodeSource {
 public:
  StoredNodes(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf) : db_(db), cf_(cf) {}

  absl::StatusOr<Hash> GetNode(const NodeId& id) const override {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf_, NodeKey(id), &value);
    if (s.IsNotFound()) {
      return absl::DataLossError(absl::StrCat("audit log node (level ", id.level, ", index ",
                                              id.index, ") is missing from ", kNodesColumnFamily));
    }
    RETURN_IF_ERROR(FromRocks(s, "reading an audit log node"));
    absl::StatusOr<Hash> h = HashFromBytes(value, "stored node hash");
    if (!h.ok()) return absl::DataLossError(h.status().message());
    return h;
  }

 private:
  rocksdb::DB* const db_;
  rocksdb::ColumnFamilyHandle* const cf_;
};

std::vector<rocksdb::ColumnFamilyDescriptor> AuditLogColumnFamilies() {
  // Keys are written in increasing order and never rewritten, so defaults serve well, except
  // that hashes and signatures are random bytes: compressing them only costs time.
  rocksdb::ColumnFamilyOptions random_bytes;
  random_bytes.compression = rocksdb::kNoCompression;
  return {
      rocksdb::ColumnFamilyDescriptor(kLeavesColumnFamily, rocksdb::ColumnFamilyOptions()),
      rocksdb::ColumnFamilyDescriptor(kNodesColumnFamily, random_bytes),
      rocksdb::ColumnFamilyDescriptor(kTreeHeadsColumnFamily, random_bytes),
      rocksdb::ColumnFamilyDescriptor(kMetaColumnFamily, rocksdb::ColumnFamilyOptions()),
  };
}

absl::StatusOr<ColumnFamilies> FindColumnFamilies(
    absl::Span<rocksdb::ColumnFamilyHandle* const> handles) {
  ColumnFamilies cfs;
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    if (handle == nullptr) continue;
    const std::string& name = handle->GetName();
    if (name == kLeavesColumnFamily) cfs.leaves = handle;
    if (name == kNodesColumnFamily) cfs.nodes = handle;
    if (name == kTreeHeadsColumnFamily) cfs.tree_heads = handle;
    if (name == kMetaColumnFamily) cfs.meta = handle;
  }
  for (auto [handle, name] : {std::pair{cfs.leaves, kLeavesColumnFamily},
                              {cfs.nodes, kNodesColumnFamily},
                              {cfs.tree_heads, kTreeHeadsColumnFamily},
                              {cfs.meta, kMetaColumnFamily}}) {
    if (handle == nullptr) {
      return absl::NotFoundError(absl::StrCat("the audit log's column family \"", name,
                                              "\" was not opened (see AuditLogColumnFamilies)"));
    }
  }
  return cfs;
}

AuditLog::AuditLog(rocksdb::DB* db, const ColumnFamilies& cfs, Ed25519PrivateKey log_key,
                   const AuditLogOptions& options)
    : db_(db),
      cfs_(cfs),
      log_key_(std::move(log_key)),
      options_(options),
      nodes_(std::make_unique<StoredNodes>(db, cfs.nodes)) {}

AuditLog::~AuditLog() = default;

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(rocksdb::DB* db, const ColumnFamilies& cfs,
                                                         Ed25519PrivateKey log_key,
                                                         const AuditLogOptions& options) {
  if (db == nullptr || cfs.leaves == nullptr || cfs.nodes == nullptr || cfs.tree_heads == nullptr ||
      cfs.meta == nullptr || options.clock == nullptr) {
    return absl::InvalidArgumentError(
        "AuditLog::Open needs a database, all four column families and a clock");
  }
  if (options.max_merge_delay <= absl::ZeroDuration() || options.max_entries_per_read == 0) {
    return absl::InvalidArgumentError("max_merge_delay and max_entries_per_read must be positive");
  }
  std::unique_ptr<AuditLog> log(new AuditLog(db, cfs, std::move(log_key), options));
  RETURN_IF_ERROR(log->Load());
  return log;
}

absl::Status AuditLog::Load() {
  const Bytes key_id = log_key_.public_key().KeyId();
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cfs_.meta, kLogIdKey, &value);
  if (s.IsNotFound()) {
    rocksdb::WriteOptions sync;
    sync.sync = true;
    RETURN_IF_ERROR(FromRocks(db_->Put(sync, cfs_.meta, kLogIdKey, key_id), "recording log id"));
  } else {
    RETURN_IF_ERROR(FromRocks(s, "reading the log id"));
    if (value != key_id) {
      return absl::FailedPreconditionError(absl::StrCat(
          "this audit log is signed by key ", HexEncode(value), ", not by the given key ",
          HexEncode(key_id), "; a log keeps one key for its whole life"));
    }
  }

  uint64_t size = 0;
  s = db_->Get(rocksdb::ReadOptions(), cfs_.meta, kSizeKey, &value);
  if (!s.IsNotFound()) {
    RETURN_IF_ERROR(FromRocks(s, "reading the log size"));
    ASSIGN_OR_RETURN(size, DecodeU64(value, "stored log size"));
  }
  std::vector<Hash> border;
  for (const NodeId& id : CompactRange::NodeIdsFor(size)) {
    ASSIGN_OR_RETURN(Hash h, nodes_->GetNode(id));
    border.push_back(h);
  }
  ASSIGN_OR_RETURN(CompactRange range, CompactRange::FromHashes(size, std::move(border)));

  std::optional<TreeHead> latest;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cfs_.tree_heads));
  it->SeekToLast();
  RETURN_IF_ERROR(FromRocks(it->status(), "reading the latest tree head"));
  if (it->Valid()) {
    absl::StatusOr<TreeHead> head = DecodeTreeHead(View(it->value()));
    if (!head.ok()) {
      return absl::DataLossError(
          absl::StrCat("latest stored tree head: ", head.status().message()));
    }
    ASSIGN_OR_RETURN(MerkleHasher hasher, MerkleHasher::Create());
    absl::StatusOr<Hash> root =
        head->tree_size <= size
            ? auditlog::RootAt(head->tree_size, *nodes_, hasher)
            : absl::DataLossError(absl::StrCat("the latest tree head covers ", head->tree_size,
                                               " entries but the log holds ", size));
    RETURN_IF_ERROR(root.status());
    if (*root != head->root_hash) {
      return absl::DataLossError(
          absl::StrCat("the stored tree does not match its latest signed head (size ",
                       head->tree_size, "): root ", HexEncode(HashView(*root)), ", head says ",
                       HexEncode(HashView(head->root_hash))));
    }
    absl::Status signature = VerifyTreeHeadSignature(*head, log_key_.public_key());
    if (!signature.ok()) return absl::DataLossError(signature.message());
    latest = *std::move(head);
  }

  ASSIGN_OR_RETURN(MerkleHasher writer_hasher, MerkleHasher::Create());
  {
    absl::MutexLock writer(&writer_mu_);
    writer_hasher_.emplace(std::move(writer_hasher));
  }
  absl::MutexLock lock(&mu_);
  committed_ = std::move(range);
  latest_head_ = std::move(latest);
  oldest_uncovered_ = absl::InfinitePast();  // anything uncovered at start-up is due at once
  return absl::OkStatus();
}

absl::StatusOr<PendingAppend> AuditLog::PrepareAppend(absl::Span<const v1::AuditEvent> events,
                                                      rocksdb::WriteBatch* batch) {
  std::vector<Bytes> leaves;
  leaves.reserve(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    absl::StatusOr<Bytes> leaf = EncodeLeaf(events[i]);
    if (!leaf.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("audit event ", i, " of ", events.size(), ": ", leaf.status().message()));
    }
    leaves.push_back(*std::move(leaf));
  }
  return PrepareHashed(leaves, batch);
}

absl::StatusOr<PendingAppend> AuditLog::PrepareAppendLeaves(absl::Span<const Bytes> leaves,
                                                            rocksdb::WriteBatch* batch) {
  for (size_t i = 0; i < leaves.size(); ++i) {
    absl::StatusOr<v1::AuditEvent> event = DecodeLeaf(leaves[i]);
    if (!event.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("leaf ", i, " of ", leaves.size(), ": ", event.status().message()));
    }
  }
  return PrepareHashed(leaves, batch);
}

absl::StatusOr<PendingAppend> AuditLog::PrepareHashed(absl::Span<const Bytes> leaves,
                                                      rocksdb::WriteBatch* batch) {
  if (batch == nullptr) return absl::InvalidArgumentError("PrepareAppend needs a batch");
  if (leaves.empty()) return absl::InvalidArgumentError("nothing to append");
  absl::MutexLock writer(&writer_mu_);
  if (pending_token_ != 0) {
    return absl::FailedPreconditionError(
        "the previous audit log append was neither committed nor abandoned");
  }
  PendingAppend pending;
  {
    absl::MutexLock lock(&mu_);
    pending.range_after_ = committed_;
  }
  pending.first_index_ = pending.range_after_.size();

  // On any failure the batch is rolled back to what the caller had put in it.
  batch->SetSavePoint();
  absl::Status status = [&]() -> absl::Status {
    rocksdb::Status put;
    for (const Bytes& leaf : leaves) {
      const uint64_t index = pending.range_after_.size();
      RETURN_IF_ERROR(FromRocks(batch->Put(cfs_.leaves, IndexKey(index), leaf), "batching a leaf"));
      ASSIGN_OR_RETURN(Hash leaf_hash, writer_hasher_->HashLeaf(leaf));
      RETURN_IF_ERROR(pending.range_after_.Append(
          leaf_hash, *writer_hasher_, [&](const NodeId& id, const Hash& h) {
            if (put.ok()) put = batch->Put(cfs_.nodes, NodeKey(id), ToSlice(HashView(h)));
          }));
      RETURN_IF_ERROR(FromRocks(put, "batching a node"));
    }
    return FromRocks(batch->Put(cfs_.meta, kSizeKey, IndexKey(pending.range_after_.size())),
                     "batching the log size");
  }();
  if (!status.ok()) {
    rocksdb::Status rollback = batch->RollbackToSavePoint();
    if (!rollback.ok()) {
      return absl::InternalError(absl::StrCat(status.message(),
                                              "; and the batch could not be rolled back (",
                                              rollback.ToString(), "): do not write it"));
    }
    return status;
  }
  batch->PopSavePoint().PermitUncheckedError();
  pending.size_after_ = pending.range_after_.size();
  pending.token_ = next_token_++;
  pending_token_ = pending.token_;
  return pending;
}

absl::Status AuditLog::CommitAppend(const PendingAppend& pending) {
  absl::MutexLock writer(&writer_mu_);
  if (pending.token_ == 0 || pending.token_ != pending_token_) {
    return absl::FailedPreconditionError(
        "CommitAppend: this is not the pending audit log append (already committed or "
        "abandoned?)");
  }
  pending_token_ = 0;
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cfs_.meta, kSizeKey, &value);
  uint64_t stored = 0;
  if (!s.IsNotFound()) {
    RETURN_IF_ERROR(FromRocks(s, "reading the log size"));
    ASSIGN_OR_RETURN(stored, DecodeU64(value, "stored log size"));
  }
  if (stored != pending.size_after_) {
    return absl::FailedPreconditionError(
        absl::StrCat("CommitAppend: the database holds ", stored, " entries, not ",
                     pending.size_after_, ": the batch with entries ", pending.first_index_, "..",
                     pending.size_after_ - 1, " was not written (the append is abandoned)"));
  }
  const absl::Time now = options_.clock->Now();
  absl::MutexLock lock(&mu_);
  const uint64_t covered = latest_head_.has_value() ? latest_head_->tree_size : 0;
  if (committed_.size() == covered) oldest_uncovered_ = now;
  committed_ = pending.range_after_;
  return absl::OkStatus();
}

void AuditLog::AbandonAppend(const PendingAppend& pending) {
  absl::MutexLock writer(&writer_mu_);
  if (pending.token_ == pending_token_) pending_token_ = 0;
}

absl::StatusOr<uint64_t> AuditLog::Append(absl::Span<const v1::AuditEvent> events,
                                          const rocksdb::WriteOptions& write_options) {
  rocksdb::WriteBatch batch;
  ASSIGN_OR_RETURN(PendingAppend pending, PrepareAppend(events, &batch));
  absl::Status written = FromRocks(db_->Write(write_options, &batch), "writing audit entries");
  if (!written.ok()) {
    AbandonAppend(pending);
    return written;
  }
  RETURN_IF_ERROR(CommitAppend(pending));
  return pending.first_index();
}

absl::StatusOr<std::optional<TreeHead>> AuditLog::MaybeIssueTreeHead() {
  absl::MutexLock issue(&issue_mu_);
  const absl::Time now = options_.clock->Now();
  {
    absl::MutexLock lock(&mu_);
    const uint64_t covered = latest_head_.has_value() ? latest_head_->tree_size : 0;
    if (committed_.size() == covered || now < oldest_uncovered_ + options_.max_merge_delay / 2) {
      return std::nullopt;
    }
  }
  ASSIGN_OR_RETURN(TreeHead head, Issue());
  return head;
}

absl::StatusOr<TreeHead> AuditLog::IssueTreeHead() {
  absl::MutexLock issue(&issue_mu_);
  return Issue();
}

absl::StatusOr<TreeHead> AuditLog::Issue() {
  // Read the clock before the snapshot: entries committed after the snapshot were committed
  // at or after `now`, so dating the uncovered ones from `now` never understates their wait.
  const absl::Time now = options_.clock->Now();
  CompactRange range;
  std::optional<TreeHead> latest;
  {
    absl::MutexLock lock(&mu_);
    range = committed_;
    latest = latest_head_;
  }
  if (latest.has_value() && latest->tree_size == range.size()) return *latest;
  if (latest.has_value() && absl::ToUnixMillis(now) < latest->timestamp_ms) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the clock (", absl::ToUnixMillis(now), " ms) is behind the latest tree head (",
        latest->timestamp_ms, " ms); heads never go back in time"));
  }
  ASSIGN_OR_RETURN(MerkleHasher hasher, MerkleHasher::Create());
  ASSIGN_OR_RETURN(Hash root, range.Root(hasher));
  ASSIGN_OR_RETURN(TreeHead head, SignTreeHead(range.size(), root, now, log_key_));
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.sync_tree_heads;
  RETURN_IF_ERROR(FromRocks(
      db_->Put(write_options, cfs_.tree_heads, IndexKey(head.tree_size), EncodeTreeHead(head)),
      "storing a tree head"));
  absl::MutexLock lock(&mu_);
  latest_head_ = head;
  if (committed_.size() > head.tree_size) oldest_uncovered_ = now;
  return head;
}

std::optional<absl::Time> AuditLog::NextTreeHeadDue() const {
  absl::MutexLock lock(&mu_);
  const uint64_t covered = latest_head_.has_value() ? latest_head_->tree_size : 0;
  if (committed_.size() == covered) return std::nullopt;
  return oldest_uncovered_ + options_.max_merge_delay / 2;
}

absl::StatusOr<TreeHead> AuditLog::LatestTreeHead() const {
  absl::MutexLock lock(&mu_);
  if (!latest_head_.has_value()) return absl::NotFoundError("no tree head has been issued yet");
  return *latest_head_;
}

absl::StatusOr<TreeHead> AuditLog::GetTreeHead(uint64_t tree_size) const {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), cfs_.tree_heads, IndexKey(tree_size), &value);
  if (s.IsNotFound()) {
    return absl::NotFoundError(absl::StrCat("no tree head was issued at size ", tree_size));
  }
  RETURN_IF_ERROR(FromRocks(s, "reading a tree head"));
  absl::StatusOr<TreeHead> head = DecodeTreeHead(value);
  if (!head.ok()) return absl::DataLossError(head.status().message());
  return head;
}

uint64_t AuditLog::size() const {
  absl::MutexLock lock(&mu_);
  return committed_.size();
}

absl::Status AuditLog::CheckReadableSize(uint64_t tree_size) const {
  const uint64_t committed = size();
  if (tree_size > committed) {
    return absl::OutOfRangeError(
        absl::StrCat("tree size ", tree_size, " is beyond the log's ", committed, " entries"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Hash> AuditLog::RootAt(uint64_t tree_size) const {
  RETURN_IF_ERROR(CheckReadableSize(tree_size));
  ASSIGN_OR_RETURN(MerkleHasher hasher, MerkleHasher::Create());
  return auditlog::RootAt(tree_size, *nodes_, hasher);
}

absl::StatusOr<std::vector<Hash>> AuditLog::InclusionProof(uint64_t index,
                                                           uint64_t tree_size) const {
  RETURN_IF_ERROR(CheckReadableSize(tree_size));
  ASSIGN_OR_RETURN(MerkleHasher hasher, MerkleHasher::Create());
  return InclusionPath(index, tree_size, *nodes_, hasher);
}

absl::StatusOr<std::vector<Hash>> AuditLog::ConsistencyProof(uint64_t first_size,
                                                             uint64_t second_size) const {
  RETURN_IF_ERROR(CheckReadableSize(second_size));
  ASSIGN_OR_RETURN(MerkleHasher hasher, MerkleHasher::Create());
  return ConsistencyPath(first_size, second_size, *nodes_, hasher);
}

absl::StatusOr<Hash> AuditLog::LeafHash(uint64_t index) const {
  if (index >= size()) {
    return absl::OutOfRangeError(
        absl::StrCat("entry ", index, " is beyond the log's ", size(), " entries"));
  }
  return nodes_->GetNode(NodeId{0, index});
}

absl::StatusOr<std::vector<Bytes>> AuditLog::ReadEntries(uint64_t start, uint64_t count,
                                                         uint64_t end) const {
  RETURN_IF_ERROR(CheckReadableSize(end));
  if (start > end) {
    return absl::OutOfRangeError(
        absl::StrCat("start index ", start, " is beyond the end of the range (", end, ")"));
  }
  const uint64_t n = std::min<uint64_t>({count, end - start, options_.max_entries_per_read});
  std::vector<Bytes> leaves;
  if (n == 0) return leaves;
  leaves.reserve(n);
  const Bytes upper = IndexKey(start + n);
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read_options;
  read_options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options, cfs_.leaves));
  uint64_t expected = start;
  for (it->Seek(IndexKey(start)); it->Valid(); it->Next()) {
    if (View(it->key()) != IndexKey(expected)) break;
    leaves.emplace_back(View(it->value()));
    ++expected;
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading audit entries"));
  if (leaves.size() != n) {
    return absl::DataLossError(
        absl::StrCat("audit log entry ", expected, " is missing from ", kLeavesColumnFamily));
  }
  return leaves;
}

}  // namespace enlace::auditlog
