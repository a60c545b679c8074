// Test support: the AuditLog service on 127.0.0.1 (a port chosen by the system) behind real
// credentials, and a stub for it.
#ifndef ENLACE_AUDITLOG_TESTING_AUDIT_SERVER_H_
#define ENLACE_AUDITLOG_TESTING_AUDIT_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "auditlog/service.h"
#include "net/tls.h"

namespace enlace::auditlog::testing {

class AuditLogServer {
 public:
  // `log` is not owned and must outlive the server.
  static absl::StatusOr<std::unique_ptr<AuditLogServer>> Start(
      const AuditLog* log, std::shared_ptr<grpc::ServerCredentials> credentials,
      AuditLogService::IdentifyCaller identify_caller);
  ~AuditLogServer();

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  AuditLogServer() = default;
  std::unique_ptr<AuditLogService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

// The caller is whoever its certificate names (net/peer.h AuthenticatePeer); a hub adds its
// directory check on top.
AuditLogService::IdentifyCaller CertificateIdentity();

// A stub on a mutual-TLS channel to `address` presenting `material`.
absl::StatusOr<std::unique_ptr<v1::AuditLog::Stub>> NewStub(const std::string& address,
                                                            const TlsMaterial& material);

}  // namespace enlace::auditlog::testing

#endif  // ENLACE_AUDITLOG_TESTING_AUDIT_SERVER_H_
