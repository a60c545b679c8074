// Test support for the domain tests: the example files and matchers for issues.
#ifndef ENLACE_DOMAIN_TEST_UTIL_H_
#define ENLACE_DOMAIN_TEST_UTIL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "domain/validate.h"
#include "enlace/v1/domain_content.pb.h"
#include "gmock/gmock.h"

namespace enlace::domain::testing {

// The time at which the examples in tests/data/examples are valid (their README says so).
absl::Time ExamplesNow();

// A context at ExamplesNow() with the CRM's countries.
ValidationContext ExampleContext(ValidationMode mode = ValidationMode::kCompose);

// The example file names (sorted) and one example parsed.
std::vector<std::string> ExampleFiles();
absl::StatusOr<v1::Content> LoadExample(absl::string_view file_name);

// A FieldIssue at `path` with `code` whose Spanish and English messages are both present, differ,
// and have every placeholder filled.
MATCHER_P2(IssueIs, path, code,
           std::string("issue at \"") + std::string(path) + "\" with code " +
               v1::DomainError_Name(code)) {
  *result_listener << "issue at \"" << arg.path() << "\" " << v1::DomainError_Name(arg.code())
                   << " es=\"" << arg.message_es() << "\" en=\"" << arg.message_en() << "\"";
  return arg.path() == path && arg.code() == code && !arg.message_es().empty() &&
         !arg.message_en().empty() && arg.message_es() != arg.message_en() &&
         !absl::StrContains(arg.message_es(), "$") && !absl::StrContains(arg.message_en(), "$");
}

// The issues of a status made by the domain library (issues.h).
std::vector<v1::FieldIssue> IssuesOf(const absl::Status& status);

}  // namespace enlace::domain::testing

#endif  // ENLACE_DOMAIN_TEST_UTIL_H_
