// A network made with enlace-admin commands alone (the real binary), then used: the hub's bundle
// serves mutual TLS, the participants' bundles call it, and the published directory decides who
// is admitted. The commands are those of docs/operator-guide.md.
#include <sys/wait.h>

#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "base/files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "identity/directory.h"
#include "identity/x509.h"
#include "net/peer.h"
#include "net/testing/echo_server.h"
#include "net/tls.h"
#include "nlohmann/json.hpp"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace enlace {
namespace {

using ::enlace::testing::CallEcho;
using ::enlace::testing::EchoServer;
using ::enlace::testing::StatusIs;
using ::enlace::testing::TempDir;
using ::testing::HasSubstr;

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

class AdminCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(WriteFileAtomically(dir_.Sub("ca-pass"), "operator passphrase 1\n", 0600));
    ASSERT_OK(WriteFileAtomically(dir_.Sub("bundle-pass"), "bundle passphrase 22\n", 0600));
  }

  // enlace-admin with the workspace and a passphrase file, then `args`.
  CommandResult Admin(const std::string& args, const std::string& passphrase_file = "ca-pass") {
    const std::string command =
        absl::StrCat(ENLACE_BINARY_DIR, "/bin/enlace-admin --workspace ", Workspace(),
                     " --passphrase-file ", dir_.Sub(passphrase_file), " ", args, " 2>&1");
    CommandResult result;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return result;
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
    const int status = pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
  }

  void AdminOk(const std::string& args) {
    const CommandResult r = Admin(args);
    ASSERT_EQ(r.exit_code, 0) << args << "\n" << r.output;
  }

  std::string Workspace() const { return dir_.Sub("ws"); }
  std::string Bundle(const std::string& file_name) const {
    return absl::StrCat(Workspace(), "/bundles/", file_name);
  }
  std::string BundleOptions() const {
    return absl::StrCat("--bundle-passphrase-file ", dir_.Sub("bundle-pass"));
  }

  absl::StatusOr<TlsMaterial> LoadBundle(const std::string& file_name) {
    const std::string b = Bundle(file_name);
    return LoadTlsMaterial(TlsFiles{b + "/root.pem", b + "/tls.pem", b + "/tls-key.pem",
                                    SecretBytes(absl::string_view("bundle passphrase 22"))},
                           absl::Now());
  }

  // Loads directory/current.pb as a node would (verified against the root, never older).
  absl::Status RefreshDirectory() {
    absl::StatusOr<std::string> bytes = ReadFile(Workspace() + "/directory/current.pb", 1 << 22);
    if (!bytes.ok()) return bytes.status();
    absl::StatusOr<std::shared_ptr<const Directory>> d = verifier_->Accept(*bytes, absl::Now());
    if (!d.ok()) return d.status();
    absl::MutexLock lock(&mu_);
    directory_ = *d;
    return absl::OkStatus();
  }

  // The hub: its bundle's credentials, every call admitted against the current directory.
  absl::Status StartHub() {
    absl::StatusOr<std::string> root_pem = ReadFile(Workspace() + "/ca/root.pem", 1 << 16);
    if (!root_pem.ok()) return root_pem.status();
    absl::StatusOr<Certificate> root = Certificate::FromPem(*root_pem);
    if (!root.ok()) return root.status();
    verifier_ = std::make_unique<DirectoryVerifier>(*root);
    if (absl::Status s = RefreshDirectory(); !s.ok()) return s;
    absl::StatusOr<TlsMaterial> hub = LoadBundle("hub");
    if (!hub.ok()) return hub.status();
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
        MakeServerCredentials(*hub, absl::Now());
    if (!credentials.ok()) return credentials.status();
    absl::StatusOr<std::unique_ptr<EchoServer>> server = EchoServer::Start(
        *credentials, [this](const grpc::AuthContext& context) -> absl::StatusOr<std::string> {
          std::shared_ptr<const Directory> directory;
          {
            absl::MutexLock lock(&mu_);
            directory = directory_;
          }
          absl::StatusOr<Caller> caller = AdmitCaller(context, *directory, absl::Now());
          if (!caller.ok()) return caller.status();
          return caller->id.str();
        });
    if (!server.ok()) return server.status();
    server_ = std::move(*server);
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> CallHubAs(const std::string& bundle) {
    absl::StatusOr<TlsMaterial> material = LoadBundle(bundle);
    if (!material.ok()) return material.status();
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
        MakeChannelCredentials(*material, absl::Now());
    if (!credentials.ok()) return credentials.status();
    absl::StatusOr<v1::EchoResponse> response =
        CallEcho(server_->address(), *credentials, HubChannelArguments(), "hola");
    if (!response.ok()) return response.status();
    return response->caller_id();
  }

  TempDir dir_;
  std::unique_ptr<DirectoryVerifier> verifier_;
  absl::Mutex mu_;
  std::shared_ptr<const Directory> directory_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<EchoServer> server_;
};

TEST_F(AdminCliTest, BuildsAWorkingNetworkWithCommandsAlone) {
  AdminOk("init-network --name Test --crl-url http://pki.test.example/test.crl");
  AdminOk("enrol hub --dns-name hub.test.example " + BundleOptions());
  AdminOk("enrol node/MX " + BundleOptions());
  AdminOk("enrol node/GT " + BundleOptions());
  AdminOk("enrol admin/secretariat --name-es Secretaría --name-en Secretariat " + BundleOptions());
  AdminOk("directory publish");

  const CommandResult list = Admin("list --json");
  ASSERT_EQ(list.exit_code, 0) << list.output;
  const nlohmann::json listed = nlohmann::json::parse(list.output);
  EXPECT_EQ(listed["last_published_version"], 1);
  ASSERT_EQ(listed["participants"].size(), 4u);
  EXPECT_EQ(listed["participants"][3]["display_name_es"], "Secretaría");

  ASSERT_OK(StartHub());
  EXPECT_THAT(CallHubAs("node-MX"), ::enlace::testing::IsOkAndHolds("node/MX"));
  EXPECT_THAT(CallHubAs("node-GT"), ::enlace::testing::IsOkAndHolds("node/GT"));
  EXPECT_THAT(CallHubAs("admin-secretariat"), ::enlace::testing::IsOkAndHolds("admin/secretariat"));

  // Suspension and revocation reach the hub through the next directory.
  AdminOk("suspend node/GT");
  AdminOk("revoke node/MX --reason 'left the network'");
  AdminOk("directory publish");
  ASSERT_OK(RefreshDirectory());
  EXPECT_THAT(CallHubAs("node-GT"),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("suspended")));
  EXPECT_THAT(CallHubAs("node-MX"),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("revoked")));
  // ... and to TLS tools outside enlace through the CRL that certificates point to.
  const CommandResult crl = Admin("crl issue --json");
  ASSERT_EQ(crl.exit_code, 0) << crl.output;
  const nlohmann::json issued = nlohmann::json::parse(crl.output);
  EXPECT_EQ(issued["number"], 1);
  EXPECT_EQ(issued["revoked_certificates"], 1);
  EXPECT_EQ(issued["distribution_point"], "http://pki.test.example/test.crl");
  ASSERT_OK_AND_ASSIGN(std::string der, ReadFile(issued["current"].get<std::string>(), 1 << 20));
  ASSERT_OK_AND_ASSIGN(CertificateRevocationList revocations,
                       CertificateRevocationList::FromDer(der));
  ASSERT_OK_AND_ASSIGN(std::string mx_pem,
                       ReadFile(Workspace() + "/bundles/node-MX/tls.pem", 1 << 16));
  ASSERT_OK_AND_ASSIGN(Certificate mx, Certificate::FromPem(mx_pem));
  EXPECT_THAT(mx.crl_urls(), ::testing::ElementsAre("http://pki.test.example/test.crl"));
  ASSERT_EQ(revocations.revoked().size(), 1u);
  EXPECT_EQ(revocations.revoked()[0].serial, mx.serial());
  AdminOk("resume node/GT");

  // Rotation: a new certificate and keys; the new bundle works at once.
  AdminOk("rotate admin/secretariat --tls --overlap-days 7 " + BundleOptions());
  AdminOk("directory publish");
  ASSERT_OK(RefreshDirectory());
  EXPECT_THAT(CallHubAs("admin-secretariat"), ::enlace::testing::IsOkAndHolds("admin/secretariat"));
  EXPECT_THAT(CallHubAs("node-GT"), ::enlace::testing::IsOkAndHolds("node/GT"));
}

TEST_F(AdminCliTest, ErrorsAreClearAndHelpIsComplete) {
  const CommandResult help = Admin("--help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* command : {"init-network", "enrol", "rotate", "revoke", "suspend", "resume",
                              "directory", "crl", "list"}) {
    EXPECT_THAT(help.output, HasSubstr(command));
  }
  const CommandResult enrol_help = Admin("enrol --help");
  EXPECT_THAT(enrol_help.output, HasSubstr("--bundle-passphrase-file"));

  const CommandResult no_workspace = Admin("list");
  EXPECT_EQ(no_workspace.exit_code, 1);
  EXPECT_THAT(no_workspace.output, HasSubstr("enlace-admin: error:"));
  EXPECT_THAT(no_workspace.output, HasSubstr("init-network"));

  // The passphrase may come from the environment instead of a file.
  const std::string env_init = absl::StrCat(ENLACE_BINARY_DIR, "/bin/enlace-admin --workspace ",
                                            Workspace(), " init-network");
  ASSERT_EQ(system(absl::StrCat("ENLACE_ADMIN_PASSPHRASE='operator passphrase 1' ", env_init,
                                " >/dev/null 2>&1 </dev/null")
                       .c_str()),
            0);

  const CommandResult unknown_country = Admin("enrol node/FR " + BundleOptions());
  EXPECT_EQ(unknown_country.exit_code, 1);
  EXPECT_THAT(unknown_country.output, HasSubstr("BZ CA CR SV US GT HN MX NI PA DO"));

  const CommandResult missing = Admin("enrol");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.output, HasSubstr("participant-id is required"));

  ASSERT_OK(WriteFileAtomically(dir_.Sub("wrong-pass"), "not the right one", 0600));
  const CommandResult wrong = Admin("enrol node/MX " + BundleOptions(), "wrong-pass");
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_THAT(wrong.output, HasSubstr("root-key.pem"));

  ASSERT_OK(WriteFileAtomically(dir_.Sub("open-pass"), "operator passphrase 1", 0644));
  const CommandResult open = Admin("directory publish", "open-pass");
  EXPECT_EQ(open.exit_code, 1);
  EXPECT_THAT(open.output, HasSubstr("open-pass"));

  const CommandResult bad_revoke = Admin("revoke zz --reason x --json");
  EXPECT_EQ(bad_revoke.exit_code, 1);
  EXPECT_THAT(bad_revoke.output, HasSubstr("\"code\":\"INVALID_ARGUMENT\""));

  const CommandResult enrolled = Admin("enrol node/MX --json " + BundleOptions());
  ASSERT_EQ(enrolled.exit_code, 0) << enrolled.output;
  const nlohmann::json result = nlohmann::json::parse(enrolled.output);
  EXPECT_EQ(result["participant_id"], "node/MX");
  EXPECT_EQ(result["signing_key_id"].get<std::string>().size(), 32u);
}

}  // namespace
}  // namespace enlace
