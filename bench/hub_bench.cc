#include "bench/hub_bench.h"

#include <grpcpp/generic/generic_stub.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "base/files.h"
#include "crypto/hash.h"
#include "crypto/receipts.h"
#include "enlace/v1/envelope.pb.h"

namespace enlace::hub::bench {

absl::StatusOr<HubChild> StartHub(const std::string& binary, const std::string& config,
                                  const std::string& ready_file, const TlsMaterial& client) {
  unlink(ready_file.c_str());
  const SteadyClock::time_point started = SteadyClock::now();
  HubChild hub;
  hub.pid = fork();
  if (hub.pid < 0) return absl::InternalError("fork failed");
  if (hub.pid == 0) {
    execl(binary.c_str(), "enlace-hub", "--config", config.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Up to 10 minutes: a hub may have a long log to open.
  const SteadyClock::time_point deadline = started + std::chrono::minutes(10);
  std::shared_ptr<grpc::Channel> channel;
  while (SteadyClock::now() < deadline) {
    int status = 0;
    if (waitpid(hub.pid, &status, WNOHANG) == hub.pid) {
      return absl::InternalError(absl::StrCat("enlace-hub exited (status ", status, ")"));
    }
    if (channel == nullptr) {
      absl::StatusOr<std::string> text = ReadFile(ready_file, 100);
      std::vector<std::string> ports;
      if (text.ok() && !text->empty() && text->back() == '\n') {
        ports = absl::StrSplit(absl::StripAsciiWhitespace(*text), ' ');
      }
      if (ports.size() == 2 && absl::SimpleAtoi(ports[0], &hub.port) &&
          absl::SimpleAtoi(ports[1], &hub.metrics_port)) {
        channel = Connect(client, hub.port);
      }
    }
    if (channel != nullptr && HealthServing(channel)) {
      hub.startup_ms =
          std::chrono::duration<double, std::milli>(SteadyClock::now() - started).count();
      return hub;
    }
    usleep(2000);
  }
  kill(hub.pid, SIGKILL);
  waitpid(hub.pid, nullptr, 0);
  return absl::DeadlineExceededError("enlace-hub did not answer its health check");
}

int StopHub(const HubChild& hub) {
  kill(hub.pid, SIGTERM);
  int status = 0;
  waitpid(hub.pid, &status, 0);
  return status;
}

std::shared_ptr<grpc::Channel> Connect(const TlsMaterial& tls, int port) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      MakeChannelCredentials(tls, absl::Now());
  if (!credentials.ok()) return nullptr;
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // one connection per simulated node
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port), *credentials, args);
  channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return channel;
}

bool HealthServing(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::GenericStub generic(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::ByteBuffer request(nullptr, 0);
  grpc::ByteBuffer response;
  absl::Notification done;
  grpc::Status status;
  generic.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                    &response, [&](grpc::Status s) {
                      status = std::move(s);
                      done.Notify();
                    });
  done.WaitForNotification();
  if (!status.ok()) return false;
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return false;
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes == std::string("\x08\x01");  // HealthCheckResponse{status: SERVING}
}

absl::StatusOr<ProcMemory> ReadProcMemory(pid_t pid) {
  absl::StatusOr<std::string> status = ReadFile(absl::StrCat("/proc/", pid, "/status"), 1 << 16);
  if (!status.ok()) return status.status();
  ProcMemory memory;
  for (absl::string_view line : absl::StrSplit(*status, '\n')) {
    uint64_t* field = absl::StartsWith(line, "VmHWM:")   ? &memory.peak_bytes
                      : absl::StartsWith(line, "VmRSS:") ? &memory.rss_bytes
                                                         : nullptr;
    if (field == nullptr) continue;
    absl::string_view number = absl::StripAsciiWhitespace(line.substr(6));
    absl::ConsumeSuffix(&number, " kB");
    uint64_t kb = 0;
    if (!absl::SimpleAtoi(number, &kb)) return absl::DataLossError(absl::StrCat("bad ", line));
    *field = kb * 1024;
  }
  return memory;
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(p * values.size()))];
}

double MetricValue(const std::string& text, const std::string& name) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StartsWith(line, name + " ")) {
      double value = 0;
      if (absl::SimpleAtod(line.substr(name.size() + 1), &value)) return value;
    }
  }
  return 0;
}

void PrintRatioFigure(const std::string& id, double value, const std::string& unit, double limit,
                      const std::string& limit_unit, const std::string& limit_name,
                      ::enlace::bench::Target target, const std::string& note) {
  ::enlace::bench::Figure figure;
  figure.id = id;
  figure.value = value;
  figure.unit = unit;
  figure.limit = limit;
  figure.limit_unit = limit_unit;
  figure.limit_name = limit_name;
  figure.ratio = limit != 0 ? value / limit : 0;
  figure.target = std::move(target);
  figure.note = note;
  ::enlace::bench::PrintFigure(figure);
}

// ---- Subscriber ----

Subscriber::Subscriber(const testing::TestNetwork& net, absl::string_view participant, int port,
                       int ack_window, OnDelivery on_delivery)
    : participant_(net.participant(participant)),
      on_delivery_(std::move(on_delivery)),
      ack_window_(ack_window),
      stub_(v1::Exchange::NewStub(Connect(participant_.tls, port))) {
  reader_ = std::thread([this] { Read(); });
}

Subscriber::~Subscriber() {
  context_.TryCancel();
  reader_.join();
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](int* outstanding) { return *outstanding == 0; }, &outstanding_));
}

uint64_t Subscriber::acked() const {
  absl::MutexLock lock(&mu_);
  return acked_;
}

uint64_t Subscriber::ack_failures() const {
  absl::MutexLock lock(&mu_);
  return ack_failures_;
}

std::string Subscriber::first_error() const {
  absl::MutexLock lock(&mu_);
  return first_error_;
}

bool Subscriber::WaitAcked(uint64_t count, absl::Duration timeout) const {
  struct Args {
    const uint64_t* acked;
    uint64_t count;
  } args{&acked_, count};
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(
                                  +[](Args* a) { return *a->acked >= a->count; }, &args),
                              timeout);
}

void Subscriber::Read() {
  v1::SubscribeRequest request;
  std::unique_ptr<grpc::ClientReader<v1::Delivery>> reader = stub_->Subscribe(&context_, request);
  v1::Delivery delivery;
  std::string pieces;
  while (reader->Read(&delivery)) {
    if (delivery.offset() == 0) pieces.clear();
    pieces += delivery.data();
    if (pieces.size() < delivery.envelope_size()) continue;
    const SteadyClock::time_point arrived = SteadyClock::now();
    delivered_.fetch_add(1);
    if (on_delivery_) on_delivery_(delivery.message_id(), arrived);
    v1::Envelope envelope;
    absl::StatusOr<Sha256Digest> header_hash = envelope.ParseFromString(pieces)
                                                   ? Sha256(envelope.header())
                                                   : absl::DataLossError("unreadable envelope");
    if (!header_hash.ok()) {
      absl::MutexLock lock(&mu_);
      ++ack_failures_;
      if (first_error_.empty()) first_error_ = std::string(header_hash.status().message());
      continue;
    }
    Acknowledge(delivery.message_id(), DigestBytes(*header_hash));
  }
  const grpc::Status status = reader->Finish();
  absl::MutexLock lock(&mu_);
  if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED && first_error_.empty()) {
    first_error_ = absl::StrCat("Subscribe: ", status.error_message());
  }
}

void Subscriber::Acknowledge(const std::string& message_id, const std::string& header_hash) {
  const int64_t acked_at_ms = absl::ToUnixMillis(absl::Now());
  absl::StatusOr<Bytes> signature = participant_.signing_key.Sign(
      AckSigningInput(message_id, header_hash, participant_.id.str(), acked_at_ms));
  {
    absl::MutexLock lock(&mu_);
    if (!signature.ok()) {
      ++ack_failures_;
      if (first_error_.empty()) first_error_ = std::string(signature.status().message());
      return;
    }
    mu_.Await(absl::Condition(this, &Subscriber::AckRoom));
    ++outstanding_;
  }
  auto context = std::make_shared<grpc::ClientContext>();
  auto request = std::make_shared<v1::AckRequest>();
  auto response = std::make_shared<v1::AckResponse>();
  request->set_message_id(message_id);
  request->set_acked_at_ms(acked_at_ms);
  request->set_key_id(participant_.signing_key.public_key().KeyId());
  request->set_signature(*std::move(signature));
  stub_->async()->Ack(context.get(), request.get(), response.get(),
                      [this, context, request, response](grpc::Status status) mutable {
                        // Released before the destructor can see the count reach zero.
                        context.reset();
                        request.reset();
                        response.reset();
                        absl::MutexLock lock(&mu_);
                        --outstanding_;
                        if (status.ok()) {
                          ++acked_;
                        } else {
                          ++ack_failures_;
                          if (first_error_.empty()) {
                            first_error_ = absl::StrCat("Ack: ", status.error_message());
                          }
                        }
                      });
}

// ---- Closed-loop load ----

namespace {

// Shared with the callbacks, so that it outlives the last of them.
class Load : public std::enable_shared_from_this<Load> {
 public:
  explicit Load(LoadIssue issue) : issue_(std::move(issue)) {}

  LoadResult Run(size_t nodes, int inflight, absl::Duration warmup, absl::Duration measure) {
    start_ = SteadyClock::now() + absl::ToChronoNanoseconds(warmup);
    end_ = start_ + absl::ToChronoNanoseconds(measure);
    last_ = start_;
    {
      absl::MutexLock lock(&mu_);
      outstanding_ = inflight;
    }
    for (int i = 0; i < inflight; ++i) Start(i % nodes);
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* outstanding) { return *outstanding == 0; }, &outstanding_));
    result_.seconds = std::chrono::duration<double>(std::min(last_, end_) - start_).count();
    return result_;
  }

 private:
  // Issues the slot's next call; the slot is counted in outstanding_ until it stops.
  void Start(size_t node) {
    const SteadyClock::time_point began = SteadyClock::now();
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
  bool Record(const grpc::Status& status, SteadyClock::time_point began) {
    const SteadyClock::time_point now = SteadyClock::now();
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

  LoadIssue issue_;
  absl::Mutex mu_;
  SteadyClock::time_point start_;
  SteadyClock::time_point end_;
  SteadyClock::time_point last_;
  int outstanding_ ABSL_GUARDED_BY(mu_) = 0;
  LoadResult result_;
};

}  // namespace

LoadResult RunClosedLoop(size_t nodes, int inflight, absl::Duration warmup, absl::Duration measure,
                         LoadIssue issue) {
  return std::make_shared<Load>(std::move(issue))->Run(nodes, inflight, warmup, measure);
}

SealedPool SealPool(const testing::TestNetwork& net, const std::vector<std::string>& senders,
                    const std::vector<std::string>& recipients, size_t count, size_t payload) {
  SealedPool pool;
  pool.envelopes.resize(senders.size());
  pool.ids.resize(senders.size());
  const std::string plaintext(payload, 'p');
  auto seal = [&](size_t first, size_t step) {
    for (size_t n = first; n < senders.size(); n += step) {
      for (size_t i = 0; i < (count + senders.size() - 1) / senders.size(); ++i) {
        absl::StatusOr<v1::Envelope> envelope =
            net.Seal(senders[n], recipients, v1::KIND_INFO_REQUEST, plaintext, absl::Now());
        v1::Header header;
        if (!envelope.ok() || !header.ParseFromString(envelope->header())) continue;
        pool.envelopes[n].push_back(envelope->SerializeAsString());
        pool.ids[n].push_back(header.message_id());
      }
    }
  };
  std::thread other(seal, 1, 2);
  seal(0, 2);
  other.join();
  return pool;
}

void SubmitAsync(v1::Exchange::Stub* stub, const std::string& envelope, LoadDone done) {
  auto context = std::make_shared<grpc::ClientContext>();
  auto request = std::make_shared<v1::SubmitRequest>();
  auto response = std::make_shared<v1::SubmitResponse>();
  request->set_envelope(envelope);
  // The call's objects are released before `done` runs: whoever waits for it may then destroy
  // the stub and its channel.
  stub->async()->Submit(context.get(), request.get(), response.get(),
                        [context, request, response, done](grpc::Status status) mutable {
                          if (status.ok() && response->duplicate()) {
                            status =
                                grpc::Status(grpc::StatusCode::INTERNAL, "unexpected duplicate");
                          }
                          context.reset();
                          request.reset();
                          response.reset();
                          done(status);
                        });
}

}  // namespace enlace::hub::bench
