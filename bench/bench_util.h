// What every Google Benchmark program in bench/ shares: a console reporter that also keeps what
// each benchmark measured, so that the program can print ratios against a baseline measured in
// the same run, and the standard steps of its main.
//
//   int main(int argc, char** argv) {
//     enlace::bench::RecordingReporter reporter;
//     if (!enlace::bench::RunBenchmarks(&argc, argv, &reporter)) return 1;
//     const enlace::bench::Measured* a = reporter.Find("BM_Thing");  // null if it did not run
//     ...
//   }
#ifndef ENLACE_BENCH_BENCH_UTIL_H_
#define ENLACE_BENCH_BENCH_UTIL_H_

#include <map>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"

namespace enlace::bench {

// One benchmark's result. Times are per iteration in microseconds, whatever unit the benchmark
// displays; compare CPU times on the shared machine (wall time also counts waiting for others).
struct Measured {
  double rate = 0;  // items/s or bytes/s per CPU second, if the benchmark counts them
  double real_us = 0;
  double cpu_us = 0;
};

// Prints as the console reporter does and keeps each successful benchmark's result.
class RecordingReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.error_occurred) continue;
      Measured& m = results_[run.benchmark_name()];
      for (const char* counter : {"items_per_second", "bytes_per_second"}) {
        auto it = run.counters.find(counter);
        if (it != run.counters.end()) m.rate = it->second.value;
      }
      const double to_us = 1e6 / benchmark::GetTimeUnitMultiplier(run.time_unit);
      m.real_us = run.GetAdjustedRealTime() * to_us;
      m.cpu_us = run.GetAdjustedCPUTime() * to_us;
    }
    ConsoleReporter::ReportRuns(runs);
  }

  // The result of the benchmark named `name` (with its arguments, as printed); null if it did
  // not run (filtered out) or failed.
  const Measured* Find(const std::string& name) const {
    auto it = results_.find(name);
    return it == results_.end() ? nullptr : &it->second;
  }

 private:
  std::map<std::string, Measured> results_;
};

// Parses benchmark's flags and runs the benchmarks they select, reporting to `reporter`.
// False if the command line holds arguments benchmark does not know (it has printed them; the
// program should exit with status 1).
inline bool RunBenchmarks(int* argc, char** argv, RecordingReporter* reporter) {
  benchmark::Initialize(argc, argv);
  if (benchmark::ReportUnrecognizedArguments(*argc, argv)) return false;
  benchmark::RunSpecifiedBenchmarks(reporter);
  benchmark::Shutdown();
  return true;
}

}  // namespace enlace::bench

#endif  // ENLACE_BENCH_BENCH_UTIL_H_
