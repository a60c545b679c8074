#include "proto/text_config.h"

#include <unistd.h>

#include <string>

#include "base/files.h"
#include "enlace/v1/node_config.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace enlace {
namespace {

using ::enlace::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr size_t kMax = 4096;

// (Not an R"pb" string: clang-format would reflow it, and the test depends on its lines.)
constexpr char kText[] = R"conf(participant_id: "node/MX"
hub {
  address: "hub.example:7443"
}
users { os_user: "ana" role: NODE_ROLE_FOCAL_POINT }
users {
  os_user: "ben"
  role: NODE_ROLE_CASE_WORKER
}
)conf";

TEST(TextConfigTest, ParsesAndNamesTheLineOfEachKey) {
  v1::NodeConfig config;
  ASSERT_OK_AND_ASSIGN(TextConfig parsed,
                       TextConfig::Parse(kText, "node.conf", "node configuration", kMax, &config));
  EXPECT_EQ(config.users(1).os_user(), "ben");
  EXPECT_TRUE(parsed.ok());
  EXPECT_OK(parsed.Result());
  parsed.Fail("participant_id", "first");
  parsed.Fail("hub.address", "nested");
  parsed.Fail("users[1].os_user", "second element");
  parsed.Fail("users", "repeated, no index: its first element");
  parsed.Fail("data_dir", "absent: no line");
  parsed.Require(true, "language", "never recorded");
  EXPECT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.Result(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("invalid node configuration:\n"),
                             HasSubstr("node.conf:1: participant_id: first"),
                             HasSubstr("node.conf:3: hub.address: nested"),
                             HasSubstr("node.conf:7: users[1].os_user: second element"),
                             HasSubstr("node.conf:5: users: repeated"),
                             HasSubstr("node.conf: data_dir: absent: no line"),
                             Not(HasSubstr("language")))));
}

TEST(TextConfigTest, AKeyPresentOnlyInPartNamesTheDeepestLineFound) {
  v1::NodeConfig config;
  ASSERT_OK_AND_ASSIGN(TextConfig parsed,
                       TextConfig::Parse(kText, "n.conf", "node configuration", kMax, &config));
  parsed.Fail("hub.certificate", "missing inside a present block");
  parsed.Fail("users[7].os_user", "no such element");
  EXPECT_THAT(parsed.Result(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("n.conf:2: hub.certificate: missing"),
                             HasSubstr("n.conf: users[7].os_user: no such element"))));
}

TEST(TextConfigTest, SyntaxErrorsUnknownKeysAndBadEnumsNameLineAndColumn) {
  v1::NodeConfig config;
  EXPECT_THAT(TextConfig::Parse("data_dir: \"d\"\nhub_adress: \"x\"\n", "a.conf",
                                "node configuration", kMax, &config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("invalid node configuration"), HasSubstr("a.conf:2:11:"),
                             HasSubstr("hub_adress"))));
  EXPECT_THAT(TextConfig::Parse("users { role: NODE_ROLE_BOSS }", "b.conf", "node configuration",
                                kMax, &config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("b.conf:1:"), HasSubstr("NODE_ROLE_BOSS"))));
  EXPECT_THAT(
      TextConfig::Parse("hub { address: \"x\"", "c.conf", "node configuration", kMax, &config),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("c.conf:1:")));
}

TEST(TextConfigTest, TooLargeTextIsRefusedBeforeParsing) {
  v1::NodeConfig config;
  EXPECT_THAT(
      TextConfig::Parse(std::string(kMax + 1, ' '), "big.conf", "hub configuration", kMax, &config),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("big.conf is 4097 bytes; a hub configuration is at most 4096")));
}

TEST(ConfigFileTest, ReadsBoundedAndKnowsItsFolder) {
  enlace::testing::TempDir dir;
  const std::string path = dir.Sub("node.conf");
  ASSERT_OK(WriteFileAtomically(path, kText));
  ASSERT_OK_AND_ASSIGN(ConfigFile file, ReadConfigFile(path, kMax, "node configuration"));
  EXPECT_EQ(file.text, kText);
  EXPECT_EQ(file.name, path);
  EXPECT_EQ(file.base_dir, dir.path());
  EXPECT_THAT(ReadConfigFile(path, 10, "node configuration"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("cannot read the node configuration")));
  EXPECT_THAT(
      ReadConfigFile(dir.Sub("missing.conf"), kMax, "hub configuration"),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("cannot read the hub configuration")));
}

TEST(ConfigFileTest, ABarePathIsInTheWorkingFolder) {
  enlace::testing::TempDir dir;
  char previous[4096];
  ASSERT_NE(getcwd(previous, sizeof(previous)), nullptr);
  ASSERT_EQ(chdir(dir.path().c_str()), 0);
  absl::Status written = WriteFileAtomically("bare.conf", kText);
  absl::StatusOr<ConfigFile> file = ReadConfigFile("bare.conf", kMax, "node configuration");
  ASSERT_EQ(chdir(previous), 0);
  ASSERT_OK(written);
  ASSERT_OK(file.status());
  EXPECT_EQ(file->base_dir, ".");
  EXPECT_EQ(file->name, "bare.conf");
}

TEST(ConfigFileTest, RelativePathsResolveAgainstTheFolder) {
  EXPECT_EQ(ResolveConfigPath(".", "data"), "./data");
  EXPECT_EQ(ResolveConfigPath("/", "data"), "/data");
  EXPECT_EQ(ResolveConfigPath("/etc/enlace", "keys/a.pem"), "/etc/enlace/keys/a.pem");
  EXPECT_EQ(ResolveConfigPath("/etc/enlace/", "a.pem"), "/etc/enlace/a.pem");
  EXPECT_EQ(ResolveConfigPath("/etc/enlace", "/var/lib/enlace"), "/var/lib/enlace");
  EXPECT_EQ(ResolveConfigPath("/etc/enlace", ""), "");
}

}  // namespace
}  // namespace enlace
