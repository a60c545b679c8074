#include "auditlog/access.h"

#include <string>
#include <vector>

#include "auditlog/event.h"
#include "auditlog/testing/log_fixture.h"
#include "auditlog/verifier.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace::auditlog {
namespace {

using ::enlace::auditlog::testing::LogFixture;
using ::enlace::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

ParticipantId Id(const std::string& text) { return *ParticipantId::Parse(text); }

v1::AuditEvent Event(v1::AuditEventType type, const std::string& actor) {
  v1::AuditEvent e;
  e.set_type(type);
  e.set_hub_time_ms(1'800'000'000'000);
  e.set_actor_id(actor);
  return e;
}

v1::AuditEvent Submitted(const std::string& sender, std::vector<std::string> recipients, char id) {
  v1::AuditEvent e = Event(v1::AUDIT_EVENT_SUBMITTED, sender);
  e.set_sender_id(sender);
  for (const std::string& r : recipients) e.add_recipient_ids(r);
  e.set_message_kind(v1::KIND_SMUGGLING_ALERT);
  e.set_message_id(std::string(16, id));
  e.set_header_hash(std::string(32, id));
  e.set_envelope_size(900);
  return e;
}

v1::AuditEvent Delivered(const std::string& sender, const std::string& recipient, char id) {
  v1::AuditEvent e = Event(v1::AUDIT_EVENT_DELIVERED, recipient);
  e.set_sender_id(sender);
  e.add_recipient_ids(recipient);
  e.set_message_id(std::string(16, id));
  return e;
}

std::vector<uint64_t> Indices(const v1::ListEntriesResponse& response) {
  std::vector<uint64_t> out;
  for (const v1::LogEntry& e : response.entries()) out.push_back(e.index());
  return out;
}

class AuditLogAccessTest : public LogFixture {
 protected:
  void SetUp() override {
    LogFixture::SetUp();
    v1::AuditEvent enrolled = Event(v1::AUDIT_EVENT_ENROLLED, "admin/ana");
    enrolled.set_subject_id("node/GT");
    const std::vector<v1::AuditEvent> events = {
        Event(v1::AUDIT_EVENT_HUB_STARTED, "hub"),          // 0
        enrolled,                                           // 1
        Submitted("node/MX", {"node/GT", "node/HN"}, 'a'),  // 2
        Delivered("node/MX", "node/GT", 'a'),               // 3
        Submitted("node/US", {"node/SV"}, 'b'),             // 4
        Delivered("node/MX", "node/HN", 'a'),               // 5
    };
    ASSERT_OK(log_->Append(events, rocksdb::WriteOptions()).status());
    ASSERT_OK(log_->IssueTreeHead().status());
  }
};

TEST(EntryAccessTest, OnlyAuditorsReadEverything) {
  EXPECT_EQ(EntryAccessFor(Role::kAuditor), EntryAccess::kAll);
  for (Role role : {Role::kHub, Role::kNode, Role::kAdmin, Role::kObserver}) {
    EXPECT_EQ(EntryAccessFor(role), EntryAccess::kOwnEntries) << RoleName(role);
  }
}

TEST_F(AuditLogAccessTest, AuditorsListEveryEntryOthersTheirOwn) {
  AuditLogAccess access(log_.get());
  v1::ListEntriesRequest request;
  ASSERT_OK_AND_ASSIGN(v1::ListEntriesResponse all,
                       access.ListEntries(Id("auditor/ines"), request));
  EXPECT_THAT(Indices(all), ElementsAre(0, 1, 2, 3, 4, 5));
  EXPECT_EQ(all.next_index(), 6u);
  EXPECT_EQ(all.tree_size(), 6u);
  ASSERT_OK_AND_ASSIGN(v1::ListEntriesResponse gt, access.ListEntries(Id("node/GT"), request));
  EXPECT_THAT(Indices(gt), ElementsAre(1, 2, 3));
  EXPECT_EQ(gt.next_index(), 6u);
  ASSERT_OK_AND_ASSIGN(v1::ListEntriesResponse mx, access.ListEntries(Id("node/MX"), request));
  EXPECT_THAT(Indices(mx), ElementsAre(2, 3, 5));
  ASSERT_OK_AND_ASSIGN(v1::ListEntriesResponse sv, access.ListEntries(Id("node/SV"), request));
  EXPECT_THAT(Indices(sv), ElementsAre(4));
  ASSERT_OK_AND_ASSIGN(v1::ListEntriesResponse admin, access.ListEntries(Id("admin/ana"), request));
  EXPECT_THAT(Indices(admin), ElementsAre(1));
  ASSERT_OK_AND_ASSIGN(v1::ListEntriesResponse iom,
                       access.ListEntries(Id("observer/IOM"), request));
  EXPECT_TRUE(iom.entries().empty());
  // The leaves are the stored canonical bytes.
  ASSERT_OK_AND_ASSIGN(v1::AuditEvent first, DecodeLeaf(mx.entries(0).leaf()));
  EXPECT_EQ(first.sender_id(), "node/MX");
}

TEST_F(AuditLogAccessTest, PagesAndBounds) {
  AuditLogAccess access(log_.get());
  v1::ListEntriesRequest request;
  request.set_start_index(1);
  request.set_max_entries(2);
  ASSERT_OK_AND_ASSIGN(v1::ListEntriesResponse page,
                       access.ListEntries(Id("auditor/ines"), request));
  EXPECT_THAT(Indices(page), ElementsAre(1, 2));
  EXPECT_EQ(page.next_index(), 3u);
  // A party's page covers the same range, filtered.
  ASSERT_OK_AND_ASSIGN(page, access.ListEntries(Id("node/SV"), request));
  EXPECT_TRUE(page.entries().empty());
  EXPECT_EQ(page.next_index(), 3u);
  request.set_start_index(6);
  ASSERT_OK_AND_ASSIGN(page, access.ListEntries(Id("auditor/ines"), request));
  EXPECT_TRUE(page.entries().empty());
  EXPECT_EQ(page.next_index(), 6u);
  request.set_start_index(7);
  EXPECT_THAT(access.ListEntries(Id("auditor/ines"), request),
              StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("beyond the latest signed")));
}

TEST_F(AuditLogAccessTest, NothingBeyondTheLatestSignedHead) {
  AuditLogAccess access(log_.get());
  ASSERT_OK(
      log_->Append({Submitted("node/GT", {"node/MX"}, 'c')}, rocksdb::WriteOptions()).status());
  EXPECT_EQ(log_->size(), 7u);
  ASSERT_OK_AND_ASSIGN(v1::ListEntriesResponse all,
                       access.ListEntries(Id("auditor/ines"), v1::ListEntriesRequest()));
  EXPECT_EQ(all.entries_size(), 6);
  v1::GetInclusionProofRequest inclusion;
  inclusion.set_leaf_index(6);
  EXPECT_THAT(access.GetInclusionProof(Id("node/GT"), inclusion),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("signed tree of size 6")));
  inclusion.set_tree_size(7);
  EXPECT_THAT(access.GetInclusionProof(Id("node/GT"), inclusion),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no signed tree head at size 7")));
}

TEST_F(AuditLogAccessTest, ProofsVerifyAgainstTheSignedHeads) {
  AuditLogAccess access(log_.get());
  ASSERT_OK_AND_ASSIGN(v1::LogInfo info, access.GetLogInfo(Id("node/HN"), {}));
  ASSERT_OK_AND_ASSIGN(Ed25519PublicKey key, Ed25519PublicKey::FromRaw(info.public_key()));
  EXPECT_EQ(info.log_id(), key.KeyId());
  EXPECT_EQ(info.max_merge_delay_ms(), 1000);

  ASSERT_OK_AND_ASSIGN(v1::TreeHead proto6, access.GetTreeHead(Id("node/HN"), {}));
  ASSERT_OK_AND_ASSIGN(TreeHead head6, FromProto(proto6));
  EXPECT_OK(VerifyTreeHeadSignature(head6, key));
  EXPECT_EQ(head6.tree_size, 6u);

  ASSERT_OK(
      log_->Append({Submitted("node/GT", {"node/MX"}, 'c')}, rocksdb::WriteOptions()).status());
  clock_.Advance(absl::Seconds(2));
  ASSERT_OK(log_->IssueTreeHead().status());

  v1::GetInclusionProofRequest inclusion;
  inclusion.set_leaf_index(3);
  ASSERT_OK_AND_ASSIGN(v1::InclusionProof proof,
                       access.GetInclusionProof(Id("node/HN"), inclusion));
  EXPECT_EQ(proof.tree_size(), 7u);
  ASSERT_OK_AND_ASSIGN(TreeHead head7, FromProto(proof.tree_head()));
  EXPECT_OK(VerifyTreeHeadSignature(head7, key));
  const std::vector<std::string> path(proof.audit_path().begin(), proof.audit_path().end());
  EXPECT_OK(VerifyInclusion(proof.leaf_hash(), 3, 7, path, HashView(head7.root_hash)));
  // The leaf hash is the hash of the entry's bytes.
  ASSERT_OK_AND_ASSIGN(v1::ListEntriesResponse entries,
                       access.ListEntries(Id("auditor/ines"), v1::ListEntriesRequest()));
  ASSERT_OK_AND_ASSIGN(MerkleHasher hasher, MerkleHasher::Create());
  ASSERT_OK_AND_ASSIGN(Hash leaf_hash, hasher.HashLeaf(entries.entries(3).leaf()));
  EXPECT_EQ(HashView(leaf_hash), proof.leaf_hash());
  // A proof for an older signed size.
  inclusion.set_tree_size(6);
  ASSERT_OK_AND_ASSIGN(proof, access.GetInclusionProof(Id("node/HN"), inclusion));
  const std::vector<std::string> old_path(proof.audit_path().begin(), proof.audit_path().end());
  EXPECT_OK(VerifyInclusion(proof.leaf_hash(), 3, 6, old_path, HashView(head6.root_hash)));

  v1::GetConsistencyProofRequest consistency;
  consistency.set_first_size(6);
  ASSERT_OK_AND_ASSIGN(v1::ConsistencyProof cproof,
                       access.GetConsistencyProof(Id("node/HN"), consistency));
  EXPECT_EQ(cproof.second_size(), 7u);
  const std::vector<std::string> cpath(cproof.proof().begin(), cproof.proof().end());
  ASSERT_OK_AND_ASSIGN(TreeHead second, FromProto(cproof.second_tree_head()));
  EXPECT_OK(VerifyTreeHeadUpdate(head6, second, cpath, key));

  consistency.set_first_size(0);
  EXPECT_THAT(access.GetConsistencyProof(Id("node/HN"), consistency),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("between 1 and")));
  consistency.set_first_size(7);
  consistency.set_second_size(6);
  EXPECT_THAT(access.GetConsistencyProof(Id("node/HN"), consistency),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("between 1 and")));
  v1::GetTreeHeadRequest by_size;
  by_size.set_tree_size(5);
  EXPECT_THAT(access.GetTreeHead(Id("node/HN"), by_size),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no signed tree head at size 5")));
}

class EmptyLogAccessTest : public LogFixture {};

TEST_F(EmptyLogAccessTest, NoHeadYetMeansNothingPublished) {
  ASSERT_OK(
      log_->Append({Event(v1::AUDIT_EVENT_HUB_STARTED, "hub")}, rocksdb::WriteOptions()).status());
  AuditLogAccess access(log_.get());
  EXPECT_THAT(access.GetTreeHead(Id("node/MX"), {}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no tree head")));
  ASSERT_OK_AND_ASSIGN(v1::ListEntriesResponse none,
                       access.ListEntries(Id("auditor/ines"), v1::ListEntriesRequest()));
  EXPECT_TRUE(none.entries().empty());
  EXPECT_EQ(none.tree_size(), 0u);
}

}  // namespace
}  // namespace enlace::auditlog
