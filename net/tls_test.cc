// Real mutual TLS on 127.0.0.1: the credentials of net/tls.h and the caller identity of
// net/peer.h. Refusals of bad peers are in tests/security/mtls_refusal_test.cc.
#include "net/tls.h"

#include <cstdlib>
#include <string>

#include "absl/time/clock.h"
#include "base/files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "identity/x509.h"
#include "net/peer.h"
#include "net/testing/echo_server.h"
#include "net/testing/test_pki.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace enlace {
namespace {

using ::enlace::testing::CallEcho;
using ::enlace::testing::EchoServer;
using ::enlace::testing::StatusIs;
using ::enlace::testing::TestPki;
using ::testing::AllOf;
using ::testing::HasSubstr;

absl::StatusOr<std::string> CallerId(const grpc::AuthContext& context) {
  absl::StatusOr<Caller> caller = AuthenticatePeer(context);
  if (!caller.ok()) return caller.status();
  if (caller->certificate_fingerprint.size() != 32) {
    return absl::InternalError("fingerprint is not 32 bytes");
  }
  return caller->id.str();
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(TestPki pki, TestPki::Create(absl::Now()));
    pki_ = std::make_unique<TestPki>(std::move(pki));
    ASSERT_OK_AND_ASSIGN(hub_, pki_->Issue("hub"));
  }

  std::unique_ptr<EchoServer> StartHub() {
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
        MakeServerCredentials(hub_, absl::Now());
    EXPECT_OK(credentials.status());
    absl::StatusOr<std::unique_ptr<EchoServer>> server = EchoServer::Start(*credentials, CallerId);
    EXPECT_OK(server.status());
    return std::move(*server);
  }

  std::unique_ptr<TestPki> pki_;
  TlsMaterial hub_;
};

TEST_F(TlsTest, EnrolledParticipantsReachTheHubUnderTheirIds) {
  std::unique_ptr<EchoServer> server = StartHub();
  for (const char* id :
       {"node/MX", "node/GT", "admin/secretariat", "auditor/ana", "observer/IOM"}) {
    ASSERT_OK_AND_ASSIGN(TlsMaterial material, pki_->Issue(id));
    ASSERT_OK_AND_ASSIGN(auto credentials, MakeChannelCredentials(material, absl::Now()));
    ASSERT_OK_AND_ASSIGN(v1::EchoResponse response,
                         CallEcho(server->address(), credentials, HubChannelArguments(), "hola"));
    EXPECT_EQ(response.payload(), "hola");
    EXPECT_EQ(response.caller_id(), id);
  }
}

TEST_F(TlsTest, MaterialLoadsFromFilesWithEncryptedOrPrivateKeys) {
  ::enlace::testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(TlsMaterial node, pki_->Issue("node/MX"));
  ASSERT_OK_AND_ASSIGN(EcdsaP256PrivateKey key,
                       EcdsaP256PrivateKey::FromPkcs8Pem(node.private_key_pem));
  const SecretBytes passphrase(absl::string_view("a long enough passphrase"));
  KeyFileOptions cheap;
  cheap.scrypt_n = 1 << 10;
  ASSERT_OK(WriteFileAtomically(dir.Sub("root.pem"), node.root_certificate_pem));
  ASSERT_OK(WriteFileAtomically(dir.Sub("tls.pem"), node.certificate_pem));
  ASSERT_OK(
      WriteEcdsaP256KeyFile(dir.Sub("enc-key.pem"), key, passphrase, RandomSource::Real(), cheap));
  ASSERT_OK(WriteEcdsaP256KeyFile(dir.Sub("key.pem"), key, SecretBytes(), RandomSource::Real()));
  TlsFiles files{dir.Sub("root.pem"), dir.Sub("tls.pem"), dir.Sub("enc-key.pem"), passphrase};
  ASSERT_OK_AND_ASSIGN(TlsMaterial loaded, LoadTlsMaterial(files, absl::Now()));
  EXPECT_EQ(loaded.certificate_pem, node.certificate_pem);
  EXPECT_EQ(loaded.private_key_pem.view(), node.private_key_pem.view());
  files.private_key_path = dir.Sub("key.pem");
  files.passphrase = SecretBytes();
  ASSERT_OK(LoadTlsMaterial(files, absl::Now()).status());

  std::unique_ptr<EchoServer> server = StartHub();
  ASSERT_OK_AND_ASSIGN(auto credentials, MakeChannelCredentials(loaded, absl::Now()));
  ASSERT_OK_AND_ASSIGN(v1::EchoResponse response,
                       CallEcho(server->address(), credentials, HubChannelArguments(), "x"));
  EXPECT_EQ(response.caller_id(), "node/MX");

  files.private_key_path = dir.Sub("enc-key.pem");
  EXPECT_THAT(LoadTlsMaterial(files, absl::Now()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("passphrase is needed")));
  files.certificate_path = dir.Sub("missing.pem");
  EXPECT_THAT(LoadTlsMaterial(files, absl::Now()),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("missing.pem")));
  files = TlsFiles{dir.Sub("root.pem"), dir.Sub("tls.pem"), dir.Sub("key.pem"), SecretBytes()};
  EXPECT_THAT(LoadTlsMaterial(files, absl::Now() + absl::Hours(24 * 40)),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       AllOf(HasSubstr("tls.pem"), HasSubstr("expired"))));
}

TEST_F(TlsTest, CredentialsRefuseMaterialThatDoesNotFit) {
  ASSERT_OK_AND_ASSIGN(TlsMaterial node, pki_->Issue("node/MX"));
  EXPECT_THAT(MakeServerCredentials(node, absl::Now()),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("purpose")));
  EXPECT_THAT(MakeChannelCredentials(hub_, absl::Now()),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("purpose")));
  EXPECT_THAT(MakeChannelCredentials(node, absl::Now() + absl::Hours(24 * 31)),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("expired")));

  TlsMaterial mismatched = node;
  mismatched.private_key_pem = hub_.private_key_pem;
  EXPECT_THAT(MakeChannelCredentials(mismatched, absl::Now()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not belong")));
  TlsMaterial no_root = node;
  no_root.root_certificate_pem = "";
  EXPECT_THAT(MakeChannelCredentials(no_root, absl::Now()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("network root")));

  ASSERT_OK_AND_ASSIGN(TestPki other, TestPki::Create(absl::Now(), "Other"));
  TlsMaterial foreign_root = node;
  foreign_root.root_certificate_pem = other.root_pem();
  EXPECT_THAT(MakeChannelCredentials(foreign_root, absl::Now()),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("local issuer")));
}

TEST_F(TlsTest, NonAeadCipherSuiteOverrideIsRefused) {
  ASSERT_OK_AND_ASSIGN(TlsMaterial node, pki_->Issue("node/MX"));
  ASSERT_EQ(setenv("GRPC_SSL_CIPHER_SUITES", "ECDHE-ECDSA-AES128-GCM-SHA256:AES128-SHA", 1), 0);
  EXPECT_THAT(MakeChannelCredentials(node, absl::Now()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("AES128-SHA")));
  EXPECT_THAT(MakeServerCredentials(hub_, absl::Now()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("AES128-SHA")));
  ASSERT_EQ(setenv("GRPC_SSL_CIPHER_SUITES", "ECDHE-ECDSA-AES256-GCM-SHA384", 1), 0);
  EXPECT_OK(MakeChannelCredentials(node, absl::Now()).status());
  ASSERT_EQ(unsetenv("GRPC_SSL_CIPHER_SUITES"), 0);
}

TEST_F(TlsTest, InsecureCallsHaveNoParticipant) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EchoServer> server,
                       EchoServer::Start(grpc::InsecureServerCredentials(), CallerId));
  EXPECT_THAT(CallEcho(server->address(), grpc::InsecureChannelCredentials(),
                       grpc::ChannelArguments(), "x"),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("mutual TLS")));
}

}  // namespace
}  // namespace enlace
