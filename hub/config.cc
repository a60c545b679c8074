#include "hub/config.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <cmath>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/files.h"
#include "base/status_macros.h"
#include "crypto/envelope.h"
#include "crypto/key_files.h"
#include "identity/directory.h"

namespace enlace::hub {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::TextFormat;

class SyntaxErrors : public google::protobuf::io::ErrorCollector {
 public:
  explicit SyntaxErrors(std::string file_name) : file_name_(std::move(file_name)) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    errors.push_back(absl::StrCat(file_name_, ":", line + 1, ":", column + 1, ": ", message));
  }
  std::vector<std::string> errors;

 private:
  std::string file_name_;
};

// Value checks, each naming the line of the key (through the parser's location tree).
class Checks {
 public:
  Checks(std::string file_name, const TextFormat::ParseInfoTree* tree)
      : file_name_(std::move(file_name)), tree_(tree) {}

  // `path` is a dotted key, e.g. "limits.max_envelope_bytes".
  void Fail(absl::string_view path, absl::string_view message) {
    const int line = LineOf(path);
    errors_.push_back(absl::StrCat(file_name_, line >= 0 ? absl::StrCat(":", line + 1) : "", ": ",
                                   path, ": ", message));
  }
  void Require(bool ok, absl::string_view path, absl::string_view message) {
    if (!ok) Fail(path, message);
  }
  // `value` (0: unset) within [low, high].
  void Range(uint64_t value, uint64_t low, uint64_t high, absl::string_view path) {
    if (value != 0 && (value < low || value > high)) {
      Fail(path, absl::StrCat(value, " is outside ", low, "..", high));
    }
  }
  absl::Status Result() const {
    if (errors_.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat("invalid hub configuration:\n  ", absl::StrJoin(errors_, "\n  ")));
  }

 private:
  int LineOf(absl::string_view path) const {
    const Descriptor* type = v1::HubConfig::descriptor();
    const TextFormat::ParseInfoTree* tree = tree_;
    int line = -1;
    for (absl::string_view name : absl::StrSplit(path, '.')) {
      const FieldDescriptor* field =
          type == nullptr ? nullptr : type->FindFieldByName(std::string(name));
      if (field == nullptr || tree == nullptr) break;
      const TextFormat::ParseLocation location = tree->GetLocation(field, -1);
      if (location.line < 0) break;
      line = location.line;
      tree = tree->GetTreeForNested(field, -1);
      type = field->message_type();
    }
    return line;
  }

  std::string file_name_;
  const TextFormat::ParseInfoTree* tree_;
  std::vector<std::string> errors_;
};

// "host:port" with a port in 0..65535 (hosts: names, IPv4, [IPv6]).
bool IsHostPort(absl::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) return false;
  int port = -1;
  return absl::SimpleAtoi(address.substr(colon + 1), &port) && port >= 0 && port <= 65535;
}

std::string Resolve(absl::string_view base_dir, const std::string& path) {
  if (path.empty() || absl::StartsWith(path, "/") || base_dir.empty()) return path;
  return absl::StrCat(base_dir, "/", path);
}

void ResolveKeyFile(absl::string_view base_dir, v1::KeyFileConfig* key) {
  key->set_path(Resolve(base_dir, key->path()));
  key->set_passphrase_file(Resolve(base_dir, key->passphrase_file()));
}

void CheckKeyFile(Checks& checks, const v1::KeyFileConfig& key, absl::string_view path) {
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
  if (text.size() > kMaxHubConfigSize) {
    return absl::InvalidArgumentError(absl::StrCat(file_name, " is ", text.size(),
                                                   " bytes; a hub configuration is at most ",
                                                   kMaxHubConfigSize));
  }
  v1::HubConfig config;
  TextFormat::Parser parser;
  SyntaxErrors syntax{std::string(file_name)};
  TextFormat::ParseInfoTree tree;
  parser.RecordErrorsTo(&syntax);
  parser.WriteLocationsTo(&tree);
  if (!parser.ParseFromString(std::string(text), &config)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid hub configuration:\n  ", absl::StrJoin(syntax.errors, "\n  ")));
  }

  Checks checks(std::string(file_name), &tree);
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
  checks.Range(limits.max_envelope_bytes(), 16 << 10, 64 << 20, "limits.max_envelope_bytes");
  checks.Range(limits.max_streamed_envelope_bytes(), 1 << 20, kMaxEnvelopeSize,
               "limits.max_streamed_envelope_bytes");
  checks.Require(std::isfinite(limits.submits_per_second()) && limits.submits_per_second() >= 0 &&
                     limits.submits_per_second() <= 1e6,
                 "limits.submits_per_second", "must be a number in 0..1000000 (0: default)");
  checks.Range(limits.submit_burst(), 1, 1000000, "limits.submit_burst");
  checks.Range(limits.max_streams_per_participant(), 1, 1000, "limits.max_streams_per_participant");
  checks.Range(limits.max_message_age_s(), 60, 90 * 86400, "limits.max_message_age_s");
  checks.Range(limits.max_clock_skew_s(), 1, 3600, "limits.max_clock_skew_s");
  checks.Range(config.retention_days(), 1, 3650, "retention_days");
  checks.Range(config.max_merge_delay_ms(), 10, 3600 * 1000, "max_merge_delay_ms");
  checks.Range(config.shutdown_grace_ms(), 1, 600 * 1000, "shutdown_grace_ms");
  const std::string& level = config.log_level();
  checks.Require(level.empty() || level == "debug" || level == "info" || level == "warning" ||
                     level == "error",
                 "log_level", "must be \"debug\", \"info\", \"warning\" or \"error\"");
  RETURN_IF_ERROR(checks.Result());

  config.set_data_dir(Resolve(base_dir, config.data_dir()));
  config.mutable_tls()->set_root_certificate(Resolve(base_dir, config.tls().root_certificate()));
  config.mutable_tls()->set_certificate(Resolve(base_dir, config.tls().certificate()));
  ResolveKeyFile(base_dir, config.mutable_tls()->mutable_private_key());
  ResolveKeyFile(base_dir, config.mutable_log_key());
  config.set_directory_file(Resolve(base_dir, config.directory_file()));
  config.set_ready_file(Resolve(base_dir, config.ready_file()));
  return config;
}

absl::StatusOr<v1::HubConfig> LoadHubConfig(absl::string_view path) {
  absl::StatusOr<std::string> text = ReadFile(path, kMaxHubConfigSize);
  if (!text.ok()) return InFile(text.status(), "cannot read the hub configuration", path);
  const size_t slash = path.rfind('/');
  const absl::string_view base = slash == absl::string_view::npos ? "." : path.substr(0, slash);
  const absl::string_view name = slash == absl::string_view::npos ? path : path.substr(slash + 1);
  return ParseHubConfig(*text, name, base);
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
