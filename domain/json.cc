#include "domain/json.h"

#include <cstdint>

#include "base/status_macros.h"
#include "domain/issues.h"
#include "google/protobuf/util/json_util.h"

namespace enlace::domain {

absl::Status MessageFromJson(absl::string_view json, google::protobuf::Message* out,
                             size_t max_bytes) {
  const std::string type_name = out->GetDescriptor()->full_name();
  if (json.size() > max_bytes) {
    return IssueStatus(
        absl::StatusCode::kInvalidArgument,
        MakeIssue("", v1::DOMAIN_ERROR_INPUT_TOO_LARGE,
                  {static_cast<uint64_t>(json.size()), static_cast<uint64_t>(max_bytes)}));
  }
  out->Clear();
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), out, options);
  if (!status.ok()) {
    out->Clear();
    const std::string detail(status.message().data(), status.message().size());
    return IssueStatus(absl::StatusCode::kInvalidArgument,
                       MakeIssue("", v1::DOMAIN_ERROR_JSON_INVALID, {type_name, detail}));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> MessageToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    // Only invalid data (e.g. a Timestamp out of range) makes printing fail.
    return absl::InvalidArgumentError(
        absl::StrCat("cannot print ", message.GetDescriptor()->full_name(),
                     " as JSON: ", std::string(status.message().data(), status.message().size())));
  }
  return json;
}

absl::StatusOr<v1::Content> ContentFromJson(absl::string_view json, size_t max_bytes) {
  v1::Content content;
  RETURN_IF_ERROR(MessageFromJson(json, &content, max_bytes));
  return content;
}

}  // namespace enlace::domain
