#include "auditlog/service.h"

#include <memory>
#include <utility>

#include "net/status.h"

namespace enlace::auditlog {

AuditLogService::AuditLogService(const AuditLog* log, IdentifyCaller identify_caller)
    : access_(log), identify_caller_(std::move(identify_caller)) {}

template <typename Request, typename Response, typename Method>
grpc::ServerUnaryReactor* AuditLogService::Serve(grpc::CallbackServerContext* context,
                                                 const Request* request, Response* response,
                                                 Method method) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const std::shared_ptr<const grpc::AuthContext> auth = context->auth_context();
  absl::StatusOr<ParticipantId> caller =
      auth != nullptr ? identify_caller_(*auth)
                      : absl::UnauthenticatedError("the call carries no authentication context");
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  absl::StatusOr<Response> result = (access_.*method)(*caller, *request);
  if (result.ok()) *response = *std::move(result);
  reactor->Finish(ToGrpcStatus(result.status()));
  return reactor;
}

grpc::ServerUnaryReactor* AuditLogService::GetLogInfo(grpc::CallbackServerContext* context,
                                                      const v1::GetLogInfoRequest* request,
                                                      v1::LogInfo* response) {
  return Serve(context, request, response, &AuditLogAccess::GetLogInfo);
}

grpc::ServerUnaryReactor* AuditLogService::GetTreeHead(grpc::CallbackServerContext* context,
                                                       const v1::GetTreeHeadRequest* request,
                                                       v1::TreeHead* response) {
  return Serve(context, request, response, &AuditLogAccess::GetTreeHead);
}

grpc::ServerUnaryReactor* AuditLogService::GetInclusionProof(
    grpc::CallbackServerContext* context, const v1::GetInclusionProofRequest* request,
    v1::InclusionProof* response) {
  return Serve(context, request, response, &AuditLogAccess::GetInclusionProof);
}

grpc::ServerUnaryReactor* AuditLogService::GetConsistencyProof(
    grpc::CallbackServerContext* context, const v1::GetConsistencyProofRequest* request,
    v1::ConsistencyProof* response) {
  return Serve(context, request, response, &AuditLogAccess::GetConsistencyProof);
}

grpc::ServerUnaryReactor* AuditLogService::ListEntries(grpc::CallbackServerContext* context,
                                                       const v1::ListEntriesRequest* request,
                                                       v1::ListEntriesResponse* response) {
  return Serve(context, request, response, &AuditLogAccess::ListEntries);
}

}  // namespace enlace::auditlog
