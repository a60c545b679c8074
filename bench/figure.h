// The FIGURE line: the one interface between every benchmark program in bench/ and
// bench/run_all.sh (which collects the lines into its table and bench/results/<date>.json).
//
//   FIGURE {"id":"seal_11_vs_primitives","value":123.4,"unit":"us","limit":100.2,...}
//
// Header-only and without Google Benchmark, so that programs with their own loop (hub_load)
// print the same line:
//
//   enlace::bench::Figure f;
//   f.id = "inclusion_proof_10m";
//   f.value = 0.09;  f.unit = "ms";
//   f.limit = 0.05;  f.limit_unit = "ms";  f.limit_name = "24 random RocksDB point reads";
//   f.ratio = f.value / f.limit;
//   f.target = enlace::bench::Target::AtMost(1, enlace::bench::TargetOn::kValue);
//   enlace::bench::PrintFigure(f);
#ifndef ENLACE_BENCH_FIGURE_H_
#define ENLACE_BENCH_FIGURE_H_

#include <cstdio>
#include <optional>
#include <string>

#include "nlohmann/json.hpp"

namespace enlace::bench {

// Which number a target is stated on: the ratio to the same-run limit (most figures) or the
// absolute value (a latency in ms, a size in MB).
enum class TargetOn { kRatio, kValue };

struct Target {
  static Target AtLeast(double bound, TargetOn on = TargetOn::kRatio) { return {">=", bound, on}; }
  static Target AtMost(double bound, TargetOn on = TargetOn::kRatio) { return {"<=", bound, on}; }

  std::string op;
  double bound = 0;
  TargetOn on = TargetOn::kRatio;
};

struct Figure {
  std::string id;  // snake_case, one of issue 12's ids or an extra one
  double value = 0;
  std::string unit;
  double limit = 0;  // measured in the same run, on the same machine
  std::string limit_unit;
  std::string limit_name;
  double ratio = 0;  // value / limit, or the quantity the target is stated on
  // Absent for a figure that only informs (no target of issue 12): "target" is then "" and
  // "met" null.
  std::optional<Target> target;
  std::string note;  // how it was measured, when the id alone does not say (printed if set)
};

inline bool Met(const Figure& f) {
  if (!f.target.has_value()) return false;
  const double x = f.target->on == TargetOn::kValue ? f.value : f.ratio;
  return f.target->op == ">=" ? x >= f.target->bound : x <= f.target->bound;
}

inline std::string FigureLine(const Figure& f) {
  nlohmann::ordered_json j;
  j["id"] = f.id;
  j["value"] = f.value;
  j["unit"] = f.unit;
  j["limit"] = f.limit;
  j["limit_unit"] = f.limit_unit;
  j["limit_name"] = f.limit_name;
  j["ratio"] = f.ratio;
  if (f.target.has_value()) {
    char bound[32];
    std::snprintf(bound, sizeof(bound), "%g", f.target->bound);
    j["target"] = f.target->op + " " + bound;
    j["met"] = Met(f);
    if (f.target->on == TargetOn::kValue) j["target_on"] = "value";
  } else {
    j["target"] = "";
    j["met"] = nullptr;
  }
  if (!f.note.empty()) j["note"] = f.note;
  return "FIGURE " + j.dump();
}

inline void PrintFigure(const Figure& f) {
  std::printf("%s\n", FigureLine(f).c_str());
  std::fflush(stdout);
}

}  // namespace enlace::bench

#endif  // ENLACE_BENCH_FIGURE_H_
