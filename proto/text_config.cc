#include "proto/text_config.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/tokenizer.h>

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/files.h"

namespace enlace {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::TextFormat;

// The parser's syntax errors (and warnings) with their positions; its lines are 0-based.
class SyntaxErrors : public google::protobuf::io::ErrorCollector {
 public:
  explicit SyntaxErrors(absl::string_view file_name) : file_name_(file_name) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    errors.push_back(absl::StrCat(file_name_, ":", line + 1, ":", column + 1, ": ", message));
  }
  void AddWarning(int line, google::protobuf::io::ColumnNumber column,
                  const std::string& message) override {
    AddError(line, column, message);
  }
  std::vector<std::string> errors;

 private:
  std::string file_name_;
};

absl::Status Invalid(absl::string_view what, const std::vector<std::string>& errors) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid ", what, ":\n  ", absl::StrJoin(errors, "\n  ")));
}

// "users[1]" -> ("users", 1); "hub" -> ("hub", -1). A malformed index leaves the name whole.
std::pair<std::string, int> SplitIndex(absl::string_view step) {
  const size_t open = step.find('[');
  int index = -1;
  if (open == absl::string_view::npos || !absl::EndsWith(step, "]") ||
      !absl::SimpleAtoi(step.substr(open + 1, step.size() - open - 2), &index) || index < 0) {
    return {std::string(step), -1};
  }
  return {std::string(step.substr(0, open)), index};
}

}  // namespace

absl::StatusOr<ConfigFile> ReadConfigFile(absl::string_view path, size_t max_size,
                                          absl::string_view what) {
  absl::StatusOr<std::string> text = ReadFile(path, max_size);
  if (!text.ok()) {
    return absl::Status(text.status().code(), absl::StrCat("cannot read the ", what, " ", path,
                                                           ": ", text.status().message()));
  }
  ConfigFile file;
  file.text = *std::move(text);
  file.name = std::string(path);
  const size_t slash = path.rfind('/');
  file.base_dir = slash == absl::string_view::npos ? "."
                  : slash == 0                     ? "/"
                                                   : std::string(path.substr(0, slash));
  return file;
}

std::string ResolveConfigPath(absl::string_view base_dir, absl::string_view path) {
  if (path.empty() || absl::StartsWith(path, "/") || base_dir.empty()) return std::string(path);
  if (absl::EndsWith(base_dir, "/")) return absl::StrCat(base_dir, path);
  return absl::StrCat(base_dir, "/", path);
}

absl::StatusOr<TextConfig> TextConfig::Parse(absl::string_view text, absl::string_view file_name,
                                             absl::string_view what, size_t max_size,
                                             google::protobuf::Message* message) {
  if (text.size() > max_size) {
    return absl::InvalidArgumentError(
        absl::StrCat(file_name, " is ", text.size(), " bytes; a ", what, " is at most ", max_size));
  }
  TextConfig parsed(std::string(file_name), std::string(what), message->GetDescriptor());
  SyntaxErrors syntax(file_name);
  TextFormat::Parser parser;
  parser.RecordErrorsTo(&syntax);
  parser.WriteLocationsTo(parsed.tree_.get());
  if (!parser.ParseFromString(std::string(text), message)) return Invalid(what, syntax.errors);
  return parsed;
}

void TextConfig::Fail(absl::string_view path, absl::string_view problem) {
  const int line = LineOf(path);
  errors_.push_back(absl::StrCat(file_name_, line >= 0 ? absl::StrCat(":", line + 1) : "", ": ",
                                 path, ": ", problem));
}

absl::Status TextConfig::Result() const {
  return errors_.empty() ? absl::OkStatus() : Invalid(what_, errors_);
}

int TextConfig::LineOf(absl::string_view path) const {
  const Descriptor* type = type_;
  const TextFormat::ParseInfoTree* tree = tree_.get();
  int line = -1;
  for (absl::string_view step : absl::StrSplit(path, '.')) {
    if (tree == nullptr || type == nullptr) break;
    const auto [name, index] = SplitIndex(step);
    const FieldDescriptor* field = type->FindFieldByName(name);
    if (field == nullptr) break;
    // A repeated field named without an index points at its first element.
    const int element = field->is_repeated() ? std::max(index, 0) : -1;
    const TextFormat::ParseLocation location = tree->GetLocation(field, element);
    if (location.line < 0) break;
    line = location.line;
    if (field->type() != FieldDescriptor::TYPE_MESSAGE) break;
    tree = tree->GetTreeForNested(field, element);
    type = field->message_type();
  }
  return line;
}

}  // namespace enlace
