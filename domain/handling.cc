#include "domain/handling.h"

#include <string>
#include <utility>

#include "domain/content.h"
#include "domain/formats.h"
#include "domain/issues.h"
#include "google/protobuf/util/message_differencer.h"

namespace enlace::domain {
namespace {

// The first message id and originator of a chain of forwards.
struct Origin {
  std::string message_id;
  std::string originator;
};

Origin OriginOf(const v1::Content& original, absl::string_view message_id,
                absl::string_view sender) {
  if (original.has_forwarded()) {
    return {original.forwarded().original_message_id(), original.forwarded().originator()};
  }
  return {std::string(message_id), std::string(sender)};
}

absl::Status Mismatch(absl::string_view path, absl::string_view what, absl::string_view original,
                      absl::string_view forward) {
  return IssueStatus(absl::StatusCode::kInvalidArgument,
                     MakeIssue(path, v1::DOMAIN_ERROR_FORWARD_MISMATCH, {what, original, forward}));
}

}  // namespace

absl::optional<v1::Handling> HandlingOf(const v1::Content& content) {
  switch (content.body_case()) {
    case v1::Content::kSmugglingAlert:
      return content.smuggling_alert().handling();
    case v1::Content::kAlertFeedback:
      return content.alert_feedback().handling();
    case v1::Content::kInfoRequest:
      return content.info_request().handling();
    case v1::Content::kInfoResponse:
      return content.info_response().handling();
    default:
      return absl::nullopt;
  }
}

v1::Tlp TlpOf(const v1::Content& content) {
  switch (content.body_case()) {
    case v1::Content::kBulletin:
      return content.bulletin().tlp();
    case v1::Content::kDocument:
      return content.document().tlp();
    default:
      return v1::TLP_UNSPECIFIED;
  }
}

absl::optional<v1::FieldIssue> ForwardRefusal(const v1::Content& content, absl::string_view path) {
  if (content.has_victim_referral() || content.has_referral_status()) {
    return MakeIssue(path, v1::DOMAIN_ERROR_FORWARD_PERSONAL_DATA,
                     {IssueArg::Code(KindOf(content))});
  }
  const absl::optional<v1::Handling> handling = HandlingOf(content);
  if (handling.has_value() && handling->code() == v1::HANDLING_CODE_H2) {
    return MakeIssue(path, v1::DOMAIN_ERROR_FORWARD_HANDLING_H2);
  }
  const v1::Tlp tlp = TlpOf(content);
  if (tlp == v1::TLP_AMBER || tlp == v1::TLP_AMBER_STRICT || tlp == v1::TLP_RED) {
    return MakeIssue(path, v1::DOMAIN_ERROR_FORWARD_TLP, {IssueArg::Code(tlp)});
  }
  return absl::nullopt;
}

absl::StatusOr<v1::Content> BuildForward(const v1::Content& original,
                                         absl::string_view original_message_id,
                                         absl::string_view original_sender,
                                         absl::string_view forwarded_by, absl::string_view note) {
  if (absl::optional<v1::FieldIssue> refusal = ForwardRefusal(original, "")) {
    return IssueStatus(absl::StatusCode::kPermissionDenied, *std::move(refusal));
  }
  if (!IsReference(original_message_id)) {
    return IssueStatus(
        absl::StatusCode::kInvalidArgument,
        MakeIssue("forwarded.original_message_id", v1::DOMAIN_ERROR_INVALID_REFERENCE,
                  {original_message_id.substr(0, 64)}));
  }
  for (const auto& [path, id] :
       {std::pair<const char*, absl::string_view>("forwarded.originator", original_sender),
        {"forwarded.forwarded_by", forwarded_by}}) {
    if (!IsParticipantId(id)) {
      return IssueStatus(
          absl::StatusCode::kInvalidArgument,
          MakeIssue(path, v1::DOMAIN_ERROR_INVALID_PARTICIPANT_ID, {id.substr(0, 80)}));
    }
  }
  const Origin origin = OriginOf(original, original_message_id, original_sender);
  v1::Content forward = original;
  v1::ForwardInfo* info = forward.mutable_forwarded();
  info->set_original_message_id(origin.message_id);
  info->set_originator(origin.originator);
  info->set_forwarded_by(std::string(forwarded_by));
  info->set_note(std::string(note));
  return forward;
}

absl::Status CheckForward(const v1::Content& original, absl::string_view original_message_id,
                          absl::string_view original_sender, const v1::Content& forward) {
  if (absl::optional<v1::FieldIssue> refusal = ForwardRefusal(original, "")) {
    return IssueStatus(absl::StatusCode::kPermissionDenied, *std::move(refusal));
  }
  if (!forward.has_forwarded()) {
    return IssueStatus(absl::StatusCode::kInvalidArgument,
                       MakeIssue("forwarded", v1::DOMAIN_ERROR_REQUIRED));
  }
  const Origin origin = OriginOf(original, original_message_id, original_sender);
  const v1::ForwardInfo& info = forward.forwarded();
  if (info.original_message_id() != origin.message_id) {
    return Mismatch("forwarded.original_message_id", "original_message_id", origin.message_id,
                    info.original_message_id());
  }
  if (info.originator() != origin.originator) {
    return Mismatch("forwarded.originator", "originator", origin.originator, info.originator());
  }
  // The body, and with it the handling code or TLP marking, must be the original's.
  v1::Content original_body = original;
  original_body.clear_forwarded();
  v1::Content forward_body = forward;
  forward_body.clear_forwarded();
  if (!google::protobuf::util::MessageDifferencer::Equals(original_body, forward_body)) {
    const absl::optional<v1::Handling> before = HandlingOf(original);
    const absl::optional<v1::Handling> after = HandlingOf(forward);
    if (before.has_value() && after.has_value() && before->code() != after->code()) {
      return Mismatch("", "handling", v1::HandlingCode_Name(before->code()),
                      v1::HandlingCode_Name(after->code()));
    }
    if (TlpOf(original) != TlpOf(forward)) {
      return Mismatch("", "tlp", v1::Tlp_Name(TlpOf(original)), v1::Tlp_Name(TlpOf(forward)));
    }
    return Mismatch("", "body", "as sent", "changed");
  }
  return absl::OkStatus();
}

}  // namespace enlace::domain
