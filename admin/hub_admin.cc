#include "admin/hub_admin.h"

#include <grpcpp/grpcpp.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/files.h"
#include "base/status_macros.h"
#include "enlace/v1/hub_service.grpc.pb.h"
#include "identity/directory.h"
#include "net/status.h"
#include "net/tls.h"

namespace enlace {
namespace {

absl::StatusOr<std::unique_ptr<v1::Admin::Stub>> Connect(const HubAdminConnection& hub) {
  if (hub.address.empty()) return absl::InvalidArgumentError("--hub: give the hub's host:port");
  TlsFiles files;
  files.root_certificate_path = absl::StrCat(hub.bundle_dir, "/root.pem");
  files.certificate_path = absl::StrCat(hub.bundle_dir, "/tls.pem");
  files.private_key_path = absl::StrCat(hub.bundle_dir, "/tls-key.pem");
  files.passphrase = hub.passphrase;
  ASSIGN_OR_RETURN(TlsMaterial material, LoadTlsMaterial(files, absl::Now()));
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ChannelCredentials> credentials,
                   MakeChannelCredentials(material, absl::Now()));
  return v1::Admin::NewStub(
      grpc::CreateCustomChannel(hub.address, credentials, HubChannelArguments()));
}

// The hub's answer as a status that says where it came from.
absl::Status FromHub(const HubAdminConnection& hub, const grpc::Status& status) {
  absl::Status converted = FromGrpcStatus(status);
  return absl::Status(converted.code(),
                      absl::StrCat("the hub at ", hub.address, " answered: ", converted.message()));
}

template <typename Request, typename Response, typename Method>
absl::StatusOr<Response> Call(const HubAdminConnection& hub, Method method,
                              const Request& request) {
  ASSIGN_OR_RETURN(std::unique_ptr<v1::Admin::Stub> stub, Connect(hub));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + hub.timeout));
  Response response;
  grpc::Status status = ((*stub).*method)(&context, request, &response);
  if (!status.ok()) return FromHub(hub, status);
  return response;
}

}  // namespace

absl::StatusOr<v1::PublishDirectoryResponse> PushDirectory(const HubAdminConnection& hub,
                                                           const std::string& directory_file) {
  ASSIGN_OR_RETURN(std::string bytes, ReadFile(directory_file, kMaxSignedDirectorySize));
  v1::PublishDirectoryRequest request;
  if (!request.mutable_directory()->ParseFromString(bytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat(directory_file,
                     ": not a signed directory (enlace-admin directory publish "
                     "writes directory/current.pb)"));
  }
  return Call<v1::PublishDirectoryRequest, v1::PublishDirectoryResponse>(
      hub, &v1::Admin::Stub::PublishDirectory, request);
}

absl::StatusOr<v1::CreateBackupResponse> CreateHubBackup(const HubAdminConnection& hub) {
  return Call<v1::CreateBackupRequest, v1::CreateBackupResponse>(
      hub, &v1::Admin::Stub::CreateBackup, v1::CreateBackupRequest());
}

}  // namespace enlace
