#include "auditlog/event.h"

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "base/bytes.h"
#include "crypto/hash.h"
#include "crypto/receipts.h"
#include "crypto/secret.h"
#include "crypto/signing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace::auditlog {
namespace {

using ::enlace::testing::StatusIs;
using ::testing::HasSubstr;

v1::AuditEvent Submitted() {
  v1::AuditEvent e;
  e.set_type(v1::AUDIT_EVENT_SUBMITTED);
  e.set_hub_time_ms(1'764'160'146'000);  // 2025-11-26T12:29:06Z
  e.set_actor_id("node/MX");
  e.set_sender_id("node/MX");
  e.add_recipient_ids("node/GT");
  e.add_recipient_ids("node/HN");
  e.set_message_kind(v1::KIND_VICTIM_REFERRAL);
  e.set_priority(v1::PRIORITY_IMMEDIATE);
  e.set_message_id(std::string(16, '\x11'));
  e.set_header_hash(std::string(32, '\x22'));
  e.set_envelope_size(1532);
  return e;
}

// Guatemala's signing key in the acknowledgement example: RFC 8032 §7.1 TEST 1's key, so that
// anyone can reproduce the example's signature.
Ed25519PrivateKey GuatemalaKey() {
  return *Ed25519PrivateKey::FromSeed(
      SecretBytes(*HexDecode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")));
}

// Guatemala acknowledges the referral of Submitted() twelve minutes later, as the hub logs it.
v1::AuditEvent Acknowledged() {
  v1::AuditEvent e = Submitted();
  e.set_type(v1::AUDIT_EVENT_ACKNOWLEDGED);
  e.set_hub_time_ms(1'764'160'866'000);  // 2025-11-26T12:41:06Z
  e.set_actor_id("node/GT");
  e.clear_recipient_ids();
  e.add_recipient_ids("node/GT");
  const Ed25519PrivateKey key = GuatemalaKey();
  e.set_key_id(key.public_key().KeyId());
  e.set_acked_at_ms(1'764'160'865'250);  // Guatemala's clock, 0.75 s before the hub's
  e.set_ack_signature(
      *key.Sign(AckSigningInput(e.message_id(), e.header_hash(), "node/GT", e.acked_at_ms())));
  return e;
}

std::string Serialized(const v1::AuditEvent& e) { return e.SerializeAsString(); }

// The hex digits of the first code block after the line of docs/audit-log.md that names
// `example`: on each line, the leading whitespace-separated tokens that are hex (the comment
// after them is not).
std::string DocumentedLeafHex(const std::string& example) {
  std::ifstream in(std::string(ENLACE_SOURCE_DIR) + "/docs/audit-log.md");
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  size_t at = doc.find(example);
  if (at == std::string::npos) return "example " + example + " not found";
  at = doc.find("```\n", at);
  const size_t end = doc.find("```", at + 4);
  if (at == std::string::npos || end == std::string::npos) return "no code block";
  std::string hex;
  for (absl::string_view line : absl::StrSplit(doc.substr(at + 4, end - at - 4), '\n')) {
    for (absl::string_view token : absl::StrSplit(line, ' ', absl::SkipEmpty())) {
      if (!HexDecode(token).ok()) break;
      absl::StrAppend(&hex, absl::AsciiStrToLower(token));
    }
  }
  return hex;
}

// The worked example of docs/audit-log.md, byte for byte.
TEST(LeafEncodingTest, WorkedExample) {
  ASSERT_OK_AND_ASSIGN(Bytes leaf, EncodeLeaf(Submitted()));
  const std::string expected =
      "01"  // version
      "01"
      "0004"
      "00000009"  // type SUBMITTED
      "02"
      "0008"
      "0000019ac0238a50"  // hub_time_ms
      "03"
      "0007"
      "6e6f64652f4d58"  // actor node/MX
      "05"
      "0007"
      "6e6f64652f4d58"  // sender node/MX
      "06"
      "0007"
      "6e6f64652f4754"  // recipient node/GT
      "06"
      "0007"
      "6e6f64652f484e"  // recipient node/HN
      "07"
      "0004"
      "00000001"  // KIND_VICTIM_REFERRAL
      "08"
      "0004"
      "00000003"  // PRIORITY_IMMEDIATE
      "09"
      "0010"
      "11111111111111111111111111111111"  // message_id
      "0a"
      "0020"
      "2222222222222222222222222222222222222222222222222222222222222222"  // hash
      "0b"
      "0008"
      "00000000000005fc";  // envelope_size
  EXPECT_EQ(HexEncode(leaf), expected);
  ASSERT_OK_AND_ASSIGN(Sha256Digest leaf_hash, Sha256(std::string(1, '\0') + leaf));
  EXPECT_EQ(HexEncode(DigestBytes(leaf_hash)),
            "758ac8805b19520c53496c7394df7c2f2cbb8a9571df8c7502cf525dbfe39f99");
  ASSERT_OK_AND_ASSIGN(v1::AuditEvent decoded, DecodeLeaf(leaf));
  EXPECT_EQ(Serialized(decoded), Serialized(Submitted()));
}

// The acknowledgement example of docs/audit-log.md: the document's bytes are checked here.
TEST(LeafEncodingTest, AcknowledgementWorkedExample) {
  ASSERT_OK_AND_ASSIGN(Bytes leaf, EncodeLeaf(Acknowledged()));
  const std::string expected =
      "01"  // version
      "01"
      "0004"
      "0000000c"  // type ACKNOWLEDGED
      "02"
      "0008"
      "0000019ac02e86d0"  // hub_time_ms
      "03"
      "0007"
      "6e6f64652f4754"  // actor node/GT
      "05"
      "0007"
      "6e6f64652f4d58"  // sender node/MX
      "06"
      "0007"
      "6e6f64652f4754"  // recipient node/GT
      "07"
      "0004"
      "00000001"  // KIND_VICTIM_REFERRAL
      "08"
      "0004"
      "00000003"  // PRIORITY_IMMEDIATE
      "09"
      "0010"
      "11111111111111111111111111111111"  // message_id
      "0a"
      "0020"
      "2222222222222222222222222222222222222222222222222222222222222222"
      "0b"
      "0008"
      "00000000000005fc"  // envelope_size
      "0d"
      "0010"
      "06e3fd8fda29bb60ab59557de61edb0a"  // key_id of RFC 8032's key
      "0f"
      "0008"
      "0000019ac02e83e2"  // acked_at_ms
      "10"
      "0040"  // ack_signature
      "15ec55edebb6f7d63e3cc63cc437fa94c69f6a93f435339f16b2fbfd92a13105"
      "9900e45e179a835ba222c7eeb4ade370d271b27b3d1abbe6eba2e7077baf4a0e";
  EXPECT_EQ(HexEncode(leaf), expected);
  EXPECT_EQ(DocumentedLeafHex("AcknowledgementWorkedExample"), HexEncode(leaf));
  ASSERT_OK_AND_ASSIGN(Sha256Digest leaf_hash, Sha256(std::string(1, '\0') + leaf));
  EXPECT_EQ(HexEncode(DigestBytes(leaf_hash)),
            "edc805b03150a6c3cdc1074e28cec67ce0b692f66ec2a4bfaea92fed8435a2f8");
  ASSERT_OK_AND_ASSIGN(v1::AuditEvent decoded, DecodeLeaf(leaf));
  EXPECT_EQ(Serialized(decoded), Serialized(Acknowledged()));
  // What the document says the recipient signed, and with which key.
  EXPECT_EQ(HexEncode(GuatemalaKey().public_key().raw()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  EXPECT_EQ(HexEncode(AckSigningInput(decoded.message_id(), decoded.header_hash(), "node/GT",
                                      decoded.acked_at_ms())),
            "0000000d656e6c6163652f76312f61636b"  // LP("enlace/v1/ack")
            "00000010"
            "11111111111111111111111111111111"
            "00000020"
            "2222222222222222222222222222222222222222222222222222222222222222"
            "00000007"
            "6e6f64652f4754"  // LP("node/GT")
            "00000008"
            "0000019ac02e83e2");  // LP(u64be(acked_at_ms))
  EXPECT_OK(GuatemalaKey().public_key().Verify(
      AckSigningInput(decoded.message_id(), decoded.header_hash(), "node/GT",
                      decoded.acked_at_ms()),
      decoded.ack_signature()));
}

TEST(LeafEncodingTest, EveryEventTypeRoundTrips) {
  std::vector<v1::AuditEvent> events;
  auto base = [](v1::AuditEventType type, const std::string& actor) {
    v1::AuditEvent e;
    e.set_type(type);
    e.set_hub_time_ms(1'800'000'000'000);
    e.set_actor_id(actor);
    return e;
  };
  events.push_back(base(v1::AUDIT_EVENT_HUB_STARTED, "hub"));
  events.push_back(base(v1::AUDIT_EVENT_HUB_STOPPED, "hub"));
  for (auto type : {v1::AUDIT_EVENT_ENROLLED, v1::AUDIT_EVENT_SUSPENDED, v1::AUDIT_EVENT_RESUMED}) {
    v1::AuditEvent e = base(type, "admin/ana");
    e.set_subject_id("node/PA");
    e.set_reason_code("maintenance");
    events.push_back(e);
  }
  v1::AuditEvent revoked = base(v1::AUDIT_EVENT_REVOKED, "admin/ana");
  revoked.set_key_id(std::string(16, '\x05'));
  revoked.set_reason_code("key_compromise");
  events.push_back(revoked);
  v1::AuditEvent rotated = base(v1::AUDIT_EVENT_ROTATED, "admin/ana");
  rotated.set_subject_id("node/CR");
  rotated.set_key_id(std::string(16, '\x06'));
  events.push_back(rotated);
  v1::AuditEvent published = base(v1::AUDIT_EVENT_DIRECTORY_PUBLISHED, "admin/ana");
  published.set_directory_version(42);
  events.push_back(published);
  events.push_back(Submitted());
  v1::AuditEvent rejected = base(v1::AUDIT_EVENT_REJECTED, "node/SV");
  rejected.set_sender_id("node/GT");
  rejected.set_reason_code("sender_mismatch");
  events.push_back(rejected);
  events.push_back(Acknowledged());
  for (auto type : {v1::AUDIT_EVENT_DELIVERED, v1::AUDIT_EVENT_EXPIRED}) {
    v1::AuditEvent e = base(type, "node/GT");
    e.set_sender_id("node/MX");
    e.add_recipient_ids("node/GT");
    e.set_message_id(std::string(16, '\x11'));
    events.push_back(e);
  }
  v1::AuditEvent purged = base(v1::AUDIT_EVENT_PURGED, "hub");
  purged.set_message_id(std::string(16, '\x11'));
  events.push_back(purged);
  ASSERT_EQ(events.size(), 14u);  // one per defined type

  for (const v1::AuditEvent& e : events) {
    SCOPED_TRACE(v1::AuditEventType_Name(e.type()));
    ASSERT_OK_AND_ASSIGN(Bytes leaf, EncodeLeaf(e));
    ASSERT_OK_AND_ASSIGN(v1::AuditEvent decoded, DecodeLeaf(leaf));
    EXPECT_EQ(Serialized(decoded), Serialized(e));
    ASSERT_OK_AND_ASSIGN(Bytes again, EncodeLeaf(decoded));
    EXPECT_EQ(again, leaf);
  }
}

TEST(LeafEncodingTest, EncodeRefusesIncompleteEvents) {
  v1::AuditEvent e = Submitted();
  e.clear_recipient_ids();
  EXPECT_THAT(EncodeLeaf(e),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("AUDIT_EVENT_SUBMITTED events need recipient_ids")));
  e = Submitted();
  e.set_type(static_cast<v1::AuditEventType>(99));
  EXPECT_THAT(EncodeLeaf(e), StatusIs(absl::StatusCode::kInvalidArgument,
                                      HasSubstr("not a defined AuditEventType")));
  e = Submitted();
  e.set_hub_time_ms(-5);
  EXPECT_THAT(EncodeLeaf(e),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("need hub_time_ms")));
  e = Submitted();
  e.set_message_id("short");
  EXPECT_THAT(EncodeLeaf(e), StatusIs(absl::StatusCode::kInvalidArgument,
                                      HasSubstr("message_id must be 16 bytes, got 5")));
  e = Submitted();
  e.set_sender_id("node MX");
  EXPECT_THAT(EncodeLeaf(e), StatusIs(absl::StatusCode::kInvalidArgument,
                                      HasSubstr("sender_id: byte 4 (0x20) is not printable")));
  e = Submitted();
  e.add_recipient_ids("");
  EXPECT_THAT(EncodeLeaf(e), StatusIs(absl::StatusCode::kInvalidArgument,
                                      HasSubstr("recipient_ids must not be empty")));
  e = Submitted();
  e.set_reason_code(std::string(129, 'a'));
  EXPECT_THAT(EncodeLeaf(e),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at most 128 are allowed")));
  e = Submitted();
  for (size_t i = 0; i < kMaxRecipients; ++i) e.add_recipient_ids("node/GT");
  EXPECT_THAT(EncodeLeaf(e),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at most 256 recipients")));
  v1::AuditEvent delivered;
  delivered.set_type(v1::AUDIT_EVENT_DELIVERED);
  delivered.set_hub_time_ms(1);
  delivered.set_actor_id("node/GT");
  delivered.set_sender_id("node/MX");
  delivered.set_message_id(std::string(16, 'm'));
  EXPECT_THAT(EncodeLeaf(delivered),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("exactly one recipient")));
  // An acknowledgement is logged with everything its recipient signed.
  e = Acknowledged();
  e.clear_ack_signature();
  EXPECT_THAT(EncodeLeaf(e),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("AUDIT_EVENT_ACKNOWLEDGED events need ack_signature")));
  e = Acknowledged();
  e.set_acked_at_ms(-1);
  EXPECT_THAT(EncodeLeaf(e),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("need acked_at_ms")));
  e = Acknowledged();
  e.clear_key_id();
  EXPECT_THAT(EncodeLeaf(e),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("need key_id")));
  e = Acknowledged();
  e.clear_header_hash();
  EXPECT_THAT(EncodeLeaf(e),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("need header_hash")));
  e = Acknowledged();
  e.mutable_ack_signature()->pop_back();
  EXPECT_THAT(EncodeLeaf(e), StatusIs(absl::StatusCode::kInvalidArgument,
                                      HasSubstr("ack_signature must be 64 bytes, got 63")));
}

// Each way a leaf can be malformed or non-canonical, refused with where and what.
TEST(LeafEncodingTest, DecodeRefusesEveryNonCanonicalForm) {
  ASSERT_OK_AND_ASSIGN(Bytes good, EncodeLeaf(Submitted()));
  struct Case {
    std::string name;
    Bytes leaf;
    std::string error;
  };
  auto hex = [](const std::string& h) { return *HexDecode(h); };
  const Bytes type = hex("0101000400000009");  // version, then type SUBMITTED
  const std::vector<Case> cases = {
      {"empty", "", "leaf is empty"},
      {"version 2", "\x02" + good.substr(1), "version 2 is not supported"},
      {"no type", hex("01"), "no type field"},
      {"unknown tag", good + hex("11000100"), "unknown field tag 17"},
      {"tag zero", hex("01") + hex("000000"), "unknown field tag 0"},
      {"out of order", hex("01") + hex("0200080000000000000001") + type.substr(1),
       "out of order or repeated"},
      {"repeated type", type + hex("01000400000009"), "out of order or repeated"},
      {"truncated value", good.substr(0, good.size() - 1), "runs past the end"},
      {"truncated header", good + hex("0b00"), "runs past the end"},
      {"zero written out", type + hex("0b00080000000000000000"), "a default written out"},
      {"wide enum", hex("010100080000000000000009"), "must be 4 bytes, got 8"},
      {"huge enum", hex("0101000480000001"), "out of range"},
      {"time sign bit", type + hex("0200088000000000000001"), "out of range"},
      {"empty text", type + hex("030000"), "actor_id at byte 8 is empty"},
      {"space in text", type + hex("030003") + "a b", "is not printable ASCII"},
      {"short message id", type + hex("090002abcd"), "message_id at byte 8 must be 16 bytes"},
      {"ack time sign bit", type + hex("0f00088000000000000001"), "out of range"},
      {"short signature", type + hex("100002abcd"), "ack_signature at byte 8 must be 64 bytes"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_THAT(DecodeLeaf(c.leaf),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.error)));
  }
  EXPECT_THAT(DecodeLeaf(std::string(kMaxLeafSize + 1, '\x01')),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at most 65536")));
  // Structural decoding accepts what it does not validate per type.
  ASSERT_OK_AND_ASSIGN(v1::AuditEvent minimal, DecodeLeaf(type));
  EXPECT_EQ(minimal.type(), v1::AUDIT_EVENT_SUBMITTED);
}

TEST(LeafEncodingTest, PartiesAreActorSubjectSenderAndRecipients) {
  const v1::AuditEvent e = Submitted();
  EXPECT_TRUE(IsPartyTo(e, "node/MX"));
  EXPECT_TRUE(IsPartyTo(e, "node/GT"));
  EXPECT_TRUE(IsPartyTo(e, "node/HN"));
  EXPECT_FALSE(IsPartyTo(e, "node/SV"));
  EXPECT_FALSE(IsPartyTo(e, ""));
  v1::AuditEvent enrolled;
  enrolled.set_actor_id("admin/ana");
  enrolled.set_subject_id("node/PA");
  EXPECT_TRUE(IsPartyTo(enrolled, "node/PA"));
  EXPECT_TRUE(IsPartyTo(enrolled, "admin/ana"));
  EXPECT_FALSE(IsPartyTo(enrolled, "node/MX"));
}

}  // namespace
}  // namespace enlace::auditlog
