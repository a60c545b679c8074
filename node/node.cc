#include "node/node.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/bytes.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "base/time.h"
#include "crypto/envelope.h"
#include "crypto/hash.h"
#include "crypto/receipts.h"
#include "crypto/signing.h"
#include "domain/content.h"
#include "domain/handling.h"
#include "domain/issues.h"
#include "domain/json.h"
#include "domain/validate.h"
#include "identity/key_retention.h"
#include "nlohmann/json.hpp"
#include "node/attachments.h"
#include "node/config.h"
#include "node/roles.h"
#include "node/text.h"

namespace enlace::node {
namespace {

using domain::TimeToProto;

constexpr char kCursorState[] = "cursor";
constexpr char kDirectoryState[] = "directory/signed";
constexpr char kDirectoryVersionState[] = "directory/version";
// The node refuses larger envelopes: a Content is at most 1 MiB (domain/content.h) and its
// attachments at most kMaxAttachmentBytes, so a sealed one stays below this even padded.
constexpr uint64_t kMaxNodeEnvelopeBytes = kMaxAttachmentBytes + (8 << 20);
// Envelopes up to this size are kept in the item's record and the outbox entry; larger ones in
// the store's blobs.
constexpr size_t kInlineEnvelopeBytes = NodeStore::kBlobChunkSize;
constexpr size_t kMaxEvidenceEnvelopeBytes = 64 * 1024;
constexpr int kAccessLogView = 200;

// The hub's answers that will not change by trying again with the same bytes.
// The submission did not reach the hub (it is away), as opposed to the hub refusing it.
bool HubAway(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
}

bool IsPermanent(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kUnimplemented:
      return true;
    default:
      return false;
  }
}

v1::ItemSummary ToSummary(const v1::StoredItemMeta& meta) {
  v1::ItemSummary item;
  item.set_message_id(HexEncode(meta.message_id()));
  item.set_kind(meta.kind());
  item.set_direction(meta.direction());
  item.set_sender_id(meta.sender_id());
  *item.mutable_recipient_ids() = meta.recipient_ids();
  *item.mutable_created_at() = TimeToProto(absl::FromUnixMillis(meta.created_at_ms()));
  *item.mutable_stored_at() = TimeToProto(absl::FromUnixMillis(meta.stored_at_ms()));
  item.set_thread_id(HexEncode(meta.thread_id()));
  item.set_ref(meta.ref());
  item.set_priority(meta.priority());
  item.set_read(meta.read());
  item.set_delivery(meta.delivery());
  item.set_log_index(meta.log_index());
  *item.mutable_acknowledged_by() = meta.acknowledged_by();
  item.set_error(meta.error());
  if (meta.purged_at_ms() != 0) {
    *item.mutable_purged_at() = TimeToProto(absl::FromUnixMillis(meta.purged_at_ms()));
  }
  item.set_attachment_count(meta.attachment_count());
  return item;
}

absl::Status Purged(const v1::StoredItemMeta& meta) {
  const std::string when = FormatUtc(absl::FromUnixMillis(meta.purged_at_ms()));
  return NodeError(absl::StatusCode::kFailedPrecondition,
                   absl::StrCat("el contenido del mensaje ", HexEncode(meta.message_id()),
                                " se eliminó el ", when, " (política de conservación)"),
                   absl::StrCat("the content of message ", HexEncode(meta.message_id()),
                                " was purged on ", when, " (retention policy)"));
}

// The kind whose read right governs a case of `kind`.
v1::MessageKind KindOfCase(v1::CaseKind kind) {
  switch (kind) {
    case v1::CASE_KIND_REFERRAL:
      return v1::KIND_VICTIM_REFERRAL;
    case v1::CASE_KIND_ALERT:
      return v1::KIND_SMUGGLING_ALERT;
    default:
      return v1::KIND_INFO_REQUEST;
  }
}

absl::Status RoleRefused(const LocalUser& user, v1::MessageKind kind, bool send) {
  std::string kind_es = domain::LabelOf(kind, domain::Language::kSpanish);
  std::string kind_en = domain::LabelOf(kind, domain::Language::kEnglish);
  return NodeError(
      absl::StatusCode::kPermissionDenied,
      absl::StrCat(user.os_user, " (", RoleLabel(user.config.role(), domain::Language::kSpanish),
                   ") no puede ", send ? "enviar" : "leer", " mensajes de tipo «", kind_es, "»"),
      absl::StrCat(user.os_user, " (", RoleLabel(user.config.role(), domain::Language::kEnglish),
                   ") may not ", send ? "send" : "read", " messages of kind \"", kind_en, "\""));
}

absl::Status FocalPointOnly(const LocalUser& user) {
  return NodeError(absl::StatusCode::kPermissionDenied,
                   absl::StrCat(user.os_user, ": solo el punto focal puede hacer esto"),
                   absl::StrCat(user.os_user, ": only the focal point may do this"));
}

absl::StatusOr<Bytes> ParseMessageId(absl::string_view hex) {
  absl::StatusOr<Bytes> id = HexDecode(hex);
  if (!id.ok() || id->size() != kMessageIdSize) {
    return NodeError(absl::StatusCode::kInvalidArgument,
                     absl::StrCat("«", hex, "» no es un identificador de mensaje (32 dígitos hex)"),
                     absl::StrCat("\"", hex, "\" is not a message id (32 hex digits)"));
  }
  return id;
}

absl::Status NoSuchMessage(const absl::Status& lookup, absl::string_view hex) {
  return NodeError(lookup.code(), absl::StrCat("no hay ningún mensaje ", hex, " en este nodo"),
                   absl::StrCat("there is no message ", hex, " on this node"));
}

absl::StatusOr<Bytes> RandomBytes(RandomSource* random, size_t size) {
  Bytes out(size, '\0');
  RETURN_IF_ERROR(random->Fill(absl::MakeSpan(reinterpret_cast<uint8_t*>(out.data()), size)));
  return out;
}

}  // namespace

absl::Duration RetryDelay(uint32_t attempt, absl::Duration initial, absl::Duration max,
                          RandomSource* random) {
  absl::Duration base = initial;
  for (uint32_t i = 1; i < attempt && base < max; ++i) base *= 2;
  base = std::min(base, max);
  uint64_t r = 0;
  absl::Status filled = random->Fill(absl::MakeSpan(reinterpret_cast<uint8_t*>(&r), sizeof(r)));
  double fraction =
      filled.ok() ? static_cast<double>(r >> 11) / static_cast<double>(1ULL << 53) : 0.5;
  return base / 2 + (base / 2) * fraction;
}

Node::Node(NodeOptions options, Keystore keys, HubPort* hub)
    : options_(std::move(options)), keys_(std::move(keys)), hub_(hub) {}

absl::StatusOr<std::unique_ptr<Node>> Node::Create(NodeOptions options, Keystore keys,
                                                   HubPort* hub) {
  if (!options.root.has_value()) {
    return absl::InvalidArgumentError(
        "NodeOptions.root (the network root certificate) is required");
  }
  std::unique_ptr<Node> node(new Node(std::move(options), std::move(keys), hub));
  const v1::NodeConfig& config = node->options_.config;
  ASSIGN_OR_RETURN(node->store_,
                   NodeStore::Open({config.data_dir() + "/store", node->options_.rocksdb_env},
                                   node->keys_, node->options_.env));
  ASSIGN_OR_RETURN(absl::optional<std::string> version,
                   node->store_->GetState(kDirectoryVersionState));
  uint64_t stored_version = 0;
  if (version.has_value() && !absl::SimpleAtoi(*version, &stored_version)) {
    return absl::DataLossError("the stored directory version is damaged");
  }
  ASSIGN_OR_RETURN(absl::optional<std::string> signed_directory,
                   node->store_->GetState(kDirectoryState));
  // The stored directory is verified again and becomes current; only newer ones are accepted
  // after it. If it no longer verifies (e.g. its signer's certificate expired), the node starts
  // without one but still refuses anything not newer than it.
  auto verifier = std::make_unique<DirectoryVerifier>(*node->options_.root, 0);
  if (signed_directory.has_value()) {
    absl::StatusOr<std::shared_ptr<const Directory>> accepted =
        verifier->Accept(*signed_directory, node->options_.env.clock->Now());
    if (!accepted.ok() || (*accepted)->version() != stored_version) {
      LogWarning("node.directory_stale",
                 {{"error", accepted.ok() ? "stored version mismatch"
                                          : std::string(accepted.status().message())}});
      verifier = std::make_unique<DirectoryVerifier>(*node->options_.root, stored_version);
    }
  }
  node->directory_ = std::move(verifier);
  WitnessOptions witness;
  witness.evidence_dir = config.data_dir() + "/evidence";
  if (config.witness().inclusion_deadline_s() > 0) {
    witness.inclusion_deadline = absl::Seconds(config.witness().inclusion_deadline_s());
  }
  node->witness_ = std::make_unique<LogWitness>(node->keys_.self(), hub, node->store_.get(),
                                                node->options_.env, witness);
  RETURN_IF_ERROR(node->witness_->Load());
  ASSIGN_OR_RETURN(absl::optional<std::string> cursor, node->store_->GetState(kCursorState));
  if (cursor.has_value() && !absl::SimpleAtoi(*cursor, &node->cursor_)) {
    return absl::DataLossError("the stored subscription cursor is damaged");
  }
  ASSIGN_OR_RETURN(std::vector<v1::StoredItemMeta> items, node->store_->ListItems());
  for (const v1::StoredItemMeta& meta : items) {
    if (meta.direction() == v1::ITEM_DIRECTION_INBOUND &&
        meta.delivery() == v1::ITEM_STATE_RECEIVED) {
      node->pending_acks_[meta.message_id()] = meta.header_hash();
    }
  }
  return node;
}

domain::Language Node::LanguageOf(absl::string_view tag) const {
  domain::Language fallback =
      options_.config.language() == "en" ? domain::Language::kEnglish : domain::Language::kSpanish;
  return LanguageOr(tag, fallback);
}

absl::StatusOr<std::shared_ptr<const Directory>> Node::RequireDirectory() const {
  std::shared_ptr<const Directory> directory = directory_->current();
  if (directory == nullptr) {
    return NodeError(absl::StatusCode::kUnavailable,
                     "el nodo aún no tiene el directorio de la red: ¿está conectado al hub? "
                     "(enlace doctor)",
                     "the node has no network directory yet: is it connected to the hub? "
                     "(enlace doctor)");
  }
  return directory;
}

// ---------------------------------------------------------------------------------------------
// The local API

absl::StatusOr<v1::WhoamiResponse> Node::Whoami(const LocalUser& user) const {
  const v1::NodeConfig& config = options_.config;
  v1::WhoamiResponse response;
  response.set_os_user(user.os_user);
  response.set_uid(user.uid);
  response.set_role(user.config.role());
  *response.mutable_permissions() = user.config.permissions();
  response.set_officer(user.config.officer());
  response.set_participant_id(self().str());
  // Only a country's node has a country (the Secretariat and observers run nodes too).
  if (self().role() == Role::kNode) response.set_country(std::string(self().name()));
  response.set_organisation(config.organisation());
  response.set_unit(config.unit());
  response.set_language(config.language());
  response.set_time_zone(config.time_zone());
  return response;
}

absl::StatusOr<std::vector<std::string>> Node::Route(const v1::Content& content,
                                                     const std::vector<std::string>& to,
                                                     const absl::optional<v1::CaseSummary>& current,
                                                     const Directory& directory) const {
  const ParticipantRules rules = RulesOf(options_.config);
  // The explicit recipients, normalized: "GT" -> "node/GT", "all" -> every node and observer.
  std::vector<std::string> given;
  for (const std::string& entry : to) {
    if (entry == "all") {
      for (const v1::DirectoryParticipant& p : directory.proto().participants()) {
        if ((p.role() == v1::PARTICIPANT_ROLE_NODE || p.role() == v1::PARTICIPANT_ROLE_OBSERVER) &&
            p.id() != self().str()) {
          given.push_back(p.id());
        }
      }
      continue;
    }
    std::string id = entry.find('/') == std::string::npos && entry != "hub"
                         ? absl::StrCat("node/", entry)
                         : entry;
    absl::StatusOr<ParticipantId> parsed = ParticipantId::Parse(id, rules);
    if (!parsed.ok()) {
      return NodeError(absl::StatusCode::kInvalidArgument,
                       absl::StrCat("destinatario «", entry, "»: ", parsed.status().message()),
                       absl::StrCat("recipient \"", entry, "\": ", parsed.status().message()));
    }
    given.push_back(parsed->str());
  }
  std::sort(given.begin(), given.end());
  given.erase(std::unique(given.begin(), given.end()), given.end());

  // The recipients the content implies, if it implies any.
  std::vector<std::string> implied;
  bool implies = !content.has_forwarded();
  if (implies) {
    switch (content.body_case()) {
      case v1::Content::kVictimReferral:
        implied.push_back(absl::StrCat("node/", content.victim_referral().receiving().country()));
        break;
      case v1::Content::kSmugglingAlert:
        if (content.smuggling_alert().action() == v1::ALERT_ACTION_PUBLISH) {
          for (const std::string& c : content.smuggling_alert().target_countries()) {
            if (absl::StrCat("node/", c) != self().str())
              implied.push_back(absl::StrCat("node/", c));
          }
        } else if (current.has_value()) {
          implied.assign(current->counterparts().begin(), current->counterparts().end());
        }
        break;
      case v1::Content::kReferralStatus:
      case v1::Content::kAlertFeedback:
      case v1::Content::kInfoResponse:
      case v1::Content::kLegislationMatrixUpdate:
        if (current.has_value()) {
          implied.assign(current->counterparts().begin(), current->counterparts().end());
        } else {
          implies = false;
        }
        break;
      default:
        implies = false;
        break;
    }
  }
  std::sort(implied.begin(), implied.end());
  implied.erase(std::unique(implied.begin(), implied.end()), implied.end());
  std::vector<std::string> recipients;
  if (implies && !implied.empty()) {
    if (!given.empty() && given != implied) {
      std::string list = absl::StrJoin(implied, ", ");
      return NodeError(
          absl::StatusCode::kInvalidArgument,
          absl::StrCat("los destinatarios se deducen del contenido (", list, "): --to no coincide"),
          absl::StrCat("the recipients follow from the content (", list,
                       "): --to does not match them"));
    }
    recipients = implied;
  } else {
    recipients = given;
  }
  if (recipients.empty()) {
    return NodeError(absl::StatusCode::kInvalidArgument,
                     "indique los destinatarios (--to GT,HN o --to all)",
                     "give the recipients (--to GT,HN or --to all)");
  }
  for (const std::string& r : recipients) {
    if (r == self().str()) {
      return NodeError(absl::StatusCode::kInvalidArgument,
                       "un nodo no se envía mensajes a sí mismo",
                       "a node does not send messages to itself");
    }
    absl::StatusOr<ParticipantId> id = ParticipantId::Parse(r, rules);
    if (!id.ok() || !directory.Participant(*id).ok()) {
      return NodeError(
          absl::StatusCode::kNotFound,
          absl::StrCat(r, " no figura en el directorio de la red (versión ", directory.version(),
                       ")"),
          absl::StrCat(r, " is not in the network directory (version ", directory.version(), ")"));
    }
  }
  return recipients;
}

absl::StatusOr<v1::SendResponse> Node::Send(const LocalUser& user, const v1::SendRequest& request,
                                            std::vector<Bytes> attachments) {
  v1::Content content;
  if (!request.content_json().empty()) {
    if (request.has_content()) {
      return NodeError(absl::StatusCode::kInvalidArgument,
                       "dé el contenido como mensaje o como JSON, no ambos",
                       "give the content as a message or as JSON, not both");
    }
    ASSIGN_OR_RETURN(content, domain::ContentFromJson(request.content_json()));
  } else if (request.has_content()) {
    content = request.content();
  } else {
    return NodeError(absl::StatusCode::kInvalidArgument, "falta el contenido del mensaje",
                     "the message content is missing");
  }
  std::vector<std::string> to(request.to().begin(), request.to().end());
  absl::MutexLock lock(&mu_);
  return Compose(user, std::move(content), to, user.os_user, std::move(attachments));
}

absl::StatusOr<v1::SendResponse> Node::Compose(const LocalUser& user, v1::Content content,
                                               const std::vector<std::string>& to,
                                               const std::string& actor,
                                               std::vector<Bytes> attachments) {
  const v1::MessageKind kind = domain::KindOf(content);
  if (kind == v1::KIND_UNSPECIFIED) {
    return domain::IssueStatus(absl::StatusCode::kInvalidArgument,
                               domain::MakeIssue("", v1::DOMAIN_ERROR_BODY_MISSING));
  }
  if (!MaySend(user.config, kind)) return RoleRefused(user, kind, /*send=*/true);
  ASSIGN_OR_RETURN(std::shared_ptr<const Directory> directory, RequireDirectory());
  const absl::Time now = options_.env.clock->Now();

  // Domain rules, before anything is sealed.
  domain::ValidationContext validation =
      domain::MakeValidationContext(*options_.env.clock, domain::ValidationMode::kCompose);
  validation.network_countries = RulesOf(options_.config).countries;
  validation.clock_skew = absl::Seconds(options_.config.max_clock_skew_s());
  validation.retention = options_.policies.retention;
  RETURN_IF_ERROR(domain::IssuesToStatus(domain::Validate(content, validation)));
  // Every attachment's bytes, checked against its reference, before anything is sealed.
  ASSIGN_OR_RETURN(std::string plaintext, PackPlaintext(content, attachments));

  const std::string ref = RefOf(content);
  absl::optional<v1::CaseSummary> current;
  if (!ref.empty() && !content.has_forwarded()) {
    absl::StatusOr<v1::CaseSummary> stored = store_->GetCase(ref);
    if (stored.ok()) {
      current = std::move(*stored);
    } else if (stored.status().code() != absl::StatusCode::kNotFound) {
      return stored.status();
    }
  }
  ASSIGN_OR_RETURN(std::vector<std::string> recipients, Route(content, to, current, *directory));

  ASSIGN_OR_RETURN(Bytes message_id, RandomBytes(options_.env.random, kMessageIdSize));
  Bytes thread_id;
  if (current.has_value() && !current->thread_id().empty()) {
    ASSIGN_OR_RETURN(thread_id, HexDecode(current->thread_id()));
  } else {
    ASSIGN_OR_RETURN(thread_id, RandomBytes(options_.env.random, kThreadIdSize));
  }
  absl::optional<v1::CaseSummary> next_case;
  if (!content.has_forwarded()) {
    CaseContext context{self().str(),          self().str(),         recipients,
                        HexEncode(message_id), HexEncode(thread_id), now};
    ASSIGN_OR_RETURN(next_case, ApplyOutbound(current, content, context, options_.policies));
  }

  // Seal once.
  ASSIGN_OR_RETURN(const Ed25519PrivateKey* signing_key, keys_.SigningKeyAt(*directory, now));
  const ParticipantRules rules = RulesOf(options_.config);
  std::vector<RecipientKey> recipient_keys;
  for (const std::string& r : recipients) {
    ASSIGN_OR_RETURN(ParticipantId id, ParticipantId::Parse(r, rules));
    absl::StatusOr<std::vector<EncryptionKeyEntry>> keys = directory->EncryptionKeys(id, now);
    if (!keys.ok()) {
      return NodeError(
          absl::StatusCode::kFailedPrecondition,
          absl::StrCat(r, " no tiene clave de cifrado válida: ", keys.status().message()),
          absl::StrCat(r, " has no valid encryption key: ", keys.status().message()));
    }
    recipient_keys.push_back(RecipientKey{r, keys->front().key});
  }
  v1::Header header;
  header.set_message_id(message_id);
  header.set_sender_id(self().str());
  header.set_kind(kind);
  header.set_created_at_ms(absl::ToUnixMillis(now));
  header.set_thread_id(thread_id);
  header.set_priority(domain::PriorityOf(content));
  absl::StatusOr<v1::Envelope> envelope =
      Seal(header, plaintext, *signing_key, recipient_keys, options_.env);
  OPENSSL_cleanse(plaintext.data(), plaintext.size());
  plaintext = std::string();
  RETURN_IF_ERROR(envelope.status());
  ASSIGN_OR_RETURN(Sha256Digest header_hash, Sha256(envelope->header()));
  const std::string envelope_bytes = envelope->SerializeAsString();
  envelope = v1::Envelope();  // one copy of the ciphertext is enough

  v1::StoredItemMeta meta;
  meta.set_message_id(message_id);
  meta.set_kind(kind);
  meta.set_direction(v1::ITEM_DIRECTION_OUTBOUND);
  meta.set_sender_id(self().str());
  for (const std::string& r : recipients) meta.add_recipient_ids(r);
  meta.set_created_at_ms(absl::ToUnixMillis(now));
  meta.set_stored_at_ms(absl::ToUnixMillis(now));
  meta.set_thread_id(thread_id);
  meta.set_ref(ref);
  meta.set_priority(header.priority());
  meta.set_read(true);
  meta.set_delivery(v1::ITEM_STATE_QUEUED);
  meta.set_signer_key_id(signing_key->public_key().KeyId());
  meta.set_header_hash(DigestBytes(header_hash));
  v1::OutboxEntry entry;
  entry.set_message_id(message_id);
  entry.set_queued_at_ms(absl::ToUnixMillis(now));
  entry.set_next_attempt_ms(absl::ToUnixMillis(now));
  std::vector<absl::string_view> bodies(attachments.begin(), attachments.end());
  absl::Status stored =
      StoreItem(meta, content, bodies, envelope_bytes, &entry, next_case, /*extra=*/nullptr);
  for (Bytes& body : attachments) OPENSSL_cleanse(body.data(), body.size());
  RETURN_IF_ERROR(stored);
  LogInfo("node.queued", {{"message_id", HexEncode(message_id)},
                          {"kind", v1::MessageKind_Name(kind)},
                          {"recipients", absl::StrJoin(recipients, ",")},
                          {"by", actor}});

  v1::SendResponse response;
  response.set_message_id(HexEncode(message_id));
  *response.mutable_recipient_ids() = meta.recipient_ids();
  response.set_kind(kind);
  response.set_thread_id(HexEncode(thread_id));
  response.set_ref(ref);
  *response.mutable_queued_at() = TimeToProto(now);
  return response;
}

absl::Status Node::StoreItem(v1::StoredItemMeta& meta, const v1::Content& content,
                             absl::Span<const absl::string_view> attachments,
                             absl::string_view envelope, v1::OutboxEntry* outbox,
                             const absl::optional<v1::CaseSummary>& next_case,
                             const std::function<absl::Status(NodeStore::Batch&)>& extra) {
  const std::string& id = meta.message_id();
  const bool envelope_in_blobs = envelope.size() > kInlineEnvelopeBytes;
  auto store = [&]() -> absl::Status {
    for (size_t i = 0; i < attachments.size(); ++i) {
      RETURN_IF_ERROR(store_->PutBlob(id, static_cast<uint32_t>(i), attachments[i]));
    }
    if (envelope_in_blobs) RETURN_IF_ERROR(store_->PutBlob(id, NodeStore::kEnvelopePart, envelope));
    meta.set_attachment_count(static_cast<uint32_t>(attachments.size()));
    meta.set_envelope_in_blobs(envelope_in_blobs);
    v1::StoredContent stored;
    stored.set_content(domain::ContentToBinary(content));
    if (!envelope_in_blobs) stored.set_envelope(std::string(envelope));
    NodeStore::Batch batch = store_->NewBatch();
    batch.PutItem(meta);
    absl::Status put = batch.PutContent(id, stored);
    OPENSSL_cleanse(stored.mutable_content()->data(), stored.content().size());
    RETURN_IF_ERROR(put);
    batch.KeepBlobs(id);
    if (outbox != nullptr) {
      outbox->set_envelope_in_blobs(envelope_in_blobs);
      if (!envelope_in_blobs) outbox->set_envelope(std::string(envelope));
      batch.PutOutbox(*outbox);
    }
    if (next_case.has_value()) batch.PutCase(*next_case);
    if (extra) RETURN_IF_ERROR(extra(batch));
    return store_->Commit(batch);
  };
  absl::Status stored = store();
  if (!stored.ok() && (!attachments.empty() || envelope_in_blobs)) {
    store_->AbandonBlobs(id).IgnoreError();  // else the next start removes them
  }
  return stored;
}

absl::StatusOr<std::vector<Bytes>> Node::LoadAttachments(const v1::StoredItemMeta& meta) const {
  std::vector<Bytes> bodies;
  for (uint32_t i = 0; i < meta.attachment_count(); ++i) {
    ASSIGN_OR_RETURN(Bytes body, store_->GetBlob(meta.message_id(), i));
    bodies.push_back(std::move(body));
  }
  return bodies;
}

absl::StatusOr<v1::SendResponse> Node::Forward(const LocalUser& user,
                                               const v1::ForwardRequest& request) {
  ASSIGN_OR_RETURN(Bytes id, ParseMessageId(request.message_id()));
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(v1::StoredItemMeta meta, store_->GetItem(id));
  if (!MayRead(user.config, meta.kind())) return RoleRefused(user, meta.kind(), false);
  if (meta.purged_at_ms() != 0) return Purged(meta);
  ASSIGN_OR_RETURN(v1::StoredContent stored, store_->GetContent(id));
  ASSIGN_OR_RETURN(v1::Content original, domain::ContentFromBinary(stored.content()));
  OPENSSL_cleanse(stored.mutable_content()->data(), stored.content().size());
  ASSIGN_OR_RETURN(v1::Content forward,
                   domain::BuildForward(original, HexEncode(id), meta.sender_id(), self().str(),
                                        request.note()));
  NodeStore::Batch batch = store_->NewBatch();
  RETURN_IF_ERROR(RecordAccess(batch, user.os_user, user.uid, "forward", id));
  RETURN_IF_ERROR(store_->Commit(batch));
  // The forward copies the body, attachment references included: their bytes go again too.
  ASSIGN_OR_RETURN(std::vector<Bytes> attachments, LoadAttachments(meta));
  std::vector<std::string> to(request.to().begin(), request.to().end());
  return Compose(user, std::move(forward), to, user.os_user, std::move(attachments));
}

absl::Status Node::RecordAccess(NodeStore::Batch& batch, const std::string& who, uint32_t uid,
                                absl::string_view action, absl::string_view message_id,
                                v1::AccessRecord record) {
  record.set_at_ms(absl::ToUnixMillis(options_.env.clock->Now()));
  record.set_os_user(who);
  record.set_uid(uid);
  record.set_action(std::string(action));
  record.set_message_id(std::string(message_id));
  return batch.PutAccess(record);
}

absl::StatusOr<v1::ListInboxResponse> Node::ListInbox(const LocalUser& user,
                                                      const v1::ListInboxRequest& request) const {
  if (request.kind() != v1::KIND_UNSPECIFIED && !MayRead(user.config, request.kind())) {
    return RoleRefused(user, request.kind(), false);
  }
  ASSIGN_OR_RETURN(std::vector<v1::StoredItemMeta> items, store_->ListItems());
  std::vector<const v1::StoredItemMeta*> chosen;
  for (const v1::StoredItemMeta& meta : items) {
    if (!MayRead(user.config, meta.kind())) continue;
    if (request.unread_only() && meta.read()) continue;
    if (request.kind() != v1::KIND_UNSPECIFIED && meta.kind() != request.kind()) continue;
    if (request.direction() != v1::ITEM_DIRECTION_UNSPECIFIED &&
        meta.direction() != request.direction()) {
      continue;
    }
    chosen.push_back(&meta);
  }
  std::sort(chosen.begin(), chosen.end(), [](const auto* a, const auto* b) {
    return a->created_at_ms() != b->created_at_ms() ? a->created_at_ms() > b->created_at_ms()
                                                    : a->message_id() < b->message_id();
  });
  size_t limit = request.limit() == 0 ? 100 : std::min<uint32_t>(request.limit(), 1000);
  v1::ListInboxResponse response;
  for (size_t i = 0; i < chosen.size() && i < limit; ++i)
    *response.add_items() = ToSummary(*chosen[i]);
  return response;
}

absl::StatusOr<v1::ShowResponse> Node::ShowItem(const std::string& who, uint32_t uid,
                                                const v1::StoredItemMeta& meta, bool for_export) {
  if (meta.purged_at_ms() != 0) {  // only the record is left: nothing is decrypted or logged
    v1::ShowResponse response;
    *response.mutable_item() = ToSummary(meta);
    response.set_signer_key_id(HexEncode(meta.signer_key_id()));
    return response;
  }
  ASSIGN_OR_RETURN(v1::StoredContent stored, store_->GetContent(meta.message_id()));
  absl::StatusOr<v1::Content> content = domain::ContentFromBinary(stored.content());
  OPENSSL_cleanse(stored.mutable_content()->data(), stored.content().size());
  RETURN_IF_ERROR(content.status());
  v1::StoredItemMeta read = meta;
  read.set_read(true);
  NodeStore::Batch batch = store_->NewBatch();
  batch.PutItem(read);
  RETURN_IF_ERROR(RecordAccess(batch, who, uid, for_export ? "export" : "show", meta.message_id()));
  RETURN_IF_ERROR(store_->Commit(batch));
  v1::ShowResponse response;
  *response.mutable_item() = ToSummary(read);
  *response.mutable_content() = std::move(*content);
  response.set_signer_key_id(HexEncode(meta.signer_key_id()));
  return response;
}

absl::StatusOr<v1::ShowResponse> Node::Show(const LocalUser& user, const v1::ShowRequest& request) {
  ASSIGN_OR_RETURN(Bytes id, ParseMessageId(request.message_id()));
  absl::MutexLock lock(&mu_);
  absl::StatusOr<v1::StoredItemMeta> meta = store_->GetItem(id);
  if (!meta.ok()) return NoSuchMessage(meta.status(), request.message_id());
  if (!MayRead(user.config, meta->kind())) return RoleRefused(user, meta->kind(), false);
  return ShowItem(user.os_user, user.uid, *meta, request.for_export());
}

absl::StatusOr<v1::ThreadResponse> Node::Thread(const LocalUser& user,
                                                const v1::ThreadRequest& request) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(std::vector<v1::StoredItemMeta> items, store_->ListItems());
  // The id may be a reference, a thread id or a message id (all 32 hex digits).
  std::string ref = request.id();
  absl::StatusOr<Bytes> raw = HexDecode(request.id());
  Bytes thread;
  if (raw.ok()) {
    for (const v1::StoredItemMeta& meta : items) {
      if (meta.message_id() == *raw) ref = meta.ref();
      if (meta.thread_id() == *raw) thread = *raw;
    }
  }
  std::vector<const v1::StoredItemMeta*> chosen;
  for (const v1::StoredItemMeta& meta : items) {
    bool in =
        (!ref.empty() && meta.ref() == ref) || (!thread.empty() && meta.thread_id() == thread);
    if (in && MayRead(user.config, meta.kind())) chosen.push_back(&meta);
  }
  if (chosen.empty()) {
    return NodeError(
        absl::StatusCode::kNotFound,
        absl::StrCat("ningún hilo, caso ni mensaje «", request.id(), "» que pueda ver"),
        absl::StrCat("no thread, case or message \"", request.id(), "\" that you may see"));
  }
  std::sort(chosen.begin(), chosen.end(),
            [](const auto* a, const auto* b) { return a->created_at_ms() < b->created_at_ms(); });
  v1::ThreadResponse response;
  for (const v1::StoredItemMeta* meta : chosen) {
    ASSIGN_OR_RETURN(*response.add_items(),
                     ShowItem(user.os_user, user.uid, *meta, request.for_export()));
  }
  absl::StatusOr<v1::CaseSummary> summary = store_->GetCase(chosen.front()->ref());
  if (summary.ok()) {
    RefreshDeadline(*summary, options_.env.clock->Now(), options_.policies);
    *response.mutable_case_summary() = std::move(*summary);
  }
  return response;
}

absl::Status Node::ExportAttachment(
    const LocalUser& user, const v1::ExportAttachmentRequest& request,
    const std::function<absl::Status(const v1::ExportAttachmentPart&)>& part) {
  ASSIGN_OR_RETURN(Bytes id, ParseMessageId(request.message_id()));
  v1::ExportAttachmentPart first;
  {
    absl::MutexLock lock(&mu_);
    absl::StatusOr<v1::StoredItemMeta> meta = store_->GetItem(id);
    if (!meta.ok()) return NoSuchMessage(meta.status(), request.message_id());
    if (!MayRead(user.config, meta->kind())) return RoleRefused(user, meta->kind(), false);
    if (meta->purged_at_ms() != 0) return Purged(*meta);
    if (request.index() >= meta->attachment_count()) {
      return NodeError(
          absl::StatusCode::kNotFound,
          absl::StrCat("el mensaje ", request.message_id(), " tiene ", meta->attachment_count(),
                       " adjuntos; no hay adjunto ", request.index() + 1),
          absl::StrCat("message ", request.message_id(), " has ", meta->attachment_count(),
                       " attachments; there is no attachment ", request.index() + 1));
    }
    ASSIGN_OR_RETURN(v1::StoredContent stored, store_->GetContent(id));
    absl::StatusOr<v1::Content> content = domain::ContentFromBinary(stored.content());
    OPENSSL_cleanse(stored.mutable_content()->data(), stored.content().size());
    RETURN_IF_ERROR(content.status());
    const std::vector<const v1::Attachment*> refs = AttachmentRefs(*content);
    if (refs.size() != meta->attachment_count()) {
      return absl::DataLossError(absl::StrCat("message ", request.message_id(), " lists ",
                                              refs.size(), " attachments but the store holds ",
                                              meta->attachment_count()));
    }
    *first.mutable_attachment() = *refs[request.index()];
    v1::AccessRecord details;
    details.set_attachment(request.index());
    NodeStore::Batch batch = store_->NewBatch();
    RETURN_IF_ERROR(
        RecordAccess(batch, user.os_user, user.uid, "export_attachment", id, std::move(details)));
    RETURN_IF_ERROR(store_->Commit(batch));
  }
  // Outside the lock: the store's iterator reads a consistent snapshot.
  RETURN_IF_ERROR(part(first));
  return store_->ReadBlob(id, request.index(), [&](absl::string_view piece) {
    v1::ExportAttachmentPart next;
    next.set_data(std::string(piece));
    absl::Status given = part(next);
    OPENSSL_cleanse(next.mutable_data()->data(), next.data().size());
    return given;
  });
}

absl::StatusOr<v1::ListCasesResponse> Node::ListCases(const LocalUser& user,
                                                      const v1::ListCasesRequest& request) const {
  ASSIGN_OR_RETURN(std::vector<v1::CaseSummary> cases, store_->ListCases());
  const absl::Time now = options_.env.clock->Now();
  std::vector<v1::CaseSummary> chosen;
  for (v1::CaseSummary& summary : cases) {
    if (!MayRead(user.config, KindOfCase(summary.kind()))) continue;
    if (request.kind() != v1::CASE_KIND_UNSPECIFIED && summary.kind() != request.kind()) continue;
    RefreshDeadline(summary, now, options_.policies);
    if (request.overdue_only() && !summary.overdue()) continue;
    chosen.push_back(std::move(summary));
  }
  std::sort(chosen.begin(), chosen.end(), [](const auto& a, const auto& b) {
    return a.opened_at().seconds() > b.opened_at().seconds();
  });
  v1::ListCasesResponse response;
  for (v1::CaseSummary& summary : chosen) *response.add_cases() = std::move(summary);
  return response;
}

absl::StatusOr<v1::KeysResponse> Node::Keys(const LocalUser& user) const {
  if (!MayAdminister(user.config)) return FocalPointOnly(user);
  ASSIGN_OR_RETURN(std::shared_ptr<const Directory> directory, RequireDirectory());
  const absl::Time now = options_.env.clock->Now();
  v1::KeysResponse response;
  response.set_participant_id(self().str());
  response.set_directory_version(directory->version());
  response.set_certificate_sha256(HexEncode(options_.certificate_sha256));
  if (options_.certificate_not_after != absl::InfiniteFuture()) {
    *response.mutable_certificate_not_after() = TimeToProto(options_.certificate_not_after);
  }
  absl::StatusOr<const Ed25519PrivateKey*> signing = keys_.SigningKeyAt(*directory, now);
  absl::StatusOr<std::vector<EncryptionKeyEntry>> encryption =
      directory->EncryptionKeys(self(), now);
  ASSIGN_OR_RETURN(const v1::DirectoryParticipant* entry, directory->Participant(self()));
  auto add = [&](const v1::DirectoryKey& key, absl::string_view kind, bool held, bool in_use) {
    v1::KeyInfo* info = response.add_keys();
    info->set_kind(std::string(kind));
    info->set_key_id(HexEncode(key.key_id()));
    *info->mutable_not_before() = TimeToProto(absl::FromUnixMillis(key.not_before_ms()));
    *info->mutable_not_after() = TimeToProto(absl::FromUnixMillis(key.not_after_ms()));
    absl::StatusOr<KeyValidity> validity = directory->KeyInfo(self(), key.key_id());
    if (validity.ok() && validity->revoked_at.has_value()) {
      *info->mutable_revoked_at() = TimeToProto(*validity->revoked_at);
    }
    info->set_in_directory(true);
    info->set_private_key_held(held);
    info->set_in_use(in_use);
  };
  for (const v1::DirectoryKey& key : entry->signing_keys()) {
    bool held = false;
    for (const Ed25519PrivateKey& k : keys_.signing_keys())
      held |= k.public_key().KeyId() == key.key_id();
    bool in_use = signing.ok() && (*signing)->public_key().KeyId() == key.key_id();
    add(key, "signing", held, in_use);
  }
  absl::MutexLock lock(&mu_);  // the held encryption keys change when one is destroyed
  for (const v1::DirectoryKey& key : entry->encryption_keys()) {
    bool held = keys_.EncryptionKey(key.key_id()) != nullptr;
    bool in_use = encryption.ok() && encryption->front().key.KeyId() == key.key_id();
    add(key, "encryption", held, in_use);
  }
  return response;
}

void Node::SetHubReachable(bool reachable, absl::string_view detail) {
  absl::MutexLock lock(&status_mu_);
  hub_reachable_ = reachable;
  hub_detail_ = std::string(detail);
  // The hub answers again: the outbox need not sit out the rest of its backoff.
  if (reachable) hub_retry_at_ = absl::InfinitePast();
}

absl::StatusOr<v1::DoctorResponse> Node::Doctor(const LocalUser& user,
                                                const v1::DoctorRequest& request) const {
  const domain::Language lang = LanguageOf(request.lang());
  const bool es = lang == domain::Language::kSpanish;
  const absl::Time now = options_.env.clock->Now();
  v1::DoctorResponse response;
  auto add = [&](absl::string_view name, v1::CheckResult result, std::string detail) {
    v1::DoctorCheck* check = response.add_checks();
    check->set_name(std::string(name));
    check->set_result(result);
    check->set_detail(std::move(detail));
  };
  bool reachable;
  std::string hub_detail;
  absl::Time fetched;
  absl::optional<absl::Duration> skew;
  {
    absl::MutexLock lock(&status_mu_);
    reachable = hub_reachable_;
    hub_detail = hub_detail_;
    fetched = directory_fetched_at_;
    skew = clock_skew_;
  }
  add("hub", reachable ? v1::CHECK_RESULT_OK : v1::CHECK_RESULT_FAILED,
      reachable
          ? (es ? "el hub responde" : "the hub answers")
          : absl::StrCat(es ? "el hub no responde: " : "the hub does not answer: ", hub_detail));

  absl::Duration left = options_.certificate_not_after - now;
  v1::CheckResult cert = left <= absl::ZeroDuration()  ? v1::CHECK_RESULT_FAILED
                         : left < absl::Hours(24 * 30) ? v1::CHECK_RESULT_WARNING
                                                       : v1::CHECK_RESULT_OK;
  add("certificate", cert,
      options_.certificate_not_after == absl::InfiniteFuture()
          ? std::string(es ? "sin datos del certificado" : "no certificate facts")
          : absl::StrCat(es ? "el certificado TLS vence el " : "the TLS certificate expires on ",
                         FormatLocal(options_.certificate_not_after, options_.config.time_zone()),
                         " (", absl::FormatDuration(absl::Trunc(left, absl::Hours(1))), ")"));

  if (!skew.has_value()) {
    add("clock", v1::CHECK_RESULT_WARNING,
        es ? "desfase con el hub aún no medido (se mide en cada recibo)"
           : "offset from the hub not measured yet (measured at every receipt)");
  } else {
    absl::Duration abs_skew = absl::AbsDuration(*skew);
    add("clock",
        abs_skew > absl::Seconds(options_.config.max_clock_skew_s()) ? v1::CHECK_RESULT_FAILED
        : abs_skew > absl::Seconds(30)                               ? v1::CHECK_RESULT_WARNING
                                                                     : v1::CHECK_RESULT_OK,
        absl::StrCat(es ? "desfase con el reloj del hub: " : "offset from the hub's clock: ",
                     absl::FormatDuration(absl::Trunc(*skew, absl::Milliseconds(1)))));
  }

  std::shared_ptr<const Directory> directory = directory_->current();
  if (directory == nullptr) {
    add("directory", v1::CHECK_RESULT_FAILED,
        es ? "sin directorio de la red" : "no network directory");
  } else {
    absl::Duration age = now - directory->issued_at();
    bool stale = fetched == absl::InfinitePast() ||
                 now - fetched > 3 * absl::Seconds(options_.config.directory_refresh_s());
    add("directory", stale ? v1::CHECK_RESULT_WARNING : v1::CHECK_RESULT_OK,
        absl::StrCat(
            es ? "versión " : "version ", directory->version(),
            es ? ", emitida hace " : ", issued ",
            absl::FormatDuration(absl::Trunc(age, absl::Minutes(1))), es ? "" : " ago",
            stale ? (es ? "; no se ha podido actualizar recientemente" : "; not refreshed recently")
                  : ""));
  }

  uint64_t alarms = witness_->alarm_count();
  absl::optional<absl::Time> last = witness_->last_check();
  std::string key_source = witness_->log_key_source();
  add("log",
      alarms > 0          ? v1::CHECK_RESULT_FAILED
      : !last.has_value() ? v1::CHECK_RESULT_WARNING
                          : v1::CHECK_RESULT_OK,
      alarms > 0
          ? absl::StrCat(es ? "ALARMA: " : "ALARM: ", alarms,
                         es ? " incidencias del registro de auditoría o mensajes rechazados "
                              "(enlace audit; pruebas en "
                            : " audit-log incidents or rejected messages (enlace audit; evidence "
                              "in ",
                         options_.config.data_dir(), "/evidence)")
          : absl::StrCat(
                last.has_value() ? absl::StrCat(es ? "consistente; última comprobación "
                                                   : "consistent; last checked ",
                                                FormatLocal(*last, options_.config.time_zone()))
                                 : std::string(es ? "aún sin comprobar" : "not checked yet"),
                key_source.empty()
                    ? ""
                    : absl::StrCat(es ? "; clave del registro fijada por " : "; log key pinned by ",
                                   key_source == "directory"
                                       ? (es ? "el directorio" : "the directory")
                                       : (es ? "primer uso" : "first use"))));

  absl::StatusOr<std::vector<v1::OutboxEntry>> waiting = store_->ListOutbox();
  const size_t outbox = waiting.ok() ? waiting->size() : 0;
  std::string last_error;
  if (waiting.ok() && !waiting->empty() && !waiting->front().last_error().empty()) {
    const v1::OutboxEntry& oldest = waiting->front();
    last_error =
        absl::StrCat(es ? "; el más antiguo, " : "; the oldest, ", HexEncode(oldest.message_id()),
                     es ? ", intentado " : ", tried ", oldest.attempts(),
                     es ? " veces; último error: " : " times; last error: ", oldest.last_error());
  }
  absl::StatusOr<std::vector<v1::StoredItemMeta>> items = store_->ListItems();
  int failed = 0;
  if (items.ok()) {
    for (const auto& meta : *items) failed += meta.delivery() == v1::ITEM_STATE_FAILED;
  }
  add("outbox", failed > 0 || !last_error.empty() ? v1::CHECK_RESULT_WARNING : v1::CHECK_RESULT_OK,
      absl::StrCat(outbox, es ? " mensajes en espera" : " messages waiting", last_error,
                   failed > 0 ? absl::StrCat(es ? "; " : "; ", failed,
                                             es ? " rechazados por el hub (enlace inbox)"
                                                : " refused by the hub (enlace inbox)")
                              : ""));

  if (directory != nullptr) {
    absl::StatusOr<const Ed25519PrivateKey*> signing = keys_.SigningKeyAt(*directory, now);
    add("keys", signing.ok() ? v1::CHECK_RESULT_OK : v1::CHECK_RESULT_FAILED,
        signing.ok() ? absl::StrCat(es ? "clave de firma en uso " : "signing key in use ",
                                    HexEncode((*signing)->public_key().KeyId()))
                     : std::string(signing.status().message()));
  }
  response.set_healthy(
      std::none_of(response.checks().begin(), response.checks().end(),
                   [](const v1::DoctorCheck& c) { return c.result() == v1::CHECK_RESULT_FAILED; }));
  return response;
}

absl::StatusOr<v1::AuditResponse> Node::Audit(const LocalUser& user) const {
  if (!MayAdminister(user.config)) return FocalPointOnly(user);
  ASSIGN_OR_RETURN(v1::AuditResponse response, witness_->View());
  response.set_log_key_source(witness_->log_key_source());
  ASSIGN_OR_RETURN(std::vector<v1::AccessRecord> access, store_->ListAccess());
  for (auto it = access.rbegin();
       it != access.rend() && response.access_log_size() < kAccessLogView; ++it) {
    v1::AccessEntry* entry = response.add_access_log();
    *entry->mutable_at() = TimeToProto(absl::FromUnixMillis(it->at_ms()));
    entry->set_os_user(it->os_user());
    entry->set_action(it->action());
    entry->set_message_id(HexEncode(it->message_id()));
    entry->set_key_id(HexEncode(it->key_id()));
    entry->set_attachment(it->attachment());
    entry->set_ref(it->ref());
  }
  return response;
}

// ---------------------------------------------------------------------------------------------
// With the hub

absl::Status Node::OnConnected() {
  RETURN_IF_ERROR(RefreshDirectory());
  ASSIGN_OR_RETURN(std::shared_ptr<const Directory> directory, RequireDirectory());
  RETURN_IF_ERROR(witness_->EnsureLogKey(*directory));
  return CheckLog().status();
}

absl::Status Node::RefreshDirectory() {
  std::shared_ptr<const Directory> current = directory_->current();
  ASSIGN_OR_RETURN(v1::GetDirectoryResponse response,
                   hub_->GetDirectory(current == nullptr ? 0 : current->version()));
  const absl::Time now = options_.env.clock->Now();
  if (response.has_directory()) {
    const std::string bytes = response.directory().SerializeAsString();
    absl::StatusOr<std::shared_ptr<const Directory>> accepted = directory_->Accept(bytes, now);
    if (!accepted.ok()) {
      nlohmann::json evidence{{"offered_version", response.version()},
                              {"current_version", current == nullptr ? 0 : current->version()},
                              {"error", std::string(accepted.status().message())}};
      RETURN_IF_ERROR(witness_->Alarm(
          accepted.status().code() == absl::StatusCode::kFailedPrecondition ? "directory_rollback"
                                                                            : "directory_invalid",
          absl::StrCat("the hub offered a directory this node refuses: ",
                       accepted.status().message()),
          evidence.dump()));
      return accepted.status();
    }
    NodeStore::Batch batch = store_->NewBatch();
    batch.PutState(kDirectoryState, bytes);
    batch.PutState(kDirectoryVersionState, absl::StrCat((*accepted)->version()));
    RETURN_IF_ERROR(store_->Commit(batch));
    LogInfo("node.directory", {{"version", absl::StrCat((*accepted)->version())}});
  }
  absl::MutexLock lock(&status_mu_);
  directory_fetched_at_ = now;
  return absl::OkStatus();
}

size_t Node::OutboxSize() const {
  absl::StatusOr<std::vector<v1::OutboxEntry>> entries = store_->ListOutbox();
  return entries.ok() ? entries->size() : 0;
}

absl::Time Node::NextOutboxAttempt() const {
  absl::StatusOr<std::vector<v1::OutboxEntry>> entries = store_->ListOutbox();
  absl::Time next = absl::InfiniteFuture();
  if (!entries.ok()) return next;
  absl::Time hub_back;
  {
    absl::MutexLock lock(&status_mu_);
    hub_back = hub_retry_at_;
  }
  for (const v1::OutboxEntry& e : *entries) {
    next = std::min(next, std::max(hub_back, absl::FromUnixMillis(e.next_attempt_ms())));
  }
  return next;
}

absl::StatusOr<int> Node::DrainOutbox() {
  ASSIGN_OR_RETURN(std::vector<v1::OutboxEntry> entries, store_->ListOutbox());
  int left = 0;
  const absl::Time now = options_.env.clock->Now();
  {
    absl::MutexLock lock(&status_mu_);
    if (now < hub_retry_at_) return 0;  // the hub was away: the whole outbox waits
  }
  // In the order written. An entry that waits for the hub (not for a refusal's backoff) is due
  // whenever the hub is tried, so the outbox leaves in order once it is back.
  for (v1::OutboxEntry& entry : entries) {
    if (!entry.waiting_for_hub() && entry.next_attempt_ms() > absl::ToUnixMillis(now)) continue;
    absl::Status submitted = SubmitOne(std::move(entry));
    if (submitted.ok()) {
      ++left;
    } else if (HubAway(submitted)) {
      break;  // the later entries wait behind this one
    }
  }
  // Acknowledgements that did not reach the hub before.
  std::map<std::string, std::string> acks;
  {
    absl::MutexLock lock(&mu_);
    acks = pending_acks_;
  }
  for (const auto& [id, header_hash] : acks) {
    absl::MutexLock lock(&mu_);
    absl::StatusOr<v1::StoredItemMeta> meta = store_->GetItem(id);
    if (meta.ok()) SendAck(*meta, header_hash).IgnoreError();  // retried at the next drain
  }
  return left;
}

absl::Status Node::SubmitOne(v1::OutboxEntry entry) {
  const absl::Time now = options_.env.clock->Now();
  if (entry.envelope_in_blobs()) {
    ASSIGN_OR_RETURN(*entry.mutable_envelope(),
                     store_->GetBlob(entry.message_id(), NodeStore::kEnvelopePart));
  }
  absl::StatusOr<v1::SubmitResponse> response = hub_->Submit(entry.envelope());
  if (!response.ok()) {
    submit_failures_.fetch_add(1);
    absl::StatusCode code = response.status().code();
    bool too_old = now - absl::FromUnixMillis(entry.queued_at_ms()) >
                   absl::Seconds(options_.config.max_message_age_s());
    NodeStore::Batch batch = store_->NewBatch();
    if (IsPermanent(code) || too_old) {
      batch.DeleteOutbox(entry);
      absl::MutexLock lock(&mu_);
      ASSIGN_OR_RETURN(v1::StoredItemMeta meta, store_->GetItem(entry.message_id()));
      meta.set_delivery(v1::ITEM_STATE_FAILED);
      meta.set_error(std::string(response.status().message()));
      batch.PutItem(meta);
      RETURN_IF_ERROR(store_->Commit(batch));
      LogError("node.submit_refused", {{"message_id", HexEncode(entry.message_id())},
                                       {"error", std::string(response.status().message())}});
      return absl::OkStatus();  // it left the outbox
    }
    entry.set_attempts(entry.attempts() + 1);
    // The hub away: one backoff for the whole outbox (its consecutive failures); a refusal by
    // the hub: this entry's own.
    const bool away = HubAway(response.status());
    uint32_t failures = entry.attempts();
    if (away) {
      absl::MutexLock lock(&status_mu_);
      failures = ++hub_failures_;
    }
    absl::Duration delay = RetryDelay(
        failures, absl::Milliseconds(options_.config.outbox().initial_backoff_ms()),
        absl::Milliseconds(options_.config.outbox().max_backoff_ms()), options_.env.random);
    if (away) {
      absl::MutexLock lock(&status_mu_);
      hub_retry_at_ = now + delay;
    }
    entry.set_waiting_for_hub(away);
    entry.set_next_attempt_ms(absl::ToUnixMillis(now + delay));
    entry.set_last_error(std::string(response.status().message()));
    if (entry.envelope_in_blobs()) entry.clear_envelope();  // it stays in the blobs only
    batch.PutOutbox(entry);
    RETURN_IF_ERROR(store_->Commit(batch));
    LogWarning("node.submit_retry", {{"message_id", HexEncode(entry.message_id())},
                                     {"attempt", absl::StrCat(entry.attempts())},
                                     {"retry_in", absl::FormatDuration(delay)},
                                     {"error", std::string(response.status().message())}});
    return response.status();
  }
  const v1::Receipt& receipt = response->receipt();
  {
    absl::MutexLock lock(&status_mu_);
    clock_skew_ = absl::FromUnixMillis(receipt.hub_time_ms()) - options_.env.clock->Now();
    hub_failures_ = 0;
  }
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(v1::StoredItemMeta meta, store_->GetItem(entry.message_id()));
  absl::Status pinned = absl::OkStatus();
  if (witness_->log_key_source().empty()) {
    std::shared_ptr<const Directory> directory = directory_->current();
    if (directory != nullptr) pinned = witness_->EnsureLogKey(*directory);
  }
  absl::Status valid = pinned.ok() ? witness_->VerifyReceipt(receipt, entry.message_id(),
                                                             meta.header_hash(), entry.envelope())
                                   : pinned;
  NodeStore::Batch batch = store_->NewBatch();
  batch.DeleteOutbox(entry);
  meta.set_delivery(v1::ITEM_STATE_SUBMITTED);
  if (valid.ok()) {
    meta.set_has_receipt(true);
    meta.set_log_index(receipt.log_index());
    witness_->ExpectInclusion(batch, receipt);
  }
  batch.PutItem(meta);
  RETURN_IF_ERROR(store_->Commit(batch));
  sent_.fetch_add(1);
  LogInfo("node.submitted", {{"message_id", HexEncode(entry.message_id())},
                             {"log_index", absl::StrCat(receipt.log_index())},
                             {"duplicate", response->duplicate() ? "true" : "false"}});
  return absl::OkStatus();
}

uint64_t Node::cursor() const {
  absl::MutexLock lock(&mu_);
  return cursor_;
}

absl::Status Node::SaveCursor(uint64_t sequence) {
  if (sequence <= cursor_) return absl::OkStatus();  // an entry behind it (see HandleDelivery)
  NodeStore::Batch batch = store_->NewBatch();
  batch.PutState(kCursorState, absl::StrCat(sequence));
  RETURN_IF_ERROR(store_->Commit(batch));
  cursor_ = sequence;
  return absl::OkStatus();
}

absl::Status Node::HandleDelivery(const v1::Delivery& delivery) {
  absl::MutexLock lock(&mu_);
  // The hub sends its mailbox in order, after the cursor. An entry at or before the cursor is
  // either a message stored already (a repeat: shown once, counted) or one the hub held back and
  // sends out of order: received all the same, and reported.
  const bool behind = delivery.sequence() <= cursor_;
  if (behind && store_->HasItem(delivery.message_id())) {
    if (delivery.offset() == 0) duplicates_.fetch_add(1);
    return absl::OkStatus();
  }
  std::string& bytes = partial_[delivery.sequence()];
  // A stream that broke mid-envelope and resumed sends that envelope again from its start.
  if (delivery.offset() == 0) bytes.clear();
  if (delivery.envelope_size() > kMaxNodeEnvelopeBytes || delivery.offset() != bytes.size() ||
      delivery.offset() + delivery.data().size() > delivery.envelope_size()) {
    partial_.clear();
    return Reject(delivery.sequence(), delivery.message_id(),
                  absl::StrCat("delivery out of bounds: envelope of ", delivery.envelope_size(),
                               " bytes (this node takes at most ", kMaxNodeEnvelopeBytes,
                               "), piece at ", delivery.offset(), " of ", delivery.data().size()),
                  "");
  }
  if (delivery.offset() == 0) bytes.reserve(delivery.envelope_size());  // one allocation
  bytes.append(delivery.data());
  if (bytes.size() < delivery.envelope_size()) return absl::OkStatus();
  std::string envelope = std::move(bytes);
  partial_.clear();
  if (behind) {
    RETURN_IF_ERROR(witness_->Alarm(
        "delivery_out_of_order",
        absl::StrCat("the hub delivered message ", HexEncode(delivery.message_id()),
                     " as mailbox entry ", delivery.sequence(), " after entry ", cursor_,
                     ": its mailbox order is broken (the message is received all the same)"),
        nlohmann::json{{"sequence", delivery.sequence()},
                       {"cursor", cursor_},
                       {"message_id", HexEncode(delivery.message_id())}}
            .dump()));
  }
  return Receive(delivery, envelope);
}

absl::Status Node::Reject(uint64_t sequence, absl::string_view message_id, absl::string_view reason,
                          absl::string_view envelope_bytes) {
  rejected_.fetch_add(1);
  absl::StatusOr<Sha256Digest> hash = Sha256(envelope_bytes);
  nlohmann::json evidence{{"sequence", sequence},
                          {"message_id", HexEncode(message_id)},
                          {"reason", std::string(reason)},
                          {"envelope_size", envelope_bytes.size()},
                          {"envelope_sha256", hash.ok() ? HexEncode(DigestBytes(*hash)) : ""}};
  if (envelope_bytes.size() <= kMaxEvidenceEnvelopeBytes) {
    evidence["envelope"] = HexEncode(envelope_bytes);  // ciphertext and header: no content
  }
  RETURN_IF_ERROR(witness_->Alarm("rejected_envelope",
                                  absl::StrCat("refused message ", HexEncode(message_id),
                                               " (mailbox entry ", sequence, "): ", reason),
                                  evidence.dump()));
  return SaveCursor(sequence);
}

absl::Status Node::Receive(const v1::Delivery& delivery, absl::string_view envelope_bytes) {
  const uint64_t sequence = delivery.sequence();
  const absl::Time now = options_.env.clock->Now();
  auto reject = [&](absl::string_view reason) {
    return Reject(sequence, delivery.message_id(), reason, envelope_bytes);
  };
  EnvelopeLimits limits;
  limits.max_envelope_size = kMaxNodeEnvelopeBytes;
  absl::StatusOr<v1::Envelope> envelope = ParseEnvelope(envelope_bytes, limits);
  if (!envelope.ok()) return reject(envelope.status().message());
  absl::StatusOr<v1::Header> header = ReadUnverifiedHeader(*envelope);
  if (!header.ok()) return reject(header.status().message());
  if (header->message_id() != delivery.message_id()) {
    return reject("the delivery names another message id than the envelope");
  }
  const Bytes& id = header->message_id();
  if (store_->HasItem(id)) {
    // Shown once: a second delivery of a stored message only gets its acknowledgement again.
    duplicates_.fetch_add(1);
    ASSIGN_OR_RETURN(v1::StoredItemMeta meta, store_->GetItem(id));
    RETURN_IF_ERROR(SaveCursor(sequence));
    if (meta.direction() == v1::ITEM_DIRECTION_INBOUND &&
        meta.delivery() != v1::ITEM_STATE_ACKNOWLEDGED) {
      SendAck(meta, meta.header_hash()).IgnoreError();
    }
    return absl::OkStatus();
  }
  if (std::find(header->recipient_ids().begin(), header->recipient_ids().end(), self().str()) ==
      header->recipient_ids().end()) {
    return reject("this node is not among the envelope's recipients");
  }
  std::shared_ptr<const Directory> directory = directory_->current();
  if (directory == nullptr) {
    return absl::FailedPreconditionError("no directory yet: deliveries wait for it");
  }
  const ParticipantRules rules = RulesOf(options_.config);
  absl::StatusOr<ParticipantId> sender = ParticipantId::Parse(header->sender_id(), rules);
  if (!sender.ok()) return reject(absl::StrCat("sender: ", sender.status().message()));
  const absl::Time created = absl::FromUnixMillis(header->created_at_ms());
  const absl::Duration max_skew = absl::Seconds(options_.config.max_clock_skew_s());
  if (created > now + max_skew) {
    return reject(absl::StrCat(
        "created at ", FormatUtc(created), ", ",
        absl::FormatDuration(absl::Trunc(created - now, absl::Milliseconds(1))),
        " after this node's time ", FormatUtc(now), ": beyond the allowed clock skew of ",
        absl::FormatDuration(max_skew), " (check the sender's clock, or this node's)"));
  }
  if (created < now - absl::Seconds(options_.config.max_message_age_s())) {
    return reject(absl::StrCat(
        "created at ", FormatUtc(created), ", older than ",
        absl::FormatDuration(absl::Seconds(options_.config.max_message_age_s())), " (replay?)"));
  }
  absl::StatusOr<Ed25519PublicKey> key =
      directory->SigningKey(*sender, header->sender_key_id(), created);
  if (absl::IsNotFound(key.status()) && RefreshDirectory().ok()) {
    // A participant or key newer than this node's directory: look again in the current one.
    directory = directory_->current();
    key = directory->SigningKey(*sender, header->sender_key_id(), created);
  }
  if (!key.ok()) {
    return reject(absl::StrCat("sender key: ", key.status().message()));
  }
  // A signer's clock is its own word: a message dated before its key's revocation but accepted
  // by the hub after it (allowing for clock skew) is refused too.
  absl::StatusOr<KeyValidity> validity = directory->KeyInfo(*sender, header->sender_key_id());
  const absl::Time submitted = absl::FromUnixMillis(delivery.submitted_at_ms());
  if (validity.ok() && validity->revoked_at.has_value() && delivery.submitted_at_ms() > 0 &&
      submitted > *validity->revoked_at + absl::Seconds(options_.config.max_clock_skew_s())) {
    return reject(absl::StrCat("sender key ", HexEncode(header->sender_key_id()),
                               " was revoked at ", FormatUtc(*validity->revoked_at),
                               " and the hub accepted this message at ", FormatUtc(submitted)));
  }
  absl::StatusOr<Opened> opened = Open(*envelope, keys_.recipient_identity(), *key, limits);
  if (!opened.ok()) return reject(opened.status().message());
  auto cleanse = absl::MakeCleanup(
      [&opened] { OPENSSL_cleanse(opened->plaintext.data(), opened->plaintext.size()); });
  envelope = v1::Envelope();  // the ciphertext is still in envelope_bytes
  // The content, and every attachment checked against its reference (views into plaintext).
  absl::StatusOr<UnpackedPlaintext> unpacked = UnpackPlaintext(opened->plaintext);
  if (!unpacked.ok()) return reject(unpacked.status().message());
  const v1::Content* content = &unpacked->content;
  absl::Status kind_ok = domain::CheckKindMatches(*content, header->kind());
  if (!kind_ok.ok()) return reject(kind_ok.message());
  domain::ValidationContext validation =
      domain::MakeValidationContext(*options_.env.clock, domain::ValidationMode::kReceived);
  validation.network_countries = rules.countries;
  validation.clock_skew = absl::Seconds(options_.config.max_clock_skew_s());
  validation.retention = options_.policies.retention;
  absl::Status valid = domain::IssuesToStatus(domain::Validate(*content, validation));
  if (!valid.ok()) return reject(absl::StrCat("content: ", valid.message()));
  if (content->has_forwarded() && content->forwarded().forwarded_by() != sender->str()) {
    return reject("a forward whose forwarded_by is not its sender");
  }

  const std::string ref = RefOf(*content);
  absl::optional<v1::CaseSummary> next_case;
  bool new_referral = false;
  if (!ref.empty() && !content->has_forwarded()) {
    absl::optional<v1::CaseSummary> current;
    absl::StatusOr<v1::CaseSummary> stored = store_->GetCase(ref);
    if (stored.ok()) current = std::move(*stored);
    std::vector<std::string> recipients(header->recipient_ids().begin(),
                                        header->recipient_ids().end());
    CaseContext context{
        self().str(), sender->str(), recipients, HexEncode(id), HexEncode(header->thread_id()),
        now};
    next_case = ApplyInbound(current, *content, context, options_.policies);
    new_referral = !current.has_value() && next_case.has_value() && content->has_victim_referral();
    if (next_case.has_value() && next_case->flags_size() > (current ? current->flags_size() : 0)) {
      LogWarning("node.case_flagged", {{"ref", ref}, {"flag", next_case->flags().rbegin()[0]}});
    }
  }

  v1::StoredItemMeta meta;
  meta.set_message_id(id);
  meta.set_kind(header->kind());
  meta.set_direction(v1::ITEM_DIRECTION_INBOUND);
  meta.set_sender_id(header->sender_id());
  *meta.mutable_recipient_ids() = header->recipient_ids();
  meta.set_created_at_ms(header->created_at_ms());
  meta.set_stored_at_ms(absl::ToUnixMillis(now));
  meta.set_thread_id(header->thread_id());
  meta.set_ref(ref);
  meta.set_priority(header->priority());
  meta.set_delivery(v1::ITEM_STATE_RECEIVED);
  meta.set_signer_key_id(header->sender_key_id());
  meta.set_header_hash(DigestBytes(opened->verified.header_hash));
  const uint64_t cursor_after = std::max(cursor_, sequence);  // never back (HandleDelivery)
  RETURN_IF_ERROR(StoreItem(meta, *content, unpacked->bodies, envelope_bytes, /*outbox=*/nullptr,
                            next_case, [&](NodeStore::Batch& batch) {
                              batch.PutState(kCursorState, absl::StrCat(cursor_after));
                              return RecordAccess(batch, options_.daemon_user, 0, "decrypt", id);
                            }));
  cursor_ = cursor_after;
  received_.fetch_add(1);
  LogInfo("node.received", {{"message_id", HexEncode(id)},
                            {"kind", v1::MessageKind_Name(header->kind())},
                            {"sender", header->sender_id()}});
  SendAck(meta, meta.header_hash()).IgnoreError();  // retried by DrainOutbox if it failed
  if (new_referral) {
    absl::Status received_step = AcknowledgeReferral(*next_case);
    if (!received_step.ok()) {
      LogWarning("node.received_step",
                 {{"ref", ref}, {"error", std::string(received_step.message())}});
    }
  }
  return absl::OkStatus();
}

absl::Status Node::AcknowledgeReferral(const v1::CaseSummary& summary) {
  v1::Content content;
  v1::ReferralStatus& status = *content.mutable_referral_status();
  status.set_case_ref(summary.ref());
  status.set_state(v1::REFERRAL_STATE_RECEIVED);
  *status.mutable_effective_at() = TimeToProto(options_.env.clock->Now());
  content.set_language(options_.config.language());
  LocalUser system;
  system.os_user = options_.daemon_user;
  system.config.set_os_user(options_.daemon_user);
  system.config.set_role(v1::NODE_ROLE_FOCAL_POINT);
  return Compose(system, std::move(content), {}, options_.daemon_user, {}).status();
}

absl::Status Node::SendAck(const v1::StoredItemMeta& meta, absl::string_view header_hash) {
  std::shared_ptr<const Directory> directory = directory_->current();
  if (directory == nullptr) return absl::FailedPreconditionError("no directory");
  const absl::Time now = options_.env.clock->Now();
  auto remember = [&](const absl::Status& status) {
    pending_acks_[meta.message_id()] = std::string(header_hash);
    return status;
  };
  absl::StatusOr<const Ed25519PrivateKey*> key = keys_.SigningKeyAt(*directory, now);
  if (!key.ok()) return remember(key.status());
  const int64_t acked_at_ms = absl::ToUnixMillis(now);
  absl::StatusOr<Bytes> signature =
      (*key)->Sign(AckSigningInput(meta.message_id(), header_hash, self().str(), acked_at_ms));
  if (!signature.ok()) return remember(signature.status());
  v1::AckRequest request;
  request.set_message_id(meta.message_id());
  request.set_acked_at_ms(acked_at_ms);
  request.set_key_id((*key)->public_key().KeyId());
  request.set_signature(*signature);
  absl::StatusOr<v1::AckResponse> response = hub_->Ack(request);
  if (!response.ok()) return remember(response.status());
  v1::StoredItemMeta acked = meta;
  acked.set_delivery(v1::ITEM_STATE_ACKNOWLEDGED);
  NodeStore::Batch batch = store_->NewBatch();
  batch.PutItem(acked);
  RETURN_IF_ERROR(store_->Commit(batch));
  pending_acks_.erase(meta.message_id());
  return absl::OkStatus();
}

absl::StatusOr<WitnessCheck> Node::CheckLog() {
  ASSIGN_OR_RETURN(WitnessCheck check, witness_->Check());
  absl::MutexLock lock(&mu_);
  NodeStore::Batch batch = store_->NewBatch();
  bool changed = false;
  for (const Bytes& id : check.included) {
    absl::StatusOr<v1::StoredItemMeta> meta = store_->GetItem(id);
    if (!meta.ok() || meta->delivery() != v1::ITEM_STATE_SUBMITTED) continue;
    meta->set_delivery(v1::ITEM_STATE_LOGGED);
    batch.PutItem(*meta);
    changed = true;
  }
  // Acknowledgements by the recipients of what this node sent.
  std::map<Bytes, v1::StoredItemMeta> updated;
  for (const v1::AuditEvent& event : check.events) {
    if (event.type() != v1::AUDIT_EVENT_ACKNOWLEDGED || event.sender_id() != self().str() ||
        event.recipient_ids_size() != 1) {
      continue;
    }
    auto it = updated.find(event.message_id());
    if (it == updated.end()) {
      absl::StatusOr<v1::StoredItemMeta> meta = store_->GetItem(event.message_id());
      if (!meta.ok()) continue;
      // Included items were updated above in the batch; start from that state.
      if (std::find(check.included.begin(), check.included.end(), event.message_id()) !=
              check.included.end() &&
          meta->delivery() == v1::ITEM_STATE_SUBMITTED) {
        meta->set_delivery(v1::ITEM_STATE_LOGGED);
      }
      it = updated.emplace(event.message_id(), std::move(*meta)).first;
    }
    const std::string& recipient = event.recipient_ids(0);
    auto& acked = *it->second.mutable_acknowledged_by();
    if (std::find(acked.begin(), acked.end(), recipient) == acked.end()) {
      it->second.add_acknowledged_by(recipient);
    }
  }
  for (auto& [id, meta] : updated) {
    batch.PutItem(meta);
    changed = true;
  }
  if (changed) RETURN_IF_ERROR(store_->Commit(batch));
  return check;
}

absl::StatusOr<MaintenanceReport> Node::Maintain() {
  absl::MutexLock lock(&mu_);
  MaintenanceReport report;
  ASSIGN_OR_RETURN(report.purged, PurgeDueContent());
  RETURN_IF_ERROR(PurgeDueMetadata(report));
  ASSIGN_OR_RETURN(report.destroyed_keys, DestroyRetiredKeys());
  return report;
}

absl::StatusOr<int> Node::PurgeDueContent() {
  const absl::Time now = options_.env.clock->Now();
  ASSIGN_OR_RETURN(std::vector<v1::StoredItemMeta> items, store_->ListItems());
  // When each item's case ended (nullopt: the reference has no case, e.g. a bulletin).
  std::map<std::string, absl::optional<absl::Time>> case_ends;
  int purged = 0;
  for (v1::StoredItemMeta& meta : items) {
    // Still to be submitted: the envelope is needed (the outbox gives up after the message age).
    if (meta.purged_at_ms() != 0 || meta.delivery() == v1::ITEM_STATE_QUEUED) continue;
    absl::optional<absl::Time> case_end;
    if (!meta.ref().empty()) {
      auto it = case_ends.find(meta.ref());
      if (it == case_ends.end()) {
        absl::StatusOr<v1::CaseSummary> summary = store_->GetCase(meta.ref());
        if (!summary.ok() && !absl::IsNotFound(summary.status())) return summary.status();
        it = case_ends
                 .emplace(meta.ref(), summary.ok() ? absl::make_optional(
                                                         CaseEndedAt(*summary, options_.policies))
                                                   : absl::nullopt)
                 .first;
      }
      case_end = it->second;
    }
    const absl::Time ended = case_end.value_or(absl::FromUnixMillis(meta.created_at_ms()));
    if (now < domain::ContentPurgeAt(meta.kind(), ended, options_.policies.retention)) continue;
    meta.set_purged_at_ms(absl::ToUnixMillis(now));
    NodeStore::Batch batch = store_->NewBatch();
    batch.DeleteContent(meta.message_id());
    batch.PutItem(meta);
    RETURN_IF_ERROR(RecordAccess(batch, options_.daemon_user, 0, "purge", meta.message_id()));
    RETURN_IF_ERROR(store_->Commit(batch));
    ++purged;
    LogInfo("node.purged", {{"message_id", HexEncode(meta.message_id())},
                            {"kind", v1::MessageKind_Name(meta.kind())},
                            {"ended", FormatUtc(ended)}});
  }
  return purged;
}

absl::Status Node::PurgeDueMetadata(MaintenanceReport& report) {
  const absl::Time now = options_.env.clock->Now();
  ASSIGN_OR_RETURN(std::vector<v1::CaseSummary> cases, store_->ListCases());
  ASSIGN_OR_RETURN(std::vector<v1::StoredItemMeta> items, store_->ListItems());
  // The items of each case go with the case; an item without a case goes alone.
  std::map<std::string, std::vector<const v1::StoredItemMeta*>> by_case;
  for (const v1::CaseSummary& summary : cases) by_case[summary.ref()];
  std::vector<const v1::StoredItemMeta*> alone;
  for (const v1::StoredItemMeta& meta : items) {
    auto it = by_case.find(meta.ref());
    if (it != by_case.end()) {
      it->second.push_back(&meta);
    } else {
      alone.push_back(&meta);
    }
  }
  // Deletes `group` and `summary` (if any) in one write once the metadata period of each (as of
  // `ended`) has run out.
  auto purge = [&](const std::vector<const v1::StoredItemMeta*>& group,
                   const v1::CaseSummary* summary, absl::Time ended) -> absl::Status {
    const domain::RetentionPolicy& retention = options_.policies.retention;
    if (summary != nullptr &&
        now < domain::MetadataPurgeAt(KindOfCase(summary->kind()), ended, retention)) {
      return absl::OkStatus();
    }
    for (const v1::StoredItemMeta* meta : group) {
      // Still to be submitted: its envelope and record are needed.
      if (meta->delivery() == v1::ITEM_STATE_QUEUED ||
          now < domain::MetadataPurgeAt(meta->kind(), ended, retention)) {
        return absl::OkStatus();
      }
    }
    NodeStore::Batch batch = store_->NewBatch();
    for (const v1::StoredItemMeta* meta : group) {
      batch.DeleteContent(meta->message_id());
      batch.DeleteItem(meta->message_id());
      v1::AccessRecord details;
      details.set_ref(meta->ref());
      RETURN_IF_ERROR(RecordAccess(batch, options_.daemon_user, 0, "purge_metadata",
                                   meta->message_id(), std::move(details)));
    }
    if (summary != nullptr) batch.DeleteCase(summary->ref());
    RETURN_IF_ERROR(store_->Commit(batch));
    report.metadata_purged += group.size();
    report.cases_purged += summary != nullptr ? 1 : 0;
    LogInfo("node.metadata_purged", {{"items", absl::StrCat(group.size())},
                                     {"case", summary != nullptr ? summary->ref() : "-"},
                                     {"ended", FormatUtc(ended)}});
    return absl::OkStatus();
  };
  for (const v1::CaseSummary& summary : cases) {
    // An open case keeps every record it refers to.
    if (CaseIsOpen(summary, now, options_.policies)) continue;
    RETURN_IF_ERROR(
        purge(by_case[summary.ref()], &summary, CaseEndedAt(summary, options_.policies)));
  }
  for (const v1::StoredItemMeta* meta : alone) {
    RETURN_IF_ERROR(purge({meta}, nullptr, absl::FromUnixMillis(meta->created_at_ms())));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Bytes>> Node::DestroyRetiredKeys() {
  std::shared_ptr<const Directory> directory = directory_->current();
  if (directory == nullptr) return std::vector<Bytes>();  // validity unknown: keep everything
  // An encryption key is needed for what was sealed to it before its end and arrives later: the
  // node refuses messages older than max_message_age (plus the clock skew it allows), so after
  // that long nothing it would accept can need the key.
  const absl::Duration retention = absl::Seconds(options_.config.max_message_age_s()) +
                                   absl::Seconds(options_.config.max_clock_skew_s());
  std::vector<KeyValidity> held;
  for (const X25519PrivateKey& key : keys_.encryption_keys()) {
    absl::StatusOr<KeyValidity> info = directory->KeyInfo(self(), key.public_key().KeyId());
    if (info.ok() && info->kind == KeyKind::kEncryption) held.push_back(*info);
  }
  std::vector<Bytes> destroyed = PrivateKeysToDestroy(held, options_.env.clock->Now(), retention);
  for (const Bytes& key_id : destroyed) {
    ASSIGN_OR_RETURN(std::string file,
                     keys_.DestroyEncryptionKey(key_id, options_.config.data_dir()));
    v1::AccessRecord details;
    details.set_key_id(key_id);
    NodeStore::Batch batch = store_->NewBatch();
    RETURN_IF_ERROR(
        RecordAccess(batch, options_.daemon_user, 0, "destroy_key", "", std::move(details)));
    RETURN_IF_ERROR(store_->Commit(batch));
    LogInfo("node.key_destroyed", {{"key_id", HexEncode(key_id)}, {"file", file}});
  }
  return destroyed;
}

std::string Node::MetricsText() const {
  std::shared_ptr<const Directory> directory = directory_->current();
  absl::StatusOr<v1::AuditResponse> view = witness_->View();
  std::string out;
  auto metric = [&](absl::string_view name, absl::string_view type, absl::string_view help,
                    uint64_t value) {
    absl::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n", name, " ",
                    value, "\n");
  };
  metric("enlace_node_alarms_total", "counter",
         "Audit-log incidents and refused envelopes recorded as alarms.", witness_->alarm_count());
  metric("enlace_node_sent_total", "counter", "Envelopes accepted by the hub.", sent_.load());
  metric("enlace_node_received_total", "counter", "Envelopes verified and stored.",
         received_.load());
  metric("enlace_node_rejected_total", "counter", "Envelopes refused on receipt.",
         rejected_.load());
  metric("enlace_node_duplicates_total", "counter", "Deliveries of a message already stored.",
         duplicates_.load());
  metric("enlace_node_submit_failures_total", "counter", "Failed submission attempts.",
         submit_failures_.load());
  metric("enlace_node_outbox_entries", "gauge", "Envelopes waiting for the hub.", OutboxSize());
  metric("enlace_node_directory_version", "gauge", "Version of the verified directory.",
         directory == nullptr ? 0 : directory->version());
  metric("enlace_node_log_tree_size", "gauge", "Size of the latest verified tree head.",
         view.ok() ? view->latest().tree_size() : 0);
  return out;
}

}  // namespace enlace::node
