// The exchange core: opening, admission checks (on the callers' threads), reads, and the
// synchronous wrappers. The committer and its operations are in exchange_commit.cc.
#include "hub/exchange.h"

#include <algorithm>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "auditlog/event.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "crypto/envelope.h"
#include "crypto/receipts.h"
#include "hub/internal/exchange_internal.h"
#include "hub/policy.h"
#include "rocksdb/iterator.h"

namespace enlace::hub {

using internal::Refusal;

namespace {

constexpr char kReasonPayload[] = "type.enlace.dev/hub.refusal_reason";

// The reason token for a status without one: its code in lower case.
std::string CodeToken(absl::StatusCode code) {
  std::string token = absl::StatusCodeToString(code);
  std::transform(token.begin(), token.end(), token.begin(),
                 [](unsigned char c) { return c == ' ' ? '_' : std::tolower(c); });
  return token;
}

// `status`, refused by the caller's side: keeps its message and code, adds the reason.
absl::Status WithReason(absl::Status status, absl::string_view reason) {
  if (!status.ok() && !status.GetPayload(kReasonPayload).has_value()) {
    status.SetPayload(kReasonPayload, absl::Cord(reason));
  }
  return status;
}

// The protocol limits a streamed envelope is checked against, head and whole.
EnvelopeLimits StreamedEnvelopeLimits(const HubLimits& limits) {
  EnvelopeLimits envelope_limits;
  envelope_limits.max_envelope_size = limits.max_streamed_envelope_bytes;
  return envelope_limits;
}

// Waits for a callback-style result.
template <typename T>
class Waiter {
 public:
  std::function<void(T)> Callback() {
    return [this](T value) {
      result_.emplace(std::move(value));
      done_.Notify();
    };
  }
  T Wait() {
    done_.WaitForNotification();
    return std::move(*result_);
  }

 private:
  absl::Notification done_;
  std::optional<T> result_;
};

}  // namespace

namespace internal {

absl::Status Refusal(absl::StatusCode code, absl::string_view reason, absl::string_view message) {
  return WithReason(absl::Status(code, message), reason);
}

}  // namespace internal

std::string RefusalReason(const absl::Status& status) {
  absl::optional<absl::Cord> reason = status.GetPayload(kReasonPayload);
  if (reason.has_value()) return std::string(*reason);
  return CodeToken(status.code());
}

Exchange::Exchange(ExchangeOptions options, Certificate network_root)
    : options_(std::move(options)), network_root_(std::move(network_root)) {}

absl::StatusOr<std::unique_ptr<Exchange>> Exchange::Open(ExchangeOptions options,
                                                         Certificate network_root,
                                                         Ed25519PrivateKey log_key,
                                                         MetricsRegistry* metrics) {
  if (options.env.clock == nullptr || options.env.random == nullptr) {
    return absl::InvalidArgumentError("ExchangeOptions.env needs a clock and a random source");
  }
  if (options.retention <= absl::ZeroDuration() ||
      options.max_merge_delay <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("retention and max_merge_delay must be positive");
  }
  std::unique_ptr<Exchange> exchange(new Exchange(std::move(options), std::move(network_root)));
  exchange->metrics_ = std::make_unique<Metrics>(metrics);
  RETURN_IF_ERROR(exchange->Load(std::move(log_key)));
  return exchange;
}

absl::Status Exchange::Load(Ed25519PrivateKey log_key) {
  ASSIGN_OR_RETURN(store_, HubStore::Open(options_.store));
  ASSIGN_OR_RETURN(Ed25519PrivateKey receipt_key, Ed25519PrivateKey::FromSeed(log_key.seed()));
  receipt_key_.emplace(std::move(receipt_key));
  auditlog::AuditLogOptions log_options;
  log_options.clock = options_.env.clock;
  log_options.max_merge_delay = options_.max_merge_delay;
  ASSIGN_OR_RETURN(log_, auditlog::AuditLog::Open(store_->db(), store_->log_cfs(),
                                                  std::move(log_key), log_options));

  // The stored directory, then the bootstrap one if it is newer.
  absl::StatusOr<std::string> stored = store_->Get(store_->meta(), kDirectoryKey);
  if (!stored.ok() && !absl::IsNotFound(stored.status())) return stored.status();
  if (stored.ok()) {
    absl::StatusOr<Directory> verified = VerifySignedDirectory(*stored, network_root_, Now());
    if (!verified.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("the stored directory no longer verifies: ", verified.status().message(),
                       "; publish a new one with enlace-admin (directory_file)"));
    }
    absl::MutexLock lock(&directory_mu_);
    directory_ = std::make_shared<const Directory>(*std::move(verified));
    signed_directory_.ParseFromString(*stored);
  }

  // Mailbox counters.
  {
    std::unique_ptr<rocksdb::Iterator> it(
        store_->db()->NewIterator(rocksdb::ReadOptions(), store_->meta()));
    absl::MutexLock lock(&mailboxes_mu_);
    for (it->Seek(std::string(kMailboxStatePrefix)); it->Valid(); it->Next()) {
      const absl::string_view key(it->key().data(), it->key().size());
      if (!absl::StartsWith(key, kMailboxStatePrefix)) break;
      v1::MailboxState state;
      if (!state.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
        return absl::DataLossError(absl::StrCat("unreadable mailbox state for ", key));
      }
      mailboxes_[std::string(key.substr(kMailboxStatePrefix.size()))] = state;
    }
    RETURN_IF_ERROR(ToStatus(it->status(), "reading mailbox states"));
  }

  // Blob ids continue after the largest in use; uploads a crash interrupted are removed.
  uint64_t max_blob = 0;
  {
    std::unique_ptr<rocksdb::Iterator> it(
        store_->db()->NewIterator(rocksdb::ReadOptions(), store_->envelopes()));
    it->SeekToLast();
    if (it->Valid()) {
      ASSIGN_OR_RETURN(max_blob, DecodeBlobId(absl::string_view(it->key().data(), 8)));
    }
    RETURN_IF_ERROR(ToStatus(it->status(), "reading envelope chunks"));
  }
  std::vector<uint64_t> orphans;
  {
    std::unique_ptr<rocksdb::Iterator> it(
        store_->db()->NewIterator(rocksdb::ReadOptions(), store_->meta()));
    for (it->Seek(std::string(kUploadPrefix)); it->Valid(); it->Next()) {
      const absl::string_view key(it->key().data(), it->key().size());
      if (!absl::StartsWith(key, kUploadPrefix)) break;
      ASSIGN_OR_RETURN(uint64_t blob, DecodeBlobId(key.substr(kUploadPrefix.size())));
      orphans.push_back(blob);
      max_blob = std::max(max_blob, blob);
    }
    RETURN_IF_ERROR(ToStatus(it->status(), "reading uploads"));
  }
  next_blob_id_ = max_blob + 1;
  for (uint64_t blob : orphans) {
    RETURN_IF_ERROR(DeleteBlob(blob, std::numeric_limits<uint64_t>::max()));
    LogInfo("hub.upload_removed", {{"blob", absl::StrCat(blob)}, {"why", "interrupted"}});
  }

  committer_ = std::thread([this] { CommitLoop(); });

  if (!options_.bootstrap_directory.empty()) {
    v1::SignedDirectory bootstrap;
    if (!bootstrap.ParseFromString(options_.bootstrap_directory)) {
      return absl::InvalidArgumentError("the bootstrap directory is not a SignedDirectory");
    }
    absl::StatusOr<v1::PublishDirectoryResponse> published =
        PublishDirectory(ParticipantId::Hub(), bootstrap);
    // An older bootstrap directory than the stored one is not an error: the stored one stays.
    if (!published.ok() && !(stored.ok() && absl::IsFailedPrecondition(published.status()))) {
      return published.status();
    }
  }
  if (directory() == nullptr) {
    return absl::FailedPreconditionError(
        "the hub has no directory: give it the signed directory made with enlace-admin "
        "(directory_file in the configuration)");
  }

  v1::AuditEvent started;
  started.set_type(v1::AUDIT_EVENT_HUB_STARTED);
  started.set_actor_id("hub");
  Waiter<absl::Status> waiter;
  Enqueue(std::make_unique<EventOp>(std::move(started), waiter.Callback()));
  RETURN_IF_ERROR(waiter.Wait());
  started_ = true;
  LogInfo("hub.opened", {{"log_size", absl::StrCat(log_->size())},
                         {"directory_version", absl::StrCat(directory()->version())}});
  return absl::OkStatus();
}

Exchange::~Exchange() {
  absl::Status closed = Close();
  if (!closed.ok()) LogError("hub.close_failed", {{"error", std::string(closed.message())}});
}

std::shared_ptr<const Directory> Exchange::directory() const {
  absl::MutexLock lock(&directory_mu_);
  return directory_;
}

absl::Status Exchange::CheckCaller(const ParticipantId& id,
                                   absl::string_view certificate_sha256) const {
  return directory()->CheckCaller(id, certificate_sha256, Now());
}

// ---- Admission ----

absl::Status Exchange::CheckRate(const ParticipantId& caller) {
  const absl::Time now = Now();
  const double burst = options_.limits.submit_burst;
  absl::MutexLock lock(&limits_mu_);
  auto [it, inserted] = buckets_.try_emplace(caller.str());
  Bucket& bucket = it->second;
  if (inserted) {
    bucket.tokens = burst;
    bucket.refilled = now;
  }
  if (now > bucket.refilled) {
    bucket.tokens = std::min(burst, bucket.tokens + absl::ToDoubleSeconds(now - bucket.refilled) *
                                                        options_.limits.submits_per_second);
    bucket.refilled = now;
  }
  if (bucket.tokens < 1) {
    return Refusal(absl::StatusCode::kResourceExhausted, "rate_limited",
                   absl::StrCat(caller.str(), " submits faster than the hub allows (",
                                options_.limits.submits_per_second, " per second, bursts of ",
                                options_.limits.submit_burst, "); retry later"));
  }
  bucket.tokens -= 1;
  return absl::OkStatus();
}

struct Exchange::CheckedHeader {
  v1::Header header;
  Ed25519PublicKey sender_key;
};

absl::StatusOr<Exchange::CheckedHeader> Exchange::CheckHeader(const ParticipantId& caller,
                                                              v1::Header parsed) const {
  const v1::Header* header = &parsed;
  const std::shared_ptr<const Directory> dir = directory();
  if (header->sender_id() != caller.str()) {
    return Refusal(absl::StatusCode::kPermissionDenied, "sender_mismatch",
                   absl::StrCat("the envelope's sender is \"", header->sender_id(),
                                "\" but the caller's certificate names ", caller.str(),
                                ": a participant submits only its own messages"));
  }
  const v1::MessageKind kind = header->kind();
  if (!MaySend(caller.role(), kind)) {
    return Refusal(
        absl::StatusCode::kPermissionDenied, "kind_not_allowed",
        absl::StrCat(caller.str(), " (role ", RoleName(caller.role()), ") may not send ",
                     v1::MessageKind_Name(kind), " messages (docs/hub.md, \"Who may send what\")"));
  }
  const absl::Time now = Now();
  for (const std::string& recipient_text : header->recipient_ids()) {
    absl::StatusOr<ParticipantId> recipient = ParticipantId::Parse(recipient_text, dir->rules());
    if (!recipient.ok()) {
      return Refusal(absl::StatusCode::kInvalidArgument, "malformed_envelope",
                     absl::StrCat("recipient \"", recipient_text,
                                  "\" is not a participant id: ", recipient.status().message()));
    }
    if (!dir->Participant(*recipient).ok()) {
      return Refusal(absl::StatusCode::kFailedPrecondition, "recipient_unknown",
                     absl::StrCat("recipient ", recipient_text,
                                  " is not enrolled (directory "
                                  "version ",
                                  dir->version(), ")"));
    }
    const absl::optional<absl::Time> revoked = dir->RevokedAt(*recipient);
    if (revoked.has_value() && *revoked <= now) {
      return Refusal(absl::StatusCode::kFailedPrecondition, "recipient_revoked",
                     absl::StrCat("recipient ", recipient_text, " was revoked at ",
                                  absl::FormatTime(*revoked, absl::UTCTimeZone())));
    }
    if (dir->IsSuspended(*recipient)) {
      return Refusal(absl::StatusCode::kFailedPrecondition, "recipient_suspended",
                     absl::StrCat("recipient ", recipient_text,
                                  " is suspended: nothing is accepted for it until it is resumed"));
    }
    if (!MayReceive(recipient->role(), kind)) {
      return Refusal(
          absl::StatusCode::kPermissionDenied, "recipient_kind_not_allowed",
          absl::StrCat("recipient ", recipient_text, " (role ", RoleName(recipient->role()),
                       ") may not receive ", v1::MessageKind_Name(kind), " messages"));
    }
  }
  const absl::Time created = absl::FromUnixMillis(header->created_at_ms());
  if (created < now - options_.limits.max_message_age) {
    return Refusal(
        absl::StatusCode::kFailedPrecondition, "created_at_too_old",
        absl::StrCat("created_at ", absl::FormatTime(created, absl::UTCTimeZone()),
                     " is more than ", absl::FormatDuration(options_.limits.max_message_age),
                     " before the hub's time ", absl::FormatTime(now, absl::UTCTimeZone()),
                     " (replay window); seal the message again"));
  }
  if (created > now + options_.limits.max_clock_skew) {
    return Refusal(
        absl::StatusCode::kFailedPrecondition, "created_at_in_future",
        absl::StrCat(
            "created_at ", absl::FormatTime(created, absl::UTCTimeZone()), " is ",
            absl::FormatDuration(absl::Trunc(created - now, absl::Milliseconds(1))), " after the hub's time ",
            absl::FormatTime(now, absl::UTCTimeZone()), ", beyond the allowed clock skew of ",
            absl::FormatDuration(options_.limits.max_clock_skew), "; check the sender's clock"));
  }
  absl::StatusOr<Ed25519PublicKey> key = dir->SigningKey(caller, header->sender_key_id(), created);
  if (absl::IsNotFound(key.status())) {
    return Refusal(
        absl::StatusCode::kFailedPrecondition, "unknown_key",
        absl::StrCat(key.status().message(), " (directory version ", dir->version(), ")"));
  }
  if (!key.ok()) return WithReason(key.status(), "key_not_valid");
  return CheckedHeader{std::move(parsed), *std::move(key)};
}

absl::Status Exchange::CheckQuotas(const v1::Header& header, uint64_t envelope_size) const {
  absl::MutexLock lock(&mailboxes_mu_);
  for (const std::string& recipient : header.recipient_ids()) {
    auto it = mailboxes_.find(recipient);
    if (it == mailboxes_.end()) continue;
    RETURN_IF_ERROR(
        internal::CheckMailboxRoom(it->second, recipient, envelope_size, options_.limits));
  }
  return absl::OkStatus();
}

void Exchange::LogRejection(const ParticipantId& caller, const v1::Envelope* envelope,
                            const absl::Status& refusal) {
  v1::AuditEvent event = internal::RejectionEvent(caller.str(), envelope, refusal);
  Enqueue(std::make_unique<EventOp>(std::move(event), nullptr));
}

void Exchange::CountSubmit(const absl::Status& status, uint64_t bytes, absl::Time admitted_at) {
  metrics_->CountSubmit(status, bytes, absl::Now() - admitted_at);
}

absl::StatusOr<AdmittedEnvelope> Exchange::AdmitEnvelope(const ParticipantId& caller,
                                                         absl::string_view certificate_sha256,
                                                         std::string envelope_bytes) {
  const absl::Time started = absl::Now();
  const uint64_t size = envelope_bytes.size();
  absl::Status rate = CheckRate(caller);
  if (!rate.ok()) {
    CountSubmit(rate, 0, started);
    return rate;
  }
  std::optional<v1::Envelope> envelope;
  auto refuse = [&](absl::Status status) {
    LogRejection(caller, envelope.has_value() ? &*envelope : nullptr, status);
    CountSubmit(status, 0, started);
    return status;
  };
  absl::Status caller_ok = CheckCaller(caller, certificate_sha256);
  if (!caller_ok.ok()) return refuse(WithReason(caller_ok, "caller_not_admitted"));
  if (size > options_.limits.max_envelope_bytes) {
    return refuse(Refusal(absl::StatusCode::kResourceExhausted, "too_large",
                          absl::StrCat("the envelope is ", size, " bytes; Submit takes at most ",
                                       options_.limits.max_envelope_bytes,
                                       " (use SubmitStream for large attachments)")));
  }
  EnvelopeLimits limits;
  limits.max_envelope_size = options_.limits.max_envelope_bytes;
  absl::StatusOr<v1::Envelope> parsed = ParseEnvelope(envelope_bytes, limits);
  if (!parsed.ok()) return refuse(WithReason(parsed.status(), "malformed_envelope"));
  envelope.emplace(*std::move(parsed));
  absl::StatusOr<v1::Header> header = ReadUnverifiedHeader(*envelope);
  if (!header.ok()) return refuse(WithReason(header.status(), "malformed_envelope"));
  absl::StatusOr<CheckedHeader> checked = CheckHeader(caller, *std::move(header));
  if (!checked.ok()) return refuse(checked.status());
  absl::StatusOr<VerifiedHeader> verified = VerifyEnvelope(*envelope, checked->sender_key, limits);
  if (!verified.ok()) return refuse(WithReason(verified.status(), "bad_signature"));
  absl::Status room = CheckQuotas(verified->header, size);
  if (!room.ok()) return refuse(room);
  absl::StatusOr<Sha256Digest> envelope_hash = Sha256(envelope_bytes);
  if (!envelope_hash.ok()) return refuse(envelope_hash.status());

  AdmittedEnvelope admitted;
  admitted.sender_id = caller.str();
  admitted.header = std::move(verified->header);
  admitted.header_hash = DigestBytes(verified->header_hash);
  admitted.envelope_hash = DigestBytes(*envelope_hash);
  admitted.envelope_size = size;
  admitted.bytes = std::move(envelope_bytes);
  admitted.admitted_at = started;
  return admitted;
}

void Exchange::Commit(AdmittedEnvelope admitted, SubmitCallback done) {
  Enqueue(std::make_unique<SubmitOp>(std::move(admitted), std::move(done)));
}

absl::StatusOr<SubmitResult> Exchange::Submit(const ParticipantId& caller,
                                              absl::string_view certificate_sha256,
                                              std::string envelope_bytes) {
  ASSIGN_OR_RETURN(AdmittedEnvelope admitted,
                   AdmitEnvelope(caller, certificate_sha256, std::move(envelope_bytes)));
  Waiter<absl::StatusOr<SubmitResult>> waiter;
  Commit(std::move(admitted), waiter.Callback());
  return waiter.Wait();
}

// ---- Uploads ----

struct Exchange::Upload::State {
  Exchange* hub = nullptr;
  std::string sender_id;
  v1::Header header;
  v1::Envelope head;  // header, wraps, signature; no payload
  std::optional<Ed25519PublicKey> sender_key;
  uint64_t payload_size = 0;
  uint64_t envelope_size = 0;
  uint64_t blob_id = 0;
  uint32_t next_chunk = 0;
  uint64_t stored = 0;  // bytes written to chunks so far
  Bytes pending;        // less than one chunk, not yet written
  Bytes suffix;         // wraps and signature, written after the payload
  std::optional<Sha256Hasher> envelope_hasher;
  std::optional<Sha256Hasher> payload_hasher;
  absl::Time admitted_at;
  bool finished = false;  // Finish was called: the commit callback owns the cleanup
};

absl::StatusOr<std::unique_ptr<Exchange::Upload>> Exchange::BeginUpload(
    const ParticipantId& caller, absl::string_view certificate_sha256,
    const v1::EnvelopeHead& head) {
  const absl::Time started = absl::Now();
  absl::Status rate = CheckRate(caller);
  if (!rate.ok()) {
    CountSubmit(rate, 0, started);
    return rate;
  }
  auto state = std::make_shared<Upload::State>();
  state->head.set_header(head.header());
  *state->head.mutable_wraps() = head.wraps();
  state->head.set_signature(head.signature());
  auto refuse = [&](absl::Status status) {
    LogRejection(caller, &state->head, status);
    CountSubmit(status, 0, started);
    return status;
  };
  absl::Status caller_ok = CheckCaller(caller, certificate_sha256);
  if (!caller_ok.ok()) return refuse(WithReason(caller_ok, "caller_not_admitted"));
  // The head's structure and announced payload size now (which also bounds the size arithmetic
  // below); the signature once the payload is in (VerifyEnvelopeHead in Finish).
  absl::StatusOr<v1::Header> claimed = ReadUnverifiedHeadHeader(
      state->head, head.payload_size(), StreamedEnvelopeLimits(options_.limits));
  if (!claimed.ok()) return refuse(WithReason(claimed.status(), "malformed_envelope"));
  // The canonical serialization: header field, payload tag and length, payload, then wraps and
  // signature (hub_service.proto, "Envelope bytes").
  v1::Envelope header_only;
  header_only.set_header(head.header());
  Bytes prefix = header_only.SerializeAsString();
  prefix.push_back(static_cast<char>((2 << 3) | 2));  // field 2, length-delimited
  for (uint64_t v = head.payload_size();; v >>= 7) {
    if (v < 0x80) {
      prefix.push_back(static_cast<char>(v));
      break;
    }
    prefix.push_back(static_cast<char>((v & 0x7f) | 0x80));
  }
  v1::Envelope tail;
  *tail.mutable_wraps() = head.wraps();
  tail.set_signature(head.signature());
  state->suffix = tail.SerializeAsString();
  state->envelope_size = prefix.size() + head.payload_size() + state->suffix.size();
  if (state->envelope_size > options_.limits.max_streamed_envelope_bytes) {
    return refuse(Refusal(absl::StatusCode::kResourceExhausted, "too_large",
                          absl::StrCat("the envelope would be ", state->envelope_size,
                                       " bytes; SubmitStream takes at most ",
                                       options_.limits.max_streamed_envelope_bytes)));
  }
  absl::StatusOr<CheckedHeader> checked = CheckHeader(caller, *std::move(claimed));
  if (!checked.ok()) return refuse(checked.status());
  absl::Status room = CheckQuotas(checked->header, state->envelope_size);
  if (!room.ok()) return refuse(room);

  ASSIGN_OR_RETURN(Sha256Hasher envelope_hasher, Sha256Hasher::Create());
  ASSIGN_OR_RETURN(Sha256Hasher payload_hasher, Sha256Hasher::Create());
  state->hub = this;
  state->sender_id = caller.str();
  state->header = std::move(checked->header);
  state->sender_key.emplace(std::move(checked->sender_key));
  state->payload_size = head.payload_size();
  state->envelope_hasher.emplace(std::move(envelope_hasher));
  state->payload_hasher.emplace(std::move(payload_hasher));
  state->admitted_at = started;
  state->blob_id = next_blob_id_.fetch_add(1);
  // The marker first: if the hub dies mid-upload, Open() finds it and removes the chunks.
  RETURN_IF_ERROR(ToStatus(
      store_->db()->Put(rocksdb::WriteOptions(), store_->meta(), UploadKey(state->blob_id), ""),
      "recording an upload"));
  std::unique_ptr<Upload> upload(new Upload(state));
  RETURN_IF_ERROR(upload->Write(prefix));
  return upload;
}

Exchange::Upload::Upload(std::shared_ptr<State> state) : state_(std::move(state)) {}

Exchange::Upload::~Upload() {
  if (state_ != nullptr && !state_->finished) {
    absl::Status deleted = state_->hub->DeleteBlob(state_->blob_id, state_->stored);
    if (!deleted.ok()) {
      LogWarning("hub.upload_cleanup_failed", {{"error", std::string(deleted.message())}});
    }
  }
}

absl::Status Exchange::Upload::Write(absl::string_view bytes) {
  RETURN_IF_ERROR(state_->envelope_hasher->Update(bytes));
  while (!bytes.empty()) {
    const size_t take = std::min(bytes.size(), kChunkSize - state_->pending.size());
    state_->pending.append(bytes.data(), take);
    bytes.remove_prefix(take);
    if (state_->pending.size() == kChunkSize) RETURN_IF_ERROR(FlushChunk());
  }
  return absl::OkStatus();
}

absl::Status Exchange::Upload::FlushChunk() {
  if (state_->pending.empty()) return absl::OkStatus();
  RETURN_IF_ERROR(state_->hub->CheckDiskSpace());
  HubStore& store = *state_->hub->store_;
  RETURN_IF_ERROR(
      ToStatus(store.db()->Put(rocksdb::WriteOptions(), store.envelopes(),
                               ChunkKey(state_->blob_id, state_->next_chunk), state_->pending),
               "storing an envelope chunk"));
  ++state_->next_chunk;
  state_->stored += state_->pending.size();
  state_->pending.clear();
  return absl::OkStatus();
}

absl::Status Exchange::Upload::Append(absl::string_view payload_piece) {
  if (received_ + payload_piece.size() > state_->payload_size) {
    return Refused(Refusal(absl::StatusCode::kInvalidArgument, "malformed_envelope",
                           absl::StrCat("the payload is longer than the announced payload_size ",
                                        state_->payload_size)));
  }
  received_ += payload_piece.size();
  RETURN_IF_ERROR(state_->payload_hasher->Update(payload_piece));
  return Write(payload_piece);
}

absl::Status Exchange::Upload::Refused(absl::Status status) const {
  absl::StatusOr<ParticipantId> sender = ParticipantId::Parse(state_->sender_id);
  if (sender.ok()) state_->hub->LogRejection(*sender, &state_->head, status);
  state_->hub->CountSubmit(status, 0, state_->admitted_at);
  return status;
}

void Exchange::Upload::Finish(SubmitCallback done) {
  Exchange* hub = state_->hub;
  auto fail = [&](absl::Status status) { done(Refused(std::move(status))); };
  if (received_ != state_->payload_size) {
    fail(Refusal(absl::StatusCode::kInvalidArgument, "malformed_envelope",
                 absl::StrCat("the stream ended after ", received_, " of the announced ",
                              state_->payload_size, " payload bytes")));
    return;
  }
  absl::Status written = Write(state_->suffix);
  if (written.ok()) written = FlushChunk();
  if (!written.ok()) {
    fail(written);
    return;
  }
  absl::StatusOr<Sha256Digest> payload_hash = state_->payload_hasher->Finish();
  absl::StatusOr<Sha256Digest> envelope_hash = state_->envelope_hasher->Finish();
  if (!payload_hash.ok() || !envelope_hash.ok()) {
    fail(payload_hash.ok() ? envelope_hash.status() : payload_hash.status());
    return;
  }
  absl::StatusOr<VerifiedHeader> verified =
      VerifyEnvelopeHead(state_->head, state_->payload_size, *payload_hash, *state_->sender_key,
                         StreamedEnvelopeLimits(hub->options_.limits));
  if (!verified.ok()) {
    fail(WithReason(verified.status(), "bad_signature"));
    return;
  }
  AdmittedEnvelope admitted;
  admitted.sender_id = state_->sender_id;
  admitted.header = std::move(verified->header);
  admitted.header_hash = DigestBytes(verified->header_hash);
  admitted.envelope_hash = DigestBytes(*envelope_hash);
  admitted.envelope_size = state_->envelope_size;
  admitted.blob_id = state_->blob_id;
  admitted.admitted_at = state_->admitted_at;
  state_->finished = true;
  std::shared_ptr<State> state = state_;
  hub->Commit(
      std::move(admitted), [state, done = std::move(done)](absl::StatusOr<SubmitResult> result) {
        // A duplicate or a refusal leaves this upload's chunks unreferenced: remove them.
        if (!result.ok() || result->duplicate) {
          absl::Status deleted = state->hub->DeleteBlob(state->blob_id, state->envelope_size);
          if (!deleted.ok()) {
            LogWarning("hub.upload_cleanup_failed", {{"error", std::string(deleted.message())}});
          }
        }
        done(std::move(result));
      });
}

absl::Status Exchange::DeleteBlob(uint64_t blob_id, uint64_t envelope_size) {
  rocksdb::WriteBatch batch;
  const Bytes begin = ChunkKey(blob_id, 0);
  const Bytes end = ChunkKey(blob_id + 1, 0);
  if (envelope_size == std::numeric_limits<uint64_t>::max()) {
    // Unknown size (an interrupted upload): one range deletion.
    batch.DeleteRange(store_->envelopes(), begin, end);
  } else {
    for (uint32_t i = 0; i < ChunkCount(envelope_size); ++i) {
      batch.Delete(store_->envelopes(), ChunkKey(blob_id, i));
    }
  }
  batch.Delete(store_->meta(), UploadKey(blob_id));
  return ToStatus(store_->db()->Write(rocksdb::WriteOptions(), &batch), "deleting an envelope");
}

// ---- Streams ----

Exchange::StreamSlot::~StreamSlot() { exchange_->ReleaseStream(participant_); }

absl::StatusOr<std::unique_ptr<Exchange::StreamSlot>> Exchange::AcquireStream(
    const ParticipantId& participant) {
  if (shutting_down()) return absl::UnavailableError("the hub is shutting down; reconnect later");
  absl::MutexLock lock(&limits_mu_);
  uint32_t& count = streams_[participant.str()];
  if (count >= options_.limits.max_streams_per_participant) {
    return Refusal(absl::StatusCode::kResourceExhausted, "too_many_streams",
                   absl::StrCat(participant.str(), " already has ", count,
                                " open streams (Subscribe and SubmitStream); the limit is ",
                                options_.limits.max_streams_per_participant));
  }
  ++count;
  metrics_->streams->Set({}, metrics_->open_streams.fetch_add(1) + 1);
  return std::unique_ptr<StreamSlot>(new StreamSlot(this, participant.str()));
}

void Exchange::ReleaseStream(const std::string& participant) {
  absl::MutexLock lock(&limits_mu_);
  auto it = streams_.find(participant);
  if (it != streams_.end() && --it->second == 0) streams_.erase(it);
  metrics_->streams->Set({}, metrics_->open_streams.fetch_sub(1) - 1);
}

// ---- Delivering ----

absl::StatusOr<std::optional<MailboxEntry>> Exchange::NextEntry(const ParticipantId& recipient,
                                                                uint64_t after_sequence) const {
  if (after_sequence == std::numeric_limits<uint64_t>::max()) return std::nullopt;
  const Bytes prefix = MailboxPrefix(recipient.str());
  // The iterator stops at the end of this mailbox: without the bound, a caught-up subscriber's
  // every look went on through the next mailboxes' deleted (acknowledged) entries, thousands
  // of them until a compaction, which made delivery slower the more had been delivered.
  Bytes end = prefix;
  end.back() = static_cast<char>(static_cast<uint8_t>(end.back()) + 1);  // ids are ASCII
  const rocksdb::Slice upper_bound = ToSlice(end);
  rocksdb::ReadOptions read_options;
  read_options.iterate_upper_bound = &upper_bound;
  std::unique_ptr<rocksdb::Iterator> it(
      store_->db()->NewIterator(read_options, store_->mailbox()));
  it->Seek(MailboxKey(recipient.str(), after_sequence + 1));
  RETURN_IF_ERROR(ToStatus(it->status(), "reading a mailbox"));
  if (!it->Valid() || !it->key().starts_with(prefix)) return std::nullopt;
  MailboxEntry entry;
  ASSIGN_OR_RETURN(entry.sequence,
                   MailboxKeySequence(absl::string_view(it->key().data(), it->key().size())));
  ASSIGN_OR_RETURN(entry.value,
                   DecodeMailboxValue(absl::string_view(it->value().data(), it->value().size())));
  return entry;
}

absl::StatusOr<Bytes> Exchange::ReadChunk(uint64_t blob_id, uint32_t index) const {
  return store_->Get(store_->envelopes(), ChunkKey(blob_id, index), /*fill_cache=*/false);
}

void Exchange::MarkDelivered(const ParticipantId& recipient, const MailboxEntry& entry) {
  Enqueue(std::make_unique<DeliveredOp>(recipient.str(), entry));
}

uint64_t Exchange::Watch(const ParticipantId& recipient, std::function<void()> wake) {
  absl::MutexLock lock(&watch_mu_);
  const uint64_t id = next_watch_id_++;
  watchers_.emplace(id, std::make_pair(recipient.str(), std::move(wake)));
  return id;
}

void Exchange::Unwatch(uint64_t watch_id) {
  absl::MutexLock lock(&watch_mu_);
  watchers_.erase(watch_id);
}

void Exchange::Notify(const std::string& recipient) {
  absl::MutexLock lock(&watch_mu_);
  for (auto& [id, watcher] : watchers_) {
    if (watcher.first == recipient) watcher.second();
  }
}

void Exchange::BeginShutdown() {
  shutting_down_ = true;
  absl::MutexLock lock(&watch_mu_);
  for (auto& [id, watcher] : watchers_) watcher.second();
}

// ---- Acknowledgements, receipts ----

absl::StatusOr<v1::StoredMessage> Exchange::ReadMessage(absl::string_view message_id) const {
  absl::StatusOr<std::string> bytes = store_->Get(store_->messages(), message_id);
  if (absl::IsNotFound(bytes.status())) {
    return absl::NotFoundError(
        absl::StrCat("the hub has no message with id ", HexEncode(message_id)));
  }
  RETURN_IF_ERROR(bytes.status());
  v1::StoredMessage message;
  if (!message.ParseFromString(*bytes)) {
    return absl::DataLossError(
        absl::StrCat("the record of message ", HexEncode(message_id), " is unreadable"));
  }
  return message;
}

void Exchange::Ack(const ParticipantId& caller, const v1::AckRequest& request, AckCallback done) {
  auto refuse = [&](absl::Status status, bool log) {
    // A logged refusal is a permanent entry: it draws on the caller's submission tokens, so
    // that no one grows the log without bound with acknowledgements it may not make (accepted
    // acknowledgements draw nothing). Beyond the bucket: RESOURCE_EXHAUSTED, not logged.
    if (log) {
      absl::Status rate = CheckRate(caller);
      if (rate.ok()) {
        v1::AuditEvent event = internal::RejectionEvent(caller.str(), nullptr, status);
        if (request.message_id().size() == kMessageIdSize) {
          event.set_message_id(request.message_id());
        }
        Enqueue(std::make_unique<EventOp>(std::move(event), nullptr));
      } else {
        status = std::move(rate);
      }
    }
    metrics_->acks->Add({{"result", absl::StatusCodeToString(status.code())}});
    done(status);
  };
  if (request.message_id().size() != kMessageIdSize) {
    refuse(absl::InvalidArgumentError(absl::StrCat("message_id is ", request.message_id().size(),
                                                   " bytes, not ", kMessageIdSize)),
           false);
    return;
  }
  absl::StatusOr<v1::StoredMessage> message = ReadMessage(request.message_id());
  if (!message.ok()) {
    refuse(message.status(), false);
    return;
  }
  const bool is_recipient =
      std::any_of(message->recipients().begin(), message->recipients().end(),
                  [&](const v1::StoredRecipient& r) { return r.recipient_id() == caller.str(); });
  if (!is_recipient) {
    refuse(Refusal(absl::StatusCode::kPermissionDenied, "not_a_recipient",
                   absl::StrCat(caller.str(), " is not a recipient of message ",
                                HexEncode(request.message_id()),
                                ": only its recipients acknowledge it")),
           true);
    return;
  }
  const absl::Time now = Now();
  const absl::Time acked_at = absl::FromUnixMillis(request.acked_at_ms());
  const absl::Time submitted = absl::FromUnixMillis(message->receipt().hub_time_ms());
  if (acked_at > now + options_.limits.max_clock_skew ||
      acked_at < submitted - options_.limits.max_clock_skew) {
    const std::string off =
        acked_at > now
            ? absl::StrCat(absl::FormatDuration(absl::Trunc(acked_at - now, absl::Milliseconds(1))), " after the hub's time")
            : absl::StrCat(absl::FormatDuration(absl::Trunc(submitted - acked_at, absl::Milliseconds(1))), " before the submission");
    refuse(
        Refusal(absl::StatusCode::kFailedPrecondition, "ack_time_outside_window",
                absl::StrCat("acked_at ", absl::FormatTime(acked_at, absl::UTCTimeZone()), " is ",
                             off, ": not between the submission (",
                             absl::FormatTime(submitted, absl::UTCTimeZone()),
                             ") and the hub's time (", absl::FormatTime(now, absl::UTCTimeZone()),
                             "), give or take the allowed clock skew of ",
                             absl::FormatDuration(options_.limits.max_clock_skew))),
        false);
    return;
  }
  absl::StatusOr<Ed25519PublicKey> key =
      directory()->SigningKey(caller, request.key_id(), acked_at);
  if (!key.ok()) {
    refuse(absl::IsNotFound(key.status())
               ? Refusal(absl::StatusCode::kFailedPrecondition, "unknown_key",
                         std::string(key.status().message()))
               : WithReason(key.status(), "key_not_valid"),
           true);
    return;
  }
  const Bytes signed_bytes = AckSigningInput(request.message_id(), message->receipt().header_hash(),
                                             caller.str(), request.acked_at_ms());
  absl::Status verified = key->Verify(signed_bytes, request.signature());
  if (!verified.ok()) {
    refuse(
        Refusal(absl::StatusCode::kInvalidArgument, "bad_ack_signature",
                absl::StrCat("the acknowledgement's signature does not verify with ", caller.str(),
                             "'s key ", HexEncode(request.key_id()), ": ", verified.message())),
        true);
    return;
  }
  Enqueue(std::make_unique<AckOp>(caller.str(), request, std::move(done)));
}

absl::StatusOr<v1::GetReceiptResponse> Exchange::GetReceipt(const ParticipantId& caller,
                                                            absl::string_view message_id) const {
  if (message_id.size() != kMessageIdSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("message_id is ", message_id.size(), " bytes, not ", kMessageIdSize));
  }
  ASSIGN_OR_RETURN(v1::StoredMessage message, ReadMessage(message_id));
  const bool party =
      message.sender_id() == caller.str() ||
      std::any_of(message.recipients().begin(), message.recipients().end(),
                  [&](const v1::StoredRecipient& r) { return r.recipient_id() == caller.str(); });
  if (!party) {
    return absl::PermissionDeniedError(absl::StrCat(
        caller.str(), " is neither the sender nor a recipient of message ", HexEncode(message_id)));
  }
  v1::GetReceiptResponse response;
  *response.mutable_receipt() = message.receipt();
  for (const v1::StoredRecipient& recipient : message.recipients()) {
    if (recipient.state() != v1::DELIVERY_STATE_ACKNOWLEDGED) continue;
    v1::Acknowledgement* ack = response.add_acknowledgements();
    ack->set_recipient_id(recipient.recipient_id());
    ack->set_acked_at_ms(recipient.acked_at_ms());
    ack->set_key_id(recipient.ack_key_id());
    ack->set_signature(recipient.ack_signature());
    ack->set_log_index(recipient.ack_log_index());
  }
  const uint64_t index = message.receipt().log_index();
  absl::StatusOr<auditlog::TreeHead> head = log_->LatestTreeHead();
  if (head.ok() && head->tree_size > index) {
    ASSIGN_OR_RETURN(std::vector<auditlog::Hash> path,
                     log_->InclusionProof(index, head->tree_size));
    ASSIGN_OR_RETURN(auditlog::Hash leaf_hash, log_->LeafHash(index));
    v1::InclusionProof* proof = response.mutable_inclusion_proof();
    proof->set_leaf_index(index);
    proof->set_tree_size(head->tree_size);
    for (const auditlog::Hash& hash : path) proof->add_audit_path(DigestBytes(hash));
    *proof->mutable_tree_head() = auditlog::ToProto(*head);
    proof->set_leaf_hash(DigestBytes(leaf_hash));
  } else if (!head.ok() && !absl::IsNotFound(head.status())) {
    return head.status();
  }
  return response;
}

// ---- Directory ----

v1::GetDirectoryResponse Exchange::GetDirectory(uint64_t known_version) const {
  v1::GetDirectoryResponse response;
  absl::MutexLock lock(&directory_mu_);
  response.set_version(directory_->version());
  if (known_version != directory_->version()) *response.mutable_directory() = signed_directory_;
  return response;
}

absl::StatusOr<v1::PublishDirectoryResponse> Exchange::PublishDirectory(
    const ParticipantId& actor, const v1::SignedDirectory& signed_directory) {
  const std::string bytes = signed_directory.SerializeAsString();
  if (bytes.size() > kMaxSignedDirectorySize) {
    return absl::InvalidArgumentError(absl::StrCat("the signed directory is ", bytes.size(),
                                                   " bytes; at most ", kMaxSignedDirectorySize));
  }
  ASSIGN_OR_RETURN(Directory verified, VerifySignedDirectory(bytes, network_root_, Now()));
  Waiter<absl::StatusOr<v1::PublishDirectoryResponse>> waiter;
  Enqueue(std::make_unique<PublishOp>(actor.str(), signed_directory,
                                      std::make_shared<const Directory>(std::move(verified)),
                                      waiter.Callback()));
  return waiter.Wait();
}

// ---- Upkeep ----

absl::StatusOr<uint64_t> Exchange::RunMaintenance() {
  Waiter<absl::StatusOr<uint64_t>> waiter;
  Enqueue(std::make_unique<SweepOp>(waiter.Callback()));
  ASSIGN_OR_RETURN(uint64_t expired, waiter.Wait());
  ASSIGN_OR_RETURN(std::optional<auditlog::TreeHead> head, log_->MaybeIssueTreeHead());
  if (head.has_value()) metrics_->tree_heads->Add({});
  return expired;
}

absl::Status Exchange::Close() {
  if (closed_) return absl::OkStatus();
  closed_ = true;
  BeginShutdown();
  absl::Status status;
  if (committer_.joinable() && started_) {
    v1::AuditEvent stopped;
    stopped.set_type(v1::AUDIT_EVENT_HUB_STOPPED);
    stopped.set_actor_id("hub");
    Waiter<absl::Status> waiter;
    Enqueue(std::make_unique<EventOp>(std::move(stopped), waiter.Callback()));
    status = waiter.Wait();
  }
  if (committer_.joinable()) {
    {
      absl::MutexLock lock(&queue_mu_);
      closing_ = true;
    }
    committer_.join();
  }
  if (log_ != nullptr && log_->size() > 0) {
    absl::StatusOr<auditlog::TreeHead> head = log_->IssueTreeHead();
    if (status.ok() && !head.ok()) status = head.status();
  }
  // (Not after a failed write: RocksDB refuses to touch a WAL that saw an error, and nothing
  // unsynced there was acknowledged.)
  if (store_ != nullptr && !needs_resume_) {
    absl::Status synced = store_->SyncWal();
    if (status.ok()) status = synced;
  }
  log_.reset();
  store_.reset();
  LogInfo("hub.closed");
  return status;
}

v1::MailboxState Exchange::MailboxStateOf(absl::string_view recipient) const {
  absl::MutexLock lock(&mailboxes_mu_);
  auto it = mailboxes_.find(std::string(recipient));
  return it == mailboxes_.end() ? v1::MailboxState() : it->second;
}

}  // namespace enlace::hub
