// docs/audit-log.md is precise enough for someone else's tools: an independent Python verifier
// (standard library only) accepts an export written by enlace and finds the same tampering.
#include <string>
#include <vector>

#include "auditlog/event.h"
#include "auditor/export.h"
#include "auditor/testing/export_fixture.h"
#include "auditor/verify.h"
#include "base/env.h"
#include "crypto/signing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "identity/directory.h"
#include "tests/testing/status_matchers.h"

namespace enlace::auditor {
namespace {

using ::enlace::auditor::testing::CopyDirectory;
using ::enlace::auditor::testing::ExportFixture;
using ::enlace::auditor::testing::LeafHashOf;
using ::enlace::auditor::testing::NodeDirectory;
using ::enlace::auditor::testing::ReadRecords;
using ::enlace::auditor::testing::ReadText;
using ::enlace::auditor::testing::RunProgram;
using ::enlace::auditor::testing::RunResult;
using ::enlace::auditor::testing::SignedAck;
using ::enlace::auditor::testing::SignedTestDirectory;
using ::enlace::auditor::testing::SignTestDirectory;
using ::enlace::auditor::testing::WriteHashes;
using ::enlace::auditor::testing::WriteRecords;
using ::enlace::auditor::testing::WriteText;
using ::testing::HasSubstr;

// The system interpreter, not a pyenv shim: the script must need nothing but the standard library.
constexpr char kPython[] = "/usr/bin/python3";

RunResult PythonVerify(const std::string& dir, const std::string& directory_file = "") {
  std::vector<std::string> argv = {
      kPython, std::string(ENLACE_SOURCE_DIR) + "/tests/audit/verify_export.py", dir};
  if (!directory_file.empty()) {
    argv.push_back("--directory");
    argv.push_back(directory_file);
  }
  return RunProgram(argv);
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
    ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey gt, Ed25519PrivateKey::Generate(RandomSource::Real()));
    events.push_back(SignedAck(gt, "node/GT", std::string(16, 'm'), 1'800'000'100'100));
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
  EXPECT_THAT(run.output, HasSubstr("type 9: 33"));
  EXPECT_THAT(run.output, HasSubstr("type 12: 1"));
  EXPECT_THAT(run.output, HasSubstr("type 14: 1"));
}

// With the directory, the script checks every signed acknowledgement as enlace does: the same
// counts, and the same first forgery.
TEST_F(ExportPythonTest, ChecksAcknowledgementsAgainstTheDirectory) {
  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey gt, Ed25519PrivateKey::Generate(RandomSource::Real()));
  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey hn, Ed25519PrivateKey::Generate(RandomSource::Real()));
  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey gone, Ed25519PrivateKey::Generate(RandomSource::Real()));
  const int64_t t = absl::ToUnixMillis(clock_.Now());
  v1::Directory network =
      NodeDirectory({{"node/GT", gt.public_key()}, {"node/HN", hn.public_key()}}, clock_.Now());
  // Honduras's key is revoked an hour after its acknowledgement: that one still stands.
  v1::Revocation* revocation = network.add_revocations();
  revocation->set_key_id(hn.public_key().KeyId());
  revocation->set_revoked_at_ms(t + 3'600'000);
  ASSERT_OK_AND_ASSIGN(SignedTestDirectory signed_directory, SignTestDirectory(network));
  const std::string directory_file = dir_.Sub("directory.pb");
  WriteText(directory_file, signed_directory.signed_directory);
  ASSERT_OK_AND_ASSIGN(Directory directory, Directory::FromProto(network));

  ASSERT_OK(log_->Append({SignedAck(gt, "node/GT", std::string(16, 'a'), t),  // entry 40
                          SignedAck(hn, "node/HN", std::string(16, 'c'), t),  // 41
                          SignedAck(gone, "node/HN", std::string(16, 'd'), t)},
                         rocksdb::WriteOptions())
                .status());
  GrowTo(45);
  const std::string good = Copy("acks");
  ASSERT_OK(FetchInto(good).status());
  RunResult run = PythonVerify(good, directory_file);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  // Entry 40 of SetUp's log is an acknowledgement by a key the directory does not list.
  EXPECT_THAT(run.output,
              HasSubstr("acknowledgements: 2 verified, 2 not checked (key not in directory "
                        "version 1)"));
  ASSERT_OK_AND_ASSIGN(VerifyResult enlace, VerifyExport(good, std::nullopt, &directory));
  EXPECT_TRUE(enlace.ok());
  ASSERT_TRUE(enlace.acks.has_value());
  EXPECT_EQ(enlace.acks.value().verified, 2u);
  EXPECT_EQ(enlace.acks.value().key_not_listed, 2u);

  // A forged acknowledgement: Guatemala's key named, signed by Honduras. Logged and signed into
  // the tree by the hub, so the export is intact but the acknowledgement is not.
  v1::AuditEvent forged = SignedAck(hn, "node/GT", std::string(16, 'e'), t);
  forged.set_key_id(gt.public_key().KeyId());
  ASSERT_OK(log_->Append({forged}, rocksdb::WriteOptions()).status());  // entry 45
  GrowTo(47);
  ASSERT_OK(FetchInto(good).status());
  run = PythonVerify(good, directory_file);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.output,
              HasSubstr("FAILED: entry 45: the acknowledgement signature does not verify"));
  ASSERT_OK_AND_ASSIGN(enlace, VerifyExport(good, std::nullopt, &directory));
  ASSERT_TRUE(enlace.acks.has_value());
  EXPECT_EQ(enlace.acks.value().failed, 1u);
  ASSERT_EQ(enlace.acks.value().failures.size(), 1u);
  EXPECT_THAT(enlace.acks.value().failures[0].entry_index, ::testing::Optional(45u));
  // Without the directory, both only check the log.
  EXPECT_EQ(PythonVerify(good).exit_code, 0);

  // A directory saying Honduras's key was revoked before it signed: its acknowledgement (entry
  // 41) comes first now.
  network.mutable_revocations(0)->set_revoked_at_ms(t);
  ASSERT_OK_AND_ASSIGN(signed_directory, SignTestDirectory(network));
  WriteText(directory_file, signed_directory.signed_directory);
  run = PythonVerify(good, directory_file);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.output, HasSubstr("FAILED: entry 41: key "));
  EXPECT_THAT(run.output, HasSubstr("of node/HN was not valid at acked_at_ms"));
  ASSERT_OK_AND_ASSIGN(Directory revoked, Directory::FromProto(network));
  ASSERT_OK_AND_ASSIGN(enlace, VerifyExport(good, std::nullopt, &revoked));
  ASSERT_TRUE(enlace.acks.has_value());
  EXPECT_EQ(enlace.acks.value().failed, 2u);
  ASSERT_EQ(enlace.acks.value().failures.size(), 2u);
  EXPECT_THAT(enlace.acks.value().failures[0].entry_index, ::testing::Optional(41u));
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
