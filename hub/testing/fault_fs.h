// Test support: a RocksDB file system that fails writes with "no space left" on demand, reports
// the free space a test chooses, and can hold syncs back, so tests can fill the disk (which needs
// root to do for real) and make group commit deterministic.
//
//   auto fs = std::make_shared<FaultInjectionFs>();
//   std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
//   options.store.rocksdb_env = env.get();
//   fs->SetNoSpace(true);   // every append, sync and new file now fails with NoSpace
//   fs->SetWriteBudget(4096);  // or: appends fail once 4096 more bytes have been written
#ifndef ENLACE_HUB_TESTING_FAULT_FS_H_
#define ENLACE_HUB_TESTING_FAULT_FS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"

namespace enlace::hub::testing {

class FaultInjectionFs : public rocksdb::FileSystemWrapper {
 public:
  FaultInjectionFs() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "EnlaceFaultInjectionFs"; }

  // While set, writes fail with IOStatus::NoSpace (nothing reaches the file).
  void SetNoSpace(bool full);
  // While set, appends succeed until `bytes` more have been written in all; the append that
  // would go beyond fails with NoSpace (nothing of it reaches the file), and so does every write
  // after it, until SetWriteBudget(nullopt) or SetNoSpace(false) gives the space back.
  void SetWriteBudget(std::optional<uint64_t> bytes);
  // What GetFreeSpace reports (nullopt: what is left of the write budget if one is set, else
  // the real file system's answer). A spent budget reports 0 whatever is set here: the disk is
  // seen full once it is.
  void SetFreeSpace(std::optional<uint64_t> bytes);
  // While held, Sync/Fsync of writable files wait; ReleaseSyncs lets them through.
  void HoldSyncs();
  void ReleaseSyncs();
  // How many syncs are waiting now.
  int waiting_syncs() const;

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(const std::string& name, const std::string& old_name,
                                      const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* dbg) override;

  rocksdb::IOStatus GetFreeSpace(const std::string& path, const rocksdb::IOOptions& options,
                                 uint64_t* free_space, rocksdb::IODebugContext* dbg) override;

  // Used by the file wrapper: whether a write of `bytes` may proceed (spending the budget).
  rocksdb::IOStatus CheckWrite(uint64_t bytes = 0);
  void AwaitSync();

 private:
  class File;
  rocksdb::IOStatus Wrap(rocksdb::IOStatus opened,
                         std::unique_ptr<rocksdb::FSWritableFile>* result);
  mutable absl::Mutex mu_;
  bool no_space_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<uint64_t> budget_ ABSL_GUARDED_BY(mu_);
  std::optional<uint64_t> free_space_ ABSL_GUARDED_BY(mu_);
  bool hold_syncs_ ABSL_GUARDED_BY(mu_) = false;
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace enlace::hub::testing

#endif  // ENLACE_HUB_TESTING_FAULT_FS_H_
