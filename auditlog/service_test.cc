// The AuditLog service over real mutual TLS on 127.0.0.1 (certificates made at test time).
#include "auditlog/service.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "auditlog/event.h"
#include "auditlog/testing/audit_server.h"
#include "auditlog/testing/log_fixture.h"
#include "auditlog/verifier.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "net/testing/test_pki.h"
#include "tests/testing/status_matchers.h"

namespace enlace::auditlog {
namespace {

using ::enlace::auditlog::testing::AuditLogServer;
using ::enlace::auditlog::testing::CertificateIdentity;
using ::enlace::auditlog::testing::LogFixture;
using ::enlace::auditlog::testing::MessageEvent;
using ::enlace::auditlog::testing::NewStub;
using ::enlace::testing::TestPki;
using ::testing::HasSubstr;

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return context;
}

class AuditLogServiceTest : public LogFixture {
 protected:
  void SetUp() override {
    LogFixture::SetUp();
    std::vector<v1::AuditEvent> events;
    for (int i = 0; i < 20; ++i) events.push_back(MessageEvent(i));
    ASSERT_OK(log_->Append(events, rocksdb::WriteOptions()).status());
    ASSERT_OK(log_->IssueTreeHead().status());
    ASSERT_OK_AND_ASSIGN(TestPki pki, TestPki::Create(absl::Now()));
    pki_ = std::make_unique<TestPki>(std::move(pki));
  }

  void StartServer(AuditLogService::IdentifyCaller identify) {
    ASSERT_OK_AND_ASSIGN(TlsMaterial hub, pki_->Issue("hub"));
    ASSERT_OK_AND_ASSIGN(auto credentials, MakeServerCredentials(hub, absl::Now()));
    ASSERT_OK_AND_ASSIGN(server_,
                         AuditLogServer::Start(log_.get(), credentials, std::move(identify)));
  }

  std::unique_ptr<v1::AuditLog::Stub> StubFor(const std::string& participant) {
    absl::StatusOr<TlsMaterial> material = pki_->Issue(participant);
    EXPECT_TRUE(material.ok()) << material.status();
    absl::StatusOr<std::unique_ptr<v1::AuditLog::Stub>> stub =
        NewStub(server_->address(), *material);
    EXPECT_TRUE(stub.ok()) << stub.status();
    return *std::move(stub);
  }

  std::unique_ptr<TestPki> pki_;
  std::unique_ptr<AuditLogServer> server_;
};

TEST_F(AuditLogServiceTest, AnAuditorReadsEverythingAndVerifiesIt) {
  StartServer(CertificateIdentity());
  std::unique_ptr<v1::AuditLog::Stub> auditor = StubFor("auditor/ines");
  v1::LogInfo info;
  ASSERT_TRUE(auditor->GetLogInfo(Context().get(), {}, &info).ok());
  ASSERT_OK_AND_ASSIGN(Ed25519PublicKey key, Ed25519PublicKey::FromRaw(info.public_key()));
  v1::TreeHead head_proto;
  ASSERT_TRUE(auditor->GetTreeHead(Context().get(), {}, &head_proto).ok());
  ASSERT_OK_AND_ASSIGN(TreeHead head, FromProto(head_proto));
  ASSERT_OK(VerifyTreeHeadSignature(head, key));
  ASSERT_EQ(head.tree_size, 20u);

  // Page through every entry and rebuild the signed root from them.
  InMemoryTree tree(*MerkleHasher::Create());
  v1::ListEntriesRequest request;
  request.set_max_entries(7);
  while (request.start_index() < head.tree_size) {
    v1::ListEntriesResponse page;
    grpc::Status status = auditor->ListEntries(Context().get(), request, &page);
    ASSERT_TRUE(status.ok()) << status.error_message();
    for (const v1::LogEntry& entry : page.entries()) {
      ASSERT_EQ(entry.index(), tree.size());
      ASSERT_OK(tree.AppendLeaf(entry.leaf()));
    }
    request.set_start_index(page.next_index());
  }
  ASSERT_OK_AND_ASSIGN(Hash root, tree.Root());
  EXPECT_EQ(root, head.root_hash);
}

TEST_F(AuditLogServiceTest, ANodeGetsProofsAndOnlyItsOwnEntries) {
  StartServer(CertificateIdentity());
  std::unique_ptr<v1::AuditLog::Stub> node = StubFor("node/GT");
  v1::ListEntriesResponse page;
  ASSERT_TRUE(node->ListEntries(Context().get(), {}, &page).ok());
  ASSERT_FALSE(page.entries().empty());
  for (const v1::LogEntry& entry : page.entries()) {
    ASSERT_OK_AND_ASSIGN(v1::AuditEvent event, DecodeLeaf(entry.leaf()));
    EXPECT_TRUE(IsPartyTo(event, "node/GT")) << entry.index();
  }
  EXPECT_LT(page.entries_size(), 20);

  v1::GetInclusionProofRequest inclusion;
  inclusion.set_leaf_index(page.entries(0).index());
  v1::InclusionProof proof;
  ASSERT_TRUE(node->GetInclusionProof(Context().get(), inclusion, &proof).ok());
  ASSERT_OK_AND_ASSIGN(TreeHead head, FromProto(proof.tree_head()));
  ASSERT_OK_AND_ASSIGN(MerkleHasher hasher, MerkleHasher::Create());
  ASSERT_OK_AND_ASSIGN(Hash leaf_hash, hasher.HashLeaf(page.entries(0).leaf()));
  const std::vector<std::string> path(proof.audit_path().begin(), proof.audit_path().end());
  EXPECT_OK(VerifyInclusion(HashView(leaf_hash), proof.leaf_index(), proof.tree_size(), path,
                            HashView(head.root_hash)));

  // Errors arrive with their codes and messages.
  v1::GetTreeHeadRequest missing;
  missing.set_tree_size(3);
  v1::TreeHead ignored;
  grpc::Status status = node->GetTreeHead(Context().get(), missing, &ignored);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("no signed tree head at size 3"));
  v1::ListEntriesRequest beyond;
  beyond.set_start_index(21);
  status = node->ListEntries(Context().get(), beyond, &page);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
}

TEST_F(AuditLogServiceTest, ACallerTheHubRefusesGetsNothing) {
  StartServer([](const grpc::AuthContext& context) -> absl::StatusOr<ParticipantId> {
    absl::StatusOr<ParticipantId> id = CertificateIdentity()(context);
    if (id.ok() && id->str() == "node/NI") {
      return absl::PermissionDeniedError("node/NI is suspended");
    }
    return id;
  });
  std::unique_ptr<v1::AuditLog::Stub> suspended = StubFor("node/NI");
  v1::TreeHead head;
  grpc::Status status = suspended->GetTreeHead(Context().get(), {}, &head);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("suspended"));
  EXPECT_EQ(head.tree_size(), 0u);

  // A certificate from another network never gets past the handshake.
  ASSERT_OK_AND_ASSIGN(TestPki foreign, TestPki::Create(absl::Now(), "Foreign"));
  ASSERT_OK_AND_ASSIGN(TlsMaterial stranger, foreign.Issue("auditor/ines"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<v1::AuditLog::Stub> outsider,
                       NewStub(server_->address(), stranger));
  v1::ListEntriesResponse entries;
  status = outsider->ListEntries(Context().get(), {}, &entries);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_TRUE(entries.entries().empty());
}

}  // namespace
}  // namespace enlace::auditlog
