// The thin gRPC face of the audit log: identifies the caller, asks AuditLogAccess (access.h),
// translates the answer. Callback API; every handler answers inline (reads are short RocksDB
// point lookups and bounded scans).
//
// The caller's identity comes from an injected function so that the hub decides what admits a
// caller (net/peer.h: AuthenticatePeer, or AdmitCaller against the directory). A refusal from it
// is returned as is (UNAUTHENTICATED / PERMISSION_DENIED), before any log access.
#ifndef ENLACE_AUDITLOG_SERVICE_H_
#define ENLACE_AUDITLOG_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <functional>

#include "absl/status/statusor.h"
#include "auditlog/access.h"
#include "enlace/v1/auditlog_service.grpc.pb.h"
#include "identity/participant.h"

namespace enlace::auditlog {

class AuditLogService final : public v1::AuditLog::CallbackService {
 public:
  using IdentifyCaller = std::function<absl::StatusOr<ParticipantId>(const grpc::AuthContext&)>;

  // `log` is not owned and must outlive the service (and the server it is registered with).
  AuditLogService(const AuditLog* log, IdentifyCaller identify_caller);

  grpc::ServerUnaryReactor* GetLogInfo(grpc::CallbackServerContext* context,
                                       const v1::GetLogInfoRequest* request,
                                       v1::LogInfo* response) override;
  grpc::ServerUnaryReactor* GetTreeHead(grpc::CallbackServerContext* context,
                                        const v1::GetTreeHeadRequest* request,
                                        v1::TreeHead* response) override;
  grpc::ServerUnaryReactor* GetInclusionProof(grpc::CallbackServerContext* context,
                                              const v1::GetInclusionProofRequest* request,
                                              v1::InclusionProof* response) override;
  grpc::ServerUnaryReactor* GetConsistencyProof(grpc::CallbackServerContext* context,
                                                const v1::GetConsistencyProofRequest* request,
                                                v1::ConsistencyProof* response) override;
  grpc::ServerUnaryReactor* ListEntries(grpc::CallbackServerContext* context,
                                        const v1::ListEntriesRequest* request,
                                        v1::ListEntriesResponse* response) override;

 private:
  template <typename Request, typename Response, typename Method>
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context, const Request* request,
                                  Response* response, Method method);

  AuditLogAccess access_;
  IdentifyCaller identify_caller_;
};

}  // namespace enlace::auditlog

#endif  // ENLACE_AUDITLOG_SERVICE_H_
