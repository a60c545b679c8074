// Who may call what, against a real hub over mutual TLS on 127.0.0.1: admin services
// (PublishDirectory, CreateBackup) from other roles, unlisted or missing certificates; the audit
// log from revoked, observer and node callers; an auditor asking for content; the hub's identity
// used to submit; acknowledgements, subscriptions and receipts for someone else's messages;
// directory rollback and forgery. Each asserts the exact gRPC code and that nothing was
// published, stored, logged (but the refusal) or delivered, with a control that the rightful
// caller succeeds.
#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "auditlog/event.h"
#include "crypto/envelope.h"
#include "enlace/v1/auditlog_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "identity/pki.h"
#include "net/status.h"
#include "tests/hub/hub_fixture.h"
#include "tests/security/attack_support.h"
#include "tests/testing/status_matchers.h"

namespace enlace::security_testing {
namespace {

using ::enlace::testing::StatusIs;
using ::testing::_;
using ::testing::HasSubstr;
using Code = absl::StatusCode;

class ServiceAttackTest : public HubAttackTest {
 protected:
  absl::StatusOr<v1::PublishDirectoryResponse> Publish(std::shared_ptr<grpc::Channel> channel,
                                                       const v1::SignedDirectory& directory) {
    v1::Admin::Stub admin(channel);
    grpc::ClientContext context;
    v1::PublishDirectoryRequest request;
    *request.mutable_directory() = directory;
    v1::PublishDirectoryResponse response;
    absl::Status status = FromGrpcStatus(admin.PublishDirectory(&context, request, &response));
    if (!status.ok()) return status;
    return response;
  }
  absl::Status Backup(std::shared_ptr<grpc::Channel> channel) {
    v1::Admin::Stub admin(channel);
    grpc::ClientContext context;
    v1::CreateBackupResponse response;
    return FromGrpcStatus(admin.CreateBackup(&context, v1::CreateBackupRequest(), &response));
  }
  // AuditLog.ListEntries from 0 (one page) over `channel`.
  absl::StatusOr<v1::ListEntriesResponse> ListEntries(std::shared_ptr<grpc::Channel> channel) {
    v1::AuditLog::Stub audit(channel);
    grpc::ClientContext context;
    v1::ListEntriesResponse response;
    absl::Status status =
        FromGrpcStatus(audit.ListEntries(&context, v1::ListEntriesRequest(), &response));
    if (!status.ok()) return status;
    return response;
  }
  // Subscribe as `caller` with `request` until one envelope arrived or `wait` passed.
  hub::testing::Received SubscribeFor(absl::string_view caller, const v1::SubscribeRequest& request,
                                      absl::Duration wait = absl::Seconds(2)) {
    v1::Exchange::Stub stub(Channel(caller));
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + wait));
    auto reader = stub.Subscribe(&context, request);
    hub::testing::Received received = hub::testing::ReadDeliveries(reader.get(), 1);
    context.TryCancel();  // the stream stays open after a delivery
    return received;
  }
  // A tree head covering everything so far (the AuditLog service publishes nothing unsigned).
  void SignTreeHead() {
    clock_->Advance(absl::Seconds(2));
    ASSERT_OK(hub_->exchange()->RunMaintenance().status());
  }
  v1::SignedDirectory NextDirectory() {
    absl::StatusOr<v1::SignedDirectory> signed_directory =
        net_->SignDirectory(net_->BaseDirectory(2));
    EXPECT_OK(signed_directory.status());
    return signed_directory.value_or(v1::SignedDirectory());
  }
  // A certificate the network's CA issued for `id` (a client profile) that no directory lists.
  TlsMaterial UnlistedCertificate(absl::string_view id) {
    absl::StatusOr<TlsMaterial> material = net_->pki().Issue(id);
    EXPECT_OK(material.status());
    return material.value_or(TlsMaterial());
  }
};

// ---- Admin services ----

TEST_F(ServiceAttackTest, NodeCannotPublishADirectory) {
  Start();
  const v1::SignedDirectory next = NextDirectory();
  const HubState before = State();
  EXPECT_THAT(Publish(Channel("node/MX"), next),
              StatusIs(Code::kPermissionDenied, HasSubstr("node/MX is not an admin")));
  ExpectNothingKept(before);
  EXPECT_EQ(hub_->exchange()->directory()->version(), 1u);
  // Control: the operator publishes the very same directory.
  ASSERT_OK_AND_ASSIGN(v1::PublishDirectoryResponse published, Publish(Channel("admin/ops"), next));
  EXPECT_EQ(published.version(), 2u);
}

TEST_F(ServiceAttackTest, AuditorAndObserverCannotPublishADirectory) {
  Start();
  const v1::SignedDirectory next = NextDirectory();
  const HubState before = State();
  for (const char* caller : {"auditor/ana", "observer/IOM"}) {
    EXPECT_THAT(Publish(Channel(caller), next),
                StatusIs(Code::kPermissionDenied, HasSubstr("is not an admin")))
        << caller;
  }
  ExpectNothingKept(before);
  EXPECT_EQ(hub_->exchange()->directory()->version(), 1u);
}

TEST_F(ServiceAttackTest, NodeCannotCreateABackup) {
  Start();
  EXPECT_THAT(Backup(Channel("node/MX")),
              StatusIs(Code::kPermissionDenied, HasSubstr("node/MX is not an admin")));
  EXPECT_THAT(Backup(Channel("auditor/ana")), StatusIs(Code::kPermissionDenied, _));
  // Control: the operator passes the role check (this hub keeps no backups: backup_dir unset).
  EXPECT_THAT(Backup(Channel("admin/ops")),
              StatusIs(Code::kFailedPrecondition, HasSubstr("backup_dir")));
}

TEST_F(ServiceAttackTest, UnlistedAdminCertificateIsRefused) {
  Start();
  // A genuine network certificate for an admin the directory does not list.
  const TlsMaterial mallory = UnlistedCertificate("admin/mallory");
  const HubState before = State();
  EXPECT_THAT(Publish(RawChannel(&mallory), NextDirectory()),
              StatusIs(Code::kPermissionDenied, HasSubstr("admin/mallory is not in directory")));
  EXPECT_THAT(Backup(RawChannel(&mallory)), StatusIs(Code::kPermissionDenied, _));
  // Nor does a second certificate for a listed admin get its powers.
  const TlsMaterial ops_copy = UnlistedCertificate("admin/ops");
  EXPECT_THAT(Publish(RawChannel(&ops_copy), NextDirectory()),
              StatusIs(Code::kPermissionDenied, HasSubstr("certificate")));
  ExpectNothingKept(before);
  EXPECT_EQ(hub_->exchange()->directory()->version(), 1u);
}

TEST_F(ServiceAttackTest, ClientWithoutCertificateReachesNoService) {
  Start();
  const HubState before = State();
  EXPECT_THAT(Publish(RawChannel(nullptr), NextDirectory()), StatusIs(Code::kUnavailable, _));
  EXPECT_THAT(Backup(RawChannel(nullptr)), StatusIs(Code::kUnavailable, _));
  EXPECT_THAT(ListEntries(RawChannel(nullptr)), StatusIs(Code::kUnavailable, _));
  EXPECT_THAT(SubmitOver(RawChannel(nullptr), Seal("node/MX", {"node/GT"}).SerializeAsString()),
              StatusIs(Code::kUnavailable, _));
  ExpectNothingKept(before);
  // Control: the same raw client with Mexico's certificate gets through the handshake.
  EXPECT_OK(ListEntries(RawChannel(&net_->participant("node/MX").tls)).status());
}

TEST_F(ServiceAttackTest, PublishingAnOlderDirectoryIsRefused) {
  Start();
  ASSERT_OK_AND_ASSIGN(v1::SignedDirectory first, net_->SignDirectory(net_->BaseDirectory(1)));
  v1::Directory second = net_->BaseDirectory(2);
  second.mutable_participants()->erase(second.mutable_participants()->begin());  // one fewer
  ASSERT_OK_AND_ASSIGN(v1::SignedDirectory newer, net_->SignDirectory(second));
  ASSERT_OK(Publish(Channel("admin/ops"), newer).status());
  const HubState before = State();
  // The operator's own, genuinely signed, older directory: a rollback.
  EXPECT_THAT(Publish(Channel("admin/ops"), first), StatusIs(Code::kFailedPrecondition, _));
  ExpectNothingKept(before);
  EXPECT_EQ(hub_->exchange()->directory()->version(), 2u);
}

TEST_F(ServiceAttackTest, DirectoryNotSignedForThisNetworkIsRefused) {
  Start();
  // Another network's signer signs a directory for ours (the admin's account is not enough).
  ASSERT_OK_AND_ASSIGN(auto other, hub::testing::TestNetwork::Create(absl::Now(), {"node/MX"}));
  ASSERT_OK_AND_ASSIGN(v1::SignedDirectory forged, other->SignDirectory(net_->BaseDirectory(2)));
  const HubState before = State();
  EXPECT_THAT(Publish(Channel("admin/ops"), forged), StatusIs(Code::kUnauthenticated, _));
  ExpectNothingKept(before);
  EXPECT_EQ(hub_->exchange()->directory()->version(), 1u);
  // And a genuine directory whose bytes were altered after signing.
  v1::SignedDirectory altered = NextDirectory();
  v1::Directory contents;
  ASSERT_TRUE(contents.ParseFromString(altered.directory()));
  contents.mutable_participants(0)->set_status(v1::PARTICIPANT_STATUS_SUSPENDED);
  altered.set_directory(contents.SerializeAsString());
  EXPECT_THAT(Publish(Channel("admin/ops"), altered), StatusIs(Code::kUnauthenticated, _));
  ExpectNothingKept(before);
}

// ---- The audit log ----

TEST_F(ServiceAttackTest, RevokedParticipantCannotReadTheAuditLog) {
  v1::Directory directory = net_->BaseDirectory(1);
  v1::Revocation* revocation = directory.add_revocations();
  revocation->set_participant_id("node/SV");
  revocation->set_revoked_at_ms(absl::ToUnixMillis(clock_->Now() - absl::Hours(1)));
  revocation->set_reason("key compromise");
  ASSERT_OK_AND_ASSIGN(v1::SignedDirectory signed_directory, net_->SignDirectory(directory));
  Start(&signed_directory);
  SignTreeHead();
  EXPECT_THAT(ListEntries(Channel("node/SV")),
              StatusIs(Code::kPermissionDenied, HasSubstr("node/SV was revoked")));
  v1::AuditLog::Stub audit(Channel("node/SV"));
  grpc::ClientContext context;
  v1::TreeHead head;
  EXPECT_THAT(FromGrpcStatus(audit.GetTreeHead(&context, v1::GetTreeHeadRequest(), &head)),
              StatusIs(Code::kPermissionDenied, _));
  EXPECT_OK(ListEntries(Channel("node/HN")).status());  // control
}

// The events of `response`, decoded.
std::vector<v1::AuditEvent> Decoded(const v1::ListEntriesResponse& response) {
  std::vector<v1::AuditEvent> events;
  for (const v1::LogEntry& entry : response.entries()) {
    absl::StatusOr<v1::AuditEvent> event = auditlog::DecodeLeaf(entry.leaf());
    EXPECT_OK(event.status());
    if (event.ok()) events.push_back(*event);
  }
  return events;
}

TEST_F(ServiceAttackTest, ObserverAndOtherNodesSeeNoEntryOfAMessageNotTheirs) {
  Start();
  ASSERT_OK_AND_ASSIGN(v1::SubmitResponse submitted,
                       Submit("node/MX", Seal("node/MX", {"node/GT"})));
  SignTreeHead();
  for (const char* caller : {"observer/IOM", "node/HN"}) {
    ASSERT_OK_AND_ASSIGN(v1::ListEntriesResponse page, ListEntries(Channel(caller)));
    EXPECT_EQ(page.next_index(), page.tree_size());  // the whole log was examined
    for (const v1::AuditEvent& event : Decoded(page)) {
      EXPECT_TRUE(auditlog::IsPartyTo(event, caller)) << caller << ": " << event.DebugString();
      EXPECT_NE(event.message_id(), submitted.receipt().message_id()) << caller;
    }
  }
  // Control: a party to the message sees its SUBMITTED entry.
  ASSERT_OK_AND_ASSIGN(v1::ListEntriesResponse gt, ListEntries(Channel("node/GT")));
  bool found = false;
  for (const v1::AuditEvent& event : Decoded(gt)) {
    found |= event.type() == v1::AUDIT_EVENT_SUBMITTED &&
             event.message_id() == submitted.receipt().message_id();
  }
  EXPECT_TRUE(found);
}

TEST_F(ServiceAttackTest, AuditorReadsMetadataOnly) {
  Start();
  const std::string secret = "Nombre de la víctima: María, 14 años";
  ASSERT_OK_AND_ASSIGN(
      v1::Envelope envelope,
      net_->Seal("node/MX", {"node/GT"}, v1::KIND_VICTIM_REFERRAL, secret, clock_->Now()));
  ASSERT_OK_AND_ASSIGN(v1::SubmitResponse submitted, Submit("node/MX", envelope));
  ASSERT_OK(Ack("node/GT", "node/GT", submitted.receipt()).status());
  SignTreeHead();
  ASSERT_OK_AND_ASSIGN(v1::ListEntriesResponse page, ListEntries(Channel("auditor/ana")));
  const std::vector<v1::AuditEvent> events = Decoded(page);
  ASSERT_EQ(events.size(), page.tree_size());  // an auditor gets every entry...
  bool submitted_seen = false;
  for (const v1::LogEntry& entry : page.entries()) {
    // ...and in none of them the content, the ciphertext, a wrap, the header or the signature.
    for (absl::string_view forbidden :
         {absl::string_view(secret), absl::string_view("María"),
          absl::string_view(envelope.payload()).substr(0, 16),
          absl::string_view(envelope.wraps(0).wrapped_key()),
          absl::string_view(envelope.wraps(0).encapsulated_key()),
          absl::string_view(envelope.header()), absl::string_view(envelope.signature())}) {
      EXPECT_FALSE(absl::StrContains(entry.leaf(), forbidden)) << entry.index();
    }
  }
  for (const v1::AuditEvent& event : events) {
    if (event.type() != v1::AUDIT_EVENT_SUBMITTED) continue;
    submitted_seen = true;  // metadata: who, to whom, what kind, hashes and sizes
    EXPECT_EQ(event.sender_id(), "node/MX");
    EXPECT_EQ(event.message_kind(), v1::KIND_VICTIM_REFERRAL);
    EXPECT_EQ(event.header_hash(), submitted.receipt().header_hash());
  }
  EXPECT_TRUE(submitted_seen);
}

TEST_F(ServiceAttackTest, AuditorCannotFetchAMessageOrItsReceipt) {
  Start();
  ASSERT_OK_AND_ASSIGN(v1::SubmitResponse submitted,
                       Submit("node/MX", Seal("node/MX", {"node/GT"})));
  EXPECT_THAT(GetReceipt("auditor/ana", submitted.receipt().message_id()),
              StatusIs(Code::kPermissionDenied, _));
  // Its own mailbox is all Subscribe serves, and nothing is ever addressed to an auditor.
  const hub::testing::Received got = SubscribeFor("auditor/ana", v1::SubscribeRequest());
  EXPECT_TRUE(got.envelopes.empty());
  EXPECT_EQ(got.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  const HubState before = State();
  EXPECT_THAT(Submit("node/MX", Seal("node/MX", {"node/GT", "auditor/ana"})),
              StatusIs(Code::kPermissionDenied, HasSubstr("auditor/ana (role auditor)")));
  ExpectOnlyRejected(before, "recipient_kind_not_allowed");
}

TEST_F(ServiceAttackTest, AuditorCannotSendMessages) {
  Start();
  const HubState before = State();
  EXPECT_THAT(Submit("auditor/ana", Seal("auditor/ana", {"node/GT"}, v1::KIND_INFO_REQUEST)),
              StatusIs(Code::kPermissionDenied, HasSubstr("may not send")));
  ExpectOnlyRejected(before, "kind_not_allowed");
}

// ---- The hub's identity ----

TEST_F(ServiceAttackTest, SubmittingAsTheHubIsRefused) {
  // The directory also lists a client certificate for "hub" (as if the CA had issued one).
  ASSERT_OK_AND_ASSIGN(
      CertificateProfile profile,
      TlsCertificateProfile(*ParticipantId::Parse("hub"), absl::Now() - absl::Hours(1),
                            absl::Now() + absl::Hours(24)));
  profile.server_auth = false;
  profile.client_auth = true;
  ASSERT_OK_AND_ASSIGN(TlsMaterial rogue, net_->pki().IssueWithProfile(profile));
  ASSERT_OK_AND_ASSIGN(Certificate rogue_certificate, Certificate::FromPem(rogue.certificate_pem));
  v1::Directory directory = net_->BaseDirectory(1);
  for (v1::DirectoryParticipant& p : *directory.mutable_participants()) {
    if (p.id() != "hub") continue;
    v1::DirectoryCertificate* listed = p.add_tls_certificates();
    *listed = p.tls_certificates(0);
    listed->set_sha256(rogue_certificate.fingerprint());
  }
  ASSERT_OK_AND_ASSIGN(v1::SignedDirectory signed_directory, net_->SignDirectory(directory));
  Start(&signed_directory);
  const std::string from_hub = Seal("hub", {"node/GT"}, v1::KIND_BULLETIN).SerializeAsString();
  const HubState before = State();
  // The hub's own certificate is for servers only: the handshake refuses it as a client.
  EXPECT_THAT(SubmitOver(RawChannel(&net_->hub().tls), from_hub), StatusIs(Code::kUnavailable, _));
  ExpectNothingKept(before);
  // Even admitted as "hub", it may send nothing.
  EXPECT_THAT(SubmitOver(RawChannel(&rogue), from_hub),
              StatusIs(Code::kPermissionDenied, HasSubstr("hub (role hub) may not send")));
  ExpectOnlyRejected(before, "kind_not_allowed");
  // And a node cannot claim the hub as the sender.
  const HubState later = State();
  EXPECT_THAT(Submit("node/MX", from_hub), StatusIs(Code::kPermissionDenied, _));
  ExpectOnlyRejected(later, "sender_mismatch");
}

// ---- Someone else's mailbox, acknowledgement or receipt ----

TEST_F(ServiceAttackTest, AckForAnotherNodesMessageIsRefused) {
  Start();
  ASSERT_OK_AND_ASSIGN(v1::SubmitResponse submitted,
                       Submit("node/MX", Seal("node/MX", {"node/GT"})));
  const HubState before = State();
  EXPECT_THAT(Ack("node/HN", "node/HN", submitted.receipt()),
              StatusIs(Code::kPermissionDenied, HasSubstr("not a recipient")));
  ExpectOnlyRejected(before, "not_a_recipient");
  EXPECT_EQ(hub_->exchange()->MailboxStateOf("node/GT").depth(), 1u);  // still waiting for GT
  EXPECT_OK(Ack("node/GT", "node/GT", submitted.receipt()).status());  // control
}

TEST_F(ServiceAttackTest, AckFloodCannotGrowTheAuditLogWithoutBound) {
  limits_.submit_burst = 3;
  limits_.submits_per_second = 1;
  Start();
  std::vector<v1::Receipt> receipts;
  for (const char* sender : {"node/MX", "node/HN"}) {
    for (int i = 0; i < 3; ++i) {
      ASSERT_OK_AND_ASSIGN(v1::SubmitResponse submitted, Submit(sender, Seal(sender, {"node/GT"})));
      receipts.push_back(submitted.receipt());
    }
  }
  // El Salvador, a recipient of none of them, acknowledges them again and again: each refusal
  // it may provoke is a permanent REJECTED entry, so they are rate limited like submissions.
  const HubState before = State();
  int denied = 0;
  int limited = 0;
  for (int i = 0; i < 30; ++i) {
    const absl::Status status = Ack("node/SV", "node/SV", receipts[i % receipts.size()]).status();
    denied += status.code() == Code::kPermissionDenied;
    limited += status.code() == Code::kResourceExhausted;
  }
  EXPECT_EQ(denied, 3);
  EXPECT_EQ(limited, 27);
  const HubState after = State();
  EXPECT_EQ(after.rejected, before.rejected + 3);
  EXPECT_EQ(after.acknowledged, before.acknowledged);
  // Control: the rightful recipient's acknowledgements are not rate limited (six, burst three).
  for (const v1::Receipt& receipt : receipts)
    EXPECT_OK(Ack("node/GT", "node/GT", receipt).status());
  EXPECT_EQ(State().acknowledged, before.acknowledged + 6);
}

TEST_F(ServiceAttackTest, AckSignedWithAnotherNodesKeyIsRefused) {
  Start();
  ASSERT_OK_AND_ASSIGN(v1::SubmitResponse submitted,
                       Submit("node/MX", Seal("node/MX", {"node/GT"})));
  const HubState before = State();
  // Guatemala's connection presents an acknowledgement signed by Honduras.
  EXPECT_THAT(Ack("node/GT", "node/HN", submitted.receipt()),
              StatusIs(Code::kFailedPrecondition, HasSubstr("has no signing key")));
  const HubState after = State();
  EXPECT_EQ(after.acknowledged, before.acknowledged);
  EXPECT_EQ(after.mailbox_entries, before.mailbox_entries);
}

TEST_F(ServiceAttackTest, AckOutsideItsTimeWindowIsRefused) {
  Start();
  ASSERT_OK_AND_ASSIGN(v1::SubmitResponse submitted,
                       Submit("node/MX", Seal("node/MX", {"node/GT"})));
  const HubState before = State();
  // Guatemala signs acknowledgements dated a day before the submission and a day ahead.
  for (absl::Duration shift : {absl::Hours(-24), absl::Hours(24)}) {
    EXPECT_THAT(Ack("node/GT", "node/GT", submitted.receipt(), clock_->Now() + shift),
                StatusIs(Code::kFailedPrecondition, HasSubstr("not between the submission")));
  }
  ExpectNothingKept(before);
  EXPECT_OK(Ack("node/GT", "node/GT", submitted.receipt()).status());  // control
}

TEST_F(ServiceAttackTest, OversizedMessageIdsAreRefused) {
  Start();
  const std::string huge(1 << 20, '\x01');
  EXPECT_THAT(GetReceipt("node/GT", huge), StatusIs(Code::kInvalidArgument, HasSubstr("not 16")));
  v1::Receipt receipt;
  receipt.set_message_id(huge);
  receipt.set_header_hash(std::string(32, '\x02'));
  const HubState before = State();
  EXPECT_THAT(Ack("node/GT", "node/GT", receipt),
              StatusIs(Code::kInvalidArgument, HasSubstr("not 16")));
  ExpectNothingKept(before);
}

TEST_F(ServiceAttackTest, SubscribeServesOnlyTheCallersMailbox) {
  Start();
  ASSERT_OK(Submit("node/MX", Seal("node/MX", {"node/GT"})).status());
  // Honduras asks for Guatemala's mailbox with a field the API does not have (field 2).
  v1::SubscribeRequest request;
  request.GetReflection()->MutableUnknownFields(&request)->AddLengthDelimited(2, "node/GT");
  const HubState before = State();
  const hub::testing::Received got = SubscribeFor("node/HN", request);
  EXPECT_TRUE(got.envelopes.empty());
  EXPECT_EQ(got.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  ExpectNothingKept(before);  // no DELIVERED
  // Control: Guatemala gets it.
  EXPECT_EQ(SubscribeFor("node/GT", v1::SubscribeRequest(), absl::Seconds(60)).envelopes.size(),
            1u);
}

TEST_F(ServiceAttackTest, ReceiptForSomeoneElsesMessageIsRefused) {
  Start();
  ASSERT_OK_AND_ASSIGN(v1::SubmitResponse submitted,
                       Submit("node/MX", Seal("node/MX", {"node/GT"})));
  EXPECT_THAT(GetReceipt("node/HN", submitted.receipt().message_id()),
              StatusIs(Code::kPermissionDenied, _));
  EXPECT_THAT(GetReceipt("observer/IOM", submitted.receipt().message_id()),
              StatusIs(Code::kPermissionDenied, _));
  ASSERT_OK_AND_ASSIGN(v1::GetReceiptResponse own,
                       GetReceipt("node/GT", submitted.receipt().message_id()));
  EXPECT_EQ(own.receipt().SerializeAsString(), submitted.receipt().SerializeAsString());
}

}  // namespace
}  // namespace enlace::security_testing
