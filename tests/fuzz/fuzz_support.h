// What the fuzz targets share: seeds written from their own fixtures, and the repository's
// example files read as seeds.
//
// Seeds that embed a signature or a ciphertext can only come from the target's own fixture (its
// keys are made at start-up, never checked in), so every target can write its seeds itself:
//   ENLACE_FUZZ_WRITE_SEEDS=<dir> build-fuzz/bin/<target>
// writes them into <dir> (one file per seed) and exits instead of fuzzing
// (tests/fuzz/run_fuzzers.sh does this before each run).
#ifndef ENLACE_TESTS_FUZZ_FUZZ_SUPPORT_H_
#define ENLACE_TESTS_FUZZ_FUZZ_SUPPORT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"

namespace enlace::fuzz {

// A seed: its file name and its bytes.
using Seed = std::pair<std::string, std::string>;

// If ENLACE_FUZZ_WRITE_SEEDS names a folder, writes make_seeds()'s seeds there and exits the
// process (status 0, or 1 with a message on stderr if a file cannot be written). Otherwise does
// nothing. Called from LLVMFuzzerInitialize.
void WriteSeedsIfAsked(absl::FunctionRef<std::vector<Seed>()> make_seeds);

// The files in `folder` (relative to the source tree) whose names end with `suffix`, sorted by
// name, as (name, contents). Aborts if the folder cannot be read: a seed writer without its
// examples is broken.
std::vector<Seed> SourceFiles(absl::string_view folder, absl::string_view suffix);

}  // namespace enlace::fuzz

#endif  // ENLACE_TESTS_FUZZ_FUZZ_SUPPORT_H_
