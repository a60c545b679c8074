// enlace-audit against a real AuditLog service over mutual TLS on 127.0.0.1 (certificates made
// at test time), as an auditor runs it.
#include <sys/stat.h>

#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "auditlog/testing/audit_server.h"
#include "auditor/testing/export_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "net/testing/test_pki.h"
#include "tests/testing/status_matchers.h"

namespace enlace::auditor {
namespace {

using ::enlace::auditlog::testing::AuditLogServer;
using ::enlace::auditlog::testing::CertificateIdentity;
using ::enlace::auditor::testing::AuditToolPath;
using ::enlace::auditor::testing::ExportFixture;
using ::enlace::auditor::testing::RunProgram;
using ::enlace::auditor::testing::RunResult;
using ::enlace::auditor::testing::WriteText;
using ::enlace::testing::TestPki;
using ::testing::HasSubstr;

class AuditCliTest : public ExportFixture {
 protected:
  void SetUp() override {
    ExportFixture::SetUp();
    GrowTo(30);
    ASSERT_OK_AND_ASSIGN(TestPki pki, TestPki::Create(absl::Now()));
    pki_ = std::make_unique<TestPki>(std::move(pki));
    ASSERT_OK_AND_ASSIGN(TlsMaterial hub, pki_->Issue("hub"));
    ASSERT_OK_AND_ASSIGN(auto credentials, MakeServerCredentials(hub, absl::Now()));
    ASSERT_OK_AND_ASSIGN(server_,
                         AuditLogServer::Start(log_.get(), credentials, CertificateIdentity()));
    WriteText(dir_.Sub("root.pem"), pki_->root_pem());
  }

  // Writes `participant`'s certificate and key (0600) and returns the fetch command line.
  std::vector<std::string> FetchCommand(const std::string& participant, const std::string& out) {
    absl::StatusOr<TlsMaterial> material = pki_->Issue(participant);
    EXPECT_TRUE(material.ok()) << material.status();
    const std::string name = participant.substr(0, participant.find('/'));
    WriteText(dir_.Sub(name + ".pem"), material->certificate_pem);
    WriteText(dir_.Sub(name + ".key"), std::string(material->private_key_pem.view()));
    EXPECT_EQ(::chmod(dir_.Sub(name + ".key").c_str(), 0600), 0);
    return {AuditToolPath(),
            "fetch",
            "--hub",
            server_->address(),
            "--root-cert",
            dir_.Sub("root.pem"),
            "--cert",
            dir_.Sub(name + ".pem"),
            "--key",
            dir_.Sub(name + ".key"),
            out};
  }

  std::unique_ptr<TestPki> pki_;
  std::unique_ptr<AuditLogServer> server_;
};

TEST_F(AuditCliTest, FetchVerifyAndFetchAgain) {
  const std::string out = dir_.Sub("export");
  std::vector<std::string> fetch = FetchCommand("auditor/ines", out);
  // The first fetch wants the operator's key (or an explicit trust on first use).
  RunResult run = RunProgram(fetch);
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_THAT(run.output, HasSubstr("--log-key"));
  fetch.insert(fetch.end() - 1, {"--log-key", HexEncode(log_->public_key().raw())});
  run = RunProgram(fetch);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("saved tree head of size 30"));
  EXPECT_THAT(run.output, HasSubstr("30 entries fetched"));

  run = RunProgram({AuditToolPath(), "verify", out});
  EXPECT_EQ(run.exit_code, 0) << run.output;

  GrowTo(45);
  run = RunProgram(fetch);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("15 entries fetched, 45 in"));
  run = RunProgram({AuditToolPath(), "verify", out});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("OK: 45 entries and 2 tree heads"));
  run = RunProgram(
      {"/usr/bin/python3", std::string(ENLACE_SOURCE_DIR) + "/tests/audit/verify_export.py", out});
  EXPECT_EQ(run.exit_code, 0) << run.output;
}

TEST_F(AuditCliTest, ANodeCannotMakeAnExport) {
  std::vector<std::string> fetch = FetchCommand("node/GT", dir_.Sub("node-export"));
  fetch.insert(fetch.end() - 1, "--trust-hub-key");
  const RunResult run = RunProgram(fetch);
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("only auditors see every entry"));
}

TEST_F(AuditCliTest, NoConnectionIsNotAVerificationFailure) {
  std::vector<std::string> fetch = FetchCommand("auditor/ines", dir_.Sub("export"));
  fetch.insert(fetch.end() - 1, "--trust-hub-key");
  server_.reset();
  const RunResult run = RunProgram(fetch);
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_THAT(run.output, HasSubstr("GetLogInfo"));
}

}  // namespace
}  // namespace enlace::auditor
