// The hub's services over real mutual TLS on 127.0.0.1 (an in-process HubServer with a
// FakeClock): every Submit refusal with its code, idempotency, subscriptions that resume,
// acknowledgements, receipts with proofs, the directory and admin services, health,
// reflection, metrics and draining.
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/unknown_field_set.h>
#include <grpcpp/generic/generic_stub.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "auditlog/verifier.h"
#include "crypto/envelope.h"
#include "crypto/receipts.h"
#include "enlace/v1/auditlog_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/metrics.h"
#include "hub/testing/http_get.h"
#include "net/status.h"
#include "tests/hub/hub_fixture.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace enlace::hub::testing {
namespace {

using ::enlace::testing::StatusIs;
using ::enlace::testing::TempDir;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class HubServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(
        net_,
        TestNetwork::Create(absl::Now(), {"node/MX", "node/GT", "node/HN", "node/SV", "node/PA",
                                          "observer/IOM", "admin/ops", "auditor/ana"}));
    clock_ = std::make_unique<FakeClock>(net_->now());
  }

  void Start(const v1::SignedDirectory* directory = nullptr) {
    ASSERT_OK_AND_ASSIGN(hub_, StartHub(*net_, clock_.get(), dir_.Sub("db"), limits_, directory));
  }

  v1::Exchange::Stub Exchange(absl::string_view participant) {
    return v1::Exchange::Stub(HubChannel(*net_, participant, hub_->port()));
  }

  v1::Envelope Seal(absl::string_view from, const std::vector<std::string>& to,
                    v1::MessageKind kind = v1::KIND_INFO_REQUEST) {
    absl::StatusOr<v1::Envelope> envelope = net_->Seal(from, to, kind, "hola", clock_->Now());
    EXPECT_OK(envelope.status());
    return *envelope;
  }

  // Submit `envelope` (or raw `bytes`) as `caller`.
  absl::StatusOr<v1::SubmitResponse> Submit(absl::string_view caller, const std::string& bytes) {
    v1::Exchange::Stub stub = Exchange(caller);
    grpc::ClientContext context;
    v1::SubmitRequest request;
    request.set_envelope(bytes);
    v1::SubmitResponse response;
    absl::Status status = FromGrpcStatus(stub.Submit(&context, request, &response));
    if (!status.ok()) return status;
    return response;
  }
  absl::StatusOr<v1::SubmitResponse> Submit(absl::string_view caller, const v1::Envelope& e) {
    return Submit(caller, e.SerializeAsString());
  }

  absl::StatusOr<v1::AckResponse> Ack(absl::string_view caller, absl::string_view signer,
                                      const v1::Receipt& receipt) {
    v1::AckRequest ack;
    ack.set_message_id(receipt.message_id());
    ack.set_acked_at_ms(absl::ToUnixMillis(clock_->Now()));
    const Ed25519PrivateKey& key = net_->participant(signer).signing_key;
    ack.set_key_id(key.public_key().KeyId());
    ack.set_signature(*key.Sign(
        AckSigningInput(receipt.message_id(), receipt.header_hash(), signer, ack.acked_at_ms())));
    v1::Exchange::Stub stub = Exchange(caller);
    grpc::ClientContext context;
    v1::AckResponse response;
    absl::Status status = FromGrpcStatus(stub.Ack(&context, ack, &response));
    if (!status.ok()) return status;
    return response;
  }

  TempDir dir_;
  std::unique_ptr<TestNetwork> net_;
  std::unique_ptr<FakeClock> clock_;
  HubLimits limits_;
  std::unique_ptr<HubServer> hub_;
};

TEST_F(HubServiceTest, EverySubmitRefusalHasItsCode) {
  // Directory: SV suspended, PA revoked, and a second signing key of MX revoked an hour ago.
  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey revoked_key,
                       Ed25519PrivateKey::Generate(RandomSource::Real()));
  v1::Directory directory = net_->BaseDirectory(1);
  const int64_t hour_ago = absl::ToUnixMillis(clock_->Now() - absl::Hours(1));
  for (v1::DirectoryParticipant& p : *directory.mutable_participants()) {
    if (p.id() == "node/SV") p.set_status(v1::PARTICIPANT_STATUS_SUSPENDED);
    if (p.id() == "node/MX") {
      v1::DirectoryKey* key = p.add_signing_keys();
      *key = p.signing_keys(0);
      key->set_key_id(revoked_key.public_key().KeyId());
      key->set_public_key(revoked_key.public_key().raw());
    }
  }
  v1::Revocation* pa = directory.add_revocations();
  pa->set_participant_id("node/PA");
  pa->set_revoked_at_ms(hour_ago);
  pa->set_reason("left the network");
  v1::Revocation* key = directory.add_revocations();
  key->set_key_id(revoked_key.public_key().KeyId());
  key->set_revoked_at_ms(hour_ago);
  key->set_reason("compromised");
  ASSERT_OK_AND_ASSIGN(v1::SignedDirectory signed_directory, net_->SignDirectory(directory));
  limits_.max_envelope_bytes = 64 << 10;
  Start(&signed_directory);

  auto expect = [&](absl::string_view caller, absl::StatusOr<std::string> bytes,
                    absl::StatusCode code, absl::string_view text) {
    ASSERT_OK(bytes.status());
    EXPECT_THAT(Submit(caller, *bytes), StatusIs(code, HasSubstr(std::string(text))))
        << "case: " << text;
  };
  auto sealed = [&](absl::StatusOr<v1::Envelope> e) -> absl::StatusOr<std::string> {
    if (!e.ok()) return e.status();
    return e->SerializeAsString();
  };
  using Code = absl::StatusCode;
  const std::string mx_to_gt = Seal("node/MX", {"node/GT"}).SerializeAsString();

  // Who is calling, and for whom.
  expect("node/GT", mx_to_gt, Code::kPermissionDenied, "the caller's certificate names node/GT");
  expect("node/SV", sealed(net_->Seal("node/SV", {"node/GT"}, v1::KIND_INFO_REQUEST)),
         Code::kPermissionDenied, "suspended");
  expect("node/PA", sealed(net_->Seal("node/PA", {"node/GT"}, v1::KIND_INFO_REQUEST)),
         Code::kPermissionDenied, "revoked");
  // A certificate of the network that the directory does not list for MX.
  {
    ASSERT_OK_AND_ASSIGN(TlsMaterial other, net_->pki().Issue("node/MX"));
    ASSERT_OK_AND_ASSIGN(auto credentials, MakeChannelCredentials(other, absl::Now()));
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("localhost");
    v1::Exchange::Stub stub(
        grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", hub_->port()), credentials, args));
    grpc::ClientContext context;
    v1::SubmitRequest request;
    request.set_envelope(Seal("node/MX", {"node/GT"}).SerializeAsString());
    v1::SubmitResponse response;
    EXPECT_THAT(FromGrpcStatus(stub.Submit(&context, request, &response)),
                StatusIs(Code::kPermissionDenied, HasSubstr("certificate")));
  }
  // Recipients and kinds.
  {
    v1::Directory with_ni = directory;  // node/NI is not enrolled: seal for it with GT's key
    v1::Header header;
    header.set_sender_id("node/MX");
    header.set_kind(v1::KIND_INFO_REQUEST);
    header.set_created_at_ms(absl::ToUnixMillis(clock_->Now()));
    std::vector<RecipientKey> keys = {
        {"node/NI", net_->participant("node/GT").encryption_key.public_key()}};
    Env env;
    expect(
        "node/MX",
        sealed(enlace::Seal(header, "hola", net_->participant("node/MX").signing_key, keys, env)),
        Code::kFailedPrecondition, "node/NI is not enrolled");
  }
  expect("node/MX", Seal("node/MX", {"node/GT", "node/SV"}).SerializeAsString(),
         Code::kFailedPrecondition, "node/SV is suspended");
  expect("node/MX", Seal("node/MX", {"node/PA"}).SerializeAsString(), Code::kFailedPrecondition,
         "node/PA was revoked");
  expect("node/MX",
         Seal("node/MX", {"node/GT", "observer/IOM"}, v1::KIND_VICTIM_REFERRAL).SerializeAsString(),
         Code::kPermissionDenied, "observer/IOM (role observer) may not receive");
  expect("observer/IOM",
         Seal("observer/IOM", {"node/GT"}, v1::KIND_SMUGGLING_ALERT).SerializeAsString(),
         Code::kPermissionDenied, "may not send KIND_SMUGGLING_ALERT");
  // Sizes and form.
  expect("node/MX",
         sealed(net_->Seal("node/MX", {"node/GT"}, v1::KIND_DOCUMENT, std::string(70000, 'x'),
                           clock_->Now())),
         Code::kResourceExhausted, "use SubmitStream");
  expect("node/MX", std::string("\x0a\x05hola"), Code::kInvalidArgument, "");
  // Time window.
  expect("node/MX",
         sealed(net_->Seal("node/MX", {"node/GT"}, v1::KIND_INFO_REQUEST, "hola",
                           clock_->Now() - absl::Hours(24 * 8))),
         Code::kFailedPrecondition, "replay window");
  expect("node/MX",
         sealed(net_->Seal("node/MX", {"node/GT"}, v1::KIND_INFO_REQUEST, "hola",
                           clock_->Now() + absl::Minutes(6))),
         Code::kFailedPrecondition, "check the sender's clock");
  // Signatures and keys.
  {
    v1::Envelope tampered = Seal("node/MX", {"node/GT"});
    (*tampered.mutable_payload())[5] ^= 1;
    expect("node/MX", tampered.SerializeAsString(), Code::kInvalidArgument, "signature");
  }
  {
    ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey stranger,
                         Ed25519PrivateKey::Generate(RandomSource::Real()));
    v1::Header header;
    header.set_sender_id("node/MX");
    header.set_kind(v1::KIND_INFO_REQUEST);
    header.set_created_at_ms(absl::ToUnixMillis(clock_->Now()));
    std::vector<RecipientKey> keys = {
        {"node/GT", net_->participant("node/GT").encryption_key.public_key()}};
    Env env;
    expect("node/MX", sealed(enlace::Seal(header, "hola", stranger, keys, env)),
           Code::kFailedPrecondition, "");
    expect("node/MX", sealed(enlace::Seal(header, "hola", revoked_key, keys, env)),
           Code::kPermissionDenied, "");
  }
  // The same id with other bytes.
  ASSERT_OK(Submit("node/MX", mx_to_gt).status());
  {
    v1::Envelope first;
    ASSERT_TRUE(first.ParseFromString(mx_to_gt));
    const v1::Header header = *ReadUnverifiedHeader(first);
    expect("node/MX",
           sealed(net_->Seal("node/MX", {"node/GT"}, v1::KIND_INFO_REQUEST, "otra", clock_->Now(),
                             header.message_id())),
           Code::kAlreadyExists, "already accepted with other bytes");
  }
  // Nothing refused reached a mailbox.
  EXPECT_EQ(hub_->exchange()->MailboxStateOf("node/GT").depth(), 1u);
}

TEST_F(HubServiceTest, RateAndMailboxLimitsAreResourceExhausted) {
  limits_.submit_burst = 3;
  limits_.submits_per_second = 1;
  limits_.mailbox_max_entries = 2;
  Start();
  ASSERT_OK(Submit("node/MX", Seal("node/MX", {"node/GT"})).status());
  ASSERT_OK(Submit("node/MX", Seal("node/MX", {"node/GT"})).status());
  EXPECT_THAT(Submit("node/MX", Seal("node/MX", {"node/GT"})),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("mailbox of node/GT")));
  EXPECT_THAT(Submit("node/MX", Seal("node/MX", {"node/HN"})),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("faster than")));
  clock_->Advance(absl::Seconds(2));
  EXPECT_OK(Submit("node/MX", Seal("node/MX", {"node/HN"})).status());
}

TEST_F(HubServiceTest, AResubmissionReturnsTheOriginalReceipt) {
  Start();
  const v1::Envelope envelope = Seal("node/MX", {"node/GT", "node/HN"});
  ASSERT_OK_AND_ASSIGN(v1::SubmitResponse first, Submit("node/MX", envelope));
  ASSERT_OK_AND_ASSIGN(v1::SubmitResponse again, Submit("node/MX", envelope));
  EXPECT_FALSE(first.duplicate());
  EXPECT_TRUE(again.duplicate());
  EXPECT_EQ(again.receipt().SerializeAsString(), first.receipt().SerializeAsString());
  EXPECT_OK(VerifyReceipt(first.receipt(), hub_->exchange()->hub_key()));
}

TEST_F(HubServiceTest, AnOfflineRecipientGetsEverythingInOrderAndResumesAfterReconnecting) {
  Start();
  std::vector<std::string> sent;
  for (int i = 0; i < 40; ++i) {
    const v1::Envelope envelope = Seal(i % 2 ? "node/MX" : "node/HN", {"node/GT"});
    ASSERT_OK(Submit(i % 2 ? "node/MX" : "node/HN", envelope).status());
    sent.push_back(envelope.SerializeAsString());
  }
  v1::Exchange::Stub gt = Exchange("node/GT");
  uint64_t cursor = 0;  // positions increase (hub/store.h NextMailboxSequence), not by one
  {
    grpc::ClientContext context;
    v1::SubscribeRequest request;
    auto reader = gt.Subscribe(&context, request);
    Received got = ReadDeliveries(reader.get(), 25);
    ASSERT_EQ(got.envelopes.size(), 25u);
    for (int i = 0; i < 25; ++i) {
      EXPECT_GT(got.sequences[i], cursor);
      cursor = got.sequences[i];
      EXPECT_TRUE(got.envelopes[i] == sent[i]) << i;
    }
    context.TryCancel();  // the node goes away after storing 25
  }
  // More arrive while it is away.
  for (int i = 0; i < 5; ++i) {
    const v1::Envelope envelope = Seal("node/MX", {"node/GT"});
    ASSERT_OK(Submit("node/MX", envelope).status());
    sent.push_back(envelope.SerializeAsString());
  }
  // It comes back with its cursor and gets the rest, then what is submitted while it listens.
  grpc::ClientContext context;
  v1::SubscribeRequest request;
  request.set_after_sequence(cursor);
  auto reader = gt.Subscribe(&context, request);
  Received rest = ReadDeliveries(reader.get(), 20);
  ASSERT_EQ(rest.envelopes.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_GT(rest.sequences[i], cursor);
    cursor = rest.sequences[i];
    EXPECT_TRUE(rest.envelopes[i] == sent[25 + i]) << i;
  }
  const v1::Envelope live = Seal("node/HN", {"node/GT"});
  ASSERT_OK(Submit("node/HN", live).status());
  Received more = ReadDeliveries(reader.get(), 1);
  ASSERT_EQ(more.envelopes.size(), 1u);
  EXPECT_GT(more.sequences[0], cursor);
  EXPECT_TRUE(more.envelopes[0] == live.SerializeAsString());
  context.TryCancel();
}

TEST_F(HubServiceTest, OnlyTheRecipientAcknowledgesAndAcknowledgedEntriesAreNotResent) {
  Start();
  ASSERT_OK_AND_ASSIGN(v1::SubmitResponse submitted,
                       Submit("node/MX", Seal("node/MX", {"node/GT"})));
  const v1::Envelope second = Seal("node/MX", {"node/GT"});
  ASSERT_OK(Submit("node/MX", second).status());
  // The sender, an outsider, and an outsider's signature presented by the recipient.
  EXPECT_THAT(Ack("node/MX", "node/MX", submitted.receipt()),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("not a recipient")));
  EXPECT_THAT(Ack("node/HN", "node/HN", submitted.receipt()),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("not a recipient")));
  EXPECT_THAT(Ack("node/GT", "node/HN", submitted.receipt()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("has no signing key")));
  ASSERT_OK_AND_ASSIGN(v1::AckResponse acked, Ack("node/GT", "node/GT", submitted.receipt()));
  EXPECT_FALSE(acked.duplicate());

  v1::Exchange::Stub gt = Exchange("node/GT");
  grpc::ClientContext context;
  auto reader = gt.Subscribe(&context, v1::SubscribeRequest());
  Received got = ReadDeliveries(reader.get(), 1);
  ASSERT_EQ(got.envelopes.size(), 1u);
  EXPECT_TRUE(got.envelopes[0] == second.SerializeAsString());  // the acknowledged one is gone
  context.TryCancel();
}

TEST_F(HubServiceTest, AReceiptComesBackWithAProofTheAuditLogAgreesWith) {
  Start();
  ASSERT_OK_AND_ASSIGN(v1::SubmitResponse submitted,
                       Submit("node/MX", Seal("node/MX", {"node/GT"})));
  clock_->Advance(absl::Seconds(2));
  ASSERT_OK(hub_->exchange()->RunMaintenance().status());
  v1::Exchange::Stub gt = Exchange("node/GT");
  grpc::ClientContext context;
  v1::GetReceiptRequest request;
  request.set_message_id(submitted.receipt().message_id());
  v1::GetReceiptResponse response;
  ASSERT_OK(FromGrpcStatus(gt.GetReceipt(&context, request, &response)));
  ASSERT_TRUE(response.has_inclusion_proof());
  const v1::InclusionProof& proof = response.inclusion_proof();

  // The AuditLog service (same port) gives the same head and the same proof.
  v1::AuditLog::Stub audit(HubChannel(*net_, "auditor/ana", hub_->port()));
  grpc::ClientContext audit_context;
  v1::GetInclusionProofRequest audit_request;
  audit_request.set_leaf_index(submitted.receipt().log_index());
  v1::InclusionProof from_log;
  ASSERT_OK(FromGrpcStatus(audit.GetInclusionProof(&audit_context, audit_request, &from_log)));
  EXPECT_EQ(from_log.SerializeAsString(), proof.SerializeAsString());
  std::vector<std::string> path(proof.audit_path().begin(), proof.audit_path().end());
  EXPECT_OK(auditlog::VerifyInclusion(proof.leaf_hash(), proof.leaf_index(), proof.tree_size(),
                                      path, proof.tree_head().root_hash()));
  // Strangers to the message get nothing.
  v1::Exchange::Stub hn = Exchange("node/HN");
  grpc::ClientContext hn_context;
  EXPECT_THAT(FromGrpcStatus(hn.GetReceipt(&hn_context, request, &response)),
              StatusIs(absl::StatusCode::kPermissionDenied, _));
}

TEST_F(HubServiceTest, ALargeEnvelopeStreamsUpAndDownInChunks) {
  Start();
  const std::string plaintext(3 * kChunkSize + 12345, 'z');
  ASSERT_OK_AND_ASSIGN(v1::Envelope envelope, net_->Seal("node/MX", {"node/GT"}, v1::KIND_DOCUMENT,
                                                         plaintext, clock_->Now()));
  v1::Exchange::Stub mx = Exchange("node/MX");
  grpc::ClientContext context;
  v1::SubmitResponse response;
  auto writer = mx.SubmitStream(&context, &response);
  v1::SubmitStreamRequest head;
  head.mutable_head()->set_header(envelope.header());
  *head.mutable_head()->mutable_wraps() = envelope.wraps();
  head.mutable_head()->set_signature(envelope.signature());
  head.mutable_head()->set_payload_size(envelope.payload().size());
  ASSERT_TRUE(writer->Write(head));
  const absl::string_view payload = envelope.payload();
  for (size_t at = 0; at < payload.size(); at += 1 << 20) {
    v1::SubmitStreamRequest piece;
    piece.set_payload_chunk(std::string(payload.substr(at, 1 << 20)));
    ASSERT_TRUE(writer->Write(piece));
  }
  writer->WritesDone();
  ASSERT_OK(FromGrpcStatus(writer->Finish()));
  const std::string serialized = envelope.SerializeAsString();
  EXPECT_EQ(response.receipt().envelope_hash(), DigestBytes(*Sha256(serialized)));

  v1::Exchange::Stub gt = Exchange("node/GT");
  grpc::ClientContext gt_context;
  auto reader = gt.Subscribe(&gt_context, v1::SubscribeRequest());
  Received got = ReadDeliveries(reader.get(), 1);
  ASSERT_EQ(got.envelopes.size(), 1u);
  EXPECT_TRUE(got.envelopes[0] == serialized);
  gt_context.TryCancel();
}

TEST_F(HubServiceTest, DirectoryIsServedAndOnlyAdminsPublish) {
  Start();
  v1::DirectoryService::Stub directory(HubChannel(*net_, "node/GT", hub_->port()));
  {
    grpc::ClientContext context;
    v1::GetDirectoryRequest request;
    v1::GetDirectoryResponse response;
    ASSERT_OK(FromGrpcStatus(directory.Get(&context, request, &response)));
    EXPECT_EQ(response.version(), 1u);
    ASSERT_OK(
        VerifySignedDirectory(response.directory().SerializeAsString(), net_->root(), clock_->Now())
            .status());
  }
  {
    grpc::ClientContext context;
    v1::GetDirectoryRequest request;
    request.set_known_version(1);
    v1::GetDirectoryResponse response;
    ASSERT_OK(FromGrpcStatus(directory.Get(&context, request, &response)));
    EXPECT_FALSE(response.has_directory());
  }
  v1::Directory next = net_->BaseDirectory(2);
  for (v1::DirectoryParticipant& p : *next.mutable_participants()) {
    if (p.id() == "node/HN") p.set_status(v1::PARTICIPANT_STATUS_SUSPENDED);
  }
  v1::PublishDirectoryRequest publish;
  ASSERT_OK_AND_ASSIGN(*publish.mutable_directory(), net_->SignDirectory(next));
  for (const char* caller : {"node/MX", "auditor/ana"}) {
    v1::Admin::Stub admin(HubChannel(*net_, caller, hub_->port()));
    grpc::ClientContext context;
    v1::PublishDirectoryResponse response;
    EXPECT_THAT(FromGrpcStatus(admin.PublishDirectory(&context, publish, &response)),
                StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("not an admin")));
  }
  v1::Admin::Stub admin(HubChannel(*net_, "admin/ops", hub_->port()));
  grpc::ClientContext context;
  v1::PublishDirectoryResponse response;
  ASSERT_OK(FromGrpcStatus(admin.PublishDirectory(&context, publish, &response)));
  EXPECT_EQ(response.version(), 2u);
  EXPECT_EQ(response.events_logged(), 2u);  // SUSPENDED, DIRECTORY_PUBLISHED
  // The suspended participant's calls are refused from now on.
  EXPECT_THAT(Submit("node/HN", Seal("node/HN", {"node/GT"})),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("suspended")));
}

// The bytes of a protobuf message's length-delimited field `number`, each occurrence.
std::vector<std::string> Fields(const std::string& message, int number) {
  google::protobuf::UnknownFieldSet fields;
  std::vector<std::string> values;
  if (!fields.ParseFromString(message)) return values;
  for (int i = 0; i < fields.field_count(); ++i) {
    if (fields.field(i).number() == number &&
        fields.field(i).type() == google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) {
      values.push_back(fields.field(i).length_delimited());
    }
  }
  return values;
}

// One ServerReflectionInfo exchange: sends `request` (a serialized ServerReflectionRequest),
// returns the first response's bytes.
std::string ReflectionCall(std::shared_ptr<grpc::Channel> channel, const std::string& request) {
  class Call : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
   public:
    Call(grpc::GenericStub* stub, const std::string& request) {
      grpc::Slice slice(request);
      request_ = grpc::ByteBuffer(&slice, 1);
      stub->PrepareBidiStreamingCall(
          &context_, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
          grpc::StubOptions(), this);
      StartWrite(&request_);
      StartRead(&response_);
      StartCall();
    }
    void OnWriteDone(bool ok) override { StartWritesDone(); }
    void OnReadDone(bool ok) override {
      if (!ok) return;
      std::vector<grpc::Slice> slices;
      if (first_.empty() && response_.Dump(&slices).ok()) {
        for (const grpc::Slice& slice : slices)
          first_.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
      }
      StartRead(&response_);
    }
    void OnDone(const grpc::Status& status) override { done_.Notify(); }
    std::string Wait() {
      done_.WaitForNotification();
      return first_;
    }

   private:
    grpc::ClientContext context_;
    grpc::ByteBuffer request_;
    grpc::ByteBuffer response_;
    std::string first_;
    absl::Notification done_;
  };
  grpc::GenericStub stub(channel);
  Call call(&stub, request);
  return call.Wait();
}

TEST_F(HubServiceTest, HealthAndReflectionAnswer) {
  Start();
  std::shared_ptr<grpc::Channel> channel = HubChannel(*net_, "node/MX", hub_->port());
  grpc::GenericStub generic(channel);
  // grpc.health.v1.Health/Check with an empty request: HealthCheckResponse{status: SERVING}.
  {
    grpc::ClientContext context;
    grpc::ByteBuffer request(nullptr, 0);
    grpc::ByteBuffer response;
    absl::Notification done;
    grpc::Status status;
    generic.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                      &response, [&](grpc::Status s) {
                        status = s;
                        done.Notify();
                      });
    done.WaitForNotification();
    ASSERT_TRUE(status.ok()) << status.error_message();
    std::vector<grpc::Slice> slices;
    ASSERT_TRUE(response.Dump(&slices).ok());
    std::string bytes;
    for (const grpc::Slice& slice : slices) {
      bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
    EXPECT_EQ(bytes, std::string("\x08\x01"));  // status = SERVING
  }
  // grpc.reflection.v1alpha.ServerReflection: list_services (request field 7), then the file
  // defining enlace.v1.Exchange (file_containing_symbol, field 4).
  std::vector<std::string> names;
  for (const std::string& service :
       Fields(Fields(ReflectionCall(channel, std::string("\x3a\x00", 2)), 6).at(0), 1)) {
    names.push_back(Fields(service, 1).at(0));
  }
  EXPECT_THAT(names, ::testing::IsSupersetOf({"enlace.v1.Exchange", "enlace.v1.DirectoryService",
                                              "enlace.v1.Admin", "enlace.v1.AuditLog",
                                              "grpc.health.v1.Health"}));
  const std::string symbol = "enlace.v1.Exchange";
  std::string request("\x22");
  request += static_cast<char>(symbol.size());
  request += symbol;
  const std::vector<std::string> files =
      Fields(Fields(ReflectionCall(channel, request), 4).at(0), 1);
  std::vector<std::string> file_names;
  for (const std::string& file : files) {
    google::protobuf::FileDescriptorProto descriptor;
    ASSERT_TRUE(descriptor.ParseFromString(file));
    file_names.push_back(descriptor.name());
  }
  EXPECT_THAT(file_names, ::testing::Contains("enlace/v1/hub_service.proto"));
}

TEST_F(HubServiceTest, MetricsCountSubmissionsAndMailboxes) {
  Start();
  ASSERT_OK(Submit("node/MX", Seal("node/MX", {"node/GT", "node/HN"})).status());
  EXPECT_FALSE(Submit("node/GT", Seal("node/MX", {"node/HN"})).ok());
  const std::string text = HttpGet(hub_->metrics_port(), "/metrics");
  EXPECT_THAT(text, HasSubstr("HTTP/1.0 200 OK"));
  EXPECT_THAT(text, HasSubstr("enlace_hub_submits_total{result=\"OK\",reason=\"accepted\"} 1"));
  EXPECT_THAT(text, HasSubstr("enlace_hub_submits_total{result=\"PERMISSION_DENIED\","
                              "reason=\"sender_mismatch\"} 1"));
  EXPECT_THAT(text, HasSubstr("enlace_hub_mailbox_depth{recipient=\"node/GT\"} 1"));
  EXPECT_THAT(text, HasSubstr("enlace_hub_commit_seconds_count"));
  EXPECT_THAT(text, HasSubstr("enlace_hub_submit_seconds_bucket{le=\"0.5\"}"));
  // Nothing about content: no envelope bytes, no message ids in the labels.
  EXPECT_THAT(text, ::testing::Not(HasSubstr("message_id")));
}

TEST_F(HubServiceTest, ShutdownEndsSubscriptionsSoTheyCanResumeElsewhere) {
  Start();
  ASSERT_OK(Submit("node/MX", Seal("node/MX", {"node/GT"})).status());
  v1::Exchange::Stub gt = Exchange("node/GT");
  grpc::ClientContext context;
  auto reader = gt.Subscribe(&context, v1::SubscribeRequest());
  ASSERT_EQ(ReadDeliveries(reader.get(), 1).envelopes.size(), 1u);
  ASSERT_OK(hub_->Shutdown());
  Received after = ReadDeliveries(reader.get(), 1);
  EXPECT_TRUE(after.envelopes.empty());
  EXPECT_EQ(after.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(after.status.error_message(), HasSubstr("shutting down"));
}

TEST(MetricsHttpTest, TheResponderServesMetricsOnLoopbackOnly) {
  auto server = MetricsHttpServer::Start("127.0.0.1:0", [] { return std::string("m 1\n"); });
  ASSERT_OK(server.status());
  const std::string ok = HttpGet((*server)->port(), "/metrics");
  EXPECT_THAT(ok, HasSubstr("HTTP/1.0 200 OK\r\n"));
  EXPECT_THAT(ok, HasSubstr("text/plain; version=0.0.4"));
  EXPECT_THAT(ok, HasSubstr("\r\n\r\nm 1\n"));
  EXPECT_THAT(HttpGet((*server)->port(), "/"), HasSubstr("404"));
  EXPECT_THAT(MetricsHttpServer::Start("0.0.0.0:0", [] { return std::string(); }),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a loopback")));
  EXPECT_THAT(MetricsHttpServer::Start("127.0.0.1", [] { return std::string(); }),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no port")));
}

}  // namespace
}  // namespace enlace::hub::testing
