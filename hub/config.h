// enlace-hub's configuration file (proto/enlace/v1/hub_config.proto, protobuf text format) and
// what it turns into: the server's options and its keys.
//
//   ASSIGN_OR_RETURN(v1::HubConfig config, LoadHubConfig("/etc/enlace/hub.conf"));
//   ASSIGN_OR_RETURN(HubSetup setup, PrepareHub(config, absl::Now()));
//
// Every problem is INVALID_ARGUMENT naming the file, the line and the key:
//   "hub.conf:12: limits.max_envelope_bytes: 1000 is below 16384".
// Syntax errors and unknown keys come from the protobuf parser, with line and column (the
// shared loader, proto/text_config.h). Relative paths are resolved against the file's folder;
// unset numbers get their documented defaults.
#ifndef ENLACE_HUB_CONFIG_H_
#define ENLACE_HUB_CONFIG_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "base/log.h"
#include "crypto/signing.h"
#include "enlace/v1/hub_config.pb.h"
#include "hub/server.h"
#include "identity/x509.h"

namespace enlace::hub {

inline constexpr size_t kMaxHubConfigSize = 64 * 1024;

absl::StatusOr<v1::HubConfig> LoadHubConfig(absl::string_view path);
// The same on text already read; `file_name` names it in messages, `base_dir` resolves paths.
absl::StatusOr<v1::HubConfig> ParseHubConfig(absl::string_view text, absl::string_view file_name,
                                             absl::string_view base_dir);

// Everything the hub needs to start, read from the files a checked config names.
struct HubSetup {
  HubServerOptions options;
  std::optional<Certificate> network_root;
  std::optional<Ed25519PrivateKey> log_key;
  std::string ready_file;
  LogLevel log_level = LogLevel::kInfo;
};

// Reads the TLS material (checked at `now`), the log key, the passphrases and the bootstrap
// directory. The error names the file at fault.
absl::StatusOr<HubSetup> PrepareHub(const v1::HubConfig& config, absl::Time now);

}  // namespace enlace::hub

#endif  // ENLACE_HUB_CONFIG_H_
