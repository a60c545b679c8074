// The node's local API (proto/enlace/v1/node_service.proto) on a Unix socket, with the calling
// operating-system user identified by the kernel.
//
// How the caller is identified (gRPC 1.51 exposes no peer credentials in its AuthContext):
// the server accepts connections on the Unix socket itself, and hands each accepted descriptor
// to gRPC with grpc::AddInsecureChannelFromFd. gRPC names such a connection's peer "fd:<n>"
// (src/core/ext/transport/chttp2/server/insecure/server_chttp2_posix.cc; checked by
// local_api_test). On each call, PeerUid() parses <n> from ServerContext::peer() and asks the
// kernel for that socket's SO_PEERCRED, i.e. the uid of the process that connected. This is
// sound because descriptor <n> belongs to the call's connection for as long as the call lives:
// the call holds a reference on its transport, and gRPC closes the descriptor only when the
// transport is destroyed, so the number cannot be reused by a later connection while a handler
// runs. The uid is mapped to a login name (getpwuid_r) and the login to a role (node config).
//
// Access to the socket itself is controlled by its mode: 0660 with the configured group, or
// 0600 (the daemon's own user only) without one.
#ifndef ENLACE_NODE_LOCAL_API_H_
#define ENLACE_NODE_LOCAL_API_H_

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "enlace/v1/node_config.pb.h"
#include "node/node.h"

namespace enlace::node {

// The uid of the process at the other end of the call's Unix-socket connection.
// UNAUTHENTICATED if the peer is not one of this server's descriptor connections.
absl::StatusOr<uid_t> PeerUid(absl::string_view grpc_peer);

// The configured user for `uid`: PERMISSION_DENIED (bilingual) if the account is not listed.
absl::StatusOr<LocalUser> IdentifyUser(uid_t uid, const v1::NodeConfig& config);

// An absl::Status from the node, as the CLI sees it: the message in `language`, and the domain's
// issues (if any) as a serialized enlace.v1.ValidationReport in the error details.
grpc::Status ToLocalStatus(const absl::Status& status, domain::Language language);

class LocalApiServer {
 public:
  // Creates the socket (replacing a stale one), sets its mode and group, and serves `node`.
  static absl::StatusOr<std::unique_ptr<LocalApiServer>> Start(Node* node,
                                                               const v1::NodeConfig& config);
  ~LocalApiServer();
  // Stops accepting, ends calls in progress, removes the socket. Idempotent.
  void Stop();

 private:
  class Service;
  LocalApiServer() = default;
  void AcceptLoop();

  std::string socket_path_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: wakes the accept loop to stop
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  std::thread acceptor_;
  std::atomic<bool> stopped_{false};
};

}  // namespace enlace::node

#endif  // ENLACE_NODE_LOCAL_API_H_
