// Configuration files in protobuf text format, read the same way by every daemon (enlace-hub's
// hub_config.proto, enlace-node's node_config.proto): bounded reads, and every problem named by
// file, line and key, e.g.
//   "invalid hub configuration:\n  hub.conf:13: limits.max_envelope_bytes: 1000 is outside ..."
// The loader knows no schema: each daemon keeps its own semantic checks and defaults and
// reports them through TextConfig::Fail, which finds the key's line in the parser's location
// tree.
//
//   ASSIGN_OR_RETURN(ConfigFile file, ReadConfigFile(path, kMaxSize, "hub configuration"));
//   v1::HubConfig config;
//   ASSIGN_OR_RETURN(TextConfig parsed,
//                    TextConfig::Parse(file.text, file.name, "hub configuration", kMaxSize,
//                                      &config));
//   if (config.data_dir().empty()) parsed.Fail("data_dir", "required");
//   RETURN_IF_ERROR(parsed.Result());
//
// Errors are INVALID_ARGUMENT (a read error keeps its code, e.g. NOT_FOUND). Not thread-safe.
#ifndef ENLACE_PROTO_TEXT_CONFIG_H_
#define ENLACE_PROTO_TEXT_CONFIG_H_

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"

namespace enlace {

// A configuration file as read: its text, its name for messages (the path as given) and the
// folder its relative paths are resolved against.
struct ConfigFile {
  std::string text;
  std::string name;
  std::string base_dir;
};

// Reads `path` (at most `max_size` bytes). The error says it could not read `what`.
absl::StatusOr<ConfigFile> ReadConfigFile(absl::string_view path, size_t max_size,
                                          absl::string_view what);

// `path` resolved against `base_dir` when it is relative; empty and absolute paths unchanged.
std::string ResolveConfigPath(absl::string_view base_dir, absl::string_view path);

// A parsed file and the problems found in it.
class TextConfig {
 public:
  // Parses `text` (at most `max_size` bytes) into `message`. Syntax errors, unknown keys and bad
  // enum names are returned at once, each as "file:line:column: problem".
  static absl::StatusOr<TextConfig> Parse(absl::string_view text, absl::string_view file_name,
                                          absl::string_view what, size_t max_size,
                                          google::protobuf::Message* message);

  TextConfig(TextConfig&&) = default;
  TextConfig& operator=(TextConfig&&) = default;

  // Records a problem with the key at `path`: field names joined by dots, a repeated field's
  // element as name[i], e.g. "limits.max_envelope_bytes" or "users[1].os_user". The message
  // names the line of the deepest part of the path present in the file (none when the key is
  // absent altogether, e.g. a missing required key).
  void Fail(absl::string_view path, absl::string_view problem);
  void Require(bool ok, absl::string_view path, absl::string_view problem) {
    if (!ok) Fail(path, problem);
  }
  bool ok() const { return errors_.empty(); }
  // OK, or INVALID_ARGUMENT listing every problem recorded, one per line, in order.
  absl::Status Result() const;

 private:
  TextConfig(std::string file_name, std::string what, const google::protobuf::Descriptor* type)
      : file_name_(std::move(file_name)),
        what_(std::move(what)),
        type_(type),
        tree_(std::make_unique<google::protobuf::TextFormat::ParseInfoTree>()) {}
  // The 0-based line of `path`'s deepest part present in the file, or -1.
  int LineOf(absl::string_view path) const;

  std::string file_name_;
  std::string what_;
  const google::protobuf::Descriptor* type_;
  std::unique_ptr<google::protobuf::TextFormat::ParseInfoTree> tree_;
  std::vector<std::string> errors_;
};

}  // namespace enlace

#endif  // ENLACE_PROTO_TEXT_CONFIG_H_
