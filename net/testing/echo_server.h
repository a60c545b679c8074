// Test support: the Echo service (proto/enlace/v1/echo_service.proto) on 127.0.0.1 behind real
// credentials, and a one-call client. The server answers each call with the caller id that its
// `authorize` function derived from the call's TLS peer, or with that function's refusal.
#ifndef ENLACE_NET_TESTING_ECHO_SERVER_H_
#define ENLACE_NET_TESTING_ECHO_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "enlace/v1/echo_service.grpc.pb.h"

namespace enlace::testing {

class EchoServer {
 public:
  // Returns the caller's id, or why the call is refused.
  using Authorize = std::function<absl::StatusOr<std::string>(const grpc::AuthContext&)>;

  // Listens on 127.0.0.1 with a port chosen by the system.
  static absl::StatusOr<std::unique_ptr<EchoServer>> Start(
      std::shared_ptr<grpc::ServerCredentials> credentials, Authorize authorize);
  ~EchoServer();

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  class Service;
  EchoServer() = default;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

// One Echo call with a 10-second deadline.
absl::StatusOr<v1::EchoResponse> CallEcho(const std::string& address,
                                          std::shared_ptr<grpc::ChannelCredentials> credentials,
                                          const grpc::ChannelArguments& args,
                                          const std::string& payload);

}  // namespace enlace::testing

#endif  // ENLACE_NET_TESTING_ECHO_SERVER_H_
