#include "net/peer_cache.h"

#include <grpc/grpc_security_constants.h>
#include <grpcpp/security/auth_context.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "identity/directory.h"
#include "net/peer.h"
#include "net/testing/test_pki.h"
#include "tests/testing/status_matchers.h"

namespace enlace {
namespace {

using ::enlace::testing::StatusIs;
using ::enlace::testing::TestPki;
using ::testing::HasSubstr;

// What gRPC's AuthContext shows a handler after a mutual-TLS handshake: the peer's certificate
// PEM (no network needed to test what AuthenticatePeer makes of it).
class PemAuthContext final : public grpc::AuthContext {
 public:
  explicit PemAuthContext(std::string pem) : pem_(std::move(pem)) {}
  bool IsPeerAuthenticated() const override { return true; }
  std::vector<grpc::string_ref> GetPeerIdentity() const override { return {}; }
  std::string GetPeerIdentityPropertyName() const override { return ""; }
  std::vector<grpc::string_ref> FindPropertyValues(const std::string& name) const override {
    if (name != GRPC_X509_PEM_CERT_PROPERTY_NAME) return {};
    return {grpc::string_ref(pem_)};
  }
  grpc::AuthPropertyIterator begin() const override { return NoProperties(); }
  grpc::AuthPropertyIterator end() const override { return NoProperties(); }
  void AddProperty(const std::string&, const grpc::string_ref&) override {}
  bool SetPeerIdentityPropertyName(const std::string&) override { return false; }

 private:
  struct NoProperties : grpc::AuthPropertyIterator {};
  std::string pem_;
};

class PeerCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(TestPki pki, TestPki::Create(now_));
    pki_ = std::make_unique<TestPki>(std::move(pki));
    for (const char* id : {"node/MX", "node/GT", "node/HN"}) {
      ASSERT_OK_AND_ASSIGN(TlsMaterial material, pki_->Issue(id));
      pems_.push_back(material.certificate_pem);
    }
  }

  // A directory listing node/MX with its certificate; `revoked` adds a revocation an hour ago.
  Directory MakeDirectory(bool revoked) {
    absl::StatusOr<Certificate> cert = Certificate::FromPem(pems_[0]);
    EXPECT_OK(cert.status());
    v1::Directory proto;
    proto.set_version(1);
    proto.set_issued_at_ms(absl::ToUnixMillis(now_));
    for (const char* c : {"MX", "GT", "HN"}) proto.add_countries(c);
    v1::DirectoryParticipant* p = proto.add_participants();
    p->set_id("node/MX");
    p->set_role(v1::PARTICIPANT_ROLE_NODE);
    p->set_status(v1::PARTICIPANT_STATUS_ACTIVE);
    v1::DirectoryCertificate* listed = p->add_tls_certificates();
    listed->set_sha256(cert->fingerprint());
    listed->set_not_before_ms(absl::ToUnixMillis(cert->not_before()));
    listed->set_not_after_ms(absl::ToUnixMillis(cert->not_after()));
    if (revoked) {
      v1::Revocation* revocation = proto.add_revocations();
      revocation->set_participant_id("node/MX");
      revocation->set_revoked_at_ms(absl::ToUnixMillis(now_ - absl::Hours(1)));
      revocation->set_reason("key compromise");
    }
    absl::StatusOr<Directory> directory = Directory::FromProto(proto);
    EXPECT_OK(directory.status());
    return *std::move(directory);
  }

  const absl::Time now_ = absl::Now();
  std::unique_ptr<TestPki> pki_;
  std::vector<std::string> pems_;
};

TEST_F(PeerCacheTest, HitReturnsTheCertificateParsedBefore) {
  PeerCertificateCache cache;
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const Certificate> first, cache.Parse(pems_[0]));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const Certificate> again, cache.Parse(pems_[0]));
  EXPECT_EQ(first.get(), again.get());
  EXPECT_EQ(cache.size(), 1u);
  ASSERT_OK_AND_ASSIGN(Certificate fresh, Certificate::FromPem(pems_[0]));
  EXPECT_EQ(first->fingerprint(), fresh.fingerprint());
  EXPECT_EQ(first->uri_names(), fresh.uri_names());
}

TEST_F(PeerCacheTest, AuthenticatePeerGivesTheSameCallerWithAndWithoutTheCache) {
  PeerCertificateCache cache;
  const PemAuthContext context(pems_[1]);
  ASSERT_OK_AND_ASSIGN(Caller uncached, AuthenticatePeer(context));
  for (int i = 0; i < 2; ++i) {  // a miss, then a hit
    ASSERT_OK_AND_ASSIGN(Caller cached, AuthenticatePeer(context, ParticipantRules(), &cache));
    EXPECT_EQ(cached.id.str(), "node/GT");
    EXPECT_EQ(cached.id.str(), uncached.id.str());
    EXPECT_EQ(cached.certificate_fingerprint, uncached.certificate_fingerprint);
  }
  EXPECT_EQ(cache.size(), 1u);
}

TEST_F(PeerCacheTest, UnreadableCertificateIsRefusedAndNotKept) {
  PeerCertificateCache cache;
  EXPECT_THAT(AuthenticatePeer(PemAuthContext("not a certificate"), ParticipantRules(), &cache),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("unreadable")));
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(PeerCacheTest, BoundedByCapacityDroppingTheOldest) {
  PeerCertificateCache cache(2);
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const Certificate> mx, cache.Parse(pems_[0]));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const Certificate> gt, cache.Parse(pems_[1]));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const Certificate> hn, cache.Parse(pems_[2]));
  EXPECT_EQ(cache.size(), 2u);
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const Certificate> gt_again, cache.Parse(pems_[1]));
  EXPECT_EQ(gt_again.get(), gt.get());  // kept
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const Certificate> mx_again, cache.Parse(pems_[0]));
  EXPECT_NE(mx_again.get(), mx.get());  // dropped, parsed again
  EXPECT_EQ(mx_again->fingerprint(), mx->fingerprint());
  EXPECT_EQ(cache.size(), 2u);
}

TEST_F(PeerCacheTest, RevokedCallerIsRefusedOnACachedCertificate) {
  PeerCertificateCache cache;
  const PemAuthContext context(pems_[0]);
  ASSERT_OK(AdmitCaller(context, MakeDirectory(/*revoked=*/false), now_, &cache).status());
  EXPECT_THAT(AdmitCaller(context, MakeDirectory(/*revoked=*/true), now_, &cache),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("revoked")));
  EXPECT_EQ(cache.size(), 1u);  // the refusal came with the certificate from the cache
}

TEST_F(PeerCacheTest, ExpiredCertificateIsRefusedOnACachedCertificate) {
  PeerCertificateCache cache;
  const PemAuthContext context(pems_[0]);
  const Directory directory = MakeDirectory(/*revoked=*/false);
  ASSERT_OK_AND_ASSIGN(Certificate cert, Certificate::FromPem(pems_[0]));
  ASSERT_OK(AdmitCaller(context, directory, now_, &cache).status());
  EXPECT_THAT(AdmitCaller(context, directory, cert.not_after() + absl::Seconds(1), &cache),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("not current")));
  EXPECT_THAT(AdmitCaller(context, directory, cert.not_before() - absl::Seconds(1), &cache),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("not current")));
  EXPECT_EQ(cache.size(), 1u);
}

TEST_F(PeerCacheTest, ConcurrentCallersGetTheRightCertificates) {
  PeerCertificateCache cache(2);  // three certificates: entries are dropped while others read
  ASSERT_OK_AND_ASSIGN(Certificate gt, Certificate::FromPem(pems_[1]));
  std::vector<std::thread> threads;
  std::vector<int> right(4, 0);
  for (size_t t = 0; t < right.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        absl::StatusOr<std::shared_ptr<const Certificate>> got = cache.Parse(pems_[1]);
        absl::StatusOr<std::shared_ptr<const Certificate>> other = cache.Parse(pems_[t % 3]);
        if (got.ok() && other.ok() && (*got)->fingerprint() == gt.fingerprint()) ++right[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_LE(cache.size(), 2u);
  for (int count : right) EXPECT_EQ(count, 50);
}

}  // namespace
}  // namespace enlace
