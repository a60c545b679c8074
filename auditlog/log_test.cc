#include "auditlog/log.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "auditlog/event.h"
#include "auditlog/testing/log_fixture.h"
#include "auditlog/verifier.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace::auditlog {
namespace {

using ::enlace::auditlog::testing::LogFixture;
using ::enlace::auditlog::testing::MessageEvent;
using ::enlace::testing::StatusIs;
using ::testing::HasSubstr;

std::vector<std::string> AsBytes(const std::vector<Hash>& hashes) {
  std::vector<std::string> out;
  for (const Hash& h : hashes) out.emplace_back(HashView(h));
  return out;
}

class AuditLogTest : public LogFixture {};

TEST_F(AuditLogTest, AppendsMatchAnInMemoryTreeAndEveryProofVerifies) {
  InMemoryTree expected(*MerkleHasher::Create());
  std::vector<Hash> roots = {EmptyRoot()};
  for (int batch = 0; batch < 12; ++batch) {
    std::vector<v1::AuditEvent> events;
    for (int i = 0; i <= batch % 4; ++i) events.push_back(MessageEvent(log_->size() + i));
    ASSERT_OK_AND_ASSIGN(uint64_t first, log_->Append(events, rocksdb::WriteOptions()));
    EXPECT_EQ(first, expected.size());
    for (const v1::AuditEvent& e : events) {
      ASSERT_OK_AND_ASSIGN(Bytes leaf, EncodeLeaf(e));
      ASSERT_OK(expected.AppendLeaf(leaf));
      ASSERT_OK_AND_ASSIGN(Hash root, expected.Root());
      roots.push_back(root);
    }
    ASSERT_EQ(log_->size(), expected.size());
  }
  const uint64_t n = log_->size();
  ASSERT_EQ(n, 30u);
  for (uint64_t size = 0; size <= n; ++size) {
    ASSERT_OK_AND_ASSIGN(Hash root, log_->RootAt(size));
    EXPECT_EQ(root, roots[size]) << "size " << size;
  }
  for (uint64_t size = 1; size <= n; ++size) {
    for (uint64_t index = 0; index < size; ++index) {
      ASSERT_OK_AND_ASSIGN(std::vector<Hash> path, log_->InclusionProof(index, size));
      ASSERT_OK_AND_ASSIGN(Hash leaf_hash, log_->LeafHash(index));
      EXPECT_OK(
          VerifyInclusion(HashView(leaf_hash), index, size, AsBytes(path), HashView(roots[size])));
    }
    for (uint64_t first = 1; first <= size; ++first) {
      ASSERT_OK_AND_ASSIGN(std::vector<Hash> proof, log_->ConsistencyProof(first, size));
      EXPECT_OK(VerifyConsistency(first, size, AsBytes(proof), HashView(roots[first]),
                                  HashView(roots[size])));
    }
  }
  ASSERT_OK_AND_ASSIGN(std::vector<Bytes> leaves, log_->ReadEntries(3, 5, n));
  ASSERT_EQ(leaves.size(), 5u);
  for (size_t i = 0; i < leaves.size(); ++i) {
    ASSERT_OK_AND_ASSIGN(Hash h, expected.hasher().HashLeaf(leaves[i]));
    ASSERT_OK_AND_ASSIGN(Hash stored, log_->LeafHash(3 + i));
    EXPECT_EQ(h, stored);
  }
  EXPECT_THAT(log_->InclusionProof(0, n + 1),
              StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("beyond the log's 30 entries")));
}

TEST_F(AuditLogTest, ReopenRebuildsFromTheBorderAlone) {
  std::vector<v1::AuditEvent> events;
  for (int i = 0; i < 45; ++i) events.push_back(MessageEvent(i));
  ASSERT_OK(log_->Append(events, rocksdb::WriteOptions()).status());
  ASSERT_OK(log_->IssueTreeHead().status());
  ASSERT_OK_AND_ASSIGN(Hash root, log_->RootAt(45));
  ASSERT_OK_AND_ASSIGN(TreeHead head, log_->LatestTreeHead());
  Reopen();
  EXPECT_EQ(log_->size(), 45u);
  ASSERT_OK_AND_ASSIGN(TreeHead reopened_head, log_->LatestTreeHead());
  EXPECT_EQ(reopened_head, head);
  ASSERT_OK_AND_ASSIGN(Hash reopened_root, log_->RootAt(45));
  EXPECT_EQ(reopened_root, root);
  // Appending after a reopen continues the same tree.
  InMemoryTree expected(*MerkleHasher::Create());
  for (int i = 0; i < 46; ++i) ASSERT_OK(expected.AppendLeaf(*EncodeLeaf(MessageEvent(i))));
  ASSERT_OK(log_->Append({MessageEvent(45)}, rocksdb::WriteOptions()).status());
  ASSERT_OK_AND_ASSIGN(Hash after, log_->RootAt(46));
  ASSERT_OK_AND_ASSIGN(Hash expected_root, expected.Root());
  EXPECT_EQ(after, expected_root);
}

TEST_F(AuditLogTest, AppendCommitsAtomicallyWithTheCallersBatch) {
  rocksdb::WriteBatch batch;
  ASSERT_TRUE(batch.Put(caller_cf(), "mailbox/node/GT/1", "envelope").ok());
  ASSERT_OK_AND_ASSIGN(PendingAppend pending,
                       log_->PrepareAppend({MessageEvent(0), MessageEvent(1)}, &batch));
  EXPECT_EQ(pending.first_index(), 0u);
  EXPECT_EQ(pending.count(), 2u);
  // Nothing is visible before the commit.
  EXPECT_EQ(log_->size(), 0u);
  // Only one append may be pending.
  rocksdb::WriteBatch other;
  EXPECT_THAT(log_->PrepareAppend({MessageEvent(2)}, &other),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("neither committed")));
  ASSERT_TRUE(db()->Write(rocksdb::WriteOptions(), &batch).ok());
  ASSERT_OK(log_->CommitAppend(pending));
  EXPECT_EQ(log_->size(), 2u);
  std::string value;
  ASSERT_TRUE(db()->Get(rocksdb::ReadOptions(), caller_cf(), "mailbox/node/GT/1", &value).ok());
  // A second commit of the same append is refused.
  EXPECT_THAT(log_->CommitAppend(pending),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not the pending")));
}

TEST_F(AuditLogTest, CommitWithoutTheWriteIsCaughtAndMemoryStaysBehindDisk) {
  rocksdb::WriteBatch batch;
  ASSERT_OK_AND_ASSIGN(PendingAppend pending, log_->PrepareAppend({MessageEvent(0)}, &batch));
  EXPECT_THAT(log_->CommitAppend(pending),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("was not written")));
  EXPECT_EQ(log_->size(), 0u);
  // The failed commit abandoned the append, so a new one can start.
  rocksdb::WriteBatch again;
  ASSERT_OK_AND_ASSIGN(PendingAppend second, log_->PrepareAppend({MessageEvent(0)}, &again));
  log_->AbandonAppend(second);
  rocksdb::WriteBatch third;
  ASSERT_OK(log_->PrepareAppend({MessageEvent(0)}, &third).status());
}

TEST_F(AuditLogTest, ACrashBetweenWriteAndCommitLosesNothing) {
  rocksdb::WriteBatch batch;
  ASSERT_OK_AND_ASSIGN(PendingAppend pending, log_->PrepareAppend({MessageEvent(0)}, &batch));
  ASSERT_TRUE(db()->Write(rocksdb::WriteOptions(), &batch).ok());
  Reopen();  // the process "died" before CommitAppend
  EXPECT_EQ(log_->size(), 1u);
  ASSERT_OK_AND_ASSIGN(std::vector<Bytes> leaves, log_->ReadEntries(0, 10, 1));
  ASSERT_EQ(leaves.size(), 1u);
  EXPECT_EQ(leaves[0], *EncodeLeaf(MessageEvent(0)));
}

TEST_F(AuditLogTest, InvalidEventsLeaveTheBatchUntouched) {
  rocksdb::WriteBatch batch;
  ASSERT_TRUE(batch.Put(caller_cf(), "k", "v").ok());
  const uint32_t before = batch.Count();
  v1::AuditEvent bad = MessageEvent(1);
  bad.clear_message_id();
  EXPECT_THAT(log_->PrepareAppend({MessageEvent(0), bad}, &batch),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("audit event 1 of 2: AUDIT_EVENT_SUBMITTED events need "
                                 "message_id")));
  EXPECT_EQ(batch.Count(), before);
  EXPECT_THAT(log_->PrepareAppendLeaves({"\x01garbage"}, &batch),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("leaf 0 of 1")));
  EXPECT_THAT(log_->PrepareAppend({}, &batch),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nothing to append")));
  EXPECT_EQ(batch.Count(), before);
}

TEST_F(AuditLogTest, TreeHeadsFollowTheMergeDelay) {
  EXPECT_THAT(log_->LatestTreeHead(), StatusIs(absl::StatusCode::kNotFound, HasSubstr("no tree")));
  ASSERT_OK_AND_ASSIGN(std::optional<TreeHead> none, log_->MaybeIssueTreeHead());
  EXPECT_FALSE(none.has_value());
  EXPECT_FALSE(log_->NextTreeHeadDue().has_value());

  ASSERT_OK(log_->Append({MessageEvent(0)}, rocksdb::WriteOptions()).status());
  const absl::Time committed = clock_.Now();
  EXPECT_EQ(log_->NextTreeHeadDue(), committed + absl::Milliseconds(500));
  clock_.Advance(absl::Milliseconds(499));
  ASSERT_OK_AND_ASSIGN(none, log_->MaybeIssueTreeHead());
  EXPECT_FALSE(none.has_value());
  clock_.Advance(absl::Milliseconds(1));
  ASSERT_OK_AND_ASSIGN(std::optional<TreeHead> head, log_->MaybeIssueTreeHead());
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->tree_size, 1u);
  EXPECT_EQ(head->timestamp_ms, absl::ToUnixMillis(committed + absl::Milliseconds(500)));
  EXPECT_OK(VerifyTreeHeadSignature(*head, log_->public_key()));
  ASSERT_OK_AND_ASSIGN(Hash root, log_->RootAt(1));
  EXPECT_EQ(head->root_hash, root);
  EXPECT_FALSE(log_->NextTreeHeadDue().has_value());
  ASSERT_OK_AND_ASSIGN(none, log_->MaybeIssueTreeHead());
  EXPECT_FALSE(none.has_value());

  ASSERT_OK(log_->Append({MessageEvent(1), MessageEvent(2)}, rocksdb::WriteOptions()).status());
  ASSERT_OK_AND_ASSIGN(TreeHead forced, log_->IssueTreeHead());
  EXPECT_EQ(forced.tree_size, 3u);
  // Forcing again with nothing new returns the same head.
  ASSERT_OK_AND_ASSIGN(TreeHead same, log_->IssueTreeHead());
  EXPECT_EQ(same, forced);
  // Every head is kept, by size.
  ASSERT_OK_AND_ASSIGN(TreeHead first, log_->GetTreeHead(1));
  EXPECT_EQ(first, *head);
  ASSERT_OK_AND_ASSIGN(TreeHead latest, log_->LatestTreeHead());
  EXPECT_EQ(latest, forced);
  EXPECT_THAT(log_->GetTreeHead(2), StatusIs(absl::StatusCode::kNotFound,
                                             HasSubstr("no tree head was issued at size 2")));
}

TEST_F(AuditLogTest, HeadsNeverGoBackInTime) {
  ASSERT_OK(log_->Append({MessageEvent(0)}, rocksdb::WriteOptions()).status());
  ASSERT_OK(log_->IssueTreeHead().status());
  ASSERT_OK(log_->Append({MessageEvent(1)}, rocksdb::WriteOptions()).status());
  clock_.Advance(absl::Seconds(-10));
  EXPECT_THAT(log_->IssueTreeHead(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                              HasSubstr("behind the latest tree head")));
}

// With MaybeIssueTreeHead called every max_merge_delay / 2, every entry is covered by a signed
// head within max_merge_delay, whatever the arrival pattern.
TEST_F(AuditLogTest, EveryEntryIsCoveredWithinTheMaxMergeDelay) {
  const absl::Duration tick = log_->options().max_merge_delay / 2;
  const absl::Time start = clock_.Now();
  std::vector<absl::Time> committed_at;
  uint64_t covered = 0;
  int heads = 0;
  for (int step = 0; step < 400; ++step) {
    // Bursty, irregular arrivals inside each tick (deterministic).
    const int arrivals = (step * 7919) % 13 < 5 ? (step % 5) : 0;
    for (int a = 0; a < arrivals; ++a) {
      clock_.Set(start + step * tick + absl::Milliseconds(37 * a + (step % 7) * 11));
      ASSERT_OK(
          log_->Append({MessageEvent(committed_at.size())}, rocksdb::WriteOptions()).status());
      committed_at.push_back(clock_.Now());
    }
    clock_.Set(start + (step + 1) * tick);
    ASSERT_OK_AND_ASSIGN(std::optional<TreeHead> head, log_->MaybeIssueTreeHead());
    if (!head.has_value()) continue;
    ++heads;
    for (uint64_t i = covered; i < head->tree_size; ++i) {
      EXPECT_LE(absl::FromUnixMillis(head->timestamp_ms) - committed_at[i],
                log_->options().max_merge_delay)
          << "entry " << i;
    }
    covered = head->tree_size;
  }
  clock_.Set(start + 401 * tick);  // one more tick covers the last arrivals
  ASSERT_OK_AND_ASSIGN(std::optional<TreeHead> last, log_->MaybeIssueTreeHead());
  if (last.has_value()) covered = last->tree_size;
  EXPECT_EQ(covered, committed_at.size());
  EXPECT_GT(committed_at.size(), 100u);
  EXPECT_GT(heads, 10);
}

TEST_F(AuditLogTest, RefusesAnotherKeyForAnExistingLog) {
  ASSERT_OK(log_->Append({MessageEvent(0)}, rocksdb::WriteOptions()).status());
  DeterministicRandom random(99);
  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey other, Ed25519PrivateKey::Generate(&random));
  log_.reset();
  EXPECT_THAT(AuditLog::Open(db(), cfs(), std::move(other), options()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("a log keeps one key")));
}

TEST_F(AuditLogTest, OpenDetectsDamage) {
  std::vector<v1::AuditEvent> events;
  for (int i = 0; i < 6; ++i) events.push_back(MessageEvent(i));
  ASSERT_OK(log_->Append(events, rocksdb::WriteOptions()).status());
  ASSERT_OK(log_->IssueTreeHead().status());
  log_.reset();
  // A border node rewritten: the tree no longer matches the signed head.
  // Node (1, 2), leaves 4..5 (the right border of 6 = 4 + 2), keyed by its last leaf and level.
  Bytes node_key;
  AppendUint64(5, &node_key);
  node_key.push_back('\x01');
  ASSERT_TRUE(db()->Put(rocksdb::WriteOptions(), cfs().nodes, node_key, std::string(32, 'x')).ok());
  EXPECT_THAT(OpenLog(), StatusIs(absl::StatusCode::kDataLoss,
                                  HasSubstr("does not match its latest signed head")));
  // A border node missing.
  ASSERT_TRUE(db()->Delete(rocksdb::WriteOptions(), cfs().nodes, node_key).ok());
  EXPECT_THAT(OpenLog(), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("is missing")));
}

TEST_F(AuditLogTest, ReadEntriesIsBounded) {
  std::vector<v1::AuditEvent> events;
  for (int i = 0; i < 10; ++i) events.push_back(MessageEvent(i));
  ASSERT_OK(log_->Append(events, rocksdb::WriteOptions()).status());
  ASSERT_OK_AND_ASSIGN(std::vector<Bytes> page, log_->ReadEntries(8, 100, 10));
  EXPECT_EQ(page.size(), 2u);
  ASSERT_OK_AND_ASSIGN(page, log_->ReadEntries(10, 100, 10));
  EXPECT_TRUE(page.empty());
  EXPECT_THAT(log_->ReadEntries(11, 1, 10),
              StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("beyond the end")));
  EXPECT_THAT(log_->ReadEntries(0, 1, 11),
              StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("beyond the log's")));
}

TEST(AuditLogColumnFamiliesTest, FindsHandlesByNameAndNamesTheMissingOne) {
  EXPECT_EQ(AuditLogColumnFamilies().size(), 4u);
  EXPECT_THAT(FindColumnFamilies({}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("\"log_leaves\" was not opened")));
}

}  // namespace
}  // namespace enlace::auditlog
