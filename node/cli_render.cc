#include "node/cli_render.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/time.h"
#include "domain/content.h"
#include "google/protobuf/util/json_util.h"
#include "node/attachments.h"
#include "node/roles.h"

namespace enlace::node {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Characters (UTF-8 code points) in `s`, for column widths.
size_t Width(absl::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string Short(absl::string_view hex) { return std::string(hex.substr(0, 8)); }

std::string EnumLabel(const google::protobuf::EnumDescriptor& type, int number, const View& view) {
  if (&type == v1::ItemDirection_descriptor()) {
    return Label(static_cast<v1::ItemDirection>(number), view);
  }
  if (&type == v1::ItemState_descriptor()) {
    return Label(static_cast<v1::ItemState>(number), view);
  }
  if (&type == v1::CaseKind_descriptor()) return Label(static_cast<v1::CaseKind>(number), view);
  return domain::LabelOrFallback(type, number, view.language);
}

std::string Joined(const google::protobuf::RepeatedPtrField<std::string>& list) {
  return list.empty() ? "-" : absl::StrJoin(list, ", ");
}

std::string CaseState(const v1::CaseSummary& c, const View& view) {
  if (c.kind() == v1::CASE_KIND_REFERRAL) return domain::LabelOf(c.referral_state(), view.language);
  if (c.kind() == v1::CASE_KIND_ALERT) return domain::LabelOf(c.alert_state(), view.language);
  if (c.answered()) return view.T("respondida", "answered");
  const int answers =
      std::count_if(c.recipients().begin(), c.recipients().end(),
                    [](const v1::RecipientState& r) { return r.has_answered_at(); });
  if (answers == 0) return view.T("pendiente", "pending");
  return absl::StrCat(view.T("respondida ", "answered "), answers, "/", c.recipients_size());
}

// "OVERDUE", and on a requester's node which addressees are ("OVERDUE: node/PA").
std::string OverdueMark(const v1::CaseSummary& c, const View& view) {
  const std::string mark = view.T("VENCIDO", "OVERDUE");
  if (c.kind() != v1::CASE_KIND_REQUEST || c.alert_side() != v1::ALERT_SIDE_ORIGINATOR) {
    return mark;
  }
  std::vector<std::string> late;
  for (const v1::RecipientState& r : c.recipients()) {
    if (r.deadline_status() == v1::DEADLINE_STATUS_OVERDUE) late.push_back(r.participant_id());
  }
  return absl::StrCat(mark, ": ", absl::StrJoin(late, ", "));
}

std::string CaseSide(const v1::CaseSummary& c, const View& view) {
  if (c.kind() == v1::CASE_KIND_REFERRAL) return domain::LabelOf(c.referral_side(), view.language);
  if (c.kind() == v1::CASE_KIND_ALERT) return domain::LabelOf(c.alert_side(), view.language);
  return c.alert_side() == v1::ALERT_SIDE_ORIGINATOR ? view.T("solicitante", "requester")
                                                     : view.T("destinatario", "addressee");
}

}  // namespace

std::string View::Time(const google::protobuf::Timestamp& t) const {
  if (t.seconds() == 0 && t.nanos() == 0) return "-";
  return FormatLocal(domain::TimeFromProto(t), time_zone);
}

std::string ToJson(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options).ok()) {
    return "{}\n";
  }
  if (json.empty() || json.back() != '\n') json += "\n";
  return json;
}

void Table::Print(std::ostream& out) const {
  std::vector<size_t> widths(headers_.size(), 0);
  for (size_t i = 0; i < headers_.size(); ++i) widths[i] = Width(headers_[i]);
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], Width(row[i]));
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t i = 0; i < widths.size(); ++i) {
      const std::string cell = i < cells.size() ? cells[i] : "";
      text += cell;
      if (i + 1 < widths.size()) text += std::string(widths[i] - Width(cell) + 2, ' ');
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out << text << "\n";
  };
  line(headers_);
  for (const auto& row : rows_) line(row);
}

std::string Label(v1::ItemDirection direction, const View& view) {
  switch (direction) {
    case v1::ITEM_DIRECTION_INBOUND:
      return view.T("recibido", "received");
    case v1::ITEM_DIRECTION_OUTBOUND:
      return view.T("enviado", "sent");
    default:
      return "-";
  }
}

std::string Label(v1::ItemState state, const View& view) {
  switch (state) {
    case v1::ITEM_STATE_QUEUED:
      return view.T("en cola", "queued");
    case v1::ITEM_STATE_SUBMITTED:
      return view.T("en el hub", "at the hub");
    case v1::ITEM_STATE_LOGGED:
      return view.T("registrado", "logged");
    case v1::ITEM_STATE_RECEIVED:
      return view.T("recibido", "received");
    case v1::ITEM_STATE_ACKNOWLEDGED:
      return view.T("acusado", "acknowledged");
    case v1::ITEM_STATE_FAILED:
      return view.T("RECHAZADO", "REFUSED");
    default:
      return "-";
  }
}

std::string Label(v1::CaseKind kind, const View& view) {
  switch (kind) {
    case v1::CASE_KIND_REFERRAL:
      return view.T("derivación", "referral");
    case v1::CASE_KIND_ALERT:
      return view.T("alerta", "alert");
    case v1::CASE_KIND_REQUEST:
      return view.T("solicitud", "request");
    default:
      return "-";
  }
}

void PrintFields(const Message& message, const View& view, std::ostream& out, int indent) {
  const Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  const std::string pad(indent * 2, ' ');
  for (const FieldDescriptor* field : fields) {
    int count = field->is_repeated() ? reflection->FieldSize(message, field) : 1;
    for (int i = 0; i < count; ++i) {
      const bool repeated = field->is_repeated();
      std::string name = repeated ? absl::StrCat(field->name(), "[", i, "]") : field->name();
      switch (field->cpp_type()) {
        case FieldDescriptor::CPPTYPE_MESSAGE: {
          const Message& sub = repeated ? reflection->GetRepeatedMessage(message, field, i)
                                        : reflection->GetMessage(message, field);
          if (sub.GetDescriptor() == google::protobuf::Timestamp::descriptor()) {
            out << pad << name << ": "
                << view.Time(static_cast<const google::protobuf::Timestamp&>(sub)) << "\n";
          } else {
            out << pad << name << ":\n";
            PrintFields(sub, view, out, indent + 1);
          }
          break;
        }
        case FieldDescriptor::CPPTYPE_ENUM: {
          int number = repeated ? reflection->GetRepeatedEnumValue(message, field, i)
                                : reflection->GetEnumValue(message, field);
          out << pad << name << ": " << EnumLabel(*field->enum_type(), number, view) << "\n";
          break;
        }
        case FieldDescriptor::CPPTYPE_STRING: {
          std::string value = repeated ? reflection->GetRepeatedString(message, field, i)
                                       : reflection->GetString(message, field);
          if (field->type() == FieldDescriptor::TYPE_BYTES)
            value = absl::StrCat("(", value.size(), " bytes)");
          out << pad << name << ": " << value << "\n";
          break;
        }
        case FieldDescriptor::CPPTYPE_BOOL: {
          bool value = repeated ? reflection->GetRepeatedBool(message, field, i)
                                : reflection->GetBool(message, field);
          out << pad << name << ": " << (value ? view.T("sí", "yes") : view.T("no", "no")) << "\n";
          break;
        }
        case FieldDescriptor::CPPTYPE_INT32:
          out << pad << name << ": "
              << (repeated ? reflection->GetRepeatedInt32(message, field, i)
                           : reflection->GetInt32(message, field))
              << "\n";
          break;
        case FieldDescriptor::CPPTYPE_INT64:
          out << pad << name << ": "
              << (repeated ? reflection->GetRepeatedInt64(message, field, i)
                           : reflection->GetInt64(message, field))
              << "\n";
          break;
        case FieldDescriptor::CPPTYPE_UINT32:
          out << pad << name << ": "
              << (repeated ? reflection->GetRepeatedUInt32(message, field, i)
                           : reflection->GetUInt32(message, field))
              << "\n";
          break;
        case FieldDescriptor::CPPTYPE_UINT64:
          out << pad << name << ": "
              << (repeated ? reflection->GetRepeatedUInt64(message, field, i)
                           : reflection->GetUInt64(message, field))
              << "\n";
          break;
        default:
          out << pad << name << ": …\n";
          break;
      }
    }
  }
}

void PrintSend(const v1::SendResponse& r, const View& view, std::ostream& out) {
  out << view.T("Mensaje ", "Message ") << r.message_id() << " ("
      << domain::LabelOf(r.kind(), view.language) << ") "
      << view.T("sellado y en cola para ", "sealed and queued for ")
      << absl::StrJoin(r.recipient_ids(), ", ") << "\n";
  if (!r.ref().empty()) out << view.T("Referencia: ", "Reference: ") << r.ref() << "\n";
}

void PrintInbox(const v1::ListInboxResponse& r, const View& view, std::ostream& out) {
  if (r.items().empty()) {
    out << view.T("No hay mensajes.\n", "No messages.\n");
    return;
  }
  Table table({"", view.T("ID", "ID"), view.T("Tipo", "Kind"), view.T("De / Para", "From / To"),
               view.T("Fecha", "Date"), view.T("Referencia", "Reference"),
               view.T("Estado", "State")});
  for (const v1::ItemSummary& item : r.items()) {
    bool inbound = item.direction() == v1::ITEM_DIRECTION_INBOUND;
    std::string party = inbound ? absl::StrCat("← ", item.sender_id())
                                : absl::StrCat("→ ", absl::StrJoin(item.recipient_ids(), ","));
    std::string state = Label(item.delivery(), view);
    if (!inbound && !item.acknowledged_by().empty()) {
      absl::StrAppend(&state, view.T(", acuse de ", ", acked by "), item.acknowledged_by_size(),
                      "/", item.recipient_ids_size());
    }
    if (item.has_purged_at()) absl::StrAppend(&state, view.T(", depurado", ", purged"));
    std::string kind = domain::LabelOf(item.kind(), view.language);
    if (item.attachment_count() > 0) {
      absl::StrAppend(&kind, " [", item.attachment_count(), view.T(" adj.]", " att.]"));
    }
    table.Add({item.read() ? " " : "*", item.message_id(), kind, party,
               view.Time(item.created_at()), Short(item.ref()), state});
  }
  table.Print(out);
}

void PrintShow(const v1::ShowResponse& r, const View& view, std::ostream& out) {
  const v1::ItemSummary& item = r.item();
  out << view.T("Mensaje ", "Message ") << item.message_id() << " — "
      << domain::LabelOf(item.kind(), view.language) << " ("
      << domain::LabelOf(item.priority(), view.language) << ")\n"
      << view.T("De: ", "From: ") << item.sender_id() << "   " << view.T("Para: ", "To: ")
      << absl::StrJoin(item.recipient_ids(), ", ") << "\n"
      << view.T("Creado: ", "Created: ") << view.Time(item.created_at()) << "   "
      << view.T("Estado: ", "State: ") << Label(item.delivery(), view) << "\n"
      << view.T("Firmado con la clave ", "Signed with key ") << r.signer_key_id() << "\n";
  if (!item.error().empty())
    out << view.T("Error del hub: ", "Hub error: ") << item.error() << "\n";
  if (item.has_purged_at()) {
    out << view.T("Contenido depurado el ", "Content purged on ") << view.Time(item.purged_at())
        << view.T(" (política de conservación): solo quedan estos datos.\n",
                  " (retention policy): only this record is left.\n");
    return;
  }
  const std::vector<const v1::Attachment*> attachments = AttachmentRefs(r.content());
  if (!attachments.empty()) {
    out << view.T("Adjuntos (enlace export ", "Attachments (enlace export ") << item.message_id()
        << view.T(" --attachment N --out ARCHIVO):\n", " --attachment N --out FILE):\n");
    for (size_t i = 0; i < attachments.size(); ++i) {
      out << "  " << i + 1 << ". " << attachments[i]->name() << " — "
          << attachments[i]->media_type() << ", " << attachments[i]->size_bytes() << " bytes, "
          << "SHA-256 " << attachments[i]->sha256() << "\n";
    }
  }
  out << "\n";
  PrintFields(r.content(), view, out, 1);
}

void PrintThread(const v1::ThreadResponse& r, const View& view, std::ostream& out) {
  if (r.has_case_summary()) {
    PrintCase(r.case_summary(), view, out);
    out << "\n";
  }
  for (const v1::ShowResponse& item : r.items()) {
    PrintShow(item, view, out);
    out << "\n";
  }
}

void PrintCases(const v1::ListCasesResponse& r, const View& view, std::ostream& out) {
  if (r.cases().empty()) {
    out << view.T("No hay casos.\n", "No cases.\n");
    return;
  }
  Table table({view.T("Referencia", "Reference"), view.T("Tipo", "Kind"), view.T("Lado", "Side"),
               view.T("Contraparte", "Counterpart"), view.T("Estado", "State"),
               view.T("Plazo", "Due"), ""});
  for (const v1::CaseSummary& c : r.cases()) {
    table.Add({c.ref(), Label(c.kind(), view), CaseSide(c, view), Joined(c.counterparts()),
               CaseState(c, view), view.Time(c.deadline()),
               c.overdue() ? OverdueMark(c, view) : (c.flags().empty() ? "" : "!")});
  }
  table.Print(out);
}

void PrintCase(const v1::CaseSummary& c, const View& view, std::ostream& out) {
  out << Label(c.kind(), view) << " " << c.ref() << " — " << CaseState(c, view) << "\n"
      << view.T("Lado de este nodo: ", "This node's side: ") << CaseSide(c, view) << "   "
      << view.T("Contraparte: ", "Counterpart: ") << Joined(c.counterparts()) << "\n"
      << view.T("Abierto: ", "Opened: ") << view.Time(c.opened_at()) << "   "
      << view.T("Plazo: ", "Due: ") << view.Time(c.deadline())
      << (c.overdue() ? absl::StrCat("  (", OverdueMark(c, view), ")") : "") << "\n";
  Table history({view.T("Paso", "Step"), view.T("Por", "By"), view.T("Fecha", "Date"),
                 view.T("Mensaje", "Message")});
  for (const v1::CaseStep& step : c.history()) {
    std::string label = step.referral_state() != v1::REFERRAL_STATE_UNSPECIFIED
                            ? domain::LabelOf(step.referral_state(), view.language)
                            : domain::LabelOf(step.alert_state(), view.language);
    history.Add({label, step.by(), view.Time(step.at()), Short(step.message_id())});
  }
  if (!history.empty()) history.Print(out);
  if (!c.recipients().empty()) {
    // Alerts: each recipient's acknowledgement and feedback; requests: its answer and deadline.
    const bool request = c.kind() == v1::CASE_KIND_REQUEST;
    Table recipients({view.T("Destinatario", "Recipient"),
                      request ? view.T("Plazo", "Deadline") : view.T("Estado", "State"),
                      request ? view.T("Respondió", "Answered") : view.T("Desde", "Since")});
    for (const v1::RecipientState& r : c.recipients()) {
      recipients.Add({r.participant_id(),
                      request ? domain::LabelOf(r.deadline_status(), view.language)
                              : domain::LabelOf(r.state(), view.language),
                      view.Time(request ? r.answered_at() : r.at())});
    }
    recipients.Print(out);
  }
  for (const std::string& flag : c.flags()) out << "! " << flag << "\n";
}

void PrintKeys(const v1::KeysResponse& r, const View& view, std::ostream& out) {
  out << r.participant_id() << " — " << view.T("directorio versión ", "directory version ")
      << r.directory_version() << "\n"
      << view.T("Certificado TLS ", "TLS certificate ") << r.certificate_sha256() << ", "
      << view.T("vence ", "expires ") << view.Time(r.certificate_not_after()) << "\n";
  Table table({view.T("Tipo", "Kind"), view.T("Clave", "Key id"), view.T("Desde", "From"),
               view.T("Hasta", "Until"), view.T("Revocada", "Revoked"),
               view.T("Privada aquí", "Private here"), view.T("En uso", "In use")});
  for (const v1::KeyInfo& k : r.keys()) {
    table.Add({k.kind() == "signing" ? view.T("firma", "signing") : view.T("cifrado", "encryption"),
               k.key_id(), view.Time(k.not_before()), view.Time(k.not_after()),
               view.Time(k.revoked_at()), k.private_key_held() ? view.T("sí", "yes") : "no",
               k.in_use() ? view.T("sí", "yes") : ""});
  }
  table.Print(out);
}

void PrintDoctor(const v1::DoctorResponse& r, const View& view, std::ostream& out) {
  for (const v1::DoctorCheck& check : r.checks()) {
    const char* mark = check.result() == v1::CHECK_RESULT_OK        ? "[ok]  "
                       : check.result() == v1::CHECK_RESULT_WARNING ? "[!]   "
                                                                    : "[FAIL]";
    out << mark << " " << check.name() << ": " << check.detail() << "\n";
  }
  out << (r.healthy() ? view.T("El nodo está sano.\n", "The node is healthy.\n")
                      : view.T("El nodo necesita atención.\n", "The node needs attention.\n"));
}

void PrintAudit(const v1::AuditResponse& r, const View& view, std::ostream& out) {
  out << view.T("Registro de auditoría del hub, visto por este nodo\n",
                "The hub's audit log as this node saw it\n")
      << view.T("  Última cabecera verificada: ", "  Latest verified tree head: ")
      << (r.latest().root_hash().empty()
              ? view.T("ninguna aún", "none yet")
              : absl::StrCat(view.T("tamaño ", "size "), r.latest().tree_size(), ", ",
                             view.T("raíz ", "root "), r.latest().root_hash(), ", ",
                             view.Time(r.latest().timestamp())))
      << "\n";
  if (!r.latest().signed_head().empty()) {
    out << view.T("    firmada (para el auditor, enlace-audit compare --tree-head): ",
                  "    as signed (for the auditor, enlace-audit compare --tree-head): ")
        << r.latest().signed_head() << "\n";
  }
  out << view.T("  Cabeceras vistas: ", "  Tree heads seen: ") << r.tree_heads_seen() << "\n"
      << view.T("  Última comprobación: ", "  Last check: ")
      << view.Time(r.last_consistency_check()) << " — "
      << (r.consistent() ? view.T("consistente", "consistent")
                         : view.T("INCONSISTENTE", "INCONSISTENT"))
      << "\n"
      << view.T("  Clave del registro fijada por: ", "  Log key pinned by: ")
      << (r.log_key_source().empty() ? "-" : r.log_key_source()) << "\n"
      << view.T("  Envíos: ", "  Submissions: ") << r.submissions()
      << view.T(" (incluidos comprobados: ", " (inclusion verified: ") << r.submissions_included()
      << view.T(", pendientes: ", ", pending: ") << r.submissions_pending()
      << view.T(", fuera de plazo: ", ", overdue: ") << r.submissions_overdue() << ")\n";
  if (!r.alarms().empty()) {
    out << view.T("\nALARMAS\n", "\nALARMS\n");
    for (const v1::WitnessAlarm& alarm : r.alarms()) {
      out << "  " << view.Time(alarm.at()) << "  " << alarm.kind() << ": " << alarm.detail()
          << "\n";
      if (!alarm.evidence_path().empty()) {
        out << "    " << view.T("pruebas: ", "evidence: ") << alarm.evidence_path() << "\n";
      }
    }
  }
  if (!r.access_log().empty()) {
    out << view.T("\nRegistro de accesos al contenido (más recientes primero)\n",
                  "\nContent access log (newest first)\n");
    Table table({view.T("Fecha", "Date"), view.T("Usuario", "User"), view.T("Acción", "Action"),
                 view.T("Mensaje", "Message")});
    for (const v1::AccessEntry& entry : r.access_log()) {
      std::string action = entry.action();
      if (action == "export_attachment") absl::StrAppend(&action, " #", entry.attachment() + 1);
      std::string what = entry.action() == "destroy_key"
                             ? absl::StrCat(view.T("clave ", "key "), entry.key_id())
                             : entry.message_id();
      if (!entry.ref().empty())
        absl::StrAppend(&what, view.T(" (ref. ", " (ref "), entry.ref(), ")");
      table.Add({view.Time(entry.at()), entry.os_user(), action, what});
    }
    table.Print(out);
  }
}

void PrintWhoami(const v1::WhoamiResponse& r, const View& view, std::ostream& out) {
  out << r.os_user() << " (uid " << r.uid() << ") — " << RoleLabel(r.role(), view.language) << "\n"
      << view.T("Nodo: ", "Node: ") << r.participant_id() << " — " << r.organisation() << "\n";
}

}  // namespace enlace::node
