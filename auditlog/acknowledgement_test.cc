#include "auditlog/acknowledgement.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/time/time.h"
#include "base/env.h"
#include "crypto/receipts.h"
#include "crypto/signing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace::auditlog {
namespace {

using ::enlace::testing::IsOk;
using ::enlace::testing::StatusIs;
using ::testing::HasSubstr;

constexpr int64_t kAckedAtMs = 1'764'160'865'250;
constexpr int64_t kDayMs = 24 * 3600 * 1000;

class AcknowledgementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    guatemala_.emplace(*Ed25519PrivateKey::Generate(RandomSource::Real()));
    mexico_.emplace(*Ed25519PrivateKey::Generate(RandomSource::Real()));
  }

  // node/GT and node/MX, each with one signing key valid for a year around the ack.
  v1::Directory DirectoryProto() const {
    v1::Directory d;
    d.set_version(3);
    d.set_issued_at_ms(kAckedAtMs);
    d.add_countries("GT");
    d.add_countries("MX");
    for (const auto& [id, key] :
         {std::pair{"node/GT", &*guatemala_}, std::pair{"node/MX", &*mexico_}}) {
      v1::DirectoryParticipant* p = d.add_participants();
      p->set_id(id);
      p->set_role(v1::PARTICIPANT_ROLE_NODE);
      p->set_status(v1::PARTICIPANT_STATUS_ACTIVE);
      v1::DirectoryKey* k = p->add_signing_keys();
      k->set_key_id(key->public_key().KeyId());
      k->set_public_key(key->public_key().raw());
      k->set_not_before_ms(kAckedAtMs - 180 * kDayMs);
      k->set_not_after_ms(kAckedAtMs + 180 * kDayMs);
    }
    return d;
  }
  Directory Dir(v1::Directory proto) const { return *Directory::FromProto(std::move(proto)); }

  // Guatemala's acknowledgement as the hub logs it, signed with `key`.
  v1::AuditEvent Ack(const Ed25519PrivateKey& key) const {
    v1::AuditEvent e;
    e.set_type(v1::AUDIT_EVENT_ACKNOWLEDGED);
    e.set_hub_time_ms(kAckedAtMs + 750);
    e.set_actor_id("node/GT");
    e.set_sender_id("node/MX");
    e.add_recipient_ids("node/GT");
    e.set_message_id(std::string(16, '\x11'));
    e.set_header_hash(std::string(32, '\x22'));
    e.set_key_id(key.public_key().KeyId());
    e.set_acked_at_ms(kAckedAtMs);
    e.set_ack_signature(
        *key.Sign(AckSigningInput(e.message_id(), e.header_hash(), "node/GT", kAckedAtMs)));
    return e;
  }

  std::optional<Ed25519PrivateKey> guatemala_;
  std::optional<Ed25519PrivateKey> mexico_;
};

TEST_F(AcknowledgementTest, TheRecipientsSignatureVerifiesFromTheDirectory) {
  EXPECT_THAT(VerifyAcknowledgement(Ack(*guatemala_), Dir(DirectoryProto())), IsOk());
}

TEST_F(AcknowledgementTest, AnythingChangedAfterSigningIsRefused) {
  const Directory dir = Dir(DirectoryProto());
  const v1::AuditEvent good = Ack(*guatemala_);
  auto refused = [&](const char* name, auto change) {
    SCOPED_TRACE(name);
    v1::AuditEvent e = good;
    change(e);
    EXPECT_THAT(VerifyAcknowledgement(e, dir),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not verify")));
  };
  refused("signature", [](v1::AuditEvent& e) { (*e.mutable_ack_signature())[5] ^= 1; });
  refused("message", [](v1::AuditEvent& e) { (*e.mutable_message_id())[0] ^= 1; });
  refused("header hash", [](v1::AuditEvent& e) { (*e.mutable_header_hash())[31] ^= 1; });
  refused("time", [](v1::AuditEvent& e) { e.set_acked_at_ms(e.acked_at_ms() + 1); });
  // Signed by Mexico, but named as Guatemala's key: the hub forging with another key it holds.
  refused("other signer", [&](v1::AuditEvent& e) {
    e.set_ack_signature(*mexico_->Sign(
        AckSigningInput(e.message_id(), e.header_hash(), "node/GT", e.acked_at_ms())));
  });
}

TEST_F(AcknowledgementTest, TheKeyMustBeTheRecipientsAndValidWhenItSigned) {
  // Mexico's key named for Guatemala's acknowledgement: not among Guatemala's keys.
  v1::AuditEvent by_mexico = Ack(*mexico_);
  EXPECT_THAT(VerifyAcknowledgement(by_mexico, Dir(DirectoryProto())),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("node/GT has no signing key")));
  // A directory that no longer lists the key (or the recipient) cannot check it.
  v1::Directory without = DirectoryProto();
  without.mutable_participants(0)->clear_signing_keys();
  EXPECT_THAT(VerifyAcknowledgement(Ack(*guatemala_), Dir(without)),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("in directory version 3")));
  // Revoked before it signed: refused; revoked after: the acknowledgement stands.
  v1::Directory revoked = DirectoryProto();
  v1::Revocation* r = revoked.add_revocations();
  r->set_key_id(guatemala_->public_key().KeyId());
  r->set_revoked_at_ms(kAckedAtMs);
  EXPECT_THAT(VerifyAcknowledgement(Ack(*guatemala_), Dir(revoked)),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("was not valid at")));
  r->set_revoked_at_ms(kAckedAtMs + 1);
  EXPECT_THAT(VerifyAcknowledgement(Ack(*guatemala_), Dir(revoked)), IsOk());
  // Signed outside the key's interval.
  v1::Directory expired = DirectoryProto();
  expired.mutable_participants(0)->mutable_signing_keys(0)->set_not_after_ms(kAckedAtMs);
  EXPECT_THAT(VerifyAcknowledgement(Ack(*guatemala_), Dir(expired)),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("was not valid at")));
}

TEST_F(AcknowledgementTest, OnlyCompleteAcknowledgementEventsAreChecked) {
  const Directory dir = Dir(DirectoryProto());
  v1::AuditEvent delivered = Ack(*guatemala_);
  delivered.set_type(v1::AUDIT_EVENT_DELIVERED);
  EXPECT_THAT(VerifyAcknowledgement(delivered, dir),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("AUDIT_EVENT_DELIVERED event carries no acknowledgement")));
  v1::AuditEvent unsigned_ack = Ack(*guatemala_);
  unsigned_ack.clear_ack_signature();
  EXPECT_THAT(VerifyAcknowledgement(unsigned_ack, dir),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("need ack_signature")));
  v1::AuditEvent someone_else = Ack(*guatemala_);
  someone_else.set_actor_id("node/MX");
  EXPECT_THAT(VerifyAcknowledgement(someone_else, dir),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("actor node/MX is not its recipient node/GT")));
  v1::AuditEvent unknown_country = Ack(*guatemala_);
  unknown_country.set_actor_id("node/ZZ");
  unknown_country.set_recipient_ids(0, "node/ZZ");
  EXPECT_THAT(VerifyAcknowledgement(unknown_country, dir),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"node/ZZ\"")));
}

}  // namespace
}  // namespace enlace::auditlog
