#include "identity/x509.h"

#include <sys/stat.h>

#include <string>

#include "absl/time/time.h"
#include "base/env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "identity/participant.h"
#include "identity/pki.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace enlace {
namespace {

using ::enlace::testing::IsOkAndHolds;
using ::enlace::testing::StatusIs;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Property;

class X509Test : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(
        CertificateAuthority ca,
        CertificateAuthority::Create("Test", start_, start_ + absl::Hours(24 * 365), &random_));
    ca_ = std::make_unique<CertificateAuthority>(std::move(ca));
  }

  // A fresh P-256 key and a certificate for it from `ca`.
  absl::StatusOr<Certificate> IssueFor(const CertificateAuthority& ca,
                                       const CertificateProfile& profile) {
    absl::StatusOr<EcdsaP256PrivateKey> key = EcdsaP256PrivateKey::Generate();
    if (!key.ok()) return key.status();
    absl::StatusOr<Bytes> spki = key->PublicSpkiDer();
    if (!spki.ok()) return spki.status();
    return ca.Issue(profile, *spki, &random_);
  }

  CertificateProfile NodeProfile() {
    absl::StatusOr<CertificateProfile> profile = TlsCertificateProfile(
        *ParticipantId::Parse("node/MX"), start_, start_ + absl::Hours(24 * 30));
    EXPECT_OK(profile.status());
    return *profile;
  }

  const absl::Time start_ = absl::FromUnixSeconds(1798761600);  // 2027-01-01
  DeterministicRandom random_{7};
  std::unique_ptr<CertificateAuthority> ca_;
};

TEST_F(X509Test, RootIsASelfSignedCa) {
  const Certificate& root = ca_->root();
  EXPECT_TRUE(root.is_ca());
  EXPECT_EQ(root.common_name(), "Test root CA");
  EXPECT_EQ(root.not_before(), start_);
  EXPECT_EQ(root.fingerprint().size(), 32u);
  ASSERT_OK_AND_ASSIGN(Certificate again, Certificate::FromPem(root.Pem()));
  EXPECT_EQ(again.der(), root.der());
  ASSERT_OK_AND_ASSIGN(Certificate from_der, Certificate::FromDer(root.der()));
  EXPECT_EQ(from_der.fingerprint(), root.fingerprint());
}

TEST_F(X509Test, RootRoundTripsThroughItsParts) {
  ASSERT_OK_AND_ASSIGN(SecretBytes pem, ca_->key().ToPkcs8Pem());
  ASSERT_OK_AND_ASSIGN(EcdsaP256PrivateKey key, EcdsaP256PrivateKey::FromPkcs8Pem(pem));
  EXPECT_OK(CertificateAuthority::FromParts(ca_->root(), std::move(key)).status());

  ASSERT_OK_AND_ASSIGN(EcdsaP256PrivateKey other, EcdsaP256PrivateKey::Generate());
  EXPECT_THAT(CertificateAuthority::FromParts(ca_->root(), std::move(other)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not belong")));
  ASSERT_OK_AND_ASSIGN(Certificate leaf, IssueFor(*ca_, NodeProfile()));
  ASSERT_OK_AND_ASSIGN(EcdsaP256PrivateKey key2, EcdsaP256PrivateKey::FromPkcs8Pem(pem));
  EXPECT_THAT(CertificateAuthority::FromParts(leaf, std::move(key2)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a self-issued CA")));
}

TEST_F(X509Test, ParticipantCertificateCarriesTheIdAndVerifiesForItsPurpose) {
  ASSERT_OK_AND_ASSIGN(Certificate cert, IssueFor(*ca_, NodeProfile()));
  EXPECT_FALSE(cert.is_ca());
  EXPECT_THAT(cert.uri_names(), ElementsAre("urn:enlace:node/MX"));
  EXPECT_EQ(cert.common_name(), "node/MX");
  EXPECT_THAT(ParticipantFromCertificate(cert, ParticipantRules()),
              IsOkAndHolds(Property(&ParticipantId::str, "node/MX")));
  const absl::Time during = start_ + absl::Hours(1);
  EXPECT_OK(VerifyCertificate(cert, ca_->root(), during, CertificatePurpose::kTlsClient));
  EXPECT_THAT(
      VerifyCertificate(cert, ca_->root(), during, CertificatePurpose::kTlsServer),
      StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("unsuitable certificate purpose")));
}

TEST_F(X509Test, HubCertificateIsForServersAndMayHaveDnsNames) {
  ASSERT_OK_AND_ASSIGN(CertificateProfile profile,
                       TlsCertificateProfile(ParticipantId::Hub(), start_, start_ + absl::Hours(24),
                                             {"hub.example.org"}));
  ASSERT_OK_AND_ASSIGN(Certificate cert, IssueFor(*ca_, profile));
  EXPECT_THAT(cert.dns_names(), ElementsAre("hub", "hub.example.org"));
  EXPECT_OK(VerifyCertificate(cert, ca_->root(), start_, CertificatePurpose::kTlsServer));
  EXPECT_THAT(TlsCertificateProfile(*ParticipantId::Parse("node/GT"), start_,
                                    start_ + absl::Hours(1), {"gt.example.org"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("only for the hub")));
}

TEST_F(X509Test, ValidityIsCheckedAtTheGivenTime) {
  ASSERT_OK_AND_ASSIGN(Certificate cert, IssueFor(*ca_, NodeProfile()));
  EXPECT_THAT(VerifyCertificate(cert, ca_->root(), start_ - absl::Seconds(1),
                                CertificatePurpose::kTlsClient),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("not yet valid")));
  EXPECT_THAT(VerifyCertificate(cert, ca_->root(), start_ + absl::Hours(24 * 31),
                                CertificatePurpose::kTlsClient),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("expired")));
}

TEST_F(X509Test, ForeignRootIsRefused) {
  ASSERT_OK_AND_ASSIGN(
      CertificateAuthority foreign,
      CertificateAuthority::Create("Foreign", start_, start_ + absl::Hours(24 * 365), &random_));
  ASSERT_OK_AND_ASSIGN(Certificate cert, IssueFor(foreign, NodeProfile()));
  EXPECT_THAT(VerifyCertificate(cert, ca_->root(), start_, CertificatePurpose::kTlsClient),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       ::testing::AllOf(HasSubstr("urn:enlace:node/MX"),
                                        HasSubstr("unable to get local issuer"))));
  EXPECT_THAT(
      VerifyCertificate(foreign.root(), ca_->root(), start_, CertificatePurpose::kTlsClient),
      StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("CA certificate")));
}

TEST_F(X509Test, IssuingRefusesBadProfiles) {
  ASSERT_OK_AND_ASSIGN(EcdsaP256PrivateKey key, EcdsaP256PrivateKey::Generate());
  ASSERT_OK_AND_ASSIGN(Bytes spki, key.PublicSpkiDer());
  CertificateProfile profile = NodeProfile();
  profile.not_after = profile.not_before;
  EXPECT_THAT(ca_->Issue(profile, spki, &random_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty validity")));
  profile = NodeProfile();
  profile.not_after = ca_->root().not_after() + absl::Seconds(1);
  EXPECT_THAT(ca_->Issue(profile, spki, &random_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("within the root's")));
  profile = NodeProfile();
  profile.uri_names = {"urn:enlace:node/MX, URI:urn:enlace:hub"};
  EXPECT_THAT(ca_->Issue(profile, spki, &random_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("without spaces")));
  profile.uri_names.clear();
  EXPECT_THAT(ca_->Issue(profile, spki, &random_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at least one URI")));
  EXPECT_THAT(ca_->Issue(NodeProfile(), "not a key", &random_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("SubjectPublicKeyInfo")));
}

TEST_F(X509Test, ParticipantUriMustBeExactlyOne) {
  CertificateProfile profile = NodeProfile();
  profile.uri_names = {"urn:enlace:node/MX", "urn:enlace:node/GT"};
  ASSERT_OK_AND_ASSIGN(Certificate two, IssueFor(*ca_, profile));
  EXPECT_THAT(
      ParticipantFromCertificate(two, ParticipantRules()),
      StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("exactly one participant URI")));
  profile.uri_names.clear();
  profile.dns_names = {"mx.example.org"};
  ASSERT_OK_AND_ASSIGN(Certificate none, IssueFor(*ca_, profile));
  EXPECT_THAT(ParticipantFromCertificate(none, ParticipantRules()),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("carries 0")));
  profile.uri_names = {"urn:enlace:node/FR"};
  ASSERT_OK_AND_ASSIGN(Certificate foreign_country, IssueFor(*ca_, profile));
  EXPECT_THAT(ParticipantFromCertificate(foreign_country, ParticipantRules()),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("not a participant")));
}

TEST_F(X509Test, KeyFilesRoundTripEncryptedOrPrivate) {
  ::enlace::testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(EcdsaP256PrivateKey key, EcdsaP256PrivateKey::Generate());
  ASSERT_OK_AND_ASSIGN(Bytes spki, key.PublicSpkiDer());
  const SecretBytes passphrase(absl::string_view("correct horse battery"));
  KeyFileOptions cheap;
  cheap.scrypt_n = 1 << 10;
  ASSERT_OK(WriteEcdsaP256KeyFile(dir.Sub("enc.pem"), key, passphrase, &random_, cheap));
  ASSERT_OK(WriteEcdsaP256KeyFile(dir.Sub("plain.pem"), key, SecretBytes(), &random_, cheap));
  ASSERT_OK_AND_ASSIGN(EcdsaP256PrivateKey enc,
                       ReadEcdsaP256KeyFile(dir.Sub("enc.pem"), passphrase));
  EXPECT_THAT(enc.PublicSpkiDer(), IsOkAndHolds(spki));
  ASSERT_OK_AND_ASSIGN(EcdsaP256PrivateKey plain, ReadEcdsaP256KeyFile(dir.Sub("plain.pem"), {}));
  EXPECT_THAT(plain.PublicSpkiDer(), IsOkAndHolds(spki));
  EXPECT_THAT(ReadEcdsaP256KeyFile(dir.Sub("enc.pem"), SecretBytes()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("passphrase is needed")));
  EXPECT_THAT(ReadEcdsaP256KeyFile(dir.Sub("enc.pem"), SecretBytes(absl::string_view("wrong"))),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("enc.pem")));
  ASSERT_EQ(chmod(dir.Sub("plain.pem").c_str(), 0644), 0);
  EXPECT_THAT(ReadEcdsaP256KeyFile(dir.Sub("plain.pem"), {}),
              StatusIs(absl::StatusCode::kPermissionDenied, ::testing::_));
}

TEST_F(X509Test, ParsersRefuseGarbage) {
  EXPECT_THAT(Certificate::FromDer(""), StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
  EXPECT_THAT(Certificate::FromDer("\x30\x03\x02\x01\x01"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a DER")));
  EXPECT_THAT(Certificate::FromDer(ca_->root().der() + "x"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("trailing bytes")));
  EXPECT_THAT(Certificate::FromPem("hello"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no certificate")));
  std::string damaged = ca_->root().Pem();
  damaged[30] = damaged[30] == 'A' ? 'B' : 'A';
  EXPECT_THAT(Certificate::FromPem(damaged),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
  EXPECT_THAT(Certificate::FromPem(ca_->root().Pem() + ca_->root().Pem()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("found 2")));
  EXPECT_THAT(Certificate::FromPem(std::string(kMaxCertificateInputSize + 1, 'x')),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("larger than")));
  EXPECT_THAT(EcdsaP256PrivateKey::FromPkcs8Pem(SecretBytes(absl::string_view("nope"))),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("PKCS#8")));
}

TEST_F(X509Test, CrlDistributionPointIsWrittenOnlyWhenConfigured) {
  ASSERT_OK_AND_ASSIGN(Certificate plain, IssueFor(*ca_, NodeProfile()));
  EXPECT_TRUE(plain.crl_urls().empty());
  CertificateProfile profile = NodeProfile();
  profile.crl_url = "http://pki.example.org/crm.crl";
  ASSERT_OK_AND_ASSIGN(Certificate cert, IssueFor(*ca_, profile));
  EXPECT_THAT(cert.crl_urls(), ElementsAre("http://pki.example.org/crm.crl"));
  // Parsed back from its DER, as other software sees it.
  ASSERT_OK_AND_ASSIGN(Certificate parsed, Certificate::FromDer(cert.der()));
  EXPECT_THAT(parsed.crl_urls(), ElementsAre("http://pki.example.org/crm.crl"));
  EXPECT_OK(VerifyCertificate(cert, ca_->root(), start_ + absl::Hours(1),
                              CertificatePurpose::kTlsClient));
  for (const char* bad : {"https://pki.example.org/crl", "ftp://x/crl", "http://", "http://a b",
                          "pki.example.org/crl"}) {
    profile.crl_url = bad;
    EXPECT_THAT(IssueFor(*ca_, profile), StatusIs(absl::StatusCode::kInvalidArgument, _)) << bad;
  }
}

TEST_F(X509Test, CrlListsRevokedSerialsAndVerifiesUnderTheRoot) {
  ASSERT_OK_AND_ASSIGN(Certificate revoked, IssueFor(*ca_, NodeProfile()));
  ASSERT_OK_AND_ASSIGN(Certificate kept, IssueFor(*ca_, NodeProfile()));
  ASSERT_EQ(revoked.serial().size(), 16u);
  ASSERT_NE(revoked.serial(), kept.serial());
  const absl::Time revoked_at = start_ + absl::Hours(2);
  const absl::Time issued = start_ + absl::Hours(3);
  ASSERT_OK_AND_ASSIGN(
      CertificateRevocationList crl,
      ca_->IssueCrl({{revoked.serial(), revoked_at}}, 7, issued, issued + absl::Hours(24 * 7)));
  EXPECT_EQ(crl.number(), 7u);
  EXPECT_EQ(crl.this_update(), issued);
  EXPECT_EQ(crl.next_update(), issued + absl::Hours(24 * 7));
  ASSERT_EQ(crl.revoked().size(), 1u);
  EXPECT_EQ(crl.revoked()[0].serial, revoked.serial());
  EXPECT_EQ(crl.revoked()[0].revoked_at, revoked_at);
  ASSERT_OK_AND_ASSIGN(CertificateRevocationList parsed,
                       CertificateRevocationList::FromDer(crl.der()));
  EXPECT_EQ(parsed.der(), crl.der());
  EXPECT_THAT(crl.Pem(), HasSubstr("-----BEGIN X509 CRL-----\n"));

  // As `openssl verify -crl_check`: the CRL is checked under the root, then consulted.
  const absl::Time at = issued + absl::Hours(1);
  EXPECT_OK(VerifyCertificate(kept, ca_->root(), at, CertificatePurpose::kTlsClient, &crl));
  EXPECT_THAT(VerifyCertificate(revoked, ca_->root(), at, CertificatePurpose::kTlsClient, &crl),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("certificate revoked")));
  // Control: without the CRL the same certificate passes.
  EXPECT_OK(VerifyCertificate(revoked, ca_->root(), at, CertificatePurpose::kTlsClient));
  // An out-of-date CRL is refused rather than trusted.
  EXPECT_THAT(VerifyCertificate(kept, ca_->root(), issued + absl::Hours(24 * 8),
                                CertificatePurpose::kTlsClient, &crl),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("CRL has expired")));
}

TEST_F(X509Test, CrlFromAnotherRootOrTamperedIsRefused) {
  ASSERT_OK_AND_ASSIGN(Certificate cert, IssueFor(*ca_, NodeProfile()));
  ASSERT_OK_AND_ASSIGN(
      CertificateAuthority other,
      CertificateAuthority::Create("Test", start_, start_ + absl::Hours(24 * 365), &random_));
  const absl::Time at = start_ + absl::Hours(2);
  ASSERT_OK_AND_ASSIGN(CertificateRevocationList foreign,
                       other.IssueCrl({}, 1, start_, start_ + absl::Hours(24)));
  EXPECT_THAT(VerifyCertificate(cert, ca_->root(), at, CertificatePurpose::kTlsClient, &foreign),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("CRL")));
  ASSERT_OK_AND_ASSIGN(CertificateRevocationList crl,
                       ca_->IssueCrl({}, 1, start_, start_ + absl::Hours(24)));
  EXPECT_OK(VerifyCertificate(cert, ca_->root(), at, CertificatePurpose::kTlsClient, &crl));
  Bytes tampered = crl.der();
  tampered[tampered.size() - 5] ^= 1;  // inside the signature
  ASSERT_OK_AND_ASSIGN(CertificateRevocationList bad, CertificateRevocationList::FromDer(tampered));
  EXPECT_THAT(VerifyCertificate(cert, ca_->root(), at, CertificatePurpose::kTlsClient, &bad),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("CRL signature failure")));
  EXPECT_OK(VerifyCrl(crl, ca_->root(), at));
  EXPECT_THAT(VerifyCrl(bad, ca_->root(), at),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("signature")));
  EXPECT_THAT(VerifyCrl(foreign, ca_->root(), at),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("signature")));
  EXPECT_THAT(VerifyCrl(crl, ca_->root(), start_ + absl::Hours(24)),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("valid from")));
  EXPECT_THAT(ca_->IssueCrl({}, 2, start_, start_),
              StatusIs(absl::StatusCode::kInvalidArgument, _));
  EXPECT_THAT(ca_->IssueCrl({{Bytes(21, '\x01'), start_}}, 2, start_, start_ + absl::Hours(1)),
              StatusIs(absl::StatusCode::kInvalidArgument, _));
  EXPECT_THAT(CertificateRevocationList::FromDer("not a crl"),
              StatusIs(absl::StatusCode::kInvalidArgument, _));
  EXPECT_THAT(CertificateRevocationList::FromDer(crl.der() + "x"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("trailing")));
}

}  // namespace
}  // namespace enlace
