#include "domain/content.h"

#include <cstdint>
#include <vector>

#include "base/bytes.h"
#include "base/status_macros.h"
#include "domain/issues.h"
#include "enlace/v1/domain_issues.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace enlace::domain {
namespace {

v1::Priority PriorityFromUrgency(v1::Urgency urgency) {
  switch (urgency) {
    case v1::URGENCY_IMMEDIATE:
      return v1::PRIORITY_IMMEDIATE;
    case v1::URGENCY_URGENT:
      return v1::PRIORITY_URGENT;
    default:
      return v1::PRIORITY_ROUTINE;
  }
}

}  // namespace

v1::MessageKind KindOf(const v1::Content& content) {
  switch (content.body_case()) {
    case v1::Content::kVictimReferral:
      return v1::KIND_VICTIM_REFERRAL;
    case v1::Content::kReferralStatus:
      return v1::KIND_REFERRAL_STATUS;
    case v1::Content::kSmugglingAlert:
      return v1::KIND_SMUGGLING_ALERT;
    case v1::Content::kAlertFeedback:
      return v1::KIND_ALERT_FEEDBACK;
    case v1::Content::kInfoRequest:
      return v1::KIND_INFO_REQUEST;
    case v1::Content::kInfoResponse:
      return v1::KIND_INFO_RESPONSE;
    case v1::Content::kBulletin:
      return v1::KIND_BULLETIN;
    case v1::Content::kDocument:
      return v1::KIND_DOCUMENT;
    case v1::Content::kLegislationMatrixUpdate:
      return v1::KIND_LEGISLATION_MATRIX_UPDATE;
    case v1::Content::BODY_NOT_SET:
      break;
  }
  return v1::KIND_UNSPECIFIED;
}

absl::Status CheckKindMatches(const v1::Content& content, v1::MessageKind header_kind) {
  const v1::MessageKind kind = KindOf(content);
  if (kind == header_kind && kind != v1::KIND_UNSPECIFIED) return absl::OkStatus();
  return IssueStatus(absl::StatusCode::kInvalidArgument,
                     MakeIssue("", v1::DOMAIN_ERROR_KIND_MISMATCH,
                               {IssueArg::Code(header_kind), IssueArg::Code(kind)}));
}

v1::Priority PriorityOf(const v1::Content& content) {
  switch (content.body_case()) {
    case v1::Content::kVictimReferral:
      return PriorityFromUrgency(content.victim_referral().urgency());
    case v1::Content::kSmugglingAlert:
      return PriorityFromUrgency(content.smuggling_alert().urgency());
    case v1::Content::kInfoRequest:
      return PriorityFromUrgency(content.info_request().urgency());
    default:
      return v1::PRIORITY_ROUTINE;
  }
}

absl::StatusOr<std::string> NewReference(RandomSource& random) {
  std::vector<uint8_t> bytes(16);
  RETURN_IF_ERROR(random.Fill(absl::MakeSpan(bytes)));
  return HexEncode(AsStringView(bytes));
}

absl::StatusOr<v1::Content> ContentFromBinary(absl::string_view bytes, size_t max_bytes) {
  if (bytes.size() > max_bytes) {
    return IssueStatus(
        absl::StatusCode::kInvalidArgument,
        MakeIssue("", v1::DOMAIN_ERROR_INPUT_TOO_LARGE,
                  {static_cast<uint64_t>(bytes.size()), static_cast<uint64_t>(max_bytes)}));
  }
  v1::Content content;
  if (!content.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return IssueStatus(absl::StatusCode::kInvalidArgument,
                       MakeIssue("", v1::DOMAIN_ERROR_BINARY_INVALID, {"enlace.v1.Content"}));
  }
  return content;
}

absl::Time TimeFromProto(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

google::protobuf::Timestamp TimeToProto(absl::Time time) {
  const absl::Time seconds = absl::FromUnixSeconds(absl::ToUnixSeconds(time));
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(absl::ToUnixSeconds(time));
  timestamp.set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(time - seconds)));
  return timestamp;
}

std::vector<const google::protobuf::FileDescriptor*> DomainSchemaFiles() {
  // Naming a type of each file also makes sure the linker keeps (and registers) it.
  return {
      v1::Content::descriptor()->file(),        v1::VictimReferral::descriptor()->file(),
      v1::SmugglingAlert::descriptor()->file(), v1::InfoRequest::descriptor()->file(),
      v1::Bulletin::descriptor()->file(),       v1::LegislationMatrixUpdate::descriptor()->file(),
      v1::Party::descriptor()->file(),          v1::FieldIssue::descriptor()->file()};
}

std::string ContentToBinary(const v1::Content& content) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  content.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

}  // namespace enlace::domain
