#include "node/store.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "crypto/secret.h"
#include "rocksdb/file_system.h"
#include "rocksdb/listener.h"
#include "rocksdb/options.h"

namespace enlace::node {
namespace {

constexpr const char* kFamilyNames[] = {"items",      "contents", "outbox", "cases",      "state",
                                        "tree_heads", "pending",  "alarms", "access_log", "blobs"};
constexpr absl::string_view kContentAad = "enlace/v1 node content";
constexpr absl::string_view kBlobAad = "enlace/v1 node blob";
constexpr absl::string_view kBlobsPendingPrefix = "blobs_pending/";
// Pieces per synced write of PutBlob: bounds the batch held in memory.
constexpr size_t kBlobPiecesPerWrite = 8;
constexpr absl::string_view kWrapAad = "enlace/v1 node data-key wrap";
constexpr absl::string_view kWrapPrefix = "data_key_wrap/";
constexpr size_t kDataKeySize = 32;

// RocksDB's own recovery from a write error retries at once; on a full disk that retry fails
// and leaves the database needing a reopen. The store resumes it itself once the disk has room
// again (NodeStore::ResumeAfterWriteError), as the hub does (hub/store.cc).
class NoAutomaticRecovery : public rocksdb::EventListener {
 public:
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason reason, rocksdb::Status error,
                            bool* auto_recovery) override {
    *auto_recovery = false;
  }
};

absl::Status FromRocks(const rocksdb::Status& status, absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  if (status.IsNotFound()) return absl::NotFoundError(absl::StrCat(what, ": not found"));
  if (status.IsNoSpace()) {
    return absl::ResourceExhaustedError(absl::StrCat(what, ": disk full: ", status.ToString()));
  }
  return absl::InternalError(absl::StrCat(what, ": ", status.ToString()));
}

rocksdb::Slice ToSlice(absl::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

Bytes BigEndian(uint64_t v) {
  Bytes out;
  AppendUint64(v, &out);
  return out;
}

Bytes OutboxKey(const v1::OutboxEntry& entry) {
  return BigEndian(static_cast<uint64_t>(entry.queued_at_ms())) + entry.message_id();
}

// nonce || AEAD(plaintext) with aad = label || key.
absl::StatusOr<Bytes> SealRecord(const Aead& aead, RandomSource* random, absl::string_view label,
                                 absl::string_view key, absl::string_view plaintext) {
  Bytes nonce(kAeadNonceSize, '\0');
  RETURN_IF_ERROR(
      random->Fill(absl::MakeSpan(reinterpret_cast<uint8_t*>(nonce.data()), nonce.size())));
  ASSIGN_OR_RETURN(Bytes sealed, aead.Seal(nonce, absl::StrCat(label, key), plaintext));
  return nonce + sealed;
}

// message id || part || chunk.
Bytes BlobKey(absl::string_view message_id, uint32_t part, uint32_t chunk) {
  Bytes key(message_id);
  AppendUint32(part, &key);
  AppendUint32(chunk, &key);
  return key;
}

// Past every blob key of `message_id` (keys are 24 bytes; this is 25, all 0xff after the id).
Bytes BlobsEnd(absl::string_view message_id) { return Bytes(message_id) + Bytes(9, '\xff'); }

// What a blob piece's AEAD binds: its key and whether it is the last piece.
Bytes BlobPieceBinding(absl::string_view key, bool last) {
  return Bytes(key) + (last ? '\x01' : '\x00');
}

absl::StatusOr<Bytes> OpenRecord(const Aead& aead, absl::string_view label, absl::string_view key,
                                 absl::string_view record) {
  if (record.size() < kAeadNonceSize + kAeadTagSize) {
    return absl::DataLossError("stored record is shorter than a nonce and a tag");
  }
  return aead.Open(record.substr(0, kAeadNonceSize), absl::StrCat(label, key),
                   record.substr(kAeadNonceSize));
}

}  // namespace

absl::StatusOr<std::unique_ptr<NodeStore>> NodeStore::Open(const Options& options,
                                                           const Keystore& keys, Env env) {
  RETURN_IF_ERROR(MakeDirectories(options.path, 0700));
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  if (options.env != nullptr) db_options.env = options.env;
  db_options.listeners.push_back(std::make_shared<NoAutomaticRecovery>());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
  for (const char* name : kFamilyNames) {
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  std::unique_ptr<NodeStore> store(new NodeStore(env));
  store->path_ = options.path;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  RETURN_IF_ERROR(FromRocks(rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &db),
                            absl::StrCat("opening the node store ", options.path)));
  store->db_.reset(db);
  // handles[0] is the default family, unused; keep the others in Family order.
  store->families_.assign(handles.begin() + 1, handles.end());
  db->DestroyColumnFamilyHandle(handles[0]);
  // Time-keyed records take a sequence after the time, so records of one millisecond keep their
  // order and never overwrite each other, also across restarts.
  for (Family family : {kAlarms, kAccess}) {
    std::unique_ptr<rocksdb::Iterator> it(
        db->NewIterator(rocksdb::ReadOptions(), store->families_[family]));
    it->SeekToLast();
    if (it->Valid() && it->key().size() == 16) {
      uint64_t last = 0;
      for (size_t i = 8; i < 16; ++i) last = (last << 8) | static_cast<uint8_t>(it->key()[i]);
      store->next_sequence_ = std::max<uint64_t>(store->next_sequence_, last + 1);
    }
  }
  RETURN_IF_ERROR(store->UnlockDataKey(keys));
  RETURN_IF_ERROR(store->RemoveUnfinishedBlobs());
  return store;
}

absl::Status NodeStore::RemoveUnfinishedBlobs() {
  std::vector<std::string> ids;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), families_[kState]));
  for (it->Seek(ToSlice(kBlobsPendingPrefix));
       it->Valid() && it->key().starts_with(ToSlice(kBlobsPendingPrefix)); it->Next()) {
    ids.push_back(it->key().ToString().substr(kBlobsPendingPrefix.size()));
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "listing unfinished blobs"));
  for (const std::string& id : ids) RETURN_IF_ERROR(AbandonBlobs(id));
  return absl::OkStatus();
}

NodeStore::~NodeStore() {
  if (db_ == nullptr) return;
  for (rocksdb::ColumnFamilyHandle* handle : families_) db_->DestroyColumnFamilyHandle(handle);
  db_->Close().PermitUncheckedError();
}

absl::Status NodeStore::UnlockDataKey(const Keystore& keys) {
  // Find a wrap that a held key opens.
  absl::optional<SecretBytes> data_key;
  std::vector<const Ed25519PrivateKey*> unwrapped_by_none;
  bool any_wrap = false;
  for (const Ed25519PrivateKey& key : keys.signing_keys()) {
    ASSIGN_OR_RETURN(absl::optional<std::string> wrap,
                     Get(kState, absl::StrCat(kWrapPrefix, HexEncode(key.public_key().KeyId()))));
    if (!wrap.has_value()) {
      unwrapped_by_none.push_back(&key);
      continue;
    }
    any_wrap = true;
    if (data_key.has_value()) continue;
    ASSIGN_OR_RETURN(SecretBytes kek, keys.StorageWrappingKey(key));
    ASSIGN_OR_RETURN(Aead aead, Aead::Create(AeadAlgorithm::kAes256Gcm, std::move(kek)));
    absl::StatusOr<Bytes> opened = OpenRecord(aead, kWrapAad, keys.self().str(), *wrap);
    if (!opened.ok()) {
      return absl::PermissionDeniedError(
          "the node store's data key does not open with this node's signing key: wrong keys for "
          "this data folder?");
    }
    data_key = SecretBytes(*opened);
    OPENSSL_cleanse(opened->data(), opened->size());
  }
  if (!data_key.has_value()) {
    ASSIGN_OR_RETURN(absl::optional<std::string> marker, Get(kState, "created"));
    if (any_wrap || marker.has_value()) {
      return absl::PermissionDeniedError(
          "none of the signing keys in the configuration opens this node store (a rotation "
          "must keep the previous key listed until the node has started once with both)");
    }
    ASSIGN_OR_RETURN(SecretBytes fresh, SecretBytes::Random(kDataKeySize, env_.random));
    data_key = std::move(fresh);
  }
  // Wrap the data key for every held key that has no wrap yet (first start, or a new key).
  Batch batch = NewBatch();
  for (const Ed25519PrivateKey* key : unwrapped_by_none) {
    ASSIGN_OR_RETURN(SecretBytes kek, keys.StorageWrappingKey(*key));
    ASSIGN_OR_RETURN(Aead aead, Aead::Create(AeadAlgorithm::kAes256Gcm, std::move(kek)));
    ASSIGN_OR_RETURN(Bytes wrap,
                     SealRecord(aead, env_.random, kWrapAad, keys.self().str(), data_key->view()));
    batch.PutState(absl::StrCat(kWrapPrefix, HexEncode(key->public_key().KeyId())), wrap);
  }
  batch.PutState("created", keys.self().str());
  RETURN_IF_ERROR(Commit(batch));
  ASSIGN_OR_RETURN(Aead aead, Aead::Create(AeadAlgorithm::kAes256Gcm, std::move(*data_key)));
  data_aead_.emplace(std::move(aead));
  return absl::OkStatus();
}

absl::Status NodeStore::ResumeAfterWriteError() {
  absl::MutexLock lock(&resume_mu_);
  if (!needs_resume_) return absl::OkStatus();
  // A Resume tried while the disk is still full fails again, and RocksDB then needs a reopen.
  uint64_t free_space = 0;
  rocksdb::IOStatus measured = db_->GetEnv()->GetFileSystem()->GetFreeSpace(
      path_, rocksdb::IOOptions(), &free_space, nullptr);
  if (measured.ok() && free_space == 0) {
    return absl::ResourceExhaustedError(
        absl::StrCat("writing the node store: disk full (no space left under ", path_,
                     "); the node takes writes again once space is freed"));
  }
  absl::Status resumed = FromRocks(db_->Resume(), "resuming the node store after a write error");
  if (!resumed.ok()) {
    LogError("node.store_resume_failed", {{"error", std::string(resumed.message())}});
    return resumed;
  }
  needs_resume_ = false;
  LogInfo("node.store_resumed", {{"path", path_}});
  return absl::OkStatus();
}

absl::Status NodeStore::Commit(Batch& batch) {
  RETURN_IF_ERROR(ResumeAfterWriteError());
  rocksdb::WriteOptions options;
  options.sync = true;
  rocksdb::Status written = db_->Write(options, &batch.batch_);
  batch.batch_.Clear();
  if (!written.ok()) {
    LogError("node.store_write_failed", {{"path", path_}, {"error", written.ToString()}});
    absl::MutexLock lock(&resume_mu_);
    needs_resume_ = true;
  }
  return FromRocks(written, "writing the node store");
}

void NodeStore::Batch::PutItem(const v1::StoredItemMeta& meta) {
  batch_.Put(store_->families_[kItems], meta.message_id(), meta.SerializeAsString())
      .PermitUncheckedError();
}

absl::Status NodeStore::Batch::PutContent(absl::string_view message_id,
                                          const v1::StoredContent& content) {
  std::string plaintext = content.SerializeAsString();
  absl::StatusOr<Bytes> sealed =
      SealRecord(*store_->data_aead_, store_->env_.random, kContentAad, message_id, plaintext);
  OPENSSL_cleanse(plaintext.data(), plaintext.size());
  RETURN_IF_ERROR(sealed.status());
  return FromRocks(batch_.Put(store_->families_[kContents], ToSlice(message_id), *sealed), "batch");
}

void NodeStore::Batch::PutOutbox(const v1::OutboxEntry& entry) {
  batch_.Put(store_->families_[kOutbox], OutboxKey(entry), entry.SerializeAsString())
      .PermitUncheckedError();
}

void NodeStore::Batch::DeleteOutbox(const v1::OutboxEntry& entry) {
  batch_.Delete(store_->families_[kOutbox], OutboxKey(entry)).PermitUncheckedError();
}

void NodeStore::Batch::PutCase(const v1::CaseSummary& summary) {
  batch_.Put(store_->families_[kCases], summary.ref(), summary.SerializeAsString())
      .PermitUncheckedError();
}

void NodeStore::Batch::PutState(absl::string_view name, absl::string_view value) {
  batch_.Put(store_->families_[kState], ToSlice(name), ToSlice(value)).PermitUncheckedError();
}

void NodeStore::Batch::PutTreeHead(uint64_t tree_size, int64_t timestamp_ms,
                                   const v1::SeenTreeHead& head) {
  batch_
      .Put(store_->families_[kTreeHeads],
           BigEndian(tree_size) + BigEndian(static_cast<uint64_t>(timestamp_ms)),
           head.SerializeAsString())
      .PermitUncheckedError();
}

void NodeStore::Batch::PutPending(const v1::PendingInclusion& pending) {
  batch_.Put(store_->families_[kPending], pending.message_id(), pending.SerializeAsString())
      .PermitUncheckedError();
}

void NodeStore::Batch::DeletePending(absl::string_view message_id) {
  batch_.Delete(store_->families_[kPending], ToSlice(message_id)).PermitUncheckedError();
}

absl::Status NodeStore::Batch::PutAlarm(const v1::WitnessAlarm& alarm) {
  Bytes key = store_->TimeKey(alarm.at().seconds() * 1000 + alarm.at().nanos() / 1000000);
  return FromRocks(batch_.Put(store_->families_[kAlarms], key, alarm.SerializeAsString()), "batch");
}

absl::Status NodeStore::Batch::PutAccess(const v1::AccessRecord& record) {
  Bytes key = store_->TimeKey(record.at_ms());
  return FromRocks(batch_.Put(store_->families_[kAccess], key, record.SerializeAsString()),
                   "batch");
}

void NodeStore::Batch::KeepBlobs(absl::string_view message_id) {
  batch_.Delete(store_->families_[kState], absl::StrCat(kBlobsPendingPrefix, message_id))
      .PermitUncheckedError();
}

void NodeStore::Batch::DeleteContent(absl::string_view message_id) {
  batch_.Delete(store_->families_[kContents], ToSlice(message_id)).PermitUncheckedError();
  batch_.DeleteRange(store_->families_[kBlobs], ToSlice(message_id), BlobsEnd(message_id))
      .PermitUncheckedError();
}

void NodeStore::Batch::DeleteItem(absl::string_view message_id) {
  batch_.Delete(store_->families_[kItems], ToSlice(message_id)).PermitUncheckedError();
}

void NodeStore::Batch::DeleteCase(absl::string_view ref) {
  batch_.Delete(store_->families_[kCases], ToSlice(ref)).PermitUncheckedError();
}

absl::Status NodeStore::PutBlob(absl::string_view message_id, uint32_t part,
                                absl::string_view bytes) {
  Batch batch = NewBatch();
  batch.PutState(absl::StrCat(kBlobsPendingPrefix, message_id), "");
  // An empty blob is one empty last piece, so that it reads back as empty, not as missing.
  const size_t pieces = std::max<size_t>(1, (bytes.size() + kBlobChunkSize - 1) / kBlobChunkSize);
  for (size_t i = 0; i < pieces; ++i) {
    const Bytes key = BlobKey(message_id, part, static_cast<uint32_t>(i));
    ASSIGN_OR_RETURN(Bytes sealed, SealRecord(*data_aead_, env_.random, kBlobAad,
                                              BlobPieceBinding(key, i + 1 == pieces),
                                              bytes.substr(i * kBlobChunkSize, kBlobChunkSize)));
    RETURN_IF_ERROR(FromRocks(batch.batch_.Put(families_[kBlobs], key, sealed), "batch"));
    if ((i + 1) % kBlobPiecesPerWrite == 0 || i + 1 == pieces) RETURN_IF_ERROR(Commit(batch));
  }
  return absl::OkStatus();
}

absl::Status NodeStore::AbandonBlobs(absl::string_view message_id) {
  Batch batch = NewBatch();
  RETURN_IF_ERROR(FromRocks(
      batch.batch_.DeleteRange(families_[kBlobs], ToSlice(message_id), BlobsEnd(message_id)),
      "batch"));
  batch.KeepBlobs(message_id);  // i.e. no pending mark any more
  return Commit(batch);
}

absl::Status NodeStore::ReadBlob(
    absl::string_view message_id, uint32_t part,
    const std::function<absl::Status(absl::string_view)>& piece) const {
  const Bytes prefix = BlobKey(message_id, part, 0).substr(0, message_id.size() + 4);
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), families_[kBlobs]));
  it->Seek(ToSlice(prefix));
  uint32_t expected = 0;
  while (it->Valid() && it->key().starts_with(ToSlice(prefix))) {
    const std::string key = it->key().ToString();
    const std::string value = it->value().ToString();
    if (key != BlobKey(message_id, part, expected)) {
      return absl::DataLossError(absl::StrCat("blob ", part, " of ", HexEncode(message_id),
                                              ": piece ", expected, " is missing"));
    }
    it->Next();
    const bool last = !it->Valid() || !it->key().starts_with(ToSlice(prefix));
    absl::StatusOr<Bytes> plain =
        OpenRecord(*data_aead_, kBlobAad, BlobPieceBinding(key, last), value);
    if (!plain.ok()) {
      return absl::DataLossError(absl::StrCat("blob ", part, " of ", HexEncode(message_id),
                                              ": piece ", expected, " does not authenticate",
                                              last ? " (was the blob cut short?)" : ""));
    }
    absl::Status given = piece(*plain);
    OPENSSL_cleanse(plain->data(), plain->size());
    RETURN_IF_ERROR(given);
    ++expected;
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading blobs"));
  if (expected == 0) {
    return absl::NotFoundError(absl::StrCat("no blob ", part, " of ", HexEncode(message_id)));
  }
  return absl::OkStatus();
}

absl::StatusOr<Bytes> NodeStore::GetBlob(absl::string_view message_id, uint32_t part) const {
  Bytes out;
  RETURN_IF_ERROR(ReadBlob(message_id, part, [&](absl::string_view piece) {
    out.append(piece.data(), piece.size());
    return absl::OkStatus();
  }));
  return out;
}

Bytes NodeStore::TimeKey(int64_t at_ms) {
  return BigEndian(static_cast<uint64_t>(at_ms)) + BigEndian(next_sequence_.fetch_add(1));
}

absl::StatusOr<absl::optional<std::string>> NodeStore::Get(Family family,
                                                           absl::string_view key) const {
  std::string value;
  rocksdb::Status status =
      db_->Get(rocksdb::ReadOptions(), families_[family], ToSlice(key), &value);
  if (status.IsNotFound()) return absl::optional<std::string>();
  RETURN_IF_ERROR(FromRocks(status, absl::StrCat("reading ", kFamilyNames[family])));
  return absl::optional<std::string>(std::move(value));
}

template <typename Record>
absl::StatusOr<std::vector<Record>> NodeStore::List(Family family) const {
  std::vector<Record> records;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), families_[family]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    Record record;
    if (!record.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError(absl::StrCat("a ", kFamilyNames[family], " record is damaged"));
    }
    records.push_back(std::move(record));
  }
  RETURN_IF_ERROR(FromRocks(it->status(), absl::StrCat("listing ", kFamilyNames[family])));
  return records;
}

absl::StatusOr<v1::StoredItemMeta> NodeStore::GetItem(absl::string_view message_id) const {
  ASSIGN_OR_RETURN(absl::optional<std::string> value, Get(kItems, message_id));
  v1::StoredItemMeta meta;
  if (!value.has_value()) {
    return absl::NotFoundError(absl::StrCat("no item ", HexEncode(message_id)));
  }
  if (!meta.ParseFromString(*value)) return absl::DataLossError("an item record is damaged");
  return meta;
}

bool NodeStore::HasItem(absl::string_view message_id) const {
  absl::StatusOr<absl::optional<std::string>> value = Get(kItems, message_id);
  return value.ok() && value->has_value();
}

absl::StatusOr<v1::StoredContent> NodeStore::GetContent(absl::string_view message_id) const {
  ASSIGN_OR_RETURN(absl::optional<std::string> value, Get(kContents, message_id));
  if (!value.has_value()) {
    return absl::NotFoundError(absl::StrCat("no content for ", HexEncode(message_id)));
  }
  absl::StatusOr<Bytes> plaintext = OpenRecord(*data_aead_, kContentAad, message_id, *value);
  if (!plaintext.ok()) {
    return absl::DataLossError(
        absl::StrCat("the stored content of ", HexEncode(message_id),
                     " does not authenticate: ", plaintext.status().message()));
  }
  v1::StoredContent content;
  bool parsed = content.ParseFromString(*plaintext);
  OPENSSL_cleanse(plaintext->data(), plaintext->size());
  if (!parsed) return absl::DataLossError("a content record is damaged");
  return content;
}

absl::StatusOr<std::vector<v1::StoredItemMeta>> NodeStore::ListItems() const {
  return List<v1::StoredItemMeta>(kItems);
}

absl::StatusOr<std::vector<v1::OutboxEntry>> NodeStore::ListOutbox() const {
  return List<v1::OutboxEntry>(kOutbox);
}

absl::StatusOr<v1::CaseSummary> NodeStore::GetCase(absl::string_view ref) const {
  ASSIGN_OR_RETURN(absl::optional<std::string> value, Get(kCases, ref));
  if (!value.has_value()) return absl::NotFoundError(absl::StrCat("no case ", ref));
  v1::CaseSummary summary;
  if (!summary.ParseFromString(*value)) return absl::DataLossError("a case record is damaged");
  return summary;
}

absl::StatusOr<std::vector<v1::CaseSummary>> NodeStore::ListCases() const {
  return List<v1::CaseSummary>(kCases);
}

absl::StatusOr<absl::optional<std::string>> NodeStore::GetState(absl::string_view name) const {
  return Get(kState, name);
}

absl::StatusOr<std::vector<v1::SeenTreeHead>> NodeStore::ListTreeHeads() const {
  return List<v1::SeenTreeHead>(kTreeHeads);
}

absl::StatusOr<std::vector<v1::PendingInclusion>> NodeStore::ListPending() const {
  return List<v1::PendingInclusion>(kPending);
}

absl::StatusOr<std::vector<v1::WitnessAlarm>> NodeStore::ListAlarms() const {
  return List<v1::WitnessAlarm>(kAlarms);
}

absl::StatusOr<std::vector<v1::AccessRecord>> NodeStore::ListAccess() const {
  return List<v1::AccessRecord>(kAccess);
}

}  // namespace enlace::node
