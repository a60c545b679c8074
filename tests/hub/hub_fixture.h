// Test support for the hub's integration tests: a hub on 127.0.0.1 behind real mutual TLS,
// in-process (HubServer with a FakeClock) or as the enlace-hub program (HubProcess), and
// mutual-TLS channels for any participant of a TestNetwork.
#ifndef ENLACE_TESTS_HUB_HUB_FIXTURE_H_
#define ENLACE_TESTS_HUB_HUB_FIXTURE_H_

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "enlace/v1/hub_service.grpc.pb.h"
#include "hub/server.h"
#include "hub/testing/test_network.h"

namespace enlace::hub::testing {

// A channel to the hub at `port` with `participant`'s certificate.
std::shared_ptr<grpc::Channel> HubChannel(const TestNetwork& net, absl::string_view participant,
                                          int port);

// Starts a HubServer on 127.0.0.1:0 with `net`'s hub identity and directory (version 1 unless
// `directory` is given), its data in `data_dir`, no maintenance thread (tests call
// RunMaintenance), and metrics on 127.0.0.1:0; its database in `rocksdb_env` if given.
absl::StatusOr<std::unique_ptr<HubServer>> StartHub(const TestNetwork& net, Clock* clock,
                                                    const std::string& data_dir,
                                                    const HubLimits& limits = {},
                                                    const v1::SignedDirectory* directory = nullptr,
                                                    rocksdb::Env* rocksdb_env = nullptr);

// enlace-hub (ENLACE_BINARY_DIR/bin/enlace-hub) as a child process.
class HubProcess {
 public:
  // Starts it with `config` and waits (up to 30 s) for its ready file `ready_file`.
  static absl::StatusOr<std::unique_ptr<HubProcess>> Start(const std::string& config,
                                                           const std::string& ready_file);
  ~HubProcess();  // SIGKILL if still running

  int port() const { return port_; }
  int metrics_port() const { return metrics_port_; }
  pid_t pid() const { return pid_; }
  // The peak resident set size (VmHWM) and the current one (VmRSS), in bytes.
  absl::StatusOr<uint64_t> PeakRss() const;
  absl::StatusOr<uint64_t> Rss() const;
  // Sends `signal` and waits for the exit; returns the exit status (128 + signal if killed).
  int StopWith(int signal);

 private:
  HubProcess() = default;
  pid_t pid_ = -1;
  int port_ = 0;
  int metrics_port_ = 0;
};

// Reads a whole Subscribe stream item by item until `count` complete envelopes arrived (or the
// stream ends), reassembling pieces. Returns the envelopes' bytes and sequences.
struct Received {
  std::vector<uint64_t> sequences;
  std::vector<std::string> envelopes;
  grpc::Status status;  // the stream's end, when it ended
};
Received ReadDeliveries(grpc::ClientReaderInterface<v1::Delivery>* reader, size_t count);

}  // namespace enlace::hub::testing

#endif  // ENLACE_TESTS_HUB_HUB_FIXTURE_H_
