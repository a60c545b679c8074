#include "tests/fuzz/fuzz_support.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/files.h"

namespace enlace::fuzz {
namespace {

[[noreturn]] void Fail(absl::string_view what) {
  std::fprintf(stderr, "fuzz seeds: %.*s\n", static_cast<int>(what.size()), what.data());
  std::exit(1);
}

}  // namespace

void WriteSeedsIfAsked(absl::FunctionRef<std::vector<Seed>()> make_seeds) {
  const char* dir = std::getenv("ENLACE_FUZZ_WRITE_SEEDS");
  if (dir == nullptr || *dir == '\0') return;
  if (absl::Status s = MakeDirectories(dir); !s.ok()) Fail(s.ToString());
  const std::vector<Seed> seeds = make_seeds();
  for (const auto& [name, bytes] : seeds) {
    if (absl::Status s = WriteFileAtomically(absl::StrCat(dir, "/", name), bytes); !s.ok()) {
      Fail(s.ToString());
    }
  }
  std::fprintf(stderr, "fuzz seeds: wrote %zu seeds to %s\n", seeds.size(), dir);
  std::exit(0);
}

std::vector<Seed> SourceFiles(absl::string_view folder, absl::string_view suffix) {
  const std::string path = absl::StrCat(ENLACE_SOURCE_DIR, "/", folder);
  std::vector<Seed> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(path, error)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || !absl::EndsWith(name, suffix)) continue;
    absl::StatusOr<std::string> text = ReadFile(entry.path().string(), 1 << 20);
    if (!text.ok()) Fail(text.status().ToString());
    files.emplace_back(name, std::move(*text));
  }
  if (error) Fail(absl::StrCat("cannot list ", path, ": ", error.message()));
  if (files.empty()) Fail(absl::StrCat("no *", suffix, " files in ", path));
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace enlace::fuzz
