// The node's online backup (NodeLocal.Backup, `enlace backup`): a RocksDB checkpoint of the
// store, taken while the daemon runs. RocksDB's Checkpoint flushes the memtables and hard-links
// every live file: one consistent point of every column family, as each change is one synced
// WriteBatch. Contents stay encrypted under the data key, which the node's signing keys unwrap:
// a restored store opens only with them (docs/operator-guide.md, "Backing up and restoring").
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/files.h"
#include "base/log.h"
#include "node/node.h"
#include "node/roles.h"
#include "node/store.h"
#include "node/text.h"
#include "rocksdb/utilities/checkpoint.h"

namespace enlace::node {

absl::StatusOr<uint64_t> NodeStore::Checkpoint(const std::string& path) {
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status s = rocksdb::Checkpoint::Create(db_.get(), &raw);
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  uint64_t sequence = 0;
  if (s.ok()) s = checkpoint->CreateCheckpoint(path, /*log_size_for_flush=*/0, &sequence);
  if (!s.ok()) {
    return absl::UnavailableError(absl::StrCat("checkpoint ", path, " failed: ", s.ToString()));
  }
  return sequence;
}

absl::StatusOr<v1::BackupResponse> Node::Backup(const LocalUser& user) {
  if (!MayAdminister(user.config)) {
    return NodeError(absl::StatusCode::kPermissionDenied,
                     absl::StrCat(user.os_user, ": solo el punto focal puede hacer copias"),
                     absl::StrCat(user.os_user, ": only the focal point may make backups"));
  }
  const std::string folder = options_.config.data_dir() + "/backups";
  absl::Status made = MakeDirectories(folder, 0700);
  if (!made.ok()) return made;
  const absl::Time now = options_.env.clock->Now();
  const std::string stem =
      absl::StrCat(folder, "/store-", absl::FormatTime("%Y%m%dT%H%M%SZ", now, absl::UTCTimeZone()));
  std::string path = stem;
  std::error_code error;
  for (int n = 2; std::filesystem::exists(path, error); ++n) {
    if (n > 99) return absl::AlreadyExistsError(absl::StrCat(stem, ": too many backups"));
    path = absl::StrCat(stem, "-", n);
  }
  // Counted before the checkpoint: the checkpoint holds at least these.
  absl::StatusOr<std::vector<v1::StoredItemMeta>> items = store_->ListItems();
  if (!items.ok()) return items.status();
  absl::StatusOr<uint64_t> sequence = store_->Checkpoint(path);
  if (!sequence.ok()) return sequence.status();

  v1::BackupResponse response;
  response.set_path(path);
  response.set_created_at_ms(absl::ToUnixMillis(now));
  response.set_sequence_number(*sequence);
  response.set_items(items->size());
  LogInfo("node.backup",
          {{"path", path}, {"by", user.os_user}, {"items", absl::StrCat(items->size())}});
  return response;
}

}  // namespace enlace::node
