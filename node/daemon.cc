#include "node/daemon.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "identity/pki.h"
#include "net/tls.h"
#include "node/config.h"

namespace enlace::node {
namespace {

std::string CurrentLogin() {
  std::vector<char> buffer(16384);
  passwd entry;
  passwd* found = nullptr;
  if (getpwuid_r(geteuid(), &entry, buffer.data(), buffer.size(), &found) == 0 &&
      found != nullptr) {
    return found->pw_name;
  }
  return absl::StrCat("uid ", geteuid());
}

bool IsNetworkError(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status) ||
         absl::IsCancelled(status);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Daemon>> Daemon::Start(DaemonOptions options) {
  std::unique_ptr<Daemon> daemon(new Daemon(std::move(options)));
  const v1::NodeConfig& config = daemon->options_.config;
  const Env env = daemon->options_.env;
  const ParticipantRules rules = RulesOf(config);
  ASSIGN_OR_RETURN(ParticipantId self, ParticipantId::Parse(config.participant_id(), rules));

  // One passphrase serves every encrypted file; it is asked for at most once.
  PassphraseProvider fallback = daemon->options_.prompt;
  if (!fallback) {
    fallback = []() -> absl::StatusOr<SecretBytes> {
      return absl::FailedPreconditionError(
          "no passphrase source: set keys.passphrase_file or keys.passphrase_env, or start "
          "enlace-node on a terminal");
    };
  }
  auto cached = std::make_shared<std::optional<SecretBytes>>();
  PassphraseProvider source = PassphraseFrom(config.keys(), fallback);
  PassphraseProvider passphrase = [cached, source]() -> absl::StatusOr<SecretBytes> {
    if (!cached->has_value()) {
      ASSIGN_OR_RETURN(SecretBytes got, source());
      *cached = std::move(got);
    }
    return **cached;
  };

  const absl::Time now = env.clock->Now();
  TlsFiles files;
  files.root_certificate_path = config.hub().root_certificate();
  files.certificate_path = config.hub().certificate();
  files.private_key_path = config.hub().private_key();
  ASSIGN_OR_RETURN(bool tls_key_encrypted, IsEncryptedKeyFile(files.private_key_path));
  if (tls_key_encrypted) {
    ASSIGN_OR_RETURN(files.passphrase, passphrase());
  }
  ASSIGN_OR_RETURN(TlsMaterial material, LoadTlsMaterial(files, now, rules));
  ASSIGN_OR_RETURN(Certificate certificate, Certificate::FromPem(material.certificate_pem));
  ASSIGN_OR_RETURN(ParticipantId named, ParticipantFromCertificate(certificate, rules));
  if (named != self) {
    return absl::InvalidArgumentError(absl::StrCat("the certificate ", files.certificate_path,
                                                   " is ", named.str(),
                                                   "'s, but participant_id is ", self.str()));
  }
  ASSIGN_OR_RETURN(Certificate root, Certificate::FromPem(material.root_certificate_pem));
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ChannelCredentials> credentials,
                   MakeChannelCredentials(material, now, ParticipantId::Hub(), rules));
  HubClient::Options client;
  client.address = config.hub().address();
  client.credentials = std::move(credentials);
  client.channel_arguments = HubChannelArguments();
  // Come back quickly when the hub does: gRPC's default reconnect backoff grows to 2 minutes.
  client.channel_arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 250);
  client.channel_arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 250);
  client.channel_arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
  client.call_timeout = absl::Seconds(config.hub().call_timeout_s());
  daemon->client_ = std::make_unique<HubClient>(std::move(client));
  daemon->hub_ = daemon->client_.get();
  if (daemon->options_.wrap_hub) {
    daemon->wrapped_ = daemon->options_.wrap_hub(daemon->client_.get());
    daemon->hub_ = daemon->wrapped_.get();
  }

  ASSIGN_OR_RETURN(std::set<std::string> destroyed, ReadDestroyedKeyFiles(config.data_dir()));
  ASSIGN_OR_RETURN(Keystore keys, Keystore::Load(self, config.keys(), passphrase, destroyed));
  RETURN_IF_ERROR(MakeDirectories(config.data_dir(), 0750));
  NodeOptions node;
  node.config = config;
  node.env = env;
  node.root = std::move(root);
  node.policies = daemon->options_.policies;
  node.rocksdb_env = daemon->options_.rocksdb_env;
  node.daemon_user = CurrentLogin();
  node.certificate_sha256 = certificate.fingerprint();
  node.certificate_not_after = certificate.not_after();
  ASSIGN_OR_RETURN(daemon->node_, Node::Create(std::move(node), std::move(keys), daemon->hub_));
  if (daemon->options_.serve_local_api) {
    ASSIGN_OR_RETURN(daemon->local_api_, LocalApiServer::Start(daemon->node_.get(), config));
  }
  Daemon* d = daemon.get();
  daemon->threads_.emplace_back([d] { d->ConnectorLoop(); });
  daemon->threads_.emplace_back([d] { d->SenderLoop(); });
  daemon->threads_.emplace_back([d] { d->ReceiverLoop(); });
  LogInfo("node.started", {{"participant", self.str()}, {"hub", config.hub().address()}});
  return daemon;
}

Daemon::~Daemon() { Stop(); }

void Daemon::Wake() {
  absl::MutexLock lock(&mu_);
  ++generation_;
  changed_.SignalAll();
}

void Daemon::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    ++generation_;
    changed_.SignalAll();
  }
  if (local_api_ != nullptr) local_api_->Stop();
  if (hub_ != nullptr) hub_->CancelSubscribe();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

bool Daemon::connected() const {
  absl::MutexLock lock(&mu_);
  return connected_;
}

bool Daemon::WaitFor(absl::Time until) {
  absl::MutexLock lock(&mu_);
  const uint64_t seen = generation_;
  const absl::Time real_deadline = absl::Now() + absl::Seconds(1);
  while (!stopping_ && generation_ == seen && options_.env.clock->Now() < until &&
         absl::Now() < real_deadline) {
    changed_.WaitWithDeadline(&mu_, real_deadline);
  }
  return !stopping_;
}

void Daemon::SetConnected(bool connected, const absl::Status& why) {
  node_->SetHubReachable(connected, why.message());
  bool changed;
  {
    absl::MutexLock lock(&mu_);
    changed = connected_ != connected;
    connected_ = connected;
    if (changed) {
      ++generation_;
      changed_.SignalAll();
    }
  }
  if (changed && connected) LogInfo("node.connected", {{"hub", options_.config.hub().address()}});
  if (changed && !connected) {
    LogWarning("node.disconnected", {{"error", std::string(why.message())}});
  }
}

void Daemon::WriteMetrics() {
  absl::Status written =
      WriteFileAtomically(options_.config.data_dir() + "/metrics.prom", node_->MetricsText(), 0644);
  if (!written.ok()) LogWarning("node.metrics", {{"error", std::string(written.message())}});
}

void Daemon::ConnectorLoop() {
  const v1::NodeConfig& config = options_.config;
  const absl::Duration check_every = absl::Seconds(config.witness().check_interval_s());
  const absl::Duration refresh_every = absl::Seconds(config.directory_refresh_s());
  const absl::Duration maintain_every = absl::Seconds(config.maintenance_interval_s());
  absl::Time next_check = absl::InfiniteFuture();
  absl::Time next_refresh = absl::InfiniteFuture();
  absl::Time next_maintenance = options_.env.clock->Now();
  uint32_t attempt = 0;
  while (true) {
    absl::Time now = options_.env.clock->Now();
    // Retention does not need the hub: it runs connected or not.
    if (now >= next_maintenance) {
      Maintain();
      next_maintenance = now + maintain_every;
    }
    if (!connected()) {
      absl::Status status = node_->OnConnected();
      if (status.ok()) {
        attempt = 0;
        SetConnected(true, status);
        next_check = now + check_every;
        next_refresh = now + refresh_every;
      } else {
        SetConnected(false, status);
        LogWarning("node.connect_failed", {{"attempt", absl::StrCat(attempt + 1)},
                                           {"error", std::string(status.message())}});
        absl::Duration delay = RetryDelay(
            ++attempt, absl::Milliseconds(config.outbox().initial_backoff_ms()),
            std::min(absl::Milliseconds(config.outbox().max_backoff_ms()), absl::Seconds(30)),
            options_.env.random);
        WriteMetrics();
        if (!WaitFor(std::min(now + delay, next_maintenance))) return;
        continue;
      }
    }
    if (now >= next_refresh) {
      absl::Status status = node_->RefreshDirectory();
      if (IsNetworkError(status)) SetConnected(false, status);
      next_refresh = now + refresh_every;
    }
    if (now >= next_check) {
      absl::Status status = node_->CheckLog().status();
      if (IsNetworkError(status)) SetConnected(false, status);
      next_check = now + check_every;
    }
    WriteMetrics();
    if (!WaitFor(std::min({next_check, next_refresh, next_maintenance}))) return;
  }
}

void Daemon::Maintain() {
  absl::StatusOr<MaintenanceReport> report = node_->Maintain();
  if (!report.ok()) {
    LogError("node.maintenance", {{"error", std::string(report.status().message())}});
  } else if (report->purged > 0 || report->metadata_purged > 0 || !report->destroyed_keys.empty()) {
    LogInfo("node.maintenance", {{"purged", absl::StrCat(report->purged)},
                                 {"metadata_purged", absl::StrCat(report->metadata_purged)},
                                 {"cases_purged", absl::StrCat(report->cases_purged)},
                                 {"keys_destroyed", absl::StrCat(report->destroyed_keys.size())}});
  }
}

void Daemon::SenderLoop() {
  while (true) {
    absl::StatusOr<int> drained = node_->DrainOutbox();
    if (!drained.ok()) {
      LogWarning("node.outbox", {{"error", std::string(drained.status().message())}});
    }
    if (!WaitFor(node_->NextOutboxAttempt())) return;
  }
}

void Daemon::ReceiverLoop() {
  uint32_t attempt = 0;
  while (true) {
    if (!connected()) {
      if (!WaitFor(absl::InfiniteFuture())) return;
      continue;
    }
    absl::Status status = hub_->Subscribe(node_->cursor(), [this](const v1::Delivery& delivery) {
      return node_->HandleDelivery(delivery);
    });
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    if (!status.ok()) {
      if (IsNetworkError(status)) SetConnected(false, status);
      LogWarning("node.subscribe", {{"error", std::string(status.message())}});
    }
    absl::Duration delay =
        RetryDelay(++attempt, absl::Milliseconds(200), absl::Seconds(5), options_.env.random);
    if (!WaitFor(options_.env.clock->Now() + delay)) return;
  }
}

}  // namespace enlace::node
