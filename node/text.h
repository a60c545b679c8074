// The node's own messages in Spanish and English, carried like the domain's (domain/issues.h):
// a FieldIssue with both texts, so the local API can answer in the caller's language.
#ifndef ENLACE_NODE_TEXT_H_
#define ENLACE_NODE_TEXT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "domain/labels.h"
#include "enlace/v1/domain_issues.pb.h"

namespace enlace::node {

// An issue of the node itself (code DOMAIN_ERROR_UNSPECIFIED) at `path`.
v1::FieldIssue NodeIssue(absl::string_view path, absl::string_view es, absl::string_view en);

// A status of `code` carrying one NodeIssue.
absl::Status NodeError(absl::StatusCode code, absl::string_view es, absl::string_view en);

// The text of `issue` in `language` (English when French is asked for).
const std::string& IssueText(const v1::FieldIssue& issue, domain::Language language);

// "es" -> Spanish, "en" -> English; anything else: `fallback`.
domain::Language LanguageOr(absl::string_view tag, domain::Language fallback);

}  // namespace enlace::node

#endif  // ENLACE_NODE_TEXT_H_
