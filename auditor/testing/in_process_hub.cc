#include "auditor/testing/in_process_hub.h"

#include <utility>

#include "net/status.h"

namespace enlace::auditor::testing {
namespace {

// Answers one call from the access layer, as the gRPC service would.
template <typename Request, typename Response, typename Method>
auto Answer(const auditlog::AuditLogAccess* access, const ParticipantId* caller, Method method) {
  return
      [access, caller, method](grpc::ClientContext*, const Request& request, Response* response) {
        absl::StatusOr<Response> result = (access->*method)(*caller, request);
        if (result.ok()) *response = *std::move(result);
        return ToGrpcStatus(result.status());
      };
}

}  // namespace

InProcessHub::InProcessHub(const auditlog::AuditLog* log, ParticipantId caller)
    : access_(log), caller_(std::move(caller)) {
  using auditlog::AuditLogAccess;
  using ::testing::_;
  ON_CALL(stub_, GetLogInfo(_, _, _))
      .WillByDefault(Answer<v1::GetLogInfoRequest, v1::LogInfo>(&access_, &caller_,
                                                                &AuditLogAccess::GetLogInfo));
  ON_CALL(stub_, GetTreeHead(_, _, _))
      .WillByDefault(Answer<v1::GetTreeHeadRequest, v1::TreeHead>(&access_, &caller_,
                                                                  &AuditLogAccess::GetTreeHead));
  ON_CALL(stub_, GetInclusionProof(_, _, _))
      .WillByDefault(Answer<v1::GetInclusionProofRequest, v1::InclusionProof>(
          &access_, &caller_, &AuditLogAccess::GetInclusionProof));
  ON_CALL(stub_, GetConsistencyProof(_, _, _))
      .WillByDefault(Answer<v1::GetConsistencyProofRequest, v1::ConsistencyProof>(
          &access_, &caller_, &AuditLogAccess::GetConsistencyProof));
  ON_CALL(stub_, ListEntries(_, _, _))
      .WillByDefault(Answer<v1::ListEntriesRequest, v1::ListEntriesResponse>(
          &access_, &caller_, &AuditLogAccess::ListEntries));
}

}  // namespace enlace::auditor::testing
