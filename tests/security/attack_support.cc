#include "tests/security/attack_support.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "auditlog/event.h"
#include "crypto/envelope.h"
#include "crypto/receipts.h"
#include "net/status.h"
#include "tests/hub/hub_fixture.h"
#include "tests/testing/status_matchers.h"

namespace enlace::security_testing {

std::shared_ptr<grpc::ChannelCredentials> RawClientCredentials(const std::string& root_pem,
                                                               const TlsMaterial* material) {
  std::vector<grpc::experimental::IdentityKeyCertPair> pairs;
  if (material != nullptr) {
    pairs.push_back({std::string(material->private_key_pem.view()), material->certificate_pem});
  }
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(
      std::make_shared<grpc::experimental::StaticDataCertificateProvider>(root_pem, pairs));
  options.watch_root_certs();
  if (material != nullptr) options.watch_identity_key_cert_pairs();
  options.set_check_call_host(false);
  options.set_certificate_verifier(std::make_shared<grpc::experimental::NoOpCertificateVerifier>());
  return grpc::experimental::TlsCredentials(options);
}

const std::vector<std::string>& HubAttackTest::Participants() {
  static const auto* const participants = new std::vector<std::string>{
      "node/MX", "node/GT", "node/HN", "node/SV", "observer/IOM", "admin/ops", "auditor/ana"};
  return *participants;
}

void HubAttackTest::SetUp() {
  ASSERT_OK_AND_ASSIGN(net_, hub::testing::TestNetwork::Create(absl::Now(), Participants()));
  clock_ = std::make_unique<FakeClock>(net_->now());
}

void HubAttackTest::Start(const v1::SignedDirectory* directory) {
  ASSERT_OK_AND_ASSIGN(
      hub_, hub::testing::StartHub(*net_, clock_.get(), dir_.Sub("db"), limits_, directory));
}

std::shared_ptr<grpc::Channel> HubAttackTest::Channel(absl::string_view participant) {
  return hub::testing::HubChannel(*net_, participant, hub_->port());
}

std::shared_ptr<grpc::Channel> HubAttackTest::RawChannel(const TlsMaterial* material) {
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", hub_->port()),
                                   RawClientCredentials(net_->pki().root_pem(), material), args);
}

v1::Envelope HubAttackTest::Seal(absl::string_view from, const std::vector<std::string>& to,
                                 v1::MessageKind kind) {
  absl::StatusOr<v1::Envelope> envelope = net_->Seal(from, to, kind, "hola", clock_->Now());
  EXPECT_OK(envelope.status());
  return envelope.value_or(v1::Envelope());
}

absl::StatusOr<v1::SubmitResponse> HubAttackTest::SubmitOver(std::shared_ptr<grpc::Channel> channel,
                                                             const std::string& bytes) {
  v1::Exchange::Stub stub(channel);
  grpc::ClientContext context;
  v1::SubmitRequest request;
  request.set_envelope(bytes);
  v1::SubmitResponse response;
  absl::Status status = FromGrpcStatus(stub.Submit(&context, request, &response));
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::SubmitResponse> HubAttackTest::Submit(absl::string_view caller,
                                                         const std::string& bytes) {
  return SubmitOver(Channel(caller), bytes);
}

absl::StatusOr<v1::SubmitResponse> HubAttackTest::Submit(absl::string_view caller,
                                                         const v1::Envelope& e) {
  return Submit(caller, e.SerializeAsString());
}

absl::StatusOr<v1::AckResponse> HubAttackTest::Ack(absl::string_view caller,
                                                   absl::string_view signer,
                                                   const v1::Receipt& receipt,
                                                   std::optional<absl::Time> acked_at) {
  v1::AckRequest ack;
  ack.set_message_id(receipt.message_id());
  ack.set_acked_at_ms(absl::ToUnixMillis(acked_at.value_or(clock_->Now())));
  const Ed25519PrivateKey& key = net_->participant(signer).signing_key;
  ack.set_key_id(key.public_key().KeyId());
  absl::StatusOr<Bytes> signature = key.Sign(
      AckSigningInput(receipt.message_id(), receipt.header_hash(), signer, ack.acked_at_ms()));
  if (!signature.ok()) return signature.status();
  ack.set_signature(*signature);
  v1::Exchange::Stub stub(Channel(caller));
  grpc::ClientContext context;
  v1::AckResponse response;
  absl::Status status = FromGrpcStatus(stub.Ack(&context, ack, &response));
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::GetReceiptResponse> HubAttackTest::GetReceipt(absl::string_view caller,
                                                                 const std::string& message_id) {
  v1::Exchange::Stub stub(Channel(caller));
  grpc::ClientContext context;
  v1::GetReceiptRequest request;
  request.set_message_id(message_id);
  v1::GetReceiptResponse response;
  absl::Status status = FromGrpcStatus(stub.GetReceipt(&context, request, &response));
  if (!status.ok()) return status;
  return response;
}

absl::Status HubAttackTest::OpenAs(absl::string_view recipient, absl::string_view sender,
                                   const v1::Envelope& envelope) const {
  RecipientIdentity me;
  me.recipient_id = std::string(recipient);
  absl::StatusOr<X25519PrivateKey> key =
      X25519PrivateKey::FromRaw(net_->participant(recipient).encryption_key.raw());
  if (!key.ok()) return key.status();
  me.keys.push_back(*std::move(key));
  return Open(envelope, me, net_->participant(sender).signing_key.public_key()).status();
}

std::vector<v1::AuditEvent> HubAttackTest::Events() {
  // Rejections are logged asynchronously; a maintenance round queues behind them.
  EXPECT_OK(hub_->exchange()->RunMaintenance().status());
  const auditlog::AuditLog* log = hub_->exchange()->audit_log();
  const uint64_t size = log->size();
  std::vector<v1::AuditEvent> events;
  while (events.size() < size) {
    absl::StatusOr<std::vector<Bytes>> leaves = log->ReadEntries(events.size(), size, size);
    EXPECT_OK(leaves.status());
    if (!leaves.ok() || leaves->empty()) break;
    for (const Bytes& leaf : *leaves) {
      absl::StatusOr<v1::AuditEvent> event = auditlog::DecodeLeaf(leaf);
      EXPECT_OK(event.status());
      events.push_back(event.value_or(v1::AuditEvent()));
    }
  }
  return events;
}

HubState HubAttackTest::State() {
  HubState state;
  for (const v1::AuditEvent& event : Events()) {
    switch (event.type()) {
      case v1::AUDIT_EVENT_SUBMITTED:
        ++state.submitted;
        break;
      case v1::AUDIT_EVENT_DELIVERED:
        ++state.delivered;
        break;
      case v1::AUDIT_EVENT_ACKNOWLEDGED:
        ++state.acknowledged;
        break;
      case v1::AUDIT_EVENT_DIRECTORY_PUBLISHED:
        ++state.published;
        break;
      case v1::AUDIT_EVENT_REJECTED:
        ++state.rejected;
        state.last_reason = event.reason_code();
        break;
      default:
        break;
    }
  }
  for (const std::string& participant : Participants()) {
    state.mailbox_entries += hub_->exchange()->MailboxStateOf(participant).depth();
  }
  return state;
}

namespace {
void ExpectSameKept(const HubState& before, const HubState& after) {
  EXPECT_EQ(after.submitted, before.submitted) << "a submission was logged";
  EXPECT_EQ(after.delivered, before.delivered) << "a delivery was logged";
  EXPECT_EQ(after.acknowledged, before.acknowledged) << "an acknowledgement was logged";
  EXPECT_EQ(after.published, before.published) << "a directory was published";
  EXPECT_EQ(after.mailbox_entries, before.mailbox_entries) << "a mailbox entry was stored";
}
}  // namespace

void HubAttackTest::ExpectOnlyRejected(const HubState& before, absl::string_view reason) {
  const HubState after = State();
  ExpectSameKept(before, after);
  EXPECT_EQ(after.rejected, before.rejected + 1);
  EXPECT_EQ(after.last_reason, std::string(reason));
}

void HubAttackTest::ExpectNothingKept(const HubState& before) {
  const HubState after = State();
  ExpectSameKept(before, after);
  EXPECT_EQ(after.rejected, before.rejected);
}

std::string NestedGroups(int depth) {
  return std::string(depth, '\x7b') + std::string(depth, '\x7c');
}

v1::Envelope WithHeader(v1::Envelope envelope, const std::function<void(v1::Header&)>& mutate) {
  v1::Header header;
  EXPECT_TRUE(header.ParseFromString(envelope.header()));
  mutate(header);
  envelope.set_header(header.SerializeAsString());
  return envelope;
}

}  // namespace enlace::security_testing
