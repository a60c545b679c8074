// How the `enlace` CLI shows things: readable tables and field lists in Spanish or English, or
// JSON (protobuf's JSON mapping with the .proto field names, so `--json` output parses back into
// the same message).
#ifndef ENLACE_NODE_CLI_RENDER_H_
#define ENLACE_NODE_CLI_RENDER_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "domain/labels.h"
#include "enlace/v1/node_service.pb.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"

namespace enlace::node {

struct View {
  domain::Language language = domain::Language::kSpanish;
  std::string time_zone = "UTC";
  bool es() const { return language == domain::Language::kSpanish; }
  // `es` or `en` by the view's language.
  std::string T(absl::string_view es, absl::string_view en) const {
    return std::string(this->es() ? es : en);
  }
  std::string Time(const google::protobuf::Timestamp& t) const;
};

// The JSON form of `message` (pretty-printed, proto field names, trailing newline).
std::string ToJson(const google::protobuf::Message& message);

// A table with aligned columns (widths count characters, not bytes).
class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  void Print(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// Labels of the local API's own enums.
std::string Label(v1::ItemDirection direction, const View& view);
std::string Label(v1::ItemState state, const View& view);
std::string Label(v1::CaseKind kind, const View& view);

// Every set field of `message`, one per line, indented by nesting, with enum values as labels
// and times in the view's time zone.
void PrintFields(const google::protobuf::Message& message, const View& view, std::ostream& out,
                 int indent = 0);

void PrintSend(const v1::SendResponse& response, const View& view, std::ostream& out);
void PrintInbox(const v1::ListInboxResponse& response, const View& view, std::ostream& out);
void PrintShow(const v1::ShowResponse& response, const View& view, std::ostream& out);
void PrintThread(const v1::ThreadResponse& response, const View& view, std::ostream& out);
void PrintCases(const v1::ListCasesResponse& response, const View& view, std::ostream& out);
void PrintCase(const v1::CaseSummary& summary, const View& view, std::ostream& out);
void PrintKeys(const v1::KeysResponse& response, const View& view, std::ostream& out);
void PrintDoctor(const v1::DoctorResponse& response, const View& view, std::ostream& out);
void PrintAudit(const v1::AuditResponse& response, const View& view, std::ostream& out);
void PrintWhoami(const v1::WhoamiResponse& response, const View& view, std::ostream& out);

}  // namespace enlace::node

#endif  // ENLACE_NODE_CLI_RENDER_H_
