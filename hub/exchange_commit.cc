// The committer (hub/exchange.h, "Durability"): one thread, one synced WriteBatch per round
// for every operation queued meanwhile, the audit log's tree advanced only after the write.
#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "auditlog/event.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "crypto/envelope.h"
#include "crypto/receipts.h"
#include "hub/directory_events.h"
#include "hub/exchange.h"
#include "hub/internal/exchange_internal.h"
#include "rocksdb/iterator.h"

namespace enlace::hub {

using internal::Refusal;

namespace {

// At most this many messages expire per sweep round (the rest in the next rounds).
constexpr int kMaxExpiriesPerSweep = 1000;

// An event about `message` (as stored) concerning `recipients`.
v1::AuditEvent MessageEvent(v1::AuditEventType type, absl::string_view actor,
                            const v1::StoredMessage& message, absl::string_view message_id,
                            const std::vector<std::string>& recipients, int64_t now_ms) {
  v1::AuditEvent event;
  event.set_type(type);
  event.set_hub_time_ms(now_ms);
  event.set_actor_id(std::string(actor));
  event.set_sender_id(message.sender_id());
  for (const std::string& r : recipients) event.add_recipient_ids(r);
  event.set_message_kind(message.kind());
  event.set_priority(message.priority());
  event.set_message_id(std::string(message_id));
  event.set_header_hash(message.receipt().header_hash());
  event.set_envelope_size(message.envelope_size());
  return event;
}

std::vector<std::string> AllRecipients(const v1::StoredMessage& message) {
  std::vector<std::string> ids;
  for (const v1::StoredRecipient& r : message.recipients()) ids.push_back(r.recipient_id());
  return ids;
}

bool Settled(const v1::StoredRecipient& r) {
  return r.state() == v1::DELIVERY_STATE_ACKNOWLEDGED || r.state() == v1::DELIVERY_STATE_EXPIRED;
}

}  // namespace

namespace internal {

absl::Status CheckMailboxRoom(const v1::MailboxState& state, absl::string_view recipient,
                              uint64_t envelope_size, const HubLimits& limits) {
  if (state.depth() + 1 > limits.mailbox_max_entries ||
      state.bytes() + envelope_size > limits.mailbox_max_bytes) {
    return Refusal(
        absl::StatusCode::kResourceExhausted, "mailbox_full",
        absl::StrCat("the mailbox of ", recipient, " holds ", state.depth(), " envelopes (",
                     state.bytes(), " bytes); the hub keeps at most ", limits.mailbox_max_entries,
                     " envelopes and ", limits.mailbox_max_bytes,
                     " bytes per recipient until it acknowledges some"));
  }
  return absl::OkStatus();
}

v1::AuditEvent RejectionEvent(absl::string_view caller, const v1::Envelope* envelope,
                              const absl::Status& refusal) {
  v1::AuditEvent event;
  event.set_type(v1::AUDIT_EVENT_REJECTED);
  event.set_actor_id(std::string(caller));
  event.set_reason_code(RefusalReason(refusal));
  if (envelope == nullptr) return event;
  absl::StatusOr<v1::Header> header = ReadUnverifiedHeader(*envelope);
  if (!header.ok()) return event;
  // What the envelope claims, field by field, only where it is well formed.
  v1::AuditEvent claimed = event;
  if (ParticipantId::Parse(header->sender_id()).ok()) claimed.set_sender_id(header->sender_id());
  const bool recipients_ok =
      std::all_of(header->recipient_ids().begin(), header->recipient_ids().end(),
                  [](const std::string& id) { return ParticipantId::Parse(id).ok(); });
  if (recipients_ok) *claimed.mutable_recipient_ids() = header->recipient_ids();
  if (v1::MessageKind_IsValid(header->kind())) claimed.set_message_kind(header->kind());
  if (v1::Priority_IsValid(header->priority())) claimed.set_priority(header->priority());
  if (header->message_id().size() == kMessageIdSize) claimed.set_message_id(header->message_id());
  absl::StatusOr<Sha256Digest> header_hash = Sha256(envelope->header());
  if (header_hash.ok()) claimed.set_header_hash(DigestBytes(*header_hash));
  claimed.set_hub_time_ms(1);  // validated with a placeholder time; the committer sets it
  if (!auditlog::ValidateEvent(claimed).ok()) return event;
  claimed.set_hub_time_ms(0);
  return claimed;
}

}  // namespace internal

// ---- Metrics ----

Exchange::Metrics::Metrics(MetricsRegistry* registry) {
  if (registry == nullptr) {
    owned = std::make_unique<MetricsRegistry>();
    registry = owned.get();
  }
  submits =
      registry->AddCounter("enlace_hub_submits_total",
                           "Submissions (Submit and SubmitStream) by result code and reason.");
  submitted_bytes =
      registry->AddCounter("enlace_hub_submitted_bytes_total", "Envelope bytes accepted.");
  deliveries = registry->AddCounter("enlace_hub_deliveries_total",
                                    "Mailbox entries streamed completely for the first time.");
  acks = registry->AddCounter("enlace_hub_acks_total", "Acknowledgements by result code.");
  expired = registry->AddCounter("enlace_hub_expired_total",
                                 "Recipients' copies expired unacknowledged by retention.");
  purged =
      registry->AddCounter("enlace_hub_purged_total", "Envelopes whose ciphertext was deleted.");
  tree_heads = registry->AddCounter("enlace_hub_tree_heads_total", "Signed tree heads issued.");
  commit_failures = registry->AddCounter("enlace_hub_commit_failures_total",
                                         "Committer rounds whose write failed, by code.");
  mailbox_depth = registry->AddGauge("enlace_hub_mailbox_depth",
                                     "Envelopes waiting in each recipient's mailbox.");
  mailbox_bytes = registry->AddGauge("enlace_hub_mailbox_bytes",
                                     "Envelope bytes waiting in each recipient's mailbox.");
  streams = registry->AddGauge("enlace_hub_open_streams", "Open Subscribe and SubmitStream calls.");
  log_size = registry->AddGauge("enlace_hub_log_size", "Entries in the audit log.");
  batch_operations = registry->AddHistogram("enlace_hub_commit_batch_operations",
                                            "Operations per group commit.", CountBounds());
  commit_seconds = registry->AddHistogram(
      "enlace_hub_commit_seconds", "Time of one synced group-commit write.", LatencyBounds());
  submit_seconds =
      registry->AddHistogram("enlace_hub_submit_seconds",
                             "Time from a submission's arrival to its result.", LatencyBounds());
}

void Exchange::Metrics::CountSubmit(const absl::Status& status, uint64_t bytes,
                                    absl::Duration latency) {
  submits->Add({{"result", absl::StatusCodeToString(status.code())},
                {"reason", status.ok() ? "accepted" : RefusalReason(status)}});
  if (status.ok()) submitted_bytes->Add({}, static_cast<double>(bytes));
  submit_seconds->Observe(absl::ToDoubleSeconds(latency));
}

// ---- The committer ----

void Exchange::Enqueue(std::unique_ptr<Op> op) {
  {
    absl::MutexLock lock(&queue_mu_);
    if (!closing_) {
      queue_.push_back(std::move(op));
      return;
    }
  }
  op->Finish(*this, absl::UnavailableError("the hub is shutting down; retry after it restarts"));
}

bool Exchange::QueueReady() const { return !queue_.empty() || closing_; }

void Exchange::CommitLoop() {
  while (true) {
    std::vector<std::unique_ptr<Op>> ops;
    {
      absl::MutexLock lock(&queue_mu_);
      queue_mu_.Await(absl::Condition(this, &Exchange::QueueReady));
      if (queue_.empty()) return;  // closing, and everything was committed
      size_t bytes = 0;
      while (!queue_.empty() && ops.size() < options_.max_batch_operations &&
             (ops.empty() || bytes + queue_.front()->bytes() <= options_.max_batch_bytes)) {
        bytes += queue_.front()->bytes();
        ops.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    RunBatch(std::move(ops));
  }
}

void Exchange::RunBatch(std::vector<std::unique_ptr<Op>> ops) {
  Batch batch;
  batch.now = Now();
  batch.now_ms = absl::ToUnixMillis(batch.now);
  batch.log_base = log_->size();
  batch.directory = directory();
  std::vector<absl::Status> staged(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    staged[i] = ops[i]->Stage(*this, batch);
    if (staged[i].ok()) continue;
    v1::AuditEvent rejected = ops[i]->RejectedEvent(staged[i]);
    if (rejected.type() == v1::AUDIT_EVENT_UNSPECIFIED) continue;
    rejected.set_hub_time_ms(batch.now_ms);
    if (auditlog::ValidateEvent(rejected).ok()) batch.events.push_back(std::move(rejected));
  }
  const absl::Status written = WriteStaged(batch);
  metrics_->batch_operations->Observe(static_cast<double>(ops.size()));
  if (!written.ok()) {
    metrics_->commit_failures->Add({{"code", absl::StatusCodeToString(written.code())}});
    LogError("hub.commit_failed",
             {{"operations", absl::StrCat(ops.size())}, {"error", std::string(written.message())}});
  }
  for (size_t i = 0; i < ops.size(); ++i) {
    ops[i]->Finish(*this, staged[i].ok() ? written : staged[i]);
  }
  if (!written.ok()) return;
  metrics_->deliveries->Add({}, static_cast<double>(batch.delivered));
  metrics_->expired->Add({}, static_cast<double>(batch.expired));
  metrics_->purged->Add({}, static_cast<double>(batch.purged));
  metrics_->log_size->Set({}, static_cast<double>(log_->size()));
  for (const std::string& recipient : batch.woken) Notify(recipient);
}

absl::Status Exchange::WriteStaged(Batch& batch) {
  for (const Bytes& id : batch.dirty_messages) {
    batch.writes.Put(store_->messages(), id, batch.messages[id]->SerializeAsString());
  }
  for (const std::string& recipient : batch.dirty_mailboxes) {
    batch.writes.Put(store_->meta(), MailboxStateKey(recipient),
                     batch.mailboxes[recipient].SerializeAsString());
  }
  if (batch.new_directory.has_value()) {
    batch.writes.Put(store_->meta(), ToSlice(kDirectoryKey),
                     batch.new_directory->SerializeAsString());
  }
  if (batch.writes.Count() == 0 && batch.events.empty()) return absl::OkStatus();
  absl::Status space = CheckDiskSpace();
  if (!space.ok()) return needs_resume_ ? last_write_error_ : space;
  if (needs_resume_) {
    // The last write failed (e.g. the disk was full); RocksDB refuses writes until resumed,
    // which is tried only now that the space is back (HubStore::Resume).
    absl::Status resumed = store_->Resume();
    if (!resumed.ok()) {
      LogError("hub.storage_resume_failed", {{"error", std::string(resumed.message())}});
      return absl::UnavailableError(
          absl::StrCat("the hub's database could not leave its error state (", resumed.message(),
                       "); the operator must restart the hub"));
    }
    needs_resume_ = false;
    LogInfo("hub.storage_resumed");
  }
  std::optional<auditlog::PendingAppend> pending;
  if (!batch.events.empty()) {
    ASSIGN_OR_RETURN(pending, log_->PrepareAppend(batch.events, &batch.writes));
    if (pending->first_index() != batch.log_base) {
      log_->AbandonAppend(*pending);
      return absl::InternalError("the audit log moved during a commit round");
    }
  }
  rocksdb::WriteOptions sync;
  sync.sync = true;
  const auto started = std::chrono::steady_clock::now();
  const rocksdb::Status s = store_->db()->Write(sync, &batch.writes);
  metrics_->commit_seconds->Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (!s.ok()) {
    if (pending.has_value()) log_->AbandonAppend(*pending);
    needs_resume_ = true;
    last_write_error_ = ToStatus(s, "committing to the hub database");
    return last_write_error_;
  }
  absl::Status appended = absl::OkStatus();
  if (pending.has_value()) appended = log_->CommitAppend(*pending);
  // What was written is on disk whatever CommitAppend says: memory follows it.
  {
    absl::MutexLock lock(&mailboxes_mu_);
    for (const std::string& recipient : batch.dirty_mailboxes) {
      const v1::MailboxState& state = batch.mailboxes[recipient];
      mailboxes_[recipient] = state;
      metrics_->mailbox_depth->Set({{"recipient", recipient}}, static_cast<double>(state.depth()));
      metrics_->mailbox_bytes->Set({{"recipient", recipient}}, static_cast<double>(state.bytes()));
    }
  }
  if (batch.new_directory.has_value()) {
    absl::MutexLock lock(&directory_mu_);
    directory_ = batch.directory;
    signed_directory_ = *batch.new_directory;
  }
  return appended;
}

absl::StatusOr<v1::StoredMessage*> Exchange::StagedMessage(Batch& batch,
                                                           absl::string_view message_id) {
  const Bytes id(message_id);
  auto it = batch.messages.find(id);
  if (it == batch.messages.end()) {
    absl::StatusOr<v1::StoredMessage> stored = ReadMessage(id);
    if (absl::IsNotFound(stored.status())) {
      it = batch.messages.emplace(id, std::nullopt).first;
    } else {
      RETURN_IF_ERROR(stored.status());
      it = batch.messages.emplace(id, *std::move(stored)).first;
    }
  }
  return it->second.has_value() ? &*it->second : nullptr;
}

v1::MailboxState& Exchange::StagedMailbox(Batch& batch, const std::string& recipient) {
  auto it = batch.mailboxes.find(recipient);
  if (it == batch.mailboxes.end()) {
    it = batch.mailboxes.emplace(recipient, MailboxStateOf(recipient)).first;
  }
  return it->second;
}

void Exchange::ApplyRemoveFromMailbox(Batch& batch, const v1::StoredMessage& message,
                                      const v1::StoredRecipient& recipient) {
  batch.writes.Delete(store_->mailbox(),
                      MailboxKey(recipient.recipient_id(), recipient.sequence()));
  v1::MailboxState& state = StagedMailbox(batch, recipient.recipient_id());
  state.set_depth(state.depth() > 0 ? state.depth() - 1 : 0);
  state.set_bytes(state.bytes() >= message.envelope_size() ? state.bytes() - message.envelope_size()
                                                           : 0);
  batch.dirty_mailboxes.insert(recipient.recipient_id());
}

void Exchange::ApplyPurge(Batch& batch, v1::StoredMessage& message, absl::string_view message_id,
                          v1::AuditEvent purged) {
  for (uint32_t i = 0; i < ChunkCount(message.envelope_size()); ++i) {
    batch.writes.Delete(store_->envelopes(), ChunkKey(message.blob_id(), i));
  }
  batch.writes.Delete(store_->expiry(), ExpiryKey(message.expires_at_ms(), message_id));
  message.set_blob_id(0);
  batch.dirty_messages.insert(Bytes(message_id));
  batch.events.push_back(std::move(purged));
  ++batch.purged;
}

absl::Status Exchange::CheckDiskSpace() const {
  if (options_.min_free_disk_bytes == 0) return absl::OkStatus();
  ASSIGN_OR_RETURN(uint64_t free_space, store_->FreeSpace());
  if (free_space < options_.min_free_disk_bytes) {
    return internal::Refusal(
        absl::StatusCode::kResourceExhausted, "disk_full",
        absl::StrCat("the hub's storage is full (", free_space, " bytes free; it keeps ",
                     options_.min_free_disk_bytes, " in reserve); retry once space is freed"));
  }
  return absl::OkStatus();
}

// ---- Operations ----

absl::Status Exchange::SubmitOp::Stage(Exchange& hub, Batch& batch) {
  const Bytes& id = admitted_.header.message_id();
  ASSIGN_OR_RETURN(v1::StoredMessage * existing, hub.StagedMessage(batch, id));
  if (existing != nullptr) {
    if (existing->receipt().envelope_hash() == admitted_.envelope_hash) {
      result_.receipt = existing->receipt();
      result_.duplicate = true;
      return absl::OkStatus();
    }
    return Refusal(absl::StatusCode::kAlreadyExists, "duplicate_id_other_bytes",
                   absl::StrCat("message id ", HexEncode(id),
                                " was already accepted with other bytes (envelope hash ",
                                HexEncode(existing->receipt().envelope_hash()),
                                "); a new message needs a new id"));
  }
  for (const std::string& recipient : admitted_.header.recipient_ids()) {
    RETURN_IF_ERROR(internal::CheckMailboxRoom(hub.StagedMailbox(batch, recipient), recipient,
                                               admitted_.envelope_size, hub.options_.limits));
  }
  v1::AuditEvent event;
  event.set_type(v1::AUDIT_EVENT_SUBMITTED);
  event.set_hub_time_ms(batch.now_ms);
  event.set_actor_id(admitted_.sender_id);
  event.set_sender_id(admitted_.sender_id);
  *event.mutable_recipient_ids() = admitted_.header.recipient_ids();
  event.set_message_kind(admitted_.header.kind());
  event.set_priority(admitted_.header.priority());
  event.set_message_id(id);
  event.set_header_hash(admitted_.header_hash);
  event.set_envelope_size(admitted_.envelope_size);
  RETURN_IF_ERROR(auditlog::ValidateEvent(event));

  v1::Receipt receipt;
  receipt.set_message_id(id);
  receipt.set_header_hash(admitted_.header_hash);
  receipt.set_envelope_hash(admitted_.envelope_hash);
  receipt.set_log_index(batch.NextLogIndex());
  receipt.set_hub_time_ms(batch.now_ms);
  receipt.set_hub_key_id(hub.hub_key().KeyId());
  ASSIGN_OR_RETURN(Bytes signature, hub.receipt_key_->Sign(ReceiptSigningInput(receipt)));
  receipt.set_signature(std::move(signature));

  // Nothing can fail from here on.
  const uint64_t blob = admitted_.blob_id != 0 ? admitted_.blob_id : hub.next_blob_id_++;
  if (admitted_.blob_id == 0) {
    const absl::string_view bytes = admitted_.bytes;
    for (uint32_t i = 0; i < ChunkCount(bytes.size()); ++i) {
      const absl::string_view chunk = bytes.substr(size_t{i} * kChunkSize, kChunkSize);
      batch.writes.Put(hub.store_->envelopes(), ChunkKey(blob, i),
                       rocksdb::Slice(chunk.data(), chunk.size()));
    }
  } else {
    batch.writes.Delete(hub.store_->meta(), UploadKey(blob));
  }
  v1::StoredMessage message;
  *message.mutable_receipt() = receipt;
  message.set_sender_id(admitted_.sender_id);
  message.set_kind(admitted_.header.kind());
  message.set_priority(admitted_.header.priority());
  message.set_envelope_size(admitted_.envelope_size);
  message.set_blob_id(blob);
  message.set_expires_at_ms(batch.now_ms + absl::ToInt64Milliseconds(hub.options_.retention));
  MailboxValue entry{id, blob, admitted_.envelope_size, batch.now_ms};
  for (const std::string& recipient : admitted_.header.recipient_ids()) {
    v1::MailboxState& state = hub.StagedMailbox(batch, recipient);
    const uint64_t sequence = NextMailboxSequence(state.last_sequence(), batch.now);
    state.set_last_sequence(sequence);
    state.set_depth(state.depth() + 1);
    state.set_bytes(state.bytes() + admitted_.envelope_size);
    batch.dirty_mailboxes.insert(recipient);
    batch.writes.Put(hub.store_->mailbox(), MailboxKey(recipient, sequence),
                     EncodeMailboxValue(entry));
    v1::StoredRecipient* stored = message.add_recipients();
    stored->set_recipient_id(recipient);
    stored->set_sequence(sequence);
    stored->set_state(v1::DELIVERY_STATE_PENDING);
    batch.woken.insert(recipient);
  }
  batch.writes.Put(hub.store_->expiry(), ExpiryKey(message.expires_at_ms(), id), "");
  batch.messages[id] = std::move(message);
  batch.dirty_messages.insert(id);
  batch.events.push_back(std::move(event));
  result_.receipt = std::move(receipt);
  return absl::OkStatus();
}

v1::AuditEvent Exchange::SubmitOp::RejectedEvent(const absl::Status& refusal) const {
  v1::AuditEvent event = internal::RejectionEvent(admitted_.sender_id, nullptr, refusal);
  event.set_sender_id(admitted_.sender_id);
  *event.mutable_recipient_ids() = admitted_.header.recipient_ids();
  event.set_message_kind(admitted_.header.kind());
  event.set_priority(admitted_.header.priority());
  event.set_message_id(admitted_.header.message_id());
  event.set_header_hash(admitted_.header_hash);
  return event;
}

void Exchange::SubmitOp::Finish(Exchange& hub, absl::Status status) {
  if (status.ok() && result_.duplicate) {
    hub.metrics_->submits->Add({{"result", "OK"}, {"reason", "duplicate"}});
  } else {
    hub.metrics_->CountSubmit(status, admitted_.envelope_size, absl::Now() - admitted_.admitted_at);
  }
  if (!status.ok()) {
    done_(status);
    return;
  }
  done_(std::move(result_));
}

absl::Status Exchange::DeliveredOp::Stage(Exchange& hub, Batch& batch) {
  ASSIGN_OR_RETURN(v1::StoredMessage * message, hub.StagedMessage(batch, entry_.value.message_id));
  if (message == nullptr || message->blob_id() == 0) return absl::OkStatus();
  for (v1::StoredRecipient& recipient : *message->mutable_recipients()) {
    if (recipient.recipient_id() != recipient_ || recipient.sequence() != entry_.sequence) {
      continue;
    }
    if (recipient.state() != v1::DELIVERY_STATE_PENDING) return absl::OkStatus();
    v1::AuditEvent event = MessageEvent(v1::AUDIT_EVENT_DELIVERED, recipient_, *message,
                                        entry_.value.message_id, {recipient_}, batch.now_ms);
    RETURN_IF_ERROR(auditlog::ValidateEvent(event));
    recipient.set_state(v1::DELIVERY_STATE_DELIVERED);
    recipient.set_delivered_at_ms(batch.now_ms);
    batch.dirty_messages.insert(entry_.value.message_id);
    batch.events.push_back(std::move(event));
    ++batch.delivered;
    return absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::Status Exchange::AckOp::Stage(Exchange& hub, Batch& batch) {
  const Bytes& id = request_.message_id();
  ASSIGN_OR_RETURN(v1::StoredMessage * message, hub.StagedMessage(batch, id));
  if (message == nullptr) {
    return absl::NotFoundError(absl::StrCat("the hub has no message with id ", HexEncode(id)));
  }
  v1::StoredRecipient* mine = nullptr;
  int unsettled_others = 0;
  for (v1::StoredRecipient& recipient : *message->mutable_recipients()) {
    if (recipient.recipient_id() == recipient_) {
      mine = &recipient;
    } else if (!Settled(recipient)) {
      ++unsettled_others;
    }
  }
  if (mine == nullptr) {
    return absl::PermissionDeniedError(
        absl::StrCat(recipient_, " is not a recipient of message ", HexEncode(id)));
  }
  if (mine->state() == v1::DELIVERY_STATE_ACKNOWLEDGED) {
    response_.set_log_index(mine->ack_log_index());
    response_.set_duplicate(true);
    return absl::OkStatus();
  }
  if (mine->state() == v1::DELIVERY_STATE_EXPIRED) {
    return absl::FailedPreconditionError(absl::StrCat("message ", HexEncode(id), " expired for ",
                                                      recipient_,
                                                      " before it was acknowledged (retention)"));
  }
  v1::AuditEvent event = MessageEvent(v1::AUDIT_EVENT_ACKNOWLEDGED, recipient_, *message, id,
                                      {recipient_}, batch.now_ms);
  // The recipient's signed acknowledgement, verified in Ack(), goes into the log whole, so the
  // log and the directory alone prove it (auditlog/acknowledgement.h).
  event.set_key_id(request_.key_id());
  event.set_acked_at_ms(request_.acked_at_ms());
  event.set_ack_signature(request_.signature());
  RETURN_IF_ERROR(auditlog::ValidateEvent(event));
  std::optional<v1::AuditEvent> purged;
  if (unsettled_others == 0) {
    purged = MessageEvent(v1::AUDIT_EVENT_PURGED, "hub", *message, id, AllRecipients(*message),
                          batch.now_ms);
    RETURN_IF_ERROR(auditlog::ValidateEvent(*purged));
  }

  hub.ApplyRemoveFromMailbox(batch, *message, *mine);
  mine->set_state(v1::DELIVERY_STATE_ACKNOWLEDGED);
  mine->set_acked_at_ms(request_.acked_at_ms());
  mine->set_ack_key_id(request_.key_id());
  mine->set_ack_signature(request_.signature());
  mine->set_ack_log_index(batch.NextLogIndex());
  response_.set_log_index(batch.NextLogIndex());
  batch.dirty_messages.insert(id);
  batch.events.push_back(std::move(event));
  if (purged.has_value()) hub.ApplyPurge(batch, *message, id, *std::move(purged));
  return absl::OkStatus();
}

void Exchange::AckOp::Finish(Exchange& hub, absl::Status status) {
  hub.metrics_->acks->Add({{"result", absl::StatusCodeToString(status.code())}});
  if (!status.ok()) {
    done_(status);
    return;
  }
  done_(std::move(response_));
}

absl::Status Exchange::PublishOp::Stage(Exchange& hub, Batch& batch) {
  const Directory* current = batch.directory.get();
  const uint64_t version = directory_->version();
  if (current != nullptr && version <= current->version()) {
    std::string current_bytes;
    if (batch.new_directory.has_value()) {
      current_bytes = batch.new_directory->SerializeAsString();
    } else {
      absl::MutexLock lock(&hub.directory_mu_);
      current_bytes = hub.signed_directory_.SerializeAsString();
    }
    if (version == current->version() && current_bytes == signed_directory_.SerializeAsString()) {
      response_.set_version(version);
      return absl::OkStatus();
    }
    return absl::FailedPreconditionError(
        absl::StrCat("directory version ", version,
                     version == current->version() ? " is already published with other contents"
                                                   : " is older than the current one",
                     " (version ", current->version(), "); publish a newer version"));
  }
  std::vector<v1::AuditEvent> events = DirectoryChangeEvents(
      current != nullptr ? &current->proto() : nullptr, directory_->proto(), actor_, batch.now_ms);
  for (const v1::AuditEvent& event : events) RETURN_IF_ERROR(auditlog::ValidateEvent(event));
  response_.set_version(version);
  response_.set_first_log_index(batch.NextLogIndex());
  response_.set_events_logged(static_cast<uint32_t>(events.size()));
  for (v1::AuditEvent& event : events) batch.events.push_back(std::move(event));
  batch.directory = directory_;
  batch.new_directory = signed_directory_;
  return absl::OkStatus();
}

void Exchange::PublishOp::Finish(Exchange& hub, absl::Status status) {
  if (status.ok()) {
    LogInfo("hub.directory_published", {{"version", absl::StrCat(response_.version())},
                                        {"events", absl::StrCat(response_.events_logged())}});
    done_(std::move(response_));
    return;
  }
  done_(status);
}

absl::Status Exchange::SweepOp::Stage(Exchange& hub, Batch& batch) {
  // Only what is due: the bound keeps the iterator from walking through the deleted index keys
  // of messages settled before they expired (every acknowledged message leaves one until a
  // compaction), which are all in the future. Without it, each round, in the committer, went
  // through all of them: after a node drained a long queue, hundreds of thousands, 4 times a
  // second.
  const Bytes due_end = ExpiryKey(batch.now_ms + 1, "");
  const rocksdb::Slice upper_bound = ToSlice(due_end);
  rocksdb::ReadOptions read_options;
  read_options.iterate_upper_bound = &upper_bound;
  std::unique_ptr<rocksdb::Iterator> it(
      hub.store_->db()->NewIterator(read_options, hub.store_->expiry()));
  // Each message is staged whole or not at all; an unreadable one stops the round (what was
  // staged before it is consistent and is committed), and the error is reported.
  int seen = 0;
  for (it->SeekToFirst(); it->Valid() && seen < kMaxExpiriesPerSweep; it->Next(), ++seen) {
    const absl::string_view key(it->key().data(), it->key().size());
    absl::StatusOr<std::pair<int64_t, Bytes>> expiry = DecodeExpiryKey(key);
    if (!expiry.ok()) {
      error_ = expiry.status();
      break;
    }
    if (expiry->first > batch.now_ms) break;
    const Bytes& id = expiry->second;
    absl::StatusOr<v1::StoredMessage*> staged = hub.StagedMessage(batch, id);
    if (!staged.ok()) {
      error_ = staged.status();
      break;
    }
    v1::StoredMessage* message = *staged;
    if (message == nullptr || message->blob_id() == 0) {
      batch.writes.Delete(hub.store_->expiry(), ToSlice(key));
      continue;
    }
    std::vector<v1::AuditEvent> events;
    for (const v1::StoredRecipient& recipient : message->recipients()) {
      if (Settled(recipient)) continue;
      events.push_back(MessageEvent(v1::AUDIT_EVENT_EXPIRED, "hub", *message, id,
                                    {recipient.recipient_id()}, batch.now_ms));
    }
    v1::AuditEvent purged = MessageEvent(v1::AUDIT_EVENT_PURGED, "hub", *message, id,
                                         AllRecipients(*message), batch.now_ms);
    absl::Status valid = auditlog::ValidateEvent(purged);
    for (const v1::AuditEvent& event : events) {
      if (valid.ok()) valid = auditlog::ValidateEvent(event);
    }
    if (!valid.ok()) {
      LogError("hub.expiry_skipped",
               {{"message", HexEncode(id)}, {"error", std::string(valid.message())}});
      continue;
    }
    for (v1::StoredRecipient& recipient : *message->mutable_recipients()) {
      if (Settled(recipient)) continue;
      hub.ApplyRemoveFromMailbox(batch, *message, recipient);
      recipient.set_state(v1::DELIVERY_STATE_EXPIRED);
      ++batch.expired;
    }
    for (v1::AuditEvent& event : events) batch.events.push_back(std::move(event));
    batch.writes.Delete(hub.store_->expiry(), ToSlice(key));
    hub.ApplyPurge(batch, *message, id, std::move(purged));
    ++expired_;
  }
  if (error_.ok()) error_ = ToStatus(it->status(), "reading the expiry index");
  return absl::OkStatus();
}

void Exchange::SweepOp::Finish(Exchange& hub, absl::Status status) {
  if (status.ok()) status = error_;
  if (!status.ok()) {
    done_(status);
    return;
  }
  done_(expired_);
}

absl::Status Exchange::EventOp::Stage(Exchange& hub, Batch& batch) {
  event_.set_hub_time_ms(batch.now_ms);
  RETURN_IF_ERROR(auditlog::ValidateEvent(event_));
  batch.events.push_back(event_);
  return absl::OkStatus();
}

}  // namespace enlace::hub
