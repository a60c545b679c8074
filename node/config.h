// The node's configuration file (proto/enlace/v1/node_config.proto, protobuf text format).
//
//   ASSIGN_OR_RETURN(v1::NodeConfig config, LoadNodeConfig("/etc/enlace/node.conf"));
//
// Every problem is INVALID_ARGUMENT with one line per problem, each naming the file, the line
// and the field: "node.conf:7: hub.address: missing port (expected host:port)". Syntax errors
// and unknown keys are reported by the protobuf parser with their line and column (the shared
// loader, proto/text_config.h). After a successful load, defaults are filled in and relative
// paths are resolved against the file's folder, so the rest of the node never sees an empty or
// relative setting.
#ifndef ENLACE_NODE_CONFIG_H_
#define ENLACE_NODE_CONFIG_H_

#include <sys/types.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "enlace/v1/node_config.pb.h"
#include "identity/participant.h"

namespace enlace::node {

// Largest configuration file accepted.
inline constexpr size_t kMaxConfigFileSize = 256 * 1024;

// Reads, parses, checks and completes the file at `path`.
absl::StatusOr<v1::NodeConfig> LoadNodeConfig(absl::string_view path);

// The same on text already read; `file_name` names it in messages and `base_dir` resolves
// relative paths.
absl::StatusOr<v1::NodeConfig> ParseNodeConfig(absl::string_view text, absl::string_view file_name,
                                               absl::string_view base_dir);

// The participant rules of the configured network (its country list, or the CRM's).
ParticipantRules RulesOf(const v1::NodeConfig& config);

// The configured user with login `os_user`, or NOT_FOUND.
absl::StatusOr<v1::NodeUser> FindUser(const v1::NodeConfig& config, absl::string_view os_user);

}  // namespace enlace::node

#endif  // ENLACE_NODE_CONFIG_H_
