#include "tests/hub/hub_fixture.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "base/files.h"
#include "base/status_macros.h"
#include "crypto/key_files.h"
#include "net/tls.h"

namespace enlace::hub::testing {

std::shared_ptr<grpc::Channel> HubChannel(const TestNetwork& net, absl::string_view participant,
                                          int port) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      MakeChannelCredentials(net.participant(participant).tls, absl::Now());
  if (!credentials.ok()) return nullptr;
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetSslTargetNameOverride("localhost");
  // One connection per participant and test: no sharing between channels of different ids.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port), *credentials, args);
}

absl::StatusOr<std::unique_ptr<HubServer>> StartHub(const TestNetwork& net, Clock* clock,
                                                    const std::string& data_dir,
                                                    const HubLimits& limits,
                                                    const v1::SignedDirectory* directory,
                                                    rocksdb::Env* rocksdb_env) {
  HubServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.tls = net.hub().tls;
  options.metrics_address = "127.0.0.1:0";
  options.maintenance_interval = absl::ZeroDuration();
  options.shutdown_grace = absl::Seconds(2);
  options.exchange.store.path = data_dir;
  options.exchange.store.rocksdb_env = rocksdb_env;
  options.exchange.env.clock = clock;
  options.exchange.limits = limits;
  if (directory != nullptr) {
    options.exchange.bootstrap_directory = directory->SerializeAsString();
  } else {
    ASSIGN_OR_RETURN(v1::SignedDirectory signed_directory, net.SignDirectory(net.BaseDirectory(1)));
    options.exchange.bootstrap_directory = signed_directory.SerializeAsString();
  }
  ASSIGN_OR_RETURN(Ed25519PrivateKey log_key, net.LogKey());
  return HubServer::Start(std::move(options), net.root(), std::move(log_key));
}

absl::StatusOr<std::unique_ptr<HubProcess>> HubProcess::Start(const std::string& config,
                                                              const std::string& ready_file) {
  unlink(ready_file.c_str());
  const std::string binary = std::string(ENLACE_BINARY_DIR) + "/bin/enlace-hub";
  const std::string log = ready_file + ".log";
  std::unique_ptr<HubProcess> process(new HubProcess());
  process->pid_ = fork();
  if (process->pid_ < 0) return absl::InternalError("fork failed");
  if (process->pid_ == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) dup2(fd, STDERR_FILENO);
    execl(binary.c_str(), "enlace-hub", "--config", config.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    int status = 0;
    if (waitpid(process->pid_, &status, WNOHANG) == process->pid_) {
      process->pid_ = -1;
      absl::StatusOr<std::string> output = ReadFile(log, 1 << 20);
      return absl::InternalError(absl::StrCat("enlace-hub exited with status ", status, ": ",
                                              output.value_or("(no log)")));
    }
    absl::StatusOr<std::string> ready = ReadFile(ready_file, 100);
    if (ready.ok() && !ready->empty() && ready->back() == '\n') {
      std::vector<std::string> ports = absl::StrSplit(absl::StripAsciiWhitespace(*ready), ' ');
      if (ports.size() == 2 && absl::SimpleAtoi(ports[0], &process->port_) &&
          absl::SimpleAtoi(ports[1], &process->metrics_port_)) {
        return process;
      }
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError("enlace-hub did not become ready within 30 s");
}

HubProcess::~HubProcess() {
  if (pid_ > 0) StopWith(SIGKILL);
}

namespace {

absl::StatusOr<uint64_t> StatusField(pid_t pid, absl::string_view field) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (!absl::StartsWith(line, field)) continue;
    uint64_t kib = 0;
    std::istringstream values(line.substr(field.size() + 1));
    values >> kib;
    return kib * 1024;
  }
  return absl::NotFoundError(absl::StrCat(field, " not in /proc/", pid, "/status"));
}

}  // namespace

absl::StatusOr<uint64_t> HubProcess::PeakRss() const { return StatusField(pid_, "VmHWM"); }
absl::StatusOr<uint64_t> HubProcess::Rss() const { return StatusField(pid_, "VmRSS"); }

int HubProcess::StopWith(int signal) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

Received ReadDeliveries(grpc::ClientReaderInterface<v1::Delivery>* reader, size_t count) {
  Received received;
  std::string pending;
  v1::Delivery delivery;
  while (received.envelopes.size() < count && reader->Read(&delivery)) {
    if (delivery.offset() == 0) pending.clear();
    if (delivery.offset() != pending.size()) continue;  // a resent piece: skip to its next start
    pending += delivery.data();
    if (pending.size() == delivery.envelope_size()) {
      received.sequences.push_back(delivery.sequence());
      received.envelopes.push_back(std::move(pending));
      pending.clear();
    }
  }
  if (received.envelopes.size() < count) received.status = reader->Finish();
  return received;
}

}  // namespace enlace::hub::testing
