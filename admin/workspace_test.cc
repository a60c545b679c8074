#include "admin/workspace.h"

#include <sys/stat.h>

#include <filesystem>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "base/env.h"
#include "base/files.h"
#include "crypto/key_files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "identity/directory.h"
#include "identity/x509.h"
#include "net/tls.h"
#include "nlohmann/json.hpp"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace enlace {
namespace {

using ::enlace::testing::StatusIs;
using ::enlace::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr absl::Duration kDay = absl::Hours(24);

class WorkspaceTest : public ::testing::Test {
 protected:
  WorkspaceTest() : clock_(absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()))) {
    env_.clock = &clock_;
    env_.random = &random_;
    cheap_.scrypt_n = 1 << 10;  // key files as in production, at a test's cost
  }

  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(ws_,
                         Workspace::Init(dir_.Sub("ws"), NetworkOptions(), ca_pass_, env_, cheap_));
  }

  ParticipantId Id(absl::string_view text) { return *ParticipantId::Parse(text); }

  BundleResult Enrol(absl::string_view id) {
    absl::StatusOr<BundleResult> r = ws_->Enrol(Id(id), EnrolOptions(), ca_pass_, bundle_pass_);
    EXPECT_OK(r.status());
    return r.ok() ? *r : BundleResult();
  }

  // Publishes and verifies the result the way a node does.
  std::shared_ptr<const Directory> Publish() {
    absl::StatusOr<PublishResult> published = ws_->PublishDirectory(ca_pass_);
    EXPECT_OK(published.status());
    if (!published.ok()) return nullptr;
    absl::StatusOr<Certificate> root =
        Certificate::FromPem(*ReadFile(ws_->RootCertificatePath(), 1 << 16));
    EXPECT_OK(root.status());
    absl::StatusOr<Directory> directory =
        VerifySignedDirectory(*ReadFile(published->current_path, 1 << 20), *root, clock_.Now());
    EXPECT_OK(directory.status());
    return directory.ok() ? std::make_shared<const Directory>(std::move(*directory)) : nullptr;
  }

  TempDir dir_;
  FakeClock clock_;
  DeterministicRandom random_{5};
  Env env_;
  KeyFileOptions cheap_;
  const SecretBytes ca_pass_{absl::string_view("operator passphrase 1")};
  const SecretBytes bundle_pass_{absl::string_view("bundle passphrase 22")};
  std::unique_ptr<Workspace> ws_;
};

TEST_F(WorkspaceTest, InitCreatesThePkiAndAnEmptyRegistry) {
  EXPECT_EQ(ws_->registry().version(), 0u);
  EXPECT_EQ(ws_->registry().network_name(), "CRM");
  EXPECT_THAT(ws_->registry().countries(), SizeIs(11));
  ASSERT_OK_AND_ASSIGN(std::string pem, ReadFile(ws_->RootCertificatePath(), 1 << 16));
  ASSERT_OK_AND_ASSIGN(Certificate root, Certificate::FromPem(pem));
  EXPECT_TRUE(root.is_ca());
  EXPECT_EQ(root.common_name(), "CRM root CA");
  // Private keys are encrypted and private.
  EXPECT_OK(CheckPrivateFile(dir_.Sub("ws/ca/root-key.pem")));
  EXPECT_OK(CheckPrivateFile(dir_.Sub("ws/ca/directory-signer-key.pem")));
  ASSERT_OK_AND_ASSIGN(std::string key, ReadFile(dir_.Sub("ws/ca/root-key.pem"), 1 << 16));
  EXPECT_THAT(key, HasSubstr("BEGIN ENCRYPTED PRIVATE KEY"));
  EXPECT_THAT(ReadEcdsaP256KeyFile(dir_.Sub("ws/ca/root-key.pem"),
                                   SecretBytes(absl::string_view("wrong passphrase!"))),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
}

TEST_F(WorkspaceTest, InitRefusesBadInput) {
  EXPECT_THAT(Workspace::Init(dir_.Sub("ws"), NetworkOptions(), ca_pass_, env_, cheap_),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("not empty")));
  EXPECT_THAT(Workspace::Init(dir_.Sub("w2"), NetworkOptions(),
                              SecretBytes(absl::string_view("short")), env_, cheap_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at least 12")));
  NetworkOptions bad_name;
  bad_name.network_name = "CRM/../x";
  EXPECT_THAT(Workspace::Init(dir_.Sub("w3"), bad_name, ca_pass_, env_, cheap_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("network name")));
  NetworkOptions bad_countries;
  bad_countries.rules.countries = {"MX", "Mexico"};
  EXPECT_THAT(Workspace::Init(dir_.Sub("w4"), bad_countries, ca_pass_, env_, cheap_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("Mexico")));
}

TEST_F(WorkspaceTest, OneProcessAtATime) {
  EXPECT_THAT(Workspace::Open(dir_.Sub("ws"), env_, cheap_),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("another enlace-admin")));
  ws_.reset();
  EXPECT_OK(Workspace::Open(dir_.Sub("ws"), env_, cheap_).status());
  EXPECT_THAT(Workspace::Open(dir_.Sub("nowhere"), env_, cheap_),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("init-network")));
}

TEST_F(WorkspaceTest, EnrolWritesABundleAndTheRegistryKeepsIt) {
  const BundleResult mx = Enrol("node/MX");
  const BundleResult hub = Enrol("hub");
  const BundleResult auditor = Enrol("auditor/ana");
  EXPECT_EQ(mx.signing_key_id.size(), kKeyIdSize);
  EXPECT_EQ(mx.encryption_key_id.size(), kKeyIdSize);
  // Neither the hub nor an auditor can ever be encrypted to.
  EXPECT_TRUE(hub.encryption_key_id.empty());
  EXPECT_TRUE(auditor.encryption_key_id.empty());

  const std::string bundle = ws_->BundlePath(Id("node/MX"));
  EXPECT_EQ(bundle, dir_.Sub("ws/bundles/node-MX"));
  for (const std::string& file :
       {std::string("tls-key.pem"), "signing-" + HexEncode(mx.signing_key_id) + ".pem",
        "encryption-" + HexEncode(mx.encryption_key_id) + ".pem"}) {
    EXPECT_OK(CheckPrivateFile(bundle + "/" + file)) << file;
  }
  ASSERT_OK_AND_ASSIGN(
      Ed25519PrivateKey signing,
      ReadEncryptedPrivateKeyFile<Ed25519PrivateKey>(
          bundle + "/signing-" + HexEncode(mx.signing_key_id) + ".pem", bundle_pass_));
  EXPECT_EQ(signing.public_key().KeyId(), mx.signing_key_id);
  ASSERT_OK_AND_ASSIGN(std::string manifest_text, ReadFile(bundle + "/bundle.json", 1 << 20));
  const nlohmann::json manifest = nlohmann::json::parse(manifest_text);
  EXPECT_EQ(manifest["participant_id"], "node/MX");
  EXPECT_EQ(manifest["tls_certificate_sha256"], HexEncode(mx.tls_certificate_sha256));
  EXPECT_EQ(manifest["signing_keys"][0]["key_id"], HexEncode(mx.signing_key_id));

  // The bundle is usable TLS material for its role.
  TlsFiles files{bundle + "/root.pem", bundle + "/tls.pem", bundle + "/tls-key.pem", bundle_pass_};
  ASSERT_OK(LoadTlsMaterial(files, clock_.Now()).status());
  const std::string hub_bundle = ws_->BundlePath(ParticipantId::Hub());
  TlsFiles hub_files{hub_bundle + "/root.pem", hub_bundle + "/tls.pem", hub_bundle + "/tls-key.pem",
                     bundle_pass_};
  ASSERT_OK_AND_ASSIGN(TlsMaterial hub_material, LoadTlsMaterial(hub_files, clock_.Now()));
  EXPECT_OK(MakeServerCredentials(hub_material, clock_.Now()).status());

  // The registry survives reopening.
  ws_.reset();
  ASSERT_OK_AND_ASSIGN(ws_, Workspace::Open(dir_.Sub("ws"), env_, cheap_));
  ASSERT_THAT(ws_->registry().participants(), SizeIs(3));
  const v1::DirectoryParticipant& p = ws_->registry().participants(0);
  EXPECT_EQ(p.id(), "node/MX");
  EXPECT_EQ(p.role(), v1::PARTICIPANT_ROLE_NODE);
  EXPECT_EQ(p.display_name_es(), "México");
  EXPECT_EQ(p.display_name_en(), "Mexico");
  EXPECT_EQ(p.tls_certificates(0).sha256(), mx.tls_certificate_sha256);
}

TEST_F(WorkspaceTest, EnrolRefusesDuplicatesBadPassphrasesAndBadNames) {
  Enrol("node/MX");
  EXPECT_THAT(ws_->Enrol(Id("node/MX"), EnrolOptions(), ca_pass_, bundle_pass_),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("already enrolled")));
  EXPECT_THAT(ws_->Enrol(Id("node/GT"), EnrolOptions(),
                         SecretBytes(absl::string_view("not the passphrase")), bundle_pass_),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
  EXPECT_THAT(
      ws_->Enrol(Id("node/GT"), EnrolOptions(), ca_pass_, SecretBytes(absl::string_view("short"))),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bundle passphrase")));
  EnrolOptions bad;
  bad.display_name_en = "\xff\xfe";
  EXPECT_THAT(ws_->Enrol(Id("node/GT"), bad, ca_pass_, bundle_pass_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("UTF-8")));
  EnrolOptions dns;
  dns.dns_names = {"gt.example.org"};
  EXPECT_THAT(ws_->Enrol(Id("node/GT"), dns, ca_pass_, bundle_pass_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("only for the hub")));
  // None of the failures left a trace.
  EXPECT_THAT(ws_->registry().participants(), SizeIs(1));
  EXPECT_FALSE(std::filesystem::exists(ws_->BundlePath(Id("node/GT"))));
}

TEST_F(WorkspaceTest, PublishedDirectoryVerifiesAndVersionsIncrease) {
  const BundleResult mx = Enrol("node/MX");
  std::shared_ptr<const Directory> v1 = Publish();
  ASSERT_NE(v1, nullptr);
  EXPECT_EQ(v1->version(), 1u);
  EXPECT_OK(v1->CheckCaller(Id("node/MX"), mx.tls_certificate_sha256, clock_.Now()));
  EXPECT_OK(v1->SigningKey(Id("node/MX"), mx.signing_key_id, clock_.Now()).status());

  ASSERT_OK_AND_ASSIGN(std::string root_pem, ReadFile(ws_->RootCertificatePath(), 1 << 16));
  DirectoryVerifier verifier(*Certificate::FromPem(root_pem));
  ASSERT_OK_AND_ASSIGN(std::string first, ReadFile(ws_->CurrentDirectoryPath(), 1 << 20));
  ASSERT_OK(verifier.Accept(first, clock_.Now()).status());
  Enrol("node/GT");
  std::shared_ptr<const Directory> v2 = Publish();
  ASSERT_NE(v2, nullptr);
  EXPECT_EQ(v2->version(), 2u);
  ASSERT_OK_AND_ASSIGN(std::string second, ReadFile(ws_->CurrentDirectoryPath(), 1 << 20));
  ASSERT_OK(verifier.Accept(second, clock_.Now()).status());
  EXPECT_THAT(verifier.Accept(first, clock_.Now()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("rollback")));
  EXPECT_TRUE(std::filesystem::exists(dir_.Sub("ws/directory/directory-000001.pb")));
  EXPECT_THAT(ws_->PublishDirectory(SecretBytes(absl::string_view("wrong passphrase!"))),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
  EXPECT_EQ(ws_->registry().version(), 2u);
}

TEST_F(WorkspaceTest, SuspendAndResume) {
  const BundleResult mx = Enrol("node/MX");
  ASSERT_OK(ws_->Suspend(Id("node/MX")));
  EXPECT_THAT(ws_->Suspend(Id("node/MX")),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("already suspended")));
  std::shared_ptr<const Directory> d = Publish();
  EXPECT_THAT(d->CheckCaller(Id("node/MX"), mx.tls_certificate_sha256, clock_.Now()),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("suspended")));
  ASSERT_OK(ws_->Resume(Id("node/MX")));
  EXPECT_THAT(ws_->Resume(Id("node/MX")),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not suspended")));
  d = Publish();
  EXPECT_OK(d->CheckCaller(Id("node/MX"), mx.tls_certificate_sha256, clock_.Now()));
  EXPECT_THAT(ws_->Suspend(Id("node/HN")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("not enrolled")));
}

TEST_F(WorkspaceTest, RevokeKeysCertificatesAndParticipants) {
  const BundleResult mx = Enrol("node/MX");
  const BundleResult gt = Enrol("node/GT");
  const absl::Time lost = clock_.Now() - absl::Minutes(30);
  clock_.Advance(absl::Hours(1));
  ASSERT_OK_AND_ASSIGN(v1::Revocation r,
                       ws_->Revoke(HexEncode(mx.signing_key_id), "laptop lost", lost));
  EXPECT_EQ(r.key_id(), mx.signing_key_id);
  ASSERT_OK(ws_->Revoke(HexEncode(mx.tls_certificate_sha256), "laptop lost", lost).status());
  ASSERT_OK(ws_->Revoke("node/GT", "left the network", absl::nullopt).status());
  std::shared_ptr<const Directory> d = Publish();
  EXPECT_OK(d->SigningKey(Id("node/MX"), mx.signing_key_id, lost - absl::Seconds(1)).status());
  EXPECT_THAT(d->SigningKey(Id("node/MX"), mx.signing_key_id, lost),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("revoked")));
  EXPECT_THAT(d->CheckCaller(Id("node/MX"), mx.tls_certificate_sha256, clock_.Now()),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("not current")));
  EXPECT_THAT(d->CheckCaller(Id("node/GT"), gt.tls_certificate_sha256, clock_.Now()),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("revoked")));

  EXPECT_THAT(ws_->Enrol(Id("node/GT"), EnrolOptions(), ca_pass_, bundle_pass_),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("revoked")));
  EXPECT_THAT(ws_->Revoke("node/GT", "again", absl::nullopt),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("already revoked")));
  EXPECT_THAT(ws_->Revoke(HexEncode(mx.signing_key_id), "again", absl::nullopt),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("already revoked")));
  EXPECT_THAT(ws_->Revoke(std::string(32, 'a'), "unknown", absl::nullopt),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no key")));
  EXPECT_THAT(ws_->Revoke("node/FR", "x", absl::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("neither a participant id")));
  EXPECT_THAT(ws_->Revoke("node/MX", "", absl::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("needs a reason")));
  EXPECT_THAT(ws_->Revoke("node/MX", "later", clock_.Now() + kDay),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("in the future")));
  EXPECT_THAT(ws_->Rotate(Id("node/GT"), RotateOptions(), ca_pass_, bundle_pass_),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("revoked")));
}

TEST_F(WorkspaceTest, RotationOverlapsThenTheOldKeysEnd) {
  const BundleResult old = Enrol("node/MX");
  clock_.Advance(10 * kDay);
  RotateOptions options;
  options.overlap = 7 * kDay;
  options.tls = true;
  ASSERT_OK_AND_ASSIGN(BundleResult fresh,
                       ws_->Rotate(Id("node/MX"), options, ca_pass_, bundle_pass_));
  EXPECT_NE(fresh.signing_key_id, old.signing_key_id);
  EXPECT_NE(fresh.tls_certificate_sha256, old.tls_certificate_sha256);
  std::shared_ptr<const Directory> d = Publish();
  const absl::Time during = clock_.Now() + kDay;
  const absl::Time after = clock_.Now() + 7 * kDay;
  ASSERT_OK_AND_ASSIGN(auto keys, d->EncryptionKeys(Id("node/MX"), during));
  ASSERT_THAT(keys, SizeIs(2));
  EXPECT_EQ(keys[0].key.KeyId(), fresh.encryption_key_id);  // senders use the newest
  EXPECT_OK(d->SigningKey(Id("node/MX"), old.signing_key_id, during).status());
  EXPECT_THAT(d->SigningKey(Id("node/MX"), old.signing_key_id, after),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("not valid")));
  EXPECT_OK(d->SigningKey(Id("node/MX"), fresh.signing_key_id, after).status());
  EXPECT_OK(d->CheckCaller(Id("node/MX"), old.tls_certificate_sha256, during));
  EXPECT_THAT(d->CheckCaller(Id("node/MX"), old.tls_certificate_sha256, after),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("not current")));
  EXPECT_OK(d->CheckCaller(Id("node/MX"), fresh.tls_certificate_sha256, after));

  // The bundle holds both generations: the node keeps old decryption keys until retention ends.
  const std::string bundle = ws_->BundlePath(Id("node/MX"));
  EXPECT_TRUE(
      std::filesystem::exists(bundle + "/encryption-" + HexEncode(old.encryption_key_id) + ".pem"));
  EXPECT_TRUE(std::filesystem::exists(
      bundle + "/tls-" + HexEncode(old.tls_certificate_sha256).substr(0, 16) + ".pem"));
  ASSERT_OK_AND_ASSIGN(std::string manifest_text, ReadFile(bundle + "/bundle.json", 1 << 20));
  const nlohmann::json manifest = nlohmann::json::parse(manifest_text);
  EXPECT_THAT(manifest["encryption_keys"], SizeIs(2));
  EXPECT_EQ(manifest["tls_certificate_sha256"], HexEncode(fresh.tls_certificate_sha256));
}

TEST_F(WorkspaceTest, LongEndedKeysLeaveTheRegistryWithTheirRevocations) {
  const BundleResult first = Enrol("node/MX");
  ASSERT_OK(ws_->Revoke(HexEncode(first.encryption_key_id), "compromised", absl::nullopt).status());
  ASSERT_OK(ws_->Rotate(Id("node/MX"), RotateOptions(), ca_pass_, bundle_pass_).status());
  clock_.Advance(kPruneAfter + 30 * kDay);
  ASSERT_OK(ws_->Rotate(Id("node/MX"), RotateOptions(), ca_pass_, bundle_pass_).status());
  const v1::DirectoryParticipant& p = ws_->registry().participants(0);
  for (const v1::DirectoryKey& key : p.encryption_keys()) {
    EXPECT_NE(key.key_id(), first.encryption_key_id);
  }
  EXPECT_THAT(p.signing_keys(), SizeIs(2));
  EXPECT_THAT(ws_->registry().revocations(), SizeIs(0));
  EXPECT_NE(Publish(), nullptr);  // still a consistent directory
}

// The PEM certificate in `path`.
Certificate ReadCert(const std::string& path) {
  absl::StatusOr<Certificate> cert = Certificate::FromPem(*ReadFile(path, 1 << 16));
  EXPECT_OK(cert.status());
  return *cert;
}

TEST_F(WorkspaceTest, CrlListsRevokedCertificatesAndCertificatesNameItsUrl) {
  const std::string url = "http://pki.crm.example/crm.crl";
  NetworkOptions options;
  options.crl_url = url;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Workspace> ws,
                       Workspace::Init(dir_.Sub("crl-ws"), options, ca_pass_, env_, cheap_));
  ws_ = std::move(ws);
  EXPECT_EQ(ws_->crl_url(), url);
  Enrol("hub");
  Enrol("node/MX");
  Enrol("node/GT");
  const BundleResult hn = Enrol("node/HN");
  const Certificate root = ReadCert(ws_->RootCertificatePath());
  const Certificate hub = ReadCert(ws_->BundlePath(Id("hub")) + "/tls.pem");
  const Certificate mx = ReadCert(ws_->BundlePath(Id("node/MX")) + "/tls.pem");
  const Certificate gt = ReadCert(ws_->BundlePath(Id("node/GT")) + "/tls.pem");
  const Certificate hn_cert = ReadCert(ws_->BundlePath(Id("node/HN")) + "/tls.pem");
  EXPECT_THAT(hub.crl_urls(), ::testing::ElementsAre(url));
  EXPECT_THAT(ReadCert(dir_.Sub("crl-ws/ca/directory-signer.pem")).crl_urls(),
              ::testing::ElementsAre(url));

  ASSERT_OK_AND_ASSIGN(CrlResult first, ws_->IssueCrl(ca_pass_));
  EXPECT_EQ(first.number, 1u);
  EXPECT_EQ(first.revoked_count, 0u);

  // MX leaves the network (all its certificates); one of HN's certificates is revoked after HN
  // rotated to a new one.
  clock_.Advance(absl::Hours(1));
  ASSERT_OK(ws_->Revoke("node/MX", "left the network", absl::nullopt).status());
  RotateOptions rotate;
  rotate.tls = true;
  ASSERT_OK(ws_->Rotate(Id("node/HN"), rotate, ca_pass_, bundle_pass_).status());
  const Certificate hn_new = ReadCert(ws_->BundlePath(Id("node/HN")) + "/tls.pem");
  ASSERT_OK(ws_->Revoke(HexEncode(hn.tls_certificate_sha256), "key lost", absl::nullopt).status());
  clock_.Advance(absl::Hours(1));
  ASSERT_OK_AND_ASSIGN(CrlResult second, ws_->IssueCrl(ca_pass_, 7 * kDay));
  EXPECT_EQ(second.number, 2u);
  EXPECT_EQ(second.revoked_count, 2u);
  EXPECT_EQ(second.next_update, clock_.Now() + 7 * kDay);
  ASSERT_OK_AND_ASSIGN(std::string der, ReadFile(second.current_path, 1 << 20));
  EXPECT_EQ(*ReadFile(second.path, 1 << 20), der);
  ASSERT_OK_AND_ASSIGN(CertificateRevocationList crl, CertificateRevocationList::FromDer(der));
  EXPECT_EQ(crl.number(), 2u);
  ASSERT_OK(VerifyCrl(crl, root, clock_.Now()));
  const absl::Time at = clock_.Now();
  for (const Certificate* revoked : {&mx, &hn_cert}) {
    EXPECT_THAT(VerifyCertificate(*revoked, root, at, CertificatePurpose::kTlsClient, &crl),
                StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("certificate revoked")));
  }
  EXPECT_OK(VerifyCertificate(gt, root, at, CertificatePurpose::kTlsClient, &crl));
  EXPECT_OK(VerifyCertificate(hn_new, root, at, CertificatePurpose::kTlsClient, &crl));
  EXPECT_OK(VerifyCertificate(hub, root, at, CertificatePurpose::kTlsServer, &crl));

  // The number survives reopening the workspace.
  ws_.reset();
  ASSERT_OK_AND_ASSIGN(ws_, Workspace::Open(dir_.Sub("crl-ws"), env_, cheap_));
  EXPECT_EQ(ws_->crl_url(), url);
  ASSERT_OK_AND_ASSIGN(CrlResult third, ws_->IssueCrl(ca_pass_));
  EXPECT_EQ(third.number, 3u);
  EXPECT_EQ(third.revoked_count, 2u);
}

TEST_F(WorkspaceTest, WithoutCrlUrlCertificatesHaveNoDistributionPoint) {
  EXPECT_EQ(ws_->crl_url(), "");
  Enrol("node/MX");
  EXPECT_TRUE(ReadCert(ws_->BundlePath(Id("node/MX")) + "/tls.pem").crl_urls().empty());
  ASSERT_OK_AND_ASSIGN(CrlResult crl, ws_->IssueCrl(ca_pass_));  // still available
  EXPECT_EQ(crl.number, 1u);
  EXPECT_THAT(ws_->IssueCrl(SecretBytes(absl::string_view("wrong passphrase 1"))).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
  EXPECT_THAT(ws_->IssueCrl(ca_pass_, absl::Hours(1)).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at least one day")));
  NetworkOptions options;
  options.crl_url = "https://pki.crm.example/crm.crl";
  EXPECT_THAT(Workspace::Init(dir_.Sub("bad"), options, ca_pass_, env_, cheap_).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("http://")));
}

}  // namespace
}  // namespace enlace
