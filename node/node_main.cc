// enlace-node: the country node's daemon (node/daemon.h). Thin: flags, config, passphrase
// prompt, signals.
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "base/log.h"
#include "crypto/secret.h"
#include "node/config.h"
#include "node/daemon.h"

namespace {

// Reads the passphrase from the controlling terminal with echo off.
absl::StatusOr<enlace::SecretBytes> PromptPassphrase() {
  FILE* tty = std::fopen("/dev/tty", "r+");
  if (tty == nullptr) {
    return absl::FailedPreconditionError(
        "no terminal to ask the key passphrase on: set keys.passphrase_file or "
        "keys.passphrase_env in the configuration");
  }
  std::fputs("Passphrase of the node's keys / Frase de paso de las claves del nodo: ", tty);
  std::fflush(tty);
  termios old_mode;
  bool restore = tcgetattr(fileno(tty), &old_mode) == 0;
  if (restore) {
    termios quiet = old_mode;
    quiet.c_lflag &= ~ECHO;
    tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
  }
  char buffer[1024];
  bool got = std::fgets(buffer, sizeof(buffer), tty) != nullptr;
  if (restore) tcsetattr(fileno(tty), TCSAFLUSH, &old_mode);
  std::fputs("\n", tty);
  std::fclose(tty);
  std::string line = got ? buffer : "";
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  enlace::SecretBytes passphrase(line);
  std::fill(line.begin(), line.end(), '\0');
  std::fill(std::begin(buffer), std::end(buffer), '\0');
  if (passphrase.empty()) return absl::InvalidArgumentError("empty passphrase");
  return passphrase;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path = "/etc/enlace/node.conf";
  bool check_only = false;
  std::string log_level = "info";
  CLI::App app(
      "enlace-node: the country node's daemon. Keeps one mutual-TLS connection to the hub, a "
      "durable outbox and inbox, an encrypted local store, checks the hub's audit log, and "
      "serves the `enlace` command on a local Unix socket.",
      "enlace-node");
  app.add_option("--config", config_path,
                 "The node configuration (protobuf text format; docs/user-guide.md)")
      ->capture_default_str();
  app.add_flag("--check-config", check_only, "Check the configuration and exit");
  app.add_option("--log-level", log_level, "debug, info, warning or error")
      ->check(CLI::IsMember({"debug", "info", "warning", "error"}))
      ->capture_default_str();
  app.footer(
      "Exit status: 0 stopped by SIGTERM/SIGINT (or configuration valid with --check-config); "
      "1 could not start; 2 invalid flags or configuration.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  enlace::SetMinLogLevel(log_level == "debug"     ? enlace::LogLevel::kDebug
                         : log_level == "warning" ? enlace::LogLevel::kWarning
                         : log_level == "error"   ? enlace::LogLevel::kError
                                                  : enlace::LogLevel::kInfo);
  absl::StatusOr<enlace::v1::NodeConfig> config = enlace::node::LoadNodeConfig(config_path);
  if (!config.ok()) {
    std::cerr << "enlace-node: " << config.status().message() << "\n";
    return 2;
  }
  if (check_only) {
    std::cout << config_path << ": OK\n";
    return 0;
  }
  // Signals are taken by sigwait below, never by the worker threads.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  enlace::node::DaemonOptions options;
  options.config = *config;
  options.prompt = PromptPassphrase;
  absl::StatusOr<std::unique_ptr<enlace::node::Daemon>> daemon =
      enlace::node::Daemon::Start(std::move(options));
  if (!daemon.ok()) {
    std::cerr << "enlace-node: " << daemon.status().message() << "\n";
    return 1;
  }
  int received = 0;
  sigwait(&signals, &received);
  enlace::LogInfo("node.stopping", {{"signal", std::to_string(received)}});
  (*daemon)->Stop();
  return 0;
}
