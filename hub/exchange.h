// The hub's exchange core, without gRPC: admission checks, mailboxes, receipts, delivery state,
// acknowledgements, the directory, retention and limits, over one RocksDB (hub/store.h) that
// also holds the audit log (auditlog/log.h). The gRPC services (hub/services.h) only translate
// protos and statuses around it.
//
// Durability (docs/hub.md, "Durability"): every change (a submission with its envelope, mailbox
// entries, message record and audit leaf; a delivery; an acknowledgement; a publication; an
// expiry) is one operation for the single committer thread, which takes every pending operation,
// writes them as ONE WriteBatch with WriteOptions::sync (group commit), advances the audit log's
// in-memory tree only after that write succeeded, and only then completes the operations. So no
// receipt is ever returned for something that is not on disk, and a crash at any point leaves
// either the whole operation or none of it. Checks that need no shared state (parsing, the
// directory, signatures) run on the caller's thread before queueing; the checks that do
// (idempotency, mailbox quota, state transitions) run in the committer, serialized.
//
// Time comes from the injected clock (options.env.clock): tests run it forward and call
// RunMaintenance() to expire messages and issue tree heads.
//
// Thread-safe: every method may be called from any thread. Callbacks run on the committer
// thread; they must not block, and must not call the synchronous methods (Submit,
// PublishDirectory, RunMaintenance), which wait for the committer.
#ifndef ENLACE_HUB_EXCHANGE_H_
#define ENLACE_HUB_EXCHANGE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "auditlog/log.h"
#include "base/bytes.h"
#include "base/env.h"
#include "crypto/hash.h"
#include "crypto/signing.h"
#include "enlace/v1/audit.pb.h"
#include "enlace/v1/hub_service.pb.h"
#include "enlace/v1/hub_store.pb.h"
#include "hub/metrics.h"
#include "hub/store.h"
#include "identity/directory.h"
#include "identity/participant.h"
#include "identity/x509.h"

namespace enlace::hub {

struct HubLimits {
  size_t max_envelope_bytes = size_t{4} << 20;               // Submit
  uint64_t max_streamed_envelope_bytes = uint64_t{2} << 30;  // SubmitStream
  double submits_per_second = 50;                            // per participant (token bucket)
  uint32_t submit_burst = 200;
  uint32_t max_streams_per_participant = 4;  // concurrent Subscribe and SubmitStream calls
  uint64_t mailbox_max_entries = 100000;     // per recipient
  uint64_t mailbox_max_bytes = uint64_t{8} << 30;
  absl::Duration max_message_age = absl::Hours(24 * 7);  // created-at window, past
  absl::Duration max_clock_skew = absl::Minutes(5);      // created-at window, future
};

struct ExchangeOptions {
  HubStoreOptions store;
  Env env;
  HubLimits limits;
  absl::Duration retention = absl::Hours(24 * 30);
  absl::Duration max_merge_delay = absl::Seconds(1);
  // The signed directory to start with: used when the database holds none or an older one.
  Bytes bootstrap_directory;
  // Where CreateBackup writes checkpoints; empty: backups are refused.
  std::string backup_dir;
  // Below this much free disk space the hub refuses new data (RESOURCE_EXHAUSTED) rather than
  // let the database run into a full disk; after a failed write it resumes only above it.
  uint64_t min_free_disk_bytes = uint64_t{64} << 20;
  size_t max_batch_operations = 2048;
  size_t max_batch_bytes = size_t{32} << 20;
};

// The outcome of a submission.
struct SubmitResult {
  v1::Receipt receipt;
  bool duplicate = false;  // the id was accepted before with the same bytes: original receipt
};

// One entry of a mailbox, as a subscriber streams it.
struct MailboxEntry {
  uint64_t sequence = 0;
  MailboxValue value;
};

// A submission that passed every check that needs no shared state, waiting for the committer.
struct AdmittedEnvelope {
  std::string sender_id;
  v1::Header header;
  Bytes header_hash;    // 32 bytes
  Bytes envelope_hash;  // 32 bytes
  uint64_t envelope_size = 0;
  std::string bytes;     // the serialized envelope (Submit); empty for uploads
  uint64_t blob_id = 0;  // uploads: where the chunks already are
  absl::Time admitted_at;
};

class Exchange {
 public:
  using SubmitCallback = std::function<void(absl::StatusOr<SubmitResult>)>;
  using AckCallback = std::function<void(absl::StatusOr<v1::AckResponse>)>;

  // Opens (or creates) the database, the audit log (signed with `log_key`) and the directory
  // (the stored one, or options.bootstrap_directory if newer; FAILED_PRECONDITION if neither),
  // verified against `network_root`. Logs HUB_STARTED.
  static absl::StatusOr<std::unique_ptr<Exchange>> Open(ExchangeOptions options,
                                                        Certificate network_root,
                                                        Ed25519PrivateKey log_key,
                                                        MetricsRegistry* metrics = nullptr);
  // Close()s if not done.
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  absl::Time Now() const { return options_.env.clock->Now(); }
  const HubLimits& limits() const { return options_.limits; }
  auditlog::AuditLog* audit_log() const { return log_.get(); }
  const Ed25519PublicKey& hub_key() const { return log_->public_key(); }

  // --- Callers ---

  // The current directory (never null once Open succeeded).
  std::shared_ptr<const Directory> directory() const;
  // The per-call rule: `id`, presenting the certificate `certificate_sha256`, is listed, not
  // revoked, not suspended, and the certificate is current. PERMISSION_DENIED otherwise.
  absl::Status CheckCaller(const ParticipantId& id, absl::string_view certificate_sha256) const;

  // --- Submitting ---

  // Every check of docs/hub.md, "Submit checks", that needs no shared state: rate limit,
  // caller, size, structure, sender, recipients and kinds, created-at window, signature, and a
  // first look at the mailbox quotas. Refusals of an authenticated caller past the rate limit
  // are logged as REJECTED (asynchronously).
  absl::StatusOr<AdmittedEnvelope> AdmitEnvelope(const ParticipantId& caller,
                                                 absl::string_view certificate_sha256,
                                                 std::string envelope_bytes);
  // Queues an admitted envelope; `done` gets the receipt once the envelope is durable and
  // logged (or the original receipt for a duplicate; ALREADY_EXISTS if the id was taken by
  // other bytes; RESOURCE_EXHAUSTED if a mailbox is full or the disk is).
  void Commit(AdmittedEnvelope admitted, SubmitCallback done);
  // AdmitEnvelope + Commit, waiting.
  absl::StatusOr<SubmitResult> Submit(const ParticipantId& caller,
                                      absl::string_view certificate_sha256,
                                      std::string envelope_bytes);

  // A SubmitStream upload: the payload's chunks go to the database as they arrive (at most one
  // kChunkSize piece is held in memory), hashed on the way; Finish verifies the signature and
  // commits. An Upload destroyed before its commit succeeded deletes what it stored.
  class Upload {
   public:
    ~Upload();
    // Appends payload bytes. INVALID_ARGUMENT past the announced payload size.
    absl::Status Append(absl::string_view payload_piece);
    // Call once, after the whole payload. `done` as for Commit.
    void Finish(SubmitCallback done);
    uint64_t received() const { return received_; }

   private:
    friend class Exchange;
    struct State;
    explicit Upload(std::shared_ptr<State> state);
    // Logs (REJECTED) and counts a refusal of this upload; returns it.
    absl::Status Refused(absl::Status status) const;
    absl::Status Write(absl::string_view bytes);
    absl::Status FlushChunk();
    std::shared_ptr<State> state_;
    uint64_t received_ = 0;
  };
  // Checks the head (as AdmitEnvelope checks an envelope, but the signature, which needs the
  // payload) and starts the upload.
  absl::StatusOr<std::unique_ptr<Upload>> BeginUpload(const ParticipantId& caller,
                                                      absl::string_view certificate_sha256,
                                                      const v1::EnvelopeHead& head);

  // --- Streams ---

  // A slot counted against HubLimits::max_streams_per_participant, released on destruction.
  class StreamSlot {
   public:
    ~StreamSlot();
    StreamSlot(const StreamSlot&) = delete;
    StreamSlot& operator=(const StreamSlot&) = delete;

   private:
    friend class Exchange;
    StreamSlot(Exchange* exchange, std::string participant)
        : exchange_(exchange), participant_(std::move(participant)) {}
    Exchange* exchange_;
    std::string participant_;
  };
  // RESOURCE_EXHAUSTED when the participant already holds the maximum.
  absl::StatusOr<std::unique_ptr<StreamSlot>> AcquireStream(const ParticipantId& participant);

  // --- Delivering ---

  // The first entry of `recipient`'s mailbox after `after_sequence`, if any.
  absl::StatusOr<std::optional<MailboxEntry>> NextEntry(const ParticipantId& recipient,
                                                        uint64_t after_sequence) const;
  // Chunk `index` of a stored envelope. NOT_FOUND once it was purged.
  absl::StatusOr<Bytes> ReadChunk(uint64_t blob_id, uint32_t index) const;
  // Records that `recipient` received the whole entry (DELIVERED, logged once). Asynchronous.
  void MarkDelivered(const ParticipantId& recipient, const MailboxEntry& entry);
  // `wake` is called (on the committer thread, with an internal lock held: it must not block
  // or call Watch/Unwatch) after new entries for `recipient` were committed, and for every
  // watcher when the hub begins shutting down. Returns an id for Unwatch; after Unwatch returns,
  // `wake` is not running and will not be called again.
  uint64_t Watch(const ParticipantId& recipient, std::function<void()> wake);
  void Unwatch(uint64_t watch_id);
  bool shutting_down() const { return shutting_down_.load(); }

  // --- Acknowledging and receipts ---

  // Checks the caller is a recipient, the time window, and the signature with the caller's
  // directory key, then commits ACKNOWLEDGED (and PURGED when it was the last recipient).
  void Ack(const ParticipantId& caller, const v1::AckRequest& request, AckCallback done);
  // The stored receipt for the sender or a recipient, with its inclusion proof once a signed
  // tree head covers it.
  absl::StatusOr<v1::GetReceiptResponse> GetReceipt(const ParticipantId& caller,
                                                    absl::string_view message_id) const;

  // --- Directory ---

  v1::GetDirectoryResponse GetDirectory(uint64_t known_version) const;
  // Verifies `signed_directory` against the network root, refuses a version that is not newer
  // (FAILED_PRECONDITION; the same version with the same bytes is "no change"), logs the
  // changes (hub/directory_events.h) and makes it current. Waits for the commit.
  absl::StatusOr<v1::PublishDirectoryResponse> PublishDirectory(
      const ParticipantId& actor, const v1::SignedDirectory& signed_directory);

  // --- Upkeep ---

  // An online backup (hub/backup.cc): a RocksDB checkpoint of the whole database under
  // options.backup_dir, named after the hub time. Runs beside the committer; the checkpoint is
  // one consistent point of every column family.
  absl::StatusOr<v1::CreateBackupResponse> CreateBackup(const ParticipantId& actor);

  // Expires what retention ran out on (EXPIRED per recipient, then PURGED) and issues a signed
  // tree head if one is due. Waits. Returns how many messages were expired.
  absl::StatusOr<uint64_t> RunMaintenance();
  // Tells every stream to finish (Watch callbacks run); new streams are refused.
  void BeginShutdown();
  // Commits what is queued, logs HUB_STOPPED, signs a last tree head, syncs the WAL and closes.
  // Operations queued afterwards fail with UNAVAILABLE.
  absl::Status Close();

  // The mailbox counters of `recipient` as committed.
  v1::MailboxState MailboxStateOf(absl::string_view recipient) const;

 private:
  class Op;
  class SubmitOp;
  class DeliveredOp;
  class AckOp;
  class PublishOp;
  class SweepOp;
  class EventOp;
  struct Batch;
  struct Metrics;

  Exchange(ExchangeOptions options, Certificate network_root);
  absl::Status Load(Ed25519PrivateKey log_key);

  // Admission pieces shared by Submit and SubmitStream.
  absl::Status CheckRate(const ParticipantId& caller);
  struct CheckedHeader;
  absl::StatusOr<CheckedHeader> CheckHeader(const ParticipantId& caller, v1::Header header) const;
  absl::Status CheckQuotas(const v1::Header& header, uint64_t envelope_size) const;
  void LogRejection(const ParticipantId& caller, const v1::Envelope* envelope,
                    const absl::Status& refusal);
  absl::StatusOr<v1::StoredMessage> ReadMessage(absl::string_view message_id) const;
  void CountSubmit(const absl::Status& status, uint64_t bytes, absl::Time admitted_at);

  // The committer.
  void Enqueue(std::unique_ptr<Op> op);
  bool QueueReady() const ABSL_SHARED_LOCKS_REQUIRED(queue_mu_);
  void CommitLoop();
  void RunBatch(std::vector<std::unique_ptr<Op>> ops);
  absl::StatusOr<v1::StoredMessage*> StagedMessage(Batch& batch, absl::string_view message_id);
  v1::MailboxState& StagedMailbox(Batch& batch, const std::string& recipient);
  // Mutations of a batch that cannot fail (their events were built and validated before).
  void ApplyRemoveFromMailbox(Batch& batch, const v1::StoredMessage& message,
                              const v1::StoredRecipient& recipient);
  void ApplyPurge(Batch& batch, v1::StoredMessage& message, absl::string_view message_id,
                  v1::AuditEvent purged);
  absl::Status WriteStaged(Batch& batch);
  void Notify(const std::string& recipient);
  void ReleaseStream(const std::string& participant);
  absl::Status DeleteBlob(uint64_t blob_id, uint64_t envelope_size);
  // RESOURCE_EXHAUSTED while the disk has less than options_.min_free_disk_bytes free.
  absl::Status CheckDiskSpace() const;

  const ExchangeOptions options_;
  const Certificate network_root_;
  std::unique_ptr<HubStore> store_;
  std::unique_ptr<auditlog::AuditLog> log_;
  // The log key again (a second handle on the same seed): receipts are signed with it.
  std::optional<Ed25519PrivateKey> receipt_key_;
  std::unique_ptr<Metrics> metrics_;
  std::atomic<uint64_t> next_blob_id_{1};
  std::atomic<bool> shutting_down_{false};

  mutable absl::Mutex directory_mu_;
  std::shared_ptr<const Directory> directory_ ABSL_GUARDED_BY(directory_mu_);
  v1::SignedDirectory signed_directory_ ABSL_GUARDED_BY(directory_mu_);

  // Committed mailbox counters (the committer writes, admission reads).
  mutable absl::Mutex mailboxes_mu_;
  std::map<std::string, v1::MailboxState> mailboxes_ ABSL_GUARDED_BY(mailboxes_mu_);

  absl::Mutex limits_mu_;
  struct Bucket {
    double tokens = 0;
    absl::Time refilled;
  };
  std::map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(limits_mu_);
  std::map<std::string, uint32_t> streams_ ABSL_GUARDED_BY(limits_mu_);

  absl::Mutex watch_mu_;
  uint64_t next_watch_id_ ABSL_GUARDED_BY(watch_mu_) = 1;
  std::map<uint64_t, std::pair<std::string, std::function<void()>>> watchers_
      ABSL_GUARDED_BY(watch_mu_);

  mutable absl::Mutex queue_mu_;
  std::deque<std::unique_ptr<Op>> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool closing_ ABSL_GUARDED_BY(queue_mu_) = false;
  // Committer thread only: a write failed, and RocksDB must be resumed before the next one.
  bool needs_resume_ = false;
  absl::Status last_write_error_;
  std::thread committer_;
  bool started_ = false;  // HUB_STARTED was logged
  bool closed_ = false;
};

// Reason tokens attached to refusals (as a status payload) and logged in REJECTED events.
std::string RefusalReason(const absl::Status& status);

}  // namespace enlace::hub

#endif  // ENLACE_HUB_EXCHANGE_H_
