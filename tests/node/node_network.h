// Test support for the node's integration tests: a real hub (in-process HubServer over mutual
// TLS on 127.0.0.1) and real node daemons (node/daemon.h) for several countries, all on one
// FakeClock, with every key and certificate made at test time (hub/testing/test_network.h) and
// written to the files a node's configuration names. The `enlace` CLI runs in-process against a
// node's socket as the test's own OS user, who is each node's focal point.
#ifndef ENLACE_TESTS_NODE_NODE_NETWORK_H_
#define ENLACE_TESTS_NODE_NODE_NETWORK_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "base/env.h"
#include "crypto/x25519.h"
#include "enlace/v1/directory.pb.h"
#include "enlace/v1/node_config.pb.h"
#include "enlace/v1/node_service.pb.h"
#include "enlace/v1/node_store.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "hub/server.h"
#include "hub/testing/test_network.h"
#include "node/daemon.h"
#include "tests/testing/temp_dir.h"

namespace enlace::node::testing {

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// What a `--json` CLI call printed, parsed into `Message` (unknown fields refused); a test failure
// when it does not parse.
template <typename Message>
Message ParseCliJson(const std::string& json) {
  Message message;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &message, options);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << json;
  return message;
}

// The message id (hex) a `--json` send or request printed; a test failure when the call failed.
std::string SentMessageId(const CliResult& result);

class NodeNetwork {
 public:
  // A network with a hub, an operator (admin/ops) and a node for each of `countries`.
  static absl::StatusOr<std::unique_ptr<NodeNetwork>> Create(
      const std::vector<std::string>& countries);
  ~NodeNetwork();

  FakeClock& clock() { return clock_; }
  const hub::testing::TestNetwork& net() const { return *net_; }

  // The hub on 127.0.0.1: the first start picks a port, later starts reuse it (and its data).
  absl::Status StartHub();
  // The hub's database goes through `env` from its next start (null: the default).
  void set_hub_rocksdb_env(rocksdb::Env* env) { hub_rocksdb_env_ = env; }
  absl::Status StopHub();
  hub::HubServer& hub() { return *hub_; }
  // The hub's database folder; Admin.CreateBackup writes under hub_backup_dir().
  std::string hub_data_dir() const { return dir_.Sub("hub"); }
  std::string hub_backup_dir() const { return dir_.Sub("hub-backups"); }

  using HubWrapper = std::function<std::unique_ptr<HubPort>(HubPort* client)>;
  // Adds `key` (written to a file) to the encryption keys of `country`'s configuration, for its
  // next start: a rotation's new key.
  absl::Status AddEncryptionKey(const std::string& country, const X25519PrivateKey& key);
  // Starts the node daemon of `country` (its data survives StopNode). `clock` (null: the
  // network's) lets a node's clock differ from the hub's; `rocksdb_env` its store's disk.
  absl::Status StartNode(const std::string& country, HubWrapper wrap = nullptr,
                         Clock* clock = nullptr, rocksdb::Env* rocksdb_env = nullptr);
  void StopNode(const std::string& country);
  // Starts the nodes of `countries` and waits until each is connected to the hub.
  absl::Status StartNodes(const std::vector<std::string>& countries);
  // Waits until every node of `countries` is connected to the hub.
  absl::Status WaitConnected(const std::vector<std::string>& countries);
  Daemon& daemon(const std::string& country) { return *daemons_.at(country); }
  Node& node(const std::string& country) { return daemons_.at(country)->node(); }
  const v1::NodeConfig& config(const std::string& country) const { return configs_.at(country); }
  // Changes apply at the node's next start.
  v1::NodeConfig& mutable_config(const std::string& country) { return configs_.at(country); }
  int hub_port() const { return hub_port_; }
  // A fresh folder for a test's own files.
  std::string Folder(const std::string& name) const { return dir_.Sub(name); }

  // `enlace --socket <country's socket> args...` in-process, with `input` on standard input.
  CliResult Cli(const std::string& country, const std::vector<std::string>& args,
                const std::string& input = "");
  // An information request from `from` to `to` through the CLI (`--json`, a fixed question, a
  // 7-day deadline).
  CliResult Request(const std::string& from, const std::string& to, const std::string& subject);
  // `country`'s stored item for the message `message_id_hex`, if it has one.
  absl::optional<v1::StoredItemMeta> Item(const std::string& country,
                                          const std::string& message_id_hex);

  // Runs the clock forward: the hub signs a tree head for what it has, every running node checks
  // the log, and wakes. Callers let submissions finish first (as a hub that keeps its merge
  // delay would cover them in time).
  void Advance(absl::Duration duration);
  // Waits (real time, at most `timeout`) for `condition`, waking the nodes, and running the clock
  // forward by `step` per try when `step` is not zero.
  bool WaitUntil(const std::function<bool()>& condition, absl::Duration step = absl::ZeroDuration(),
                 absl::Duration timeout = absl::Seconds(30));

  // Publishes `directory` (signed by the network's signer) at the hub, as the operator.
  absl::Status PublishDirectory(const v1::Directory& directory);

 private:
  NodeNetwork() : clock_(absl::Now()) {}
  absl::Status WriteNodeFiles(const std::string& country);

  FakeClock clock_;
  enlace::testing::TempDir dir_;
  std::unique_ptr<hub::testing::TestNetwork> net_;
  std::unique_ptr<hub::HubServer> hub_;
  rocksdb::Env* hub_rocksdb_env_ = nullptr;
  int hub_port_ = 0;
  std::map<std::string, v1::NodeConfig> configs_;
  std::map<std::string, std::unique_ptr<Daemon>> daemons_;
};

}  // namespace enlace::node::testing

#endif  // ENLACE_TESTS_NODE_NODE_NETWORK_H_
