// A GoogleTest fixture with a real RocksDB in a temporary directory, a FakeClock and an open
// AuditLog over it (auditlog/testing/log_db.h).
#ifndef ENLACE_AUDITLOG_TESTING_LOG_FIXTURE_H_
#define ENLACE_AUDITLOG_TESTING_LOG_FIXTURE_H_

#include <memory>

#include "absl/time/time.h"
#include "auditlog/log.h"
#include "auditlog/testing/log_db.h"
#include "base/env.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace enlace::auditlog::testing {

class LogFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    OpenDb();
    absl::StatusOr<std::unique_ptr<AuditLog>> log = OpenLog();
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
  }

  absl::StatusOr<std::unique_ptr<AuditLog>> OpenLog() {
    absl::StatusOr<Ed25519PrivateKey> key = TestLogKey();
    if (!key.ok()) return key.status();
    return AuditLog::Open(db(), cfs(), *std::move(key), options());
  }

  // Closes the log and the database and opens both again, as after a restart.
  void Reopen() {
    log_.reset();
    log_db_.reset();
    OpenDb();
    absl::StatusOr<std::unique_ptr<AuditLog>> log = OpenLog();
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
  }

  AuditLogOptions options() {
    AuditLogOptions options;
    options.clock = &clock_;
    options.sync_tree_heads = false;  // durability is not what these tests check; fsync is slow
    return options;
  }
  rocksdb::DB* db() { return log_db_->db(); }
  const ColumnFamilies& cfs() { return log_db_->cfs(); }
  rocksdb::ColumnFamilyHandle* caller_cf() { return log_db_->caller_cf(); }

  enlace::testing::TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  std::unique_ptr<LogDb> log_db_;
  std::unique_ptr<AuditLog> log_;

 private:
  void OpenDb() {
    absl::StatusOr<std::unique_ptr<LogDb>> log_db = LogDb::Open(dir_.Sub("db"));
    ASSERT_TRUE(log_db.ok()) << log_db.status();
    log_db_ = *std::move(log_db);
  }
};

}  // namespace enlace::auditlog::testing

#endif  // ENLACE_AUDITLOG_TESTING_LOG_FIXTURE_H_
