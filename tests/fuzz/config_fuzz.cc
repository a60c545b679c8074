// Fuzzes the daemons' configuration loaders on any text (hub/config.h ParseHubConfig,
// node/config.h ParseNodeConfig, both on proto/text_config.h): protobuf text format, the
// semantic checks with their file:line messages, defaults and path resolution. Configuration is
// written by operators, not attackers, but a typo must give a clear error, never a crash. Every
// input is tried as both files. Judged: a loaded configuration, printed back in text format,
// loads again to the same configuration (defaults and resolved paths are stable), and every
// refusal names the file.
// Seeds: deploy/config/*.example (the packaged defaults).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "hub/config.h"
#include "node/config.h"
#include "tests/fuzz/fuzz_support.h"

namespace enlace {
namespace {

constexpr absl::string_view kBaseDir = "/etc/enlace";

template <typename Config>
void Check(absl::StatusOr<Config> (*parse)(absl::string_view, absl::string_view, absl::string_view),
           absl::string_view text, absl::string_view file_name) {
  absl::StatusOr<Config> config = parse(text, file_name, kBaseDir);
  if (!config.ok()) {
    if (!absl::StrContains(config.status().message(), file_name)) std::abort();
    return;
  }
  std::string printed;
  if (!google::protobuf::TextFormat::PrintToString(*config, &printed)) std::abort();
  absl::StatusOr<Config> again = parse(printed, file_name, kBaseDir);
  if (!again.ok() || !google::protobuf::util::MessageDifferencer::Equals(*config, *again)) {
    std::abort();
  }
}

std::vector<fuzz::Seed> Seeds() { return fuzz::SourceFiles("deploy/config", ".example"); }

}  // namespace
}  // namespace enlace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  enlace::fuzz::WriteSeedsIfAsked(enlace::Seeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  enlace::Check(&enlace::hub::ParseHubConfig, text, "hub.conf");
  enlace::Check(&enlace::node::ParseNodeConfig, text, "node.conf");
  return 0;
}
