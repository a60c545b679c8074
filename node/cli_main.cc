// enlace: the node's command-line interface (node/cli.h).
#include <cstdlib>
#include <iostream>

#include "node/cli.h"

int main(int argc, char** argv) {
  enlace::node::CliContext context;
  context.in = &std::cin;
  context.out = &std::cout;
  context.err = &std::cerr;
  if (const char* socket = std::getenv("ENLACE_SOCKET"); socket != nullptr && *socket != '\0') {
    context.default_socket = socket;
  }
  return enlace::node::RunCli(argc, argv, context);
}
