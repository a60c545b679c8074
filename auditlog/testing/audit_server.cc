#include "auditlog/testing/audit_server.h"

#include <chrono>
#include <utility>

#include "absl/time/clock.h"
#include "base/status_macros.h"
#include "net/peer.h"

namespace enlace::auditlog::testing {

absl::StatusOr<std::unique_ptr<AuditLogServer>> AuditLogServer::Start(
    const AuditLog* log, std::shared_ptr<grpc::ServerCredentials> credentials,
    AuditLogService::IdentifyCaller identify_caller) {
  std::unique_ptr<AuditLogServer> server(new AuditLogServer());
  server->service_ = std::make_unique<AuditLogService>(log, std::move(identify_caller));
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", std::move(credentials), &server->port_);
  builder.RegisterService(server->service_.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError("the audit log server did not start on 127.0.0.1");
  }
  return server;
}

AuditLogServer::~AuditLogServer() {
  if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
}

AuditLogService::IdentifyCaller CertificateIdentity() {
  return [](const grpc::AuthContext& context) -> absl::StatusOr<ParticipantId> {
    ASSIGN_OR_RETURN(Caller caller, AuthenticatePeer(context));
    return caller.id;
  };
}

absl::StatusOr<std::unique_ptr<v1::AuditLog::Stub>> NewStub(const std::string& address,
                                                            const TlsMaterial& material) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ChannelCredentials> credentials,
                   MakeChannelCredentials(material, absl::Now()));
  return v1::AuditLog::NewStub(
      grpc::CreateCustomChannel(address, std::move(credentials), HubChannelArguments()));
}

}  // namespace enlace::auditlog::testing
