#include "crypto/envelope.h"

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "crypto/internal/envelope_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace {
namespace {

using ::enlace::testing::IsOk;
using ::enlace::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

struct Party {
  std::string id;
  X25519PrivateKey encryption;
};

class EnvelopeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey signing, Ed25519PrivateKey::Generate(&random_));
    sender_.emplace(std::move(signing));
    ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey other, Ed25519PrivateKey::Generate(&random_));
    other_signer_.emplace(std::move(other));
    for (const char* id : {"node/GT", "node/HN", "node/SV"}) {
      ASSERT_OK_AND_ASSIGN(X25519PrivateKey key, X25519PrivateKey::Generate(&random_));
      parties_.push_back(Party{id, std::move(key)});
    }
  }

  v1::Header BaseHeader() const {
    v1::Header header;
    header.set_sender_id("node/MX");
    header.set_kind(v1::KIND_VICTIM_REFERRAL);
    header.set_priority(v1::PRIORITY_URGENT);
    header.set_thread_id(Bytes(16, '\x42'));
    return header;
  }

  std::vector<RecipientKey> Recipients() const {
    std::vector<RecipientKey> out;
    for (const Party& p : parties_) out.push_back({p.id, p.encryption.public_key()});
    return out;
  }

  absl::StatusOr<v1::Envelope> SealDefault(absl::string_view plaintext = "referral") {
    return Seal(BaseHeader(), plaintext, *sender_, Recipients(), env_);
  }

  RecipientIdentity Me(size_t i) const {
    RecipientIdentity me{parties_[i].id, {}};
    me.keys.push_back(X25519PrivateKey::FromRaw(parties_[i].encryption.raw()).value());
    return me;
  }

  // What a malicious but legitimate sender can do: change anything, then sign again.
  v1::Envelope Resign(v1::Envelope envelope, const Ed25519PrivateKey& key) const {
    const Sha256Digest hash = Sha256(envelope.payload()).value();
    envelope.set_signature(
        key.Sign(internal::EnvelopeSigningInput(envelope.header(), hash, envelope.wraps()))
            .value());
    return envelope;
  }

  v1::Envelope WithHeader(v1::Envelope envelope, const v1::Header& header) const {
    envelope.set_header(header.SerializeAsString());
    return Resign(std::move(envelope), *sender_);
  }

  v1::Header HeaderOf(const v1::Envelope& envelope) const {
    v1::Header header;
    EXPECT_TRUE(header.ParseFromString(envelope.header()));
    return header;
  }

  DeterministicRandom random_{31};
  FakeClock clock_{absl::FromUnixMillis(1767225600000)};  // 2026-01-01T00:00:00Z
  Env env_{&clock_, &random_};
  absl::optional<Ed25519PrivateKey> sender_, other_signer_;
  std::vector<Party> parties_;
};

TEST_F(EnvelopeTest, SealCompletesTheHeaderAndEveryRecipientOpens) {
  ASSERT_OK_AND_ASSIGN(v1::Envelope envelope, SealDefault("the referral"));
  const v1::Header header = HeaderOf(envelope);
  EXPECT_EQ(header.message_id().size(), kMessageIdSize);
  EXPECT_EQ(header.created_at_ms(), 1767225600000);
  EXPECT_EQ(header.suite_id(), kDefaultSuite);
  EXPECT_EQ(header.sender_key_id(), sender_->public_key().KeyId());
  EXPECT_THAT(header.recipient_ids(), ::testing::ElementsAre("node/GT", "node/HN", "node/SV"));
  EXPECT_EQ(envelope.payload().size(), 1024 + kAeadTagSize);
  ASSERT_EQ(envelope.wraps_size(), 3);
  for (size_t i = 0; i < parties_.size(); ++i) {
    EXPECT_EQ(envelope.wraps(i).key_id(), parties_[i].encryption.public_key().KeyId());
    ASSERT_OK_AND_ASSIGN(Opened opened, Open(envelope, Me(i), sender_->public_key()));
    EXPECT_EQ(opened.plaintext, "the referral");
    EXPECT_EQ(opened.verified.header.message_id(), header.message_id());
  }
}

TEST_F(EnvelopeTest, HubVerifiesWithoutDecrypting) {
  ASSERT_OK_AND_ASSIGN(v1::Envelope envelope, SealDefault());
  ASSERT_OK_AND_ASSIGN(v1::Envelope parsed, ParseEnvelope(envelope.SerializeAsString()));
  ASSERT_OK_AND_ASSIGN(v1::Header unverified, ReadUnverifiedHeader(parsed));
  EXPECT_EQ(unverified.sender_id(), "node/MX");
  ASSERT_OK_AND_ASSIGN(VerifiedHeader verified, VerifyEnvelope(parsed, sender_->public_key()));
  EXPECT_EQ(verified.header_hash, Sha256(envelope.header()).value());
  EXPECT_EQ(verified.payload_hash, Sha256(envelope.payload()).value());
  EXPECT_EQ(verified.payload_size, envelope.payload().size());
  // Streamed payload: the head plus the payload's size and hash.
  v1::Envelope head = envelope;
  head.clear_payload();
  EXPECT_OK(
      VerifyEnvelopeHead(head, verified.payload_size, verified.payload_hash, sender_->public_key())
          .status());
  Sha256Digest wrong = verified.payload_hash;
  wrong[0] ^= 1;
  EXPECT_THAT(VerifyEnvelopeHead(head, verified.payload_size, wrong, sender_->public_key()),
              StatusIs(kInvalid, HasSubstr("does not verify")));
  EXPECT_THAT(VerifyEnvelopeHead(envelope, verified.payload_size, verified.payload_hash,
                                 sender_->public_key()),
              StatusIs(kInvalid, HasSubstr("must be empty")));
}

TEST_F(EnvelopeTest, StreamedHeadIsCheckedBeforeThePayload) {
  ASSERT_OK_AND_ASSIGN(v1::Envelope envelope, SealDefault());
  v1::Envelope head = envelope;
  head.clear_payload();
  const uint64_t size = envelope.payload().size();
  ASSERT_OK_AND_ASSIGN(v1::Header header, ReadUnverifiedHeadHeader(head, size));
  EXPECT_EQ(header.SerializeAsString(), envelope.header());
  // Not authenticated: a head whose signature was altered still reads (only its size is checked).
  v1::Envelope forged = head;
  forged.mutable_signature()->at(0) ^= 1;
  EXPECT_THAT(ReadUnverifiedHeadHeader(forged, size), IsOk());

  EXPECT_THAT(ReadUnverifiedHeadHeader(envelope, size),
              StatusIs(kInvalid, HasSubstr("payload: must be empty")));
  EXPECT_THAT(ReadUnverifiedHeadHeader(head, 0),
              StatusIs(kInvalid, HasSubstr("is not a padding bucket plus the 16-byte tag")));
  EXPECT_THAT(ReadUnverifiedHeadHeader(head, size + 1),
              StatusIs(kInvalid, HasSubstr("is not a padding bucket plus the 16-byte tag")));
  EXPECT_THAT(ReadUnverifiedHeadHeader(head, uint64_t{1} << 62),
              StatusIs(kInvalid, HasSubstr("the limit is")));
  EnvelopeLimits tight;
  tight.max_payload_size = size - 1;
  EXPECT_THAT(ReadUnverifiedHeadHeader(head, size, tight),
              StatusIs(kInvalid, HasSubstr("the limit is " + std::to_string(size - 1))));

  v1::Envelope garbled = head;
  garbled.set_header("\xff\xff");
  EXPECT_THAT(ReadUnverifiedHeadHeader(garbled, size),
              StatusIs(kInvalid, HasSubstr("header: is not a valid Header")));
  v1::Envelope empty_header = head;
  empty_header.clear_header();
  EXPECT_THAT(ReadUnverifiedHeadHeader(empty_header, size),
              StatusIs(kInvalid, HasSubstr("header: must be 1..4096 bytes")));
  v1::Envelope missing_wrap = head;
  missing_wrap.mutable_wraps()->RemoveLast();
  EXPECT_THAT(ReadUnverifiedHeadHeader(missing_wrap, size),
              StatusIs(kInvalid, HasSubstr("has 2 wraps for 3 recipients")));
  v1::Envelope short_signature = head;
  short_signature.mutable_signature()->pop_back();
  EXPECT_THAT(ReadUnverifiedHeadHeader(short_signature, size),
              StatusIs(kInvalid, HasSubstr("signature: must be 64 bytes")));
}

TEST_F(EnvelopeTest, PaddingBuckets) {
  EXPECT_EQ(PaddedSize(0), 1024u);
  EXPECT_EQ(PaddedSize(1020), 1024u);
  EXPECT_EQ(PaddedSize(1021), 2048u);
  EXPECT_EQ(PaddedSize(5000), 8192u);
  EXPECT_EQ(PaddedSize(65532), 65536u);
  EXPECT_EQ(PaddedSize(65533), 131072u);
  EXPECT_EQ(PaddedSize(1 << 20), (1u << 20) + 65536);
  EXPECT_EQ(PaddedSize(kMaxPlaintextSize), kMaxPaddedSize);
  EXPECT_EQ(PaddedSize(kMaxPlaintextSize + 1), 0u);
  for (size_t size : {0, 1, 1020, 1021, 4000, 70000}) {
    const Bytes plaintext(size, 'p');
    ASSERT_OK_AND_ASSIGN(v1::Envelope envelope, SealDefault(plaintext));
    EXPECT_EQ(envelope.payload().size(), PaddedSize(size) + kAeadTagSize);
    ASSERT_OK_AND_ASSIGN(Opened opened, Open(envelope, Me(1), sender_->public_key()));
    EXPECT_EQ(opened.plaintext, plaintext);
  }
  // Unpad accepts only what Pad produces.
  ASSERT_OK_AND_ASSIGN(Bytes padded, internal::Pad("abc"));
  EXPECT_THAT(internal::Unpad(padded), ::enlace::testing::IsOkAndHolds("abc"));
  Bytes dirty = padded;
  dirty[500] = 1;
  EXPECT_THAT(internal::Unpad(dirty), StatusIs(kInvalid, HasSubstr("not all zero")));
  Bytes long_length = padded;
  long_length[2] = 4;  // claims 1027 bytes in a 1024-byte bucket
  EXPECT_THAT(internal::Unpad(long_length), StatusIs(kInvalid, HasSubstr("does not fit")));
  EXPECT_THAT(internal::Unpad(padded + Bytes(1024, '\0')),
              StatusIs(kInvalid, HasSubstr("does not fit")));  // not the smallest bucket
  const char fake = 0;
  EXPECT_THAT(internal::Pad(absl::string_view(&fake, kMaxPlaintextSize + 1)),
              StatusIs(kInvalid, HasSubstr("exceeds the limit")));
}

// The tamper table (issue 4, "Bad input"): each a clear error.
TEST_F(EnvelopeTest, EveryFlippedBitIsRefused) {
  ASSERT_OK_AND_ASSIGN(v1::Envelope envelope, SealDefault());
  const Bytes bytes = envelope.SerializeAsString();
  // Parsing (what the hub does with bytes) or opening (what the recipient does) must refuse.
  auto accepted = [&](const Bytes& candidate) {
    absl::StatusOr<v1::Envelope> parsed = ParseEnvelope(candidate);
    return parsed.ok() && Open(*parsed, Me(0), sender_->public_key()).ok();
  };
  ASSERT_TRUE(accepted(bytes));
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; bit += 3) {  // bits 0, 3 and 6 of every byte
      Bytes tampered = bytes;
      tampered[i] ^= static_cast<char>(1 << bit);
      EXPECT_FALSE(accepted(tampered)) << "byte " << i << " bit " << bit;
    }
  }
}

TEST_F(EnvelopeTest, TruncatedAndOversizedEnvelopes) {
  ASSERT_OK_AND_ASSIGN(v1::Envelope envelope, SealDefault());
  const Bytes bytes = envelope.SerializeAsString();
  for (size_t size = 0; size < bytes.size(); ++size) {
    ASSERT_THAT(ParseEnvelope(bytes.substr(0, size)), StatusIs(kInvalid, HasSubstr("envelope")))
        << "truncated to " << size;
  }
  EnvelopeLimits small;
  small.max_envelope_size = bytes.size() - 1;
  EXPECT_THAT(ParseEnvelope(bytes, small), StatusIs(kInvalid, HasSubstr("the limit is")));
  small = EnvelopeLimits();
  small.max_payload_size = 1000;
  EXPECT_THAT(VerifyEnvelope(envelope, sender_->public_key(), small),
              StatusIs(kInvalid, HasSubstr("payload: is 1040 bytes; the limit is 1000")));
  v1::Envelope extra = envelope;
  extra.set_payload(envelope.payload() + "x");
  EXPECT_THAT(VerifyEnvelope(extra, sender_->public_key()),
              StatusIs(kInvalid, HasSubstr("not a padding bucket")));
  // Too many recipients.
  v1::Header header = BaseHeader();
  std::vector<RecipientKey> many;
  for (size_t i = 0; i <= kMaxRecipients; ++i) {
    many.push_back({"node/X" + std::to_string(i), parties_[0].encryption.public_key()});
  }
  EXPECT_THAT(Seal(header, "x", *sender_, many, env_),
              StatusIs(kInvalid, HasSubstr("must list 1..64 recipients, got 65")));
  EXPECT_THAT(Seal(header, "x", *sender_, {}, env_),
              StatusIs(kInvalid, HasSubstr("must list 1..64 recipients, got 0")));
  // Unknown fields are not carried along unsigned.
  v1::Envelope unknown = envelope;
  unknown.GetReflection()->MutableUnknownFields(&unknown)->AddVarint(99, 1);
  EXPECT_THAT(VerifyEnvelope(unknown, sender_->public_key()),
              StatusIs(kInvalid, HasSubstr("unknown fields")));
}

TEST_F(EnvelopeTest, WrongSuiteIds) {
  v1::Header header = BaseHeader();
  header.set_suite_id(3);
  EXPECT_THAT(Seal(header, "x", *sender_, Recipients(), env_),
              StatusIs(kInvalid, HasSubstr("suite_id 3 is not supported")));
  ASSERT_OK_AND_ASSIGN(v1::Envelope envelope, SealDefault());
  v1::Header changed = HeaderOf(envelope);
  changed.set_suite_id(77);
  EXPECT_THAT(VerifyEnvelope(WithHeader(envelope, changed), sender_->public_key()),
              StatusIs(kInvalid, HasSubstr("header.suite_id: suite_id 77 is not supported")));
  // A valid but different suite, signed: the unwrap fails instead of using the wrong AEAD.
  changed.set_suite_id(kSuiteX25519ChaCha20Poly1305);
  EXPECT_THAT(Open(WithHeader(envelope, changed), Me(0), sender_->public_key()),
              StatusIs(kInvalid, HasSubstr("does not open")));
  // ChaCha20-Poly1305 works end to end.
  header.set_suite_id(kSuiteX25519ChaCha20Poly1305);
  ASSERT_OK_AND_ASSIGN(v1::Envelope chacha, Seal(header, "x", *sender_, Recipients(), env_));
  EXPECT_THAT(Open(chacha, Me(2), sender_->public_key()), IsOk());
}

TEST_F(EnvelopeTest, DuplicateRecipientsAndBadHeaders) {
  std::vector<RecipientKey> twice = Recipients();
  twice.push_back(twice[0]);
  EXPECT_THAT(
      Seal(BaseHeader(), "x", *sender_, twice, env_),
      StatusIs(kInvalid, HasSubstr("header.recipient_ids[3]: \"node/GT\" is listed twice")));
  ASSERT_OK_AND_ASSIGN(v1::Envelope envelope, SealDefault());
  struct Case {
    std::function<void(v1::Header&)> change;
    const char* error;
  };
  const std::vector<Case> cases = {
      {[](v1::Header& h) { h.set_message_id("short"); }, "header.message_id: must be 16 bytes"},
      {[](v1::Header& h) { h.set_sender_id(""); }, "header.sender_id: must be 1..64 bytes"},
      {[](v1::Header& h) { h.set_sender_id("node MX"); }, "printable ASCII"},
      {[](v1::Header& h) { h.set_kind(v1::KIND_UNSPECIFIED); }, "header.kind"},
      {[](v1::Header& h) { h.set_created_at_ms(-5); }, "header.created_at_ms"},
      {[](v1::Header& h) { h.set_thread_id("x"); }, "header.thread_id"},
      {[](v1::Header& h) { h.set_recipient_ids(1, "node/GT"); }, "is listed twice"},
      {[](v1::Header& h) { h.set_sender_key_id(""); }, "header.sender_key_id: must be 16 bytes"},
  };
  for (const Case& c : cases) {
    v1::Header header = HeaderOf(envelope);
    c.change(header);
    EXPECT_THAT(VerifyEnvelope(WithHeader(envelope, header), sender_->public_key()),
                StatusIs(kInvalid, HasSubstr(c.error)));
  }
  // Non-canonical header bytes (a field repeated: parsers keep the last) are refused.
  v1::Envelope noncanonical = envelope;
  noncanonical.set_header(envelope.header() + v1::Header(HeaderOf(envelope)).SerializeAsString());
  EXPECT_THAT(VerifyEnvelope(Resign(noncanonical, *sender_), sender_->public_key()),
              StatusIs(kInvalid, HasSubstr("canonical")));
  // Seal's own argument checks.
  v1::Header mismatch = BaseHeader();
  mismatch.add_recipient_ids("node/SV");
  EXPECT_THAT(Seal(mismatch, "x", *sender_, Recipients(), env_),
              StatusIs(kInvalid, HasSubstr("must equal the ids of the recipients")));
  v1::Header other_key = BaseHeader();
  other_key.set_sender_key_id(other_signer_->public_key().KeyId());
  EXPECT_THAT(Seal(other_key, "x", *sender_, Recipients(), env_),
              StatusIs(kInvalid, HasSubstr("not the key id of the signing key")));
}

TEST_F(EnvelopeTest, AWrapForSomeoneElse) {
  ASSERT_OK_AND_ASSIGN(v1::Envelope envelope, SealDefault());
  // Not a recipient at all.
  RecipientIdentity stranger = Me(0);
  stranger.recipient_id = "node/PA";
  EXPECT_THAT(Open(envelope, stranger, sender_->public_key()),
              StatusIs(kInvalid, HasSubstr("\"node/PA\" is not a recipient")));
  // GT's wrap replaced by HN's (key id included): GT holds no such key.
  v1::Envelope swapped = envelope;
  *swapped.mutable_wraps(0) = envelope.wraps(1);
  swapped.mutable_wraps(0)->set_recipient_id("node/GT");
  EXPECT_THAT(Open(Resign(swapped, *sender_), Me(0), sender_->public_key()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not among the 1 keys")));
  // ... and relabelled with GT's key id: HPKE refuses it (sealed to HN, info names HN).
  swapped.mutable_wraps(0)->set_key_id(envelope.wraps(0).key_id());
  EXPECT_THAT(Open(Resign(swapped, *sender_), Me(0), sender_->public_key()),
              StatusIs(kInvalid, HasSubstr("does not open")));
  // Wraps out of the header's order.
  v1::Envelope reordered = envelope;
  reordered.mutable_wraps()->SwapElements(0, 1);
  EXPECT_THAT(VerifyEnvelope(Resign(reordered, *sender_), sender_->public_key()),
              StatusIs(kInvalid, HasSubstr("wraps[0]: is for \"node/HN\"")));
}

TEST_F(EnvelopeTest, ASignatureByAnotherKey) {
  ASSERT_OK_AND_ASSIGN(v1::Envelope envelope, SealDefault());
  EXPECT_THAT(VerifyEnvelope(Resign(envelope, *other_signer_), sender_->public_key()),
              StatusIs(kInvalid, HasSubstr("signature: Ed25519 signature does not verify")));
  EXPECT_THAT(VerifyEnvelope(envelope, other_signer_->public_key()),
              StatusIs(kInvalid, HasSubstr("names signing key")));
  EXPECT_THAT(Open(Resign(envelope, *other_signer_), Me(0), sender_->public_key()),
              StatusIs(kInvalid, HasSubstr("does not verify")));
}

TEST_F(EnvelopeTest, LowOrderX25519Points) {
  ASSERT_OK_AND_ASSIGN(X25519PublicKey low_order, X25519PublicKey::FromRaw(Bytes(32, '\0')));
  std::vector<RecipientKey> recipients = Recipients();
  recipients[1].key = low_order;
  EXPECT_THAT(Seal(BaseHeader(), "x", *sender_, recipients, env_),
              StatusIs(kInvalid, HasSubstr("low-order point")));
  ASSERT_OK_AND_ASSIGN(v1::Envelope envelope, SealDefault());
  envelope.mutable_wraps(0)->set_encapsulated_key(
      HexDecode("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800").value());
  EXPECT_THAT(Open(Resign(envelope, *sender_), Me(0), sender_->public_key()),
              StatusIs(kInvalid, HasSubstr("low-order point")));
}

TEST_F(EnvelopeTest, KeyRotation) {
  ASSERT_OK_AND_ASSIGN(v1::Envelope envelope, SealDefault("sealed to the old key"));
  RecipientIdentity rotated = Me(0);
  ASSERT_OK_AND_ASSIGN(X25519PrivateKey fresh, X25519PrivateKey::Generate(&random_));
  rotated.keys.insert(rotated.keys.begin(), std::move(fresh));
  ASSERT_OK_AND_ASSIGN(Opened opened, Open(envelope, rotated, sender_->public_key()));
  EXPECT_EQ(opened.plaintext, "sealed to the old key");
  rotated.keys.pop_back();  // the old key destroyed after retention
  EXPECT_THAT(Open(envelope, rotated, sender_->public_key()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not among")));
}

}  // namespace
}  // namespace enlace
