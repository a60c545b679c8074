#include "domain/issues.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_join.h"

namespace enlace::domain {
namespace {

// Quotes a label the way each language does.
std::string Quoted(absl::string_view label, Language language) {
  return language == Language::kSpanish ? absl::StrCat("«", label, "»")
                                        : absl::StrCat("“", label, "”");
}

}  // namespace

IssueArg IssueArg::Value(const google::protobuf::EnumDescriptor& type, int number) {
  IssueArg arg;
  arg.type_ = &type;
  arg.numbers_ = {number};
  return arg;
}

IssueArg IssueArg::Values(const google::protobuf::EnumDescriptor& type, std::vector<int> numbers) {
  IssueArg arg;
  arg.type_ = &type;
  arg.numbers_ = std::move(numbers);
  arg.list_ = true;
  return arg;
}

std::string IssueArg::Render(Language language) const {
  if (type_ == nullptr) return text_;
  if (!list_) return LabelOrFallback(*type_, numbers_[0], language);
  if (numbers_.empty()) return language == Language::kSpanish ? "ninguno" : "none";
  std::vector<std::string> labels;
  for (int number : numbers_) {
    labels.push_back(Quoted(LabelOrFallback(*type_, number, language), language));
  }
  return absl::StrJoin(labels, ", ");
}

std::string FormatIssueMessage(v1::DomainError code, Language language,
                               absl::Span<const IssueArg> args) {
  const google::protobuf::EnumValueDescriptor* value =
      v1::DomainError_descriptor()->FindValueByNumber(code);
  if (value == nullptr) {
    value = v1::DomainError_descriptor()->FindValueByNumber(v1::DOMAIN_ERROR_UNSPECIFIED);
  }
  absl::string_view pattern = Label(*value, language);
  if (pattern.empty()) pattern = Label(*value, Language::kEnglish);  // no French template yet
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '$' && i + 1 < pattern.size() && absl::ascii_isdigit(pattern[i + 1])) {
      const size_t index = pattern[i + 1] - '0';
      if (index < args.size()) out += args[index].Render(language);
      ++i;
    } else {
      out += pattern[i];
    }
  }
  return out;
}

v1::FieldIssue MakeIssue(absl::string_view path, v1::DomainError code,
                         absl::Span<const IssueArg> args) {
  v1::FieldIssue issue;
  issue.set_path(std::string(path));
  issue.set_code(code);
  issue.set_message_es(FormatIssueMessage(code, Language::kSpanish, args));
  issue.set_message_en(FormatIssueMessage(code, Language::kEnglish, args));
  return issue;
}

std::string DescribeIssue(const v1::FieldIssue& issue) {
  const absl::string_view where =
      issue.path().empty() ? absl::string_view("content") : absl::string_view(issue.path());
  return absl::StrCat(where, ": ", issue.message_en(), " (es: ", issue.message_es(), ")");
}

absl::Status IssueStatus(absl::StatusCode code, v1::FieldIssue issue) {
  absl::Status status(code, DescribeIssue(issue));
  v1::ValidationReport report;
  *report.add_issues() = std::move(issue);
  status.SetPayload(kValidationReportTypeUrl, absl::Cord(report.SerializeAsString()));
  return status;
}

absl::Status IssuesToStatus(absl::Span<const v1::FieldIssue> issues) {
  if (issues.empty()) return absl::OkStatus();
  std::vector<std::string> lines;
  v1::ValidationReport report;
  for (const v1::FieldIssue& issue : issues) {
    lines.push_back(DescribeIssue(issue));
    *report.add_issues() = issue;
  }
  absl::Status status(absl::StatusCode::kInvalidArgument,
                      absl::StrCat(issues.size(), " problem(s): ", absl::StrJoin(lines, "; ")));
  status.SetPayload(kValidationReportTypeUrl, absl::Cord(report.SerializeAsString()));
  return status;
}

std::vector<v1::FieldIssue> IssuesFromStatus(const absl::Status& status) {
  const absl::optional<absl::Cord> payload = status.GetPayload(kValidationReportTypeUrl);
  if (!payload.has_value()) return {};
  v1::ValidationReport report;
  if (!report.ParseFromString(std::string(*payload))) return {};
  return {report.issues().begin(), report.issues().end()};
}

std::string JoinPath(absl::string_view parent, absl::string_view field) {
  if (parent.empty()) return std::string(field);
  return absl::StrCat(parent, ".", field);
}

}  // namespace enlace::domain
