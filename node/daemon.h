// enlace-node: the daemon around the node's core. It loads the keys and the TLS material named
// by the config, keeps one mutual-TLS channel to the hub, and runs three threads:
//   connector  (re)connects: on every connection refreshes the directory, pins the log key and
//              checks the log (Node::OnConnected); then every witness interval checks the log
//              and every directory interval refreshes the directory; every maintenance interval,
//              connected or not, applies the retention policy (Node::Maintain); writes the
//              metrics file;
//   sender     submits the outbox as entries fall due (exponential backoff with jitter);
//   receiver   keeps a Subscribe stream open from the persisted cursor.
// and serves the local API (node/local_api.h) on its Unix socket.
//
// Time decisions (due entries, check intervals) use the injected clock; threads sleep in real
// time for at most one second between looks at it, and Wake() makes them look at once, so tests
// that run a FakeClock forward call Wake() instead of waiting.
#ifndef ENLACE_NODE_DAEMON_H_
#define ENLACE_NODE_DAEMON_H_

#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/env.h"
#include "enlace/v1/node_config.pb.h"
#include "node/hub_client.h"
#include "node/keystore.h"
#include "node/local_api.h"
#include "node/node.h"

namespace enlace::node {

struct DaemonOptions {
  v1::NodeConfig config;  // as LoadNodeConfig returns it
  Env env;
  // Asked when an encrypted key file needs a passphrase and the config names no source.
  PassphraseProvider prompt;
  // Tests: wraps the hub client (e.g. in a misbehaving hub). Null: the client itself.
  std::function<std::unique_ptr<HubPort>(HubPort* client)> wrap_hub;
  CasePolicies policies;
  bool serve_local_api = true;
  // Tests: the store's RocksDB environment (e.g. a disk that fills up). Null: the default.
  rocksdb::Env* rocksdb_env = nullptr;
};

class Daemon {
 public:
  static absl::StatusOr<std::unique_ptr<Daemon>> Start(DaemonOptions options);
  ~Daemon();

  // Makes every thread look at the clock and its work now.
  void Wake();
  // Stops the threads and the local API (idempotent).
  void Stop();

  Node& node() { return *node_; }
  // True once OnConnected succeeded and until a call finds the hub away.
  bool connected() const;

 private:
  explicit Daemon(DaemonOptions options) : options_(std::move(options)) {}
  void ConnectorLoop();
  void SenderLoop();
  void ReceiverLoop();
  // Sleeps until Wake(), Stop(), `until` on the injected clock, or one real second, whichever
  // comes first. Returns false once stopping.
  bool WaitFor(absl::Time until);
  void SetConnected(bool connected, const absl::Status& why);
  // One retention round (Node::Maintain), logged.
  void Maintain();
  void WriteMetrics();

  DaemonOptions options_;
  std::unique_ptr<HubClient> client_;
  std::unique_ptr<HubPort> wrapped_;
  HubPort* hub_ = nullptr;
  std::unique_ptr<Node> node_;
  std::unique_ptr<LocalApiServer> local_api_;
  std::vector<std::thread> threads_;

  mutable absl::Mutex mu_;
  absl::CondVar changed_;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool connected_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace enlace::node

#endif  // ENLACE_NODE_DAEMON_H_
