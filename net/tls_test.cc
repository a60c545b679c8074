// Real mutual TLS on 127.0.0.1: the credentials of net/tls.h and the caller identity of
// net/peer.h. Refusals of bad peers are in tests/security/mtls_refusal_test.cc.
#include "net/tls.h"

#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "base/files.h"
#include "crypto/internal/openssl_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "identity/x509.h"
#include "net/peer.h"
#include "net/testing/echo_server.h"
#include "net/testing/test_pki.h"
#include "net/tls_policy.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace enlace {
namespace {

using ::enlace::testing::CallEcho;
using ::enlace::testing::EchoServer;
using ::enlace::testing::IsOkAndHolds;
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

using internal::BioPtr;
using internal::EvpPkeyPtr;
using internal::OpenSslDeleter;
using SslCtxPtr = std::unique_ptr<SSL_CTX, OpenSslDeleter<SSL_CTX, SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, OpenSslDeleter<SSL, SSL_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509, X509_free>>;

X509Ptr ReadX509(absl::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return X509Ptr(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

// A plain OpenSSL client (no gRPC) that connects to `address` as `client`, offering only
// `version` and `suites` in the order given, and returns the suite the server chose.
absl::StatusOr<std::string> NegotiatedSuite(const std::string& address, const TlsMaterial& client,
                                            int version, const std::string& suites) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (ctx == nullptr || SSL_CTX_set_min_proto_version(ctx.get(), version) != 1 ||
      SSL_CTX_set_max_proto_version(ctx.get(), version) != 1) {
    return internal::OpenSslError("client context");
  }
  const int set = version == TLS1_3_VERSION ? SSL_CTX_set_ciphersuites(ctx.get(), suites.c_str())
                                            : SSL_CTX_set_cipher_list(ctx.get(), suites.c_str());
  X509Ptr root = ReadX509(client.root_certificate_pem);
  X509Ptr cert = ReadX509(client.certificate_pem);
  BioPtr key_bio(BIO_new_mem_buf(client.private_key_pem.view().data(),
                                 static_cast<int>(client.private_key_pem.size())));
  EvpPkeyPtr key(key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr)
                         : nullptr);
  static const unsigned char kAlpnH2[] = {2, 'h', '2'};
  if (set != 1 || root == nullptr || cert == nullptr || key == nullptr ||
      X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx.get()), root.get()) != 1 ||
      SSL_CTX_use_certificate(ctx.get(), cert.get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1 ||
      SSL_CTX_set_alpn_protos(ctx.get(), kAlpnH2, sizeof(kAlpnH2)) != 0) {
    return internal::OpenSslError("client context");
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  SslPtr ssl(SSL_new(ctx.get()));
  BIO* connection = BIO_new_connect(address.c_str());
  if (ssl == nullptr || connection == nullptr) {
    BIO_free(connection);
    return internal::OpenSslError("client connection");
  }
  SSL_set_bio(ssl.get(), connection, connection);  // the SSL owns it now
  if (BIO_do_connect(connection) != 1 || SSL_connect(ssl.get()) != 1) {
    return internal::OpenSslError(absl::StrCat("handshake with ", address));
  }
  std::string chosen = SSL_CIPHER_get_name(SSL_get_current_cipher(ssl.get()));
  SSL_shutdown(ssl.get());
  return chosen;
}

std::string Reversed(absl::string_view suites) {
  std::vector<std::string> list = absl::StrSplit(suites, ':');
  std::reverse(list.begin(), list.end());
  return absl::StrJoin(list, ":");
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

// testssl.sh's cipher_order check: whatever order a client offers, the hub picks by its own
// (net/tls_policy.h). Without the policy OpenSSL follows the client's order, and both checks fail.
TEST_F(TlsTest, HubChoosesSuitesInItsOwnOrder) {
  std::unique_ptr<EchoServer> server = StartHub();
  ASSERT_OK_AND_ASSIGN(TlsMaterial mx, pki_->Issue("node/MX"));
  const std::vector<std::string> tls13 = absl::StrSplit(kTls13CipherSuites, ':');
  EXPECT_THAT(NegotiatedSuite(server->address(), mx, TLS1_3_VERSION, Reversed(kTls13CipherSuites)),
              IsOkAndHolds(tls13.front()));
  // TLS 1.2: the hub's key is ECDSA, so only the ECDSA suites can be chosen.
  std::vector<std::string> tls12;
  for (absl::string_view suite : absl::StrSplit(kTls12CipherSuites, ':')) {
    if (absl::StartsWith(suite, "ECDHE-ECDSA-")) tls12.emplace_back(suite);
  }
  ASSERT_GE(tls12.size(), 2u);
  EXPECT_THAT(
      NegotiatedSuite(server->address(), mx, TLS1_2_VERSION, Reversed(absl::StrJoin(tls12, ":"))),
      IsOkAndHolds(tls12.front()));
  // Control: the hub accepts the suites the client preferred when they are all it is offered,
  // so above it chose, rather than had to take, its first.
  EXPECT_THAT(NegotiatedSuite(server->address(), mx, TLS1_3_VERSION, tls13.back()),
              IsOkAndHolds(tls13.back()));
  EXPECT_THAT(NegotiatedSuite(server->address(), mx, TLS1_2_VERSION, tls12.back()),
              IsOkAndHolds(tls12.back()));
}

}  // namespace
}  // namespace enlace
