// The node's local store: one RocksDB database with a column family per record type, every write
// synced. Message content is only ever written AEAD-encrypted under the store's data key; the
// other records carry ids, kinds, times, states and random references only.
//
// Layout (docs/user-guide.md, "What the node keeps"):
//   items        message id (16 bytes)            -> StoredItemMeta (clear)
//   contents     message id                       -> nonce(12) || AES-256-GCM(StoredContent),
//                                                    aad = "enlace/v1 node content" || message id
//   outbox       queued_at_ms u64be || message id -> OutboxEntry
//   cases        reference (text)                 -> CaseSummary
//   state        name (text)                      -> bytes (cursor, directory, log info, ...)
//   tree_heads   tree_size u64be || timestamp_ms  -> SeenTreeHead
//   pending      message id                       -> PendingInclusion
//   alarms       at_ms u64be || sequence u64be    -> WitnessAlarm
//   access_log   at_ms u64be || sequence u64be    -> AccessRecord
//   blobs        message id || part u32be || chunk u32be
//                                                 -> nonce(12) || AES-256-GCM(piece),
//                                                    aad = "enlace/v1 node blob" || key || last
//
// Blobs hold an item's large secret bytes in pieces of kBlobChunkSize: attachment bodies
// (parts 0 .. n-1) and envelopes too large to keep inline (part kEnvelopePart). `last` (one
// byte, 1 on the final piece) is authenticated, so a blob cut short or with a piece missing or
// moved does not read back. Blobs are written before the item's batch (so that no batch holds
// a whole attachment in memory): the first PutBlob of an item records a pending mark, the item's
// batch clears it (KeepBlobs), and Open deletes the blobs of marks left by an interrupted write.
//
// The data key (32 random bytes) is stored in `state` wrapped (AES-256-GCM) once per signing
// key the node holds, under Keystore::StorageWrappingKey: any held signing key opens the store,
// and keys added by a rotation get their own wrap at the next start.
//
// Thread-safe: RocksDB serializes writes; Batch objects are used by one thread.
#ifndef ENLACE_NODE_STORE_H_
#define ENLACE_NODE_STORE_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/optional.h"
#include "base/bytes.h"
#include "base/env.h"
#include "crypto/aead.h"
#include "enlace/v1/node_service.pb.h"
#include "enlace/v1/node_store.pb.h"
#include "node/keystore.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace enlace::node {

class NodeStore {
 public:
  static constexpr size_t kBlobChunkSize = 1 << 20;
  static constexpr uint32_t kEnvelopePart = 0xffffffff;

  struct Options {
    std::string path;             // the database folder (created 0700)
    rocksdb::Env* env = nullptr;  // null: the default Env
  };

  // Opens (creating if needed) and unlocks the store with `keys`. PERMISSION_DENIED if the
  // store exists and none of the held signing keys opens it.
  static absl::StatusOr<std::unique_ptr<NodeStore>> Open(const Options& options,
                                                         const Keystore& keys, Env env);
  ~NodeStore();

  // Writes grouped into one atomic, synced commit.
  class Batch {
   public:
    void PutItem(const v1::StoredItemMeta& meta);
    // Encrypts `content` under the data key.
    absl::Status PutContent(absl::string_view message_id, const v1::StoredContent& content);
    void PutOutbox(const v1::OutboxEntry& entry);
    void DeleteOutbox(const v1::OutboxEntry& entry);
    void PutCase(const v1::CaseSummary& summary);
    void PutState(absl::string_view name, absl::string_view value);
    void PutTreeHead(uint64_t tree_size, int64_t timestamp_ms, const v1::SeenTreeHead& head);
    void PutPending(const v1::PendingInclusion& pending);
    void DeletePending(absl::string_view message_id);
    absl::Status PutAlarm(const v1::WitnessAlarm& alarm);
    absl::Status PutAccess(const v1::AccessRecord& record);
    // The item's blobs written with PutBlob belong to it from this batch on.
    void KeepBlobs(absl::string_view message_id);
    // Removes the content and every blob of the item (the retention purge).
    void DeleteContent(absl::string_view message_id);
    // Removes the item's record (the metadata retention purge; its content goes separately).
    void DeleteItem(absl::string_view message_id);
    void DeleteCase(absl::string_view ref);

   private:
    friend class NodeStore;
    explicit Batch(NodeStore* store) : store_(store) {}
    NodeStore* store_;
    rocksdb::WriteBatch batch_;
  };
  Batch NewBatch() { return Batch(this); }
  absl::Status Commit(Batch& batch);

  // NOT_FOUND if absent.
  absl::StatusOr<v1::StoredItemMeta> GetItem(absl::string_view message_id) const;
  bool HasItem(absl::string_view message_id) const;
  // Decrypts the content of `message_id`. DATA_LOSS if it does not authenticate.
  absl::StatusOr<v1::StoredContent> GetContent(absl::string_view message_id) const;

  // Encrypts `bytes` as blob `part` of `message_id`, in synced writes of a few pieces each (see
  // above: the item's batch must then KeepBlobs, or AbandonBlobs be called).
  absl::Status PutBlob(absl::string_view message_id, uint32_t part, absl::string_view bytes);
  // Deletes the item's blobs and its pending mark now (a composition or reception that failed).
  absl::Status AbandonBlobs(absl::string_view message_id);
  // Decrypts blob `part` of `message_id` piece by piece, in order, into `piece`. NOT_FOUND if
  // there is none; DATA_LOSS if a piece does not authenticate (changed, missing, moved, cut).
  absl::Status ReadBlob(absl::string_view message_id, uint32_t part,
                        const std::function<absl::Status(absl::string_view)>& piece) const;
  // The whole blob in memory.
  absl::StatusOr<Bytes> GetBlob(absl::string_view message_id, uint32_t part) const;
  // Every item, in message-id order.
  absl::StatusOr<std::vector<v1::StoredItemMeta>> ListItems() const;

  // Oldest first.
  absl::StatusOr<std::vector<v1::OutboxEntry>> ListOutbox() const;

  absl::StatusOr<v1::CaseSummary> GetCase(absl::string_view ref) const;
  absl::StatusOr<std::vector<v1::CaseSummary>> ListCases() const;

  // nullopt if never written.
  absl::StatusOr<absl::optional<std::string>> GetState(absl::string_view name) const;

  // Increasing tree size (then time).
  absl::StatusOr<std::vector<v1::SeenTreeHead>> ListTreeHeads() const;
  absl::StatusOr<std::vector<v1::PendingInclusion>> ListPending() const;
  absl::StatusOr<std::vector<v1::WitnessAlarm>> ListAlarms() const;
  absl::StatusOr<std::vector<v1::AccessRecord>> ListAccess() const;

  // An online RocksDB checkpoint of every column family at one point, written to `path` (which
  // must not exist; hard links on the same file system). Returns its last sequence number.
  // Implemented in backup.cc.
  absl::StatusOr<uint64_t> Checkpoint(const std::string& path);

 private:
  enum Family {
    kItems,
    kContents,
    kOutbox,
    kCases,
    kState,
    kTreeHeads,
    kPending,
    kAlarms,
    kAccess,
    kBlobs,
    kFamilyCount
  };
  NodeStore(Env env) : env_(env) {}
  absl::Status UnlockDataKey(const Keystore& keys);
  absl::StatusOr<absl::optional<std::string>> Get(Family family, absl::string_view key) const;
  template <typename Record>
  absl::StatusOr<std::vector<Record>> List(Family family) const;
  // at_ms u64be || sequence u64be.
  Bytes TimeKey(int64_t at_ms);
  // Deletes the blobs of every pending mark (Open).
  absl::Status RemoveUnfinishedBlobs();
  // After a failed write (e.g. a full disk) RocksDB refuses writes until resumed: resumes it
  // once the disk has room again, else RESOURCE_EXHAUSTED.
  absl::Status ResumeAfterWriteError();

  Env env_;
  std::string path_;
  absl::Mutex resume_mu_;
  bool needs_resume_ ABSL_GUARDED_BY(resume_mu_) = false;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> families_;
  absl::optional<Aead> data_aead_;
  std::atomic<uint64_t> next_sequence_{0};
};

}  // namespace enlace::node

#endif  // ENLACE_NODE_STORE_H_
