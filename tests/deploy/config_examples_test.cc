// The example configurations the packages install (deploy/config/*.example, installed as
// /etc/enlace/hub.conf and /etc/enlace/node.conf) parse and pass every check of the real
// loaders, and say what the units and the CLI expect (paths, socket, state directories).
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/config.h"
#include "node/config.h"
#include "tests/testing/status_matchers.h"

namespace enlace {
namespace {

using ::enlace::testing::StatusIs;
using ::testing::HasSubstr;

const std::string kExamples = std::string(ENLACE_SOURCE_DIR) + "/deploy/config/";

TEST(ConfigExamplesTest, HubExampleIsAValidConfiguration) {
  ASSERT_OK_AND_ASSIGN(v1::HubConfig config, hub::LoadHubConfig(kExamples + "hub.conf.example"));
  // The unit's StateDirectory=enlace-hub enlace-hub-backups.
  EXPECT_EQ(config.data_dir(), "/var/lib/enlace-hub");
  EXPECT_EQ(config.backup_dir(), "/var/lib/enlace-hub-backups");
  EXPECT_EQ(config.tls().private_key().path(), "/etc/enlace/hub/tls-key.pem");
  EXPECT_EQ(config.metrics_address(), "127.0.0.1:9464");
}

TEST(ConfigExamplesTest, NodeExampleIsAValidConfiguration) {
  ASSERT_OK_AND_ASSIGN(v1::NodeConfig config,
                       node::LoadNodeConfig(kExamples + "node.conf.example"));
  EXPECT_EQ(config.participant_id(), "node/MX");
  EXPECT_EQ(config.data_dir(), "/var/lib/enlace-node");
  // The unit's RuntimeDirectory=enlace and the enlace command's default socket.
  EXPECT_EQ(config.local_api().socket_path(), "/run/enlace/node.sock");
  EXPECT_EQ(config.local_api().socket_group(), "enlace");
  EXPECT_EQ(config.users_size(), 3);
}

TEST(ConfigExamplesTest, ABrokenExampleWouldBeCaught) {
  // The same loaders refuse what a careless edit of an example would leave.
  EXPECT_THAT(hub::ParseHubConfig("listen_address: \"0.0.0.0:7443\"\n", "hub.conf", "/"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("data_dir")));
  EXPECT_THAT(node::ParseNodeConfig("participant_id: \"node/XX\"\n", "node.conf", "/"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("participant_id")));
}

}  // namespace
}  // namespace enlace
