#include "node/config.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace::node {
namespace {

using ::enlace::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr char kGood[] = R"pb(
  participant_id: "node/MX"
  data_dir: "data"
  hub {
    address: "hub.example:7443"
    root_certificate: "root.pem"
    certificate: "node.pem"
    private_key: "/etc/enlace/node.key"
  }
  keys { signing_key_files: "sign.key" encryption_key_files: "enc.key" }
  users { os_user: "mlopez" role: NODE_ROLE_FOCAL_POINT officer: "Enlace nacional" }
  users { os_user: "jperez" role: NODE_ROLE_INVESTIGATOR }
  language: "en"
  time_zone: "America/Mexico_City"
)pb";

TEST(NodeConfigTest, GoodFileGetsDefaultsAndResolvedPaths) {
  ASSERT_OK_AND_ASSIGN(v1::NodeConfig config, ParseNodeConfig(kGood, "node.conf", "/etc/enlace"));
  EXPECT_EQ(config.data_dir(), "/etc/enlace/data");
  EXPECT_EQ(config.hub().root_certificate(), "/etc/enlace/root.pem");
  EXPECT_EQ(config.hub().private_key(), "/etc/enlace/node.key");
  EXPECT_EQ(config.keys().signing_key_files(0), "/etc/enlace/sign.key");
  EXPECT_EQ(config.local_api().socket_path(), "/etc/enlace/data/enlace.sock");
  EXPECT_EQ(config.outbox().initial_backoff_ms(), 1000u);
  EXPECT_EQ(config.outbox().max_backoff_ms(), 300000u);
  EXPECT_EQ(config.max_message_age_s(), 30u * 24 * 3600);
  EXPECT_EQ(config.language(), "en");
  ASSERT_OK_AND_ASSIGN(v1::NodeUser user, FindUser(config, "jperez"));
  EXPECT_EQ(user.role(), v1::NODE_ROLE_INVESTIGATOR);
  EXPECT_THAT(FindUser(config, "nobody"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("nobody")));
}

TEST(NodeConfigTest, UnknownKeyNamesTheLine) {
  std::string text = std::string(kGood) + "\nhub_adress: \"x\"\n";
  EXPECT_THAT(
      ParseNodeConfig(text, "node.conf", "/etc"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("node.conf:16:"), HasSubstr("no field named \"hub_adress\""))));
}

TEST(NodeConfigTest, BadEnumValueNamesTheLine) {
  std::string text = R"pb(participant_id: "node/MX"
                          users { os_user: "a" role: NODE_ROLE_BOSS })pb";
  EXPECT_THAT(ParseNodeConfig(text, "n.conf", "/"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("n.conf:2:"), HasSubstr("NODE_ROLE_BOSS"))));
}

TEST(NodeConfigTest, BadValuesAreAllReportedWithLineAndField) {
  // clang-format off
  std::string text = R"pb(participant_id: "node/XX"
data_dir: "d"
hub {
  address: "hub.example"
  root_certificate: "r" certificate: "c" private_key: "k"
}
keys { signing_key_files: "s" encryption_key_files: "e" passphrase_file: "p" passphrase_env: "E" }
users { os_user: "ana" role: NODE_ROLE_CASE_WORKER }
users { os_user: "ana" role: NODE_ROLE_INVESTIGATOR }
language: "fr"
time_zone: "Mars/Olympus"
)pb";
  // clang-format on
  absl::StatusOr<v1::NodeConfig> config = ParseNodeConfig(text, "node.conf", "/etc");
  ASSERT_THAT(config, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("invalid")));
  const std::string message(config.status().message());
  EXPECT_THAT(message, HasSubstr("node.conf:1: participant_id:"));
  EXPECT_THAT(message, HasSubstr("node.conf:4: hub.address: \"hub.example\" is not host:port"));
  EXPECT_THAT(message, HasSubstr("node.conf:7: keys.passphrase_env: give passphrase_file or"));
  EXPECT_THAT(message, HasSubstr("node.conf:9: users[1].os_user: \"ana\" is listed twice"));
  EXPECT_THAT(message, HasSubstr("users: one user must have role NODE_ROLE_FOCAL_POINT"));
  EXPECT_THAT(message, HasSubstr("node.conf:10: language: \"fr\""));
  EXPECT_THAT(message, HasSubstr("node.conf:11: time_zone: \"Mars/Olympus\""));
}

TEST(NodeConfigTest, MissingRequiredFieldsAreNamed) {
  absl::StatusOr<v1::NodeConfig> config = ParseNodeConfig("", "empty.conf", "/");
  ASSERT_FALSE(config.ok());
  const std::string message(config.status().message());
  EXPECT_THAT(message, HasSubstr("empty.conf: participant_id: required"));
  EXPECT_THAT(message, HasSubstr("empty.conf: hub.address: required"));
  EXPECT_THAT(message, HasSubstr("empty.conf: keys.signing_key_files:"));
  EXPECT_THAT(message, HasSubstr("empty.conf: users: at least one user"));
}

TEST(NodeConfigTest, NonNodeParticipantRefused) {
  std::string text = kGood;
  text.replace(text.find("node/MX"), 7, "auditor/ana");
  EXPECT_THAT(ParseNodeConfig(text, "n.conf", "/"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("node/<country>")));
}

TEST(NodeConfigTest, MissingFileIsAClearError) {
  EXPECT_THAT(LoadNodeConfig("/nonexistent/enlace/node.conf"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("node configuration")));
}

}  // namespace
}  // namespace enlace::node
