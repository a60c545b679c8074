#include "net/testing/echo_server.h"

#include <chrono>
#include <utility>

#include "net/status.h"

namespace enlace::testing {

class EchoServer::Service final : public v1::Echo::Service {
 public:
  explicit Service(Authorize authorize) : authorize_(std::move(authorize)) {}

  grpc::Status Echo(grpc::ServerContext* context, const v1::EchoRequest* request,
                    v1::EchoResponse* response) override {
    absl::StatusOr<std::string> caller = authorize_(*context->auth_context());
    if (!caller.ok()) return ToGrpcStatus(caller.status());
    response->set_payload(request->payload());
    response->set_caller_id(*caller);
    return grpc::Status::OK;
  }

 private:
  const Authorize authorize_;
};

absl::StatusOr<std::unique_ptr<EchoServer>> EchoServer::Start(
    std::shared_ptr<grpc::ServerCredentials> credentials, Authorize authorize) {
  std::unique_ptr<EchoServer> server(new EchoServer());
  server->service_ = std::make_unique<Service>(std::move(authorize));
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", std::move(credentials), &server->port_);
  builder.RegisterService(server->service_.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError("the echo server did not start on 127.0.0.1");
  }
  return server;
}

EchoServer::~EchoServer() {
  if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
}

absl::StatusOr<v1::EchoResponse> CallEcho(const std::string& address,
                                          std::shared_ptr<grpc::ChannelCredentials> credentials,
                                          const grpc::ChannelArguments& args,
                                          const std::string& payload) {
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(address, std::move(credentials), args);
  std::unique_ptr<v1::Echo::Stub> stub = v1::Echo::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::EchoRequest request;
  request.set_payload(payload);
  v1::EchoResponse response;
  grpc::Status status = stub->Echo(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

}  // namespace enlace::testing
