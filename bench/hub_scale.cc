// hub_scale: enlace-hub with a long log and a long queue, against itself empty and live, in one
// run (bench/hub_scale.sh).
//
//  1. A 10 M-entry hub, built in bulk (not by RPCs): enlace-hub initializes its data folder,
//     then this program appends, through the hub's own store (hub/store.h) and audit log
//     (auditlog/log.h, PrepareAppend/CommitAppend), batches of messages as an old hub holds
//     them: per message SUBMITTED (sender -> 2 recipients), DELIVERED and ACKNOWLEDGED per
//     recipient (acks really signed by the recipient's key) and PURGED — 6 leaves — and the
//     message's record with its signed receipt and acks (envelope purged), mailbox counters.
//  2. Start-up: enlace-hub on that folder and on an empty one, alternately (--startups each),
//     from fork to a health check answering SERVING; median of each.
//  3. Memory: the 10 M hub's VmHWM/VmRSS after start-up, then under a short load (K senders
//     submitting 1 KB envelopes to 2 recipients who receive and acknowledge); the empty hub
//     under the same load as the same-run reference.
//  4. Drain: --queued messages for node/GT committed through the hub's own Exchange
//     (AdmitEnvelope + Commit, in-process: every envelope sealed, verified, stored, logged),
//     then enlace-hub serves them to node/GT, which comes online and acknowledges each (signed);
//     drain rate = queued / time to the last ack. Then, on the same hub, the live rate: senders
//     submitting to node/GT at full speed while it receives and acknowledges.
// Prints FIGURE lines hub_startup_10m_vs_empty, hub_rss_10m, drain_1m_vs_live (bench/figure.h),
// each as soon as it is measured, and on stderr how long each build took.
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "auditlog/log.h"
#include "base/files.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "bench/hub_bench.h"
#include "crypto/receipts.h"
#include "enlace/v1/hub_store.pb.h"
#include "hub/config.h"
#include "hub/exchange.h"
#include "hub/store.h"
#include "hub/testing/test_network.h"
#include "rocksdb/db.h"

namespace enlace::hub {
namespace {

using bench::SteadyClock;
using testing::TestNetwork;

constexpr const char* kNodes[] = {"node/GT", "node/HN", "node/MX", "node/SV", "node/CR", "node/PA",
                                  "node/BZ", "node/CA", "node/US", "node/NI", "node/DO"};
constexpr size_t kNodeCount = sizeof(kNodes) / sizeof(kNodes[0]);
constexpr const char* kLoadRecipients[] = {"node/GT", "node/HN"};
constexpr v1::MessageKind kKinds[] = {v1::KIND_INFO_REQUEST,    v1::KIND_INFO_RESPONSE,
                                      v1::KIND_SMUGGLING_ALERT, v1::KIND_ALERT_FEEDBACK,
                                      v1::KIND_VICTIM_REFERRAL, v1::KIND_REFERRAL_STATUS,
                                      v1::KIND_BULLETIN,        v1::KIND_DOCUMENT,
                                      v1::KIND_INFO_REQUEST,    v1::KIND_INFO_RESPONSE};
constexpr int kLeavesPerMessage = 6;
constexpr char kHubConfig[] =
    "log_level: \"warning\"\n"
    "limits { submits_per_second: 1000000 submit_burst: 1000000 mailbox_max_entries: "
    "100000000 }\n";

double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

Bytes RandomBytes(size_t n) {
  std::string out(n, '\0');
  RandomSource::Real()
      ->Fill(absl::MakeSpan(reinterpret_cast<uint8_t*>(out.data()), n))
      .IgnoreError();
  return out;
}

// One batch of settled messages: their leaves' events and their records.
struct Chunk {
  std::vector<v1::AuditEvent> events;
  std::vector<std::pair<Bytes, v1::StoredMessage>> messages;
};

// The history of an old hub: message m of the run is sent at start_ms + m * step_ms by one node
// to two others, delivered, acknowledged by both (signed), then purged.
class HistoryMaker {
 public:
  HistoryMaker(const TestNetwork& net, Ed25519PrivateKey receipt_key, int64_t start_ms,
               int64_t step_ms, std::map<std::string, v1::MailboxState>* mailboxes)
      : net_(net),
        receipt_key_(std::move(receipt_key)),
        start_ms_(start_ms),
        step_ms_(step_ms),
        mailboxes_(mailboxes) {}

  // Messages [first, first + count); the first one's SUBMITTED leaf gets index `log_index`.
  absl::StatusOr<Chunk> Make(uint64_t first, uint64_t count, uint64_t log_index) {
    Chunk chunk;
    for (uint64_t m = first; m < first + count; ++m, log_index += kLeavesPerMessage) {
      const size_t s = m % kNodeCount;
      const size_t r1 = (s + 1 + m % (kNodeCount - 1)) % kNodeCount;
      size_t r2 = (r1 + 1 + (m / kNodeCount) % (kNodeCount - 2)) % kNodeCount;
      if (r2 == s) r2 = (r2 + 1) % kNodeCount == r1 ? (r2 + 2) % kNodeCount : (r2 + 1) % kNodeCount;
      const std::string sender = kNodes[s];
      const std::vector<std::string> recipients = {kNodes[r1], kNodes[r2]};
      const int64_t t = start_ms_ + static_cast<int64_t>(m) * step_ms_;
      const Bytes id = RandomBytes(16);
      const Bytes header_hash = RandomBytes(32);

      v1::StoredMessage message;
      message.set_sender_id(sender);
      message.set_kind(kKinds[m % 10]);
      message.set_priority(m % 17 == 0 ? v1::PRIORITY_URGENT : v1::PRIORITY_ROUTINE);
      message.set_envelope_size(1400 + (m * 7919) % 48000);  // 1.4 KB .. 50 KB
      message.set_blob_id(0);                                // purged
      message.set_expires_at_ms(t + int64_t{30} * 24 * 3600 * 1000);
      v1::Receipt& receipt = *message.mutable_receipt();
      receipt.set_message_id(id);
      receipt.set_header_hash(header_hash);
      receipt.set_envelope_hash(RandomBytes(32));
      receipt.set_log_index(log_index);
      receipt.set_hub_time_ms(t);
      receipt.set_hub_key_id(receipt_key_.public_key().KeyId());
      ASSIGN_OR_RETURN(Bytes receipt_signature, receipt_key_.Sign(ReceiptSigningInput(receipt)));
      receipt.set_signature(std::move(receipt_signature));

      auto event = [&](v1::AuditEventType type, absl::string_view actor,
                       const std::vector<std::string>& about, int64_t at) {
        v1::AuditEvent e;
        e.set_type(type);
        e.set_hub_time_ms(at);
        e.set_actor_id(std::string(actor));
        e.set_sender_id(sender);
        for (const std::string& r : about) e.add_recipient_ids(r);
        e.set_message_kind(message.kind());
        e.set_priority(message.priority());
        e.set_message_id(id);
        e.set_header_hash(header_hash);
        e.set_envelope_size(message.envelope_size());
        return e;
      };
      chunk.events.push_back(event(v1::AUDIT_EVENT_SUBMITTED, sender, recipients, t));
      for (const std::string& r : recipients) {
        chunk.events.push_back(event(v1::AUDIT_EVENT_DELIVERED, r, {r}, t + 200));
      }
      for (size_t i = 0; i < recipients.size(); ++i) {
        const testing::TestParticipant& recipient = net_.participant(recipients[i]);
        const int64_t acked_at = t + 900 + static_cast<int64_t>(i) * 50;
        ASSIGN_OR_RETURN(Bytes signature, recipient.signing_key.Sign(AckSigningInput(
                                              id, header_hash, recipients[i], acked_at)));
        v1::AuditEvent ack =
            event(v1::AUDIT_EVENT_ACKNOWLEDGED, recipients[i], {recipients[i]}, acked_at);
        ack.set_key_id(recipient.signing_key.public_key().KeyId());
        ack.set_acked_at_ms(acked_at);
        ack.set_ack_signature(signature);
        chunk.events.push_back(std::move(ack));

        v1::MailboxState& mailbox = (*mailboxes_)[recipients[i]];
        mailbox.set_last_sequence(
            NextMailboxSequence(mailbox.last_sequence(), absl::FromUnixMillis(t)));
        v1::StoredRecipient* stored = message.add_recipients();
        stored->set_recipient_id(recipients[i]);
        stored->set_sequence(mailbox.last_sequence());
        stored->set_state(v1::DELIVERY_STATE_ACKNOWLEDGED);
        stored->set_delivered_at_ms(t + 200);
        stored->set_acked_at_ms(acked_at);
        stored->set_ack_key_id(recipient.signing_key.public_key().KeyId());
        stored->set_ack_signature(std::move(signature));
        stored->set_ack_log_index(log_index + 3 + i);
      }
      chunk.events.push_back(event(v1::AUDIT_EVENT_PURGED, "hub", recipients, t + 1000));
      chunk.messages.emplace_back(id, std::move(message));
    }
    return chunk;
  }

 private:
  const TestNetwork& net_;
  const Ed25519PrivateKey receipt_key_;
  const int64_t start_ms_;
  const int64_t step_ms_;
  std::map<std::string, v1::MailboxState>* mailboxes_;
};

// Appends settled messages to the hub database in `data_dir` until its log holds `entries`
// entries. Messages are made on a second thread while the previous batch is written.
absl::Status BuildLog(const TestNetwork& net, const std::string& data_dir, uint64_t entries) {
  HubStoreOptions store_options;
  store_options.path = data_dir;
  ASSIGN_OR_RETURN(std::unique_ptr<HubStore> store, HubStore::Open(store_options));
  ASSIGN_OR_RETURN(Ed25519PrivateKey log_key, net.LogKey());
  ASSIGN_OR_RETURN(std::unique_ptr<auditlog::AuditLog> log,
                   auditlog::AuditLog::Open(store->db(), store->log_cfs(), std::move(log_key),
                                            auditlog::AuditLogOptions()));
  std::map<std::string, v1::MailboxState> mailboxes;
  for (const char* node : kNodes) {
    absl::StatusOr<std::string> stored = store->Get(store->meta(), MailboxStateKey(node));
    if (stored.ok()) mailboxes[node].ParseFromString(*stored);
  }
  const uint64_t start_size = log->size();
  const uint64_t messages =
      entries > start_size ? (entries - start_size + kLeavesPerMessage - 1) / kLeavesPerMessage : 0;
  // Spread over the last 300 days, ending a day ago.
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  const int64_t span_ms = int64_t{300} * 24 * 3600 * 1000;
  const int64_t step_ms = messages > 0 ? std::max<int64_t>(1, span_ms / messages) : 1;
  ASSIGN_OR_RETURN(Ed25519PrivateKey receipt_key, net.LogKey());
  HistoryMaker maker(net, std::move(receipt_key), now_ms - span_ms - 24 * 3600 * 1000, step_ms,
                     &mailboxes);

  static constexpr uint64_t kBatch = 4096;
  rocksdb::WriteOptions write_options;
  write_options.disableWAL = true;  // bulk load: flushed at the end
  auto make = [&](uint64_t first) {
    return std::async(std::launch::async, [&maker, first, messages, start_size] {
      return maker.Make(first, std::min(kBatch, messages - first),
                        start_size + first * kLeavesPerMessage);
    });
  };
  const SteadyClock::time_point started = SteadyClock::now();
  std::future<absl::StatusOr<Chunk>> next;
  if (messages > 0) next = make(0);
  for (uint64_t first = 0; first < messages; first += kBatch) {
    ASSIGN_OR_RETURN(Chunk chunk, next.get());
    if (first + kBatch < messages) next = make(first + kBatch);
    rocksdb::WriteBatch batch;
    for (const auto& [id, message] : chunk.messages) {
      batch.Put(store->messages(), ToSlice(id), message.SerializeAsString());
    }
    ASSIGN_OR_RETURN(auditlog::PendingAppend pending, log->PrepareAppend(chunk.events, &batch));
    const rocksdb::Status written = store->db()->Write(write_options, &batch);
    if (!written.ok()) {
      log->AbandonAppend(pending);
      return ToStatus(written, "writing a batch");
    }
    RETURN_IF_ERROR(log->CommitAppend(pending));
    if ((first / kBatch) % 50 == 0) {
      std::cerr << absl::StrFormat("  %d of %d entries, %.0f s\n", log->size(), entries,
                                   SecondsSince(started));
    }
  }
  rocksdb::WriteBatch states;
  for (const auto& [node, state] : mailboxes) {
    states.Put(store->meta(), MailboxStateKey(node), state.SerializeAsString());
  }
  RETURN_IF_ERROR(ToStatus(store->db()->Write(rocksdb::WriteOptions(), &states), "mailboxes"));
  const auditlog::ColumnFamilies& cfs = store->log_cfs();
  for (rocksdb::ColumnFamilyHandle* cf :
       {store->messages(), store->meta(), cfs.leaves, cfs.nodes, cfs.tree_heads, cfs.meta}) {
    RETURN_IF_ERROR(ToStatus(store->db()->Flush(rocksdb::FlushOptions(), cf), "flushing"));
  }
  RETURN_IF_ERROR(log->IssueTreeHead().status());
  // An old hub has compacted its files: wait for the compactions the load started.
  uint64_t running = 1, pending = 1;
  while (running > 0 || pending > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    store->db()->GetIntProperty(rocksdb::DB::Properties::kNumRunningCompactions, &running);
    pending = 0;
    for (rocksdb::ColumnFamilyHandle* cf : {store->messages(), cfs.leaves, cfs.nodes}) {
      uint64_t p = 0;
      store->db()->GetIntProperty(cf, rocksdb::DB::Properties::kCompactionPending, &p);
      pending += p;
    }
  }
  std::cerr << absl::StrFormat("  log: %d entries (%d messages) written in %.0f s\n", log->size(),
                               messages, SecondsSince(started));
  return absl::OkStatus();
}

// Commits `count` envelopes for node/GT through the hub's own Exchange (as Submit does, without
// gRPC), from the senders, on two threads.
absl::Status BuildQueue(const TestNetwork& net, const std::string& config_path, uint64_t count,
                        size_t payload) {
  ASSIGN_OR_RETURN(v1::HubConfig config, LoadHubConfig(config_path));
  ASSIGN_OR_RETURN(HubSetup setup, PrepareHub(config, absl::Now()));
  RETURN_IF_ERROR(MakeDirectories(config.data_dir(), 0700));
  ASSIGN_OR_RETURN(std::unique_ptr<Exchange> exchange,
                   Exchange::Open(std::move(setup.options.exchange), *std::move(setup.network_root),
                                  *std::move(setup.log_key)));
  absl::Mutex mu;
  uint64_t outstanding = 0, committed = 0;
  absl::Status first_error;
  auto note_error = [&](const absl::Status& status) {
    absl::MutexLock lock(&mu);
    if (first_error.ok()) first_error = status;
  };
  const std::string plaintext(payload, 'p');
  auto work = [&](size_t thread) {
    for (uint64_t i = thread; i < count; i += 2) {
      const testing::TestParticipant& sender = net.participant(kNodes[2 + i % (kNodeCount - 2)]);
      absl::StatusOr<v1::Envelope> envelope =
          net.Seal(sender.id.str(), {"node/GT"}, v1::KIND_INFO_REQUEST, plaintext, absl::Now());
      if (!envelope.ok()) return note_error(envelope.status());
      absl::StatusOr<AdmittedEnvelope> admitted = exchange->AdmitEnvelope(
          sender.id, sender.certificate_sha256, envelope->SerializeAsString());
      if (!admitted.ok()) return note_error(admitted.status());
      {
        absl::MutexLock lock(&mu);
        mu.Await(absl::Condition(
            +[](uint64_t* n) { return *n < 8192; }, &outstanding));
        ++outstanding;
      }
      exchange->Commit(*std::move(admitted), [&](absl::StatusOr<SubmitResult> result) {
        if (!result.ok()) note_error(result.status());
        absl::MutexLock lock(&mu);
        --outstanding;
        ++committed;
      });
    }
  };
  const SteadyClock::time_point started = SteadyClock::now();
  std::thread other(work, 1);
  work(0);
  other.join();
  {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](uint64_t* n) { return *n == 0; }, &outstanding));
  }
  RETURN_IF_ERROR(first_error);
  RETURN_IF_ERROR(exchange->Close());
  std::cerr << absl::StrFormat("  queue: %d envelopes for node/GT committed in %.0f s\n", committed,
                               SecondsSince(started));
  return absl::OkStatus();
}

double Median(std::vector<double> values) { return bench::Percentile(std::move(values), 0.5); }

int Fail(const absl::Status& status) {
  std::cerr << "hub_scale: " << status << "\n";
  return 1;
}

// Senders submitting from a pool to the hub at `port` while the recipients receive and
// acknowledge, for `seconds` (closed loop, `inflight` calls).
struct LiveLoad {
  bench::LoadResult submits;
  uint64_t acked = 0;  // by the first recipient, in the measured window
  double acked_seconds = 0;
  uint64_t ack_failures = 0;
};
LiveLoad RunLive(const TestNetwork& net, const bench::SealedPool& pool,
                 const std::vector<std::string>& senders,
                 const std::vector<std::string>& recipients, int port, int inflight, int ack_window,
                 double warmup, double seconds) {
  std::vector<std::unique_ptr<bench::Subscriber>> subscribers;
  for (const std::string& r : recipients) {
    subscribers.push_back(std::make_unique<bench::Subscriber>(net, r, port, ack_window, nullptr));
  }
  std::vector<std::unique_ptr<v1::Exchange::Stub>> stubs;
  for (const std::string& s : senders) {
    stubs.push_back(v1::Exchange::NewStub(bench::Connect(net.participant(s).tls, port)));
  }
  std::vector<std::atomic<size_t>> next(senders.size());
  LiveLoad live;
  std::thread loop([&] {
    live.submits = bench::RunClosedLoop(
        senders.size(), inflight, absl::Seconds(warmup), absl::Seconds(seconds),
        [&](size_t node, bench::LoadDone done) {
          const size_t i = next[node].fetch_add(1);
          if (i >= pool.envelopes[node].size()) return false;
          bench::SubmitAsync(stubs[node].get(), pool.envelopes[node][i], std::move(done));
          return true;
        });
  });
  std::this_thread::sleep_for(std::chrono::duration<double>(warmup));
  const uint64_t acked_before = subscribers[0]->acked();
  const SteadyClock::time_point window = SteadyClock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  live.acked = subscribers[0]->acked() - acked_before;
  live.acked_seconds = SecondsSince(window);
  loop.join();
  for (const auto& s : subscribers) live.ack_failures += s->ack_failures();
  return live;
}

int Main(int argc, char** argv) {
  CLI::App app{"hub_scale: enlace-hub start-up and memory at 10 M log entries, and a 1 M drain"};
  std::string hub_binary, dir;
  uint64_t entries = 10000000, queued = 1000000;
  int startups = 3, inflight = 64, ack_window = 64;
  size_t senders_count = 4, pool_size = 40000, payload = 1000;
  double warmup = 1, seconds = 5, load_seconds = 10;
  app.add_option("--hub-binary", hub_binary, "enlace-hub to start")->required();
  app.add_option("--dir", dir, "An empty folder for the hubs' files and data")->required();
  app.add_option("--entries", entries,
                 "Log entries of the large hub (0: skip start-up and memory)");
  app.add_option("--queued", queued, "Messages queued for the node that comes back (0: skip)");
  app.add_option("--startups", startups, "Start-ups measured of each hub")
      ->check(CLI::Range(1, 20));
  app.add_option("--nodes", senders_count, "Simulated senders under load, 1..9")
      ->check(CLI::Range(1, 9));
  app.add_option("--inflight", inflight, "Submissions outstanding under load");
  app.add_option("--ack-window", ack_window, "Acknowledgements outstanding per recipient");
  app.add_option("--envelopes", pool_size, "Envelopes sealed for each load");
  app.add_option("--seconds", seconds, "Measured seconds of the live rate");
  app.add_option("--load-seconds", load_seconds, "Seconds of load for the memory figure");
  CLI11_PARSE(app, argc, argv);
  SetMinLogLevel(LogLevel::kWarning);

  absl::StatusOr<std::unique_ptr<TestNetwork>> made =
      TestNetwork::Create(absl::Now(), std::vector<std::string>(kNodes, kNodes + kNodeCount));
  if (!made.ok()) return Fail(made.status());
  const TestNetwork& net = **made;
  const TlsMaterial& client = net.participant("node/MX").tls;
  std::map<std::string, std::string> configs;
  for (const char* name : {"empty", "log", "queue"}) {
    const std::string sub = absl::StrCat(dir, "/", name);
    absl::Status made_dir = MakeDirectories(sub, 0700);
    if (!made_dir.ok()) return Fail(made_dir);
    absl::StatusOr<std::string> config = WriteHubFiles(net, sub, kHubConfig);
    if (!config.ok()) return Fail(config.status());
    configs[name] = *config;
  }
  auto start = [&](const std::string& name) {
    return bench::StartHub(hub_binary, configs[name], absl::StrCat(dir, "/", name, "/ready"),
                           client);
  };

  const std::vector<std::string> senders(kNodes + 2, kNodes + 2 + senders_count);
  using ::enlace::bench::Target;
  using ::enlace::bench::TargetOn;
  const double mb = 1024.0 * 1024.0;
  bool ok = true;

  if (entries > 0) {
    // 1. The long log: enlace-hub makes the folder, then the bulk load.
    std::cerr << "building a hub with " << entries << " log entries\n";
    const SteadyClock::time_point log_started = SteadyClock::now();
    {
      absl::StatusOr<bench::HubChild> init = start("log");
      if (!init.ok()) return Fail(init.status());
      bench::StopHub(*init);
      absl::Status built = BuildLog(net, dir + "/log/data", entries);
      if (!built.ok()) return Fail(built);
    }
    std::cerr << absl::StrFormat("  %d-entry hub built in %.0f s\n", entries,
                                 SecondsSince(log_started));

    // 2. Start-ups, alternately, and the memory right after each start of the large one.
    std::vector<double> empty_ms, log_ms;
    bench::ProcMemory after_start;
    for (int i = 0; i < startups; ++i) {
      for (const std::string name : {"empty", "log"}) {
        absl::StatusOr<bench::HubChild> hub = start(name);
        if (!hub.ok()) return Fail(hub.status());
        (name == "empty" ? empty_ms : log_ms).push_back(hub->startup_ms);
        if (name == "log") {
          std::this_thread::sleep_for(std::chrono::seconds(1));
          absl::StatusOr<bench::ProcMemory> memory = bench::ReadProcMemory(hub->pid);
          if (!memory.ok()) return Fail(memory.status());
          after_start.peak_bytes = std::max(after_start.peak_bytes, memory->peak_bytes);
          after_start.rss_bytes = std::max(after_start.rss_bytes, memory->rss_bytes);
        }
        bench::StopHub(*hub);
      }
    }
    const double empty_start = Median(empty_ms), log_start = Median(log_ms);
    std::cerr << absl::StrFormat(
        "start-up (fork -> health SERVING), median of %d: empty %.1f ms, %d entries %.1f ms "
        "(all: empty %s; large %s)\n"
        "large hub memory after start-up: VmHWM %.1f MB, VmRSS %.1f MB\n",
        startups, empty_start, entries, log_start, absl::StrJoin(empty_ms, " "),
        absl::StrJoin(log_ms, " "), after_start.peak_bytes / mb, after_start.rss_bytes / mb);
    bench::PrintRatioFigure(
        "hub_startup_10m_vs_empty", log_start, "ms", empty_start, "ms",
        "enlace-hub start-up on an empty data folder", Target::AtMost(1.5),
        absl::StrFormat("fork -> health check SERVING, median of %d, %d entries", startups,
                        entries));

    // 3. Memory under load: the large hub, then the empty one, the same load.
    const std::vector<std::string> load_recipients(std::begin(kLoadRecipients),
                                                   std::end(kLoadRecipients));
    const bench::SealedPool pool =
        bench::SealPool(net, senders, load_recipients, pool_size, payload);
    std::map<std::string, bench::ProcMemory> loaded;
    std::map<std::string, LiveLoad> loads;
    for (const char* name : {"log", "empty"}) {
      absl::StatusOr<bench::HubChild> hub = start(name);
      if (!hub.ok()) return Fail(hub.status());
      loads[name] = RunLive(net, pool, senders, load_recipients, hub->port, inflight, ack_window, 0,
                            load_seconds);
      absl::StatusOr<bench::ProcMemory> memory = bench::ReadProcMemory(hub->pid);
      if (!memory.ok()) return Fail(memory.status());
      loaded[name] = *memory;
      bench::StopHub(*hub);
      ok = ok && loads[name].submits.failed == 0 && loads[name].ack_failures == 0;
    }
    const double peak_mb = std::max(after_start.peak_bytes, loaded["log"].peak_bytes) / mb;
    const double empty_peak_mb = loaded["empty"].peak_bytes / mb;
    std::cerr << absl::StrFormat(
        "under load: large hub VmHWM %.1f MB, VmRSS %.1f MB (%.0f submits/s, %d acked); empty "
        "hub VmHWM %.1f MB, VmRSS %.1f MB (%.0f submits/s)\n",
        loaded["log"].peak_bytes / mb, loaded["log"].rss_bytes / mb, loads["log"].submits.rate(),
        loads["log"].acked, empty_peak_mb, loaded["empty"].rss_bytes / mb,
        loads["empty"].submits.rate());
    bench::PrintRatioFigure(
        "hub_rss_10m", peak_mb, "MB", empty_peak_mb, "MB",
        "VmHWM of an empty hub under the same load", Target::AtMost(256, TargetOn::kValue),
        absl::StrFormat("VmHWM over start-up and %.0f s of load (%.0f submits/s, 2 recipients "
                        "acknowledging), %d entries",
                        load_seconds, loads["log"].submits.rate(), entries));
  }

  if (queued > 0) {
    // 4. The queue, its drain, then the live rate on the same hub.
    std::cerr << "queueing " << queued << " messages for node/GT\n";
    const SteadyClock::time_point queue_started = SteadyClock::now();
    absl::Status queued_ok = BuildQueue(net, configs["queue"], queued, payload);
    if (!queued_ok.ok()) return Fail(queued_ok);
    std::cerr << absl::StrFormat("  %d-message queue built in %.0f s\n", queued,
                                 SecondsSince(queue_started));
    absl::StatusOr<bench::HubChild> drain_hub = start("queue");
    if (!drain_hub.ok()) return Fail(drain_hub.status());
    double drain_s = 0;
    uint64_t drain_failures = 0;
    bool drained = false;
    {
      const SteadyClock::time_point drain_started = SteadyClock::now();
      bench::Subscriber gt(net, "node/GT", drain_hub->port, ack_window, nullptr);
      drained = gt.WaitAcked(queued, absl::Hours(2));
      drain_s = SecondsSince(drain_started);
      drain_failures = gt.ack_failures();
      if (!drained) std::cerr << "hub_scale: the drain stopped: " << gt.first_error() << "\n";
    }
    const bench::SealedPool to_gt = bench::SealPool(net, senders, {"node/GT"}, pool_size, payload);
    const LiveLoad live = RunLive(net, to_gt, senders, {"node/GT"}, drain_hub->port, inflight,
                                  ack_window, warmup, seconds);
    bench::StopHub(*drain_hub);
    const double drain_rate = drain_s > 0 ? queued / drain_s : 0;
    const double live_rate = live.acked_seconds > 0 ? live.acked / live.acked_seconds : 0;
    std::cerr << absl::StrFormat(
        "drain: %d messages to node/GT in %.1f s = %.0f/s (%d ack failures); live: %.0f "
        "submits/s, node/GT received and acknowledged %.0f/s\n",
        queued, drain_s, drain_rate, drain_failures, live.submits.rate(), live_rate);
    bench::PrintRatioFigure(
        "drain_1m_vs_live", drain_rate, "messages/s", live_rate, "messages/s",
        "live delivery to the same node (senders at full speed), same hub", Target::AtLeast(0.5),
        absl::StrFormat("%d queued, delivered and acknowledged (%d acks in flight)", queued,
                        ack_window));
    ok = ok && drained && drain_failures == 0 && live.ack_failures == 0 && live.submits.failed == 0;
  }
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace enlace::hub

int main(int argc, char** argv) { return enlace::hub::Main(argc, argv); }
