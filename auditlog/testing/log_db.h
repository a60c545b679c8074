// Test and benchmark support: a RocksDB holding the audit log's column families next to one
// column family of the "caller" (standing in for the hub's mailbox), and sample events.
#ifndef ENLACE_AUDITLOG_TESTING_LOG_DB_H_
#define ENLACE_AUDITLOG_TESTING_LOG_DB_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "auditlog/log.h"
#include "enlace/v1/audit.pb.h"
#include "rocksdb/db.h"

namespace enlace::auditlog::testing {

inline constexpr char kCallerColumnFamily[] = "mailbox";

class LogDb {
 public:
  // Opens (creating if needed) the database in `path`. `env` (not owned) may be null.
  static absl::StatusOr<std::unique_ptr<LogDb>> Open(const std::string& path,
                                                     rocksdb::Env* env = nullptr);
  ~LogDb();

  rocksdb::DB* db() const { return db_.get(); }
  const ColumnFamilies& cfs() const { return cfs_; }
  rocksdb::ColumnFamilyHandle* caller_cf() const { return caller_cf_; }

 private:
  LogDb() = default;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  ColumnFamilies cfs_;
  rocksdb::ColumnFamilyHandle* caller_cf_ = nullptr;
};

// A SUBMITTED event, different for every `i` (sender, recipients, kind and id vary with it),
// dated 2027-01-15 + i seconds.
v1::AuditEvent MessageEvent(uint64_t i);

// The deterministic log key used by tests (the same key for the same seed).
absl::StatusOr<Ed25519PrivateKey> TestLogKey(uint64_t seed = 1);

}  // namespace enlace::auditlog::testing

#endif  // ENLACE_AUDITLOG_TESTING_LOG_DB_H_
