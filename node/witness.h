// The node as a witness of the hub's audit log.
//
// The node keeps every signed tree head it has seen (store: tree_heads) and the latest one it
// verified (the trusted head). On every connection and periodically, Check():
//   1. fetches the latest signed head, verifies its signature with the pinned log key, and that
//      it extends the trusted head (RFC 9162 consistency proof; never smaller, never older, no
//      second root at one size);
//   2. for each of the node's own submissions (a receipt was received), once a trusted head
//      covers its log index: fetches the entry, checks that it is the SUBMITTED event of that
//      message (id and header hash), and verifies its inclusion proof against the trusted head;
//      a submission not provably included within the deadline (the log's max merge delay plus
//      a grace period) is an alarm;
//   3. reads the log entries the node is a party to (e.g. ACKNOWLEDGED by a recipient of a
//      message it sent) and returns them to the caller.
// Any failure of the log's promises is an ALARM: an error log line, a record in the store
// (shown by `enlace doctor` and `enlace audit`), a counter, and the evidence (both tree heads,
// the proof, the entry) written as JSON to the evidence folder. Network errors are not alarms:
// they are returned and the check is retried later.
//
// The log key: taken from the hub's GetLogInfo and pinned. When the directory lists a "hub"
// signing key with the same key id, the pin is confirmed by the operator's signature; otherwise
// it is trust on first use, and doctor says so. A key that changes later is an alarm.
//
// Thread-safe.
#ifndef ENLACE_NODE_WITNESS_H_
#define ENLACE_NODE_WITNESS_H_

#include <atomic>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "auditlog/tree_head.h"
#include "base/env.h"
#include "enlace/v1/audit.pb.h"
#include "enlace/v1/hub_service.pb.h"
#include "enlace/v1/node_service.pb.h"
#include "identity/directory.h"
#include "identity/participant.h"
#include "node/hub_port.h"
#include "node/store.h"

namespace enlace::node {

struct WitnessOptions {
  std::string evidence_dir;  // created 0700 on the first alarm
  // Added to the log's max merge delay to give the deadline of an inclusion.
  absl::Duration inclusion_grace = absl::Seconds(60);
  // If not zero, the inclusion deadline itself (overrides merge delay + grace).
  absl::Duration inclusion_deadline = absl::ZeroDuration();
  // Entries read per Check() at most (bounds the work of catching up on a long log).
  uint32_t max_entries_per_check = 10000;
};

struct WitnessCheck {
  uint64_t tree_size = 0;
  std::vector<Bytes> included;         // message ids whose inclusion was just verified
  std::vector<v1::AuditEvent> events;  // entries this node is a party to, newly read
  int alarms_raised = 0;
};

class LogWitness {
 public:
  LogWitness(ParticipantId self, HubPort* hub, NodeStore* store, Env env, WitnessOptions options);

  // Restores the pinned key and the trusted head from the store.
  absl::Status Load();

  // Pins the log key on first use (see above); later, an alarm if the hub reports another key.
  absl::Status EnsureLogKey(const Directory& directory);

  // OK if `receipt` is the hub's signed receipt for this envelope: fields match the envelope's
  // message id, header hash and SHA-256 of `envelope`, and the log key signed it. An invalid
  // receipt raises an alarm and returns DATA_LOSS.
  absl::Status VerifyReceipt(const v1::Receipt& receipt, absl::string_view message_id,
                             absl::string_view header_hash, absl::string_view envelope);

  // Adds the submission to the inclusions to check (into `batch`).
  void ExpectInclusion(NodeStore::Batch& batch, const v1::Receipt& receipt);

  // The periodic check (see above).
  absl::StatusOr<WitnessCheck> Check();

  // The node's own view of the log, for `enlace audit`.
  absl::StatusOr<v1::AuditResponse> View() const;

  // True while alarms are recorded (they stay until the evidence is reviewed and the store's
  // alarms cleared by an operator).
  bool alarmed() const { return alarm_count_.load() > 0; }
  uint64_t alarm_count() const { return alarm_count_.load(); }
  // "directory" or "first use"; empty until pinned.
  std::string log_key_source() const;
  absl::optional<absl::Time> last_check() const;

  // Records an alarm (also used by the node for envelopes it rejects): error log, store record,
  // counter, and `evidence` (a JSON object text) in the evidence folder.
  absl::Status Alarm(absl::string_view kind, absl::string_view detail,
                     absl::string_view evidence_json);

 private:
  absl::Status AdvanceTrustedHead(const auditlog::TreeHead& next)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CheckInclusions(WitnessCheck& check) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status ScanEntries(WitnessCheck& check) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status AlarmLocked(absl::string_view kind, absl::string_view detail,
                           absl::string_view evidence_json) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Duration InclusionDeadline() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const ParticipantId self_;
  HubPort* const hub_;
  NodeStore* const store_;
  const Env env_;
  const WitnessOptions options_;
  std::atomic<uint64_t> alarm_count_{0};

  mutable absl::Mutex mu_;
  absl::optional<Ed25519PublicKey> log_key_ ABSL_GUARDED_BY(mu_);
  std::string log_key_source_ ABSL_GUARDED_BY(mu_);
  absl::Duration max_merge_delay_ ABSL_GUARDED_BY(mu_) = absl::Seconds(1);
  absl::optional<auditlog::TreeHead> trusted_ ABSL_GUARDED_BY(mu_);
  absl::optional<absl::Time> last_check_ ABSL_GUARDED_BY(mu_);
  uint64_t scan_next_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t receipts_ ABSL_GUARDED_BY(mu_) = 0;  // receipts received (submissions)
  uint64_t included_ ABSL_GUARDED_BY(mu_) = 0;  // inclusions verified
};

}  // namespace enlace::node

#endif  // ENLACE_NODE_WITNESS_H_
