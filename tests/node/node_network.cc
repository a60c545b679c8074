#include "tests/node/node_network.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/bytes.h"
#include "base/files.h"
#include "base/status_macros.h"
#include "crypto/key_files.h"
#include "node/cli.h"
#include "node/config.h"

namespace enlace::node::testing {
namespace {

std::string Login() { return getpwuid(getuid())->pw_name; }

}  // namespace

absl::StatusOr<std::unique_ptr<NodeNetwork>> NodeNetwork::Create(
    const std::vector<std::string>& countries) {
  std::unique_ptr<NodeNetwork> network(new NodeNetwork());
  std::vector<std::string> ids = {"admin/ops"};
  for (const std::string& country : countries) ids.push_back("node/" + country);
  ASSIGN_OR_RETURN(network->net_, hub::testing::TestNetwork::Create(network->clock_.Now(), ids));
  RETURN_IF_ERROR(network->StartHub());
  for (const std::string& country : countries) {
    RETURN_IF_ERROR(network->WriteNodeFiles(country));
  }
  return network;
}

NodeNetwork::~NodeNetwork() {
  for (auto& [country, daemon] : daemons_) daemon->Stop();
  daemons_.clear();
  if (hub_ != nullptr) hub_->Shutdown().IgnoreError();
}

absl::Status NodeNetwork::StartHub() {
  hub::HubServerOptions options;
  options.listen_address = absl::StrCat("127.0.0.1:", hub_port_);
  options.tls = net_->hub().tls;
  options.maintenance_interval = absl::ZeroDuration();  // Advance() runs it
  options.shutdown_grace = absl::Seconds(1);
  options.exchange.store.path = hub_data_dir();
  options.exchange.backup_dir = hub_backup_dir();
  options.exchange.store.rocksdb_env = hub_rocksdb_env_;
  options.exchange.env.clock = &clock_;
  ASSIGN_OR_RETURN(v1::SignedDirectory directory, net_->SignDirectory(net_->BaseDirectory(1)));
  options.exchange.bootstrap_directory = directory.SerializeAsString();
  ASSIGN_OR_RETURN(Ed25519PrivateKey log_key, net_->LogKey());
  ASSIGN_OR_RETURN(hub_,
                   hub::HubServer::Start(std::move(options), net_->root(), std::move(log_key)));
  hub_port_ = hub_->port();
  return absl::OkStatus();
}

absl::Status NodeNetwork::StopHub() {
  absl::Status status = hub_->Shutdown();
  hub_.reset();
  return status;
}

absl::Status NodeNetwork::WriteNodeFiles(const std::string& country) {
  const std::string id = "node/" + country;
  const hub::testing::TestParticipant& p = net_->participant(id);
  const std::string dir = dir_.Sub(country);
  RETURN_IF_ERROR(MakeDirectories(dir, 0700));
  RETURN_IF_ERROR(WriteFileAtomically(dir + "/root.pem", p.tls.root_certificate_pem));
  RETURN_IF_ERROR(WriteFileAtomically(dir + "/tls.pem", p.tls.certificate_pem));
  RETURN_IF_ERROR(WriteFileAtomically(dir + "/tls-key.pem", p.tls.private_key_pem.view(), 0600));
  RETURN_IF_ERROR(WritePrivateKeyFile(dir + "/signing.pem", p.signing_key));
  RETURN_IF_ERROR(WritePrivateKeyFile(dir + "/encryption.pem", p.encryption_key));
  const std::string text =
      absl::StrCat(R"(participant_id: ")", id, R"("
data_dir: "data"
hub {
  address: "127.0.0.1:)",
                   hub_port_, R"("
  root_certificate: "root.pem"
  certificate: "tls.pem"
  private_key: "tls-key.pem"
  call_timeout_s: 10
}
keys { signing_key_files: "signing.pem" encryption_key_files: "encryption.pem" }
local_api { socket_path: "s.sock" }
users { os_user: ")",
                   Login(), R"(" role: NODE_ROLE_FOCAL_POINT officer: "Enlace )", country, R"(" }
language: "en"
time_zone: "America/Guatemala"
organisation: "Ministerio )",
                   country, R"("
outbox { initial_backoff_ms: 1000 max_backoff_ms: 60000 }
)");
  RETURN_IF_ERROR(WriteFileAtomically(dir + "/node.conf", text));
  ASSIGN_OR_RETURN(v1::NodeConfig config, LoadNodeConfig(dir + "/node.conf"));
  configs_[country] = std::move(config);
  return absl::OkStatus();
}

absl::Status NodeNetwork::AddEncryptionKey(const std::string& country,
                                           const X25519PrivateKey& key) {
  v1::NodeKeys& keys = *configs_.at(country).mutable_keys();
  const std::string path =
      absl::StrCat(dir_.Sub(country), "/encryption-", keys.encryption_key_files_size() + 1, ".pem");
  RETURN_IF_ERROR(WritePrivateKeyFile(path, key));
  keys.add_encryption_key_files(path);
  return absl::OkStatus();
}

absl::Status NodeNetwork::StartNode(const std::string& country, HubWrapper wrap, Clock* clock,
                                    rocksdb::Env* rocksdb_env) {
  DaemonOptions options;
  options.config = configs_.at(country);
  options.env.clock = clock != nullptr ? clock : &clock_;
  options.wrap_hub = std::move(wrap);
  options.rocksdb_env = rocksdb_env;
  ASSIGN_OR_RETURN(std::unique_ptr<Daemon> daemon, Daemon::Start(std::move(options)));
  daemons_[country] = std::move(daemon);
  return absl::OkStatus();
}

void NodeNetwork::StopNode(const std::string& country) {
  auto it = daemons_.find(country);
  if (it == daemons_.end()) return;
  it->second->Stop();
  daemons_.erase(it);
}

absl::Status NodeNetwork::StartNodes(const std::vector<std::string>& countries) {
  for (const std::string& country : countries) RETURN_IF_ERROR(StartNode(country));
  return WaitConnected(countries);
}

absl::Status NodeNetwork::WaitConnected(const std::vector<std::string>& countries) {
  const bool connected = WaitUntil([&] {
    return std::all_of(countries.begin(), countries.end(),
                       [&](const std::string& c) { return daemon(c).connected(); });
  });
  if (connected) return absl::OkStatus();
  return absl::DeadlineExceededError(
      absl::StrCat("the nodes ", absl::StrJoin(countries, ", "), " did not connect to the hub"));
}

CliResult NodeNetwork::Cli(const std::string& country, const std::vector<std::string>& args,
                           const std::string& input) {
  std::vector<std::string> argv = {"enlace", "--socket",
                                   configs_.at(country).local_api().socket_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<const char*> pointers;
  for (const std::string& a : argv) pointers.push_back(a.c_str());
  std::istringstream in(input);
  std::ostringstream out;
  std::ostringstream err;
  CliContext context;
  context.in = &in;
  context.out = &out;
  context.err = &err;
  context.clock = &clock_;
  CliResult result;
  result.exit_code = RunCli(static_cast<int>(pointers.size()), pointers.data(), context);
  result.out = out.str();
  result.err = err.str();
  return result;
}

CliResult NodeNetwork::Request(const std::string& from, const std::string& to,
                               const std::string& subject) {
  return Cli(from, {"--json", "request", "--to", to, "--subject", subject, "--question",
                    "¿Puede confirmar el documento?", "--deadline", "7d"});
}

absl::optional<v1::StoredItemMeta> NodeNetwork::Item(const std::string& country,
                                                     const std::string& message_id_hex) {
  absl::StatusOr<std::vector<v1::StoredItemMeta>> items = node(country).store().ListItems();
  if (!items.ok()) return absl::nullopt;
  for (const v1::StoredItemMeta& item : *items) {
    if (HexEncode(item.message_id()) == message_id_hex) return item;
  }
  return absl::nullopt;
}

std::string SentMessageId(const CliResult& result) {
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  return ParseCliJson<v1::SendResponse>(result.out).message_id();
}

void NodeNetwork::Advance(absl::Duration duration) {
  // First far enough for the hub to owe a tree head for what it holds (its merge delay is 1 s),
  // then the rest: the nodes' own periodic checks never see a log whose heads lag behind time.
  const absl::Duration first = std::min(duration, absl::Seconds(1));
  for (absl::Duration step : {first, duration - first}) {
    if (step <= absl::ZeroDuration()) continue;
    clock_.Advance(step);
    if (hub_ != nullptr) hub_->exchange()->RunMaintenance().IgnoreError();
    for (auto& [country, daemon] : daemons_) daemon->node().CheckLog().IgnoreError();
  }
  for (auto& [country, daemon] : daemons_) daemon->Wake();
}

bool NodeNetwork::WaitUntil(const std::function<bool()>& condition, absl::Duration step,
                            absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    if (step > absl::ZeroDuration()) {
      Advance(step);
    } else {
      for (auto& [country, daemon] : daemons_) daemon->Wake();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // waiting for other threads
  }
  return condition();
}

absl::Status NodeNetwork::PublishDirectory(const v1::Directory& directory) {
  ASSIGN_OR_RETURN(v1::SignedDirectory signed_directory, net_->SignDirectory(directory));
  ASSIGN_OR_RETURN(ParticipantId admin, ParticipantId::Parse("admin/ops"));
  return hub_->exchange()->PublishDirectory(admin, signed_directory).status();
}

}  // namespace enlace::node::testing
