// DirectoryService.Get and Admin.PublishDirectory over the exchange core.
#include "absl/strings/str_cat.h"
#include "hub/services.h"
#include "net/status.h"

namespace enlace::hub {
namespace {

grpc::ServerUnaryReactor* Finished(grpc::CallbackServerContext* context,
                                   const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* DirectoryService::Get(grpc::CallbackServerContext* context,
                                                const v1::GetDirectoryRequest* request,
                                                v1::GetDirectoryResponse* response) {
  absl::StatusOr<Caller> caller = Admit(*exchange_, *context);
  if (!caller.ok()) return Finished(context, caller.status());
  *response = exchange_->GetDirectory(request->known_version());
  return Finished(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* AdminService::PublishDirectory(grpc::CallbackServerContext* context,
                                                         const v1::PublishDirectoryRequest* request,
                                                         v1::PublishDirectoryResponse* response) {
  absl::StatusOr<Caller> caller = Admit(*exchange_, *context);
  if (!caller.ok()) return Finished(context, caller.status());
  if (caller->id.role() != Role::kAdmin) {
    return Finished(context,
                    absl::PermissionDeniedError(absl::StrCat(caller->id.str(),
                                                             " is not an admin: only admin/<name> "
                                                             "participants publish directories")));
  }
  // Rare and short (one commit round): answered inline.
  absl::StatusOr<v1::PublishDirectoryResponse> published =
      exchange_->PublishDirectory(caller->id, request->directory());
  if (published.ok()) *response = *std::move(published);
  return Finished(context, published.status());
}

}  // namespace enlace::hub
