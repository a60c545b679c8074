// The audit log's costs, each against a baseline measured in the same run:
//
//  - batched append (PrepareAppend + Write + CommitAppend, events encoded and hashed) vs raw
//    batched RocksDB writes of the same leaf bytes, same batch sizes, same WriteOptions
//    (unsynced, and synced batches of 100 as the hub writes);
//  - inclusion and consistency proof latency at 1 M entries (and 10 M with
//    ENLACE_BENCH_LARGE=1), the log built in bulk once and kept in the bench directory, vs
//    log2(n) random point reads of the same database (CPU time);
//  - verifier throughput (leaf hashing + compact range, and a whole VerifyExport of a
//    100,000-entry export) vs in-process SHA-256 of the same bytes (target >= 0.5);
//  - start-up (open RocksDB + AuditLog::Open) with 1 M (10 M) entries vs an empty log, and
//    AuditLog::Open alone on an open database.
//
//   build/bin/auditlog_bench                          # 1 M cases; builds the log on first run
//   ENLACE_BENCH_LARGE=1 build/bin/auditlog_bench     # adds the 10 M cases (~1.5 GB on disk)
//   ENLACE_BENCH_QUICK=1 build/bin/auditlog_bench     # 10,000 entries: a smoke run
//   ENLACE_AUDITLOG_BENCH_DIR=/path build/bin/auditlog_bench   # default /tmp/enlace-auditlog-bench
//
// The last lines printed are the FIGURE lines (bench/figure.h) of issue 12's figures
// verifier_vs_sha256, inclusion_proof_10m, consistency_proof_10m (at the largest size run) and
// of log_append_vs_raw_rocksdb, verifier_core_vs_sha256, log_startup_vs_empty (information).
// Compare ratios: the machine is shared and Debian's libbenchmark is a debug build.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "auditlog/event.h"
#include "auditlog/log.h"
#include "auditlog/testing/log_db.h"
#include "auditor/export.h"
#include "auditor/verify.h"
#include "bench/bench_util.h"
#include "bench/figure.h"
#include "benchmark/benchmark.h"
#include "crypto/hash.h"
#include "rocksdb/db.h"

namespace enlace {
namespace {

using auditlog::AuditLog;
using auditlog::testing::LogDb;
using auditlog::testing::MessageEvent;
using auditlog::testing::TestLogKey;

constexpr int64_t kOneMillion = 1'000'000;
constexpr int64_t kTenMillion = 10'000'000;
constexpr size_t kVerifierEntries = 100'000;

bool EnvIs1(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && std::string(value) == "1";
}

// The log sizes of the proof and start-up cases: 1 M (and 10 M with ENLACE_BENCH_LARGE=1), or
// 10,000 with ENLACE_BENCH_QUICK=1 (bench/run_all.sh --quick: a smoke run of the harness).
std::vector<int64_t> LogSizes() {
  if (EnvIs1("ENLACE_BENCH_QUICK")) return {10'000};
  if (EnvIs1("ENLACE_BENCH_LARGE")) return {kOneMillion, kTenMillion};
  return {kOneMillion};
}

std::string BenchDir() {
  const char* value = std::getenv("ENLACE_AUDITLOG_BENCH_DIR");
  const std::string dir = value != nullptr ? value : "/tmp/enlace-auditlog-bench";
  std::filesystem::create_directories(dir);
  return dir;
}

// A fresh directory under the bench directory, removed with its content at the end of scope.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = BenchDir() + "/scratch-XXXXXX";
    path_ = ::mkdtemp(pattern.data()) != nullptr ? pattern : "";
  }
  ~ScratchDir() {
    if (!path_.empty()) std::filesystem::remove_all(path_);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct OpenLog {
  std::unique_ptr<LogDb> db;
  std::unique_ptr<AuditLog> log;
};

absl::StatusOr<OpenLog> Open(const std::string& path) {
  OpenLog open;
  absl::StatusOr<std::unique_ptr<LogDb>> db = LogDb::Open(path);
  if (!db.ok()) return db.status();
  open.db = *std::move(db);
  absl::StatusOr<Ed25519PrivateKey> key = TestLogKey();
  if (!key.ok()) return key.status();
  absl::StatusOr<std::unique_ptr<AuditLog>> log =
      AuditLog::Open(open.db->db(), open.db->cfs(), *std::move(key), {});
  if (!log.ok()) return log.status();
  open.log = *std::move(log);
  return open;
}

absl::Status FlushAll(const LogDb& db) {
  const auditlog::ColumnFamilies& cfs = db.cfs();
  rocksdb::Status s =
      db.db()->Flush(rocksdb::FlushOptions(), {cfs.leaves, cfs.nodes, cfs.tree_heads, cfs.meta,
                                               db.caller_cf(), db.db()->DefaultColumnFamily()});
  return s.ok() ? absl::OkStatus() : absl::InternalError(s.ToString());
}

// The log of `entries` MessageEvents in the bench directory, built in bulk (large batches,
// no WAL, one flush) the first time and reused afterwards.
absl::StatusOr<std::string> BuiltLog(uint64_t entries) {
  const std::string path = absl::StrCat(BenchDir(), "/log-", entries);
  {
    absl::StatusOr<OpenLog> existing = Open(path);
    if (existing.ok() && existing->log->size() == entries && existing->log->LatestTreeHead().ok()) {
      return path;
    }
  }
  std::filesystem::remove_all(path);
  absl::StatusOr<OpenLog> open = Open(path);
  if (!open.ok()) return open.status();
  std::fprintf(stderr, "building a log of %llu entries in %s ...\n",
               static_cast<unsigned long long>(entries), path.c_str());
  rocksdb::WriteOptions bulk;
  bulk.disableWAL = true;
  constexpr uint64_t kBatch = 20'000;
  std::vector<v1::AuditEvent> events;
  for (uint64_t first = 0; first < entries; first += kBatch) {
    events.clear();
    for (uint64_t i = first; i < std::min(entries, first + kBatch); ++i) {
      events.push_back(MessageEvent(i));
    }
    absl::StatusOr<uint64_t> appended = open->log->Append(events, bulk);
    if (!appended.ok()) return appended.status();
  }
  absl::StatusOr<auditlog::TreeHead> head = open->log->IssueTreeHead();
  if (!head.ok()) return head.status();
  // Flushed whole, so that no column family keeps write-ahead logs alive across the many opens
  // below (a start-up benchmark would otherwise measure a growing directory).
  absl::Status flushed = FlushAll(*open->db);
  if (!flushed.ok()) return flushed;
  return path;
}

void Fail(benchmark::State& state, const absl::Status& status) {
  state.SkipWithError(std::string(status.message()).c_str());
}

// Encoded leaves to write, the same bytes for both sides of the append comparison.
const std::vector<v1::AuditEvent>& SampleEvents() {
  static const std::vector<v1::AuditEvent>* events = [] {
    auto* out = new std::vector<v1::AuditEvent>();
    for (uint64_t i = 0; i < 10'000; ++i) out->push_back(MessageEvent(i));
    return out;
  }();
  return *events;
}

const std::vector<Bytes>& SampleLeaves() {
  static const std::vector<Bytes>* leaves = [] {
    auto* out = new std::vector<Bytes>();
    for (const v1::AuditEvent& e : SampleEvents()) out->push_back(*auditlog::EncodeLeaf(e));
    return out;
  }();
  return *leaves;
}

// Write options of the append comparison: synced (as the hub writes) when the second argument
// is 1.
rocksdb::WriteOptions WriteOptionsOf(const benchmark::State& state) {
  rocksdb::WriteOptions options;
  options.sync = state.range(1) == 1;
  return options;
}

void BM_RawBatchedWrite(benchmark::State& state) {
  const size_t batch_size = static_cast<size_t>(state.range(0));
  const rocksdb::WriteOptions options = WriteOptionsOf(state);
  ScratchDir dir;
  absl::StatusOr<std::unique_ptr<LogDb>> db = LogDb::Open(dir.path());
  if (!db.ok()) return Fail(state, db.status());
  const std::vector<Bytes>& leaves = SampleLeaves();
  uint64_t index = 0;
  for (auto _ : state) {
    rocksdb::WriteBatch batch;
    for (size_t i = 0; i < batch_size; ++i, ++index) {
      Bytes key;
      AppendUint64(index, &key);
      const Bytes& leaf = leaves[index % leaves.size()];
      batch.Put((*db)->caller_cf(), key, rocksdb::Slice(leaf.data(), leaf.size()))
          .PermitUncheckedError();
    }
    rocksdb::Status s = (*db)->db()->Write(options, &batch);
    if (!s.ok()) return Fail(state, absl::InternalError(s.ToString()));
  }
  state.SetItemsProcessed(static_cast<int64_t>(index));
}

void BM_AuditLogAppend(benchmark::State& state) {
  const size_t batch_size = static_cast<size_t>(state.range(0));
  const rocksdb::WriteOptions options = WriteOptionsOf(state);
  ScratchDir dir;
  absl::StatusOr<OpenLog> open = Open(dir.path());
  if (!open.ok()) return Fail(state, open.status());
  // The sample events cut into batches beforehand: choosing them is not the log's cost.
  const std::vector<v1::AuditEvent>& events = SampleEvents();
  std::vector<std::vector<v1::AuditEvent>> chunks;
  for (size_t at = 0; at + batch_size <= events.size(); at += batch_size) {
    chunks.emplace_back(events.begin() + at, events.begin() + at + batch_size);
  }
  uint64_t appended = 0;
  for (auto _ : state) {
    const std::vector<v1::AuditEvent>& chunk = chunks[(appended / batch_size) % chunks.size()];
    absl::StatusOr<uint64_t> first = open->log->Append(chunk, options);
    if (!first.ok()) return Fail(state, first.status());
    appended += batch_size;
  }
  state.SetItemsProcessed(static_cast<int64_t>(appended));
}

// Unsynced: what the log adds in CPU; synced batches of 100: the durable write the hub makes.
void AppendArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"batch", "sync"})->Args({1, 0})->Args({100, 0})->Args({1000, 0})->Args({100, 1});
}

BENCHMARK(BM_RawBatchedWrite)->Apply(AppendArgs);
BENCHMARK(BM_AuditLogAppend)->Apply(AppendArgs);

void BM_InclusionProof(benchmark::State& state) {
  const uint64_t entries = static_cast<uint64_t>(state.range(0));
  absl::StatusOr<std::string> path = BuiltLog(entries);
  if (!path.ok()) return Fail(state, path.status());
  absl::StatusOr<OpenLog> open = Open(*path);
  if (!open.ok()) return Fail(state, open.status());
  std::mt19937_64 random(42);
  for (auto _ : state) {
    const uint64_t index = random() % entries;
    absl::StatusOr<std::vector<auditlog::Hash>> proof = open->log->InclusionProof(index, entries);
    if (!proof.ok()) return Fail(state, proof.status());
    benchmark::DoNotOptimize(proof);
  }
}

// The proofs' limit: one random point read of a leaf from the same database (a proof needs
// about log2(n) such reads of nodes).
void BM_RawPointRead(benchmark::State& state) {
  const uint64_t entries = static_cast<uint64_t>(state.range(0));
  absl::StatusOr<std::string> path = BuiltLog(entries);
  if (!path.ok()) return Fail(state, path.status());
  absl::StatusOr<OpenLog> open = Open(*path);
  if (!open.ok()) return Fail(state, open.status());
  std::mt19937_64 random(44);
  std::string value;
  for (auto _ : state) {
    Bytes key;
    AppendUint64(random() % entries, &key);
    rocksdb::Status s =
        open->db->db()->Get(rocksdb::ReadOptions(), open->db->cfs().leaves, key, &value);
    if (!s.ok()) return Fail(state, absl::InternalError(s.ToString()));
    benchmark::DoNotOptimize(value);
  }
}

void BM_ConsistencyProof(benchmark::State& state) {
  const uint64_t entries = static_cast<uint64_t>(state.range(0));
  absl::StatusOr<std::string> path = BuiltLog(entries);
  if (!path.ok()) return Fail(state, path.status());
  absl::StatusOr<OpenLog> open = Open(*path);
  if (!open.ok()) return Fail(state, open.status());
  std::mt19937_64 random(43);
  for (auto _ : state) {
    const uint64_t first = 1 + random() % entries;
    absl::StatusOr<std::vector<auditlog::Hash>> proof = open->log->ConsistencyProof(first, entries);
    if (!proof.ok()) return Fail(state, proof.status());
    benchmark::DoNotOptimize(proof);
  }
}

void BM_StartUp(benchmark::State& state) {
  const uint64_t entries = static_cast<uint64_t>(state.range(0));
  ScratchDir scratch;
  std::string path = scratch.path();
  if (entries > 0) {
    absl::StatusOr<std::string> built = BuiltLog(entries);
    if (!built.ok()) return Fail(state, built.status());
    path = *built;
  } else {
    absl::StatusOr<OpenLog> created = Open(path);  // an empty log, created once
    if (!created.ok()) return Fail(state, created.status());
    absl::Status flushed = FlushAll(*created->db);
    if (!flushed.ok()) return Fail(state, flushed);
  }
  for (auto _ : state) {
    absl::StatusOr<OpenLog> open = Open(path);
    if (!open.ok()) return Fail(state, open.status());
    if (open->log->size() != entries) {
      return Fail(state, absl::InternalError("the log has the wrong size"));
    }
  }
}

// The log's own share of start-up (the database already open): reading the size, the border
// nodes and the latest head, and checking that head against the tree.
void BM_AuditLogOpen(benchmark::State& state) {
  const uint64_t entries = static_cast<uint64_t>(state.range(0));
  ScratchDir scratch;
  std::string path = scratch.path();
  if (entries > 0) {
    absl::StatusOr<std::string> built = BuiltLog(entries);
    if (!built.ok()) return Fail(state, built.status());
    path = *built;
  }
  absl::StatusOr<std::unique_ptr<LogDb>> db = LogDb::Open(path);
  if (!db.ok()) return Fail(state, db.status());
  for (auto _ : state) {
    absl::StatusOr<Ed25519PrivateKey> key = TestLogKey();
    if (!key.ok()) return Fail(state, key.status());
    absl::StatusOr<std::unique_ptr<AuditLog>> log =
        AuditLog::Open((*db)->db(), (*db)->cfs(), *std::move(key), {});
    if (!log.ok()) return Fail(state, log.status());
    if ((*log)->size() != entries) {
      return Fail(state, absl::InternalError("the log has the wrong size"));
    }
  }
}

void LargeArgs(benchmark::internal::Benchmark* b) {
  b->ArgName("entries");
  for (int64_t size : LogSizes()) b->Arg(size);
}

void StartUpArgs(benchmark::internal::Benchmark* b) {
  b->ArgName("entries")->Arg(0);
  for (int64_t size : LogSizes()) b->Arg(size);
}

BENCHMARK(BM_RawPointRead)->Apply(LargeArgs)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_InclusionProof)->Apply(LargeArgs)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ConsistencyProof)->Apply(LargeArgs)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_StartUp)->Apply(StartUpArgs)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AuditLogOpen)->Apply(StartUpArgs)->Unit(benchmark::kMicrosecond);

int64_t SampleBytes(size_t n) {
  int64_t bytes = 0;
  for (size_t i = 0; i < n; ++i) bytes += static_cast<int64_t>(SampleLeaves()[i % 10'000].size());
  return bytes;
}

// The baseline: SHA-256 of every leaf, as a plain in-process hash of the same bytes.
void BM_Sha256OfEntries(benchmark::State& state) {
  const std::vector<Bytes>& leaves = SampleLeaves();
  for (auto _ : state) {
    for (size_t i = 0; i < kVerifierEntries; ++i) {
      absl::StatusOr<Sha256Digest> digest = Sha256(leaves[i % leaves.size()]);
      if (!digest.ok()) return Fail(state, digest.status());
      benchmark::DoNotOptimize(digest);
    }
  }
  state.SetBytesProcessed(state.iterations() * SampleBytes(kVerifierEntries));
}

// The verifier's core: RFC 9162 leaf hashes folded into a compact range, then the root.
void BM_VerifierRootFromEntries(benchmark::State& state) {
  const std::vector<Bytes>& leaves = SampleLeaves();
  absl::StatusOr<auditlog::MerkleHasher> hasher = auditlog::MerkleHasher::Create();
  if (!hasher.ok()) return Fail(state, hasher.status());
  for (auto _ : state) {
    auditlog::CompactRange range;
    for (size_t i = 0; i < kVerifierEntries; ++i) {
      absl::StatusOr<auditlog::Hash> h = hasher->HashLeaf(leaves[i % leaves.size()]);
      if (!h.ok()) return Fail(state, h.status());
      absl::Status appended = range.Append(*h, *hasher);
      if (!appended.ok()) return Fail(state, appended);
    }
    benchmark::DoNotOptimize(range.Root(*hasher));
  }
  state.SetBytesProcessed(state.iterations() * SampleBytes(kVerifierEntries));
}

// All of `enlace-audit verify` on a 100,000-entry export (files in the page cache): records,
// recorded hashes, canonical decoding, signature and root of the head.
void BM_VerifyExport(benchmark::State& state) {
  ScratchDir dir;
  {
    absl::StatusOr<auditor::EntryWriter> writer = auditor::EntryWriter::Open(dir.path(), 0, 0);
    if (!writer.ok()) return Fail(state, writer.status());
    absl::StatusOr<auditlog::MerkleHasher> hasher = auditlog::MerkleHasher::Create();
    auditlog::CompactRange range;
    for (size_t i = 0; i < kVerifierEntries; ++i) {
      const Bytes& leaf = SampleLeaves()[i % 10'000];
      absl::StatusOr<auditlog::Hash> h = hasher->HashLeaf(leaf);
      if (!writer->Append(leaf, *h).ok() || !range.Append(*h, *hasher).ok()) {
        return Fail(state, absl::InternalError("could not write the export"));
      }
    }
    absl::StatusOr<Ed25519PrivateKey> key = TestLogKey();
    absl::StatusOr<auditlog::TreeHead> head =
        auditlog::SignTreeHead(kVerifierEntries, *range.Root(*hasher), absl::Now(), *key);
    if (!writer->Sync().ok() || !head.ok() ||
        !auditor::WriteLogKey(dir.path(), key->public_key()).ok() ||
        !auditor::WriteTreeHeads(dir.path(), {*head}).ok()) {
      return Fail(state, absl::InternalError("could not write the export"));
    }
  }
  for (auto _ : state) {
    absl::StatusOr<auditor::VerifyResult> result = auditor::VerifyExport(dir.path());
    if (!result.ok()) return Fail(state, result.status());
    if (!result->ok()) return Fail(state, absl::InternalError(result->divergence->ToString()));
  }
  state.SetBytesProcessed(state.iterations() * SampleBytes(kVerifierEntries));
}

BENCHMARK(BM_Sha256OfEntries)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_VerifierRootFromEntries)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_VerifyExport)->Unit(benchmark::kMillisecond);

// Rates are per CPU second; latencies are compared on CPU time (the machine is shared, so wall
// time also counts waiting for other processes), with the wall-time ratio in parentheses.
void PrintRatio(const bench::RecordingReporter& r, const std::string& what, const std::string& num,
                const std::string& den, bool rates) {
  const bench::Measured* a = r.Find(num);
  const bench::Measured* b = r.Find(den);
  if (a == nullptr || b == nullptr) return;
  if (rates) {
    std::printf("%-58s %8.3f\n", what.c_str(), a->rate / b->rate);
  } else {
    std::printf("%-58s %8.3f (wall %.3f)\n", what.c_str(), a->cpu_us / b->cpu_us,
                a->real_us / b->real_us);
  }
}

// The figures of issue 12 this program measures, plus a few that only inform, as FIGURE lines.
// Missing benchmarks (filtered out or failed) leave their figures out: bench/run_all.sh then
// reports them missing.
void PrintFigures(const bench::RecordingReporter& r) {
  // Synced appends are waits for the disk: compared on wall time (same batch size both sides).
  const bench::Measured* append = r.Find("BM_AuditLogAppend/batch:100/sync:1");
  const bench::Measured* raw = r.Find("BM_RawBatchedWrite/batch:100/sync:1");
  if (append != nullptr && raw != nullptr) {
    bench::Figure f;
    f.id = "log_append_vs_raw_rocksdb";
    f.value = 100 / append->real_us * 1e6;
    f.unit = "entries/s";
    f.limit = 100 / raw->real_us * 1e6;
    f.limit_unit = "entries/s";
    f.limit_name = "raw synced RocksDB batch writes of the same leaf bytes, batches of 100";
    f.ratio = f.value / f.limit;
    f.note = "audit log append (encode, hash, nodes, write, commit), synced batches of 100";
    bench::PrintFigure(f);
  }
  const bench::Measured* sha = r.Find("BM_Sha256OfEntries");
  for (auto [id, name, target] :
       {std::tuple{"verifier_vs_sha256", "BM_VerifyExport", true},
        std::tuple{"verifier_core_vs_sha256", "BM_VerifierRootFromEntries", false}}) {
    const bench::Measured* verifier = r.Find(name);
    if (verifier == nullptr || sha == nullptr) continue;
    bench::Figure f;
    f.id = id;
    f.value = verifier->rate / 1e6;
    f.unit = "MB/s";
    f.limit = sha->rate / 1e6;
    f.limit_unit = "MB/s";
    f.limit_name = "in-process OpenSSL SHA-256 of the same leaf bytes (per CPU second)";
    f.ratio = f.value / f.limit;
    if (target) {
      f.target = bench::Target::AtLeast(0.5);
      f.note = "whole VerifyExport of a 100,000-entry export (enlace-audit verify)";
    } else {
      f.note = "leaf hashes folded into a compact range, then the root (the verifier's core)";
    }
    bench::PrintFigure(f);
  }
  const int64_t entries = LogSizes().back();
  const std::string size = absl::StrCat("/entries:", entries);
  const bench::Measured* read = r.Find("BM_RawPointRead" + size);
  // A proof needs about log2(n) node reads: its limit is that many random point reads. Both on
  // CPU time: on the shared machine (load often 5-10 on 2 cores) wall time is mostly waiting for
  // a core; the wall time is in the note.
  const double reads = std::ceil(std::log2(static_cast<double>(entries)));
  for (auto [id, name] : {std::pair{"inclusion_proof_10m", "BM_InclusionProof"},
                          std::pair{"consistency_proof_10m", "BM_ConsistencyProof"}}) {
    const bench::Measured* proof = r.Find(name + size);
    if (proof == nullptr || read == nullptr) continue;
    bench::Figure f;
    f.id = id;
    f.value = proof->cpu_us / 1e3;
    f.unit = "ms CPU";
    f.limit = reads * read->cpu_us / 1e3;
    f.limit_unit = "ms CPU";
    f.limit_name = absl::StrCat(reads, " random RocksDB point reads (log2 n) of the same database");
    f.ratio = f.value / f.limit;
    f.target = bench::Target::AtMost(1, bench::TargetOn::kValue);
    f.note = absl::StrCat("at ", entries, " entries, random indexes; wall time ",
                          absl::SixDigits(proof->real_us / 1e3), " ms (limit ",
                          absl::SixDigits(reads * read->real_us / 1e3), " ms)");
    bench::PrintFigure(f);
  }
  const bench::Measured* full = r.Find("BM_StartUp" + size);
  const bench::Measured* empty = r.Find("BM_StartUp/entries:0");
  if (full != nullptr && empty != nullptr) {
    bench::Figure f;
    f.id = "log_startup_vs_empty";
    f.value = full->cpu_us / 1e3;
    f.unit = "ms";
    f.limit = empty->cpu_us / 1e3;
    f.limit_unit = "ms";
    f.limit_name = "opening an empty log (RocksDB + AuditLog::Open), CPU time";
    f.ratio = f.value / f.limit;
    f.note = absl::StrCat("RocksDB + AuditLog::Open at ", entries,
                          " entries, CPU time (the hub's own start-up: hub_startup_10m_vs_empty)");
    bench::PrintFigure(f);
  }
}

}  // namespace
}  // namespace enlace

int main(int argc, char** argv) {
  enlace::bench::RecordingReporter reporter;
  if (!enlace::bench::RunBenchmarks(&argc, argv, &reporter)) return 1;
  std::printf("\nratios (same run):\n");
  for (const char* batch : {"1", "100", "1000"}) {
    enlace::PrintRatio(reporter,
                       std::string("append rate / raw RocksDB write rate, batch ") + batch,
                       std::string("BM_AuditLogAppend/batch:") + batch + "/sync:0",
                       std::string("BM_RawBatchedWrite/batch:") + batch + "/sync:0", true);
  }
  enlace::PrintRatio(reporter, "inclusion proof latency, 10 M / 1 M entries",
                     "BM_InclusionProof/entries:10000000", "BM_InclusionProof/entries:1000000",
                     false);
  enlace::PrintFigures(reporter);
  return 0;
}
