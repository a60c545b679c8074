#include "hub/testing/fault_fs.h"

#include <utility>

namespace enlace::hub::testing {

class FaultInjectionFs::File : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  File(FaultInjectionFs* fs, std::unique_ptr<rocksdb::FSWritableFile> target)
      : FSWritableFileOwnerWrapper(std::move(target)), fs_(fs) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->CheckWrite(data.size());
    return s.ok() ? FSWritableFileOwnerWrapper::Append(data, options, dbg) : s;
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info,
                           rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->CheckWrite(data.size());
    return s.ok() ? FSWritableFileOwnerWrapper::Append(data, options, info, dbg) : s;
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->CheckWrite(data.size());
    return s.ok() ? FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options, dbg) : s;
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     const rocksdb::DataVerificationInfo& info,
                                     rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->CheckWrite(data.size());
    return s.ok() ? FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options, info, dbg)
                  : s;
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    fs_->AwaitSync();
    rocksdb::IOStatus s = fs_->CheckWrite();
    return s.ok() ? FSWritableFileOwnerWrapper::Sync(options, dbg) : s;
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    fs_->AwaitSync();
    rocksdb::IOStatus s = fs_->CheckWrite();
    return s.ok() ? FSWritableFileOwnerWrapper::Fsync(options, dbg) : s;
  }

 private:
  FaultInjectionFs* fs_;
};

void FaultInjectionFs::SetNoSpace(bool full) {
  absl::MutexLock lock(&mu_);
  no_space_ = full;
  if (!full) budget_.reset();
}

void FaultInjectionFs::SetWriteBudget(std::optional<uint64_t> bytes) {
  absl::MutexLock lock(&mu_);
  budget_ = bytes;
  if (!bytes.has_value()) no_space_ = false;
}

void FaultInjectionFs::SetFreeSpace(std::optional<uint64_t> bytes) {
  absl::MutexLock lock(&mu_);
  free_space_ = bytes;
}

rocksdb::IOStatus FaultInjectionFs::GetFreeSpace(const std::string& path,
                                                 const rocksdb::IOOptions& options,
                                                 uint64_t* free_space,
                                                 rocksdb::IODebugContext* dbg) {
  {
    absl::MutexLock lock(&mu_);
    if (budget_.has_value() && (no_space_ || !free_space_.has_value())) {
      *free_space = no_space_ ? 0 : *budget_;  // once spent, the disk says it is full
      return rocksdb::IOStatus::OK();
    }
    if (free_space_.has_value()) {
      *free_space = *free_space_;
      return rocksdb::IOStatus::OK();
    }
  }
  return target()->GetFreeSpace(path, options, free_space, dbg);
}

void FaultInjectionFs::HoldSyncs() {
  absl::MutexLock lock(&mu_);
  hold_syncs_ = true;
}

void FaultInjectionFs::ReleaseSyncs() {
  absl::MutexLock lock(&mu_);
  hold_syncs_ = false;
}

int FaultInjectionFs::waiting_syncs() const {
  absl::MutexLock lock(&mu_);
  return waiting_;
}

rocksdb::IOStatus FaultInjectionFs::CheckWrite(uint64_t bytes) {
  absl::MutexLock lock(&mu_);
  if (!no_space_ && budget_.has_value()) {
    if (bytes > *budget_) {
      no_space_ = true;  // a full disk stays full until space is given back
    } else {
      *budget_ -= bytes;
    }
  }
  return no_space_ ? rocksdb::IOStatus::NoSpace("injected: no space left on device")
                   : rocksdb::IOStatus::OK();
}

void FaultInjectionFs::AwaitSync() {
  absl::MutexLock lock(&mu_);
  ++waiting_;
  mu_.Await(absl::Condition(
      +[](bool* held) { return !*held; }, &hold_syncs_));
  --waiting_;
}

rocksdb::IOStatus FaultInjectionFs::Wrap(rocksdb::IOStatus opened,
                                         std::unique_ptr<rocksdb::FSWritableFile>* result) {
  if (!opened.ok()) return opened;
  *result = std::make_unique<File>(this, std::move(*result));
  return opened;
}

rocksdb::IOStatus FaultInjectionFs::NewWritableFile(
    const std::string& name, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result, rocksdb::IODebugContext* dbg) {
  rocksdb::IOStatus s = CheckWrite();
  if (!s.ok()) return s;
  return Wrap(target()->NewWritableFile(name, options, result, dbg), result);
}

rocksdb::IOStatus FaultInjectionFs::ReopenWritableFile(
    const std::string& name, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result, rocksdb::IODebugContext* dbg) {
  rocksdb::IOStatus s = CheckWrite();
  if (!s.ok()) return s;
  return Wrap(target()->ReopenWritableFile(name, options, result, dbg), result);
}

rocksdb::IOStatus FaultInjectionFs::ReuseWritableFile(
    const std::string& name, const std::string& old_name, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result, rocksdb::IODebugContext* dbg) {
  rocksdb::IOStatus s = CheckWrite();
  if (!s.ok()) return s;
  return Wrap(target()->ReuseWritableFile(name, old_name, options, result, dbg), result);
}

}  // namespace enlace::hub::testing
