#include "auditlog/testing/log_db.h"

#include "absl/strings/str_cat.h"
#include "base/bytes.h"
#include "base/env.h"
#include "base/status_macros.h"

namespace enlace::auditlog::testing {

absl::StatusOr<std::unique_ptr<LogDb>> LogDb::Open(const std::string& path, rocksdb::Env* env) {
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.keep_log_file_num = 3;  // tests and benchmarks open databases many times
  options.max_open_files = 1000;
  if (env != nullptr) options.env = env;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors = AuditLogColumnFamilies();
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
  descriptors.emplace_back(kCallerColumnFamily, rocksdb::ColumnFamilyOptions());
  std::unique_ptr<LogDb> log_db(new LogDb());
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path, descriptors, &log_db->handles_, &raw);
  if (!s.ok()) return absl::InternalError(absl::StrCat("opening ", path, ": ", s.ToString()));
  log_db->db_.reset(raw);
  ASSIGN_OR_RETURN(log_db->cfs_, FindColumnFamilies(log_db->handles_));
  log_db->caller_cf_ = log_db->handles_.back();
  return log_db;
}

LogDb::~LogDb() {
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  db_->Close().PermitUncheckedError();
}

v1::AuditEvent MessageEvent(uint64_t i) {
  static const char* const kCountries[] = {"MX", "GT", "HN", "SV", "US", "CR", "PA"};
  v1::AuditEvent e;
  e.set_type(v1::AUDIT_EVENT_SUBMITTED);
  e.set_hub_time_ms(1'800'000'000'000 + static_cast<int64_t>(i) * 1000);
  const std::string sender = absl::StrCat("node/", kCountries[i % 7]);
  e.set_actor_id(sender);
  e.set_sender_id(sender);
  e.add_recipient_ids(absl::StrCat("node/", kCountries[(i + 1) % 7]));
  if (i % 3 == 0) e.add_recipient_ids(absl::StrCat("node/", kCountries[(i + 3) % 7]));
  e.set_message_kind(static_cast<v1::MessageKind>(1 + i % 9));
  e.set_priority(static_cast<v1::Priority>(1 + i % 3));
  Bytes id;
  AppendUint64(i, &id);
  AppendUint64(~i, &id);
  e.set_message_id(id);
  e.set_header_hash(std::string(32, static_cast<char>(i)));
  e.set_envelope_size(1000 + i % 5000);
  return e;
}

absl::StatusOr<Ed25519PrivateKey> TestLogKey(uint64_t seed) {
  DeterministicRandom random(seed);
  return Ed25519PrivateKey::Generate(&random);
}

}  // namespace enlace::auditlog::testing
