// The country node's core, without gRPC: what the daemon does for its local users and with the
// hub (through HubPort). The daemon (node/daemon.h) calls it from its threads and its local API;
// tests call it directly.
//
// Sending: the content is parsed, checked against the user's role, routed (recipients follow
// from the content or are given), validated (domain/validate.h), applied to its case
// (node/cases.h) — all before anything is sealed — then sealed ONCE (crypto/envelope.h) with
// the signing key the directory lists as valid now, to each recipient's newest valid
// encryption key, and stored atomically: the item (index in clear), its content (encrypted at
// rest), the case, and the outbox entry. DrainOutbox() submits due entries; a failed attempt is
// retried with exponential backoff and jitter (RetryDelay) with the SAME bytes, so the hub's
// idempotency on the message id turns any number of retries into one message. While the hub is
// away the outbox backs off as a whole, and leaves in the order it was written once it is back.
// Each receipt is verified and its inclusion in the audit log checked later by the witness.
//
// Attachments (node/attachments.h): a content that lists files is sealed together with their
// bytes, each checked against its reference first; large envelopes are kept in the store's
// blobs and submitted streamed (HubPort::Submit). The node holds one such envelope in memory at
// a time while sealing, submitting or opening it.
//
// Retention: Maintain() purges the content (and attachments and envelope) of items whose
// retention period has run out (domain/policy.h RetentionPolicy, counted from the end of their
// case: a referral's closure, an alert's expiry, a request's answer; from creation for
// publications and items without a case), leaving the item's record marked purged; once the
// metadata period (RetentionPolicy::metadata, 5 years by default) has run out too, it deletes
// the records themselves: the items of a case together with the case, in one write, never while
// the case is open (CaseIsOpen) or an item is still in the outbox. It also destroys the private
// decryption keys identity/key_retention.h lets go. Each purge and destruction is recorded in the
// access log.
//
// Receiving: HandleDelivery() assembles the envelope, and stores it only if it verifies:
// the sender is in the directory, its key was valid and not revoked when the message was
// created, the creation time is within the window, the signature holds, it decrypts, its content
// matches the header's kind and is valid. A message id already stored is not stored again (it is
// acknowledged again if needed). Anything refused is reported (error log, alarm with evidence)
// and not acknowledged. Stored messages are acknowledged to the hub with a signed Ack.
//
// Thread-safe.
#ifndef ENLACE_NODE_NODE_H_
#define ENLACE_NODE_NODE_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "absl/types/span.h"
#include "base/env.h"
#include "domain/labels.h"
#include "enlace/v1/hub_service.pb.h"
#include "enlace/v1/node_config.pb.h"
#include "enlace/v1/node_service.pb.h"
#include "identity/directory.h"
#include "identity/x509.h"
#include "node/cases.h"
#include "node/hub_port.h"
#include "node/keystore.h"
#include "node/store.h"
#include "node/witness.h"

namespace enlace::node {

struct NodeOptions {
  v1::NodeConfig config;  // as LoadNodeConfig returns it (checked, defaults filled)
  Env env;
  absl::optional<Certificate> root;  // the network root: the directory's trust anchor (required)
  rocksdb::Env* rocksdb_env = nullptr;
  CasePolicies policies;
  // The local account the daemon runs as (named in the access log for its own decryptions).
  std::string daemon_user = "enlace-node";
  // Facts about the TLS certificate for `doctor` (SHA-256 and end of validity).
  Bytes certificate_sha256;
  absl::Time certificate_not_after = absl::InfiniteFuture();
};

// What one maintenance round did.
struct MaintenanceReport {
  int purged = 0;                     // items whose content was purged
  int metadata_purged = 0;            // items whose record was deleted
  int cases_purged = 0;               // cases deleted with their items
  std::vector<Bytes> destroyed_keys;  // key ids of the private decryption keys destroyed
};

// A local user as the daemon identified them (peer credentials, then the node config).
struct LocalUser {
  std::string os_user;
  uint32_t uid = 0;
  v1::NodeUser config;
};

// The delay before retry `attempt` (1, 2, ...): exponential from `initial`, capped at `max`,
// with "equal jitter" (half fixed, half uniformly random from `random`), so nodes that lost the
// hub together do not all come back at once.
absl::Duration RetryDelay(uint32_t attempt, absl::Duration initial, absl::Duration max,
                          RandomSource* random);

class Node {
 public:
  // Opens the store (data_dir/store) and restores the directory, the witness and the cursor.
  static absl::StatusOr<std::unique_ptr<Node>> Create(NodeOptions options, Keystore keys,
                                                      HubPort* hub);

  // ---- The local API. Errors carry bilingual issues (domain/issues.h). ----
  absl::StatusOr<v1::WhoamiResponse> Whoami(const LocalUser& user) const;
  // `attachments`: the bytes of each attachment the content lists, in their order.
  absl::StatusOr<v1::SendResponse> Send(const LocalUser& user, const v1::SendRequest& request,
                                        std::vector<Bytes> attachments = {});
  absl::StatusOr<v1::SendResponse> Forward(const LocalUser& user,
                                           const v1::ForwardRequest& request);
  absl::StatusOr<v1::ListInboxResponse> ListInbox(const LocalUser& user,
                                                  const v1::ListInboxRequest& request) const;
  absl::StatusOr<v1::ShowResponse> Show(const LocalUser& user, const v1::ShowRequest& request);
  absl::StatusOr<v1::ThreadResponse> Thread(const LocalUser& user,
                                            const v1::ThreadRequest& request);
  // Gives `part` first the attachment's reference, then its bytes piece by piece (decrypted from
  // the store, at most NodeStore::kBlobChunkSize each); an error of `part` stops it. Recorded
  // in the access log before the first byte.
  absl::Status ExportAttachment(
      const LocalUser& user, const v1::ExportAttachmentRequest& request,
      const std::function<absl::Status(const v1::ExportAttachmentPart&)>& part);
  absl::StatusOr<v1::ListCasesResponse> ListCases(const LocalUser& user,
                                                  const v1::ListCasesRequest& request) const;
  absl::StatusOr<v1::KeysResponse> Keys(const LocalUser& user) const;
  absl::StatusOr<v1::DoctorResponse> Doctor(const LocalUser& user,
                                            const v1::DoctorRequest& request) const;
  absl::StatusOr<v1::AuditResponse> Audit(const LocalUser& user) const;
  // Focal point only: an online checkpoint of the store under <data_dir>/backups/ (backup.cc).
  absl::StatusOr<v1::BackupResponse> Backup(const LocalUser& user);

  // ---- With the hub (the daemon's threads). ----
  // What the node does on every (re)connection: refresh the directory, pin the log key, check
  // the log. Network errors are returned; the log's misbehaviour raises alarms.
  absl::Status OnConnected();
  // Fetches a newer signed directory, verifies it against the root (rollback refused) and keeps
  // it. OK with nothing new.
  absl::Status RefreshDirectory();
  // Submits every due outbox entry and retries pending acknowledgements. Returns how many
  // entries left the outbox (accepted by the hub, or refused for good).
  absl::StatusOr<int> DrainOutbox();
  // When the next outbox entry is due (InfiniteFuture if none).
  absl::Time NextOutboxAttempt() const;
  size_t OutboxSize() const;
  // One Delivery of the Subscribe stream (see above). Errors are local failures (the store):
  // the stream should stop and resume later from cursor().
  absl::Status HandleDelivery(const v1::Delivery& delivery);
  // The last mailbox sequence stored (Subscribe resumes after it).
  uint64_t cursor() const;
  // The witness's periodic check, then acknowledgements seen in the log are applied to items.
  absl::StatusOr<WitnessCheck> CheckLog();
  // Records the outcome of a connection attempt for `doctor`.
  void SetHubReachable(bool reachable, absl::string_view detail);

  // ---- Maintenance (the daemon's, every maintenance_interval_s of the injected clock). ----
  // Purges the content and the metadata that are due and destroys the decryption keys that may
  // go (see above).
  absl::StatusOr<MaintenanceReport> Maintain();

  // Counters for the metrics file (Prometheus text format).
  std::string MetricsText() const;
  const LogWitness& witness() const { return *witness_; }
  NodeStore& store() { return *store_; }
  const ParticipantId& self() const { return keys_.self(); }
  std::shared_ptr<const Directory> directory() const { return directory_->current(); }

 private:
  Node(NodeOptions options, Keystore keys, HubPort* hub);

  domain::Language LanguageOf(absl::string_view tag) const;
  absl::StatusOr<std::vector<std::string>> Route(const v1::Content& content,
                                                 const std::vector<std::string>& to,
                                                 const absl::optional<v1::CaseSummary>& current,
                                                 const Directory& directory) const;
  // Validate, case, seal and store (the common part of Send and Forward).
  absl::StatusOr<v1::SendResponse> Compose(const LocalUser& user, v1::Content content,
                                           const std::vector<std::string>& to,
                                           const std::string& actor, std::vector<Bytes> attachments)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Stores a sealed or received item: its blobs (attachments, a large envelope) first, then one
  // batch with the item, its content, `outbox` (when queued) and `next_case`, and `extra`'s
  // writes. Blobs of a failed store are removed.
  absl::Status StoreItem(v1::StoredItemMeta& meta, const v1::Content& content,
                         absl::Span<const absl::string_view> attachments,
                         absl::string_view envelope, v1::OutboxEntry* outbox,
                         const absl::optional<v1::CaseSummary>& next_case,
                         const std::function<absl::Status(NodeStore::Batch&)>& extra)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The attachment bodies the store holds for an item (a forward sends them again).
  absl::StatusOr<std::vector<Bytes>> LoadAttachments(const v1::StoredItemMeta& meta) const;
  absl::StatusOr<int> PurgeDueContent() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status PurgeDueMetadata(MaintenanceReport& report) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::vector<Bytes>> DestroyRetiredKeys() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<v1::ShowResponse> ShowItem(const std::string& who, uint32_t uid,
                                            const v1::StoredItemMeta& meta, bool for_export)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // `record` may carry the action's details (key_id, attachment).
  absl::Status RecordAccess(NodeStore::Batch& batch, const std::string& who, uint32_t uid,
                            absl::string_view action, absl::string_view message_id,
                            v1::AccessRecord record = v1::AccessRecord());
  absl::Status Receive(const v1::Delivery& delivery, absl::string_view envelope_bytes)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Reject(uint64_t sequence, absl::string_view message_id, absl::string_view reason,
                      absl::string_view envelope_bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status SendAck(const v1::StoredItemMeta& meta, absl::string_view header_hash)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status SaveCursor(uint64_t sequence) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status SubmitOne(v1::OutboxEntry entry);
  absl::StatusOr<std::shared_ptr<const Directory>> RequireDirectory() const;
  // Sends the automatic RECEIVED step of a referral this node just stored.
  absl::Status AcknowledgeReferral(const v1::CaseSummary& summary)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const NodeOptions options_;
  // Its encryption keys change only in DestroyRetiredKeys, under mu_; read them under mu_.
  Keystore keys_;
  HubPort* const hub_;
  std::unique_ptr<NodeStore> store_;
  std::unique_ptr<DirectoryVerifier> directory_;
  std::unique_ptr<LogWitness> witness_;

  // Serializes compositions and receptions (case updates are read-modify-write).
  mutable absl::Mutex mu_;
  uint64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<uint64_t, std::string> partial_ ABSL_GUARDED_BY(mu_);  // sequence -> bytes so far
  std::map<std::string, std::string> pending_acks_ ABSL_GUARDED_BY(mu_);  // id -> header hash

  // What `doctor` reports about the connection.
  mutable absl::Mutex status_mu_;
  bool hub_reachable_ ABSL_GUARDED_BY(status_mu_) = false;
  std::string hub_detail_ ABSL_GUARDED_BY(status_mu_) = "not connected yet";
  absl::Time directory_fetched_at_ ABSL_GUARDED_BY(status_mu_) = absl::InfinitePast();
  // Hub clock minus this node's clock, measured at the last receipt.
  absl::optional<absl::Duration> clock_skew_ ABSL_GUARDED_BY(status_mu_);
  // Submissions that found the hub away, in a row, and when the outbox tries it again.
  uint32_t hub_failures_ ABSL_GUARDED_BY(status_mu_) = 0;
  absl::Time hub_retry_at_ ABSL_GUARDED_BY(status_mu_) = absl::InfinitePast();

  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> received_{0};
  std::atomic<uint64_t> rejected_{0};
  std::atomic<uint64_t> duplicates_{0};
  std::atomic<uint64_t> submit_failures_{0};
};

}  // namespace enlace::node

#endif  // ENLACE_NODE_NODE_H_
