#include "hub/store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/bytes.h"
#include "base/status_macros.h"
#include "rocksdb/file_system.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/listener.h"
#include "rocksdb/table.h"

namespace enlace::hub {
namespace {

constexpr char kMessagesCf[] = "messages";
constexpr char kEnvelopesCf[] = "envelopes";
constexpr char kMailboxCf[] = "mailbox";
constexpr char kExpiryCf[] = "expiry";
constexpr char kMetaCf[] = "hub_meta";

// Point lookups by message id (idempotency, acks) mostly miss or hit recent data: a bloom
// filter keeps misses off the disk.
rocksdb::ColumnFamilyOptions LookupOptions() {
  rocksdb::ColumnFamilyOptions options;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return options;
}

// Envelope chunks are large, written once and read about once: small memtables bound the
// memory a 100 MB upload takes, and blob files keep the chunks out of compactions.
rocksdb::ColumnFamilyOptions EnvelopeOptions() {
  rocksdb::ColumnFamilyOptions options;
  options.write_buffer_size = 8 << 20;
  options.max_write_buffer_number = 2;
  options.enable_blob_files = true;
  options.min_blob_size = 4096;
  options.blob_file_size = 64 << 20;
  return options;
}

// RocksDB recovers from some write errors by itself, retrying at once; for a full disk that
// retry fails and leaves the database needing a reopen. The hub resumes it itself, once space
// has returned (HubStore::Resume).
class NoAutomaticRecovery : public rocksdb::EventListener {
 public:
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason reason, rocksdb::Status error,
                            bool* auto_recovery) override {
    *auto_recovery = false;
  }
};

}  // namespace

absl::Status ToStatus(const rocksdb::Status& status, absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  const std::string message = absl::StrCat(what, ": ", status.ToString());
  if (status.IsNoSpace()) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the hub's storage is full (", message, "); retry once space is freed"));
  }
  if (status.IsNotFound()) return absl::NotFoundError(message);
  if (status.IsCorruption()) return absl::DataLossError(message);
  if (status.IsIOError() || status.IsBusy() || status.IsTryAgain() || status.IsTimedOut() ||
      status.IsShutdownInProgress()) {
    return absl::UnavailableError(message);
  }
  return absl::InternalError(message);
}

absl::StatusOr<std::unique_ptr<HubStore>> HubStore::Open(const HubStoreOptions& options) {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  if (options.rocksdb_env != nullptr) db_options.env = options.rocksdb_env;
  // A flush must not wait for a big WAL: bound it, so a 100 MB upload triggers flushes early.
  db_options.max_total_wal_size = 64 << 20;
  db_options.listeners.push_back(std::make_shared<NoAutomaticRecovery>());

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors = auditlog::AuditLogColumnFamilies();
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
  descriptors.emplace_back(kMessagesCf, LookupOptions());
  descriptors.emplace_back(kEnvelopesCf, EnvelopeOptions());
  descriptors.emplace_back(kMailboxCf, rocksdb::ColumnFamilyOptions());
  descriptors.emplace_back(kExpiryCf, rocksdb::ColumnFamilyOptions());
  descriptors.emplace_back(kMetaCf, LookupOptions());

  std::unique_ptr<HubStore> store(new HubStore());
  store->path_ = options.path;
  rocksdb::DB* raw = nullptr;
  RETURN_IF_ERROR(
      ToStatus(rocksdb::DB::Open(db_options, options.path, descriptors, &store->handles_, &raw),
               absl::StrCat("opening the hub database in ", options.path)));
  store->db_.reset(raw);
  ASSIGN_OR_RETURN(store->log_cfs_, auditlog::FindColumnFamilies(store->handles_));
  for (rocksdb::ColumnFamilyHandle* handle : store->handles_) {
    const std::string& name = handle->GetName();
    if (name == kMessagesCf) store->messages_ = handle;
    if (name == kEnvelopesCf) store->envelopes_ = handle;
    if (name == kMailboxCf) store->mailbox_ = handle;
    if (name == kExpiryCf) store->expiry_ = handle;
    if (name == kMetaCf) store->meta_ = handle;
  }
  return store;
}

HubStore::~HubStore() {
  if (db_ == nullptr) return;
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  db_->Close().PermitUncheckedError();
}

absl::StatusOr<std::string> HubStore::Get(rocksdb::ColumnFamilyHandle* cf, absl::string_view key,
                                          bool fill_cache) const {
  rocksdb::ReadOptions read_options;
  read_options.fill_cache = fill_cache;
  std::string value;
  rocksdb::Status s = db_->Get(read_options, cf, rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return absl::NotFoundError("not stored");
  RETURN_IF_ERROR(ToStatus(s, absl::StrCat("reading ", cf->GetName())));
  return value;
}

absl::Status HubStore::Resume() { return ToStatus(db_->Resume(), "resuming the hub database"); }

absl::StatusOr<uint64_t> HubStore::FreeSpace() const {
  uint64_t free_space = 0;
  RETURN_IF_ERROR(ToStatus(db_->GetEnv()->GetFileSystem()->GetFreeSpace(path_, rocksdb::IOOptions(),
                                                                        &free_space, nullptr),
                           "measuring the free disk space"));
  return free_space;
}

absl::Status HubStore::SyncWal() {
  RETURN_IF_ERROR(ToStatus(db_->FlushWAL(/*sync=*/true), "syncing the hub's write-ahead log"));
  return absl::OkStatus();
}

Bytes ChunkKey(uint64_t blob_id, uint32_t index) {
  Bytes key;
  AppendUint64(blob_id, &key);
  AppendUint32(index, &key);
  return key;
}

Bytes MailboxPrefix(absl::string_view recipient_id) {
  Bytes key;
  key.push_back(static_cast<char>(recipient_id.size()));
  key.append(recipient_id.data(), recipient_id.size());
  return key;
}

Bytes MailboxKey(absl::string_view recipient_id, uint64_t sequence) {
  Bytes key = MailboxPrefix(recipient_id);
  AppendUint64(sequence, &key);
  return key;
}

uint64_t NextMailboxSequence(uint64_t last_sequence, absl::Time now) {
  const int64_t micros = absl::ToUnixMicros(now);
  return std::max(last_sequence + 1, static_cast<uint64_t>(std::max<int64_t>(micros, 0)));
}

Bytes ExpiryKey(int64_t expires_at_ms, absl::string_view message_id) {
  Bytes key;
  AppendUint64(static_cast<uint64_t>(expires_at_ms < 0 ? 0 : expires_at_ms), &key);
  key.append(message_id.data(), message_id.size());
  return key;
}

Bytes MailboxStateKey(absl::string_view recipient_id) {
  return absl::StrCat(kMailboxStatePrefix, recipient_id);
}

Bytes UploadKey(uint64_t blob_id) {
  Bytes key(kUploadPrefix);
  AppendUint64(blob_id, &key);
  return key;
}

Bytes EncodeMailboxValue(const MailboxValue& value) {
  Bytes out = value.message_id;
  AppendUint64(value.blob_id, &out);
  AppendUint64(value.envelope_size, &out);
  AppendUint64(static_cast<uint64_t>(value.submitted_at_ms), &out);
  return out;
}

absl::StatusOr<MailboxValue> DecodeMailboxValue(absl::string_view bytes) {
  ByteReader reader(bytes);
  MailboxValue value;
  absl::string_view message_id;
  uint64_t submitted = 0;
  if (!reader.ReadBytes(16, &message_id) || !reader.ReadUint64(&value.blob_id) ||
      !reader.ReadUint64(&value.envelope_size) || !reader.ReadUint64(&submitted) ||
      !reader.empty()) {
    return absl::DataLossError(absl::StrCat("a mailbox entry is ", bytes.size(), " bytes, not 40"));
  }
  value.message_id = Bytes(message_id);
  value.submitted_at_ms = static_cast<int64_t>(submitted);
  return value;
}

absl::StatusOr<uint64_t> MailboxKeySequence(absl::string_view key) {
  if (key.empty() || key.size() != 1 + static_cast<uint8_t>(key[0]) + 8u) {
    return absl::DataLossError("malformed mailbox key");
  }
  uint64_t sequence = 0;
  ByteReader(key.substr(key.size() - 8)).ReadUint64(&sequence);
  return sequence;
}

absl::StatusOr<std::pair<int64_t, Bytes>> DecodeExpiryKey(absl::string_view key) {
  ByteReader reader(key);
  uint64_t expires = 0;
  absl::string_view id;
  if (!reader.ReadUint64(&expires) || !reader.ReadBytes(16, &id) || !reader.empty()) {
    return absl::DataLossError("malformed expiry key");
  }
  return std::make_pair(static_cast<int64_t>(expires), Bytes(id));
}

absl::StatusOr<uint64_t> DecodeBlobId(absl::string_view eight_bytes) {
  uint64_t id = 0;
  if (!ByteReader(eight_bytes).ReadUint64(&id)) return absl::DataLossError("malformed blob id");
  return id;
}

}  // namespace enlace::hub
