// The real programs: enlace-node started from a configuration file with passphrase-encrypted
// keys, the enlace binary talking to it over the Unix socket, and SIGTERM.
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "crypto/key_files.h"
#include "enlace/v1/node_service.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/node/node_network.h"
#include "tests/testing/status_matchers.h"

namespace enlace::node::testing {
namespace {

using ::testing::HasSubstr;

const std::string kBin = std::string(ENLACE_BINARY_DIR) + "/bin/";

struct Output {
  int code;
  std::string text;
};

// Runs `command` through the shell, standard error folded into the output.
Output Shell(const std::string& command) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  std::string text;
  char buffer[4096];
  while (pipe != nullptr && fgets(buffer, sizeof(buffer), pipe) != nullptr) text += buffer;
  int status = pipe == nullptr ? -1 : pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text};
}

TEST(NodeProcessTest, DaemonAndCliProgramsWithEncryptedKeys) {
  ASSERT_OK_AND_ASSIGN(auto network, NodeNetwork::Create({"MX"}));
  const hub::testing::TestParticipant& mx = network->net().participant("node/MX");
  const std::string dir = network->Folder("process");
  ASSERT_OK(MakeDirectories(dir, 0700));
  const SecretBytes passphrase("una frase de paso bastante larga");
  KeyFileOptions cheap;  // a low scrypt cost keeps the test fast; the format is the same
  cheap.scrypt_n = 1 << 10;
  ASSERT_OK(WriteFileAtomically(dir + "/passphrase", passphrase.view(), 0600));
  ASSERT_OK(WriteFileAtomically(dir + "/root.pem", mx.tls.root_certificate_pem));
  ASSERT_OK(WriteFileAtomically(dir + "/tls.pem", mx.tls.certificate_pem));
  ASSERT_OK_AND_ASSIGN(std::string tls_key, EncryptPkcs8Pem(mx.tls.private_key_pem, passphrase,
                                                            RandomSource::Real(), cheap));
  ASSERT_OK(WriteFileAtomically(dir + "/tls-key.pem", tls_key, 0600));
  ASSERT_OK(WriteEncryptedPrivateKeyFile(dir + "/signing.pem", mx.signing_key, passphrase,
                                         RandomSource::Real(), cheap));
  ASSERT_OK(WriteEncryptedPrivateKeyFile(dir + "/encryption.pem", mx.encryption_key, passphrase,
                                         RandomSource::Real(), cheap));
  const std::string login = getpwuid(getuid())->pw_name;
  const std::string config = absl::StrCat(R"(participant_id: "node/MX"
data_dir: "data"
hub {
  address: "127.0.0.1:)",
                                          network->hub_port(), R"("
  root_certificate: "root.pem" certificate: "tls.pem" private_key: "tls-key.pem"
}
keys {
  signing_key_files: "signing.pem"
  encryption_key_files: "encryption.pem"
  passphrase_file: "passphrase"
}
local_api { socket_path: "node.sock" }
users { os_user: ")",
                                          login, R"(" role: NODE_ROLE_FOCAL_POINT }
language: "es"
)");
  ASSERT_OK(WriteFileAtomically(dir + "/node.conf", config));

  Output check = Shell(kBin + "enlace-node --check-config --config " + dir + "/node.conf");
  EXPECT_EQ(check.code, 0) << check.text;
  EXPECT_THAT(check.text, HasSubstr("OK"));
  ASSERT_OK(WriteFileAtomically(dir + "/bad.conf", config + "hub_adress: \"x\"\n"));
  Output bad = Shell(kBin + "enlace-node --check-config --config " + dir + "/bad.conf");
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.text, HasSubstr("bad.conf:15:"));
  EXPECT_THAT(bad.text, HasSubstr("hub_adress"));
  EXPECT_THAT(Shell(kBin + "enlace-node --help").text, HasSubstr("--config"));

  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string program = kBin + "enlace-node";
    const std::string config_path = dir + "/node.conf";
    execl(program.c_str(), program.c_str(), "--config", config_path.c_str(), "--log-level",
          "warning", static_cast<char*>(nullptr));
    _exit(127);
  }
  const std::string socket = dir + "/node.sock";
  const std::string cli = kBin + "enlace --socket " + socket + " ";
  bool up = false;
  for (int i = 0; i < 300 && !up; ++i) {  // the daemon decrypts three keys, then listens
    struct stat st;
    up = stat(socket.c_str(), &st) == 0 && Shell(cli + "whoami").code == 0;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(up) << "enlace-node did not start serving";
  struct stat st;
  ASSERT_EQ(stat(socket.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);  // no socket_group: the daemon's own account only

  Output whoami = Shell(cli + "whoami");
  EXPECT_EQ(whoami.code, 0) << whoami.text;
  EXPECT_THAT(whoami.text, HasSubstr(login));
  EXPECT_THAT(whoami.text, HasSubstr("punto focal"));  // the node's language
  Output keys = Shell(cli + "--json keys");
  ASSERT_EQ(keys.code, 0) << keys.text;
  v1::KeysResponse listed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(keys.text, &listed).ok()) << keys.text;
  EXPECT_EQ(listed.participant_id(), "node/MX");
  EXPECT_EQ(listed.keys_size(), 2);
  Output help = Shell(kBin + "enlace --help");
  EXPECT_EQ(help.code, 0);
  EXPECT_THAT(help.text, HasSubstr("send"));

  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_NE(stat(socket.c_str(), &st), 0) << "the socket was not removed";
}

}  // namespace
}  // namespace enlace::node::testing
