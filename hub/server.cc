#include "hub/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "auditlog/service.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "hub/services.h"
#include "net/peer.h"

namespace enlace::hub {

absl::StatusOr<std::unique_ptr<HubServer>> HubServer::Start(HubServerOptions options,
                                                            Certificate network_root,
                                                            Ed25519PrivateKey log_key) {
  std::unique_ptr<HubServer> hub(new HubServer());
  hub->options_ = std::move(options);
  const HubServerOptions& o = hub->options_;
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                   MakeServerCredentials(o.tls, absl::Now()));
  ASSIGN_OR_RETURN(hub->exchange_, Exchange::Open(o.exchange, std::move(network_root),
                                                  std::move(log_key), &hub->registry_));
  Exchange* exchange = hub->exchange_.get();

  hub->services_.push_back(std::make_unique<ExchangeService>(exchange));
  hub->services_.push_back(std::make_unique<DirectoryService>(exchange));
  hub->services_.push_back(std::make_unique<AdminService>(exchange));
  hub->services_.push_back(std::make_unique<auditlog::AuditLogService>(
      exchange->audit_log(),
      [exchange](const grpc::AuthContext& context) -> absl::StatusOr<ParticipantId> {
        ASSIGN_OR_RETURN(Caller caller,
                         AdmitCaller(context, *exchange->directory(), exchange->Now()));
        return caller.id;
      }));

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(o.listen_address, credentials, &hub->port_);
  for (const auto& service : hub->services_) builder.RegisterService(service.get());
  // Room for the largest Submit (SubmitStream messages are pieces, far below it).
  const size_t max_message = std::max<size_t>(o.exchange.limits.max_envelope_bytes, 4 << 20);
  builder.SetMaxReceiveMessageSize(static_cast<int>(max_message + (64 << 10)));
  // Subscribers hold idle streams for hours: let them (and us) probe the connection.
  // Bounded memory per stream: a fixed 4 MiB flow-control window instead of the one BDP probing
  // grows (which let a 100 MB upload push ~60 MB ahead of what the hub had stored).
  builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 4 << 20);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60 * 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20 * 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10 * 1000);
  hub->server_ = builder.BuildAndStart();
  if (hub->server_ == nullptr || hub->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", o.listen_address,
                     " (address in use, or not an address of this machine?)"));
  }
  if (!o.metrics_address.empty()) {
    ASSIGN_OR_RETURN(hub->metrics_,
                     MetricsHttpServer::Start(o.metrics_address, [registry = &hub->registry_] {
                       return registry->Render();
                     }));
  }
  if (o.maintenance_interval > absl::ZeroDuration()) {
    hub->maintenance_ = std::thread(
        [hub = hub.get(), interval = o.maintenance_interval] { hub->MaintenanceLoop(interval); });
  }
  LogInfo("hub.serving", {{"port", absl::StrCat(hub->port_)},
                          {"metrics_port", absl::StrCat(hub->metrics_port())}});
  return hub;
}

void HubServer::MaintenanceLoop(absl::Duration interval) {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval);
      if (stopping_) return;
    }
    absl::StatusOr<uint64_t> expired = exchange_->RunMaintenance();
    if (!expired.ok()) {
      LogError("hub.maintenance_failed", {{"error", std::string(expired.status().message())}});
    } else if (*expired > 0) {
      LogInfo("hub.expired", {{"messages", absl::StrCat(*expired)}});
    }
  }
}

absl::Status HubServer::Shutdown() {
  if (shut_down_) return absl::OkStatus();
  shut_down_ = true;
  LogInfo("hub.draining");
  exchange_->BeginShutdown();
  server_->Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(options_.shutdown_grace));
  server_->Wait();
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (maintenance_.joinable()) maintenance_.join();
  absl::Status closed = exchange_->Close();
  metrics_.reset();
  LogInfo("hub.stopped");
  return closed;
}

HubServer::~HubServer() {
  if (server_ == nullptr) return;
  absl::Status status = Shutdown();
  if (!status.ok()) LogError("hub.shutdown_failed", {{"error", std::string(status.message())}});
}

}  // namespace enlace::hub
