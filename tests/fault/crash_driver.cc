// crash_driver: the crash trials of tests/fault/crash_trials.sh (docs/security.md, "Crashes").
//
//   crash_driver --trials N [--target hub|node] [--seed S]
//
// --target hub: a real enlace-hub (build/bin) on a fresh data dir, four senders submitting
// sealed bulletins concurrently over mutual TLS, two real enlace-node processes as recipients
// (subscribing, storing, acknowledging) and an auditor polling tree heads and fetching the log.
// After a random delay the hub gets SIGKILL; it is restarted on the same data dir and port, the
// senders resubmit what got no receipt (the same bytes, as a node's outbox does), and:
//   - every receipt is honoured: the envelope reaches each recipient's inbox, its SUBMITTED entry
//     is at the receipt's log index, and its inclusion is proven against a fresh signed head;
//   - every tree head handed out before the crash verifies and is consistent with the fresh one
//     (RFC 9162 consistency proof); the auditor's fetch and enlace-audit's verifier pass;
//   - no message is shown twice: each recipient node (deduplicating by message id, as it does)
//     lists it once, and it is logged SUBMITTED once.
// --target node: an enlace-node process queues 50-200 messages while the hub is away, is killed
// with SIGKILL while it drains them to the returned hub, restarted, and each message must reach
// the recipient node exactly once as shown to its user and be logged SUBMITTED exactly once.
//
// --control (a negative control, expected to FAIL): the killed process restarts on an empty
// data dir (the hub's, or the sender node's), as if its disk had been lost; the checks must then
// report lost messages and verify failures.
//
// The last line of the output is exactly "N trials, L lost, D duplicated, V verify failures";
// the exit status is 0 only if L, D and V are 0.
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "auditlog/event.h"
#include "auditlog/merkle.h"
#include "auditlog/tree_head.h"
#include "auditlog/verifier.h"
#include "auditor/fetch.h"
#include "auditor/verify.h"
#include "base/files.h"
#include "base/status_macros.h"
#include "crypto/envelope.h"
#include "crypto/key_files.h"
#include "crypto/receipts.h"
#include "domain/content.h"
#include "enlace/v1/auditlog_service.grpc.pb.h"
#include "enlace/v1/hub_service.grpc.pb.h"
#include "enlace/v1/node_service.grpc.pb.h"
#include "hub/testing/http_get.h"
#include "identity/directory.h"
#include "net/status.h"
#include "tests/hub/hub_fixture.h"
#include "tests/testing/temp_dir.h"

namespace enlace::fault {
namespace {

using ::enlace::testing::TempDir;
using hub::testing::HubChannel;
using hub::testing::HubProcess;
using hub::testing::TestNetwork;

const std::string kBin = std::string(ENLACE_BINARY_DIR) + "/bin/";
constexpr char kAuditor[] = "auditor/ana";
const std::vector<std::string> kSenders = {"MX", "GT", "SV", "HN"};
const std::vector<std::string> kRecipients = {"CR", "PA"};
// Caps the messages of a hub trial: recipients list at most 1000 items per call.
constexpr int64_t kMaxMessagesPerHubTrial = 800;

std::chrono::system_clock::time_point After(absl::Duration d) {
  return std::chrono::system_clock::now() + absl::ToChronoMilliseconds(d);
}

// What trials found; each problem is printed as it is found, with its trial.
struct Tally {
  int lost = 0;
  int duplicated = 0;
  int verify_failures = 0;

  void Add(int trial, int* counter, absl::string_view label, absl::string_view what) {
    ++*counter;
    std::cout << "trial " << trial << ": " << label << ": " << what << std::endl;
  }
  bool clean() const { return lost == 0 && duplicated == 0 && verify_failures == 0; }
};

// ---- Processes and files ----

// The negative control: `data` (a killed process's data dir) is moved away before the restart.
absl::Status LoseData(const std::string& data) {
  if (rename(data.c_str(), (data + ".lost").c_str()) != 0) {
    return absl::InternalError(absl::StrCat("cannot move ", data, " away"));
  }
  return absl::OkStatus();
}

// Writes hub.conf for enlace-hub into `dir` (tree heads every 100 ms, rate limits above the
// trials' load).
absl::StatusOr<std::string> WriteHubConfig(const TestNetwork& net, const std::string& dir) {
  return hub::testing::WriteHubFiles(net, dir,
                                     "max_merge_delay_ms: 100\n"
                                     "shutdown_grace_ms: 500\n"
                                     "limits { submits_per_second: 5000 submit_burst: 5000 }\n");
}

// After the first start: the same port on every restart, so that nodes find the hub again.
absl::Status PinHubPort(const std::string& config, int port) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(config, 1 << 16));
  const std::string any = "listen_address: \"127.0.0.1:0\"";
  if (!absl::StrContains(text, any)) return absl::InternalError("no listen_address to pin");
  absl::StrReplaceAll({{any, absl::StrCat("listen_address: \"127.0.0.1:", port, "\"")}}, &text);
  return WriteFileAtomically(config, text);
}

absl::StatusOr<std::unique_ptr<HubProcess>> StartHub(const std::string& config,
                                                     const std::string& dir) {
  return HubProcess::Start(config, dir + "/ready");
}

// A node's files (keys in clear, mode 0600) and its node.conf in `dir`; returns the config path.
absl::StatusOr<std::string> WriteNodeFiles(const TestNetwork& net, const std::string& country,
                                           const std::string& dir, int hub_port) {
  const hub::testing::TestParticipant& p = net.participant("node/" + country);
  RETURN_IF_ERROR(MakeDirectories(dir, 0700));
  RETURN_IF_ERROR(WriteFileAtomically(dir + "/root.pem", p.tls.root_certificate_pem));
  RETURN_IF_ERROR(WriteFileAtomically(dir + "/tls.pem", p.tls.certificate_pem));
  RETURN_IF_ERROR(WriteFileAtomically(dir + "/tls-key.pem", p.tls.private_key_pem.view(), 0600));
  RETURN_IF_ERROR(WritePrivateKeyFile(dir + "/signing.pem", p.signing_key));
  RETURN_IF_ERROR(WritePrivateKeyFile(dir + "/encryption.pem", p.encryption_key));
  const std::string config = absl::StrCat(
      "participant_id: \"node/", country, "\"\n", "data_dir: \"data\"\n",
      "hub {\n  address: \"127.0.0.1:", hub_port, "\"\n",
      "  root_certificate: \"root.pem\"\n  certificate: \"tls.pem\"\n",
      "  private_key: \"tls-key.pem\"\n  call_timeout_s: 5\n}\n",
      "keys { signing_key_files: \"signing.pem\" encryption_key_files: \"encryption.pem\" }\n",
      "local_api { socket_path: \"s.sock\" }\n", "users { os_user: \"", getpwuid(getuid())->pw_name,
      "\" role: NODE_ROLE_FOCAL_POINT officer: \"Enlace ", country, "\" }\n", "language: \"es\"\n",
      "organisation: \"Ministerio ", country, "\"\n",
      // Back soon after the hub returns: the trials time the drain, not the backoff.
      "outbox { initial_backoff_ms: 100 max_backoff_ms: 1000 }\n");
  const std::string path = dir + "/node.conf";
  RETURN_IF_ERROR(WriteFileAtomically(path, config));
  return path;
}

// enlace-node (build/bin) as a child process, and its local API.
class NodeProcess {
 public:
  // Starts it on `dir`/node.conf and waits (up to 20 s) until its local API answers.
  static absl::StatusOr<std::unique_ptr<NodeProcess>> Start(const std::string& dir) {
    std::unique_ptr<NodeProcess> node(new NodeProcess());
    const std::string config = dir + "/node.conf";
    const std::string log = dir + "/node.log";
    const std::string binary = kBin + "enlace-node";
    node->pid_ = fork();
    if (node->pid_ < 0) return absl::InternalError("fork failed");
    if (node->pid_ == 0) {
      const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
      }
      execl(binary.c_str(), "enlace-node", "--config", config.c_str(), "--log-level", "warning",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (absl::Now() < deadline) {
      int status = 0;
      if (waitpid(node->pid_, &status, WNOHANG) == node->pid_) {
        node->pid_ = -1;
        return absl::InternalError(absl::StrCat("enlace-node exited with status ", status, ": ",
                                                ReadFile(log, 1 << 16).value_or("(no log)")));
      }
      // A fresh channel (and connection) per try: one made while the daemon was still starting
      // can wait seconds for a connection attempt that will never complete.
      grpc::ChannelArguments args;
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      node->stub_ = v1::NodeLocal::NewStub(grpc::CreateCustomChannel(
          "unix:" + dir + "/s.sock", grpc::InsecureChannelCredentials(), args));
      grpc::ClientContext context;
      context.set_deadline(After(absl::Milliseconds(500)));
      v1::WhoamiResponse whoami;
      if (node->stub_->Whoami(&context, v1::WhoamiRequest(), &whoami).ok()) return node;
      absl::SleepFor(absl::Milliseconds(30));
    }
    return absl::DeadlineExceededError("enlace-node did not serve its local API within 20 s");
  }

  ~NodeProcess() { Stop(SIGKILL); }

  // Sends `signal` and waits for the exit.
  void Stop(int signal) {
    if (pid_ <= 0) return;
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  v1::NodeLocal::Stub& local() { return *stub_; }

  // How many times each message id (hex) is listed in the user's inbox, in `direction`.
  absl::StatusOr<std::map<std::string, int>> Listed(v1::ItemDirection direction) {
    grpc::ClientContext context;
    context.set_deadline(After(absl::Seconds(10)));
    v1::ListInboxRequest request;
    request.set_direction(direction);
    request.set_limit(1000);
    v1::ListInboxResponse response;
    RETURN_IF_ERROR(FromGrpcStatus(stub_->ListInbox(&context, request, &response)));
    std::map<std::string, int> listed;
    for (const v1::ItemSummary& item : response.items()) ++listed[item.message_id()];
    return listed;
  }

 private:
  NodeProcess() = default;
  pid_t pid_ = -1;
  std::unique_ptr<v1::NodeLocal::Stub> stub_;
};

// Waits until `node` lists every id of `expected` (hex) as received, or `timeout` passes.
absl::StatusOr<std::map<std::string, int>> WaitForInbox(NodeProcess& node,
                                                        const std::vector<std::string>& expected,
                                                        absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    ASSIGN_OR_RETURN(auto listed, node.Listed(v1::ITEM_DIRECTION_INBOUND));
    bool all = true;
    for (const std::string& id : expected) all = all && listed.count(id) > 0;
    if (all || absl::Now() >= deadline) return listed;
    absl::SleepFor(absl::Milliseconds(50));
  }
}

// A valid bulletin from `country` (a node focal point may send one to anyone).
v1::Content Bulletin(const std::string& country, uint64_t n) {
  v1::Content content;
  content.set_language("es");
  v1::Bulletin& bulletin = *content.mutable_bulletin();
  bulletin.set_bulletin_ref(domain::NewReference(*RandomSource::Real()).value_or(""));
  bulletin.mutable_issuer()->set_organisation(absl::StrCat("Ministerio ", country));
  bulletin.mutable_title()->set_es(absl::StrCat("Boletín de prueba ", n));
  bulletin.mutable_title()->set_en(absl::StrCat("Test bulletin ", n));
  bulletin.mutable_body()->set_es("Prueba de caída del concentrador.");
  bulletin.mutable_body()->set_en("Hub crash trial.");
  bulletin.set_tlp(v1::TLP_GREEN);
  *bulletin.mutable_published_at() = domain::TimeToProto(absl::Now() - absl::Seconds(1));
  return content;
}

// Accepted submissions so far, from the hub's metrics.
uint64_t AcceptedSubmissions(int metrics_port) {
  uint64_t total = 0;
  for (absl::string_view line :
       absl::StrSplit(hub::testing::HttpGet(metrics_port, "/metrics"), '\n')) {
    if (!absl::StartsWith(line, "enlace_hub_submits_total{") ||
        !absl::StrContains(line, "reason=\"accepted\"")) {
      continue;
    }
    double value = 0;
    if (absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &value)) {
      total += static_cast<uint64_t>(value);
    }
  }
  return total;
}

// ---- The log, as the auditor sees it ----

class LogView {
 public:
  LogView(const TestNetwork& net, int port)
      : stub_(HubChannel(net, kAuditor, port)), log_key_(net.LogKey()->public_key()) {}

  v1::AuditLog::Stub& stub() { return stub_; }
  const Ed25519PublicKey& log_key() const { return log_key_; }

  // The hub's latest head once it covers `size` entries (waits up to 10 s), signature checked.
  absl::StatusOr<v1::TreeHead> FreshHead(uint64_t size) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (true) {
      grpc::ClientContext context;
      context.set_deadline(After(absl::Seconds(5)));
      v1::TreeHead head;
      absl::Status status =
          FromGrpcStatus(stub_.GetTreeHead(&context, v1::GetTreeHeadRequest(), &head));
      if (status.ok() && head.tree_size() >= size) {
        RETURN_IF_ERROR(CheckSignature(head));
        return head;
      }
      if (absl::Now() >= deadline) {
        return absl::DeadlineExceededError(absl::StrCat(
            "no signed tree head covers ", size, " entries: ",
            status.ok() ? absl::StrCat("latest size ", head.tree_size()) : status.ToString()));
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
  }

  absl::Status CheckSignature(const v1::TreeHead& head) {
    ASSIGN_OR_RETURN(auditlog::TreeHead parsed, auditlog::FromProto(head));
    return auditlog::VerifyTreeHeadSignature(parsed, log_key_);
  }

  // `old` (handed out earlier) verifies and is a prefix of `fresh`.
  absl::Status CheckConsistent(const v1::TreeHead& old, const v1::TreeHead& fresh) {
    RETURN_IF_ERROR(CheckSignature(old));
    if (old.tree_size() == 0) return absl::OkStatus();
    if (old.tree_size() > fresh.tree_size()) {
      return absl::DataLossError(absl::StrCat("a head of size ", old.tree_size(),
                                              " was handed out; the log now has ",
                                              fresh.tree_size()));
    }
    if (old.tree_size() == fresh.tree_size()) {
      return old.root_hash() == fresh.root_hash()
                 ? absl::OkStatus()
                 : absl::DataLossError(absl::StrCat("two roots at size ", old.tree_size()));
    }
    grpc::ClientContext context;
    context.set_deadline(After(absl::Seconds(10)));
    v1::GetConsistencyProofRequest request;
    request.set_first_size(old.tree_size());
    request.set_second_size(fresh.tree_size());
    v1::ConsistencyProof proof;
    RETURN_IF_ERROR(FromGrpcStatus(stub_.GetConsistencyProof(&context, request, &proof)));
    std::vector<std::string> path(proof.proof().begin(), proof.proof().end());
    return auditlog::VerifyConsistency(old.tree_size(), fresh.tree_size(), path, old.root_hash(),
                                       fresh.root_hash());
  }

  // Entry `index`, `leaf`, is in the tree of `fresh` (proof from the hub, checked here).
  absl::Status CheckIncluded(uint64_t index, absl::string_view leaf, const v1::TreeHead& fresh) {
    grpc::ClientContext context;
    context.set_deadline(After(absl::Seconds(10)));
    v1::GetInclusionProofRequest request;
    request.set_leaf_index(index);
    request.set_tree_size(fresh.tree_size());
    v1::InclusionProof proof;
    RETURN_IF_ERROR(FromGrpcStatus(stub_.GetInclusionProof(&context, request, &proof)));
    ASSIGN_OR_RETURN(auditlog::MerkleHasher hasher, auditlog::MerkleHasher::Create());
    ASSIGN_OR_RETURN(auditlog::Hash leaf_hash, hasher.HashLeaf(leaf));
    std::vector<std::string> path(proof.audit_path().begin(), proof.audit_path().end());
    return auditlog::VerifyInclusion(auditlog::HashView(leaf_hash), index, fresh.tree_size(), path,
                                     fresh.root_hash());
  }

  // The leaves of the first `size` entries.
  absl::StatusOr<std::vector<std::string>> Leaves(uint64_t size) {
    std::vector<std::string> leaves;
    while (leaves.size() < size) {
      grpc::ClientContext context;
      context.set_deadline(After(absl::Seconds(10)));
      v1::ListEntriesRequest request;
      request.set_start_index(leaves.size());
      v1::ListEntriesResponse page;
      RETURN_IF_ERROR(FromGrpcStatus(stub_.ListEntries(&context, request, &page)));
      if (page.entries_size() == 0) {
        return absl::DataLossError(absl::StrCat("ListEntries gave nothing at ", leaves.size()));
      }
      for (const v1::LogEntry& entry : page.entries()) {
        if (leaves.size() == size) break;  // entries after the head asked for
        if (entry.index() != leaves.size()) {
          return absl::DataLossError(
              absl::StrCat("entry ", entry.index(), " where ", leaves.size(), " was due"));
        }
        leaves.push_back(entry.leaf());
      }
    }
    return leaves;
  }

  // The auditor's own fetch into `dir` (checks the new head against the saved one) and
  // enlace-audit's verifier over everything fetched (every root recomputed from the entries).
  absl::Status FetchAndVerify(const std::string& dir, const Directory& directory) {
    auditor::FetchOptions options;
    options.log_key = log_key_;
    RETURN_IF_ERROR(auditor::Fetch(&stub_, dir, options).status());
    ASSIGN_OR_RETURN(auditor::VerifyResult result,
                     auditor::VerifyExport(dir, log_key_, &directory));
    if (result.ok()) return absl::OkStatus();
    if (result.divergence.has_value()) return absl::DataLossError(result.divergence->ToString());
    return absl::DataLossError(absl::StrCat(result.uncovered_entries(), " entries not covered; ",
                                            result.acks ? result.acks->Summary() : ""));
  }

 private:
  v1::AuditLog::Stub stub_;
  Ed25519PublicKey log_key_;
};

// SUBMITTED entries per message id.
std::map<Bytes, std::vector<uint64_t>> Submissions(const std::vector<std::string>& leaves) {
  std::map<Bytes, std::vector<uint64_t>> submitted;
  for (uint64_t i = 0; i < leaves.size(); ++i) {
    absl::StatusOr<v1::AuditEvent> event = auditlog::DecodeLeaf(leaves[i]);
    if (event.ok() && event->type() == v1::AUDIT_EVENT_SUBMITTED) {
      submitted[event->message_id()].push_back(i);
    }
  }
  return submitted;
}

// ---- Hub trials ----

struct Sent {
  std::string sender;  // participant id
  Bytes message_id;
  std::string envelope;
  std::vector<std::string> recipients;  // countries
  std::optional<v1::Receipt> receipt;
  bool receipted_before_crash = false;
  bool duplicate = false;  // the receipt came with duplicate = true (a resubmission)
};

// One sender: sealed bulletins to one or both recipients, one call at a time, until `stop`.
void SendUntilStopped(const TestNetwork& net, const std::string& country, int port, uint64_t seed,
                      const std::atomic<bool>& stop, std::atomic<int64_t>& budget,
                      std::vector<Sent>& sent) {
  v1::Exchange::Stub exchange(HubChannel(net, "node/" + country, port));
  std::mt19937_64 rng(seed);
  while (!stop.load() && budget.fetch_sub(1) > 0) {
    Sent s;
    s.sender = "node/" + country;
    const int pick = static_cast<int>(rng() % 3);  // CR, PA or both
    if (pick != 1) s.recipients.push_back(kRecipients[0]);
    if (pick != 0) s.recipients.push_back(kRecipients[1]);
    std::vector<std::string> ids;
    for (const std::string& r : s.recipients) ids.push_back("node/" + r);
    const v1::Content content = Bulletin(country, sent.size());
    absl::StatusOr<v1::Envelope> envelope =
        net.Seal("node/" + country, ids, v1::KIND_BULLETIN, domain::ContentToBinary(content));
    if (!envelope.ok()) {
      std::cerr << "seal: " << envelope.status() << std::endl;
      return;
    }
    s.message_id = ReadUnverifiedHeader(*envelope)->message_id();
    s.envelope = envelope->SerializeAsString();
    grpc::ClientContext context;
    context.set_deadline(After(absl::Seconds(2)));
    v1::SubmitRequest request;
    request.set_envelope(s.envelope);
    v1::SubmitResponse response;
    if (exchange.Submit(&context, request, &response).ok()) {
      s.receipt = response.receipt();
      s.receipted_before_crash = true;
    }
    sent.push_back(std::move(s));
    absl::SleepFor(absl::Milliseconds(static_cast<int64_t>(rng() % 20)));
  }
}

class HubTrial {
 public:
  HubTrial(const TestNetwork& net, const Directory& directory, int trial, std::mt19937_64& rng,
           bool control, Tally& tally)
      : net_(net),
        directory_(directory),
        trial_(trial),
        rng_(rng),
        control_(control),
        tally_(tally) {}

  // Runs the trial; an error is a failure of the harness (counted as a verify failure).
  absl::Status Run() {
    ASSIGN_OR_RETURN(config_, WriteHubConfig(net_, dir_.path()));
    ASSIGN_OR_RETURN(hub_, StartHub(config_, dir_.path()));
    port_ = hub_->port();
    RETURN_IF_ERROR(PinHubPort(config_, port_));
    std::map<std::string, std::unique_ptr<NodeProcess>> nodes;
    for (const std::string& country : kRecipients) {
      RETURN_IF_ERROR(WriteNodeFiles(net_, country, dir_.Sub(country), port_).status());
      ASSIGN_OR_RETURN(nodes[country], NodeProcess::Start(dir_.Sub(country)));
    }

    // Load, then SIGKILL at a random moment.
    const absl::Duration kill_after = absl::Milliseconds(150 + rng_() % 1350);
    const absl::Duration fetch_after = absl::Milliseconds(rng_() % 1000);
    std::atomic<bool> stop{false};
    std::atomic<int64_t> budget{kMaxMessagesPerHubTrial};
    std::vector<std::vector<Sent>> sent(kSenders.size() * 2);
    std::vector<v1::TreeHead> heads;  // every head handed out before the crash
    std::vector<std::thread> threads;
    for (size_t i = 0; i < sent.size(); ++i) {
      threads.emplace_back(SendUntilStopped, std::cref(net_), kSenders[i % kSenders.size()], port_,
                           rng_(), std::cref(stop), std::ref(budget), std::ref(sent[i]));
    }
    LogView before(net_, port_);
    threads.emplace_back([&] {
      const absl::Time fetch_at = absl::Now() + fetch_after;
      bool fetched = false;
      while (!stop.load()) {
        grpc::ClientContext context;
        context.set_deadline(After(absl::Milliseconds(500)));
        v1::TreeHead head;
        if (before.stub().GetTreeHead(&context, v1::GetTreeHeadRequest(), &head).ok()) {
          heads.push_back(head);
        }
        if (!fetched && absl::Now() >= fetch_at) {
          fetched = true;  // may be cut by the crash: the next fetch copes (auditor/fetch.h)
          auditor::FetchOptions options;
          options.log_key = before.log_key();
          auditor::Fetch(&before.stub(), dir_.Sub("export"), options).IgnoreError();
        }
        absl::SleepFor(absl::Milliseconds(20));
      }
    });
    absl::SleepFor(kill_after);
    hub_->StopWith(SIGKILL);
    stop.store(true);
    for (std::thread& t : threads) t.join();

    std::vector<Sent> all;
    for (std::vector<Sent>& part : sent) {
      for (Sent& s : part) all.push_back(std::move(s));
    }
    if (control_) RETURN_IF_ERROR(LoseData(dir_.Sub("data")));
    ASSIGN_OR_RETURN(hub_, StartHub(config_, dir_.path()));
    if (hub_->port() != port_) return absl::InternalError("the hub came back on another port");

    // What got no receipt is submitted again, the same bytes (as a node's outbox would).
    int resubmitted = 0;
    int already_committed = 0;
    std::map<std::string, std::unique_ptr<v1::Exchange::Stub>> exchanges;
    for (Sent& s : all) {
      if (s.receipt.has_value()) continue;
      std::unique_ptr<v1::Exchange::Stub>& stub = exchanges[s.sender];
      if (stub == nullptr) {
        stub = std::make_unique<v1::Exchange::Stub>(HubChannel(net_, s.sender, port_));
      }
      grpc::ClientContext context;
      context.set_deadline(After(absl::Seconds(10)));
      context.set_wait_for_ready(true);
      v1::SubmitRequest request;
      request.set_envelope(s.envelope);
      v1::SubmitResponse response;
      absl::Status status = FromGrpcStatus(stub->Submit(&context, request, &response));
      ++resubmitted;
      if (!status.ok()) {
        tally_.Add(trial_, &tally_.verify_failures, "resubmission refused", status.ToString());
        continue;
      }
      s.receipt = response.receipt();
      s.duplicate = response.duplicate();
      if (s.duplicate) ++already_committed;
    }

    // Every receipted message reaches each of its recipients, shown once.
    std::map<std::string, std::vector<std::string>> expected;
    for (const Sent& s : all) {
      if (!s.receipt.has_value()) continue;
      for (const std::string& r : s.recipients) expected[r].push_back(HexEncode(s.message_id));
    }
    std::map<std::string, std::map<std::string, int>> listed;
    for (const std::string& country : kRecipients) {
      ASSIGN_OR_RETURN(listed[country],
                       WaitForInbox(*nodes[country], expected[country], absl::Seconds(30)));
    }

    LogView after(net_, port_);
    uint64_t needed = 0;
    for (const Sent& s : all) {
      if (s.receipt.has_value()) needed = std::max(needed, s.receipt->log_index() + 1);
    }
    for (const v1::TreeHead& head : heads) needed = std::max(needed, head.tree_size());
    absl::StatusOr<v1::TreeHead> covering = after.FreshHead(needed);
    if (!covering.ok()) {
      // Check what there is: what the log lacks is counted below.
      tally_.Add(trial_, &tally_.verify_failures, "log", covering.status().ToString());
      covering = after.FreshHead(0);
    }
    ASSIGN_OR_RETURN(v1::TreeHead fresh, covering);
    ASSIGN_OR_RETURN(std::vector<std::string> leaves, after.Leaves(fresh.tree_size()));
    const std::map<Bytes, std::vector<uint64_t>> submitted = Submissions(leaves);
    Ed25519PublicKey hub_key = net_.hub().signing_key.public_key();

    int receipts = 0;
    for (const Sent& s : all) {
      if (!s.receipt.has_value()) continue;
      ++receipts;
      const std::string id = HexEncode(s.message_id);
      const v1::Receipt& receipt = *s.receipt;
      absl::Status signed_ok = VerifyReceipt(receipt, hub_key);
      if (!signed_ok.ok()) {
        tally_.Add(trial_, &tally_.verify_failures, "receipt", signed_ok.ToString());
      }
      bool lost = false;
      for (const std::string& r : s.recipients) {
        const int shown = listed[r].count(id) ? listed[r][id] : 0;
        if (shown == 0) {
          lost = true;
          tally_.Add(trial_, &tally_.lost, "not delivered",
                     absl::StrCat(id, " to node/", r,
                                  s.receipted_before_crash ? " (receipted before the crash)"
                                                           : " (receipted after)"));
        } else if (shown > 1) {
          tally_.Add(trial_, &tally_.duplicated, "shown twice",
                     absl::StrCat(id, " ", shown, " times at node/", r));
        }
      }
      auto entries = submitted.find(s.message_id);
      const uint64_t index = receipt.log_index();
      if (entries == submitted.end() || index >= leaves.size() ||
          std::find(entries->second.begin(), entries->second.end(), index) ==
              entries->second.end()) {
        if (!lost) {
          tally_.Add(trial_, &tally_.lost, "not logged",
                     absl::StrCat(id, ": no SUBMITTED entry at its receipt's index ", index));
        }
        continue;
      }
      if (entries->second.size() > 1) {
        tally_.Add(trial_, &tally_.duplicated, "logged twice",
                   absl::StrCat(id, " SUBMITTED ", entries->second.size(), " times"));
      }
      const v1::AuditEvent event = *auditlog::DecodeLeaf(leaves[index]);
      if (event.header_hash() != receipt.header_hash()) {
        tally_.Add(trial_, &tally_.verify_failures, "entry",
                   absl::StrCat(id, ": the entry's header hash is not the receipt's"));
      }
      absl::Status included = after.CheckIncluded(index, leaves[index], fresh);
      if (!included.ok()) {
        tally_.Add(trial_, &tally_.verify_failures, "inclusion",
                   absl::StrCat(id, " at ", index, ": ", included.ToString()));
      }
    }
    int heads_checked = 0;
    std::optional<v1::TreeHead> previous;
    for (const v1::TreeHead& head : heads) {
      if (previous.has_value() && previous->SerializeAsString() == head.SerializeAsString()) {
        continue;
      }
      previous = head;
      ++heads_checked;
      absl::Status consistent = after.CheckConsistent(head, fresh);
      if (!consistent.ok()) {
        tally_.Add(trial_, &tally_.verify_failures, "tree head",
                   absl::StrCat("size ", head.tree_size(), ": ", consistent.ToString()));
      }
    }
    absl::Status audited = after.FetchAndVerify(dir_.Sub("export"), directory_);
    if (!audited.ok()) {
      tally_.Add(trial_, &tally_.verify_failures, "audit export", audited.ToString());
    }

    for (auto& [country, node] : nodes) node->Stop(SIGTERM);
    hub_->StopWith(SIGTERM);
    std::cout << "trial " << trial_ << " (hub): SIGKILL after "
              << absl::ToInt64Milliseconds(kill_after) << " ms; " << all.size() << " submitted, "
              << receipts - resubmitted << " receipted before the crash, " << resubmitted
              << " resubmitted for want of a receipt (" << already_committed
              << " of them already committed), log " << fresh.tree_size() << " entries, "
              << heads_checked << " tree heads checked" << std::endl;
    return absl::OkStatus();
  }

 private:
  const TestNetwork& net_;
  const Directory& directory_;
  const int trial_;
  std::mt19937_64& rng_;
  const bool control_;
  Tally& tally_;
  TempDir dir_;
  std::string config_;
  std::unique_ptr<HubProcess> hub_;
  int port_ = 0;
};

// ---- Node trials ----

class NodeTrial {
 public:
  NodeTrial(const TestNetwork& net, const Directory& directory, int trial, std::mt19937_64& rng,
            bool control, Tally& tally)
      : net_(net),
        directory_(directory),
        trial_(trial),
        rng_(rng),
        control_(control),
        tally_(tally) {}

  absl::Status Run() {
    const std::string sender = kSenders[0];
    const std::string recipient = kRecipients[0];
    ASSIGN_OR_RETURN(config_, WriteHubConfig(net_, dir_.path()));
    ASSIGN_OR_RETURN(hub_, StartHub(config_, dir_.path()));
    port_ = hub_->port();
    RETURN_IF_ERROR(PinHubPort(config_, port_));
    RETURN_IF_ERROR(WriteNodeFiles(net_, sender, dir_.Sub(sender), port_).status());
    RETURN_IF_ERROR(WriteNodeFiles(net_, recipient, dir_.Sub(recipient), port_).status());
    ASSIGN_OR_RETURN(std::unique_ptr<NodeProcess> from, NodeProcess::Start(dir_.Sub(sender)));
    ASSIGN_OR_RETURN(std::unique_ptr<NodeProcess> to, NodeProcess::Start(dir_.Sub(recipient)));

    // A first message through, so both nodes hold the directory and the recipient subscribes.
    std::vector<std::string> ids;
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (ids.empty()) {
      absl::StatusOr<std::string> id = Send(*from, sender, recipient, 0);
      if (id.ok()) {
        ids.push_back(*id);
      } else if (absl::Now() >= deadline) {
        return id.status();
      } else {
        absl::SleepFor(absl::Milliseconds(50));
      }
    }
    ASSIGN_OR_RETURN(auto first, WaitForInbox(*to, ids, absl::Seconds(20)));
    if (first.empty()) return absl::DeadlineExceededError("the first message never arrived");

    // The hub goes away; the outbox fills.
    hub_->StopWith(SIGTERM);
    const int queued = 50 + static_cast<int>(rng_() % 151);
    for (int i = 1; i <= queued; ++i) {
      ASSIGN_OR_RETURN(std::string id, Send(*from, sender, recipient, i));
      ids.push_back(id);
    }
    // The hub returns; the node drains and is killed after a random number of acceptances.
    const uint64_t kill_at = 1 + rng_() % (queued - 1);
    ASSIGN_OR_RETURN(hub_, StartHub(config_, dir_.path()));
    uint64_t accepted = 0;
    const absl::Time give_up = absl::Now() + absl::Seconds(20);
    while (accepted < kill_at && absl::Now() < give_up) {
      accepted = AcceptedSubmissions(hub_->metrics_port());
      if (accepted < kill_at) absl::SleepFor(absl::Milliseconds(1));
    }
    from->Stop(SIGKILL);
    const uint64_t accepted_at_kill = AcceptedSubmissions(hub_->metrics_port());
    if (control_) RETURN_IF_ERROR(LoseData(dir_.Sub(sender) + "/data"));
    ASSIGN_OR_RETURN(from, NodeProcess::Start(dir_.Sub(sender)));

    ASSIGN_OR_RETURN(auto listed, WaitForInbox(*to, ids, absl::Seconds(30)));
    ASSIGN_OR_RETURN(auto outbound, from->Listed(v1::ITEM_DIRECTION_OUTBOUND));
    LogView log(net_, port_);
    ASSIGN_OR_RETURN(v1::TreeHead fresh, log.FreshHead(0));
    ASSIGN_OR_RETURN(std::vector<std::string> leaves, log.Leaves(fresh.tree_size()));
    std::map<Bytes, std::vector<uint64_t>> submitted = Submissions(leaves);
    // Every queued message must be logged: wait for a head that covers them all.
    for (int tries = 0; tries < 100; ++tries) {
      bool all = true;
      for (const std::string& id : ids) all = all && submitted.count(*HexDecode(id)) > 0;
      if (all) break;
      absl::SleepFor(absl::Milliseconds(100));
      ASSIGN_OR_RETURN(fresh, log.FreshHead(fresh.tree_size()));
      ASSIGN_OR_RETURN(leaves, log.Leaves(fresh.tree_size()));
      submitted = Submissions(leaves);
    }
    for (const std::string& id : ids) {
      const int shown = listed.count(id) ? listed[id] : 0;
      const size_t logged = submitted.count(*HexDecode(id)) ? submitted[*HexDecode(id)].size() : 0;
      if (shown == 0 || logged == 0) {
        tally_.Add(trial_, &tally_.lost, "lost",
                   absl::StrCat(id, ": shown ", shown, " times at node/", recipient, ", logged ",
                                logged, " times"));
        continue;
      }
      if (shown > 1 || logged > 1 || outbound[id] > 1) {
        tally_.Add(
            trial_, &tally_.duplicated, "duplicated",
            absl::StrCat(id, ": shown ", shown, " times at node/", recipient, ", ", outbound[id],
                         " times in the sender's list, logged ", logged, " times"));
      }
    }
    absl::Status audited = log.FetchAndVerify(dir_.Sub("export"), directory_);
    if (!audited.ok()) {
      tally_.Add(trial_, &tally_.verify_failures, "audit export", audited.ToString());
    }
    from->Stop(SIGTERM);
    to->Stop(SIGTERM);
    hub_->StopWith(SIGTERM);
    std::cout << "trial " << trial_ << " (node): " << queued << " queued while the hub was away, "
              << "SIGKILL after " << accepted_at_kill << " accepted (aimed at " << kill_at
              << "), log " << fresh.tree_size() << " entries" << std::endl;
    return absl::OkStatus();
  }

 private:
  // Queues a bulletin from `sender`'s node to `recipient`; returns its message id (hex).
  absl::StatusOr<std::string> Send(NodeProcess& node, const std::string& sender,
                                   const std::string& recipient, int n) {
    grpc::ClientContext context;
    context.set_deadline(After(absl::Seconds(10)));
    v1::SendRequest request;
    *request.mutable_content() = Bulletin(sender, n);
    request.add_to(recipient);
    v1::SendResponse response;
    RETURN_IF_ERROR(FromGrpcStatus(node.local().Send(&context, request, &response)));
    return response.message_id();
  }

  const TestNetwork& net_;
  const Directory& directory_;
  const int trial_;
  std::mt19937_64& rng_;
  const bool control_;
  Tally& tally_;
  TempDir dir_;
  std::string config_;
  std::unique_ptr<HubProcess> hub_;
  int port_ = 0;
};

int Main(int argc, char** argv) {
  CLI::App app("Crash trials: enlace-hub or enlace-node killed with SIGKILL under load.");
  int trials = 1;
  std::string target = "hub";
  uint64_t seed = 1;
  app.add_option("--trials", trials, "How many trials")->required()->check(CLI::Range(1, 100000));
  app.add_option("--target", target, "What is killed: hub or node")
      ->check(CLI::IsMember({"hub", "node"}));
  app.add_option("--seed", seed, "Seed of the random delays and choices");
  bool control = false;
  app.add_flag("--control", control,
               "Negative control: restart the killed process on an empty data dir (must fail)");
  CLI11_PARSE(app, argc, argv);

  std::vector<std::string> ids = {kAuditor};
  for (const std::string& c : kSenders) ids.push_back("node/" + c);
  for (const std::string& c : kRecipients) ids.push_back("node/" + c);
  absl::StatusOr<std::unique_ptr<TestNetwork>> net = TestNetwork::Create(absl::Now(), ids);
  if (!net.ok()) {
    std::cerr << "crash_driver: " << net.status() << std::endl;
    return 2;
  }
  absl::StatusOr<Directory> directory = Directory::FromProto((*net)->BaseDirectory(1));
  if (!directory.ok()) {
    std::cerr << "crash_driver: " << directory.status() << std::endl;
    return 2;
  }
  Tally tally;
  const absl::Time start = absl::Now();
  for (int trial = 1; trial <= trials; ++trial) {
    std::mt19937_64 rng(seed * 1000003 + static_cast<uint64_t>(trial));
    absl::Status status = target == "hub"
                              ? HubTrial(**net, *directory, trial, rng, control, tally).Run()
                              : NodeTrial(**net, *directory, trial, rng, control, tally).Run();
    if (!status.ok()) tally.Add(trial, &tally.verify_failures, "trial failed", status.ToString());
  }
  std::cout << "target " << target << (control ? " (negative control)" : "") << ", seed " << seed
            << ", " << absl::ToInt64Seconds(absl::Now() - start) << " s" << std::endl;
  std::cout << trials << " trials, " << tally.lost << " lost, " << tally.duplicated
            << " duplicated, " << tally.verify_failures << " verify failures" << std::endl;
  return tally.clean() ? 0 : 1;
}

}  // namespace
}  // namespace enlace::fault

int main(int argc, char** argv) { return enlace::fault::Main(argc, argv); }
