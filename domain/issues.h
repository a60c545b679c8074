// Problems as data: a FieldIssue (domain_issues.proto) carries a path, a DomainError code and
// the message in Spanish and English, rendered from the code's template in the labels catalogue.
// Lifecycle and parse errors travel as an absl::Status whose payload holds the same issues, so
// a caller can show them in the user's language or send them on (e.g. flag them to the sender).
//
//   v1::FieldIssue issue = MakeIssue("victim_referral.urgency", v1::DOMAIN_ERROR_CHILD_URGENCY,
//                                    {IssueArg::Code(v1::URGENCY_ROUTINE)});
//   return IssueStatus(absl::StatusCode::kInvalidArgument, std::move(issue));
#ifndef ENLACE_DOMAIN_ISSUES_H_
#define ENLACE_DOMAIN_ISSUES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "domain/labels.h"
#include "enlace/v1/domain_issues.pb.h"

namespace enlace::domain {

// The type URL under which a ValidationReport is attached to a Status.
inline constexpr absl::string_view kValidationReportTypeUrl =
    "type.googleapis.com/enlace.v1.ValidationReport";

// One value inserted in a message template: plain text (the same in every language), or enum
// values shown by their labels in the message's language.
class IssueArg {
 public:
  IssueArg(absl::string_view text) : text_(text) {}           // NOLINT: implicit on purpose
  IssueArg(const char* text) : text_(text) {}                 // NOLINT
  IssueArg(const std::string& text) : text_(text) {}          // NOLINT
  IssueArg(int64_t number) : text_(absl::StrCat(number)) {}   // NOLINT
  IssueArg(int number) : text_(absl::StrCat(number)) {}       // NOLINT
  IssueArg(uint64_t number) : text_(absl::StrCat(number)) {}  // NOLINT
  IssueArg(uint32_t number) : text_(absl::StrCat(number)) {}  // NOLINT

  // The label of `number` in `type` (unknown numbers get a fallback text).
  static IssueArg Value(const google::protobuf::EnumDescriptor& type, int number);
  template <typename E>
  static IssueArg Code(E value) {
    return Value(*google::protobuf::GetEnumDescriptor<E>(), static_cast<int>(value));
  }
  // Several values of one enum, as a list ("«Aceptada», «Rechazada»").
  static IssueArg Values(const google::protobuf::EnumDescriptor& type, std::vector<int> numbers);

  std::string Render(Language language) const;

 private:
  IssueArg() = default;
  std::string text_;
  const google::protobuf::EnumDescriptor* type_ = nullptr;
  std::vector<int> numbers_;
  bool list_ = false;
};

// The message of `code` in `language`, with $0, $1 ... replaced by `args`.
std::string FormatIssueMessage(v1::DomainError code, Language language,
                               absl::Span<const IssueArg> args);

v1::FieldIssue MakeIssue(absl::string_view path, v1::DomainError code,
                         absl::Span<const IssueArg> args = {});

// "path: English message (es: mensaje en español)".
std::string DescribeIssue(const v1::FieldIssue& issue);

// A status of `code` whose message describes `issue` and whose payload is a ValidationReport
// holding it.
absl::Status IssueStatus(absl::StatusCode code, v1::FieldIssue issue);

// OK when `issues` is empty; otherwise INVALID_ARGUMENT describing every issue, with all of them
// in the payload.
absl::Status IssuesToStatus(absl::Span<const v1::FieldIssue> issues);

// The issues carried by a status made by the functions above (empty for others).
std::vector<v1::FieldIssue> IssuesFromStatus(const absl::Status& status);

// "a.b" from "a" and "b"; "b" from "" and "b".
std::string JoinPath(absl::string_view parent, absl::string_view field);

}  // namespace enlace::domain

#endif  // ENLACE_DOMAIN_ISSUES_H_
