// Every way a peer can fail to be a participant, tried against a real hub-side server on
// 127.0.0.1 (net/tls.h credentials, net/peer.h AdmitCaller against a directory), each with a
// control that succeeds, so a refusal means what it says.
//
// Refused in the TLS handshake (the client sees UNAVAILABLE with the TLS alert): a foreign CA, a
// self-signed certificate, an expired or not yet valid certificate, no client certificate, a
// server that is not the hub, TLS 1.1, non-AEAD suites. Refused per call (the handshake has no
// directory): revoked, suspended, unknown participant or certificate (PERMISSION_DENIED), no or
// two participant URIs (UNAUTHENTICATED).
#include <grpc/support/log.h>
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "base/files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "identity/directory.h"
#include "identity/pki.h"
#include "net/peer.h"
#include "net/testing/echo_server.h"
#include "net/testing/test_pki.h"
#include "net/tls.h"
#include "tests/security/attack_support.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace enlace {
namespace {

using ::enlace::security_testing::RawClientCredentials;
using ::enlace::testing::CallEcho;
using ::enlace::testing::EchoServer;
using ::enlace::testing::StatusIs;
using ::enlace::testing::TempDir;
using ::enlace::testing::TestPki;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr absl::Duration kDay = absl::Hours(24);

// gRPC's own log lines (the server's record of why a handshake failed), kept for assertions.
// gRPC logs from its threads through one process-wide hook, hence the global.
ABSL_CONST_INIT absl::Mutex g_log_mu(absl::kConstInit);
std::string* g_grpc_log ABSL_GUARDED_BY(g_log_mu) = nullptr;

void CaptureGrpcLog(gpr_log_func_args* args) {
  absl::MutexLock lock(&g_log_mu);
  if (g_grpc_log != nullptr) absl::StrAppend(g_grpc_log, args->message, "\n");
}

// Waits (up to 10 s, for the server thread to finish its handshake) until gRPC has logged a line
// containing `text`; returns the whole log either way.
std::string AwaitGrpcLog(absl::string_view text) {
  absl::MutexLock lock(&g_log_mu);
  auto logged = [&text]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(g_log_mu) {
    return absl::StrContains(*g_grpc_log, text);
  };
  g_log_mu.AwaitWithTimeout(absl::Condition(&logged), absl::Seconds(10));
  return *g_grpc_log;
}

// Runs `command` through the shell; returns its exit status and output (stdout and stderr).
struct CommandResult {
  int exit_code;
  std::string output;
};
CommandResult RunCommand(const std::string& command) {
  CommandResult result{-1, ""};
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

class MtlsRefusalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    {
      absl::MutexLock lock(&g_log_mu);
      if (g_grpc_log == nullptr) g_grpc_log = new std::string();
      g_grpc_log->clear();
    }
    gpr_set_log_function(CaptureGrpcLog);
    now_ = absl::Now();
    ASSERT_OK_AND_ASSIGN(TestPki pki, TestPki::Create(now_));
    pki_ = std::make_unique<TestPki>(std::move(pki));
    ASSERT_OK_AND_ASSIGN(hub_, pki_->Issue("hub"));
    ASSERT_OK_AND_ASSIGN(mx_, pki_->Issue("node/MX"));
    ASSERT_OK_AND_ASSIGN(gt_, pki_->Issue("node/GT"));
    ASSERT_OK_AND_ASSIGN(hn_, pki_->Issue("node/HN"));
    ASSERT_OK_AND_ASSIGN(unlisted_, pki_->Issue("node/PA"));

    // The directory the hub checks each call against: GT revoked an hour ago, HN suspended.
    v1::Directory proto;
    proto.set_version(1);
    proto.set_issued_at_ms(absl::ToUnixMillis(now_));
    for (const std::string& c : CrmCountries()) proto.add_countries(c);
    for (const auto& [id, material] : {std::pair<const char*, const TlsMaterial*>{"node/MX", &mx_},
                                       {"node/GT", &gt_},
                                       {"node/HN", &hn_}}) {
      v1::DirectoryParticipant* p = proto.add_participants();
      p->set_id(id);
      p->set_role(v1::PARTICIPANT_ROLE_NODE);
      p->set_status(std::string(id) == "node/HN" ? v1::PARTICIPANT_STATUS_SUSPENDED
                                                 : v1::PARTICIPANT_STATUS_ACTIVE);
      v1::DirectoryCertificate* cert = p->add_tls_certificates();
      ASSERT_OK_AND_ASSIGN(Certificate parsed, Certificate::FromPem(material->certificate_pem));
      cert->set_sha256(parsed.fingerprint());
      cert->set_not_before_ms(absl::ToUnixMillis(parsed.not_before()));
      cert->set_not_after_ms(absl::ToUnixMillis(parsed.not_after()));
    }
    v1::Revocation* revocation = proto.add_revocations();
    revocation->set_participant_id("node/GT");
    revocation->set_revoked_at_ms(absl::ToUnixMillis(now_ - absl::Hours(1)));
    revocation->set_reason("key compromise");
    ASSERT_OK_AND_ASSIGN(Directory directory, Directory::FromProto(proto));
    directory_ = std::make_shared<const Directory>(std::move(directory));

    ASSERT_OK_AND_ASSIGN(auto credentials, MakeServerCredentials(hub_, now_));
    std::shared_ptr<const Directory> d = directory_;
    ASSERT_OK_AND_ASSIGN(
        server_,
        EchoServer::Start(credentials,
                          [d](const grpc::AuthContext& context) -> absl::StatusOr<std::string> {
                            absl::StatusOr<Caller> caller = AdmitCaller(context, *d, absl::Now());
                            if (!caller.ok()) return caller.status();
                            return caller->id.str();
                          }));
  }

  // A call as `material` through enlace's own client credentials.
  absl::StatusOr<v1::EchoResponse> CallAs(const TlsMaterial& material) {
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
        MakeChannelCredentials(material, now_);
    if (!credentials.ok()) return credentials.status();
    return CallEcho(server_->address(), *credentials, HubChannelArguments(), "ping");
  }

  // A call as `material` (or with no certificate) bypassing enlace's client-side checks.
  absl::StatusOr<v1::EchoResponse> RawCallAs(const TlsMaterial* material) {
    return CallEcho(server_->address(), RawClientCredentials(pki_->root_pem(), material),
                    HubChannelArguments(), "ping");
  }

  absl::StatusOr<TlsMaterial> IssueNode(absl::Time not_before, absl::Time not_after) {
    absl::StatusOr<CertificateProfile> profile =
        TlsCertificateProfile(*ParticipantId::Parse("node/MX"), not_before, not_after);
    if (!profile.ok()) return profile.status();
    return pki_->IssueWithProfile(*profile);
  }

  // `openssl s_client` against the server with the MX certificate and extra `options`.
  CommandResult SClient(const std::string& options) {
    EXPECT_OK(WriteFileAtomically(dir_.Sub("root.pem"), pki_->root_pem()));
    EXPECT_OK(WriteFileAtomically(dir_.Sub("mx.pem"), mx_.certificate_pem));
    EXPECT_OK(WriteFileAtomically(dir_.Sub("mx.key"), mx_.private_key_pem.view(), 0600));
    return RunCommand(absl::StrCat("timeout 20 openssl s_client -connect ", server_->address(),
                                   " -CAfile ", dir_.Sub("root.pem"), " -cert ", dir_.Sub("mx.pem"),
                                   " -key ", dir_.Sub("mx.key"), " -alpn h2 -verify_return_error ",
                                   options, " </dev/null"));
  }

  absl::Time now_;
  TempDir dir_;
  std::unique_ptr<TestPki> pki_;
  TlsMaterial hub_, mx_, gt_, hn_, unlisted_;
  std::shared_ptr<const Directory> directory_;
  std::unique_ptr<EchoServer> server_;
};

// The handshake failed: the client never got to make the call.
auto HandshakeRefused() { return StatusIs(absl::StatusCode::kUnavailable, ::testing::_); }

TEST_F(MtlsRefusalTest, ControlActiveParticipantIsAdmitted) {
  ASSERT_OK_AND_ASSIGN(v1::EchoResponse response, CallAs(mx_));
  EXPECT_EQ(response.caller_id(), "node/MX");
  ASSERT_OK_AND_ASSIGN(response, RawCallAs(&mx_));
  EXPECT_EQ(response.caller_id(), "node/MX");
}

TEST_F(MtlsRefusalTest, ForeignCaIsRefused) {
  ASSERT_OK_AND_ASSIGN(TestPki foreign, TestPki::Create(now_, "Foreign"));
  ASSERT_OK_AND_ASSIGN(TlsMaterial impostor, foreign.Issue("node/MX"));
  EXPECT_THAT(RawCallAs(&impostor), HandshakeRefused());
  EXPECT_THAT(AwaitGrpcLog("certificate verify failed"), HasSubstr("certificate verify failed"));
  // enlace's own client will not even try with such material.
  impostor.root_certificate_pem = pki_->root_pem();
  EXPECT_THAT(CallAs(impostor), StatusIs(absl::StatusCode::kUnauthenticated,
                                         HasSubstr("unable to get local issuer")));
}

TEST_F(MtlsRefusalTest, SelfSignedCertificateIsRefused) {
  const CommandResult made = RunCommand(absl::StrCat(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "
      "/CN=node-MX -addext subjectAltName=URI:urn:enlace:node/MX -addext "
      "extendedKeyUsage=clientAuth -keyout ",
      dir_.Sub("self.key"), " -out ", dir_.Sub("self.pem")));
  ASSERT_EQ(made.exit_code, 0) << made.output;
  TlsMaterial self_signed;
  ASSERT_OK_AND_ASSIGN(self_signed.certificate_pem, ReadFile(dir_.Sub("self.pem"), 65536));
  ASSERT_OK_AND_ASSIGN(std::string key, ReadFile(dir_.Sub("self.key"), 65536));
  self_signed.private_key_pem = SecretBytes(key);
  EXPECT_THAT(RawCallAs(&self_signed), HandshakeRefused());
  EXPECT_THAT(AwaitGrpcLog("certificate verify failed"), HasSubstr("certificate verify failed"));
}

TEST_F(MtlsRefusalTest, ExpiredCertificateIsRefused) {
  ASSERT_OK_AND_ASSIGN(TlsMaterial expired, IssueNode(now_ - 5 * kDay, now_ - kDay));
  EXPECT_THAT(RawCallAs(&expired), HandshakeRefused());
  EXPECT_THAT(AwaitGrpcLog("certificate verify failed"), HasSubstr("certificate verify failed"));
  // enlace's own client says why before connecting.
  EXPECT_THAT(CallAs(expired), StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("expired")));
}

TEST_F(MtlsRefusalTest, NotYetValidCertificateIsRefused) {
  ASSERT_OK_AND_ASSIGN(TlsMaterial early, IssueNode(now_ + kDay, now_ + 5 * kDay));
  EXPECT_THAT(RawCallAs(&early), HandshakeRefused());
  EXPECT_THAT(AwaitGrpcLog("certificate verify failed"), HasSubstr("certificate verify failed"));
  EXPECT_THAT(CallAs(early),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("not yet valid")));
}

TEST_F(MtlsRefusalTest, ClientWithoutCertificateIsRefused) {
  EXPECT_THAT(RawCallAs(nullptr), HandshakeRefused());
  EXPECT_THAT(AwaitGrpcLog("peer did not return a certificate"),
              HasSubstr("peer did not return a certificate"));
}

TEST_F(MtlsRefusalTest, RevokedParticipantIsRefusedPerCall) {
  EXPECT_THAT(CallAs(gt_), StatusIs(absl::StatusCode::kPermissionDenied,
                                    AllOf(HasSubstr("node/GT was revoked at"))));
}

TEST_F(MtlsRefusalTest, SuspendedParticipantIsRefusedPerCall) {
  EXPECT_THAT(CallAs(hn_),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("node/HN is suspended")));
}

TEST_F(MtlsRefusalTest, UnlistedParticipantOrCertificateIsRefusedPerCall) {
  EXPECT_THAT(CallAs(unlisted_), StatusIs(absl::StatusCode::kPermissionDenied,
                                          HasSubstr("node/PA is not in directory version 1")));
  // A valid certificate for MX that the directory does not list (e.g. one replaced by rotation).
  ASSERT_OK_AND_ASSIGN(TlsMaterial other_mx, IssueNode(now_ - kDay, now_ + kDay));
  EXPECT_THAT(CallAs(other_mx),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("is not one directory")));
}

TEST_F(MtlsRefusalTest, CertificateWithoutParticipantUriIsRefused) {
  CertificateProfile profile;
  profile.common_name = "node/MX";
  profile.dns_names = {"mx.example.org"};
  profile.client_auth = true;
  profile.not_before = now_ - kDay;
  profile.not_after = now_ + kDay;
  ASSERT_OK_AND_ASSIGN(TlsMaterial no_uri, pki_->IssueWithProfile(profile));
  EXPECT_THAT(RawCallAs(&no_uri),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       AllOf(HasSubstr("exactly one participant URI"), HasSubstr("carries 0"))));
}

TEST_F(MtlsRefusalTest, CertificateWithTwoParticipantUrisIsRefused) {
  CertificateProfile profile;
  profile.common_name = "node/MX";
  profile.uri_names = {"urn:enlace:node/MX", "urn:enlace:hub"};
  profile.client_auth = true;
  profile.not_before = now_ - kDay;
  profile.not_after = now_ + kDay;
  ASSERT_OK_AND_ASSIGN(TlsMaterial two, pki_->IssueWithProfile(profile));
  EXPECT_THAT(RawCallAs(&two),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       AllOf(HasSubstr("exactly one participant URI"), HasSubstr("carries 2"),
                             HasSubstr("urn:enlace:hub"))));
}

TEST_F(MtlsRefusalTest, NodeCertificatePresentedAsTheHubIsRefused) {
  // A node's own certificate (clientAuth only) behind a server...
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = pki_->root_pem();
  options.pem_key_cert_pairs.push_back(
      {std::string(gt_.private_key_pem.view()), gt_.certificate_pem});
  auto accept_all = [](const grpc::AuthContext&) -> absl::StatusOr<std::string> { return "x"; };
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EchoServer> fake_hub,
                       EchoServer::Start(grpc::SslServerCredentials(options), accept_all));
  ASSERT_OK_AND_ASSIGN(auto credentials, MakeChannelCredentials(mx_, now_));
  EXPECT_THAT(CallEcho(fake_hub->address(), credentials, HubChannelArguments(), "secret"),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("certificate verify failed")));

  // ...and a certificate the CA issued for a node with serverAuth (so only the URI check, not
  // the key usage, can catch it).
  ASSERT_OK_AND_ASSIGN(
      CertificateProfile profile,
      TlsCertificateProfile(*ParticipantId::Parse("node/GT"), now_ - kDay, now_ + kDay));
  profile.server_auth = true;
  profile.dns_names = {"hub"};
  ASSERT_OK_AND_ASSIGN(TlsMaterial server_node, pki_->IssueWithProfile(profile));
  grpc::SslServerCredentialsOptions options2(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options2.pem_root_certs = pki_->root_pem();
  options2.pem_key_cert_pairs.push_back(
      {std::string(server_node.private_key_pem.view()), server_node.certificate_pem});
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EchoServer> fake_hub2,
                       EchoServer::Start(grpc::SslServerCredentials(options2), accept_all));
  EXPECT_THAT(CallEcho(fake_hub2->address(), credentials, HubChannelArguments(), "secret"),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("the server presented the certificate of node/GT, not of hub")));
  // Control: the same server answers a client that does not check the hub's id, so what
  // refused above was the id check.
  EXPECT_OK(CallEcho(fake_hub2->address(), RawClientCredentials(pki_->root_pem(), &mx_),
                     HubChannelArguments(), "x")
                .status());
}

TEST_F(MtlsRefusalTest, Tls13IsPreferredAndTls11Refused) {
  // Control: a client offering everything gets TLS 1.3 with an AEAD suite.
  const CommandResult control = SClient("");
  EXPECT_THAT(control.output, HasSubstr("New, TLSv1.3, Cipher is TLS_AES_")) << control.output;
  const CommandResult tls11 = SClient("-tls1_1 -cipher DEFAULT@SECLEVEL=0");
  EXPECT_NE(tls11.exit_code, 0) << tls11.output;
  EXPECT_THAT(tls11.output, HasSubstr("Cipher is (NONE)")) << tls11.output;
  EXPECT_THAT(AwaitGrpcLog("unsupported protocol"), HasSubstr("unsupported protocol"));
}

TEST_F(MtlsRefusalTest, NonAeadSuitesAreRefused) {
  const CommandResult control = SClient("-tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256");
  EXPECT_THAT(control.output, HasSubstr("Cipher is ECDHE-ECDSA-AES128-GCM-SHA256"))
      << control.output;
  for (const char* suite : {"AES128-SHA", "ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384"}) {
    const CommandResult refused = SClient(absl::StrCat("-tls1_2 -cipher ", suite));
    EXPECT_NE(refused.exit_code, 0) << suite << ": " << refused.output;
    EXPECT_THAT(refused.output, HasSubstr("Cipher is (NONE)")) << suite << ": " << refused.output;
    // The server's reason, not a client-side refusal to offer the suite.
    EXPECT_THAT(AwaitGrpcLog("no shared cipher"), HasSubstr("no shared cipher")) << suite;
    absl::MutexLock lock(&g_log_mu);
    g_grpc_log->clear();
  }
}

}  // namespace
}  // namespace enlace
