// docs/audit-log.md is precise enough for someone else's tools: an independent Python verifier
// (standard library only) accepts an export written by enlace and finds the same tampering.
#include <string>
#include <vector>

#include "auditlog/event.h"
#include "auditor/export.h"
#include "auditor/testing/export_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace::auditor {
namespace {

using ::enlace::auditor::testing::CopyDirectory;
using ::enlace::auditor::testing::ExportFixture;
using ::enlace::auditor::testing::LeafHashOf;
using ::enlace::auditor::testing::ReadRecords;
using ::enlace::auditor::testing::ReadText;
using ::enlace::auditor::testing::RunProgram;
using ::enlace::auditor::testing::RunResult;
using ::enlace::auditor::testing::WriteHashes;
using ::enlace::auditor::testing::WriteRecords;
using ::enlace::auditor::testing::WriteText;
using ::testing::HasSubstr;

// The system interpreter, not a pyenv shim: the script must need nothing but the standard library.
constexpr char kPython[] = "/usr/bin/python3";

RunResult PythonVerify(const std::string& dir) {
  return RunProgram(
      {kPython, std::string(ENLACE_SOURCE_DIR) + "/tests/audit/verify_export.py", dir});
}

class ExportPythonTest : public ExportFixture {
 protected:
  void SetUp() override {
    ExportFixture::SetUp();
    good_ = dir_.Sub("good");
    GrowTo(13);
    ASSERT_OK(FetchInto(good_).status());
    // Every event type, so the script decodes every field form.
    std::vector<v1::AuditEvent> events;
    auto event = [&](v1::AuditEventType type, const std::string& actor) -> v1::AuditEvent& {
      events.emplace_back();
      events.back().set_type(type);
      events.back().set_hub_time_ms(1'800'000'100'000 + static_cast<int64_t>(events.size()));
      events.back().set_actor_id(actor);
      return events.back();
    };
    event(v1::AUDIT_EVENT_HUB_STARTED, "hub");
    event(v1::AUDIT_EVENT_ENROLLED, "admin/ana").set_subject_id("node/PA");
    v1::AuditEvent& revoked = event(v1::AUDIT_EVENT_REVOKED, "admin/ana");
    revoked.set_key_id(std::string(16, 'k'));
    revoked.set_reason_code("key_compromise");
    event(v1::AUDIT_EVENT_DIRECTORY_PUBLISHED, "admin/ana").set_directory_version(7);
    v1::AuditEvent& delivered = event(v1::AUDIT_EVENT_DELIVERED, "node/GT");
    delivered.set_sender_id("node/MX");
    delivered.add_recipient_ids("node/GT");
    delivered.set_message_id(std::string(16, 'm'));
    event(v1::AUDIT_EVENT_PURGED, "hub").set_message_id(std::string(16, 'm'));
    ASSERT_OK(log_->Append(events, rocksdb::WriteOptions()).status());
    GrowTo(40);
    ASSERT_OK(FetchInto(good_).status());
  }

  std::string Copy(const std::string& name) {
    const std::string dir = dir_.Sub(name);
    CopyDirectory(good_, dir);
    return dir;
  }

  std::string good_;
};

TEST_F(ExportPythonTest, AcceptsWhatEnlaceWrote) {
  const RunResult run = PythonVerify(good_);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("OK: 40 entries, 2 tree heads"));
  // It decoded every leaf by the documented grammar: all 34 SUBMITTED events and the others.
  EXPECT_THAT(run.output, HasSubstr("type 9: 34"));
  EXPECT_THAT(run.output, HasSubstr("type 14: 1"));
}

TEST_F(ExportPythonTest, FindsTheSameTampering) {
  const std::vector<Bytes> records = ReadRecords(good_);
  {
    const std::string dir = Copy("byte");
    std::vector<Bytes> r = records;
    r[20][9] ^= 0x04;
    WriteRecords(dir, r);
    const RunResult run = PythonVerify(dir);
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_THAT(run.output, HasSubstr("FAILED: entry 20: leaf hash"));
  }
  {
    // A consistent rewrite of entries and hashes: only the signed roots catch it.
    const std::string dir = Copy("swap");
    std::vector<Bytes> r = records;
    std::swap(r[2], r[3]);
    std::vector<Bytes> h;
    for (const Bytes& leaf : r) h.push_back(LeafHashOf(leaf));
    WriteRecords(dir, r);
    WriteHashes(dir, h);
    const RunResult run = PythonVerify(dir);
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_THAT(run.output, HasSubstr("FAILED: tree head 1 (size 13): recomputed root"));
  }
  {
    const std::string dir = Copy("head");
    std::string heads = ReadText(dir + "/tree_heads.jsonl");
    const size_t at = heads.find("\"signature\":\"") + 13;
    heads[at] = heads[at] == '0' ? '1' : '0';
    WriteText(dir + "/tree_heads.jsonl", heads);
    const RunResult run = PythonVerify(dir);
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_THAT(run.output, HasSubstr("FAILED: tree head 1 (size 13): signature does not verify"));
  }
  {
    const std::string dir = Copy("not canonical");
    std::vector<Bytes> r = records;
    r[5] += std::string(
        "\x0e\x00\x01"
        "x",
        4);  // a reason code after the last field ...
    r[5].insert(1, std::string("\x0e\x00\x01"
                               "y",
                               4));  // ... and one out of order
    std::vector<Bytes> h;
    for (const Bytes& leaf : r) h.push_back(LeafHashOf(leaf));
    WriteRecords(dir, r);
    WriteHashes(dir, h);
    const RunResult run = PythonVerify(dir);
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_THAT(run.output, HasSubstr("FAILED: entry 5: field 1 out of order"));
  }
}

}  // namespace
}  // namespace enlace::auditor
