// hub_load: the hub's throughput against a bare mutual-TLS echo, in one run (bench/hub_load.sh).
//
// Makes a network (TestNetwork), writes the hub's files into --dir, starts the echo server (a
// child process: a callback-API gRPC server over the same mutual TLS, answering each call with
// its payload after identifying the caller, nothing more) and enlace-hub (--hub-binary, from
// its configuration file), then drives each with K simulated nodes (one mutual-TLS connection
// each) keeping --inflight calls outstanding in total: first the echo with the envelopes'
// bytes as payload, then Exchange.Submit of distinct 1 KB envelopes sealed beforehand, each to 2
// recipients. Every submission is verified, written with a synced WAL and logged by the hub.
// The last line is exactly:
//   hub_submit_per_s=X echo_per_s=Y ratio=Z p50_ms=A p99_ms=B
// (p50/p99: Submit latency as the nodes see it.)
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "base/files.h"
#include "base/log.h"
#include "enlace/v1/echo_service.grpc.pb.h"
#include "enlace/v1/hub_service.grpc.pb.h"
#include "hub/testing/http_get.h"
#include "hub/testing/test_network.h"
#include "net/peer.h"
#include "net/tls.h"

namespace enlace::hub {
namespace {

using testing::HttpGet;
using testing::TestNetwork;
using Clock = std::chrono::steady_clock;

constexpr const char* kRecipients[] = {"node/GT", "node/HN"};
constexpr const char* kSenders[] = {"node/MX", "node/SV", "node/CR", "node/PA", "node/BZ",
                                    "node/CA", "node/US", "node/NI", "node/DO"};

// The bare baseline: identify the caller from its certificate (as every hub call does), echo.
class EchoService final : public v1::Echo::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const v1::EchoRequest* request,
                                 v1::EchoResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::StatusOr<Caller> caller = AuthenticatePeer(*context->auth_context());
    if (!caller.ok()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "no identity"));
      return reactor;
    }
    response->set_payload(request->payload());
    response->set_caller_id(caller->id.str());
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
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

absl::StatusOr<std::pair<pid_t, int>> StartHub(const std::string& binary, const std::string& config,
                                               const std::string& ready) {
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    execl(binary.c_str(), "enlace-hub", "--config", config.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int i = 0; i < 1500; ++i) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      return absl::InternalError(absl::StrCat("enlace-hub exited (status ", status, ")"));
    }
    absl::StatusOr<std::string> text = ReadFile(ready, 100);
    int port = 0;
    if (text.ok() && !text->empty() && text->back() == '\n' &&
        absl::SimpleAtoi(std::vector<std::string>(absl::StrSplit(*text, ' '))[0], &port)) {
      return std::make_pair(pid, port);
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  kill(pid, SIGKILL);
  return absl::DeadlineExceededError("enlace-hub did not become ready");
}

std::shared_ptr<grpc::Channel> Connect(const TestNetwork& net, absl::string_view node, int port) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      MakeChannelCredentials(net.participant(node).tls, absl::Now());
  if (!credentials.ok()) return nullptr;
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // one connection per simulated node
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port), *credentials, args);
  channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return channel;
}

struct LoadResult {
  uint64_t completed = 0;  // in the measured window
  uint64_t failed = 0;
  double seconds = 0;
  std::vector<double> latencies_ms;
  std::string first_error;
  bool ran_out = false;  // the pre-sealed envelopes ran out before the window ended
};

// A closed loop of `inflight` outstanding calls spread over `nodes` slots; `issue(node, done)`
// starts one call for that node and returns false when it has nothing more to send. Each slot
// re-issues from its completion until the window ends. Shared with the callbacks, so that it
// outlives the last of them.
class Load : public std::enable_shared_from_this<Load> {
 public:
  using Done = std::function<void(const grpc::Status&)>;
  using Issue = std::function<bool(size_t node, Done done)>;

  static LoadResult Run(size_t nodes, int inflight, absl::Duration warmup, absl::Duration measure,
                        Issue issue) {
    auto load = std::shared_ptr<Load>(new Load(std::move(issue)));
    load->start_ = Clock::now() + absl::ToChronoNanoseconds(warmup);
    load->end_ = load->start_ + absl::ToChronoNanoseconds(measure);
    load->last_ = load->start_;
    {
      absl::MutexLock lock(&load->mu_);
      load->outstanding_ = inflight;
    }
    for (int i = 0; i < inflight; ++i) load->Start(i % nodes);
    absl::MutexLock lock(&load->mu_);
    load->mu_.Await(absl::Condition(
        +[](int* outstanding) { return *outstanding == 0; }, &load->outstanding_));
    load->result_.seconds =
        std::chrono::duration<double>(std::min(load->last_, load->end_) - load->start_).count();
    return load->result_;
  }

 private:
  explicit Load(Issue issue) : issue_(std::move(issue)) {}

  // Issues the slot's next call; the slot is counted in outstanding_ until it stops.
  void Start(size_t node) {
    const Clock::time_point began = Clock::now();
    std::shared_ptr<Load> self = shared_from_this();
    const bool issued = issue_(node, [self, node, began](const grpc::Status& status) {
      if (self->Record(status, began)) self->Start(node);
    });
    if (!issued) {
      absl::MutexLock lock(&mu_);
      result_.ran_out = true;
      --outstanding_;
    }
  }

  // Counts a completed call; false when the slot stops (the window is over).
  bool Record(const grpc::Status& status, Clock::time_point began) {
    const Clock::time_point now = Clock::now();
    absl::MutexLock lock(&mu_);
    if (began >= start_ && now <= end_) {
      if (status.ok()) {
        ++result_.completed;
        result_.latencies_ms.push_back(
            std::chrono::duration<double, std::milli>(now - began).count());
        last_ = std::max(last_, now);
      } else {
        ++result_.failed;
      }
    }
    if (!status.ok() && result_.first_error.empty()) {
      result_.first_error = absl::StrCat(status.error_code(), ": ", status.error_message());
    }
    if (now < end_ && status.ok()) return true;
    --outstanding_;
    return false;
  }

  Issue issue_;
  absl::Mutex mu_;
  Clock::time_point start_;
  Clock::time_point end_;
  Clock::time_point last_;
  int outstanding_ ABSL_GUARDED_BY(mu_) = 0;
  LoadResult result_;
};

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(p * values.size()))];
}

// One metric's value from the Prometheus text (0 if absent).
double MetricValue(const std::string& text, const std::string& name) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StartsWith(line, name + " ")) {
      double value = 0;
      if (absl::SimpleAtod(line.substr(name.size() + 1), &value)) return value;
    }
  }
  return 0;
}

int Main(int argc, char** argv) {
  CLI::App app{"hub_load: enlace-hub throughput against a bare mutual-TLS gRPC echo"};
  std::string hub_binary, dir;
  size_t nodes = 4;
  int inflight = 64;
  double seconds = 5, warmup = 1;
  size_t payload = 1000;  // padded to 1 KiB
  size_t envelopes = 60000;
  app.add_option("--hub-binary", hub_binary, "enlace-hub to start")->required();
  app.add_option("--dir", dir, "An empty folder for the hub's files and data")->required();
  app.add_option("--nodes", nodes, "Simulated nodes (one connection each), 1..9")
      ->check(CLI::Range(1, 9));
  app.add_option("--inflight", inflight, "Calls outstanding in total")->check(CLI::Range(1, 4096));
  app.add_option("--seconds", seconds, "Measured seconds per phase");
  app.add_option("--warmup", warmup, "Unmeasured seconds before each phase");
  app.add_option("--payload", payload, "Plaintext bytes per envelope");
  app.add_option("--envelopes", envelopes, "Envelopes sealed before the run");
  CLI11_PARSE(app, argc, argv);
  SetMinLogLevel(LogLevel::kWarning);

  std::vector<std::string> ids(std::begin(kRecipients), std::end(kRecipients));
  ids.insert(ids.end(), kSenders, kSenders + nodes);
  absl::StatusOr<std::unique_ptr<TestNetwork>> made = TestNetwork::Create(absl::Now(), ids);
  if (!made.ok()) {
    std::cerr << "hub_load: " << made.status() << "\n";
    return 1;
  }
  const TestNetwork& net = **made;
  absl::StatusOr<std::string> config = WriteHubFiles(
      net, dir,
      "log_level: \"warning\"\n"
      "limits { submits_per_second: 1000000 submit_burst: 1000000 mailbox_max_entries: "
      "100000000 }\n");
  if (!config.ok()) {
    std::cerr << "hub_load: " << config.status() << "\n";
    return 1;
  }
  // The echo server is forked before this process starts any gRPC or sealing thread.
  absl::StatusOr<std::pair<pid_t, int>> echo = StartEchoServer(net.hub().tls);
  if (!echo.ok()) {
    std::cerr << "hub_load: " << echo.status() << "\n";
    return 1;
  }

  // Distinct envelopes, sealed now so that the measured loop only sends them.
  const absl::Time seal_start = absl::Now();
  std::vector<std::vector<std::string>> pool(nodes);
  {
    std::vector<std::thread> sealers;
    for (size_t n = 0; n < nodes; ++n) {
      sealers.emplace_back([&, n] {
        const std::string plaintext(payload, 'p');
        for (size_t i = 0; i < envelopes / nodes; ++i) {
          absl::StatusOr<v1::Envelope> envelope =
              net.Seal(kSenders[n], {kRecipients[0], kRecipients[1]}, v1::KIND_INFO_REQUEST,
                       plaintext, absl::Now());
          if (envelope.ok()) pool[n].push_back(envelope->SerializeAsString());
        }
      });
    }
    for (std::thread& t : sealers) t.join();
  }
  std::cerr << "sealed " << envelopes << " envelopes of " << pool[0][0].size() << " bytes in "
            << absl::FormatDuration(absl::Now() - seal_start) << "\n";

  // Phase 1: the echo.
  std::vector<std::unique_ptr<v1::Echo::Stub>> echo_stubs;
  for (size_t n = 0; n < nodes; ++n) {
    echo_stubs.push_back(v1::Echo::NewStub(Connect(net, kSenders[n], echo->second)));
  }
  LoadResult echo_result =
      Load::Run(nodes, inflight, absl::Seconds(warmup), absl::Seconds(seconds),
                [&](size_t node, Load::Done done) {
                  auto context = std::make_shared<grpc::ClientContext>();
                  auto request = std::make_shared<v1::EchoRequest>();
                  auto response = std::make_shared<v1::EchoResponse>();
                  request->set_payload(pool[node][0]);
                  echo_stubs[node]->async()->Echo(
                      context.get(), request.get(), response.get(),
                      [context, request, response, done](grpc::Status status) { done(status); });
                  return true;
                });
  echo_stubs.clear();

  // Phase 2: the hub.
  absl::StatusOr<std::pair<pid_t, int>> hub = StartHub(hub_binary, *config, dir + "/ready");
  if (!hub.ok()) {
    std::cerr << "hub_load: " << hub.status() << "\n";
    kill(echo->first, SIGKILL);
    return 1;
  }
  std::vector<std::unique_ptr<v1::Exchange::Stub>> hub_stubs;
  for (size_t n = 0; n < nodes; ++n) {
    hub_stubs.push_back(v1::Exchange::NewStub(Connect(net, kSenders[n], hub->second)));
  }
  std::vector<std::atomic<size_t>> next(nodes);
  LoadResult hub_result =
      Load::Run(nodes, inflight, absl::Seconds(warmup), absl::Seconds(seconds),
                [&](size_t node, Load::Done done) {
                  const size_t i = next[node].fetch_add(1);
                  if (i >= pool[node].size()) return false;
                  auto context = std::make_shared<grpc::ClientContext>();
                  auto request = std::make_shared<v1::SubmitRequest>();
                  auto response = std::make_shared<v1::SubmitResponse>();
                  request->set_envelope(pool[node][i]);
                  hub_stubs[node]->async()->Submit(
                      context.get(), request.get(), response.get(),
                      [context, request, response, done](grpc::Status status) {
                        if (status.ok() && response->duplicate()) {
                          status = grpc::Status(grpc::StatusCode::INTERNAL, "unexpected duplicate");
                        }
                        done(status);
                      });
                  return true;
                });
  hub_stubs.clear();
  absl::StatusOr<std::string> ready = ReadFile(dir + "/ready", 100);
  int metrics_port = 0;
  if (ready.ok()) {
    std::vector<std::string> ports = absl::StrSplit(absl::StripAsciiWhitespace(*ready), ' ');
    if (ports.size() == 2) (void)absl::SimpleAtoi(ports[1], &metrics_port);
  }
  const std::string metrics = metrics_port == 0 ? "" : HttpGet(metrics_port, "/metrics");
  kill(hub->first, SIGTERM);
  int status = 0;
  waitpid(hub->first, &status, 0);
  kill(echo->first, SIGTERM);
  waitpid(echo->first, nullptr, 0);

  const double hub_rate = hub_result.seconds > 0 ? hub_result.completed / hub_result.seconds : 0;
  const double echo_rate =
      echo_result.seconds > 0 ? echo_result.completed / echo_result.seconds : 0;
  const double batches = MetricValue(metrics, "enlace_hub_commit_batch_operations_count");
  const double operations = MetricValue(metrics, "enlace_hub_commit_batch_operations_sum");
  const double commit_sum = MetricValue(metrics, "enlace_hub_commit_seconds_sum");
  const double commit_count = MetricValue(metrics, "enlace_hub_commit_seconds_count");
  std::cerr << absl::StrFormat(
      "nodes=%d inflight=%d payload=%d envelope_bytes=%d seconds=%.1f\n"
      "echo: %d calls, %d failed\n"
      "hub: %d submissions, %d failed%s%s\n"
      "hub commits: %.0f rounds, %.1f operations per round, %.2f ms per synced write\n",
      nodes, inflight, payload, pool[0][0].size(), seconds, echo_result.completed,
      echo_result.failed, hub_result.completed, hub_result.failed,
      hub_result.ran_out ? " (ran out of envelopes: raise --envelopes)" : "",
      hub_result.first_error.empty() ? "" : " first error " + hub_result.first_error, batches,
      batches > 0 ? operations / batches : 0,
      commit_count > 0 ? 1000 * commit_sum / commit_count : 0);
  std::cout << absl::StrFormat(
                   "hub_submit_per_s=%.0f echo_per_s=%.0f ratio=%.2f p50_ms=%.2f p99_ms=%.2f",
                   hub_rate, echo_rate, echo_rate > 0 ? hub_rate / echo_rate : 0,
                   Percentile(hub_result.latencies_ms, 0.50),
                   Percentile(hub_result.latencies_ms, 0.99))
            << std::endl;
  return hub_result.failed == 0 && echo_result.failed == 0 && !hub_result.ran_out ? 0 : 1;
}

}  // namespace
}  // namespace enlace::hub

int main(int argc, char** argv) { return enlace::hub::Main(argc, argv); }
