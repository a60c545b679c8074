#include "hub/config.h"

#include <cmath>
#include <filesystem>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "base/status_macros.h"
#include "crypto/envelope.h"
#include "crypto/key_files.h"
#include "identity/directory.h"
#include "proto/text_config.h"

namespace enlace::hub {
namespace {

constexpr char kWhat[] = "hub configuration";

// `value` (0: unset) within [low, high].
void Range(TextConfig& checks, uint64_t value, uint64_t low, uint64_t high,
           absl::string_view path) {
  if (value != 0 && (value < low || value > high)) {
    checks.Fail(path, absl::StrCat(value, " is outside ", low, "..", high));
  }
}

// `path` without "." and ".." steps, repeated slashes or a trailing slash, so that two spellings
// of one folder compare equal (lexically: symbolic links are not followed).
std::string LexicallyNormal(const std::string& path) {
  std::string normal = std::filesystem::path(path).lexically_normal().string();
  while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
  return normal;
}

// "host:port" with a port in 0..65535 (hosts: names, IPv4, [IPv6]).
bool IsHostPort(absl::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) return false;
  int port = -1;
  return absl::SimpleAtoi(address.substr(colon + 1), &port) && port >= 0 && port <= 65535;
}

void ResolveKeyFile(absl::string_view base_dir, v1::KeyFileConfig* key) {
  key->set_path(ResolveConfigPath(base_dir, key->path()));
  key->set_passphrase_file(ResolveConfigPath(base_dir, key->passphrase_file()));
}

void CheckKeyFile(TextConfig& checks, const v1::KeyFileConfig& key, absl::string_view path) {
  checks.Require(!key.path().empty(), absl::StrCat(path, ".path"),
                 "required: the PKCS#8 PEM key file");
}

// The passphrase in `file` (0600), without its trailing newline; empty if no file is named.
absl::StatusOr<SecretBytes> ReadPassphrase(const std::string& file) {
  if (file.empty()) return SecretBytes();
  RETURN_IF_ERROR(CheckPrivateFile(file));
  ASSIGN_OR_RETURN(std::string text, ReadFile(file, 4096));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  SecretBytes passphrase(text);
  OPENSSL_cleanse(text.data(), text.size());
  if (passphrase.size() == 0) {
    return absl::InvalidArgumentError(absl::StrCat("the passphrase file ", file, " is empty"));
  }
  return passphrase;
}

absl::Status InFile(const absl::Status& status, absl::string_view what, absl::string_view file) {
  return absl::Status(status.code(), absl::StrCat(what, " (", file, "): ", status.message()));
}

}  // namespace

absl::StatusOr<v1::HubConfig> ParseHubConfig(absl::string_view text, absl::string_view file_name,
                                             absl::string_view base_dir) {
  v1::HubConfig config;
  ASSIGN_OR_RETURN(TextConfig checks,
                   TextConfig::Parse(text, file_name, kWhat, kMaxHubConfigSize, &config));
  checks.Require(!config.listen_address().empty(), "listen_address",
                 "required, e.g. \"0.0.0.0:7443\"");
  checks.Require(config.listen_address().empty() || IsHostPort(config.listen_address()),
                 "listen_address", "must be host:port with a port in 0..65535");
  checks.Require(!config.data_dir().empty(), "data_dir", "required: the database's folder");
  checks.Require(config.has_tls(), "tls", "required: root_certificate, certificate, private_key");
  checks.Require(!config.has_tls() || !config.tls().root_certificate().empty(),
                 "tls.root_certificate", "required: the network root (PEM)");
  checks.Require(!config.has_tls() || !config.tls().certificate().empty(), "tls.certificate",
                 "required: the hub's certificate (PEM)");
  if (config.has_tls()) CheckKeyFile(checks, config.tls().private_key(), "tls.private_key");
  checks.Require(config.has_log_key(), "log_key", "required: the hub's Ed25519 log key");
  if (config.has_log_key()) CheckKeyFile(checks, config.log_key(), "log_key");
  if (!config.metrics_address().empty()) {
    const absl::string_view host =
        absl::string_view(config.metrics_address()).substr(0, config.metrics_address().rfind(':'));
    checks.Require(IsHostPort(config.metrics_address()) &&
                       (host == "127.0.0.1" || host == "localhost" || host == "[::1]"),
                   "metrics_address",
                   "must be a loopback host:port (127.0.0.1, localhost or [::1]): metrics are "
                   "not for other machines");
  }
  const v1::HubLimitsConfig& limits = config.limits();
  Range(checks, limits.max_envelope_bytes(), 16 << 10, 64 << 20, "limits.max_envelope_bytes");
  Range(checks, limits.max_streamed_envelope_bytes(), 1 << 20, kMaxEnvelopeSize,
        "limits.max_streamed_envelope_bytes");
  checks.Require(std::isfinite(limits.submits_per_second()) && limits.submits_per_second() >= 0 &&
                     limits.submits_per_second() <= 1e6,
                 "limits.submits_per_second", "must be a number in 0..1000000 (0: default)");
  Range(checks, limits.submit_burst(), 1, 1000000, "limits.submit_burst");
  Range(checks, limits.max_streams_per_participant(), 1, 1000,
        "limits.max_streams_per_participant");
  Range(checks, limits.max_message_age_s(), 60, 90 * 86400, "limits.max_message_age_s");
  Range(checks, limits.max_clock_skew_s(), 1, 3600, "limits.max_clock_skew_s");
  Range(checks, config.retention_days(), 1, 3650, "retention_days");
  Range(checks, config.max_merge_delay_ms(), 10, 3600 * 1000, "max_merge_delay_ms");
  Range(checks, config.shutdown_grace_ms(), 1, 600 * 1000, "shutdown_grace_ms");
  // A checkpoint inside the database's folder would be lost when a restore replaces it.
  const std::string data_dir = LexicallyNormal(ResolveConfigPath(base_dir, config.data_dir()));
  const std::string backup_dir =
      config.backup_dir().empty()
          ? ""
          : LexicallyNormal(ResolveConfigPath(base_dir, config.backup_dir()));
  checks.Require(
      backup_dir.empty() ||
          (backup_dir != data_dir &&
           !absl::StartsWith(backup_dir, absl::StrCat(data_dir == "/" ? "" : data_dir, "/"))),
      "backup_dir", "must be outside data_dir (a restore replaces data_dir)");
  const std::string& level = config.log_level();
  checks.Require(level.empty() || level == "debug" || level == "info" || level == "warning" ||
                     level == "error",
                 "log_level", "must be \"debug\", \"info\", \"warning\" or \"error\"");
  RETURN_IF_ERROR(checks.Result());

  config.set_data_dir(ResolveConfigPath(base_dir, config.data_dir()));
  config.mutable_tls()->set_root_certificate(
      ResolveConfigPath(base_dir, config.tls().root_certificate()));
  config.mutable_tls()->set_certificate(ResolveConfigPath(base_dir, config.tls().certificate()));
  ResolveKeyFile(base_dir, config.mutable_tls()->mutable_private_key());
  ResolveKeyFile(base_dir, config.mutable_log_key());
  config.set_directory_file(ResolveConfigPath(base_dir, config.directory_file()));
  config.set_ready_file(ResolveConfigPath(base_dir, config.ready_file()));
  config.set_backup_dir(ResolveConfigPath(base_dir, config.backup_dir()));
  return config;
}

absl::StatusOr<v1::HubConfig> LoadHubConfig(absl::string_view path) {
  ASSIGN_OR_RETURN(ConfigFile file, ReadConfigFile(path, kMaxHubConfigSize, kWhat));
  return ParseHubConfig(file.text, file.name, file.base_dir);
}

absl::StatusOr<HubSetup> PrepareHub(const v1::HubConfig& config, absl::Time now) {
  HubSetup setup;
  HubServerOptions& options = setup.options;
  options.listen_address = config.listen_address();
  options.metrics_address = config.metrics_address();

  TlsFiles files;
  files.root_certificate_path = config.tls().root_certificate();
  files.certificate_path = config.tls().certificate();
  files.private_key_path = config.tls().private_key().path();
  ASSIGN_OR_RETURN(files.passphrase, ReadPassphrase(config.tls().private_key().passphrase_file()));
  ASSIGN_OR_RETURN(options.tls, LoadTlsMaterial(files, now));
  ASSIGN_OR_RETURN(Certificate root, Certificate::FromPem(options.tls.root_certificate_pem));
  setup.network_root.emplace(std::move(root));

  const v1::KeyFileConfig& log_key = config.log_key();
  ASSIGN_OR_RETURN(SecretBytes log_passphrase, ReadPassphrase(log_key.passphrase_file()));
  absl::StatusOr<Ed25519PrivateKey> key =
      log_passphrase.size() == 0
          ? ReadPrivateKeyFile<Ed25519PrivateKey>(log_key.path())
          : ReadEncryptedPrivateKeyFile<Ed25519PrivateKey>(log_key.path(), log_passphrase);
  if (!key.ok()) return InFile(key.status(), "cannot load the log key", log_key.path());
  setup.log_key.emplace(*std::move(key));

  ExchangeOptions& exchange = options.exchange;
  exchange.store.path = config.data_dir();
  exchange.backup_dir = config.backup_dir();
  if (!config.directory_file().empty()) {
    absl::StatusOr<std::string> directory =
        ReadFile(config.directory_file(), kMaxSignedDirectorySize);
    if (!directory.ok()) {
      return InFile(directory.status(), "cannot read the directory", config.directory_file());
    }
    exchange.bootstrap_directory = *std::move(directory);
  }
  const v1::HubLimitsConfig& l = config.limits();
  HubLimits& limits = exchange.limits;
  if (l.max_envelope_bytes() != 0) limits.max_envelope_bytes = l.max_envelope_bytes();
  if (l.max_streamed_envelope_bytes() != 0) {
    limits.max_streamed_envelope_bytes = l.max_streamed_envelope_bytes();
  }
  if (l.submits_per_second() != 0) limits.submits_per_second = l.submits_per_second();
  if (l.submit_burst() != 0) limits.submit_burst = l.submit_burst();
  if (l.max_streams_per_participant() != 0) {
    limits.max_streams_per_participant = l.max_streams_per_participant();
  }
  if (l.mailbox_max_entries() != 0) limits.mailbox_max_entries = l.mailbox_max_entries();
  if (l.mailbox_max_bytes() != 0) limits.mailbox_max_bytes = l.mailbox_max_bytes();
  if (l.max_message_age_s() != 0) limits.max_message_age = absl::Seconds(l.max_message_age_s());
  if (l.max_clock_skew_s() != 0) limits.max_clock_skew = absl::Seconds(l.max_clock_skew_s());
  if (config.retention_days() != 0) exchange.retention = absl::Hours(24 * config.retention_days());
  if (config.max_merge_delay_ms() != 0) {
    exchange.max_merge_delay = absl::Milliseconds(config.max_merge_delay_ms());
  }
  options.maintenance_interval = std::min(absl::Milliseconds(250), exchange.max_merge_delay / 4);
  if (config.shutdown_grace_ms() != 0) {
    options.shutdown_grace = absl::Milliseconds(config.shutdown_grace_ms());
  }
  setup.ready_file = config.ready_file();
  const std::string& level = config.log_level();
  setup.log_level = level == "debug"     ? LogLevel::kDebug
                    : level == "warning" ? LogLevel::kWarning
                    : level == "error"   ? LogLevel::kError
                                         : LogLevel::kInfo;
  return setup;
}

}  // namespace enlace::hub
