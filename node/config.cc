#include "node/config.h"

#include <algorithm>
#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "proto/text_config.h"

namespace enlace::node {
namespace {

constexpr char kWhat[] = "node configuration";

bool ValidHostPort(absl::string_view address) {
  if (absl::StartsWith(address, "unix:")) return address.size() > 5;
  size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) return false;
  uint32_t port = 0;
  return absl::SimpleAtoi(address.substr(colon + 1), &port) && port > 0 && port < 65536;
}

void CheckConfig(const v1::NodeConfig& config, TextConfig& check) {
  ParticipantRules rules = RulesOf(config);
  for (int i = 0; i < config.countries_size(); ++i) {
    const std::string& c = config.countries(i);
    if (c.size() != 2 || !absl::ascii_isupper(c[0]) || !absl::ascii_isupper(c[1])) {
      check.Fail(absl::StrCat("countries[", i, "]"),
                 "a country is two capital letters (ISO 3166-1 alpha-2)");
    }
  }
  absl::Status rules_ok = ValidateParticipantRules(rules);
  if (!rules_ok.ok()) check.Fail("countries", rules_ok.message());

  if (config.participant_id().empty()) {
    check.Fail("participant_id", "required, e.g. participant_id: \"node/MX\"");
  } else if (rules_ok.ok()) {
    absl::StatusOr<ParticipantId> id = ParticipantId::Parse(config.participant_id(), rules);
    if (!id.ok()) {
      check.Fail("participant_id", id.status().message());
    } else if (id->role() != Role::kNode && id->role() != Role::kAdmin &&
               id->role() != Role::kObserver) {
      // The Secretariat (admin/*) and observers (IOM ...) send and receive through a node too.
      check.Fail("participant_id",
                 "a node's id is \"node/<country>\" (e.g. \"node/MX\"), \"admin/<name>\" or "
                 "\"observer/<org>\"");
    }
  }
  if (config.data_dir().empty()) check.Fail("data_dir", "required: the node's data folder");

  const v1::HubConnection& hub = config.hub();
  if (hub.address().empty()) {
    check.Fail("hub.address", "required: the hub's host:port");
  } else if (!ValidHostPort(hub.address())) {
    check.Fail("hub.address",
               absl::StrCat("\"", hub.address(), "\" is not host:port with a port 1-65535"));
  }
  if (hub.root_certificate().empty()) {
    check.Fail("hub.root_certificate", "required: the network root certificate (PEM)");
  }
  if (hub.certificate().empty()) {
    check.Fail("hub.certificate", "required: this node's TLS certificate (PEM)");
  }
  if (hub.private_key().empty()) {
    check.Fail("hub.private_key", "required: this node's TLS private key (PEM)");
  }
  if (hub.connect_timeout_s() > 600) {
    check.Fail("hub.connect_timeout_s", "at most 600 seconds");
  }
  if (hub.call_timeout_s() > 3600) check.Fail("hub.call_timeout_s", "at most 3600");

  const v1::NodeKeys& keys = config.keys();
  if (keys.signing_key_files().empty()) {
    check.Fail("keys.signing_key_files", "at least one Ed25519 signing key file");
  }
  if (keys.encryption_key_files().empty()) {
    check.Fail("keys.encryption_key_files", "at least one X25519 encryption key file");
  }
  if (!keys.passphrase_file().empty() && !keys.passphrase_env().empty()) {
    check.Fail("keys.passphrase_env", "give passphrase_file or passphrase_env, not both");
  }

  if (config.users().empty()) {
    check.Fail("users", "at least one user (the focal point) who may use the node");
  }
  std::set<std::string> logins;
  bool has_focal_point = false;
  for (int i = 0; i < config.users_size(); ++i) {
    const v1::NodeUser& user = config.users(i);
    if (user.os_user().empty() || user.os_user().size() > 32) {
      check.Fail(absl::StrCat("users[", i, "].os_user"),
                 "required: a login name of 1 to 32 characters");
    } else if (!logins.insert(user.os_user()).second) {
      check.Fail(absl::StrCat("users[", i, "].os_user"),
                 absl::StrCat("\"", user.os_user(), "\" is listed twice"));
    }
    if (user.role() == v1::NODE_ROLE_UNSPECIFIED || !v1::NodeRole_IsValid(user.role())) {
      check.Fail(
          absl::StrCat("users[", i, "].role"),
          "required: NODE_ROLE_FOCAL_POINT, NODE_ROLE_CASE_WORKER or NODE_ROLE_INVESTIGATOR");
    }
    has_focal_point |= user.role() == v1::NODE_ROLE_FOCAL_POINT;
    for (int p = 0; p < user.permissions_size(); ++p) {
      if (user.permissions(p) == v1::NODE_PERMISSION_UNSPECIFIED) {
        check.Fail(absl::StrCat("users[", i, "].permissions[", p, "]"),
                   "NODE_PERMISSION_ALERTS or NODE_PERMISSION_BULLETINS");
      }
    }
    if (user.officer().size() > 120)
      check.Fail(absl::StrCat("users[", i, "].officer"), "at most 120 bytes");
  }
  if (!config.users().empty() && !has_focal_point) {
    check.Fail("users", "one user must have role NODE_ROLE_FOCAL_POINT");
  }
  if (!config.language().empty() && config.language() != "es" && config.language() != "en") {
    check.Fail("language", absl::StrCat("\"", config.language(), "\": use \"es\" or \"en\""));
  }
  if (!config.time_zone().empty()) {
    absl::TimeZone zone;
    if (!absl::LoadTimeZone(config.time_zone(), &zone)) {
      check.Fail("time_zone",
                 absl::StrCat("\"", config.time_zone(),
                              "\" is not a known IANA time zone, e.g. \"America/Guatemala\""));
    }
  }
  if (config.organisation().size() > 200) check.Fail("organisation", "at most 200 bytes");
  if (config.unit().size() > 200) check.Fail("unit", "at most 200 bytes");
  const v1::OutboxPolicy& outbox = config.outbox();
  if (outbox.initial_backoff_ms() != 0 && outbox.max_backoff_ms() != 0 &&
      outbox.initial_backoff_ms() > outbox.max_backoff_ms()) {
    check.Fail("outbox.initial_backoff_ms", "must not exceed max_backoff_ms");
  }
  if (outbox.max_backoff_ms() > 24 * 3600 * 1000u) {
    check.Fail("outbox.max_backoff_ms", "at most one day");
  }
  if (config.max_clock_skew_s() > 3600) check.Fail("max_clock_skew_s", "at most 3600");
  if (config.maintenance_interval_s() > 24 * 3600) {
    check.Fail("maintenance_interval_s", "at most 86400 (one day)");
  }
}

void FillDefaults(absl::string_view base_dir, v1::NodeConfig& config) {
  auto resolve = [&](std::string* path) { *path = ResolveConfigPath(base_dir, *path); };
  resolve(config.mutable_data_dir());
  resolve(config.mutable_hub()->mutable_root_certificate());
  resolve(config.mutable_hub()->mutable_certificate());
  resolve(config.mutable_hub()->mutable_private_key());
  for (std::string& path : *config.mutable_keys()->mutable_signing_key_files()) resolve(&path);
  for (std::string& path : *config.mutable_keys()->mutable_encryption_key_files()) resolve(&path);
  resolve(config.mutable_keys()->mutable_passphrase_file());
  v1::LocalApi& api = *config.mutable_local_api();
  if (api.socket_path().empty()) api.set_socket_path(config.data_dir() + "/enlace.sock");
  resolve(api.mutable_socket_path());
  v1::HubConnection& hub = *config.mutable_hub();
  if (hub.connect_timeout_s() == 0) hub.set_connect_timeout_s(10);
  if (hub.call_timeout_s() == 0) hub.set_call_timeout_s(30);
  if (config.language().empty()) config.set_language("es");
  if (config.time_zone().empty()) config.set_time_zone("UTC");
  v1::OutboxPolicy& outbox = *config.mutable_outbox();
  if (outbox.initial_backoff_ms() == 0) outbox.set_initial_backoff_ms(1000);
  if (outbox.max_backoff_ms() == 0) {
    outbox.set_max_backoff_ms(std::max<uint32_t>(300000, outbox.initial_backoff_ms()));
  }
  v1::WitnessPolicy& witness = *config.mutable_witness();
  if (witness.check_interval_s() == 0) witness.set_check_interval_s(60);
  if (config.directory_refresh_s() == 0) config.set_directory_refresh_s(300);
  if (config.max_message_age_s() == 0) config.set_max_message_age_s(30 * 24 * 3600);
  if (config.max_clock_skew_s() == 0) config.set_max_clock_skew_s(300);
  if (config.maintenance_interval_s() == 0) config.set_maintenance_interval_s(3600);
}

}  // namespace

ParticipantRules RulesOf(const v1::NodeConfig& config) {
  ParticipantRules rules;
  if (!config.countries().empty()) {
    rules.countries.assign(config.countries().begin(), config.countries().end());
  }
  return rules;
}

absl::StatusOr<v1::NodeUser> FindUser(const v1::NodeConfig& config, absl::string_view os_user) {
  for (const v1::NodeUser& user : config.users()) {
    if (user.os_user() == os_user) return user;
  }
  return absl::NotFoundError(absl::StrCat("\"", os_user, "\" is not a user of this node"));
}

absl::StatusOr<v1::NodeConfig> ParseNodeConfig(absl::string_view text, absl::string_view file_name,
                                               absl::string_view base_dir) {
  v1::NodeConfig config;
  ASSIGN_OR_RETURN(TextConfig check,
                   TextConfig::Parse(text, file_name, kWhat, kMaxConfigFileSize, &config));
  CheckConfig(config, check);
  RETURN_IF_ERROR(check.Result());
  FillDefaults(base_dir, config);
  return config;
}

absl::StatusOr<v1::NodeConfig> LoadNodeConfig(absl::string_view path) {
  ASSIGN_OR_RETURN(ConfigFile file, ReadConfigFile(path, kMaxConfigFileSize, kWhat));
  return ParseNodeConfig(file.text, file.name, file.base_dir);
}

}  // namespace enlace::node
