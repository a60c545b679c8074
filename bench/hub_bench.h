// What the hub benchmarks (hub_load.cc, hub_scale.cc) share: enlace-hub as a child process
// (start-up timed to a health check that answers SERVING), mutual-TLS channels, a subscriber
// that acknowledges what it receives as a node does, closed-loop load, /proc memory figures and
// the FIGURE line of bench/run_all.sh.
#ifndef ENLACE_BENCH_HUB_BENCH_H_
#define ENLACE_BENCH_HUB_BENCH_H_

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bench/figure.h"
#include "enlace/v1/hub_service.grpc.pb.h"
#include "hub/testing/test_network.h"
#include "net/tls.h"

namespace enlace::hub::bench {

using SteadyClock = std::chrono::steady_clock;

// enlace-hub running as a child process.
struct HubChild {
  pid_t pid = -1;
  int port = 0;
  int metrics_port = 0;
  double startup_ms = 0;  // fork → a health check answered SERVING
};

// Starts `binary --config config`, waits for its ready file, then checks grpc.health.v1 over
// mutual TLS with `client` (any network certificate) until it answers SERVING.
absl::StatusOr<HubChild> StartHub(const std::string& binary, const std::string& config,
                                  const std::string& ready_file, const TlsMaterial& client);
// SIGTERM and wait; returns the exit status.
int StopHub(const HubChild& hub);

// A mutual-TLS channel to 127.0.0.1:port as the holder of `tls`, its own connection.
std::shared_ptr<grpc::Channel> Connect(const TlsMaterial& tls, int port);
// grpc.health.v1.Health/Check answered SERVING.
bool HealthServing(const std::shared_ptr<grpc::Channel>& channel);

// VmHWM (peak) and VmRSS of a process, in bytes.
struct ProcMemory {
  uint64_t peak_bytes = 0;
  uint64_t rss_bytes = 0;
};
absl::StatusOr<ProcMemory> ReadProcMemory(pid_t pid);

// The `p` quantile (0..1) of `values` (0 if empty).
double Percentile(std::vector<double> values, double p);
// One metric's value from Prometheus text (0 if absent).
double MetricValue(const std::string& text, const std::string& name);

// Prints a FIGURE line (bench/figure.h) with ratio = value / limit.
void PrintRatioFigure(const std::string& id, double value, const std::string& unit, double limit,
                      const std::string& limit_unit, const std::string& limit_name,
                      ::enlace::bench::Target target, const std::string& note = "");

// Subscribes as `participant` and, for every complete envelope delivered, calls `on_delivery`
// (on the reading thread) with its message id and arrival time, then acknowledges it as a node
// does (signed with the participant's key: crypto/receipts.h AckSigningInput), keeping at most
// `ack_window` acknowledgements outstanding (a node acknowledges each after storing it; the
// window lets one client keep up with the hub).
class Subscriber {
 public:
  using OnDelivery = std::function<void(const std::string& message_id, SteadyClock::time_point)>;
  Subscriber(const testing::TestNetwork& net, absl::string_view participant, int port,
             int ack_window, OnDelivery on_delivery);
  ~Subscriber();  // cancels the stream, waits for outstanding acknowledgements

  uint64_t delivered() const { return delivered_.load(); }
  uint64_t acked() const;
  uint64_t ack_failures() const;
  std::string first_error() const;
  // Waits until `count` deliveries were acknowledged; false on timeout.
  bool WaitAcked(uint64_t count, absl::Duration timeout) const;

 private:
  void Read();
  void Acknowledge(const std::string& message_id, const std::string& header_hash);
  bool AckRoom() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return outstanding_ < ack_window_; }

  const testing::TestParticipant& participant_;
  OnDelivery on_delivery_;
  const int ack_window_;
  std::unique_ptr<v1::Exchange::Stub> stub_;
  grpc::ClientContext context_;
  std::atomic<uint64_t> delivered_{0};
  mutable absl::Mutex mu_;
  int outstanding_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t acked_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t ack_failures_ ABSL_GUARDED_BY(mu_) = 0;
  std::string first_error_ ABSL_GUARDED_BY(mu_);
  std::thread reader_;
};

struct LoadResult {
  uint64_t completed = 0;  // in the measured window
  uint64_t failed = 0;
  double seconds = 0;
  std::vector<double> latencies_ms;
  std::string first_error;
  bool ran_out = false;  // `issue` had nothing more to send before the window ended
  double rate() const { return seconds > 0 ? completed / seconds : 0; }
};

// A closed loop of `inflight` outstanding calls spread over `nodes` slots; `issue(node, done)`
// starts one call for that node and returns false when it has nothing more to send. Each slot
// re-issues from its completion until the window (after `warmup`) ends.
using LoadDone = std::function<void(const grpc::Status&)>;
using LoadIssue = std::function<bool(size_t node, LoadDone done)>;
LoadResult RunClosedLoop(size_t nodes, int inflight, absl::Duration warmup, absl::Duration measure,
                         LoadIssue issue);

// Envelopes sealed before a run, per simulated sender, with their message ids.
struct SealedPool {
  std::vector<std::vector<std::string>> envelopes;  // [sender][i]: serialized Envelope
  std::vector<std::vector<std::string>> ids;        // [sender][i]: its message id
};
// `count` envelopes of `payload` plaintext bytes, spread over `senders`, each to `recipients`,
// sealed on two threads.
SealedPool SealPool(const testing::TestNetwork& net, const std::vector<std::string>& senders,
                    const std::vector<std::string>& recipients, size_t count, size_t payload);

// An asynchronous Exchange.Submit of `envelope`; `done` gets an error for a duplicate too.
void SubmitAsync(v1::Exchange::Stub* stub, const std::string& envelope, LoadDone done);

}  // namespace enlace::hub::bench

#endif  // ENLACE_BENCH_HUB_BENCH_H_
