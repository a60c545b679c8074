// docs/protocol.md carries a complete worked example in hex. This test regenerates it from the
// fixed inputs listed there and compares it with the document, byte for byte; and it composes
// the same envelope a second time from the primitives alone, following the document's rules
// rather than crypto/envelope.cc, to show the document is enough to write a compatible sender.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "crypto/aead.h"
#include "crypto/envelope.h"
#include "crypto/hpke.h"
#include "crypto/internal/envelope_format.h"
#include "crypto/internal/fixed_random.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace {
namespace {

constexpr char kBegin[] = "<!-- worked-example:begin -->\n```text\n";
constexpr char kEnd[] = "```\n<!-- worked-example:end -->";

Bytes FromHex(absl::string_view hex) { return HexDecode(hex).value(); }

// Bytes 0x<first>, 0x<first>+1, ... (`count` of them).
Bytes Counting(uint8_t first, size_t count) {
  Bytes out;
  for (size_t i = 0; i < count; ++i) out.push_back(static_cast<char>(first + i));
  return out;
}

// The fixed inputs of the example (also listed in the document).
struct ExampleInputs {
  SecretBytes sender_seed{
      FromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")};
  std::vector<std::pair<std::string, SecretBytes>> recipients = {
      {"node/GT",
       SecretBytes(FromHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))},
      {"node/HN",
       SecretBytes(FromHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"))}};
  Bytes content_key = Counting(0x20, 32);
  std::vector<Bytes> ikm_e = {Counting(0x40, 32), Counting(0x60, 32)};
  Bytes plaintext = "Alerta: vehiculo observado en la ruta CA-1, km 23.";

  v1::Header Header(const Ed25519PublicKey& sender) const {
    v1::Header header;
    header.set_message_id(Counting(0x00, 16));
    header.set_sender_id("node/MX");
    for (const auto& r : recipients) header.add_recipient_ids(r.first);
    header.set_kind(v1::KIND_SMUGGLING_ALERT);
    header.set_created_at_ms(1767225600000);  // 2026-01-01T00:00:00Z
    header.set_thread_id(Counting(0xa0, 16));
    header.set_priority(v1::PRIORITY_URGENT);
    header.set_suite_id(kSuiteX25519Aes256Gcm);
    header.set_sender_key_id(sender.KeyId());
    return header;
  }
};

// "name: hex" with long values folded into 64-byte lines.
void Line(std::string* out, absl::string_view name, absl::string_view bytes) {
  const std::string hex = HexEncode(bytes);
  absl::StrAppend(out, name, ":");
  if (hex.size() <= 64) {
    absl::StrAppend(out, " ", hex.empty() ? "(empty)" : hex, "\n");
    return;
  }
  absl::StrAppend(out, " (", bytes.size(), " bytes)\n");
  for (size_t i = 0; i < hex.size(); i += 128) absl::StrAppend(out, "  ", hex.substr(i, 128), "\n");
}

class ProtocolExampleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey sender, Ed25519PrivateKey::FromSeed(in_.sender_seed));
    sender_.emplace(std::move(sender));
    for (const auto& r : in_.recipients) {
      ASSERT_OK_AND_ASSIGN(X25519PrivateKey key, X25519PrivateKey::FromRaw(r.second));
      keys_.push_back(std::move(key));
    }
  }

  absl::StatusOr<v1::Envelope> SealExample() {
    std::vector<RecipientKey> recipients;
    for (size_t i = 0; i < keys_.size(); ++i) {
      recipients.push_back({in_.recipients[i].first, keys_[i].public_key()});
    }
    internal::FixedRandom random(in_.content_key + in_.ikm_e[0] + in_.ikm_e[1]);
    FakeClock clock(absl::UnixEpoch());  // unused: created_at_ms is given
    return Seal(in_.Header(sender_->public_key()), in_.plaintext, *sender_, recipients,
                Env{&clock, &random});
  }

  ExampleInputs in_;
  absl::optional<Ed25519PrivateKey> sender_;
  std::vector<X25519PrivateKey> keys_;
};

std::string ExampleText(const ExampleInputs& in, const Ed25519PrivateKey& sender,
                        const std::vector<X25519PrivateKey>& keys, const v1::Envelope& envelope) {
  std::string out;
  absl::StrAppend(&out, "# inputs\n");
  Line(&out, "sender Ed25519 seed", in.sender_seed.view());
  Line(&out, "sender Ed25519 public key", sender.public_key().raw());
  Line(&out, "sender key id", sender.public_key().KeyId());
  for (size_t i = 0; i < keys.size(); ++i) {
    const std::string who = in.recipients[i].first;
    Line(&out, who + " X25519 private key", keys[i].raw().view());
    Line(&out, who + " X25519 public key", keys[i].public_key().raw());
    Line(&out, who + " key id", keys[i].public_key().KeyId());
  }
  Line(&out, "random: content key", in.content_key);
  for (size_t i = 0; i < keys.size(); ++i) {
    Line(&out, "random: ikmE for " + in.recipients[i].first, in.ikm_e[i]);
  }
  Line(&out, "plaintext", in.plaintext);
  absl::StrAppend(&out, "\n# derived\n");
  Line(&out, "header", envelope.header());
  const Bytes padded = internal::Pad(in.plaintext).value();
  Line(&out, "padded plaintext, first 64 bytes (then zeros to 1024)", padded.substr(0, 64));
  Line(&out, "payload aad", internal::PayloadAad(envelope.header()));
  Line(&out, "payload", envelope.payload());
  v1::Header header;
  header.ParseFromString(envelope.header());
  for (int i = 0; i < envelope.wraps_size(); ++i) {
    const v1::RecipientWrap& wrap = envelope.wraps(i);
    const std::string w = absl::StrCat("wraps[", i, "] ");
    Line(&out, w + "hpke info",
         internal::WrapInfo(header.suite_id(), header.message_id(), header.sender_id(),
                            wrap.recipient_id(), wrap.key_id()));
    Line(&out, w + "encapsulated_key", wrap.encapsulated_key());
    Line(&out, w + "wrapped_key", wrap.wrapped_key());
  }
  const Sha256Digest payload_hash = Sha256(envelope.payload()).value();
  Line(&out, "payload SHA-256", DigestBytes(payload_hash));
  Line(&out, "signing input",
       internal::EnvelopeSigningInput(envelope.header(), payload_hash, envelope.wraps()));
  Line(&out, "signature", envelope.signature());
  Line(&out, "envelope (serialized)", envelope.SerializeAsString());
  return out;
}

TEST_F(ProtocolExampleTest, DocumentShowsExactlyWhatSealProduces) {
  ASSERT_OK_AND_ASSIGN(v1::Envelope envelope, SealExample());
  const std::string expected = ExampleText(in_, *sender_, keys_, envelope);
  ASSERT_OK_AND_ASSIGN(std::string doc,
                       ReadFile(std::string(ENLACE_SOURCE_DIR) + "/docs/protocol.md", 1 << 20));
  const size_t begin = doc.find(kBegin);
  const size_t end = doc.find(kEnd);
  ASSERT_NE(begin, std::string::npos) << "docs/protocol.md lacks the worked-example markers";
  ASSERT_NE(end, std::string::npos);
  const std::string in_doc = doc.substr(begin + strlen(kBegin), end - begin - strlen(kBegin));
  EXPECT_EQ(in_doc, expected) << "Expected block for docs/protocol.md:\n"
                              << kBegin << expected << kEnd;
  // The example opens for both recipients.
  for (size_t i = 0; i < keys_.size(); ++i) {
    RecipientIdentity me{in_.recipients[i].first, {}};
    me.keys.push_back(X25519PrivateKey::FromRaw(keys_[i].raw()).value());
    ASSERT_OK_AND_ASSIGN(Opened opened, Open(envelope, me, sender_->public_key()));
    EXPECT_EQ(opened.plaintext, in_.plaintext);
  }
}

// A second sender written from docs/protocol.md with the primitives only.
TEST_F(ProtocolExampleTest, ComposedFromTheDocumentMatchesSeal) {
  ASSERT_OK_AND_ASSIGN(v1::Envelope sealed, SealExample());
  const v1::Header header = in_.Header(sender_->public_key());
  v1::Envelope composed;
  composed.set_header(header.SerializeAsString());

  // Payload: uint32be(length) || plaintext || zeros to the bucket (1024 here).
  Bytes padded;
  AppendUint32(static_cast<uint32_t>(in_.plaintext.size()), &padded);
  padded += in_.plaintext;
  padded.resize(1024, '\0');
  ASSERT_OK_AND_ASSIGN(Aead aead,
                       Aead::Create(AeadAlgorithm::kAes256Gcm, SecretBytes(in_.content_key)));
  ASSERT_OK_AND_ASSIGN(
      *composed.mutable_payload(),
      aead.Seal(Bytes(12, '\0'), SigningInput("enlace/v1/payload", {composed.header()}), padded));

  // Wraps: HPKE base mode, info names suite, message, sender, recipient and key; aad = header.
  Bytes wraps_encoding;
  AppendUint32(static_cast<uint32_t>(keys_.size()), &wraps_encoding);
  for (size_t i = 0; i < keys_.size(); ++i) {
    const X25519PublicKey& key = keys_[i].public_key();
    Bytes suite;
    AppendUint32(1, &suite);
    const Bytes info = SigningInput("enlace/v1/wrap", {suite, header.message_id(), "node/MX",
                                                       in_.recipients[i].first, key.KeyId()});
    internal::FixedRandom ikm(in_.ikm_e[i]);
    ASSERT_OK_AND_ASSIGN(HpkeSender hpke,
                         SetupBaseSender(AeadAlgorithm::kAes256Gcm, key, info, &ikm));
    ASSERT_OK_AND_ASSIGN(Bytes wrapped, hpke.context->Seal(composed.header(), in_.content_key));
    v1::RecipientWrap* wrap = composed.add_wraps();
    wrap->set_recipient_id(in_.recipients[i].first);
    wrap->set_key_id(key.KeyId());
    wrap->set_encapsulated_key(hpke.encapsulated_key);
    wrap->set_wrapped_key(wrapped);
    for (const Bytes& field :
         {in_.recipients[i].first, key.KeyId(), hpke.encapsulated_key, wrapped}) {
      AppendLengthPrefixed(field, &wraps_encoding);
    }
  }
  // Signature over the header, the payload's SHA-256 and the wraps.
  ASSERT_OK_AND_ASSIGN(Sha256Digest payload_hash, Sha256(composed.payload()));
  ASSERT_OK_AND_ASSIGN(
      *composed.mutable_signature(),
      sender_->Sign(SigningInput("enlace/v1/envelope",
                                 {composed.header(), DigestBytes(payload_hash), wraps_encoding})));
  EXPECT_EQ(HexEncode(composed.SerializeAsString()), HexEncode(sealed.SerializeAsString()));
}

}  // namespace
}  // namespace enlace
