// The hub's RocksDB: one database holding the hub's column families and the audit log's
// (auditlog/log.h), so that one WriteBatch can commit an envelope, its mailbox entries, its
// state and its audit leaf together. Layout and key formats: docs/hub.md, "Storage".
//
//   messages   message id (16 bytes)                  -> StoredMessage (hub_store.proto)
//   envelopes  u64be blob id || u32be chunk index     -> bytes [i * kChunkSize, ...) of the
//                                                        serialized Envelope
//   mailbox    u8 len || recipient id || u64be seq    -> MailboxValue (EncodeMailboxValue)
//   expiry     u64be expires_at_ms || message id      -> "" (the retention sweeper's index)
//   hub_meta   "directory"                            -> the current SignedDirectory bytes
//              "mailbox/" || recipient id             -> MailboxState (hub_store.proto)
//              "upload/" || u64be blob id             -> "" (a SubmitStream in progress)
//
// Thread-safe as RocksDB is; the handles live as long as the HubStore.
#ifndef ENLACE_HUB_STORE_H_
#define ENLACE_HUB_STORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "auditlog/log.h"
#include "base/bytes.h"
#include "rocksdb/db.h"

namespace enlace::hub {

// Envelopes are stored and delivered in pieces of this size (the last one may be shorter), so
// neither a 100 MB attachment nor its delivery is ever held whole in memory.
inline constexpr size_t kChunkSize = size_t{1} << 20;

struct HubStoreOptions {
  std::string path;                     // the database directory (created if missing)
  rocksdb::Env* rocksdb_env = nullptr;  // not owned; null: rocksdb::Env::Default()
};

class HubStore {
 public:
  static absl::StatusOr<std::unique_ptr<HubStore>> Open(const HubStoreOptions& options);
  ~HubStore();
  HubStore(const HubStore&) = delete;
  HubStore& operator=(const HubStore&) = delete;

  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* messages() const { return messages_; }
  rocksdb::ColumnFamilyHandle* envelopes() const { return envelopes_; }
  rocksdb::ColumnFamilyHandle* mailbox() const { return mailbox_; }
  rocksdb::ColumnFamilyHandle* expiry() const { return expiry_; }
  rocksdb::ColumnFamilyHandle* meta() const { return meta_; }
  const auditlog::ColumnFamilies& log_cfs() const { return log_cfs_; }

  // Get from `cf`: the value, nullopt-like NOT_FOUND status, or the RocksDB error (ToStatus).
  absl::StatusOr<std::string> Get(rocksdb::ColumnFamilyHandle* cf, absl::string_view key,
                                  bool fill_cache = true) const;

  // After a failed write: asks RocksDB to leave its error state. Call it only once the cause is
  // gone (e.g. FreeSpace() is back): a Resume that fails again leaves RocksDB in a state only a
  // reopen clears. (RocksDB's own automatic recovery, which retries at once, is switched off
  // for that reason: the hub decides when to resume.)
  absl::Status Resume();
  // Free bytes on the database's file system.
  absl::StatusOr<uint64_t> FreeSpace() const;
  // Makes every write so far durable (the WAL), for shutdown.
  absl::Status SyncWal();

 private:
  HubStore() = default;
  std::string path_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* messages_ = nullptr;
  rocksdb::ColumnFamilyHandle* envelopes_ = nullptr;
  rocksdb::ColumnFamilyHandle* mailbox_ = nullptr;
  rocksdb::ColumnFamilyHandle* expiry_ = nullptr;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
  auditlog::ColumnFamilies log_cfs_;
};

// A RocksDB status as an absl::Status: NoSpace -> RESOURCE_EXHAUSTED (the disk is full; retry
// when space returns), NotFound -> NOT_FOUND, I/O and busy errors -> UNAVAILABLE, corruption ->
// DATA_LOSS, anything else INTERNAL. `what` says what was being done.
absl::Status ToStatus(const rocksdb::Status& status, absl::string_view what);

// --- Keys and values ---
Bytes ChunkKey(uint64_t blob_id, uint32_t index);
Bytes MailboxPrefix(absl::string_view recipient_id);
Bytes MailboxKey(absl::string_view recipient_id, uint64_t sequence);
// The position of a mailbox's next entry: max(last + 1, `now` in microseconds since the epoch),
// so positions grow with the hub's clock as well as by one. A hub restored from a backup thus
// numbers new entries above every position it handed out before the restore (which its
// subscribers may hold as their cursor) as long as its clock has not gone back meanwhile
// (docs/hub.md, "Delivery"). Positions are increasing, not dense.
uint64_t NextMailboxSequence(uint64_t last_sequence, absl::Time now);
Bytes ExpiryKey(int64_t expires_at_ms, absl::string_view message_id);
Bytes MailboxStateKey(absl::string_view recipient_id);
Bytes UploadKey(uint64_t blob_id);
inline constexpr absl::string_view kDirectoryKey = "directory";
inline constexpr absl::string_view kMailboxStatePrefix = "mailbox/";
inline constexpr absl::string_view kUploadPrefix = "upload/";

// What a mailbox entry holds, so a subscriber streams it without reading the message record.
struct MailboxValue {
  Bytes message_id;  // 16 bytes
  uint64_t blob_id = 0;
  uint64_t envelope_size = 0;
  int64_t submitted_at_ms = 0;
};
// message id || u64be blob id || u64be envelope size || u64be submitted_at_ms
Bytes EncodeMailboxValue(const MailboxValue& value);
absl::StatusOr<MailboxValue> DecodeMailboxValue(absl::string_view bytes);

// The sequence in a mailbox key; INVALID_ARGUMENT if `key` is not one.
absl::StatusOr<uint64_t> MailboxKeySequence(absl::string_view key);
// The parts of an expiry key.
absl::StatusOr<std::pair<int64_t, Bytes>> DecodeExpiryKey(absl::string_view key);
// The blob id in a chunk key or an upload key's suffix.
absl::StatusOr<uint64_t> DecodeBlobId(absl::string_view eight_bytes);

inline rocksdb::Slice ToSlice(absl::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

// Number of chunks an envelope of `size` bytes occupies.
inline uint32_t ChunkCount(uint64_t size) {
  return static_cast<uint32_t>((size + kChunkSize - 1) / kChunkSize);
}

}  // namespace enlace::hub

#endif  // ENLACE_HUB_STORE_H_
