// Fetching from a hub that behaves, and from one that does not: every rewrite of history, a
// replaced tree head or a proof for another size is refused before anything is saved, and the
// node-side check of the verifier library (VerifyTreeHeadUpdate / VerifyInclusion) catches the
// same misbehaviour.
#include "auditor/fetch.h"

#include <functional>
#include <string>
#include <vector>

#include "auditlog/event.h"
#include "auditlog/verifier.h"
#include "auditor/export.h"
#include "auditor/testing/export_fixture.h"
#include "auditor/testing/in_process_hub.h"
#include "auditor/verify.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace::auditor {
namespace {

using ::enlace::auditlog::AuditLog;
using ::enlace::auditlog::TreeHead;
using ::enlace::auditlog::testing::LogDb;
using ::enlace::auditlog::testing::MessageEvent;
using ::enlace::auditlog::testing::TestLogKey;
using ::enlace::auditor::testing::ExportFixture;
using ::enlace::auditor::testing::InProcessHub;
using ::enlace::auditor::testing::ReadRecords;
using ::enlace::auditor::testing::ReadText;
using ::enlace::auditor::testing::WriteRecords;
using ::enlace::auditor::testing::WriteText;
using ::enlace::testing::StatusIs;
using ::testing::_;
using ::testing::HasSubstr;

ParticipantId Auditor() { return *ParticipantId::Parse("auditor/ines"); }

std::vector<std::string> Strings(const google::protobuf::RepeatedPtrField<std::string>& field) {
  return std::vector<std::string>(field.begin(), field.end());
}

// Another log under the same key: the hub rewriting its history.
class RewrittenLog {
 public:
  RewrittenLog(const std::string& path, const std::vector<v1::AuditEvent>& events,
               FakeClock* clock) {
    db_ = *LogDb::Open(path);
    auditlog::AuditLogOptions options;
    options.clock = clock;
    log_ = *AuditLog::Open(db_->db(), db_->cfs(), *TestLogKey(), options);
    EXPECT_OK(log_->Append(events, rocksdb::WriteOptions()).status());
    EXPECT_OK(log_->IssueTreeHead().status());
  }
  AuditLog* log() { return log_.get(); }

 private:
  std::unique_ptr<LogDb> db_;
  std::unique_ptr<AuditLog> log_;
};

class FetchTest : public ExportFixture {
 protected:
  void SetUp() override {
    ExportFixture::SetUp();
    export_ = dir_.Sub("export");
    GrowTo(25);
    ASSERT_OK(FetchInto(export_).status());
    ASSERT_OK_AND_ASSIGN(saved_, log_->LatestTreeHead());
  }

  // The files of the export, to prove that a refused fetch changed nothing.
  std::string Snapshot() {
    return ReadText(export_ + "/entries.bin") + ReadText(export_ + "/leaf_hashes.bin") +
           ReadText(export_ + "/tree_heads.jsonl") + ReadText(export_ + "/log.json");
  }

  std::vector<v1::AuditEvent> Events(uint64_t n) {
    std::vector<v1::AuditEvent> events;
    for (uint64_t i = 0; i < n; ++i) events.push_back(MessageEvent(i));
    return events;
  }

  absl::StatusOr<FetchResult> FetchFrom(InProcessHub& hub, const FetchOptions& options = {}) {
    return Fetch(&hub.stub(), export_, options);
  }

  std::string export_;
  TreeHead saved_;
};

TEST_F(FetchTest, ResumesFromWhatItHas) {
  GrowTo(60);
  InProcessHub hub(log_.get(), Auditor());
  ASSERT_OK_AND_ASSIGN(FetchResult result, FetchFrom(hub));
  EXPECT_EQ(result.entries_before, 25u);
  EXPECT_EQ(result.entries_fetched, 35u);
  EXPECT_TRUE(result.new_head);
  EXPECT_FALSE(result.pinned_key);
  EXPECT_EQ(result.head.tree_size, 60u);
  // Nothing new: nothing fetched, nothing saved.
  ASSERT_OK_AND_ASSIGN(result, FetchFrom(hub));
  EXPECT_EQ(result.entries_fetched, 0u);
  EXPECT_FALSE(result.new_head);
  ASSERT_OK_AND_ASSIGN(VerifyResult verified, VerifyExport(export_));
  EXPECT_TRUE(verified.ok());
  EXPECT_EQ(verified.tree_heads, 2u);
}

TEST_F(FetchTest, AnInterruptedFetchResumesAndADamagedTailIsDropped) {
  GrowTo(60);
  InProcessHub hub(log_.get(), Auditor());
  int pages = 0;
  ON_CALL(hub.stub(), ListEntries(_, _, _))
      .WillByDefault([&](grpc::ClientContext*, const v1::ListEntriesRequest& request,
                         v1::ListEntriesResponse* response) {
        if (++pages == 3) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection lost");
        *response = *auditlog::AuditLogAccess(log_.get()).ListEntries(Auditor(), request);
        return grpc::Status::OK;
      });
  FetchOptions options;
  options.page_size = 10;
  EXPECT_THAT(FetchFrom(hub, options),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("connection lost")));
  ASSERT_OK_AND_ASSIGN(VerifyResult partial, VerifyExport(export_));
  EXPECT_FALSE(partial.divergence.has_value());
  EXPECT_FALSE(partial.ok());
  EXPECT_EQ(partial.uncovered_entries(), 20u);  // two pages arrived after head 25
  // A crash in the middle of a write leaves half a record.
  WriteText(export_ + "/entries.bin", ReadText(export_ + "/entries.bin") + std::string(2, '\0'));
  ASSERT_OK_AND_ASSIGN(FetchResult resumed, FetchFrom(hub, options));
  EXPECT_EQ(resumed.dropped_tail, 20u);  // the tail is damaged, so it is fetched again
  EXPECT_EQ(resumed.entries_fetched, 35u);
  ASSERT_OK_AND_ASSIGN(VerifyResult verified, VerifyExport(export_));
  EXPECT_TRUE(verified.ok()) << verified.divergence->ToString();
  EXPECT_EQ(verified.entries, 60u);
}

TEST_F(FetchTest, AnIntactTailIsKept) {
  GrowTo(60);
  InProcessHub hub(log_.get(), Auditor());
  int pages = 0;
  ON_CALL(hub.stub(), ListEntries(_, _, _))
      .WillByDefault([&](grpc::ClientContext*, const v1::ListEntriesRequest& request,
                         v1::ListEntriesResponse* response) {
        if (++pages == 2) return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "slow");
        *response = *auditlog::AuditLogAccess(log_.get()).ListEntries(Auditor(), request);
        return grpc::Status::OK;
      });
  FetchOptions options;
  options.page_size = 10;
  EXPECT_FALSE(FetchFrom(hub, options).ok());
  ASSERT_OK_AND_ASSIGN(FetchResult resumed, FetchFrom(hub, options));
  EXPECT_EQ(resumed.dropped_tail, 0u);
  EXPECT_EQ(resumed.entries_before, 35u);
  EXPECT_EQ(resumed.entries_fetched, 25u);
  ASSERT_OK_AND_ASSIGN(VerifyResult verified, VerifyExport(export_));
  EXPECT_TRUE(verified.ok());
}

// The hub rewrites its history under the same key: delete an entry, swap two, or truncate and
// regrow with different entries. The auditor (and any node) that kept the head of size 25
// refuses the new head; nothing is saved.
TEST_F(FetchTest, RewrittenHistoryIsRefusedByTheAuditorAndTheNodeCheck) {
  struct Case {
    std::string name;
    std::function<std::vector<v1::AuditEvent>(std::vector<v1::AuditEvent>)> rewrite;
  };
  const std::vector<Case> cases = {
      {"an entry deleted",
       [](std::vector<v1::AuditEvent> e) {
         e.erase(e.begin() + 5);
         return e;
       }},
      {"two entries swapped",
       [](std::vector<v1::AuditEvent> e) {
         std::swap(e[3], e[9]);
         return e;
       }},
      {"one entry changed",
       [](std::vector<v1::AuditEvent> e) {
         e[11].set_envelope_size(e[11].envelope_size() + 1);
         return e;
       }},
      {"truncated and regrown (a fork)",
       [](std::vector<v1::AuditEvent> e) {
         e.resize(20);
         for (int i = 0; i < 30; ++i) e.push_back(MessageEvent(5000 + i));
         return e;
       }},
  };
  const std::string before = Snapshot();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RewrittenLog rewritten(dir_.Sub("rewritten" + std::to_string(&c - cases.data())),
                           c.rewrite(Events(40)), &clock_);
    InProcessHub hub(rewritten.log(), Auditor());
    EXPECT_THAT(FetchFrom(hub),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr("does not extend the one this "
                                                                "export saved")));
    EXPECT_EQ(Snapshot(), before);

    // A node that kept the head of size 25 runs the same check with the library.
    ASSERT_OK_AND_ASSIGN(TreeHead new_head, rewritten.log()->LatestTreeHead());
    v1::GetConsistencyProofRequest request;
    request.set_first_size(saved_.tree_size);
    v1::ConsistencyProof proof;
    ASSERT_TRUE(hub.stub().GetConsistencyProof(nullptr, request, &proof).ok());
    EXPECT_FALSE(
        auditlog::VerifyTreeHeadUpdate(saved_, new_head, Strings(proof.proof()), log_->public_key())
            .ok());
  }
}

// The hub changes one byte of a stored leaf (its nodes untouched): a fresh export refuses the
// entries, and a node checking that entry's inclusion proof catches it.
TEST_F(FetchTest, AChangedStoredLeafIsCaught) {
  GrowTo(40);
  Bytes key;
  AppendUint64(30, &key);
  std::string leaf;
  ASSERT_TRUE(db()->Get(rocksdb::ReadOptions(), cfs().leaves, key, &leaf).ok());
  leaf[10] ^= 0x01;
  ASSERT_TRUE(db()->Put(rocksdb::WriteOptions(), cfs().leaves, key, leaf).ok());

  InProcessHub hub(log_.get(), Auditor());
  EXPECT_THAT(FetchFrom(hub),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("entries 25..39 as served by the hub do not produce the root")));
  ASSERT_OK_AND_ASSIGN(VerifyResult still, VerifyExport(export_));
  EXPECT_TRUE(still.ok());
  EXPECT_EQ(still.entries, 25u);  // the bad entries were not kept

  InProcessHub node_view(log_.get(), *ParticipantId::Parse("node/MX"));
  v1::GetInclusionProofRequest request;
  request.set_leaf_index(30);
  v1::InclusionProof proof;
  ASSERT_TRUE(node_view.stub().GetInclusionProof(nullptr, request, &proof).ok());
  ASSERT_OK_AND_ASSIGN(auditlog::MerkleHasher hasher, auditlog::MerkleHasher::Create());
  ASSERT_OK_AND_ASSIGN(auditlog::Hash served, hasher.HashLeaf(leaf));
  EXPECT_THAT(auditlog::VerifyInclusion(auditlog::HashView(served), 30, proof.tree_size(),
                                        Strings(proof.audit_path()), proof.tree_head().root_hash()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("inclusion of leaf 30")));
}

TEST_F(FetchTest, AReplacedTreeHeadIsRefused) {
  GrowTo(40);
  ASSERT_OK_AND_ASSIGN(TreeHead real, log_->LatestTreeHead());
  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey other, TestLogKey(2));
  struct Case {
    std::string name;
    TreeHead head;
    std::string error;
  };
  TreeHead foreign = *auditlog::SignTreeHead(40, real.root_hash, clock_.Now(), other);
  TreeHead claimed = foreign;
  claimed.log_id = real.log_id;
  TreeHead other_root =
      *auditlog::SignTreeHead(40, auditlog::EmptyRoot(), clock_.Now(), *TestLogKey());
  TreeHead garbled = real;
  garbled.signature[3] ^= 1;
  const std::vector<Case> cases = {
      {"signed by another key", foreign, "names log"},
      {"another key claiming this log", claimed, "signature does not verify"},
      {"a different root signed by the log key", other_root, "consistency from size 25 to 40"},
      {"a garbled signature", garbled, "signature does not verify"},
  };
  std::vector<std::string> proof;
  ASSERT_OK_AND_ASSIGN(std::vector<auditlog::Hash> path, log_->ConsistencyProof(25, 40));
  for (const auditlog::Hash& h : path) proof.emplace_back(auditlog::HashView(h));
  const std::string before = Snapshot();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    InProcessHub hub(log_.get(), Auditor());
    ON_CALL(hub.stub(), GetTreeHead(_, _, _))
        .WillByDefault(
            [&](grpc::ClientContext*, const v1::GetTreeHeadRequest&, v1::TreeHead* response) {
              *response = auditlog::ToProto(c.head);
              return grpc::Status::OK;
            });
    EXPECT_THAT(FetchFrom(hub), StatusIs(absl::StatusCode::kDataLoss, HasSubstr(c.error)));
    EXPECT_EQ(Snapshot(), before);
    // The node-side check, with the hub's genuine proof from 25 to 40.
    EXPECT_THAT(auditlog::VerifyTreeHeadUpdate(saved_, c.head, proof, log_->public_key()),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.error)));
  }
}

TEST_F(FetchTest, AProofForAnotherTreeSizeIsRefused) {
  GrowTo(40);
  GrowTo(41);
  InProcessHub hub(log_.get(), Auditor());
  ON_CALL(hub.stub(), GetConsistencyProof(_, _, _))
      .WillByDefault([&](grpc::ClientContext*, const v1::GetConsistencyProofRequest& request,
                         v1::ConsistencyProof* response) {
        v1::GetConsistencyProofRequest shifted = request;
        shifted.set_second_size(request.second_size() - 1);  // the head of size 40
        *response = *auditlog::AuditLogAccess(log_.get()).GetConsistencyProof(Auditor(), shifted);
        return grpc::Status::OK;
      });
  const std::string before = Snapshot();
  EXPECT_THAT(FetchFrom(hub),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("consistency from size 25 to 41")));
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(FetchTest, AShrunkenLogIsRefused) {
  InProcessHub hub(log_.get(), Auditor());
  TreeHead smaller = *auditlog::SignTreeHead(10, *log_->RootAt(10), clock_.Now(), *TestLogKey());
  ON_CALL(hub.stub(), GetTreeHead(_, _, _))
      .WillByDefault(
          [&](grpc::ClientContext*, const v1::GetTreeHeadRequest&, v1::TreeHead* response) {
            *response = auditlog::ToProto(smaller);
            return grpc::Status::OK;
          });
  EXPECT_THAT(FetchFrom(hub), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("the log shrank")));
}

TEST_F(FetchTest, TheLogKeyIsPinned) {
  // A new directory needs the operator's key, or an explicit trust on first use.
  InProcessHub hub(log_.get(), Auditor());
  const std::string fresh = dir_.Sub("fresh");
  EXPECT_THAT(Fetch(&hub.stub(), fresh, {}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("--log-key")));
  FetchOptions wrong;
  wrong.log_key = TestLogKey(2)->public_key();
  EXPECT_THAT(Fetch(&hub.stub(), fresh, wrong),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("not with the given key")));
  FetchOptions right;
  right.log_key = log_->public_key();
  ASSERT_OK_AND_ASSIGN(FetchResult result, Fetch(&hub.stub(), fresh, right));
  EXPECT_TRUE(result.pinned_key);
  EXPECT_EQ(result.entries_fetched, 25u);

  // A hub that later presents another key is refused.
  ON_CALL(hub.stub(), GetLogInfo(_, _, _))
      .WillByDefault([&](grpc::ClientContext*, const v1::GetLogInfoRequest&, v1::LogInfo* info) {
        info->set_public_key(TestLogKey(2)->public_key().raw());
        return grpc::Status::OK;
      });
  EXPECT_THAT(FetchFrom(hub), StatusIs(absl::StatusCode::kDataLoss,
                                       HasSubstr("not with the key this export pinned")));
}

TEST_F(FetchTest, DamageToWhatASavedHeadCoversStopsTheFetch) {
  std::vector<Bytes> records = ReadRecords(export_);
  records[4][6] ^= 0x20;
  WriteRecords(export_, records);
  GrowTo(30);
  InProcessHub hub(log_.get(), Auditor());
  EXPECT_THAT(FetchFrom(hub), StatusIs(absl::StatusCode::kFailedPrecondition,
                                       HasSubstr("does not verify, so nothing is added to it: "
                                                 "entry 4")));
}

}  // namespace
}  // namespace enlace::auditor
