#include "node/local_api.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <grpcpp/server_posix.h>
#include <poll.h>
#include <pwd.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "domain/issues.h"
#include "enlace/v1/node_service.grpc.pb.h"
#include "node/attachments.h"
#include "node/config.h"
#include "node/text.h"

namespace enlace::node {
namespace {

absl::Status Errno(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

}  // namespace

absl::StatusOr<uid_t> PeerUid(absl::string_view grpc_peer) {
  int fd = -1;
  if (!absl::StartsWith(grpc_peer, "fd:") || !absl::SimpleAtoi(grpc_peer.substr(3), &fd) ||
      fd < 0) {
    return absl::UnauthenticatedError(
        absl::StrCat("the caller (", grpc_peer, ") did not come through the local socket"));
  }
  sockaddr_storage address;
  socklen_t address_size = sizeof(address);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &address_size) != 0 ||
      address.ss_family != AF_UNIX) {
    return absl::UnauthenticatedError("the caller's connection is not a Unix socket");
  }
  ucred credentials;
  socklen_t size = sizeof(credentials);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &size) != 0 ||
      size != sizeof(credentials)) {
    return absl::UnauthenticatedError(
        absl::StrCat("cannot read the caller's credentials: ", std::strerror(errno)));
  }
  return credentials.uid;
}

absl::StatusOr<LocalUser> IdentifyUser(uid_t uid, const v1::NodeConfig& config) {
  std::vector<char> buffer(16384);
  passwd entry;
  passwd* found = nullptr;
  int error = getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found);
  std::string login = found != nullptr ? std::string(found->pw_name) : absl::StrCat("uid ", uid);
  if (error != 0 || found == nullptr) {
    return NodeError(absl::StatusCode::kPermissionDenied,
                     absl::StrCat("la cuenta ", login, " no existe en esta máquina"),
                     absl::StrCat("account ", login, " does not exist on this machine"));
  }
  absl::StatusOr<v1::NodeUser> user = FindUser(config, login);
  if (!user.ok()) {
    return NodeError(absl::StatusCode::kPermissionDenied,
                     absl::StrCat("«", login,
                                  "» no es usuario de este nodo: pida al punto focal que lo añada "
                                  "a la configuración (users { os_user: \"",
                                  login, "\" ... })"),
                     absl::StrCat("\"", login,
                                  "\" is not a user of this node: ask the focal point to add "
                                  "it to the configuration (users { os_user: \"",
                                  login, "\" ... })"));
  }
  LocalUser local;
  local.os_user = login;
  local.uid = uid;
  local.config = std::move(*user);
  return local;
}

grpc::Status ToLocalStatus(const absl::Status& status, domain::Language language) {
  if (status.ok()) return grpc::Status::OK;
  std::vector<v1::FieldIssue> issues = domain::IssuesFromStatus(status);
  std::string message(status.message());
  v1::ValidationReport report;
  if (!issues.empty()) {
    std::vector<std::string> lines;
    for (const v1::FieldIssue& issue : issues) {
      const std::string& text = IssueText(issue, language);
      lines.push_back(issue.path().empty() ? text : absl::StrCat(issue.path(), ": ", text));
      *report.add_issues() = issue;
    }
    message = absl::StrJoin(lines, "\n");
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), message,
                      report.SerializeAsString());
}

// The gRPC service: identify the caller, call the node, translate the status.
class LocalApiServer::Service final : public v1::NodeLocal::Service {
 public:
  Service(Node* node, const v1::NodeConfig& config) : node_(node), config_(config) {}

  grpc::Status Whoami(grpc::ServerContext* context, const v1::WhoamiRequest*,
                      v1::WhoamiResponse* response) override {
    return Serve(context, "", response, [&](const LocalUser& user) { return node_->Whoami(user); });
  }
  grpc::Status Send(grpc::ServerContext* context, const v1::SendRequest* request,
                    v1::SendResponse* response) override {
    return Serve(context, request->lang(), response,
                 [&](const LocalUser& user) { return node_->Send(user, *request); });
  }
  grpc::Status SendWithAttachments(grpc::ServerContext* context,
                                   grpc::ServerReader<v1::SendPart>* reader,
                                   v1::SendResponse* response) override {
    v1::SendPart first;
    if (!reader->Read(&first) || !first.has_request()) {
      return ToLocalStatus(NodeError(absl::StatusCode::kInvalidArgument,
                                     "SendWithAttachments empieza por la solicitud",
                                     "SendWithAttachments starts with the request"),
                           LanguageOf(""));
    }
    const v1::SendRequest& request = first.request();
    // The caller is identified before any attachment byte is read.
    return Serve(context, request.lang(), response,
                 [&](const LocalUser& user) -> absl::StatusOr<v1::SendResponse> {
                   ASSIGN_OR_RETURN(std::vector<Bytes> attachments, ReadAttachments(reader));
                   return node_->Send(user, request, std::move(attachments));
                 });
  }
  grpc::Status ExportAttachment(grpc::ServerContext* context,
                                const v1::ExportAttachmentRequest* request,
                                grpc::ServerWriter<v1::ExportAttachmentPart>* writer) override {
    const domain::Language language = LanguageOf(request->lang());
    absl::StatusOr<LocalUser> user = Identify(context);
    if (!user.ok()) return ToLocalStatus(user.status(), language);
    return ToLocalStatus(
        node_->ExportAttachment(*user, *request,
                                [&](const v1::ExportAttachmentPart& part) {
                                  if (writer->Write(part)) return absl::OkStatus();
                                  return absl::CancelledError("the caller went away");
                                }),
        language);
  }
  grpc::Status Forward(grpc::ServerContext* context, const v1::ForwardRequest* request,
                       v1::SendResponse* response) override {
    return Serve(context, request->lang(), response,
                 [&](const LocalUser& user) { return node_->Forward(user, *request); });
  }
  grpc::Status ListInbox(grpc::ServerContext* context, const v1::ListInboxRequest* request,
                         v1::ListInboxResponse* response) override {
    return Serve(context, request->lang(), response,
                 [&](const LocalUser& user) { return node_->ListInbox(user, *request); });
  }
  grpc::Status Show(grpc::ServerContext* context, const v1::ShowRequest* request,
                    v1::ShowResponse* response) override {
    return Serve(context, request->lang(), response,
                 [&](const LocalUser& user) { return node_->Show(user, *request); });
  }
  grpc::Status Thread(grpc::ServerContext* context, const v1::ThreadRequest* request,
                      v1::ThreadResponse* response) override {
    return Serve(context, request->lang(), response,
                 [&](const LocalUser& user) { return node_->Thread(user, *request); });
  }
  grpc::Status ListCases(grpc::ServerContext* context, const v1::ListCasesRequest* request,
                         v1::ListCasesResponse* response) override {
    return Serve(context, request->lang(), response,
                 [&](const LocalUser& user) { return node_->ListCases(user, *request); });
  }
  grpc::Status Keys(grpc::ServerContext* context, const v1::KeysRequest* request,
                    v1::KeysResponse* response) override {
    return Serve(context, request->lang(), response,
                 [&](const LocalUser& user) { return node_->Keys(user); });
  }
  grpc::Status Doctor(grpc::ServerContext* context, const v1::DoctorRequest* request,
                      v1::DoctorResponse* response) override {
    return Serve(context, request->lang(), response,
                 [&](const LocalUser& user) { return node_->Doctor(user, *request); });
  }
  grpc::Status Audit(grpc::ServerContext* context, const v1::AuditRequest* request,
                     v1::AuditResponse* response) override {
    return Serve(context, request->lang(), response,
                 [&](const LocalUser& user) { return node_->Audit(user); });
  }
  grpc::Status Backup(grpc::ServerContext* context, const v1::BackupRequest* request,
                      v1::BackupResponse* response) override {
    return Serve(context, request->lang(), response,
                 [&](const LocalUser& user) { return node_->Backup(user); });
  }

 private:
  domain::Language LanguageOf(absl::string_view lang) const {
    return LanguageOr(
        lang, config_.language() == "en" ? domain::Language::kEnglish : domain::Language::kSpanish);
  }

  // The caller, from the connection's peer credentials and the node config.
  absl::StatusOr<LocalUser> Identify(grpc::ServerContext* context) const {
    ASSIGN_OR_RETURN(uid_t uid, PeerUid(context->peer()));
    absl::StatusOr<LocalUser> user = IdentifyUser(uid, config_);
    if (!user.ok()) {
      LogWarning("node.local_refused",
                 {{"uid", absl::StrCat(uid)}, {"error", std::string(user.status().message())}});
    }
    return user;
  }

  // The attachment pieces after SendWithAttachments' request, as whole bodies (bounded).
  static absl::StatusOr<std::vector<Bytes>> ReadAttachments(
      grpc::ServerReader<v1::SendPart>* reader) {
    std::vector<Bytes> bodies;
    uint64_t total = 0;
    v1::SendPart part;
    while (reader->Read(&part)) {
      if (!part.has_attachment()) {
        return NodeError(absl::StatusCode::kInvalidArgument,
                         "tras la solicitud solo vienen trozos de adjuntos",
                         "only attachment pieces follow the request");
      }
      const uint32_t index = part.attachment().index();
      if (index == bodies.size()) {
        bodies.emplace_back();
      } else if (index + 1 != bodies.size()) {
        return NodeError(absl::StatusCode::kInvalidArgument,
                         absl::StrCat("trozo del adjunto ", index + 1, " fuera de orden"),
                         absl::StrCat("a piece of attachment ", index + 1, " out of order"));
      }
      total += part.attachment().data().size();
      if (total > kMaxAttachmentBytes) {
        return NodeError(
            absl::StatusCode::kResourceExhausted,
            absl::StrCat("los adjuntos pasan de ", kMaxAttachmentBytes, " bytes por mensaje"),
            absl::StrCat("the attachments exceed ", kMaxAttachmentBytes, " bytes per message"));
      }
      bodies.back().append(part.attachment().data());
    }
    return bodies;
  }

  // `call(user)` returns absl::StatusOr<Response>.
  template <typename Response, typename Call>
  grpc::Status Serve(grpc::ServerContext* context, absl::string_view lang, Response* response,
                     const Call& call) {
    const domain::Language language = LanguageOf(lang);
    absl::StatusOr<LocalUser> user = Identify(context);
    if (!user.ok()) return ToLocalStatus(user.status(), language);
    absl::StatusOr<Response> result = call(*user);  // NOLINT: the type is the point
    if (!result.ok()) return ToLocalStatus(result.status(), language);
    *response = std::move(*result);
    return grpc::Status::OK;
  }

  Node* const node_;
  const v1::NodeConfig config_;
};

absl::StatusOr<std::unique_ptr<LocalApiServer>> LocalApiServer::Start(
    Node* node, const v1::NodeConfig& config) {
  std::unique_ptr<LocalApiServer> server(new LocalApiServer());
  const std::string& path = config.local_api().socket_path();
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat("local_api.socket_path is longer than ",
                                                   sizeof(address.sun_path) - 1, " bytes: ", path));
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  struct stat existing;
  if (lstat(path.c_str(), &existing) == 0) {
    if (!S_ISSOCK(existing.st_mode)) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, " exists and is not a socket: refusing to replace it"));
    }
    unlink(path.c_str());  // a stale socket of a previous run
  }
  server->listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (server->listen_fd_ < 0) return Errno("socket");
  // Created with no access for others, then opened up to the group if one is configured.
  mode_t old_umask = umask(0177);
  int bound = bind(server->listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  umask(old_umask);
  if (bound != 0) return Errno(absl::StrCat("bind ", path));
  server->socket_path_ = path;
  const std::string& group = config.local_api().socket_group();
  if (!group.empty()) {
    std::vector<char> buffer(16384);
    struct group entry;
    struct group* found = nullptr;
    if (getgrnam_r(group.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 ||
        found == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("local_api.socket_group: no group \"", group, "\" on this machine"));
    }
    if (chown(path.c_str(), static_cast<uid_t>(-1), found->gr_gid) != 0) {
      return Errno(absl::StrCat("chown ", path, " to group ", group));
    }
    if (chmod(path.c_str(), 0660) != 0) return Errno(absl::StrCat("chmod ", path));
  }
  if (listen(server->listen_fd_, 64) != 0) return Errno("listen");
  server->wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (server->wake_fd_ < 0) return Errno("eventfd");

  server->service_ = std::make_unique<Service>(node, config);
  grpc::ServerBuilder builder;  // no listening port: connections come from AcceptLoop
  builder.RegisterService(server->service_.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr) return absl::InternalError("the local gRPC server did not start");
  server->acceptor_ = std::thread([s = server.get()] { s->AcceptLoop(); });
  LogInfo("node.local_api", {{"socket", path}, {"group", group.empty() ? "(owner only)" : group}});
  return server;
}

void LocalApiServer::AcceptLoop() {
  while (!stopped_.load()) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      LogError("node.local_api_poll", {{"error", std::strerror(errno)}});
      return;
    }
    if (fds[1].revents != 0 || stopped_.load()) return;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED) {
        LogWarning("node.local_api_accept", {{"error", std::strerror(errno)}});
      }
      continue;
    }
    grpc::AddInsecureChannelFromFd(server_.get(), fd);  // gRPC owns fd from here
  }
}

void LocalApiServer::Stop() {
  if (stopped_.exchange(true)) return;
  if (wake_fd_ >= 0) {
    uint64_t one = 1;
    ssize_t written = write(wake_fd_, &one, sizeof(one));
    (void)written;  // the loop also checks stopped_
  }
  if (acceptor_.joinable()) acceptor_.join();
  if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
  if (listen_fd_ >= 0) close(listen_fd_);
  if (wake_fd_ >= 0) close(wake_fd_);
  if (!socket_path_.empty()) unlink(socket_path_.c_str());
}

LocalApiServer::~LocalApiServer() { Stop(); }

}  // namespace enlace::node
