#include "node/cli.h"

#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "base/files.h"
#include "base/status_macros.h"
#include "base/time.h"
#include "crypto/hash.h"
#include "domain/content.h"
#include "domain/issues.h"
#include "domain/json.h"
#include "enlace/v1/domain_issues.pb.h"
#include "enlace/v1/node_service.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "node/attachments.h"
#include "node/cli_prompts.h"
#include "node/cli_render.h"
#include "node/text.h"

namespace enlace::node {
namespace {

constexpr int kExitRefused = 1;
constexpr int kExitUsage = 2;
constexpr int kExitUnreachable = 3;
// Attachment bytes per message of the local API's streams.
constexpr size_t kPiece = 1 << 20;

// What the parsed command line asks for.
struct Args {
  std::string socket;
  bool json = false;
  std::string lang;
  // send
  std::string kind;
  std::string file;
  std::vector<std::string> to;
  std::vector<std::string> attach;
  // export
  uint32_t attachment = 0;
  std::string out;
  // status / respond / request / bulletin / forward
  std::string id;
  std::string step;
  std::string note;
  std::string reason;
  std::string subject;
  std::string question;
  std::string deadline;
  std::string topic = "COORDINATION";
  std::string urgency = "ROUTINE";
  std::string handling = "H1";
  std::string related;
  std::string answer;
  std::string response_status = "ANSWERED";
  std::string feedback = "ACKNOWLEDGED";
  std::string title_es, title_en, body_es, body_en;
  std::string tlp = "GREEN";
  // listings
  bool unread = false;
  bool overdue = false;
  std::string list_kind;
  uint32_t limit = 100;
};

absl::Status Errno(absl::string_view what, absl::string_view path) {
  return absl::FailedPreconditionError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

absl::Status WriteAll(int fd, absl::string_view data, absl::string_view path) {
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Errno("cannot write", path);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

// A talk with the daemon: one channel, the caller's identity and the view it asked for.
class Session {
 public:
  Session(const Args& args, const CliContext& context) : args_(args), context_(context) {}

  // Connects and asks who we are. Returns 0, or the exit status to stop with.
  int Connect() {
    stub_ = v1::NodeLocal::NewStub(
        grpc::CreateChannel("unix:" + args_.socket, grpc::InsecureChannelCredentials()));
    grpc::ClientContext call;
    call.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    grpc::Status status = stub_->Whoami(&call, v1::WhoamiRequest(), &me_);
    view_.language = LanguageOr(args_.lang, domain::Language::kSpanish);
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
        status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      *context_.err << "enlace: no se puede contactar con el nodo en " << args_.socket
                    << " (¿está en marcha enlace-node?)\n"
                    << "enlace: cannot reach the node at " << args_.socket
                    << " (is enlace-node running?)\n";
      return kExitUnreachable;
    }
    if (!status.ok()) return Fail(status);
    view_.language = LanguageOr(args_.lang, LanguageOr(me_.language(), domain::Language::kSpanish));
    view_.time_zone = me_.time_zone().empty() ? "UTC" : me_.time_zone();
    return 0;
  }

  const View& view() const { return view_; }
  const v1::WhoamiResponse& me() const { return me_; }
  std::string lang() const { return std::string(domain::LanguageTag(view_.language)); }

  // Prints a refusal and returns the exit status.
  int Fail(const grpc::Status& status) {
    v1::ValidationReport report;
    report.ParseFromString(status.error_details());
    if (args_.json) {
      nlohmann::json error{{"code", CodeName(status.error_code())},
                           {"message", status.error_message()},
                           {"issues", nlohmann::json::array()}};
      for (const v1::FieldIssue& issue : report.issues()) {
        error["issues"].push_back(nlohmann::json::parse(ToJson(issue)));
      }
      *context_.out << nlohmann::json{{"error", error}}.dump(2) << "\n";
    } else {
      *context_.err << "enlace: " << status.error_message() << "\n";
    }
    return kExitRefused;
  }

  // Prints a local problem (before anything was sent) and returns the exit status.
  int FailLocal(const absl::Status& status) {
    return Fail(grpc::Status(static_cast<grpc::StatusCode>(status.code()), LocalMessage(status),
                             IssuesDetails(status)));
  }

  template <typename Request, typename Response>
  int Call(grpc::Status (v1::NodeLocal::Stub::*method)(grpc::ClientContext*, const Request&,
                                                       Response*),
           const Request& request,
           const std::function<void(const Response&, const View&, std::ostream&)>& print) {
    grpc::ClientContext call;
    call.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(120)));
    Response response;
    grpc::Status status = (stub_.get()->*method)(&call, request, &response);
    if (!status.ok()) return Fail(status);
    Print(response, print);
    return 0;
  }

  // JSON with --json, else the readable form.
  template <typename Response>
  void Print(const Response& response,
             const std::function<void(const Response&, const View&, std::ostream&)>& print) {
    if (args_.json) {
      *context_.out << ToJson(response);
    } else {
      print(response, view_, *context_.out);
    }
  }

  // The answer without printing it (for lookups before a command).
  template <typename Request, typename Response>
  grpc::Status Ask(grpc::Status (v1::NodeLocal::Stub::*method)(grpc::ClientContext*, const Request&,
                                                               Response*),
                   const Request& request, Response* response) {
    grpc::ClientContext call;
    call.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    return (stub_.get()->*method)(&call, request, response);
  }

  // Sends `content`; with `attachments` (one per reference, in order) through
  // SendWithAttachments, in pieces of kPiece.
  int Send(v1::Content content, const std::vector<std::string>& to,
           const std::vector<Bytes>& attachments = {}) {
    v1::SendRequest request;
    *request.mutable_content() = std::move(content);
    for (const std::string& r : to) request.add_to(r);
    request.set_lang(lang());
    if (attachments.empty()) {
      return Call<v1::SendRequest, v1::SendResponse>(&v1::NodeLocal::Stub::Send, request,
                                                     PrintSend);
    }
    size_t pieces = 0;
    for (const Bytes& body : attachments) pieces += body.size() / kPiece + 1;
    grpc::ClientContext call;
    call.set_deadline(
        absl::ToChronoTime(absl::Now() + absl::Seconds(120) + absl::Seconds(2 * pieces)));
    v1::SendResponse response;
    std::unique_ptr<grpc::ClientWriter<v1::SendPart>> writer =
        stub_->SendWithAttachments(&call, &response);
    v1::SendPart first;
    *first.mutable_request() = std::move(request);
    bool open = writer->Write(first);
    for (size_t i = 0; open && i < attachments.size(); ++i) {
      // At least one piece per attachment, so that each one is announced.
      for (size_t offset = 0; open && (offset == 0 || offset < attachments[i].size());
           offset += kPiece) {
        v1::SendPart part;
        part.mutable_attachment()->set_index(static_cast<uint32_t>(i));
        part.mutable_attachment()->set_data(attachments[i].substr(offset, kPiece));
        open = writer->Write(part);
      }
    }
    if (open) writer->WritesDone();
    grpc::Status status = writer->Finish();
    if (!status.ok()) return Fail(status);
    Print<v1::SendResponse>(response, PrintSend);
    return 0;
  }

  // Streams attachment `index` of `message_id` into a new file `out` (mode 0600), checking its
  // size and SHA-256 against the reference that comes first; nothing is left at `out` unless
  // they match.
  int ExportAttachment(const std::string& message_id, uint32_t index, const std::string& out) {
    struct stat existing;
    if (lstat(out.c_str(), &existing) == 0) {
      return FailLocal(NodeError(absl::StatusCode::kAlreadyExists,
                                 absl::StrCat(out, " ya existe: no se sobrescribe"),
                                 absl::StrCat(out, " exists: it is not overwritten")));
    }
    v1::ExportAttachmentRequest request;
    request.set_message_id(message_id);
    request.set_index(index);
    request.set_lang(lang());
    grpc::ClientContext call;
    call.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(600)));
    std::unique_ptr<grpc::ClientReader<v1::ExportAttachmentPart>> reader =
        stub_->ExportAttachment(&call, request);
    const std::string partial = out + ".partial";
    v1::ExportAttachmentPart part;
    v1::Attachment attachment;
    absl::Status written = absl::OkStatus();
    int fd = -1;
    absl::StatusOr<Sha256Hasher> hasher = Sha256Hasher::Create();
    uint64_t size = 0;
    while (written.ok() && reader->Read(&part)) {
      if (part.has_attachment() && fd < 0) {
        attachment = part.attachment();
        fd = open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) written = Errno("cannot create", partial);
      } else if (fd < 0 || part.has_attachment()) {
        written = absl::DataLossError("the node's answer is out of order");
      } else {
        size += part.data().size();
        written = hasher.ok() ? hasher->Update(part.data()) : hasher.status();
        if (written.ok()) written = WriteAll(fd, part.data(), partial);
      }
    }
    if (!written.ok()) call.TryCancel();
    grpc::Status status = reader->Finish();
    if (fd >= 0) {
      if (written.ok() && fsync(fd) != 0) written = Errno("cannot sync", partial);
      close(fd);
    }
    if (written.ok() && status.ok()) {
      absl::StatusOr<Sha256Digest> digest = hasher.ok() ? hasher->Finish() : hasher.status();
      if (!digest.ok()) {
        written = digest.status();
      } else if (size != attachment.size_bytes() ||
                 HexEncode(DigestBytes(*digest)) != attachment.sha256()) {
        written = NodeError(
            absl::StatusCode::kDataLoss,
            absl::StrCat("el adjunto recibido no coincide con su referencia (", size,
                         " bytes, se esperaban ", attachment.size_bytes(), "); no se guardó"),
            absl::StrCat("the attachment received does not match its reference (", size,
                         " bytes, expected ", attachment.size_bytes(), "); nothing was saved"));
      } else if (rename(partial.c_str(), out.c_str()) != 0) {
        written = Errno(absl::StrCat("cannot rename ", partial, " to"), out);
      }
    }
    if (!written.ok() || !status.ok()) unlink(partial.c_str());
    if (!status.ok()) return Fail(status);
    if (!written.ok()) return FailLocal(written);
    if (args_.json) {
      nlohmann::json result{{"message_id", message_id},
                            {"attachment", index + 1},
                            {"reference", nlohmann::json::parse(ToJson(attachment))},
                            {"out", out}};
      *context_.out << result.dump(2) << "\n";
    } else {
      *context_.out << view_.T("Adjunto ", "Attachment ") << index + 1 << " «" << attachment.name()
                    << "» (" << size
                    << view_.T(" bytes, SHA-256 comprobado) guardado en ",
                               " bytes, SHA-256 checked) saved to ")
                    << out << "\n";
    }
    return 0;
  }

 private:
  std::string LocalMessage(const absl::Status& status) const {
    std::vector<v1::FieldIssue> issues = domain::IssuesFromStatus(status);
    if (issues.empty()) return std::string(status.message());
    std::vector<std::string> lines;
    for (const v1::FieldIssue& issue : issues) {
      const std::string& text = IssueText(issue, view_.language);
      lines.push_back(issue.path().empty() ? text : absl::StrCat(issue.path(), ": ", text));
    }
    return absl::StrJoin(lines, "\n");
  }

  static std::string IssuesDetails(const absl::Status& status) {
    v1::ValidationReport report;
    for (v1::FieldIssue& issue : domain::IssuesFromStatus(status)) *report.add_issues() = issue;
    return report.SerializeAsString();
  }

  static std::string CodeName(grpc::StatusCode code) {
    return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  }

  const Args& args_;
  const CliContext& context_;
  std::unique_ptr<v1::NodeLocal::Stub> stub_;
  v1::WhoamiResponse me_;
  View view_;
};

// The enum value named `text` (with or without its prefix, any case), or INVALID_ARGUMENT
// listing the allowed names.
template <typename E>
absl::StatusOr<E> ParseEnum(absl::string_view text, absl::string_view prefix) {
  const google::protobuf::EnumDescriptor* type = google::protobuf::GetEnumDescriptor<E>();
  std::string upper = absl::AsciiStrToUpper(text);
  for (const std::string& name : {absl::StrCat(prefix, upper), upper}) {
    const google::protobuf::EnumValueDescriptor* value = type->FindValueByName(name);
    if (value != nullptr && value->number() != 0) return static_cast<E>(value->number());
  }
  std::vector<std::string> allowed;
  for (int i = 1; i < type->value_count(); ++i) {
    allowed.push_back(type->value(i)->name().substr(prefix.size()));
  }
  std::string list = absl::StrJoin(allowed, ", ");
  return NodeError(absl::StatusCode::kInvalidArgument,
                   absl::StrCat("«", text, "» no es válido; valores: ", list),
                   absl::StrCat("\"", text, "\" is not valid; allowed: ", list));
}

// A deadline: RFC 3339, or a number of days ("7d") or hours ("48h") from now.
absl::StatusOr<absl::Time> ParseWhen(absl::string_view text, absl::Time now) {
  int64_t amount = 0;
  if (text.size() > 1 && absl::SimpleAtoi(text.substr(0, text.size() - 1), &amount) && amount > 0) {
    if (text.back() == 'd') return now + absl::Hours(24 * amount);
    if (text.back() == 'h') return now + absl::Hours(amount);
  }
  absl::StatusOr<absl::Time> time = ParseUtc(text);
  if (!time.ok()) {
    return NodeError(absl::StatusCode::kInvalidArgument,
                     absl::StrCat("fecha «", text,
                                  "» no válida: use 2026-12-01T17:00:00Z, 7d (días) o 48h (horas)"),
                     absl::StrCat("date \"", text,
                                  "\" is not valid: use 2026-12-01T17:00:00Z, 7d (days) or 48h"));
  }
  return time;
}

v1::Handling MakeHandling(v1::HandlingCode code) {
  v1::Handling handling;
  handling.set_code(code);
  return handling;
}

// The body kind each `send` kind expects.
const std::map<std::string, v1::Content::BodyCase>& SendKinds() {
  static const auto* kinds = new std::map<std::string, v1::Content::BodyCase>{
      {"referral", v1::Content::kVictimReferral},
      {"status", v1::Content::kReferralStatus},
      {"alert", v1::Content::kSmugglingAlert},
      {"feedback", v1::Content::kAlertFeedback},
      {"request", v1::Content::kInfoRequest},
      {"response", v1::Content::kInfoResponse},
      {"bulletin", v1::Content::kBulletin},
      {"document", v1::Content::kDocument},
      {"matrix", v1::Content::kLegislationMatrixUpdate},
  };
  return *kinds;
}

// The media type of a file, from its extension (the common office, image and text formats).
std::string MediaTypeOf(absl::string_view path) {
  static const auto* types = new std::map<std::string, std::string>{
      {"pdf", "application/pdf"},
      {"doc", "application/msword"},
      {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
      {"xls", "application/vnd.ms-excel"},
      {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
      {"ppt", "application/vnd.ms-powerpoint"},
      {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
      {"odt", "application/vnd.oasis.opendocument.text"},
      {"ods", "application/vnd.oasis.opendocument.spreadsheet"},
      {"txt", "text/plain"},
      {"csv", "text/csv"},
      {"json", "application/json"},
      {"xml", "application/xml"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"png", "image/png"},
      {"zip", "application/zip"},
  };
  const size_t dot = path.rfind('.');
  if (dot == absl::string_view::npos || path.find('/', dot) != absl::string_view::npos) {
    return "application/octet-stream";
  }
  auto it = types->find(absl::AsciiStrToLower(path.substr(dot + 1)));
  return it == types->end() ? "application/octet-stream" : it->second;
}

// The list new attachments of `content` go to (null for kinds whose lists are not at the top of
// their body, e.g. a matrix update's entries, and kinds without attachments).
google::protobuf::RepeatedPtrField<v1::Attachment>* AttachmentList(v1::Content& content) {
  switch (content.body_case()) {
    case v1::Content::kBulletin:
      return content.mutable_bulletin()->mutable_attachments();
    case v1::Content::kDocument:
      return content.mutable_document()->mutable_attachments();
    case v1::Content::kInfoRequest:
      return content.mutable_info_request()->mutable_attachments();
    case v1::Content::kInfoResponse:
      return content.mutable_info_response()->mutable_attachments();
    default:
      return nullptr;
  }
}

// Reads the --attach files and matches them with the content's attachment references: a file
// with the SHA-256 a reference gives supplies that reference's bytes; any other file is added to
// the content's attachment list (its name, media type by extension, size and SHA-256). Returns
// one body per reference, in the content's order (node/attachments.h).
absl::StatusOr<std::vector<Bytes>> AttachFiles(const std::vector<std::string>& files,
                                               v1::Content& content) {
  std::map<std::string, Bytes> by_sha256;
  for (const std::string& path : files) {
    absl::StatusOr<Bytes> body = ReadFile(path, kMaxAttachmentBytes);
    if (!body.ok()) {
      return NodeError(body.status().code(),
                       absl::StrCat("adjunto ", path, ": ", body.status().message()),
                       absl::StrCat("attachment ", path, ": ", body.status().message()));
    }
    ASSIGN_OR_RETURN(Sha256Digest digest, Sha256(*body));
    const std::string sha256 = HexEncode(DigestBytes(digest));
    bool listed = false;
    for (const v1::Attachment* ref : AttachmentRefs(content)) listed |= ref->sha256() == sha256;
    if (!listed) {
      google::protobuf::RepeatedPtrField<v1::Attachment>* list = AttachmentList(content);
      if (list == nullptr) {
        return NodeError(absl::StatusCode::kInvalidArgument,
                         absl::StrCat("este tipo de mensaje lleva solo los adjuntos que su JSON "
                                      "enumera; ",
                                      path, " no es ninguno de ellos (SHA-256 ", sha256, ")"),
                         absl::StrCat("this kind of message carries only the attachments its "
                                      "JSON lists; ",
                                      path, " is none of them (SHA-256 ", sha256, ")"));
      }
      v1::Attachment* added = list->Add();
      const size_t slash = path.rfind('/');
      added->set_name(slash == std::string::npos ? path : path.substr(slash + 1));
      added->set_media_type(MediaTypeOf(path));
      added->set_size_bytes(body->size());
      added->set_sha256(sha256);
    }
    by_sha256[sha256] = *std::move(body);
  }
  std::vector<Bytes> bodies;
  const std::vector<const v1::Attachment*> refs = AttachmentRefs(content);
  for (size_t i = 0; i < refs.size(); ++i) {
    auto it = by_sha256.find(refs[i]->sha256());
    if (it == by_sha256.end()) {
      return NodeError(
          absl::StatusCode::kInvalidArgument,
          absl::StrCat("el adjunto ", i + 1, " («", refs[i]->name(),
                       "») no tiene archivo: dé --attach con el archivo de SHA-256 ",
                       refs[i]->sha256()),
          absl::StrCat("attachment ", i + 1, " (\"", refs[i]->name(),
                       "\") has no file: give --attach with the file whose SHA-256 is ",
                       refs[i]->sha256()));
    }
    bodies.push_back(it->second);
  }
  return bodies;
}

int RunSend(Session& session, const Args& args, const CliContext& context) {
  v1::Content content;
  if (!args.file.empty()) {
    absl::StatusOr<std::string> text = ReadFile(args.file, domain::kMaxJsonBytes);
    if (!text.ok()) return session.FailLocal(text.status());
    absl::StatusOr<v1::Content> parsed = domain::ContentFromJson(*text);
    if (!parsed.ok()) return session.FailLocal(parsed.status());
    content = std::move(*parsed);
    if (content.body_case() != SendKinds().at(args.kind)) {
      return session.FailLocal(NodeError(
          absl::StatusCode::kInvalidArgument,
          absl::StrCat(args.file, " contiene un «",
                       domain::LabelOf(domain::KindOf(content), domain::Language::kSpanish),
                       "», no un «", args.kind, "»"),
          absl::StrCat(args.file, " holds a \"",
                       domain::LabelOf(domain::KindOf(content), domain::Language::kEnglish),
                       "\", not a \"", args.kind, "\"")));
    }
  } else if (args.kind == "referral" || args.kind == "alert") {
    Prompter prompter(*context.in, *context.err, session.view(), context.random, context.clock);
    absl::StatusOr<v1::Content> guided = args.kind == "referral"
                                             ? prompter.Referral(session.me())
                                             : prompter.Alert(session.me(), args.to);
    if (!guided.ok()) return session.FailLocal(guided.status());
    content = std::move(*guided);
  } else {
    return session.FailLocal(NodeError(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat("«send ", args.kind,
                     "» necesita --file (solo referral y alert tienen preguntas guiadas)"),
        absl::StrCat("\"send ", args.kind,
                     "\" needs --file (only referral and alert are guided)")));
  }
  // An alert addressed with --to alone gets its target countries from it.
  if (content.has_smuggling_alert() && content.smuggling_alert().target_countries().empty()) {
    for (const std::string& to : args.to) {
      content.mutable_smuggling_alert()->add_target_countries(
          to.rfind("node/", 0) == 0 ? to.substr(5) : to);
    }
  }
  absl::StatusOr<std::vector<Bytes>> attachments = AttachFiles(args.attach, content);
  if (!attachments.ok()) return session.FailLocal(attachments.status());
  return session.Send(std::move(content), args.to, *attachments);
}

int RunStatus(Session& session, const Args& args, const CliContext& context) {
  absl::StatusOr<v1::ReferralState> state =
      ParseEnum<v1::ReferralState>(args.step, "REFERRAL_STATE_");
  if (!state.ok()) return session.FailLocal(state.status());
  v1::Content content;
  v1::ReferralStatus& status = *content.mutable_referral_status();
  status.set_case_ref(args.id);
  status.set_state(*state);
  status.set_note(args.note);
  *status.mutable_effective_at() = domain::TimeToProto(context.clock->Now());
  if (!args.reason.empty()) {
    absl::Status reason_ok = absl::OkStatus();
    if (*state == v1::REFERRAL_STATE_DECLINED) {
      absl::StatusOr<v1::DeclineReason> r =
          ParseEnum<v1::DeclineReason>(args.reason, "DECLINE_REASON_");
      if (r.ok()) status.set_decline_reason(*r);
      reason_ok = r.status();
    } else if (*state == v1::REFERRAL_STATE_CLOSED) {
      absl::StatusOr<v1::CloseReason> r = ParseEnum<v1::CloseReason>(args.reason, "CLOSE_REASON_");
      if (r.ok()) status.set_close_reason(*r);
      reason_ok = r.status();
    } else if (*state == v1::REFERRAL_STATE_WITHDRAWN) {
      absl::StatusOr<v1::WithdrawReason> r =
          ParseEnum<v1::WithdrawReason>(args.reason, "WITHDRAW_REASON_");
      if (r.ok()) status.set_withdraw_reason(*r);
      reason_ok = r.status();
    } else {
      reason_ok = NodeError(absl::StatusCode::kInvalidArgument,
                            "--reason solo vale con DECLINED, CLOSED o WITHDRAWN",
                            "--reason only goes with DECLINED, CLOSED or WITHDRAWN");
    }
    if (!reason_ok.ok()) return session.FailLocal(reason_ok);
  }
  content.set_language(session.lang());
  return session.Send(std::move(content), {});
}

int RunRequest(Session& session, const Args& args, const CliContext& context) {
  absl::StatusOr<v1::RequestTopic> topic =
      ParseEnum<v1::RequestTopic>(args.topic, "REQUEST_TOPIC_");
  if (!topic.ok()) return session.FailLocal(topic.status());
  absl::StatusOr<v1::Urgency> urgency = ParseEnum<v1::Urgency>(args.urgency, "URGENCY_");
  if (!urgency.ok()) return session.FailLocal(urgency.status());
  absl::StatusOr<v1::HandlingCode> handling =
      ParseEnum<v1::HandlingCode>(args.handling, "HANDLING_CODE_");
  if (!handling.ok()) return session.FailLocal(handling.status());
  absl::StatusOr<absl::Time> deadline = ParseWhen(args.deadline, context.clock->Now());
  if (!deadline.ok()) return session.FailLocal(deadline.status());
  absl::StatusOr<std::string> ref = domain::NewReference(*context.random);
  if (!ref.ok()) return session.FailLocal(ref.status());
  v1::Content content;
  v1::InfoRequest& request = *content.mutable_info_request();
  request.set_request_ref(*ref);
  *request.mutable_requester() = PartyOf(session.me());
  request.set_topic(*topic);
  request.set_subject(args.subject);
  request.set_question(args.question);
  *request.mutable_deadline() = domain::TimeToProto(*deadline);
  request.set_related_ref(args.related);
  request.set_urgency(*urgency);
  *request.mutable_handling() = MakeHandling(*handling);
  content.set_language(session.lang());
  return session.Send(std::move(content), args.to);
}

int RunRespond(Session& session, const Args& args, const CliContext& context) {
  v1::ListCasesRequest lookup;
  lookup.set_lang(session.lang());
  v1::ListCasesResponse cases;
  grpc::Status found = session.Ask(&v1::NodeLocal::Stub::ListCases, lookup, &cases);
  if (!found.ok()) return session.Fail(found);
  const v1::CaseSummary* target = nullptr;
  for (const v1::CaseSummary& c : cases.cases()) {
    if (c.ref() == args.id) target = &c;
  }
  if (target == nullptr || target->kind() == v1::CASE_KIND_REFERRAL) {
    return session.FailLocal(
        NodeError(absl::StatusCode::kNotFound,
                  absl::StrCat("ninguna alerta ni solicitud «", args.id,
                               "» a la que responder (para derivaciones use «enlace status»)"),
                  absl::StrCat("no alert or request \"", args.id,
                               "\" to respond to (for referrals use \"enlace status\")")));
  }
  absl::StatusOr<v1::HandlingCode> handling =
      ParseEnum<v1::HandlingCode>(args.handling, "HANDLING_CODE_");
  if (!handling.ok()) return session.FailLocal(handling.status());
  const absl::Time now = context.clock->Now();
  v1::Content content;
  content.set_language(session.lang());
  if (target->kind() == v1::CASE_KIND_ALERT) {
    absl::StatusOr<v1::FeedbackType> type =
        ParseEnum<v1::FeedbackType>(args.feedback, "FEEDBACK_TYPE_");
    if (!type.ok()) return session.FailLocal(type.status());
    v1::AlertFeedback& feedback = *content.mutable_alert_feedback();
    feedback.set_alert_ref(args.id);
    feedback.set_revision(target->alert_revision());
    feedback.set_type(*type);
    *feedback.mutable_responder() = PartyOf(session.me());
    feedback.set_note(args.note);
    *feedback.mutable_handling() = MakeHandling(*handling);
    if (*type == v1::FEEDBACK_TYPE_HIT || *type == v1::FEEDBACK_TYPE_ADDITIONAL_INFORMATION) {
      feedback.mutable_grading()->set_source(v1::SOURCE_RELIABILITY_B);
      feedback.mutable_grading()->set_information(v1::INFORMATION_ASSESSMENT_2);
    }
    if (*type == v1::FEEDBACK_TYPE_HIT) *feedback.mutable_observed_at() = domain::TimeToProto(now);
  } else {
    absl::StatusOr<v1::ResponseStatus> status =
        ParseEnum<v1::ResponseStatus>(args.response_status, "RESPONSE_STATUS_");
    if (!status.ok()) return session.FailLocal(status.status());
    v1::InfoResponse& response = *content.mutable_info_response();
    response.set_request_ref(args.id);
    *response.mutable_responder() = PartyOf(session.me());
    response.set_status(*status);
    response.set_answer(args.answer);
    *response.mutable_handling() = MakeHandling(*handling);
    *response.mutable_answered_at() = domain::TimeToProto(now);
  }
  return session.Send(std::move(content), {});
}

int RunBulletin(Session& session, const Args& args, const CliContext& context) {
  absl::StatusOr<v1::Tlp> tlp = ParseEnum<v1::Tlp>(args.tlp, "TLP_");
  if (!tlp.ok()) return session.FailLocal(tlp.status());
  absl::StatusOr<std::string> ref = domain::NewReference(*context.random);
  if (!ref.ok()) return session.FailLocal(ref.status());
  v1::Content content;
  v1::Bulletin& bulletin = *content.mutable_bulletin();
  bulletin.set_bulletin_ref(*ref);
  *bulletin.mutable_issuer() = PartyOf(session.me());
  bulletin.mutable_title()->set_es(args.title_es);
  bulletin.mutable_title()->set_en(args.title_en);
  bulletin.mutable_body()->set_es(args.body_es);
  bulletin.mutable_body()->set_en(args.body_en);
  bulletin.set_tlp(*tlp);
  *bulletin.mutable_published_at() = domain::TimeToProto(context.clock->Now());
  content.set_language(session.lang());
  absl::StatusOr<std::vector<Bytes>> attachments = AttachFiles(args.attach, content);
  if (!attachments.ok()) return session.FailLocal(attachments.status());
  return session.Send(std::move(content), args.to, *attachments);
}

void PrintBackup(const v1::BackupResponse& r, const View& view, std::ostream& out) {
  out << view.T("Copia del almacén del nodo: ", "Backup of the node's store: ") << r.path() << "\n"
      << view.T("  mensajes: ", "  messages: ") << r.items()
      << view.T(
             "; para restaurarla, detenga enlace-node y ponga esta carpeta en lugar de "
             "<data_dir>/store",
             "; to restore it, stop enlace-node and put this folder in place of "
             "<data_dir>/store")
      << "\n";
}

CLI::App* Sub(CLI::App& app, const std::string& name, const std::string& description,
              const std::string& footer) {
  CLI::App* sub = app.add_subcommand(name, description);
  if (!footer.empty()) sub->footer(footer);
  return sub;
}

}  // namespace

int RunCli(int argc, const char* const* argv, const CliContext& context) {
  Args args;
  args.socket = context.default_socket;
  CLI::App app(
      "enlace: send, receive and follow referrals, alerts, requests and bulletins through this "
      "country's enlace node (the enlace-node daemon on this machine).\n"
      "enlace: enviar, recibir y seguir derivaciones, alertas, solicitudes y boletines a través "
      "del nodo enlace de este país.",
      "enlace");
  app.set_help_all_flag("--help-all", "Print the help of every subcommand");
  app.add_option("--socket", args.socket,
                 "The node daemon's Unix socket (default $ENLACE_SOCKET, else "
                 "/run/enlace/node.sock)");
  app.add_flag("--json", args.json,
               "Print the answer as JSON (field names of docs/messages.md), for case-management "
               "systems; errors too, on standard output");
  app.add_option("--lang", args.lang,
                 "Language of tables and messages: es or en (default: the "
                 "node's language)")
      ->check(CLI::IsMember({"es", "en"}));
  app.require_subcommand(1);
  app.footer(
      "Exit status: 0 done; 1 refused (the message says why; validation errors list every "
      "field); 2 usage error; 3 the node daemon cannot be reached.\n"
      "Examples:\n"
      "  enlace send referral --file referral.json\n"
      "  enlace send alert --file alert.json --to GT,HN,SV,MX\n"
      "  enlace inbox --unread\n"
      "  enlace status 3f6c...e1 ACCEPTED --note \"Caso aceptado\"");

  std::function<int(Session&)> run;

  CLI::App* send = Sub(app, "send",
                       "Validate, seal and queue a message. KIND is referral, alert, status, "
                       "feedback, request, response, bulletin, document or matrix. Without "
                       "--file, referral and alert ask their fields one by one.",
                       "The recipients follow from the content when they can (a referral goes "
                       "to its receiving country, an alert to its target countries, a status "
                       "step to the other side of its case); otherwise give --to.\n"
                       "Example: enlace send alert --file alerta.json --to GT,HN,SV,MX");
  std::vector<std::string> kinds;
  for (const auto& [name, body] : SendKinds()) kinds.push_back(name);
  send->add_option("kind", args.kind, "What to send")->required()->check(CLI::IsMember(kinds));
  send->add_option("--file", args.file, "The content as JSON (docs/messages.md)")
      ->check(CLI::ExistingFile);
  send->add_option("--to", args.to,
                   "Recipients: country codes (GT) or participant ids (node/GT, observer/IOM), "
                   "comma-separated, or \"all\"")
      ->delimiter(',');
  send->add_option("--attach", args.attach,
                   "A file to send with the message (repeatable; at most 32 MiB in all). A file "
                   "whose SHA-256 the content's attachments already list gives that one's bytes; "
                   "any other is added to the content's attachments (document, bulletin, "
                   "request, response)")
      ->check(CLI::ExistingFile);
  send->callback([&] { run = [&](Session& s) { return RunSend(s, args, context); }; });

  CLI::App* status = Sub(app, "status",
                         "Take a step in a referral's lifecycle (sent to the other side of the "
                         "case). STEP is a referral state such as RECEIVED, INFO_REQUESTED, "
                         "INFO_PROVIDED, ACCEPTED, DECLINED, RISK_ASSESSMENT, RETURN_PLANNED, "
                         "IN_TRANSIT, RETURN_COMPLETED, ASSISTANCE_STARTED, FOLLOW_UP, CLOSED, "
                         "WITHDRAWN or EXPIRED.",
                         "A step the lifecycle does not allow now, or that the other side must "
                         "take, is refused before anything is sent.\n"
                         "Example: enlace status 3f6c...e1 DECLINED --reason NO_CAPACITY");
  status->add_option("case", args.id, "The case reference (32 hex digits)")->required();
  status->add_option("step", args.step, "The state the case moves to")->required();
  status->add_option("--note", args.note,
                     "A note (required with INFO_REQUESTED and INFO_PROVIDED); no personal data");
  status->add_option("--reason", args.reason,
                     "Why: a DeclineReason (DECLINED), CloseReason (CLOSED) or WithdrawReason "
                     "(WITHDRAWN), e.g. NO_CAPACITY, SERVICES_COMPLETED, SENT_IN_ERROR");
  status->callback([&] { run = [&](Session& s) { return RunStatus(s, args, context); }; });

  CLI::App* request =
      Sub(app, "request", "Ask a question with a deadline (an information request).",
          "Example: enlace request --to GT --subject \"Verificación de documento\" "
          "--question \"¿Es auténtico el pasaporte ...?\" --deadline 7d");
  request->add_option("--to", args.to, "Recipients (country codes or participant ids)")
      ->delimiter(',')
      ->required();
  request->add_option("--subject", args.subject, "Subject line")->required();
  request->add_option("--question", args.question, "The question")->required();
  request
      ->add_option("--deadline", args.deadline,
                   "When the answer is due: 2026-12-01T17:00:00Z, 7d or 48h")
      ->required();
  request->add_option("--topic", args.topic,
                      "TRAFFICKING_CASE, SMUGGLING_CASE, DOCUMENT_VERIFICATION, FAMILY_TRACING, "
                      "LEGISLATION_MATRIX, STATISTICS, COORDINATION (default) or OTHER");
  request->add_option("--urgency", args.urgency, "IMMEDIATE, URGENT or ROUTINE (default)");
  request->add_option("--handling", args.handling, "Handling code H0, H1 (default), H2 or H3");
  request->add_option("--related", args.related, "Reference of a related case, alert or request");
  request->callback([&] { run = [&](Session& s) { return RunRequest(s, args, context); }; });

  CLI::App* respond = Sub(app, "respond",
                          "Answer an information request (--answer) or give feedback on an alert "
                          "(--feedback), to whoever sent it.",
                          "Examples:\n  enlace respond 9a1b...77 --answer \"El documento es "
                          "auténtico\"\n  enlace respond 5c2d...10 --feedback ACKNOWLEDGED");
  respond->add_option("ref", args.id, "The request's or alert's reference")->required();
  respond->add_option("--answer", args.answer, "Requests: the answer");
  respond->add_option("--status", args.response_status,
                      "Requests: ANSWERED (default), PARTIAL, UNABLE_TO_ANSWER or DECLINED");
  respond->add_option("--feedback", args.feedback,
                      "Alerts: ACKNOWLEDGED (default), HIT, NO_HIT or ADDITIONAL_INFORMATION");
  respond->add_option("--note", args.note, "Alerts: details (required for HIT)");
  respond->add_option("--handling", args.handling, "Handling code H0, H1 (default), H2 or H3");
  respond->callback([&] { run = [&](Session& s) { return RunRespond(s, args, context); }; });

  CLI::App* bulletin =
      Sub(app, "bulletin", "Distribute a bulletin in Spanish and English, with files (--attach).",
          "Example: enlace bulletin --to all --title-es \"Boletín 2026-03\" "
          "--title-en \"Bulletin 2026-03\" --body-es ... --body-en ...");
  bulletin->add_option("--to", args.to, "Recipients, or \"all\"")->delimiter(',')->required();
  bulletin->add_option("--title-es", args.title_es, "Title in Spanish")->required();
  bulletin->add_option("--title-en", args.title_en, "Title in English")->required();
  bulletin->add_option("--body-es", args.body_es, "Body in Spanish")->required();
  bulletin->add_option("--body-en", args.body_en, "Body in English")->required();
  bulletin->add_option("--tlp", args.tlp,
                       "TLP marking: CLEAR, GREEN (default), AMBER, "
                       "AMBER_STRICT or RED");
  bulletin
      ->add_option("--attach", args.attach,
                   "A file to attach (repeatable; at most 32 MiB in all); its name, media type, "
                   "size and SHA-256 are listed in the bulletin")
      ->check(CLI::ExistingFile);
  bulletin->callback([&] { run = [&](Session& s) { return RunBulletin(s, args, context); }; });

  CLI::App* inbox = Sub(app, "inbox",
                        "List messages received and sent (newest first); nothing is "
                        "decrypted.",
                        "Example: enlace inbox --unread --kind SMUGGLING_ALERT");
  inbox->add_flag("--unread", args.unread, "Only messages not shown yet");
  inbox->add_option("--kind", args.list_kind,
                    "Only one kind: VICTIM_REFERRAL, REFERRAL_STATUS, SMUGGLING_ALERT, "
                    "ALERT_FEEDBACK, INFO_REQUEST, INFO_RESPONSE, BULLETIN, DOCUMENT, "
                    "LEGISLATION_MATRIX_UPDATE");
  inbox->add_option("--limit", args.limit, "At most this many (default 100, at most 1000)");
  inbox->callback([&] {
    run = [&](Session& s) {
      v1::ListInboxRequest r;
      r.set_unread_only(args.unread);
      if (!args.list_kind.empty()) {
        absl::StatusOr<v1::MessageKind> kind = ParseEnum<v1::MessageKind>(args.list_kind, "KIND_");
        if (!kind.ok()) return s.FailLocal(kind.status());
        r.set_kind(*kind);
      }
      r.set_limit(args.limit);
      r.set_lang(s.lang());
      return s.Call<v1::ListInboxRequest, v1::ListInboxResponse>(&v1::NodeLocal::Stub::ListInbox, r,
                                                                 PrintInbox);
    };
  });

  CLI::App* show = Sub(app, "show",
                       "Show one message with its content (recorded in the node's "
                       "access log; with --json, as an export).",
                       "");
  show->add_option("id", args.id, "The message id (32 hex digits)")->required();
  show->callback([&] {
    run = [&](Session& s) {
      v1::ShowRequest r;
      r.set_message_id(args.id);
      r.set_for_export(args.json);
      r.set_lang(s.lang());
      return s.Call<v1::ShowRequest, v1::ShowResponse>(&v1::NodeLocal::Stub::Show, r, PrintShow);
    };
  });

  CLI::App* thread = Sub(app, "thread",
                         "Show a whole case, alert or request: its state and every "
                         "message, oldest first (recorded in the access log).",
                         "");
  thread->add_option("id", args.id, "A reference, a thread id or a message id")->required();
  thread->callback([&] {
    run = [&](Session& s) {
      v1::ThreadRequest r;
      r.set_id(args.id);
      r.set_for_export(args.json);
      r.set_lang(s.lang());
      return s.Call<v1::ThreadRequest, v1::ThreadResponse>(&v1::NodeLocal::Stub::Thread, r,
                                                           PrintThread);
    };
  });

  CLI::App* export_cmd =
      Sub(app, "export",
          "Save one attachment of a message to a new file (recorded in the node's access log). "
          "Its size and SHA-256 are checked against the message before the file appears.",
          "Example: enlace export 9781...e6 --attachment 1 --out acta.pdf");
  export_cmd->add_option("id", args.id, "The message id (32 hex digits)")->required();
  export_cmd
      ->add_option("--attachment", args.attachment,
                   "Which attachment, as `enlace show` numbers them (1, 2, ...)")
      ->required()
      ->check(CLI::PositiveNumber);
  export_cmd->add_option("--out", args.out, "The file to create (never overwritten)")->required();
  export_cmd->callback([&] {
    run = [&](Session& s) { return s.ExportAttachment(args.id, args.attachment - 1, args.out); };
  });

  CLI::App* cases = Sub(app, "cases",
                        "List referrals, alerts and requests with their state and "
                        "deadlines.",
                        "Example: enlace cases --overdue");
  cases->add_flag("--overdue", args.overdue, "Only those past their deadline");
  cases->add_option("--kind", args.list_kind, "referral, alert or request")
      ->check(CLI::IsMember({"referral", "alert", "request"}));
  cases->callback([&] {
    run = [&](Session& s) {
      v1::ListCasesRequest r;
      r.set_overdue_only(args.overdue);
      if (!args.list_kind.empty()) {
        r.set_kind(args.list_kind == "referral" ? v1::CASE_KIND_REFERRAL
                   : args.list_kind == "alert"  ? v1::CASE_KIND_ALERT
                                                : v1::CASE_KIND_REQUEST);
      }
      r.set_lang(s.lang());
      return s.Call<v1::ListCasesRequest, v1::ListCasesResponse>(&v1::NodeLocal::Stub::ListCases, r,
                                                                 PrintCases);
    };
  });

  CLI::App* forward = Sub(app, "forward",
                          "Forward a received item to other participants. Its handling code and "
                          "originator travel with it; H2 items, TLP AMBER/RED items and referrals "
                          "are never forwarded.",
                          "Example: enlace forward 0c1d...9f --to PA --note \"Ruta relevante\"");
  forward->add_option("id", args.id, "The message id")->required();
  forward->add_option("--to", args.to, "Recipients")->delimiter(',')->required();
  forward->add_option("--note", args.note, "Why it is forwarded");
  forward->callback([&] {
    run = [&](Session& s) {
      v1::ForwardRequest r;
      r.set_message_id(args.id);
      for (const std::string& to : args.to) r.add_to(to);
      r.set_note(args.note);
      r.set_lang(s.lang());
      return s.Call<v1::ForwardRequest, v1::SendResponse>(&v1::NodeLocal::Stub::Forward, r,
                                                          PrintSend);
    };
  });

  Sub(app, "keys",
      "This node's signing and encryption keys and TLS certificate as the directory "
      "lists them (focal point only).",
      "")
      ->callback([&] {
        run = [&](Session& s) {
          v1::KeysRequest r;
          r.set_lang(s.lang());
          return s.Call<v1::KeysRequest, v1::KeysResponse>(&v1::NodeLocal::Stub::Keys, r,
                                                           PrintKeys);
        };
      });
  Sub(app, "doctor",
      "Check the node: hub reachable, certificate expiry, clock offset, directory "
      "age, audit-log consistency, outbox, keys.",
      "Exit status 1 when a check failed.")
      ->callback([&] {
        run = [&](Session& s) {
          v1::DoctorRequest r;
          r.set_lang(s.lang());
          v1::DoctorResponse doctor;
          grpc::Status status = s.Ask(&v1::NodeLocal::Stub::Doctor, r, &doctor);
          if (!status.ok()) return s.Fail(status);
          s.Print<v1::DoctorResponse>(doctor, PrintDoctor);
          return doctor.healthy() ? 0 : kExitRefused;
        };
      });
  Sub(app, "audit",
      "This node's own view of the hub's audit log: tree heads seen, consistency, "
      "inclusion of its submissions, alarms, and the content access log (focal "
      "point only).",
      "")
      ->callback([&] {
        run = [&](Session& s) {
          v1::AuditRequest r;
          r.set_lang(s.lang());
          return s.Call<v1::AuditRequest, v1::AuditResponse>(&v1::NodeLocal::Stub::Audit, r,
                                                             PrintAudit);
        };
      });
  Sub(app, "backup",
      "Make an online backup of this node's store (focal point only): a RocksDB checkpoint "
      "under <data_dir>/backups/ on the node's host, while the node keeps running.",
      "Restore: stop enlace-node, replace <data_dir>/store with the checkpoint's folder, start "
      "it again (docs/operator-guide.md).")
      ->callback([&] {
        run = [&](Session& s) {
          v1::BackupRequest r;
          r.set_lang(s.lang());
          return s.Call<v1::BackupRequest, v1::BackupResponse>(&v1::NodeLocal::Stub::Backup, r,
                                                               PrintBackup);
        };
      });
  Sub(app, "whoami", "Who the node takes you for, and your role.", "")->callback([&] {
    run = [&](Session& s) {
      return s.Call<v1::WhoamiRequest, v1::WhoamiResponse>(&v1::NodeLocal::Stub::Whoami,
                                                           v1::WhoamiRequest(), PrintWhoami);
    };
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e, *context.out, *context.err);
    return code == 0 ? 0 : kExitUsage;
  }
  if (!run) return kExitUsage;
  Session session(args, context);
  int connected = session.Connect();
  if (connected != 0) return connected;
  return run(session);
}

}  // namespace enlace::node
