// The hub as a running server: the exchange core, its gRPC services (Exchange,
// DirectoryService, Admin, AuditLog, the standard health service and server reflection) behind
// mutual TLS, the Prometheus metrics responder, and the maintenance thread (retention, tree
// heads). enlace-hub's main only turns the configuration into HubServerOptions.
#ifndef ENLACE_HUB_SERVER_H_
#define ENLACE_HUB_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "hub/exchange.h"
#include "hub/metrics.h"
#include "identity/x509.h"
#include "net/tls.h"

namespace enlace::hub {

struct HubServerOptions {
  std::string listen_address;   // host:port; port 0 picks a free one (see HubServer::port)
  TlsMaterial tls;              // the hub's certificate and key, and the network root
  std::string metrics_address;  // loopback host:port, or empty for no metrics endpoint
  ExchangeOptions exchange;
  // How often (real time) the maintenance thread expires messages and issues tree heads; zero:
  // no thread (tests call exchange()->RunMaintenance() themselves).
  absl::Duration maintenance_interval = absl::Milliseconds(250);
  // Shutdown: how long in-flight calls get to finish before they are cancelled.
  absl::Duration shutdown_grace = absl::Seconds(5);
};

class HubServer {
 public:
  // Opens the core and starts serving. `network_root` verifies directories; `log_key` signs
  // tree heads and receipts.
  static absl::StatusOr<std::unique_ptr<HubServer>> Start(HubServerOptions options,
                                                          Certificate network_root,
                                                          Ed25519PrivateKey log_key);
  // Shutdown() if not done.
  ~HubServer();

  int port() const { return port_; }
  int metrics_port() const { return metrics_ == nullptr ? 0 : metrics_->port(); }
  Exchange* exchange() const { return exchange_.get(); }
  MetricsRegistry* metrics() { return &registry_; }

  // Drains: streams are told to finish, new calls are refused, calls in flight get
  // `shutdown_grace`, what is queued is committed, a last tree head is signed, the WAL synced.
  absl::Status Shutdown();

 private:
  HubServer() = default;
  void MaintenanceLoop(absl::Duration interval);

  HubServerOptions options_;
  MetricsRegistry registry_;
  std::unique_ptr<Exchange> exchange_;
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<MetricsHttpServer> metrics_;
  int port_ = 0;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread maintenance_;
  bool shut_down_ = false;
};

}  // namespace enlace::hub

#endif  // ENLACE_HUB_SERVER_H_
