// Admin.CreateBackup: an online RocksDB checkpoint of the hub's database (docs/operator-guide.md,
// "Backing up and restoring"). RocksDB's Checkpoint flushes the memtables and hard-links (or
// copies, across file systems) every live file, the WAL included, while writes go on: the copy
// is one consistent point of every column family, as each commit round is one WriteBatch.
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/files.h"
#include "base/log.h"
#include "hub/exchange.h"
#include "hub/services.h"
#include "net/status.h"
#include "rocksdb/utilities/checkpoint.h"

namespace enlace::hub {

absl::StatusOr<v1::CreateBackupResponse> Exchange::CreateBackup(const ParticipantId& actor) {
  if (options_.backup_dir.empty()) {
    return absl::FailedPreconditionError(
        "this hub keeps no backups: set backup_dir in its configuration (docs/hub.md)");
  }
  absl::Status made = MakeDirectories(options_.backup_dir, 0700);
  if (!made.ok()) {
    return absl::UnavailableError(
        absl::StrCat("backup_dir ", options_.backup_dir, ": ", made.message()));
  }
  // Read before the checkpoint: the checkpoint then holds this head and every entry it covers.
  absl::StatusOr<auditlog::TreeHead> head = log_->LatestTreeHead();
  if (!head.ok() && !absl::IsNotFound(head.status())) return head.status();

  const absl::Time now = Now();
  const std::string stem = absl::StrCat(
      options_.backup_dir, "/hub-", absl::FormatTime("%Y%m%dT%H%M%SZ", now, absl::UTCTimeZone()));
  std::string path = stem;
  std::error_code error;
  for (int n = 2; std::filesystem::exists(path, error); ++n) {
    if (n > 99)
      return absl::AlreadyExistsError(absl::StrCat(stem, ": too many backups this second"));
    path = absl::StrCat(stem, "-", n);
  }

  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status s = rocksdb::Checkpoint::Create(store_->db(), &raw);
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  uint64_t sequence = 0;
  if (s.ok()) s = checkpoint->CreateCheckpoint(path, /*log_size_for_flush=*/0, &sequence);
  if (!s.ok()) {
    LogError("hub.backup_failed", {{"path", path}, {"error", s.ToString()}});
    return absl::UnavailableError(absl::StrCat("checkpoint ", path, " failed: ", s.ToString()));
  }

  v1::CreateBackupResponse response;
  response.set_path(path);
  response.set_created_at_ms(absl::ToUnixMillis(now));
  response.set_sequence_number(sequence);
  if (head.ok()) {
    response.set_tree_size(head->tree_size);
    response.set_root_hash(std::string(auditlog::HashView(head->root_hash)));
    response.set_tree_head_timestamp_ms(head->timestamp_ms);
  }
  LogInfo("hub.backup", {{"path", path},
                         {"by", actor.str()},
                         {"tree_size", absl::StrCat(response.tree_size())},
                         {"sequence", absl::StrCat(sequence)}});
  return response;
}

grpc::ServerUnaryReactor* AdminService::CreateBackup(grpc::CallbackServerContext* context,
                                                     const v1::CreateBackupRequest* request,
                                                     v1::CreateBackupResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<Caller> caller = Admit(*exchange_, *context);
  absl::Status status = caller.status();
  if (status.ok() && caller->id.role() != Role::kAdmin) {
    status = absl::PermissionDeniedError(absl::StrCat(
        caller->id.str(), " is not an admin: only admin/<name> participants make backups"));
  }
  if (status.ok()) {
    // Rare, and bounded by one memtable flush: answered inline, as PublishDirectory is.
    absl::StatusOr<v1::CreateBackupResponse> made = exchange_->CreateBackup(caller->id);
    if (made.ok()) *response = *std::move(made);
    status = made.status();
  }
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

}  // namespace enlace::hub
