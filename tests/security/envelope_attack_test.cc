// Attacks on the envelope, against a real hub over mutual TLS on 127.0.0.1 and at the recipient's
// own Open: impersonation, replay, re-addressing, tampering with each header field, the payload,
// each part of a wrap and the signature, stripping and adding recipients. Each test asserts the
// exact gRPC code, that the hub kept nothing but its REJECTED log entry, that no recipient can
// open the forgery, and (control) that the untouched envelope is accepted and opens.
#include <string>
#include <vector>

#include "crypto/envelope.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "net/status.h"
#include "tests/security/attack_support.h"
#include "tests/testing/status_matchers.h"

namespace enlace::security_testing {
namespace {

using ::enlace::testing::StatusIs;
using ::testing::_;
using ::testing::HasSubstr;
using Code = absl::StatusCode;

class EnvelopeAttackTest : public HubAttackTest {
 protected:
  void SetUp() override {
    HubAttackTest::SetUp();
    Start();
    original_ = Seal("node/MX", {"node/GT", "node/HN"});
  }

  // `forged`, submitted by `caller`, is refused with `code` (message containing `text`) and
  // logged only as REJECTED with `reason`; neither recipient opens it; the original still
  // goes through and opens (so the refusal is the forgery's).
  void ExpectForgeryRefused(const v1::Envelope& forged, Code code, absl::string_view reason,
                            absl::string_view text, absl::string_view caller = "node/MX") {
    const HubState before = State();
    EXPECT_THAT(Submit(caller, forged), StatusIs(code, HasSubstr(std::string(text))));
    ExpectOnlyRejected(before, reason);
    for (const char* recipient : {"node/GT", "node/HN"}) {
      EXPECT_THAT(OpenAs(recipient, "node/MX", forged), StatusIs(Code::kInvalidArgument, _))
          << recipient;
    }
    // Control.
    ASSERT_OK(Submit("node/MX", original_).status());
    EXPECT_OK(OpenAs("node/GT", "node/MX", original_));
    EXPECT_OK(OpenAs("node/HN", "node/MX", original_));
  }
  void ExpectBadSignature(const v1::Envelope& forged) {
    ExpectForgeryRefused(forged, Code::kInvalidArgument, "bad_signature", "signature");
  }

  v1::Envelope original_;
};

// ---- Impersonation ----

TEST_F(EnvelopeAttackTest, ImpersonatingAnotherCountryIsRefused) {
  // Guatemala's certificate, an envelope whose header says Mexico (signed with GT's own key, the
  // only one it holds).
  v1::Header header;
  header.set_sender_id("node/MX");
  header.set_kind(v1::KIND_INFO_REQUEST);
  header.set_created_at_ms(absl::ToUnixMillis(clock_->Now()));
  std::vector<RecipientKey> keys = {
      {"node/HN", net_->participant("node/HN").encryption_key.public_key()}};
  Env env;
  ASSERT_OK_AND_ASSIGN(
      v1::Envelope forged,
      enlace::Seal(header, "soy México", net_->participant("node/GT").signing_key, keys, env));
  const HubState before = State();
  EXPECT_THAT(
      Submit("node/GT", forged),
      StatusIs(Code::kPermissionDenied, HasSubstr("the caller's certificate names node/GT")));
  ExpectOnlyRejected(before, "sender_mismatch");
  // A hub that let it through would not fool Honduras: the signature is not Mexico's.
  EXPECT_THAT(OpenAs("node/HN", "node/MX", forged), StatusIs(Code::kInvalidArgument, _));
}

TEST_F(EnvelopeAttackTest, SubmittingAnotherCountrysGenuineEnvelopeIsRefused) {
  // Mexico's real envelope (intercepted or received), submitted with Honduras's certificate.
  const HubState before = State();
  EXPECT_THAT(Submit("node/HN", original_),
              StatusIs(Code::kPermissionDenied, HasSubstr("submits only its own messages")));
  ExpectOnlyRejected(before, "sender_mismatch");
}

// ---- Replay ----

TEST_F(EnvelopeAttackTest, ReplayingAnAcceptedEnvelopeDeliversNothingTwice) {
  ASSERT_OK_AND_ASSIGN(v1::SubmitResponse first, Submit("node/MX", original_));
  ASSERT_OK(Ack("node/GT", "node/GT", first.receipt()).status());
  ASSERT_OK(Ack("node/HN", "node/HN", first.receipt()).status());  // delivered, gone
  const HubState before = State();
  ASSERT_EQ(before.mailbox_entries, 0u);
  // The sender's own connection replays the same bytes: the original receipt, nothing new.
  ASSERT_OK_AND_ASSIGN(v1::SubmitResponse again, Submit("node/MX", original_));
  EXPECT_TRUE(again.duplicate());
  EXPECT_EQ(again.receipt().SerializeAsString(), first.receipt().SerializeAsString());
  ExpectNothingKept(before);
}

TEST_F(EnvelopeAttackTest, ReplayingAnEnvelopeOlderThanTheWindowIsRefused) {
  ASSERT_OK(Submit("node/MX", original_).status());
  clock_->Advance(absl::Hours(24 * 8));  // past max_message_age (7 days)
  const HubState before = State();
  EXPECT_THAT(Submit("node/MX", original_),
              StatusIs(Code::kFailedPrecondition, HasSubstr("created_at")));
  ExpectOnlyRejected(before, "created_at_too_old");
}

TEST_F(EnvelopeAttackTest, ReplayingToAnotherRecipientIsRefused) {
  // Mexico's envelope to Guatemala, re-addressed to El Salvador (header and wrap).
  const v1::Envelope to_gt = Seal("node/MX", {"node/GT"});
  v1::Envelope readdressed =
      WithHeader(to_gt, [](v1::Header& h) { h.set_recipient_ids(0, "node/SV"); });
  readdressed.mutable_wraps(0)->set_recipient_id("node/SV");
  const HubState before = State();
  EXPECT_THAT(Submit("node/MX", readdressed),
              StatusIs(Code::kInvalidArgument, HasSubstr("signature")));
  ExpectOnlyRejected(before, "bad_signature");
  // El Salvador cannot open it (the signature fails, and the wrap is sealed to Guatemala's key
  // with an HPKE info naming Guatemala).
  EXPECT_THAT(OpenAs("node/SV", "node/MX", readdressed), StatusIs(Code::kInvalidArgument, _));
  EXPECT_OK(OpenAs("node/GT", "node/MX", to_gt));
}

TEST_F(EnvelopeAttackTest, ReusingAMessageIdForOtherBytesIsRefused) {
  // The original is accepted; then other content under the same id (to overwrite it, or to
  // show recipients two different messages under one id).
  ASSERT_OK_AND_ASSIGN(v1::SubmitResponse first, Submit("node/MX", original_));
  v1::Header header;
  ASSERT_TRUE(header.ParseFromString(original_.header()));
  ASSERT_OK_AND_ASSIGN(v1::Envelope other,
                       net_->Seal("node/MX", {"node/GT", "node/HN"}, v1::KIND_INFO_REQUEST,
                                  "otra cosa", clock_->Now(), header.message_id()));
  const HubState before = State();
  EXPECT_THAT(Submit("node/MX", other),
              StatusIs(Code::kAlreadyExists, HasSubstr("already accepted with other bytes")));
  ExpectOnlyRejected(before, "duplicate_id_other_bytes");
  // The original stands.
  ASSERT_OK_AND_ASSIGN(v1::GetReceiptResponse receipt_now,
                       GetReceipt("node/GT", header.message_id()));
  EXPECT_EQ(receipt_now.receipt().envelope_hash(), first.receipt().envelope_hash());
}

TEST_F(EnvelopeAttackTest, StolenSigningKeyIsRefusedOnceRevoked) {
  // Mexico's signing key is revoked an hour ago (stolen); the thief also holds Mexico's TLS
  // material, still current, and signs a new message with the stolen key.
  v1::Directory directory = net_->BaseDirectory(2);
  v1::Revocation* revocation = directory.add_revocations();
  revocation->set_key_id(net_->participant("node/MX").signing_key.public_key().KeyId());
  revocation->set_revoked_at_ms(absl::ToUnixMillis(clock_->Now() - absl::Hours(1)));
  revocation->set_reason("key stolen");
  ASSERT_OK_AND_ASSIGN(v1::SignedDirectory signed_directory, net_->SignDirectory(directory));
  {
    v1::Admin::Stub admin(Channel("admin/ops"));
    grpc::ClientContext context;
    v1::PublishDirectoryRequest request;
    *request.mutable_directory() = signed_directory;
    v1::PublishDirectoryResponse response;
    ASSERT_OK(FromGrpcStatus(admin.PublishDirectory(&context, request, &response)));
  }
  const HubState before = State();
  EXPECT_THAT(Submit("node/MX", Seal("node/MX", {"node/GT"})),
              StatusIs(Code::kPermissionDenied, _));
  ExpectOnlyRejected(before, "key_not_valid");
  // Backdating it before the revocation gets past the hub, which checks the key at the claimed
  // time (an honest outbox may hold messages signed before a revocation); the recipient node
  // refuses it: NodeIntegrationTest.MessageBackdatedBeforeItsKeysRevocationIsRejected.
}

// ---- Tampering with each header field ----

TEST_F(EnvelopeAttackTest, TamperedMessageIdIsRefused) {
  ExpectBadSignature(WithHeader(original_, [](v1::Header& h) {
    std::string id = h.message_id();
    id[0] ^= 1;
    h.set_message_id(id);
  }));
}

TEST_F(EnvelopeAttackTest, TamperedSenderIsRefused) {
  // Mexico's connection cannot claim Guatemala's authorship...
  const v1::Envelope forged =
      WithHeader(original_, [](v1::Header& h) { h.set_sender_id("node/SV"); });
  ExpectForgeryRefused(forged, Code::kPermissionDenied, "sender_mismatch", "node/SV");
}

TEST_F(EnvelopeAttackTest, TamperedRecipientIdsAreRefused) {
  // The header's second recipient changed (its wrap still says node/HN).
  ExpectForgeryRefused(
      WithHeader(original_, [](v1::Header& h) { h.set_recipient_ids(1, "node/SV"); }),
      Code::kInvalidArgument, "malformed_envelope", "wrap");
}

TEST_F(EnvelopeAttackTest, TamperedKindIsRefused) {
  ExpectBadSignature(WithHeader(original_, [](v1::Header& h) { h.set_kind(v1::KIND_DOCUMENT); }));
}

TEST_F(EnvelopeAttackTest, TamperedCreatedAtIsRefused) {
  ExpectBadSignature(
      WithHeader(original_, [](v1::Header& h) { h.set_created_at_ms(h.created_at_ms() - 1); }));
}

TEST_F(EnvelopeAttackTest, TamperedThreadIdIsRefused) {
  ExpectBadSignature(WithHeader(
      original_, [](v1::Header& h) { h.set_thread_id(std::string(kThreadIdSize, '\x42')); }));
}

TEST_F(EnvelopeAttackTest, TamperedPriorityIsRefused) {
  ExpectBadSignature(
      WithHeader(original_, [](v1::Header& h) { h.set_priority(v1::PRIORITY_IMMEDIATE); }));
}

TEST_F(EnvelopeAttackTest, TamperedSuiteIdIsRefused) {
  ExpectBadSignature(
      WithHeader(original_, [](v1::Header& h) { h.set_suite_id(kSuiteX25519ChaCha20Poly1305); }));
}

TEST_F(EnvelopeAttackTest, TamperedSenderKeyIdIsRefused) {
  // Another key id (Guatemala's): not one of Mexico's keys.
  const std::string gt_key = net_->participant("node/GT").signing_key.public_key().KeyId();
  ExpectForgeryRefused(WithHeader(original_, [&](v1::Header& h) { h.set_sender_key_id(gt_key); }),
                       Code::kFailedPrecondition, "unknown_key", "");
}

// ---- The payload, the wraps, the signature ----

TEST_F(EnvelopeAttackTest, TamperedPayloadByteIsRefused) {
  v1::Envelope forged = original_;
  (*forged.mutable_payload())[forged.payload().size() / 2] ^= 0x01;
  ExpectBadSignature(forged);
}

TEST_F(EnvelopeAttackTest, TamperedWrapRecipientIdIsRefused) {
  v1::Envelope forged = original_;
  forged.mutable_wraps(0)->set_recipient_id("node/SV");
  ExpectForgeryRefused(forged, Code::kInvalidArgument, "malformed_envelope", "wrap");
}

TEST_F(EnvelopeAttackTest, TamperedWrapKeyIdIsRefused) {
  v1::Envelope forged = original_;
  (*forged.mutable_wraps(0)->mutable_key_id())[0] ^= 0x01;
  ExpectBadSignature(forged);
}

TEST_F(EnvelopeAttackTest, TamperedWrapEncapsulatedKeyIsRefused) {
  v1::Envelope forged = original_;
  (*forged.mutable_wraps(0)->mutable_encapsulated_key())[7] ^= 0x01;
  ExpectBadSignature(forged);
}

TEST_F(EnvelopeAttackTest, TamperedWrappedKeyIsRefused) {
  v1::Envelope forged = original_;
  (*forged.mutable_wraps(1)->mutable_wrapped_key())[20] ^= 0x01;
  ExpectBadSignature(forged);
}

TEST_F(EnvelopeAttackTest, TamperedSignatureIsRefused) {
  v1::Envelope forged = original_;
  (*forged.mutable_signature())[63] ^= 0x80;
  ExpectBadSignature(forged);
}

// ---- Recipients ----

TEST_F(EnvelopeAttackTest, StrippingARecipientIsRefused) {
  // Honduras removed from the header and its wrap dropped: the rest is consistent.
  v1::Envelope forged =
      WithHeader(original_, [](v1::Header& h) { h.mutable_recipient_ids()->RemoveLast(); });
  forged.mutable_wraps()->RemoveLast();
  ExpectBadSignature(forged);
}

TEST_F(EnvelopeAttackTest, AddingARecipientIsRefused) {
  // El Salvador added to the header, with a wrap (copied from Guatemala's, relabelled).
  v1::Envelope forged =
      WithHeader(original_, [](v1::Header& h) { h.add_recipient_ids("node/SV"); });
  *forged.add_wraps() = original_.wraps(0);
  forged.mutable_wraps(2)->set_recipient_id("node/SV");
  ExpectBadSignature(forged);
  EXPECT_THAT(OpenAs("node/SV", "node/MX", forged), StatusIs(Code::kInvalidArgument, _));
}

}  // namespace
}  // namespace enlace::security_testing
