// The exchange core without a network: a real RocksDB in a temp dir, a FakeClock, envelopes
// sealed by tests/…/test_network keys. Refusals with their gRPC codes over real mutual TLS are
// in tests/hub/.
#include "hub/exchange.h"

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "auditlog/acknowledgement.h"
#include "auditlog/event.h"
#include "auditlog/verifier.h"
#include "crypto/envelope.h"
#include "crypto/receipts.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/testing/fault_fs.h"
#include "hub/testing/test_network.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace enlace::hub {
namespace {

using ::enlace::hub::testing::FaultInjectionFs;
using ::enlace::hub::testing::TestNetwork;
using ::enlace::testing::IsOk;
using ::enlace::testing::StatusIs;
using ::enlace::testing::TempDir;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ExchangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(net_, TestNetwork::Create(absl::Now(), {"node/MX", "node/GT", "node/HN",
                                                                 "observer/IOM", "admin/ops"}));
    clock_ = std::make_unique<FakeClock>(net_->now());
    ASSERT_OK_AND_ASSIGN(v1::SignedDirectory directory,
                         net_->SignDirectory(net_->BaseDirectory(1)));
    bootstrap_ = directory.SerializeAsString();
  }

  void OpenHub() {
    ExchangeOptions options;
    options.store.path = dir_.Sub("db");
    options.store.rocksdb_env = rocksdb_env_.get();
    options.env.clock = clock_.get();
    options.limits = limits_;
    options.bootstrap_directory = bootstrap_;
    ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey log_key, net_->LogKey());
    ASSERT_OK_AND_ASSIGN(
        hub_, Exchange::Open(std::move(options), net_->root(), std::move(log_key), &metrics_));
  }

  ParticipantId Id(absl::string_view text) { return *ParticipantId::Parse(text); }

  absl::StatusOr<SubmitResult> Submit(const v1::Envelope& envelope) {
    const v1::Header header = *ReadUnverifiedHeader(envelope);
    const std::string& sender = header.sender_id();
    return hub_->Submit(Id(sender), net_->participant(sender).certificate_sha256,
                        envelope.SerializeAsString());
  }

  v1::Envelope Seal(absl::string_view from, const std::vector<std::string>& to,
                    v1::MessageKind kind = v1::KIND_INFO_REQUEST, absl::string_view text = "hola") {
    absl::StatusOr<v1::Envelope> envelope = net_->Seal(from, to, kind, text, clock_->Now());
    EXPECT_OK(envelope.status());
    return *envelope;
  }

  // The recipient's signed acknowledgement of `receipt`'s message, at the hub's time.
  v1::AckRequest SignedAck(absl::string_view recipient, const v1::Receipt& receipt) {
    v1::AckRequest ack;
    ack.set_message_id(receipt.message_id());
    ack.set_acked_at_ms(absl::ToUnixMillis(clock_->Now()));
    const Ed25519PrivateKey& key = net_->participant(recipient).signing_key;
    ack.set_key_id(key.public_key().KeyId());
    ack.set_signature(*key.Sign(AckSigningInput(receipt.message_id(), receipt.header_hash(),
                                                recipient, ack.acked_at_ms())));
    return ack;
  }

  absl::StatusOr<v1::AckResponse> Ack(absl::string_view recipient, const v1::AckRequest& ack) {
    absl::Notification done;
    absl::StatusOr<v1::AckResponse> result;
    hub_->Ack(Id(recipient), ack, [&](absl::StatusOr<v1::AckResponse> r) {
      result = std::move(r);
      done.Notify();
    });
    done.WaitForNotification();
    return result;
  }

  // The events of the log, decoded.
  std::vector<v1::AuditEvent> Events() {
    std::vector<v1::AuditEvent> events;
    auditlog::AuditLog* log = hub_->audit_log();
    absl::StatusOr<std::vector<Bytes>> leaves = log->ReadEntries(0, log->size(), log->size());
    EXPECT_OK(leaves.status());
    for (const Bytes& leaf : *leaves) events.push_back(*auditlog::DecodeLeaf(leaf));
    return events;
  }

  std::vector<v1::AuditEventType> Types(const std::vector<v1::AuditEvent>& events) {
    std::vector<v1::AuditEventType> types;
    for (const v1::AuditEvent& e : events) types.push_back(e.type());
    return types;
  }

  // Every entry of `recipient`'s mailbox, in order.
  std::vector<MailboxEntry> Mailbox(absl::string_view recipient) {
    std::vector<MailboxEntry> entries;
    uint64_t after = 0;
    while (true) {
      absl::StatusOr<std::optional<MailboxEntry>> next = hub_->NextEntry(Id(recipient), after);
      EXPECT_OK(next.status());
      if (!next.ok() || !next->has_value()) break;
      after = (*next)->sequence;
      entries.push_back(**next);
    }
    return entries;
  }

  Bytes ReadEnvelope(const MailboxEntry& entry) {
    Bytes bytes;
    for (uint32_t i = 0; i < ChunkCount(entry.value.envelope_size); ++i) {
      absl::StatusOr<Bytes> chunk = hub_->ReadChunk(entry.value.blob_id, i);
      EXPECT_OK(chunk.status());
      bytes += chunk.value_or("");
    }
    return bytes;
  }

  TempDir dir_;
  std::unique_ptr<TestNetwork> net_;
  std::unique_ptr<FakeClock> clock_;
  std::string bootstrap_;
  HubLimits limits_;
  std::unique_ptr<rocksdb::Env> rocksdb_env_;
  MetricsRegistry metrics_;
  std::unique_ptr<Exchange> hub_;
};

TEST_F(ExchangeTest, SubmitStoresTheEnvelopeOnceWithASignedReceiptAndOneEntryPerRecipient) {
  OpenHub();
  const v1::Envelope envelope = Seal("node/MX", {"node/GT", "node/HN"});
  ASSERT_OK_AND_ASSIGN(SubmitResult result, Submit(envelope));
  EXPECT_FALSE(result.duplicate);
  const v1::Receipt& receipt = result.receipt;
  EXPECT_OK(VerifyReceipt(receipt, hub_->hub_key()));
  const v1::Header header = *ReadUnverifiedHeader(envelope);
  EXPECT_EQ(receipt.message_id(), header.message_id());
  EXPECT_EQ(receipt.envelope_hash(), DigestBytes(*Sha256(envelope.SerializeAsString())));
  EXPECT_EQ(receipt.header_hash(), DigestBytes(*Sha256(envelope.header())));
  EXPECT_EQ(receipt.hub_time_ms(), absl::ToUnixMillis(clock_->Now()));

  const std::vector<v1::AuditEvent> events = Events();
  ASSERT_LT(receipt.log_index(), events.size());
  const v1::AuditEvent& submitted = events[receipt.log_index()];
  EXPECT_EQ(submitted.type(), v1::AUDIT_EVENT_SUBMITTED);
  EXPECT_EQ(submitted.sender_id(), "node/MX");
  EXPECT_THAT(submitted.recipient_ids(), ElementsAre("node/GT", "node/HN"));
  EXPECT_EQ(submitted.header_hash(), receipt.header_hash());

  for (const char* recipient : {"node/GT", "node/HN"}) {
    std::vector<MailboxEntry> entries = Mailbox(recipient);
    ASSERT_EQ(entries.size(), 1u) << recipient;
    // A mailbox position is the hub's clock in microseconds (or the last one + 1).
    EXPECT_EQ(entries[0].sequence, static_cast<uint64_t>(absl::ToUnixMicros(clock_->Now())));
    EXPECT_EQ(entries[0].value.message_id, header.message_id());
    EXPECT_EQ(ReadEnvelope(entries[0]), envelope.SerializeAsString());
    EXPECT_EQ(hub_->MailboxStateOf(recipient).depth(), 1u);
  }
  EXPECT_TRUE(Mailbox("node/MX").empty());
  // One envelope stored, shared by both entries.
  EXPECT_EQ(Mailbox("node/GT")[0].value.blob_id, Mailbox("node/HN")[0].value.blob_id);
}

TEST_F(ExchangeTest, ResubmissionIsIdempotentAndAnotherEnvelopeUnderTheSameIdIsRefused) {
  OpenHub();
  const v1::Envelope envelope = Seal("node/MX", {"node/GT"});
  ASSERT_OK_AND_ASSIGN(SubmitResult first, Submit(envelope));
  ASSERT_OK_AND_ASSIGN(SubmitResult again, Submit(envelope));
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.receipt.SerializeAsString(), first.receipt.SerializeAsString());
  EXPECT_EQ(Mailbox("node/GT").size(), 1u);

  const v1::Header header = *ReadUnverifiedHeader(envelope);
  ASSERT_OK_AND_ASSIGN(v1::Envelope other,
                       net_->Seal("node/MX", {"node/GT"}, v1::KIND_INFO_REQUEST, "otra cosa",
                                  clock_->Now(), header.message_id()));
  EXPECT_THAT(Submit(other), StatusIs(absl::StatusCode::kAlreadyExists,
                                      HasSubstr("already accepted with other bytes")));
  EXPECT_EQ(Mailbox("node/GT").size(), 1u);
  const std::vector<v1::AuditEvent> events = Events();
  EXPECT_EQ(events.back().type(), v1::AUDIT_EVENT_REJECTED);
  EXPECT_EQ(events.back().reason_code(), "duplicate_id_other_bytes");
  EXPECT_EQ(events.back().message_id(), header.message_id());
}

TEST_F(ExchangeTest, ConcurrentSubmissionsShareOneSyncedWrite) {
  auto fs = std::make_shared<FaultInjectionFs>();
  rocksdb_env_ = rocksdb::NewCompositeEnv(fs);
  OpenHub();
  // The committer's first write waits in its sync; meanwhile 40 more arrive and must all be
  // committed by the next write.
  fs->HoldSyncs();
  std::vector<v1::Envelope> envelopes;
  for (int i = 0; i < 41; ++i) envelopes.push_back(Seal("node/MX", {"node/GT"}));
  std::vector<absl::StatusOr<SubmitResult>> results(envelopes.size());
  absl::Mutex mu;
  int finished = 0;
  auto commit = [&](size_t i) {
    const std::string bytes = envelopes[i].SerializeAsString();
    absl::StatusOr<AdmittedEnvelope> admitted =
        hub_->AdmitEnvelope(Id("node/MX"), net_->participant("node/MX").certificate_sha256, bytes);
    ASSERT_OK(admitted.status());
    hub_->Commit(*std::move(admitted), [&, i](absl::StatusOr<SubmitResult> r) {
      absl::MutexLock lock(&mu);
      results[i] = std::move(r);
      ++finished;
    });
  };
  commit(0);
  while (fs->waiting_syncs() == 0) std::this_thread::yield();
  for (size_t i = 1; i < envelopes.size(); ++i) commit(i);
  fs->ReleaseSyncs();
  {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](int* n) { return *n == 41; }, &finished));
  }
  std::set<uint64_t> indices;
  for (const auto& result : results) {
    ASSERT_OK(result.status());
    indices.insert(result->receipt.log_index());
  }
  EXPECT_EQ(indices.size(), 41u);
  EXPECT_EQ(Mailbox("node/GT").size(), 41u);
  // Four committer rounds: the bootstrap directory, HUB_STARTED, the first submission alone,
  // then the 40 others together.
  const std::string text = metrics_.Render();
  EXPECT_THAT(text, HasSubstr("enlace_hub_commit_batch_operations_count 4\n"));
  EXPECT_THAT(text, HasSubstr("enlace_hub_commit_batch_operations_sum 43\n"));
}

TEST_F(ExchangeTest, DeliveryAndAcknowledgementsAreLoggedAndTheLastOnePurges) {
  OpenHub();
  ASSERT_OK_AND_ASSIGN(SubmitResult submitted, Submit(Seal("node/MX", {"node/GT", "node/HN"})));
  const v1::Receipt& receipt = submitted.receipt;
  const MailboxEntry gt_entry = Mailbox("node/GT")[0];
  const uint64_t before = hub_->audit_log()->size();
  hub_->MarkDelivered(Id("node/GT"), gt_entry);
  hub_->MarkDelivered(Id("node/GT"), gt_entry);  // a second delivery is not a new event
  ASSERT_OK_AND_ASSIGN(v1::AckResponse gt_ack, Ack("node/GT", SignedAck("node/GT", receipt)));
  EXPECT_FALSE(gt_ack.duplicate());
  std::vector<v1::AuditEvent> events = Events();
  ASSERT_EQ(events.size(), before + 2);
  EXPECT_EQ(events[before].type(), v1::AUDIT_EVENT_DELIVERED);
  EXPECT_THAT(events[before].recipient_ids(), ElementsAre("node/GT"));
  EXPECT_EQ(events[before + 1].type(), v1::AUDIT_EVENT_ACKNOWLEDGED);
  EXPECT_EQ(events[before + 1].actor_id(), "node/GT");
  EXPECT_EQ(events[before + 1].key_id(),
            net_->participant("node/GT").signing_key.public_key().KeyId());
  EXPECT_EQ(gt_ack.log_index(), before + 1);
  EXPECT_TRUE(Mailbox("node/GT").empty());
  EXPECT_EQ(hub_->MailboxStateOf("node/GT").depth(), 0u);
  // HN has not acknowledged: the ciphertext stays.
  EXPECT_OK(hub_->ReadChunk(gt_entry.value.blob_id, 0).status());

  // Acknowledging again is harmless and answers the first acknowledgement's entry.
  ASSERT_OK_AND_ASSIGN(v1::AckResponse again, Ack("node/GT", SignedAck("node/GT", receipt)));
  EXPECT_TRUE(again.duplicate());
  EXPECT_EQ(again.log_index(), gt_ack.log_index());

  // The sender can fetch GT's signed acknowledgement and check it against the directory.
  ASSERT_OK_AND_ASSIGN(v1::GetReceiptResponse fetched,
                       hub_->GetReceipt(Id("node/MX"), receipt.message_id()));
  ASSERT_EQ(fetched.acknowledgements_size(), 1);
  const v1::Acknowledgement& proof = fetched.acknowledgements(0);
  EXPECT_EQ(proof.recipient_id(), "node/GT");
  EXPECT_EQ(proof.log_index(), gt_ack.log_index());
  EXPECT_OK(net_->participant("node/GT").signing_key.public_key().Verify(
      AckSigningInput(receipt.message_id(), receipt.header_hash(), "node/GT", proof.acked_at_ms()),
      proof.signature()));
  // So can anyone holding the log and the directory: the entry carries the signed ack whole.
  const v1::AuditEvent& logged = events[before + 1];
  EXPECT_EQ(logged.acked_at_ms(), proof.acked_at_ms());
  EXPECT_EQ(logged.ack_signature(), proof.signature());
  EXPECT_EQ(logged.header_hash(), receipt.header_hash());
  EXPECT_OK(auditlog::VerifyAcknowledgement(logged, *hub_->directory()));

  ASSERT_OK(Ack("node/HN", SignedAck("node/HN", receipt)).status());
  events = Events();
  EXPECT_EQ(events[events.size() - 2].type(), v1::AUDIT_EVENT_ACKNOWLEDGED);
  EXPECT_EQ(events.back().type(), v1::AUDIT_EVENT_PURGED);
  EXPECT_EQ(events.back().message_id(), receipt.message_id());
  EXPECT_THAT(hub_->ReadChunk(gt_entry.value.blob_id, 0), StatusIs(absl::StatusCode::kNotFound, _));
}

TEST_F(ExchangeTest, AcknowledgementsByAnyoneButTheRecipientWithItsKeyAreRefused) {
  OpenHub();
  ASSERT_OK_AND_ASSIGN(SubmitResult submitted, Submit(Seal("node/MX", {"node/GT"})));
  const v1::Receipt& receipt = submitted.receipt;
  // The sender, and an outsider, cannot acknowledge, even with a well-formed signature.
  EXPECT_THAT(Ack("node/MX", SignedAck("node/MX", receipt)),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("not a recipient")));
  EXPECT_THAT(Ack("node/HN", SignedAck("node/HN", receipt)),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("not a recipient")));
  // The recipient's ack signed by another key, or over other bytes.
  v1::AckRequest forged = SignedAck("node/HN", receipt);
  forged.set_key_id(net_->participant("node/GT").signing_key.public_key().KeyId());
  EXPECT_THAT(Ack("node/GT", forged),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not verify")));
  v1::AckRequest shifted = SignedAck("node/GT", receipt);
  shifted.set_acked_at_ms(shifted.acked_at_ms() - 1);
  EXPECT_THAT(Ack("node/GT", shifted), StatusIs(absl::StatusCode::kInvalidArgument, _));
  v1::AckRequest future = SignedAck("node/GT", receipt);
  future.set_acked_at_ms(future.acked_at_ms() + absl::ToInt64Milliseconds(absl::Hours(1)));
  EXPECT_THAT(Ack("node/GT", future), StatusIs(absl::StatusCode::kFailedPrecondition, _));
  v1::AckRequest unknown = SignedAck("node/GT", receipt);
  unknown.set_message_id(std::string(16, 'x'));
  EXPECT_THAT(Ack("node/GT", unknown), StatusIs(absl::StatusCode::kNotFound, _));
  EXPECT_EQ(Mailbox("node/GT").size(), 1u);
  // The refused attempts by other parties are in the log (once what is queued is committed).
  ASSERT_OK(hub_->RunMaintenance().status());
  int rejected = 0;
  for (const v1::AuditEvent& e : Events()) {
    if (e.type() == v1::AUDIT_EVENT_REJECTED && e.message_id() == receipt.message_id()) ++rejected;
  }
  EXPECT_EQ(rejected, 4);  // MX, HN, and the two bad signatures
  EXPECT_OK(Ack("node/GT", SignedAck("node/GT", receipt)).status());
}

TEST_F(ExchangeTest, RetentionExpiresWhatIsNotAcknowledgedAndPurgesTheCiphertext) {
  OpenHub();
  ASSERT_OK_AND_ASSIGN(SubmitResult submitted, Submit(Seal("node/MX", {"node/GT", "node/HN"})));
  ASSERT_OK(Ack("node/GT", SignedAck("node/GT", submitted.receipt)).status());
  const MailboxEntry entry = Mailbox("node/HN")[0];
  clock_->Advance(absl::Hours(24 * 30) - absl::Seconds(1));
  EXPECT_THAT(hub_->RunMaintenance(), ::enlace::testing::IsOkAndHolds(0u));
  EXPECT_EQ(Mailbox("node/HN").size(), 1u);
  clock_->Advance(absl::Seconds(1));
  EXPECT_THAT(hub_->RunMaintenance(), ::enlace::testing::IsOkAndHolds(1u));
  EXPECT_TRUE(Mailbox("node/HN").empty());
  EXPECT_EQ(hub_->MailboxStateOf("node/HN").depth(), 0u);
  EXPECT_THAT(hub_->ReadChunk(entry.value.blob_id, 0), StatusIs(absl::StatusCode::kNotFound, _));
  const std::vector<v1::AuditEvent> events = Events();
  const v1::AuditEvent& expired = events[events.size() - 2];
  EXPECT_EQ(expired.type(), v1::AUDIT_EVENT_EXPIRED);
  EXPECT_EQ(expired.actor_id(), "hub");
  EXPECT_THAT(expired.recipient_ids(), ElementsAre("node/HN"));  // GT had acknowledged
  EXPECT_EQ(events.back().type(), v1::AUDIT_EVENT_PURGED);
  EXPECT_THAT(Ack("node/HN", SignedAck("node/HN", submitted.receipt)),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("expired")));
  EXPECT_THAT(hub_->RunMaintenance(), ::enlace::testing::IsOkAndHolds(0u));
}

TEST_F(ExchangeTest, EverythingAcceptedSurvivesARestart) {
  OpenHub();
  const v1::Envelope first = Seal("node/MX", {"node/GT"});
  ASSERT_OK_AND_ASSIGN(SubmitResult receipt, Submit(first));
  ASSERT_OK(Submit(Seal("node/HN", {"node/GT"})).status());
  const uint64_t size = hub_->audit_log()->size();
  ASSERT_OK(hub_->Close());
  hub_.reset();
  OpenHub();
  EXPECT_EQ(Mailbox("node/GT").size(), 2u);
  const uint64_t last = Mailbox("node/GT").back().sequence;
  EXPECT_EQ(hub_->MailboxStateOf("node/GT").last_sequence(), last);
  ASSERT_OK_AND_ASSIGN(SubmitResult again, Submit(first));
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.receipt.SerializeAsString(), receipt.receipt.SerializeAsString());
  ASSERT_OK(Submit(Seal("node/MX", {"node/GT"})).status());
  EXPECT_EQ(Mailbox("node/GT").back().sequence, last + 1);  // the clock stood still
  const std::vector<v1::AuditEventType> types = Types(Events());
  EXPECT_EQ(types[size], v1::AUDIT_EVENT_HUB_STOPPED);
  EXPECT_EQ(types[size + 1], v1::AUDIT_EVENT_HUB_STARTED);
}

// Positions follow the clock, so a hub restored from an older copy of its database numbers new
// entries above those it handed out after the copy (which a subscriber may hold as its cursor);
// they never go back, even with the clock.
TEST_F(ExchangeTest, MailboxPositionsFollowTheClockAndNeverGoBack) {
  OpenHub();
  ASSERT_OK(Submit(Seal("node/MX", {"node/GT"})).status());
  const uint64_t first = Mailbox("node/GT").back().sequence;
  clock_->Advance(absl::Hours(1));
  ASSERT_OK(Submit(Seal("node/MX", {"node/GT"})).status());
  const uint64_t later = Mailbox("node/GT").back().sequence;
  EXPECT_EQ(later, first + 3600000000u);
  clock_->Advance(-absl::Minutes(30));  // the clock goes back: positions do not
  ASSERT_OK(Submit(Seal("node/MX", {"node/GT"})).status());
  EXPECT_EQ(Mailbox("node/GT").back().sequence, later + 1);
}

TEST_F(ExchangeTest, AFullDiskRefusesWithResourceExhaustedAndTheHubRecoversWhenSpaceReturns) {
  auto fs = std::make_shared<FaultInjectionFs>();
  rocksdb_env_ = rocksdb::NewCompositeEnv(fs);
  OpenHub();
  ASSERT_OK_AND_ASSIGN(SubmitResult kept, Submit(Seal("node/MX", {"node/GT"})));
  const uint64_t size = hub_->audit_log()->size();

  // The disk fills up under a write: RocksDB's write fails, nothing is half-stored.
  fs->SetNoSpace(true);
  const v1::Envelope refused = Seal("node/MX", {"node/GT"});
  EXPECT_THAT(Submit(refused),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("storage is full")));
  // While it stays full, the hub refuses without touching the database.
  fs->SetFreeSpace(0);
  EXPECT_THAT(Submit(Seal("node/HN", {"node/GT"})),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("storage is full")));
  EXPECT_EQ(hub_->audit_log()->size(), size);
  EXPECT_EQ(Mailbox("node/GT").size(), 1u);

  // Space returns: the database is resumed and the refused envelope is accepted.
  fs->SetNoSpace(false);
  fs->SetFreeSpace(std::nullopt);
  ASSERT_OK_AND_ASSIGN(SubmitResult retried, Submit(refused));
  EXPECT_FALSE(retried.duplicate);
  EXPECT_EQ(retried.receipt.log_index(), size);
  EXPECT_EQ(Mailbox("node/GT").size(), 2u);
  EXPECT_EQ(Mailbox("node/GT")[1].sequence, Mailbox("node/GT")[0].sequence + 1);

  // Below the reserve the hub refuses before the disk is actually full.
  fs->SetFreeSpace(1 << 20);
  EXPECT_THAT(Submit(Seal("node/HN", {"node/GT"})),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("in reserve")));
  fs->SetFreeSpace(std::nullopt);

  // After a restart the log is whole and verifies against its signed head.
  ASSERT_OK(hub_->Close());
  hub_.reset();
  OpenHub();
  clock_->Advance(absl::Seconds(10));
  ASSERT_OK(hub_->RunMaintenance().status());
  ASSERT_OK_AND_ASSIGN(v1::GetReceiptResponse proof,
                       hub_->GetReceipt(Id("node/MX"), kept.receipt.message_id()));
  ASSERT_TRUE(proof.has_inclusion_proof());
  const v1::InclusionProof& p = proof.inclusion_proof();
  std::vector<std::string> path(p.audit_path().begin(), p.audit_path().end());
  EXPECT_OK(auditlog::VerifyInclusion(p.leaf_hash(), p.leaf_index(), p.tree_size(), path,
                                      p.tree_head().root_hash()));
  EXPECT_EQ(Mailbox("node/GT").size(), 2u);
}

TEST_F(ExchangeTest, AStreamedUploadIsStoredInChunksAndEqualsTheSerializedEnvelope) {
  OpenHub();
  // 2.5 MiB of plaintext: three chunks of payload plus the head and tail.
  const std::string plaintext(5 * (kChunkSize / 2) - 100, 'a');
  const v1::Envelope envelope = Seal("node/MX", {"node/GT"}, v1::KIND_DOCUMENT, plaintext);
  v1::EnvelopeHead head;
  head.set_header(envelope.header());
  *head.mutable_wraps() = envelope.wraps();
  head.set_signature(envelope.signature());
  head.set_payload_size(envelope.payload().size());
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Exchange::Upload> upload,
      hub_->BeginUpload(Id("node/MX"), net_->participant("node/MX").certificate_sha256, head));
  const absl::string_view payload = envelope.payload();
  for (size_t at = 0; at < payload.size(); at += 300000) {
    ASSERT_OK(upload->Append(payload.substr(at, 300000)));
  }
  absl::Notification done;
  absl::StatusOr<SubmitResult> result;
  upload->Finish([&](absl::StatusOr<SubmitResult> r) {
    result = std::move(r);
    done.Notify();
  });
  done.WaitForNotification();
  ASSERT_OK(result.status());
  const std::string serialized = envelope.SerializeAsString();
  EXPECT_EQ(result->receipt.envelope_hash(), DigestBytes(*Sha256(serialized)));
  const std::vector<MailboxEntry> entries = Mailbox("node/GT");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].value.envelope_size, serialized.size());
  EXPECT_EQ(ChunkCount(serialized.size()), 3u);
  EXPECT_TRUE(ReadEnvelope(entries[0]) == serialized);
  // The same envelope through Submit is the same message.
  limits_.max_envelope_bytes = 8 << 20;
  hub_.reset();
  OpenHub();
  ASSERT_OK_AND_ASSIGN(SubmitResult unary, Submit(envelope));
  EXPECT_TRUE(unary.duplicate);
}

TEST_F(ExchangeTest, AnUploadThatDoesNotVerifyOrIsAbandonedLeavesNothingBehind) {
  OpenHub();
  const v1::Envelope envelope =
      Seal("node/MX", {"node/GT"}, v1::KIND_DOCUMENT, std::string(kChunkSize * 2, 'b'));
  v1::EnvelopeHead head;
  head.set_header(envelope.header());
  *head.mutable_wraps() = envelope.wraps();
  head.set_signature(envelope.signature());
  head.set_payload_size(envelope.payload().size());
  const Bytes& certificate = net_->participant("node/MX").certificate_sha256;
  {
    ASSERT_OK_AND_ASSIGN(auto upload, hub_->BeginUpload(Id("node/MX"), certificate, head));
    std::string tampered = envelope.payload();
    tampered[12345] ^= 1;
    ASSERT_OK(upload->Append(tampered));
    EXPECT_THAT(upload->Append("x"), StatusIs(absl::StatusCode::kInvalidArgument,
                                              HasSubstr("longer than the announced")));
    absl::Notification done;
    absl::Status status;
    upload->Finish([&](absl::StatusOr<SubmitResult> r) {
      status = r.status();
      done.Notify();
    });
    done.WaitForNotification();
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument, _));
  }
  {
    ASSERT_OK_AND_ASSIGN(auto upload, hub_->BeginUpload(Id("node/MX"), certificate, head));
    ASSERT_OK(upload->Append(absl::string_view(envelope.payload()).substr(0, kChunkSize + 7)));
  }  // abandoned
  EXPECT_TRUE(Mailbox("node/GT").empty());
  // Nothing of either upload is left: the first blob ids hold no chunk.
  for (uint64_t blob = 1; blob <= 2; ++blob) {
    for (uint32_t i = 0; i < 3; ++i) {
      EXPECT_THAT(hub_->ReadChunk(blob, i), StatusIs(absl::StatusCode::kNotFound, _));
    }
  }
}

// The head of a streamed envelope is checked like a whole envelope's (crypto's
// ReadUnverifiedHeadHeader) before any payload is accepted; only the signature waits for it.
TEST_F(ExchangeTest, AMalformedStreamedHeadIsRefusedBeforeAnyPayload) {
  OpenHub();
  const v1::Envelope envelope =
      Seal("node/MX", {"node/GT"}, v1::KIND_DOCUMENT, std::string(kChunkSize, 'c'));
  v1::EnvelopeHead good;
  good.set_header(envelope.header());
  *good.mutable_wraps() = envelope.wraps();
  good.set_signature(envelope.signature());
  good.set_payload_size(envelope.payload().size());
  const Bytes& certificate = net_->participant("node/MX").certificate_sha256;
  struct Case {
    const char* name;
    std::function<void(v1::EnvelopeHead&)> change;
    const char* error;
  };
  const std::vector<Case> cases = {
      {"no wraps", [](v1::EnvelopeHead& h) { h.clear_wraps(); }, "has 0 wraps for 1 recipients"},
      {"empty payload", [](v1::EnvelopeHead& h) { h.set_payload_size(0); },
       "is not a padding bucket"},
      {"odd payload size", [](v1::EnvelopeHead& h) { h.set_payload_size(h.payload_size() + 1); },
       "is not a padding bucket"},
      {"huge payload", [](v1::EnvelopeHead& h) { h.set_payload_size(uint64_t{1} << 62); },
       "the limit is"},
      {"garbled header", [](v1::EnvelopeHead& h) { h.set_header("\xff\xff"); },
       "header: is not a valid Header"},
      {"short signature", [](v1::EnvelopeHead& h) { h.mutable_signature()->pop_back(); },
       "signature: must be 64 bytes"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    v1::EnvelopeHead head = good;
    c.change(head);
    absl::StatusOr<std::unique_ptr<Exchange::Upload>> upload =
        hub_->BeginUpload(Id("node/MX"), certificate, head);
    EXPECT_THAT(upload, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.error)));
    EXPECT_EQ(RefusalReason(upload.status()), "malformed_envelope");
  }
  // The unchanged head is accepted (and then abandoned).
  EXPECT_OK(hub_->BeginUpload(Id("node/MX"), certificate, good).status());
  EXPECT_TRUE(Mailbox("node/GT").empty());
}

TEST_F(ExchangeTest, AnInclusionProofComesWithTheReceiptOnceATreeHeadCoversIt) {
  OpenHub();
  ASSERT_OK_AND_ASSIGN(SubmitResult submitted, Submit(Seal("node/MX", {"node/GT"})));
  const Bytes& id = submitted.receipt.message_id();
  ASSERT_OK_AND_ASSIGN(v1::GetReceiptResponse early, hub_->GetReceipt(Id("node/GT"), id));
  EXPECT_FALSE(early.has_inclusion_proof());
  EXPECT_EQ(early.receipt().SerializeAsString(), submitted.receipt.SerializeAsString());
  clock_->Advance(absl::Seconds(1));
  ASSERT_OK(hub_->RunMaintenance().status());
  ASSERT_OK_AND_ASSIGN(v1::GetReceiptResponse late, hub_->GetReceipt(Id("node/MX"), id));
  ASSERT_TRUE(late.has_inclusion_proof());
  const v1::InclusionProof& p = late.inclusion_proof();
  EXPECT_EQ(p.leaf_index(), submitted.receipt.log_index());
  std::vector<std::string> path(p.audit_path().begin(), p.audit_path().end());
  EXPECT_OK(auditlog::VerifyInclusion(p.leaf_hash(), p.leaf_index(), p.tree_size(), path,
                                      p.tree_head().root_hash()));
  ASSERT_OK_AND_ASSIGN(auditlog::TreeHead head, auditlog::FromProto(p.tree_head()));
  EXPECT_OK(auditlog::VerifyTreeHeadSignature(head, hub_->hub_key()));
  EXPECT_THAT(hub_->GetReceipt(Id("node/HN"), id),
              StatusIs(absl::StatusCode::kPermissionDenied, _));
}

TEST_F(ExchangeTest, SubmissionsBeyondTheRateAndTheMailboxQuotaAreRefused) {
  limits_.submit_burst = 3;
  limits_.submits_per_second = 1;
  limits_.mailbox_max_entries = 2;
  OpenHub();
  ASSERT_OK_AND_ASSIGN(SubmitResult first, Submit(Seal("node/MX", {"node/GT"})));
  ASSERT_OK(Submit(Seal("node/MX", {"node/GT"})).status());
  EXPECT_THAT(Submit(Seal("node/MX", {"node/GT", "node/HN"})),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("mailbox of node/GT")));
  EXPECT_THAT(Submit(Seal("node/MX", {"node/HN"})),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("faster than")));
  clock_->Advance(absl::Seconds(1));
  ASSERT_OK(Submit(Seal("node/MX", {"node/HN"})).status());
  ASSERT_OK(Ack("node/GT", SignedAck("node/GT", first.receipt)).status());
  clock_->Advance(absl::Seconds(1));
  EXPECT_OK(Submit(Seal("node/MX", {"node/GT"})).status());
  EXPECT_THAT(
      metrics_.Render(),
      HasSubstr(
          "enlace_hub_submits_total{result=\"RESOURCE_EXHAUSTED\",reason=\"rate_limited\"} 1"));
}

TEST_F(ExchangeTest, APublishedDirectoryIsLoggedAsItsChangesAndCannotGoBack) {
  OpenHub();
  v1::Directory next = net_->BaseDirectory(2);
  next.set_issued_at_ms(absl::ToUnixMillis(clock_->Now()));
  for (v1::DirectoryParticipant& p : *next.mutable_participants()) {
    if (p.id() == "node/HN") p.set_status(v1::PARTICIPANT_STATUS_SUSPENDED);
  }
  v1::Revocation* revocation = next.add_revocations();
  revocation->set_participant_id("node/GT");
  revocation->set_revoked_at_ms(absl::ToUnixMillis(clock_->Now()));
  revocation->set_reason("key compromise");
  ASSERT_OK_AND_ASSIGN(v1::SignedDirectory signed_next, net_->SignDirectory(next));
  const uint64_t before = hub_->audit_log()->size();
  ASSERT_OK_AND_ASSIGN(v1::PublishDirectoryResponse published,
                       hub_->PublishDirectory(Id("admin/ops"), signed_next));
  EXPECT_EQ(published.version(), 2u);
  EXPECT_EQ(published.first_log_index(), before);
  EXPECT_EQ(published.events_logged(), 3u);
  const std::vector<v1::AuditEvent> events = Events();
  const std::vector<v1::AuditEventType> types = Types(events);
  EXPECT_THAT(std::vector<v1::AuditEventType>(types.begin() + before, types.end()),
              ElementsAre(v1::AUDIT_EVENT_SUSPENDED, v1::AUDIT_EVENT_REVOKED,
                          v1::AUDIT_EVENT_DIRECTORY_PUBLISHED));
  EXPECT_EQ(events[before].subject_id(), "node/HN");
  EXPECT_EQ(events[before + 1].subject_id(), "node/GT");
  EXPECT_EQ(events.back().actor_id(), "admin/ops");
  EXPECT_EQ(hub_->directory()->version(), 2u);
  EXPECT_EQ(hub_->GetDirectory(2).has_directory(), false);
  EXPECT_EQ(hub_->GetDirectory(1).directory().SerializeAsString(), signed_next.SerializeAsString());

  // Sending to the suspended and to the revoked participant is now refused.
  EXPECT_THAT(Submit(Seal("node/MX", {"node/HN"})),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("suspended")));
  EXPECT_THAT(Submit(Seal("node/MX", {"node/GT"})),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("revoked")));

  // The same publication again changes nothing; an older version is refused.
  ASSERT_OK_AND_ASSIGN(v1::PublishDirectoryResponse same,
                       hub_->PublishDirectory(Id("admin/ops"), signed_next));
  EXPECT_EQ(same.events_logged(), 0u);
  ASSERT_OK_AND_ASSIGN(v1::SignedDirectory old, net_->SignDirectory(net_->BaseDirectory(1)));
  EXPECT_THAT(hub_->PublishDirectory(Id("admin/ops"), old),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("older")));
  // A directory not signed by the network's signer is refused.
  v1::SignedDirectory forged = signed_next;
  forged.set_signature(std::string(64, 'x'));
  EXPECT_FALSE(hub_->PublishDirectory(Id("admin/ops"), forged).ok());

  // The stored directory is the one in force after a restart.
  hub_.reset();
  OpenHub();
  EXPECT_EQ(hub_->directory()->version(), 2u);
}

}  // namespace
}  // namespace enlace::hub
