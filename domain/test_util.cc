#include "domain/test_util.h"

#include <dirent.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "base/status_macros.h"
#include "base/time.h"
#include "domain/formats.h"
#include "domain/issues.h"
#include "domain/json.h"

namespace enlace::domain::testing {
namespace {

std::string ExamplesDir() { return absl::StrCat(ENLACE_SOURCE_DIR, "/tests/data/examples"); }

}  // namespace

absl::Time ExamplesNow() { return *ParseUtc("2026-03-20T18:00:00Z"); }

ValidationContext ExampleContext(ValidationMode mode) {
  ValidationContext context;
  context.now = ExamplesNow();
  context.network_countries = CrmMemberCountries();
  context.mode = mode;
  return context;
}

std::vector<std::string> ExampleFiles() {
  std::vector<std::string> files;
  DIR* dir = opendir(ExamplesDir().c_str());
  if (dir == nullptr) return files;
  while (const dirent* entry = readdir(dir)) {
    const absl::string_view name = entry->d_name;
    if (absl::EndsWith(name, ".json")) files.emplace_back(name);
  }
  closedir(dir);
  std::sort(files.begin(), files.end());
  return files;
}

absl::StatusOr<v1::Content> LoadExample(absl::string_view file_name) {
  ASSIGN_OR_RETURN(const std::string json,
                   ReadFile(absl::StrCat(ExamplesDir(), "/", file_name), kMaxJsonBytes));
  return ContentFromJson(json);
}

std::vector<v1::FieldIssue> IssuesOf(const absl::Status& status) {
  return IssuesFromStatus(status);
}

}  // namespace enlace::domain::testing
