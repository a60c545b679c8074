// hub_load: the hub's throughput and end-to-end latency against a bare mutual-TLS echo, in one
// run (bench/hub_load.sh).
//
// Makes a network (TestNetwork), writes the files of two hubs into --dir, starts the echo
// server (a child process: a callback-API gRPC server over the same mutual TLS, answering each
// call with its payload after identifying the caller, nothing more), seals distinct 1 KB
// envelopes to 2 recipients (node/GT, node/HN) beforehand, then:
//  1. the echo with the envelopes' bytes, K connections, --inflight calls outstanding; then
//     the echo with 1 call in flight (the latency baseline);
//  2. enlace-hub A: Exchange.Submit from K simulated nodes, --inflight outstanding. Every
//     submission is verified, written with a synced WAL and logged;
//  3. enlace-hub B, with both recipients subscribed and acknowledging what they receive
//     (signed acks, as nodes do): (a) end to end, idle: one submission at a time, the next once
//     both recipients have it and acknowledged it; latency = Submit issued -> the envelope
//     complete on the recipient's stream; (b) the maximum submit rate (closed loop,
//     --inflight); (c) an open loop at half that rate (submissions issued on a fixed schedule,
//     latency counted from the scheduled time), end-to-end p99.
// Prints FIGURE lines (bench/run_all.sh) for hub_submit_vs_echo, e2e_p50_vs_echo_p50 and
// e2e_p99_at_half_rate; the last line is exactly:
//   hub_submit_per_s=X echo_per_s=Y ratio=Z p50_ms=A p99_ms=B
// (p50/p99: Submit latency as the nodes see it in phase 2.)
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "base/files.h"
#include "base/log.h"
#include "bench/hub_bench.h"
#include "enlace/v1/echo_service.grpc.pb.h"
#include "hub/testing/http_get.h"
#include "hub/testing/test_network.h"
#include "net/peer.h"
#include "net/tls.h"

namespace enlace::hub {
namespace {

using bench::LoadDone;
using bench::LoadResult;
using bench::Percentile;
using bench::SteadyClock;
using testing::HttpGet;
using testing::TestNetwork;

constexpr const char* kRecipients[] = {"node/GT", "node/HN"};
constexpr const char* kSenders[] = {"node/MX", "node/SV", "node/CR", "node/PA", "node/BZ",
                                    "node/CA", "node/US", "node/NI", "node/DO"};
constexpr char kHubConfig[] =
    "log_level: \"warning\"\n"
    "limits { submits_per_second: 1000000 submit_burst: 1000000 mailbox_max_entries: "
    "100000000 }\n";

// The bare baseline: identify the caller from its certificate as every hub call does (through a
// PeerCertificateCache, as the hub's ExchangeService), echo.
class EchoService final : public v1::Echo::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const v1::EchoRequest* request,
                                 v1::EchoResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::StatusOr<Caller> caller =
        AuthenticatePeer(*context->auth_context(), ParticipantRules(), &peer_certificates_);
    if (!caller.ok()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "no identity"));
      return reactor;
    }
    response->set_payload(request->payload());
    response->set_caller_id(caller->id.str());
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  PeerCertificateCache peer_certificates_;
};

// Runs the echo server in a child process; returns its pid and port. The child exits when the
// pipe to the parent closes.
absl::StatusOr<std::pair<pid_t, int>> StartEchoServer(const TlsMaterial& tls) {
  int to_parent[2];
  int from_parent[2];
  if (pipe(to_parent) != 0 || pipe(from_parent) != 0) return absl::InternalError("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    close(to_parent[0]);
    close(from_parent[1]);
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
        MakeServerCredentials(tls, absl::Now());
    if (!credentials.ok()) _exit(1);
    EchoService service;
    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", *credentials, &port);
    builder.RegisterService(&service);
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    const std::string line = absl::StrCat(server == nullptr ? 0 : port, "\n");
    (void)!write(to_parent[1], line.data(), line.size());
    char byte;
    while (read(from_parent[0], &byte, 1) > 0) {
    }
    server->Shutdown(std::chrono::system_clock::now());
    _exit(0);
  }
  close(to_parent[1]);
  close(from_parent[0]);
  char buffer[32] = {};
  const ssize_t n = read(to_parent[0], buffer, sizeof(buffer) - 1);
  close(to_parent[0]);
  int port = 0;
  if (n <= 0 || !absl::SimpleAtoi(absl::StripAsciiWhitespace(buffer), &port) || port == 0) {
    return absl::InternalError("the echo server did not start");
  }
  // from_parent[1] stays open for the life of this process: the child exits when it closes.
  return std::make_pair(pid, port);
}

// End-to-end latencies: when each message was sent (or scheduled), and its deliveries.
class Recorder {
 public:
  void Sent(const std::string& id, SteadyClock::time_point at, bool measured) {
    absl::MutexLock lock(&mu_);
    sent_[id] = {at, measured};
  }
  void Delivered(const std::string& id, SteadyClock::time_point at) {
    absl::MutexLock lock(&mu_);
    ++deliveries_;
    auto it = sent_.find(id);
    if (it == sent_.end() || !it->second.second) return;
    latencies_ms_.push_back(
        std::chrono::duration<double, std::milli>(at - it->second.first).count());
  }
  uint64_t deliveries() const {
    absl::MutexLock lock(&mu_);
    return deliveries_;
  }
  // The latencies recorded so far; starts afresh.
  std::vector<double> Take() {
    absl::MutexLock lock(&mu_);
    sent_.clear();
    return std::exchange(latencies_ms_, {});
  }

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::pair<SteadyClock::time_point, bool>> sent_;
  std::vector<double> latencies_ms_;
  uint64_t deliveries_ = 0;
};

// Envelopes handed out per sender, in order.
class Cursor {
 public:
  Cursor(const bench::SealedPool& pool) : pool_(pool), next_(pool.envelopes.size()) {}
  // The next unsent envelope of `node` (its index), or false when they ran out.
  bool Next(size_t node, size_t* index) {
    *index = next_[node].fetch_add(1);
    return *index < pool_.envelopes[node].size();
  }

 private:
  const bench::SealedPool& pool_;
  std::vector<std::atomic<size_t>> next_;
};

int Fail(const absl::Status& status) {
  std::cerr << "hub_load: " << status << "\n";
  return 1;
}

int Main(int argc, char** argv) {
  CLI::App app{"hub_load: enlace-hub throughput and latency against a bare mutual-TLS gRPC echo"};
  std::string hub_binary, dir;
  size_t nodes = 4;
  int inflight = 64;
  double seconds = 5, warmup = 1;
  size_t payload = 1000;  // padded to 1 KiB
  // Enough for 6 s (warm-up and the measured phase) at 25,000 submits/s: the hub reached 10,000
  // once it stopped parsing each caller's certificate (sealing them takes ~10 s, ~210 MB).
  size_t envelopes = 150000;
  int idle_messages = 300;
  int ack_window = 64;
  app.add_option("--hub-binary", hub_binary, "enlace-hub to start")->required();
  app.add_option("--dir", dir, "An empty folder for the hubs' files and data")->required();
  app.add_option("--nodes", nodes, "Simulated nodes (one connection each), 1..9")
      ->check(CLI::Range(1, 9));
  app.add_option("--inflight", inflight, "Calls outstanding in total")->check(CLI::Range(1, 4096));
  app.add_option("--seconds", seconds, "Measured seconds per phase");
  app.add_option("--warmup", warmup, "Unmeasured seconds before each phase");
  app.add_option("--payload", payload, "Plaintext bytes per envelope");
  app.add_option("--envelopes", envelopes, "Envelopes sealed before the run");
  app.add_option("--idle-messages", idle_messages, "Messages sent one at a time (idle latency)");
  app.add_option("--ack-window", ack_window, "Acknowledgements outstanding per recipient");
  CLI11_PARSE(app, argc, argv);
  SetMinLogLevel(LogLevel::kWarning);

  std::vector<std::string> ids(std::begin(kRecipients), std::end(kRecipients));
  ids.insert(ids.end(), kSenders, kSenders + nodes);
  absl::StatusOr<std::unique_ptr<TestNetwork>> made = TestNetwork::Create(absl::Now(), ids);
  if (!made.ok()) return Fail(made.status());
  const TestNetwork& net = **made;
  const TlsMaterial& client = net.participant(kSenders[0]).tls;
  for (const char* sub : {"/submit", "/e2e"}) {
    absl::Status made_dir = MakeDirectories(dir + sub, 0700);
    if (!made_dir.ok()) return Fail(made_dir);
  }
  absl::StatusOr<std::string> config_a = WriteHubFiles(net, dir + "/submit", kHubConfig);
  if (!config_a.ok()) return Fail(config_a.status());
  absl::StatusOr<std::string> config_b = WriteHubFiles(net, dir + "/e2e", kHubConfig);
  if (!config_b.ok()) return Fail(config_b.status());
  // The echo server is forked before this process starts any gRPC or sealing thread.
  absl::StatusOr<std::pair<pid_t, int>> echo = StartEchoServer(net.hub().tls);
  if (!echo.ok()) return Fail(echo.status());

  // Distinct envelopes, sealed now so that the measured loops only send them.
  const absl::Time seal_start = absl::Now();
  const bench::SealedPool pool =
      bench::SealPool(net, std::vector<std::string>(kSenders, kSenders + nodes),
                      {kRecipients[0], kRecipients[1]}, envelopes, payload);
  std::cerr << "sealed " << envelopes << " envelopes of " << pool.envelopes[0][0].size()
            << " bytes in " << absl::FormatDuration(absl::Now() - seal_start) << "\n";

  // Phase 1: the echo, loaded, then one call at a time.
  std::vector<std::unique_ptr<v1::Echo::Stub>> echo_stubs;
  for (size_t n = 0; n < nodes; ++n) {
    echo_stubs.push_back(
        v1::Echo::NewStub(bench::Connect(net.participant(kSenders[n]).tls, echo->second)));
  }
  auto echo_call = [&](size_t node, LoadDone done) {
    auto context = std::make_shared<grpc::ClientContext>();
    auto request = std::make_shared<v1::EchoRequest>();
    auto response = std::make_shared<v1::EchoResponse>();
    request->set_payload(pool.envelopes[node][0]);
    echo_stubs[node]->async()->Echo(
        context.get(), request.get(), response.get(),
        [context, request, response, done](grpc::Status status) mutable {
          context.reset();  // before `done`: the stubs may go once every call is done
          request.reset();
          response.reset();
          done(status);
        });
    return true;
  };
  const LoadResult echo_result = bench::RunClosedLoop(nodes, inflight, absl::Seconds(warmup),
                                                      absl::Seconds(seconds), echo_call);
  const LoadResult echo_one =
      bench::RunClosedLoop(1, 1, absl::Seconds(warmup), absl::Seconds(seconds), echo_call);
  echo_stubs.clear();

  // Phase 2: hub A, submissions only.
  absl::StatusOr<bench::HubChild> hub_a =
      bench::StartHub(hub_binary, *config_a, dir + "/submit/ready", client);
  if (!hub_a.ok()) {
    kill(echo->first, SIGKILL);
    return Fail(hub_a.status());
  }
  std::vector<std::unique_ptr<v1::Exchange::Stub>> stubs;
  for (size_t n = 0; n < nodes; ++n) {
    stubs.push_back(
        v1::Exchange::NewStub(bench::Connect(net.participant(kSenders[n]).tls, hub_a->port)));
  }
  // Issues each sender's next envelope; counts the accepted ones in `accepted`.
  std::atomic<uint64_t> accepted{0};
  auto submit_from = [&](Cursor& cursor, Recorder* recorder) {
    return [&stubs, &pool, &cursor, &accepted, recorder](size_t node, LoadDone done) {
      size_t i = 0;
      if (!cursor.Next(node, &i)) return false;
      if (recorder != nullptr) recorder->Sent(pool.ids[node][i], SteadyClock::now(), false);
      bench::SubmitAsync(stubs[node].get(), pool.envelopes[node][i],
                         [&accepted, done](const grpc::Status& status) {
                           if (status.ok()) accepted.fetch_add(1);
                           done(status);
                         });
      return true;
    };
  };
  Cursor cursor_a(pool);
  const LoadResult hub_result =
      bench::RunClosedLoop(nodes, inflight, absl::Seconds(warmup), absl::Seconds(seconds),
                           submit_from(cursor_a, nullptr));
  stubs.clear();
  const std::string metrics =
      hub_a->metrics_port == 0 ? "" : HttpGet(hub_a->metrics_port, "/metrics");
  bench::StopHub(*hub_a);
  kill(echo->first, SIGTERM);
  waitpid(echo->first, nullptr, 0);

  // Phase 3: hub B, with both recipients subscribed.
  absl::StatusOr<bench::HubChild> hub_b =
      bench::StartHub(hub_binary, *config_b, dir + "/e2e/ready", client);
  if (!hub_b.ok()) return Fail(hub_b.status());
  for (size_t n = 0; n < nodes; ++n) {
    stubs.push_back(
        v1::Exchange::NewStub(bench::Connect(net.participant(kSenders[n]).tls, hub_b->port)));
  }
  Recorder recorder;
  std::vector<std::unique_ptr<bench::Subscriber>> subscribers;
  for (const char* recipient : kRecipients) {
    subscribers.push_back(std::make_unique<bench::Subscriber>(
        net, recipient, hub_b->port, ack_window,
        [&recorder](const std::string& id, SteadyClock::time_point at) {
          recorder.Delivered(id, at);
        }));
  }
  accepted = 0;
  bool e2e_ok = true;
  // Waits until every accepted submission reached both recipients and they acknowledged it.
  auto settle = [&](absl::Duration timeout) {
    for (const auto& s : subscribers) {
      if (e2e_ok && !s->WaitAcked(accepted.load(), timeout)) {
        std::cerr << "hub_load: a recipient did not get everything within "
                  << absl::FormatDuration(timeout) << " (" << s->acked() << " of "
                  << accepted.load() << "): " << s->first_error() << "\n";
        e2e_ok = false;
      }
    }
  };
  Cursor cursor_b(pool);
  // (a) Idle: one message at a time; the first 10 warm the connections up.
  for (int k = 0; k < idle_messages + 10 && e2e_ok; ++k) {
    size_t i = 0;
    if (!cursor_b.Next(0, &i)) break;
    recorder.Sent(pool.ids[0][i], SteadyClock::now(), k >= 10);
    grpc::ClientContext context;
    v1::SubmitRequest request;
    v1::SubmitResponse response;
    request.set_envelope(pool.envelopes[0][i]);
    const grpc::Status status = stubs[0]->Submit(&context, request, &response);
    if (!status.ok()) {
      std::cerr << "hub_load: idle Submit failed: " << status.error_message() << "\n";
      e2e_ok = false;
      break;
    }
    accepted.fetch_add(1);
    settle(absl::Seconds(30));
  }
  const std::vector<double> idle_ms = recorder.Take();
  // The time of one synced write while idle: the floor under the idle latency.
  const std::string idle_metrics =
      hub_b->metrics_port == 0 ? "" : HttpGet(hub_b->metrics_port, "/metrics");
  const double idle_commit_count =
      bench::MetricValue(idle_metrics, "enlace_hub_commit_seconds_count");
  const double idle_commit_ms =
      idle_commit_count > 0
          ? 1000 * bench::MetricValue(idle_metrics, "enlace_hub_commit_seconds_sum") /
                idle_commit_count
          : 0;

  // (b) The maximum submit rate, the recipients receiving and acknowledging meanwhile.
  const LoadResult max_result =
      bench::RunClosedLoop(nodes, inflight, absl::Seconds(warmup), absl::Seconds(seconds),
                           submit_from(cursor_b, nullptr));
  const double max_rate = max_result.rate();
  const SteadyClock::time_point drain_start = SteadyClock::now();
  settle(absl::Seconds(300));
  const double backlog_s = std::chrono::duration<double>(SteadyClock::now() - drain_start).count();

  // (c) An open loop at half the maximum rate: submission k is due at start + k / rate,
  // whatever happened to the earlier ones; its latency counts from when it was due.
  uint64_t open_issued = 0;
  auto open_answered = std::make_shared<std::atomic<uint64_t>>(0);
  auto open_failed = std::make_shared<std::atomic<uint64_t>>(0);
  bool open_ran_out = false;
  const double open_rate = max_rate / 2;
  if (e2e_ok && open_rate > 0) {
    const auto after = [](double s) {
      return std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(s));
    };
    const SteadyClock::time_point begin = SteadyClock::now();
    const SteadyClock::time_point measured_from = begin + after(warmup);
    const SteadyClock::time_point end = measured_from + after(seconds);
    for (uint64_t k = 0;; ++k) {
      const SteadyClock::time_point due = begin + after(k / open_rate);
      if (due >= end) break;
      std::this_thread::sleep_until(due);
      const size_t node = k % nodes;
      size_t i = 0;
      if (!cursor_b.Next(node, &i)) {
        open_ran_out = true;
        break;
      }
      recorder.Sent(pool.ids[node][i], due, due >= measured_from);
      ++open_issued;
      bench::SubmitAsync(stubs[node].get(), pool.envelopes[node][i],
                         [&accepted, open_answered, open_failed](const grpc::Status& status) {
                           if (status.ok()) {
                             accepted.fetch_add(1);
                           } else {
                             open_failed->fetch_add(1);
                           }
                           open_answered->fetch_add(1);
                         });
    }
    const SteadyClock::time_point deadline = SteadyClock::now() + std::chrono::minutes(2);
    while (open_answered->load() < open_issued && SteadyClock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    settle(absl::Seconds(300));
  }
  const std::vector<double> open_ms = recorder.Take();
  uint64_t ack_failures = 0;
  for (const auto& s : subscribers) ack_failures += s->ack_failures();
  subscribers.clear();
  stubs.clear();
  const std::string metrics_b =
      hub_b->metrics_port == 0 ? "" : HttpGet(hub_b->metrics_port, "/metrics");
  bench::StopHub(*hub_b);

  const double hub_rate = hub_result.rate();
  const double echo_rate = echo_result.rate();
  const double batches = bench::MetricValue(metrics, "enlace_hub_commit_batch_operations_count");
  const double operations = bench::MetricValue(metrics, "enlace_hub_commit_batch_operations_sum");
  const double commit_sum = bench::MetricValue(metrics, "enlace_hub_commit_seconds_sum");
  const double commit_count = bench::MetricValue(metrics, "enlace_hub_commit_seconds_count");
  const double commit_sum_b = bench::MetricValue(metrics_b, "enlace_hub_commit_seconds_sum");
  const double commit_count_b = bench::MetricValue(metrics_b, "enlace_hub_commit_seconds_count");
  const double idle_p50 = Percentile(idle_ms, 0.50);
  const double echo_p50 = Percentile(echo_one.latencies_ms, 0.50);
  const double echo_p99 = Percentile(echo_one.latencies_ms, 0.99);
  const double open_p99 = Percentile(open_ms, 0.99);
  std::cerr << absl::StrFormat(
      "nodes=%d inflight=%d payload=%d envelope_bytes=%d seconds=%.1f\n"
      "echo: %d calls, %d failed; 1 in flight: %d calls, p50 %.3f ms, p99 %.3f ms\n"
      "hub A (submit only): %d submissions, %d failed%s%s\n"
      "hub A commits: %.0f rounds, %.1f operations per round, %.2f ms per synced write\n",
      nodes, inflight, payload, pool.envelopes[0][0].size(), seconds, echo_result.completed,
      echo_result.failed, echo_one.completed, echo_p50, echo_p99, hub_result.completed,
      hub_result.failed, hub_result.ran_out ? " (ran out of envelopes: raise --envelopes)" : "",
      hub_result.first_error.empty() ? "" : " first error " + hub_result.first_error, batches,
      batches > 0 ? operations / batches : 0,
      commit_count > 0 ? 1000 * commit_sum / commit_count : 0);
  std::cerr << absl::StrFormat(
      "hub B end to end (2 recipients subscribed, acks in flight <= %d each):\n"
      "  idle: %d deliveries, p50 %.2f ms, p90 %.2f ms, p99 %.2f ms; %.2f ms per synced write\n"
      "  max: %.0f submits/s (%d failed%s), backlog settled %.1f s after the loop\n"
      "  open loop at %.0f/s: %d issued, %d failed%s, %d deliveries measured, p50 %.2f ms, "
      "p99 %.2f ms, max %.2f ms\n"
      "  %d ack failures; %.2f ms per synced write\n",
      ack_window, idle_ms.size(), idle_p50, Percentile(idle_ms, 0.90), Percentile(idle_ms, 0.99),
      idle_commit_ms, max_rate, max_result.failed,
      max_result.ran_out ? ", ran out of envelopes" : "", backlog_s, open_rate, open_issued,
      open_failed->load(), open_ran_out ? ", ran out of envelopes" : "", open_ms.size(),
      Percentile(open_ms, 0.50), open_p99, Percentile(open_ms, 1.0), ack_failures,
      commit_count_b > 0 ? 1000 * commit_sum_b / commit_count_b : 0);

  using ::enlace::bench::Target;
  using ::enlace::bench::TargetOn;
  bench::PrintRatioFigure("hub_submit_vs_echo", hub_rate, "submits/s", echo_rate, "calls/s",
                          "mTLS gRPC echo, 64 in flight", Target::AtLeast(0.40),
                          "durable Submit of 1 KB to 2 recipients, synced and logged");
  bench::PrintRatioFigure("e2e_p50_vs_echo_p50", idle_p50, "ms", echo_p50, "ms",
                          "mTLS gRPC echo p50, 1 in flight", Target::AtMost(4),
                          "Submit issued -> envelope complete on the recipient's stream, idle hub");
  bench::PrintRatioFigure(
      "e2e_p99_at_half_rate", open_p99, "ms", echo_p99, "ms", "mTLS gRPC echo p99, 1 in flight",
      Target::AtMost(25, TargetOn::kValue),
      absl::StrFormat("open loop at %.0f submits/s (half of %.0f), recipients acknowledging",
                      open_rate, max_rate));
  std::cout << absl::StrFormat(
                   "hub_submit_per_s=%.0f echo_per_s=%.0f ratio=%.2f p50_ms=%.2f p99_ms=%.2f",
                   hub_rate, echo_rate, echo_rate > 0 ? hub_rate / echo_rate : 0,
                   Percentile(hub_result.latencies_ms, 0.50),
                   Percentile(hub_result.latencies_ms, 0.99))
            << std::endl;
  const bool ok = hub_result.failed == 0 && echo_result.failed == 0 && !hub_result.ran_out &&
                  e2e_ok && max_result.failed == 0 && !max_result.ran_out && !open_ran_out &&
                  open_failed->load() == 0 && ack_failures == 0;
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace enlace::hub

int main(int argc, char** argv) { return enlace::hub::Main(argc, argv); }
