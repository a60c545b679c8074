// Offline verification of an export, and the tamper table on the export's files: each change is
// found by VerifyExport and by `enlace-audit verify`, which names the first divergence.
#include "auditor/verify.h"

#include <functional>
#include <string>
#include <vector>

#include "auditlog/event.h"
#include "auditor/export.h"
#include "auditor/report.h"
#include "auditor/testing/export_fixture.h"
#include "base/env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "identity/directory.h"
#include "tests/testing/status_matchers.h"

namespace enlace::auditor {
namespace {

using ::enlace::auditlog::EncodeTreeHead;
using ::enlace::auditlog::TreeHead;
using ::enlace::auditor::testing::AuditToolPath;
using ::enlace::auditor::testing::CopyDirectory;
using ::enlace::auditor::testing::ExportFixture;
using ::enlace::auditor::testing::LeafHashOf;
using ::enlace::auditor::testing::NodeDirectory;
using ::enlace::auditor::testing::ReadHashes;
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
using ::enlace::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Optional;
using TreeComparison = ::enlace::auditor::TreeHeadComparison;

class VerifyTest : public ExportFixture {
 protected:
  // An export with two saved heads (sizes 25 and 40) of a 40-entry log.
  void SetUp() override {
    ExportFixture::SetUp();
    good_ = dir_.Sub("good");
    GrowTo(25);
    ASSERT_OK_AND_ASSIGN(FetchResult first, FetchInto(good_));
    EXPECT_EQ(first.entries_fetched, 25u);
    GrowTo(40);
    ASSERT_OK_AND_ASSIGN(FetchResult second, FetchInto(good_));
    EXPECT_EQ(second.entries_before, 25u);
    EXPECT_EQ(second.entries_fetched, 15u);
  }

  // A copy of the good export changed by `tamper`.
  std::string Tampered(const std::string& name,
                       const std::function<void(const std::string&)>& tamper) {
    const std::string dir = dir_.Sub(name);
    CopyDirectory(good_, dir);
    tamper(dir);
    return dir;
  }

  std::string good_;
};

TEST_F(VerifyTest, AGoodExportVerifies) {
  ASSERT_OK_AND_ASSIGN(VerifyResult result, VerifyExport(good_));
  EXPECT_TRUE(result.ok()) << result.divergence->ToString();
  EXPECT_EQ(result.entries, 40u);
  EXPECT_EQ(result.tree_heads, 2u);
  EXPECT_EQ(result.covered_entries, 40u);
  ASSERT_TRUE(result.latest_head.has_value());
  ASSERT_OK_AND_ASSIGN(TreeHead latest, log_->LatestTreeHead());
  EXPECT_EQ(*result.latest_head, latest);
  EXPECT_EQ(ReadRecords(good_).size(), 40u);

  const RunResult run = RunProgram({AuditToolPath(), "verify", good_});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("OK: 40 entries and 2 tree heads"));
  // The expected key may be required explicitly.
  const RunResult with_key = RunProgram(
      {AuditToolPath(), "verify", "--log-key", HexEncode(log_->public_key().raw()), good_});
  EXPECT_EQ(with_key.exit_code, 0) << with_key.output;
  const RunResult json = RunProgram({AuditToolPath(), "verify", "--json", good_});
  EXPECT_EQ(json.exit_code, 0);
  EXPECT_THAT(json.output, HasSubstr("\"ok\": true"));
}

struct TamperCase {
  std::string name;
  std::function<void(const std::string& dir)> tamper;
  std::string where;     // Divergence::where
  std::string what;      // a part of Divergence::what
  std::string expected;  // Divergence::expected ("" = not checked)
  std::string found;     // Divergence::found ("" = not checked)
};

TEST_F(VerifyTest, EveryTamperIsFoundAndNamed) {
  const std::vector<Bytes> records = ReadRecords(good_);
  const std::vector<Bytes> hashes = ReadHashes(good_);
  const std::string heads_text = ReadText(good_ + "/tree_heads.jsonl");
  ASSERT_OK_AND_ASSIGN(std::vector<TreeHead> heads, ReadTreeHeads(good_));
  ASSERT_EQ(heads.size(), 2u);
  // A different history from entry 20 on, signed by the real key (a fork).
  std::vector<Bytes> forked = records;
  for (size_t i = 20; i < forked.size(); ++i) {
    forked[i] = *auditlog::EncodeLeaf(auditlog::testing::MessageEvent(1000 + i));
  }
  auditlog::InMemoryTree fork_tree(*auditlog::MerkleHasher::Create());
  for (const Bytes& leaf : forked) ASSERT_OK(fork_tree.AppendLeaf(leaf));
  ASSERT_OK_AND_ASSIGN(auditlog::Hash fork_root, fork_tree.Root());
  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey key, auditlog::testing::TestLogKey());
  ASSERT_OK_AND_ASSIGN(
      TreeHead fork_head,
      auditlog::SignTreeHead(40, fork_root, absl::FromUnixMillis(heads[1].timestamp_ms), key));
  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey other_key, auditlog::testing::TestLogKey(2));
  ASSERT_OK_AND_ASSIGN(
      TreeHead foreign_head,
      auditlog::SignTreeHead(40, heads[1].root_hash, absl::FromUnixMillis(heads[1].timestamp_ms),
                             other_key));
  foreign_head.log_id = heads[1].log_id;  // claims to be this log's head
  auto hex_hash = [](const Bytes& h) { return HexEncode(h); };

  const std::vector<TamperCase> cases = {
      {"one byte of a leaf",
       [&](const std::string& dir) {
         std::vector<Bytes> r = records;
         r[7][5] ^= 0x01;
         WriteRecords(dir, r);
       },
       "entry 7", "differs from the one recorded", hex_hash(hashes[7]), ""},
      {"an entry deleted",
       [&](const std::string& dir) {
         std::vector<Bytes> r = records;
         r.erase(r.begin() + 7);
         WriteRecords(dir, r);
       },
       "entry 7", "differs from the one recorded", hex_hash(hashes[7]),
       hex_hash(LeafHashOf(records[8]))},
      {"an entry deleted with its hash",
       [&](const std::string& dir) {
         std::vector<Bytes> r = records;
         std::vector<Bytes> h = hashes;
         r.erase(r.begin() + 7);
         h.erase(h.begin() + 7);
         WriteRecords(dir, r);
         WriteHashes(dir, h);
       },
       "tree head 1 (size 25)", "is not the signed root",
       HexEncode(auditlog::HashView(heads[0].root_hash)), ""},
      {"two entries swapped",
       [&](const std::string& dir) {
         std::vector<Bytes> r = records;
         std::swap(r[7], r[30]);
         WriteRecords(dir, r);
       },
       "entry 7", "differs from the one recorded", hex_hash(hashes[7]),
       hex_hash(LeafHashOf(records[30]))},
      {"truncated and regrown with other entries (a fork)",
       [&](const std::string& dir) {
         std::vector<Bytes> h;
         for (const Bytes& leaf : forked) h.push_back(LeafHashOf(leaf));
         WriteRecords(dir, forked);
         WriteHashes(dir, h);
       },
       "tree head 1 (size 25)", "the root recomputed from entries 0..24 is not the signed root",
       HexEncode(auditlog::HashView(heads[0].root_hash)), ""},
      {"a fork with a head signed for it",
       [&](const std::string& dir) {
         std::vector<Bytes> h;
         for (const Bytes& leaf : forked) h.push_back(LeafHashOf(leaf));
         WriteRecords(dir, forked);
         WriteHashes(dir, h);
         WriteText(dir + "/tree_heads.jsonl",
                   TreeHeadToJson(heads[0]) + "\n" + TreeHeadToJson(fork_head) + "\n");
       },
       "tree head 1 (size 25)", "is not the signed root", "", ""},
      {"a tree head replaced by another key's",
       [&](const std::string& dir) {
         WriteText(dir + "/tree_heads.jsonl",
                   TreeHeadToJson(heads[0]) + "\n" + TreeHeadToJson(foreign_head) + "\n");
       },
       "tree head 2 (size 40)", "signature does not verify", "", ""},
      {"a tree head moved to another size",
       [&](const std::string& dir) {
         TreeHead moved = heads[1];
         moved.tree_size = 39;
         WriteText(dir + "/tree_heads.jsonl",
                   TreeHeadToJson(heads[0]) + "\n" + TreeHeadToJson(moved) + "\n");
       },
       "tree head 2 (size 39)", "signature does not verify", "", ""},
      {"the last entries cut off",
       [&](const std::string& dir) {
         WriteRecords(dir, std::vector<Bytes>(records.begin(), records.end() - 3));
       },
       "entry 37", "missing from entries.bin", hex_hash(hashes[37]), "the end of entries.bin"},
      {"a record cut in the middle",
       [&](const std::string& dir) {
         std::string data = ReadText(dir + "/entries.bin");
         WriteText(dir + "/entries.bin", data.substr(0, data.size() - 10));
       },
       "entry 39", "cut short", "", ""},
      {"a garbled tree heads file",
       [&](const std::string& dir) { WriteText(dir + "/tree_heads.jsonl", heads_text + "{\n"); },
       "tree_heads.jsonl", "line 3", "", ""},
      {"another log key pinned",
       [&](const std::string& dir) { ASSERT_OK(WriteLogKey(dir, other_key.public_key())); },
       "tree head 1 (size 25)", "names log", "", ""},
  };
  for (const TamperCase& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string dir = Tampered(std::to_string(&c - cases.data()), c.tamper);
    ASSERT_OK_AND_ASSIGN(VerifyResult result, VerifyExport(dir));
    ASSERT_TRUE(result.divergence.has_value());
    EXPECT_FALSE(result.ok());
    EXPECT_EQ(result.divergence->where, c.where);
    EXPECT_THAT(result.divergence->what, HasSubstr(c.what));
    if (!c.expected.empty()) {
      EXPECT_EQ(result.divergence->expected, c.expected);
    }
    if (!c.found.empty()) {
      EXPECT_EQ(result.divergence->found, c.found);
    }

    const RunResult run = RunProgram({AuditToolPath(), "verify", dir});
    EXPECT_EQ(run.exit_code, 1) << run.output;
    EXPECT_THAT(run.output, HasSubstr("FAILED: first divergence at " + c.where));
    if (!c.expected.empty()) {
      EXPECT_THAT(run.output, HasSubstr("expected: " + c.expected));
    }
  }
}

TEST_F(VerifyTest, AnEntryIndexIsGivenForEntryDivergences) {
  const std::string dir = Tampered("byte", [](const std::string& d) {
    std::vector<Bytes> r = ReadRecords(d);
    r[12][3] ^= 0x40;
    WriteRecords(d, r);
  });
  ASSERT_OK_AND_ASSIGN(VerifyResult result, VerifyExport(dir));
  ASSERT_TRUE(result.divergence.has_value());
  EXPECT_THAT(result.divergence->entry_index, Optional(12u));
  // What came before the divergence is reported as verified.
  EXPECT_EQ(result.entries, 12u);
  EXPECT_EQ(result.tree_heads, 0u);
  const RunResult json = RunProgram({AuditToolPath(), "verify", "--json", dir});
  EXPECT_EQ(json.exit_code, 1);
  EXPECT_THAT(json.output, HasSubstr("\"entry_index\": 12"));
}

TEST_F(VerifyTest, AWrongExpectedKeyIsAFailureAndBadFlagsCannotRun) {
  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey other, auditlog::testing::TestLogKey(3));
  const RunResult run = RunProgram(
      {AuditToolPath(), "verify", "--log-key", HexEncode(other.public_key().raw()), good_});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.output, HasSubstr("the pinned log key is not the expected one"));
  EXPECT_EQ(RunProgram({AuditToolPath(), "verify", dir_.Sub("missing")}).exit_code, 2);
  EXPECT_EQ(RunProgram({AuditToolPath(), "verify", "--log-key", "zz", good_}).exit_code, 2);
  const RunResult empty = RunProgram({AuditToolPath(), "verify", dir_.path()});
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_THAT(empty.output, HasSubstr("not an export directory"));
}

// With the directory, every acknowledgement in the log is checked: a forged one is reported at
// its entry while the pass goes on, one whose key the directory no longer lists is only counted.
TEST_F(VerifyTest, AcknowledgementsAreCheckedAgainstTheDirectory) {
  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey gt, Ed25519PrivateKey::Generate(RandomSource::Real()));
  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey hn, Ed25519PrivateKey::Generate(RandomSource::Real()));
  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey gone, Ed25519PrivateKey::Generate(RandomSource::Real()));
  const int64_t t = absl::ToUnixMillis(clock_.Now());
  // The hub's forgery: Guatemala's key named, but the signature is Honduras's.
  v1::AuditEvent forged = SignedAck(hn, "node/GT", std::string(16, 'b'), t);
  forged.set_key_id(gt.public_key().KeyId());
  ASSERT_OK(log_->Append({SignedAck(gt, "node/GT", std::string(16, 'a'), t),  // entry 40
                          forged,                                             // 41
                          SignedAck(hn, "node/HN", std::string(16, 'c'), t),  // 42
                          SignedAck(gone, "node/HN", std::string(16, 'd'), t)},
                         rocksdb::WriteOptions())
                .status());
  GrowTo(50);
  const std::string dir = dir_.Sub("acks");
  ASSERT_OK(FetchInto(dir).status());
  ASSERT_OK_AND_ASSIGN(
      Directory directory,
      Directory::FromProto(NodeDirectory(
          {{"node/GT", gt.public_key()}, {"node/HN", hn.public_key()}}, clock_.Now())));

  ASSERT_OK_AND_ASSIGN(VerifyResult without, VerifyExport(dir));
  EXPECT_TRUE(without.ok());
  EXPECT_FALSE(without.acks.has_value());

  ASSERT_OK_AND_ASSIGN(VerifyResult result, VerifyExport(dir, std::nullopt, &directory));
  EXPECT_FALSE(result.divergence.has_value());
  EXPECT_EQ(result.covered_entries, 50u);  // the pass went on past the forgery
  ASSERT_TRUE(result.acks.has_value());
  EXPECT_EQ(result.acks->verified, 2u);
  EXPECT_EQ(result.acks->key_not_listed, 1u);
  EXPECT_EQ(result.acks->failed, 1u);
  ASSERT_EQ(result.acks->failures.size(), 1u);
  EXPECT_THAT(result.acks->failures[0].entry_index, Optional(41u));
  EXPECT_THAT(result.acks->failures[0].what, HasSubstr("does not verify with its key"));
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.acks->Summary(),
            "acknowledgements: 2 verified, 1 not checked (key not in the directory), 1 failed");

  // The report says so too, and does not call the export verified.
  ReportOptions options;
  options.from = clock_.Now() - absl::Hours(1);
  options.to = clock_.Now() + absl::Hours(1);
  options.directory = &directory;
  ASSERT_OK_AND_ASSIGN(Report report, BuildReport(dir, options));
  EXPECT_FALSE(report.verified);
  EXPECT_THAT(report.verification, HasSubstr("1 failed; first: entry 41"));
  options.directory = nullptr;
  ASSERT_OK_AND_ASSIGN(Report unchecked, BuildReport(dir, options));
  EXPECT_TRUE(unchecked.verified) << unchecked.verification;
}

// enlace-audit verify --directory FILE --root-cert ROOT: the operator's signed directory,
// verified against the root, then every acknowledgement against it.
TEST_F(VerifyTest, TheCommandLineChecksAcknowledgementsWithASignedDirectory) {
  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey gt, Ed25519PrivateKey::Generate(RandomSource::Real()));
  const int64_t t = absl::ToUnixMillis(clock_.Now());
  ASSERT_OK(
      log_->Append({SignedAck(gt, "node/GT", std::string(16, 'a'), t)}, rocksdb::WriteOptions())
          .status());
  GrowTo(45);
  const std::string dir = dir_.Sub("acks");
  ASSERT_OK(FetchInto(dir).status());
  ASSERT_OK_AND_ASSIGN(
      SignedTestDirectory network,
      SignTestDirectory(NodeDirectory({{"node/GT", gt.public_key()}}, clock_.Now())));
  const std::string directory = dir_.Sub("directory.pb");
  const std::string root = dir_.Sub("root.pem");
  WriteText(directory, network.signed_directory);
  WriteText(root, network.root_pem);

  RunResult run =
      RunProgram({AuditToolPath(), "verify", "--directory", directory, "--root-cert", root, dir});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("OK: 45 entries"));
  EXPECT_THAT(run.output, HasSubstr("acknowledgements: 1 verified, 0 not checked (key not in the "
                                    "directory), 0 failed (directory version 1)"));
  run = RunProgram(
      {AuditToolPath(), "verify", "--json", "--directory", directory, "--root-cert", root, dir});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("\"verified\": 1"));

  // The acknowledgement's bytes changed in the export and its hash re-recorded: the entry no
  // longer produces the signed root, which verify reports first.
  std::vector<Bytes> records = ReadRecords(dir);
  records[40][records[40].size() - 1] ^= 1;  // the last byte of its signature
  std::vector<Bytes> hashes = ReadHashes(dir);
  hashes[40] = LeafHashOf(records[40]);
  WriteRecords(dir, records);
  WriteHashes(dir, hashes);
  run = RunProgram({AuditToolPath(), "verify", "--directory", directory, "--root-cert", root, dir});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.output, HasSubstr("FAILED: first divergence at tree head 1 (size 45)"));
  EXPECT_THAT(run.output, HasSubstr("acknowledgements: 0 verified, 0 not checked (key not in the "
                                    "directory), 1 failed"));

  // A directory not signed for this root, or given without a root, cannot be used.
  ASSERT_OK_AND_ASSIGN(
      SignedTestDirectory other,
      SignTestDirectory(NodeDirectory({{"node/GT", gt.public_key()}}, clock_.Now())));
  WriteText(root, other.root_pem);
  run = RunProgram({AuditToolPath(), "verify", "--directory", directory, "--root-cert", root, dir});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr("is not a directory signed for this root"));
  run = RunProgram({AuditToolPath(), "verify", "--directory", directory, dir});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr("--directory requires --root-cert"));
}

// Heads that others were shown, against the export (sizes 25 and 40 of a 40-entry log): the
// log's own heads match, a head signed over another root is a fork, a larger one cannot be
// judged yet, and one the log key did not sign is no evidence.
TEST_F(VerifyTest, TreeHeadsOthersWereShownAreComparedWithTheExport) {
  ASSERT_OK_AND_ASSIGN(TreeHead at_25, log_->GetTreeHead(25));
  ASSERT_OK_AND_ASSIGN(TreeComparison same,
                       CompareTreeHead(good_, HexEncode(EncodeTreeHead(at_25))));
  EXPECT_EQ(same.outcome, TreeComparison::Outcome::kMatches);
  EXPECT_EQ(same.export_root, at_25.root_hash);

  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey key, auditlog::testing::TestLogKey());
  auditlog::Hash other = at_25.root_hash;
  other[0] ^= 0x01;
  ASSERT_OK_AND_ASSIGN(
      TreeHead forked,
      auditlog::SignTreeHead(25, other, absl::FromUnixMillis(at_25.timestamp_ms), key));
  ASSERT_OK_AND_ASSIGN(TreeComparison fork,
                       CompareTreeHead(good_, HexEncode(EncodeTreeHead(forked))));
  EXPECT_EQ(fork.outcome, TreeComparison::Outcome::kFork);
  EXPECT_EQ(fork.export_root, at_25.root_hash);
  const RunResult run = RunProgram({AuditToolPath(), "compare", good_, "--tree-head",
                                    HexEncode(EncodeTreeHead(at_25)), "--tree-head",
                                    HexEncode(EncodeTreeHead(forked))});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("OK: the head of size 25"));
  EXPECT_THAT(run.output, HasSubstr("FORK: the hub signed two histories"));

  GrowTo(50);
  ASSERT_OK_AND_ASSIGN(TreeHead at_50, log_->GetTreeHead(50));
  ASSERT_OK_AND_ASSIGN(TreeComparison ahead,
                       CompareTreeHead(good_, HexEncode(EncodeTreeHead(at_50))));
  EXPECT_EQ(ahead.outcome, TreeComparison::Outcome::kBeyondExport);
  EXPECT_EQ(ahead.export_size, 40u);

  TreeHead unsigned_head = at_25;
  unsigned_head.signature[0] ^= 0x01;
  EXPECT_THAT(CompareTreeHead(good_, HexEncode(EncodeTreeHead(unsigned_head))),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not signed")));
  EXPECT_THAT(CompareTreeHead(good_, "zz"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a signed tree head")));
}

}  // namespace
}  // namespace enlace::auditor
