// enlace-hub: the exchange hub daemon. Reads one configuration file (docs/hub.md,
// "Configuration"), serves until SIGTERM or SIGINT, then drains and exits.
#include <signal.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/files.h"
#include "base/log.h"
#include "hub/config.h"
#include "hub/server.h"
#include "net/tls_policy.h"

namespace {

int Fail(const absl::Status& status, int code) {
  std::cerr << "enlace-hub: " << status.message() << "\n";
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "enlace-hub: the exchange hub of the enlace network (mutual-TLS gRPC, store-and-forward,\n"
      "signed receipts, Merkle audit log). Stops cleanly on SIGTERM or SIGINT."};
  std::string config_path;
  bool check_only = false;
  app.add_option("-c,--config", config_path, "The configuration file (protobuf text format)")
      ->required();
  app.add_flag("--check", check_only,
               "Check the configuration and the files it names, then exit (0: usable)");
  CLI11_PARSE(app, argc, argv);
  // Before any thread or TLS context exists (net/tls_policy.h).
  absl::Status policy = enlace::InstallTlsPolicy();
  if (!policy.ok()) return Fail(policy, 1);

  // Every thread started from here on inherits the blocked signals; main waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::StatusOr<enlace::v1::HubConfig> config = enlace::hub::LoadHubConfig(config_path);
  if (!config.ok()) return Fail(config.status(), 2);
  absl::StatusOr<enlace::hub::HubSetup> setup = enlace::hub::PrepareHub(*config, absl::Now());
  if (!setup.ok()) return Fail(setup.status(), 2);
  enlace::SetMinLogLevel(setup->log_level);
  if (check_only) {
    std::cout << "configuration OK: " << config_path << "\n";
    return 0;
  }
  absl::Status made = enlace::MakeDirectories(config->data_dir(), 0700);
  if (!made.ok()) return Fail(made, 1);

  absl::StatusOr<std::unique_ptr<enlace::hub::HubServer>> hub = enlace::hub::HubServer::Start(
      std::move(setup->options), *std::move(setup->network_root), *std::move(setup->log_key));
  if (!hub.ok()) return Fail(hub.status(), 1);
  if (!setup->ready_file.empty()) {
    absl::Status written = enlace::WriteFileAtomically(
        setup->ready_file, absl::StrCat((*hub)->port(), " ", (*hub)->metrics_port(), "\n"));
    if (!written.ok()) return Fail(written, 1);
  }

  int received = 0;
  sigwait(&signals, &received);
  enlace::LogInfo("hub.signal", {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
  absl::Status stopped = (*hub)->Shutdown();
  if (!stopped.ok()) return Fail(stopped, 1);
  return 0;
}
