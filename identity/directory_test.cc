#include "identity/directory.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/time/time.h"
#include "base/env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "identity/key_retention.h"
#include "identity/pki.h"
#include "tests/testing/status_matchers.h"

namespace enlace {
namespace {

using ::enlace::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr absl::Duration kDay = absl::Hours(24);

class DirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(
        CertificateAuthority ca,
        CertificateAuthority::Create("Test", t0_ - kDay, t0_ + 3650 * kDay, &random_));
    ca_ = std::make_unique<CertificateAuthority>(std::move(ca));
    ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey key, Ed25519PrivateKey::Generate(&random_));
    signer_key_ = std::make_unique<Ed25519PrivateKey>(std::move(key));
    ASSERT_OK_AND_ASSIGN(Certificate cert,
                         ca_->Issue(DirectorySignerProfile(t0_ - kDay, t0_ + 365 * kDay),
                                    signer_key_->public_key().SpkiDer(), &random_));
    signer_cert_ = std::make_unique<Certificate>(std::move(cert));

    directory_.set_version(3);
    directory_.set_issued_at_ms(absl::ToUnixMillis(t0_));
    directory_.set_network_name("Test");
    for (const std::string& c : CrmCountries()) directory_.add_countries(c);
    mx_ = AddParticipant("node/MX", v1::PARTICIPANT_ROLE_NODE);
    gt_ = AddParticipant("node/GT", v1::PARTICIPANT_ROLE_NODE);
    mx_signing_ = AddSigningKey(mx_, t0_ - kDay, t0_ + 365 * kDay);
    mx_encryption_ = AddEncryptionKey(mx_, t0_ - kDay, t0_ + 365 * kDay);
    gt_signing_ = AddSigningKey(gt_, t0_ - kDay, t0_ + 365 * kDay);
    AddEncryptionKey(gt_, t0_ - kDay, t0_ + 365 * kDay);
    mx_cert_ = AddCertificate(mx_, 1);
  }

  v1::DirectoryParticipant* AddParticipant(const std::string& id, v1::ParticipantRole role) {
    v1::DirectoryParticipant* p = directory_.add_participants();
    p->set_id(id);
    p->set_role(role);
    p->set_status(v1::PARTICIPANT_STATUS_ACTIVE);
    p->set_display_name_es(id);
    p->set_display_name_en(id);
    return p;
  }

  static void SetInterval(v1::DirectoryKey* key, absl::Time from, absl::Time until) {
    key->set_not_before_ms(absl::ToUnixMillis(from));
    key->set_not_after_ms(absl::ToUnixMillis(until));
  }

  Bytes AddSigningKey(v1::DirectoryParticipant* p, absl::Time from, absl::Time until) {
    absl::StatusOr<Ed25519PrivateKey> key = Ed25519PrivateKey::Generate(&random_);
    EXPECT_OK(key.status());
    v1::DirectoryKey* entry = p->add_signing_keys();
    entry->set_key_id(key->public_key().KeyId());
    entry->set_public_key(key->public_key().raw());
    SetInterval(entry, from, until);
    return entry->key_id();
  }

  Bytes AddEncryptionKey(v1::DirectoryParticipant* p, absl::Time from, absl::Time until) {
    absl::StatusOr<X25519PrivateKey> key = X25519PrivateKey::Generate(&random_);
    EXPECT_OK(key.status());
    v1::DirectoryKey* entry = p->add_encryption_keys();
    entry->set_key_id(key->public_key().KeyId());
    entry->set_public_key(key->public_key().raw());
    SetInterval(entry, from, until);
    return entry->key_id();
  }

  Bytes AddCertificate(v1::DirectoryParticipant* p, char fill) {
    v1::DirectoryCertificate* cert = p->add_tls_certificates();
    cert->set_sha256(Bytes(32, fill));
    cert->set_not_before_ms(absl::ToUnixMillis(t0_ - kDay));
    cert->set_not_after_ms(absl::ToUnixMillis(t0_ + 365 * kDay));
    return cert->sha256();
  }

  void Revoke(v1::Revocation r, absl::Time at) {
    r.set_revoked_at_ms(absl::ToUnixMillis(at));
    r.set_reason("key compromise");
    *directory_.add_revocations() = std::move(r);
  }

  std::string Signed(const v1::Directory& directory) {
    absl::StatusOr<v1::SignedDirectory> s = SignDirectory(directory, *signer_key_, *signer_cert_);
    EXPECT_OK(s.status());
    return s->SerializeAsString();
  }

  Directory Verified() {
    absl::StatusOr<Directory> d = VerifySignedDirectory(Signed(directory_), ca_->root(), t0_);
    EXPECT_OK(d.status());
    return std::move(*d);
  }

  ParticipantId Id(absl::string_view text) { return *ParticipantId::Parse(text); }

  const absl::Time t0_ = absl::FromUnixSeconds(1798761600);  // 2027-01-01
  DeterministicRandom random_{11};
  std::unique_ptr<CertificateAuthority> ca_;
  std::unique_ptr<Ed25519PrivateKey> signer_key_;
  std::unique_ptr<Certificate> signer_cert_;
  v1::Directory directory_;
  v1::DirectoryParticipant* mx_ = nullptr;
  v1::DirectoryParticipant* gt_ = nullptr;
  Bytes mx_signing_, mx_encryption_, gt_signing_, mx_cert_;
};

TEST_F(DirectoryTest, SignedDirectoryVerifiesAndAnswersQueries) {
  Directory d = Verified();
  EXPECT_EQ(d.version(), 3u);
  EXPECT_EQ(d.issued_at(), t0_);
  ASSERT_OK_AND_ASSIGN(const v1::DirectoryParticipant* p, d.Participant(Id("node/MX")));
  EXPECT_EQ(p->id(), "node/MX");
  ASSERT_OK_AND_ASSIGN(Ed25519PublicKey key, d.SigningKey(Id("node/MX"), mx_signing_, t0_));
  EXPECT_EQ(key.KeyId(), mx_signing_);
  ASSERT_OK_AND_ASSIGN(std::vector<EncryptionKeyEntry> keys, d.EncryptionKeys(Id("node/MX"), t0_));
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].key.KeyId(), mx_encryption_);
  EXPECT_OK(d.CheckCertificate(Id("node/MX"), mx_cert_, t0_));
  EXPECT_OK(d.CheckCaller(Id("node/MX"), mx_cert_, t0_));
  EXPECT_FALSE(d.IsSuspended(Id("node/MX")));
  EXPECT_FALSE(d.RevokedAt(Id("node/MX")).has_value());
}

TEST_F(DirectoryTest, TamperedSignatureIsRefused) {
  ASSERT_OK_AND_ASSIGN(v1::SignedDirectory s,
                       SignDirectory(directory_, *signer_key_, *signer_cert_));
  (*s.mutable_signature())[5] ^= 0x01;
  EXPECT_THAT(VerifySignedDirectory(s.SerializeAsString(), ca_->root(), t0_),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("signature does not verify")));
}

TEST_F(DirectoryTest, TamperedContentIsRefused) {
  ASSERT_OK_AND_ASSIGN(v1::SignedDirectory s,
                       SignDirectory(directory_, *signer_key_, *signer_cert_));
  v1::Directory changed;
  ASSERT_TRUE(changed.ParseFromString(s.directory()));
  changed.mutable_participants(0)->set_status(v1::PARTICIPANT_STATUS_SUSPENDED);
  s.set_directory(changed.SerializeAsString());
  EXPECT_THAT(VerifySignedDirectory(s.SerializeAsString(), ca_->root(), t0_),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("signature does not verify")));
}

TEST_F(DirectoryTest, SignerMustChainToTheRootAndBeTheDirectorySigner) {
  ASSERT_OK_AND_ASSIGN(
      CertificateAuthority foreign,
      CertificateAuthority::Create("Foreign", t0_ - kDay, t0_ + 365 * kDay, &random_));
  ASSERT_OK_AND_ASSIGN(Certificate foreign_cert,
                       foreign.Issue(DirectorySignerProfile(t0_ - kDay, t0_ + kDay),
                                     signer_key_->public_key().SpkiDer(), &random_));
  ASSERT_OK_AND_ASSIGN(v1::SignedDirectory s,
                       SignDirectory(directory_, *signer_key_, foreign_cert));
  EXPECT_THAT(VerifySignedDirectory(s.SerializeAsString(), ca_->root(), t0_),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("local issuer")));

  // A participant's certificate (here for an Ed25519 key) is not a directory signer's.
  ASSERT_OK_AND_ASSIGN(CertificateProfile profile,
                       TlsCertificateProfile(Id("admin/ops"), t0_ - kDay, t0_ + kDay));
  ASSERT_OK_AND_ASSIGN(Certificate admin_cert,
                       ca_->Issue(profile, signer_key_->public_key().SpkiDer(), &random_));
  ASSERT_OK_AND_ASSIGN(s, SignDirectory(directory_, *signer_key_, admin_cert));
  EXPECT_THAT(VerifySignedDirectory(s.SerializeAsString(), ca_->root(), t0_),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr(kDirectorySignerUri)));

  // An expired signer certificate.
  EXPECT_THAT(VerifySignedDirectory(Signed(directory_), ca_->root(), t0_ + 400 * kDay),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("expired")));

  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey other, Ed25519PrivateKey::Generate(&random_));
  EXPECT_THAT(SignDirectory(directory_, other, *signer_cert_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not match")));
}

TEST_F(DirectoryTest, GarbageAndOversizedInputAreRefused) {
  EXPECT_THAT(VerifySignedDirectory("\xff\xff\xff", ca_->root(), t0_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("SignedDirectory")));
  EXPECT_THAT(
      VerifySignedDirectory(std::string(kMaxSignedDirectorySize + 1, '\0'), ca_->root(), t0_),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("larger than")));
  EXPECT_THAT(VerifySignedDirectory("", ca_->root(), t0_),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("signer certificate")));
}

TEST_F(DirectoryTest, DirectoryFromTheFutureIsRefused) {
  directory_.set_issued_at_ms(absl::ToUnixMillis(t0_ + absl::Hours(1)));
  EXPECT_THAT(VerifySignedDirectory(Signed(directory_), ca_->root(), t0_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("in the future")));
}

TEST_F(DirectoryTest, OlderVersionIsRefusedAsRollback) {
  DirectoryVerifier verifier(ca_->root());
  EXPECT_EQ(verifier.current(), nullptr);
  ASSERT_OK_AND_ASSIGN(auto current, verifier.Accept(Signed(directory_), t0_));
  EXPECT_EQ(current->version(), 3u);

  // The same directory again is no change.
  ASSERT_OK_AND_ASSIGN(auto same, verifier.Accept(Signed(directory_), t0_));
  EXPECT_EQ(same, current);

  v1::Directory older = directory_;
  older.set_version(2);
  EXPECT_THAT(verifier.Accept(Signed(older), t0_),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("rollback")));
  v1::Directory same_version_other_content = directory_;
  same_version_other_content.mutable_participants(0)->set_status(v1::PARTICIPANT_STATUS_SUSPENDED);
  EXPECT_THAT(verifier.Accept(Signed(same_version_other_content), t0_),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("rollback")));
  EXPECT_EQ(verifier.current()->version(), 3u);

  v1::Directory newer = same_version_other_content;
  newer.set_version(4);
  ASSERT_OK_AND_ASSIGN(auto next, verifier.Accept(Signed(newer), t0_));
  EXPECT_EQ(next->version(), 4u);
  EXPECT_TRUE(next->IsSuspended(Id("node/MX")));
}

TEST_F(DirectoryTest, RememberedVersionSurvivesARestart) {
  DirectoryVerifier verifier(ca_->root(), /*min_version=*/3);
  EXPECT_THAT(verifier.Accept(Signed(directory_), t0_),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("version 3 was already")));
}

TEST_F(DirectoryTest, UnknownParticipantsAndKeysAreRefused) {
  Directory d = Verified();
  EXPECT_THAT(d.Participant(Id("node/HN")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("node/HN is not in directory")));
  EXPECT_THAT(d.SigningKey(Id("node/HN"), mx_signing_, t0_),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("node/HN")));
  // MX's key presented as GT's.
  EXPECT_THAT(d.SigningKey(Id("node/GT"), mx_signing_, t0_),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("has no signing key")));
  EXPECT_THAT(d.SigningKey(Id("node/MX"), Bytes(16, 'z'), t0_),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("has no signing key")));
  // An encryption key is not a signing key.
  EXPECT_THAT(d.SigningKey(Id("node/MX"), mx_encryption_, t0_),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("has no signing key")));
  EXPECT_THAT(d.EncryptionKeys(Id("node/HN"), t0_),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("node/HN")));
  EXPECT_THAT(d.CheckCaller(Id("node/HN"), mx_cert_, t0_),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("not in directory")));
  EXPECT_THAT(d.CheckCaller(Id("node/GT"), mx_cert_, t0_),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("not one directory")));
}

TEST_F(DirectoryTest, KeyOutsideItsValidityIsRefused) {
  Directory d = Verified();
  EXPECT_THAT(d.SigningKey(Id("node/MX"), mx_signing_, t0_ - 2 * kDay),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("was not valid at")));
  EXPECT_THAT(d.SigningKey(Id("node/MX"), mx_signing_, t0_ + 365 * kDay),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("was not valid at")));
  EXPECT_OK(
      d.SigningKey(Id("node/MX"), mx_signing_, t0_ + 365 * kDay - absl::Milliseconds(1)).status());
  EXPECT_THAT(d.EncryptionKeys(Id("node/MX"), t0_ + 365 * kDay),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("no encryption key")));
}

TEST_F(DirectoryTest, RevokedKeyIsRefusedFromItsRevocationTimeOnly) {
  v1::Revocation r;
  r.set_key_id(mx_signing_);
  Revoke(r, t0_ + kDay);
  Directory d = Verified();
  EXPECT_OK(d.SigningKey(Id("node/MX"), mx_signing_, t0_ + kDay - absl::Seconds(1)).status());
  EXPECT_THAT(d.SigningKey(Id("node/MX"), mx_signing_, t0_ + kDay),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("revoked at")));
  // The participant itself and its other keys are unaffected.
  EXPECT_OK(d.CheckCaller(Id("node/MX"), mx_cert_, t0_ + 2 * kDay));
  EXPECT_OK(d.EncryptionKeys(Id("node/MX"), t0_ + 2 * kDay).status());
}

TEST_F(DirectoryTest, RevokedParticipantLosesEverything) {
  v1::Revocation r;
  r.set_participant_id("node/MX");
  Revoke(r, t0_ + kDay);
  Directory d = Verified();
  EXPECT_OK(d.CheckCaller(Id("node/MX"), mx_cert_, t0_));
  EXPECT_THAT(d.CheckCaller(Id("node/MX"), mx_cert_, t0_ + kDay),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("revoked")));
  EXPECT_THAT(d.SigningKey(Id("node/MX"), mx_signing_, t0_ + 2 * kDay),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("revoked")));
  EXPECT_THAT(d.EncryptionKeys(Id("node/MX"), t0_ + 2 * kDay),
              StatusIs(absl::StatusCode::kFailedPrecondition, ::testing::_));
  EXPECT_THAT(d.RevokedAt(Id("node/MX")), ::testing::Optional(t0_ + kDay));
  // Messages signed before the revocation still verify.
  EXPECT_OK(d.SigningKey(Id("node/MX"), mx_signing_, t0_).status());
}

TEST_F(DirectoryTest, RevokedCertificateIsNotCurrent) {
  v1::Revocation r;
  r.set_certificate_sha256(mx_cert_);
  Revoke(r, t0_);
  Directory d = Verified();
  EXPECT_THAT(d.CheckCaller(Id("node/MX"), mx_cert_, t0_),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("is not current")));
}

TEST_F(DirectoryTest, SuspendedParticipantIsRefusedButItsSignaturesStand) {
  mx_->set_status(v1::PARTICIPANT_STATUS_SUSPENDED);
  Directory d = Verified();
  EXPECT_TRUE(d.IsSuspended(Id("node/MX")));
  EXPECT_THAT(d.CheckCaller(Id("node/MX"), mx_cert_, t0_),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("suspended")));
  EXPECT_OK(d.SigningKey(Id("node/MX"), mx_signing_, t0_).status());
}

TEST_F(DirectoryTest, RotationOverlapsAndPrefersTheNewestKey) {
  // The old key ends 30 days from now; the new one started yesterday.
  mx_->mutable_encryption_keys(0)->set_not_after_ms(absl::ToUnixMillis(t0_ + 30 * kDay));
  const Bytes newer = AddEncryptionKey(mx_, t0_, t0_ + 365 * kDay);
  const Bytes new_signing = AddSigningKey(mx_, t0_, t0_ + 365 * kDay);
  mx_->mutable_signing_keys(0)->set_not_after_ms(absl::ToUnixMillis(t0_ + 30 * kDay));
  Directory d = Verified();
  ASSERT_OK_AND_ASSIGN(auto keys, d.EncryptionKeys(Id("node/MX"), t0_ + kDay));
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].key.KeyId(), newer);
  EXPECT_EQ(keys[1].key.KeyId(), mx_encryption_);
  ASSERT_OK_AND_ASSIGN(keys, d.EncryptionKeys(Id("node/MX"), t0_ + 31 * kDay));
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].key.KeyId(), newer);
  // Both signing keys verify during the overlap; only the new one after it.
  EXPECT_OK(d.SigningKey(Id("node/MX"), mx_signing_, t0_ + kDay).status());
  EXPECT_OK(d.SigningKey(Id("node/MX"), new_signing, t0_ + kDay).status());
  EXPECT_THAT(d.SigningKey(Id("node/MX"), mx_signing_, t0_ + 31 * kDay),
              StatusIs(absl::StatusCode::kPermissionDenied, ::testing::_));
}

TEST_F(DirectoryTest, InconsistentDirectoriesAreRefused) {
  auto refused = [this](v1::Directory d, const char* why) {
    EXPECT_THAT(VerifySignedDirectory(Signed(d), ca_->root(), t0_),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(why)))
        << why;
  };
  v1::Directory d = directory_;
  d.set_version(0);
  refused(d, "must be 1 or more");
  d = directory_;
  d.mutable_participants(0)->mutable_signing_keys(0)->set_key_id(gt_signing_);
  refused(d, "is not the public key's id");
  d = directory_;
  d.mutable_participants(0)->set_role(v1::PARTICIPANT_ROLE_HUB);
  refused(d, "role does not match");
  d = directory_;
  *d.add_participants() = d.participants(0);
  refused(d, "listed twice");
  d = directory_;
  d.mutable_participants(0)->set_id("node/FR");
  refused(d, "node/FR");
  d = directory_;
  d.mutable_participants(0)->mutable_signing_keys(0)->set_not_after_ms(0);
  refused(d, "empty validity");
  d = directory_;
  d.mutable_participants(0)->mutable_signing_keys(0)->set_public_key("short");
  refused(d, "32");
  d = directory_;
  d.add_revocations()->set_participant_id("node/HN");
  refused(d, "not listed");
  d = directory_;
  d.add_revocations()->set_key_id(Bytes(16, 'q'));
  refused(d, "not listed");
  d = directory_;
  d.add_revocations();
  refused(d, "names no participant");
  d = directory_;
  d.mutable_participants(0)->set_status(v1::PARTICIPANT_STATUS_UNSPECIFIED);
  refused(d, "active or suspended");
  d = directory_;
  d.mutable_participants(0)->set_display_name_es(std::string(kMaxDisplayNameSize + 1, 'x'));
  refused(d, "display names");
  d = directory_;
  d.add_countries("MX");
  refused(d, "twice");
}

TEST(KeyRetentionTest, SigningKeysGoAtTheirEndEncryptionKeysAfterRetention) {
  const absl::Time t0 = absl::FromUnixSeconds(1798761600);
  const absl::Duration retention = 30 * kDay;
  KeyValidity signing{KeyKind::kSigning, "sign", t0, t0 + 100 * kDay, absl::nullopt};
  KeyValidity encryption{KeyKind::kEncryption, "encr", t0, t0 + 100 * kDay, absl::nullopt};
  KeyValidity revoked{KeyKind::kEncryption, "revk", t0, t0 + 100 * kDay, t0 + 10 * kDay};
  EXPECT_EQ(DestroyableAt(signing, retention), t0 + 100 * kDay);
  EXPECT_EQ(DestroyableAt(encryption, retention), t0 + 130 * kDay);
  EXPECT_EQ(DestroyableAt(revoked, retention), t0 + 40 * kDay);
  const std::vector<KeyValidity> held = {signing, encryption, revoked};
  EXPECT_TRUE(PrivateKeysToDestroy(held, t0 + 39 * kDay, retention).empty());
  EXPECT_THAT(PrivateKeysToDestroy(held, t0 + 40 * kDay, retention), ElementsAre("revk"));
  EXPECT_THAT(PrivateKeysToDestroy(held, t0 + 100 * kDay, retention), ElementsAre("sign", "revk"));
  EXPECT_THAT(PrivateKeysToDestroy(held, t0 + 130 * kDay, retention),
              ElementsAre("sign", "encr", "revk"));
}

TEST_F(DirectoryTest, KeyInfoFeedsTheRetentionRule) {
  v1::Revocation r;
  r.set_key_id(mx_encryption_);
  Revoke(r, t0_ + kDay);
  Directory d = Verified();
  ASSERT_OK_AND_ASSIGN(KeyValidity info, d.KeyInfo(Id("node/MX"), mx_encryption_));
  EXPECT_EQ(info.kind, KeyKind::kEncryption);
  EXPECT_THAT(info.revoked_at, ::testing::Optional(t0_ + kDay));
  EXPECT_EQ(DestroyableAt(info, 30 * kDay), t0_ + 31 * kDay);
  ASSERT_OK_AND_ASSIGN(KeyValidity signing, d.KeyInfo(Id("node/MX"), mx_signing_));
  EXPECT_EQ(signing.kind, KeyKind::kSigning);
  EXPECT_THAT(d.KeyInfo(Id("node/MX"), gt_signing_),
              StatusIs(absl::StatusCode::kNotFound, ::testing::_));
}

}  // namespace
}  // namespace enlace
