// `enlace`: the focal point's, case workers' and investigators' command, talking to the local
// enlace-node daemon over its Unix socket (node/local_api.h). Every subcommand has complete
// --help; `--json` prints the daemon's answer as JSON (proto field names) that parses back into
// the same message; tables are in Spanish or English (`--lang`, else the node's language).
//
// Exit status: 0 success; 1 the daemon refused or failed the request (the message says why, in
// the user's language; validation errors list every field); 2 a usage error; 3 the daemon could
// not be reached.
#ifndef ENLACE_NODE_CLI_H_
#define ENLACE_NODE_CLI_H_

#include <istream>
#include <ostream>
#include <string>

#include "base/env.h"

namespace enlace::node {

struct CliContext {
  std::istream* in = nullptr;   // answers to guided prompts
  std::ostream* out = nullptr;  // results
  std::ostream* err = nullptr;  // errors and prompts
  // The daemon's socket when --socket is not given ($ENLACE_SOCKET in the real main).
  std::string default_socket = "/run/enlace/node.sock";
  Clock* clock = Clock::Real();
  RandomSource* random = RandomSource::Real();
};

int RunCli(int argc, const char* const* argv, const CliContext& context);

}  // namespace enlace::node

#endif  // ENLACE_NODE_CLI_H_
