#include "node/text.h"

#include <utility>

#include "domain/issues.h"

namespace enlace::node {

v1::FieldIssue NodeIssue(absl::string_view path, absl::string_view es, absl::string_view en) {
  v1::FieldIssue issue;
  issue.set_path(std::string(path));
  issue.set_code(v1::DOMAIN_ERROR_UNSPECIFIED);
  issue.set_message_es(std::string(es));
  issue.set_message_en(std::string(en));
  return issue;
}

absl::Status NodeError(absl::StatusCode code, absl::string_view es, absl::string_view en) {
  return domain::IssueStatus(code, NodeIssue("", es, en));
}

const std::string& IssueText(const v1::FieldIssue& issue, domain::Language language) {
  return language == domain::Language::kSpanish ? issue.message_es() : issue.message_en();
}

domain::Language LanguageOr(absl::string_view tag, domain::Language fallback) {
  absl::optional<domain::Language> language = domain::LanguageFromTag(tag);
  if (!language.has_value() || *language == domain::Language::kFrench) return fallback;
  return *language;
}

}  // namespace enlace::node
