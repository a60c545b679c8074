// Not API: the committer's operations, its batch and the core's metrics (hub/exchange.h).
#ifndef ENLACE_HUB_INTERNAL_EXCHANGE_INTERNAL_H_
#define ENLACE_HUB_INTERNAL_EXCHANGE_INTERNAL_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "hub/exchange.h"
#include "rocksdb/write_batch.h"

namespace enlace::hub {
namespace internal {

// A refusal with its reason token (RefusalReason reads it back).
absl::Status Refusal(absl::StatusCode code, absl::string_view reason, absl::string_view message);

// RESOURCE_EXHAUSTED if one more envelope of `envelope_size` bytes would overfill `state`.
absl::Status CheckMailboxRoom(const v1::MailboxState& state, absl::string_view recipient,
                              uint64_t envelope_size, const HubLimits& limits);

// A REJECTED event for `caller`'s refused request: the reason token, and what the envelope (if
// any) claims, as far as it is well formed (never content).
v1::AuditEvent RejectionEvent(absl::string_view caller, const v1::Envelope* envelope,
                              const absl::Status& refusal);

}  // namespace internal

struct Exchange::Metrics {
  explicit Metrics(MetricsRegistry* registry);
  void CountSubmit(const absl::Status& status, uint64_t bytes, absl::Duration latency);

  std::unique_ptr<MetricsRegistry> owned;  // when the caller gave none
  Counter* submits;
  Counter* submitted_bytes;
  Counter* deliveries;
  Counter* acks;
  Counter* expired;
  Counter* purged;
  Counter* tree_heads;
  Counter* commit_failures;
  Gauge* mailbox_depth;
  Gauge* mailbox_bytes;
  Gauge* streams;
  Gauge* log_size;
  Histogram* batch_operations;
  Histogram* commit_seconds;
  Histogram* submit_seconds;
  std::atomic<int64_t> open_streams{0};
};

// What one committer round stages: the writes, the events, and the records and mailbox
// counters as they will be after it (read through to the database and the committed state).
struct Exchange::Batch {
  absl::Time now;
  int64_t now_ms = 0;
  uint64_t log_base = 0;  // the log's size before this batch: events get log_base + position
  rocksdb::WriteBatch writes;
  std::vector<v1::AuditEvent> events;
  std::map<Bytes, std::optional<v1::StoredMessage>> messages;  // nullopt: known absent
  std::set<Bytes> dirty_messages;
  std::map<std::string, v1::MailboxState> mailboxes;
  std::set<std::string> dirty_mailboxes;
  std::set<std::string> woken;                 // recipients with new entries
  std::shared_ptr<const Directory> directory;  // as staged (the current one, or a new one)
  std::optional<v1::SignedDirectory> new_directory;
  uint64_t expired = 0;
  uint64_t purged = 0;
  uint64_t delivered = 0;

  uint64_t NextLogIndex() const { return log_base + events.size(); }
};

// One unit of work for the committer. Stage checks everything against the staged state FIRST
// and changes the batch only once nothing can fail, so a refused operation leaves no trace in
// the batch. Finish runs after the batch (its write status, or Stage's refusal).
class Exchange::Op {
 public:
  virtual ~Op() = default;
  virtual absl::Status Stage(Exchange& hub, Batch& batch) = 0;
  virtual void Finish(Exchange& hub, absl::Status status) = 0;
  // Bytes this operation adds to the batch (to bound a batch's size).
  virtual size_t bytes() const { return 0; }
  // The REJECTED event to log when Stage refuses; AUDIT_EVENT_UNSPECIFIED: log nothing.
  virtual v1::AuditEvent RejectedEvent(const absl::Status& refusal) const { return {}; }
};

class Exchange::SubmitOp : public Exchange::Op {
 public:
  SubmitOp(AdmittedEnvelope admitted, SubmitCallback done)
      : admitted_(std::move(admitted)), done_(std::move(done)) {}
  absl::Status Stage(Exchange& hub, Batch& batch) override;
  void Finish(Exchange& hub, absl::Status status) override;
  size_t bytes() const override { return admitted_.bytes.size(); }
  v1::AuditEvent RejectedEvent(const absl::Status& refusal) const override;

 private:
  AdmittedEnvelope admitted_;
  SubmitCallback done_;
  SubmitResult result_;
};

class Exchange::DeliveredOp : public Exchange::Op {
 public:
  DeliveredOp(std::string recipient, MailboxEntry entry)
      : recipient_(std::move(recipient)), entry_(std::move(entry)) {}
  absl::Status Stage(Exchange& hub, Batch& batch) override;
  void Finish(Exchange& hub, absl::Status status) override {}

 private:
  std::string recipient_;
  MailboxEntry entry_;
};

class Exchange::AckOp : public Exchange::Op {
 public:
  AckOp(std::string recipient, v1::AckRequest request, AckCallback done)
      : recipient_(std::move(recipient)), request_(std::move(request)), done_(std::move(done)) {}
  absl::Status Stage(Exchange& hub, Batch& batch) override;
  void Finish(Exchange& hub, absl::Status status) override;

 private:
  std::string recipient_;
  v1::AckRequest request_;
  AckCallback done_;
  v1::AckResponse response_;
};

class Exchange::PublishOp : public Exchange::Op {
 public:
  using Callback = std::function<void(absl::StatusOr<v1::PublishDirectoryResponse>)>;
  PublishOp(std::string actor, v1::SignedDirectory signed_directory,
            std::shared_ptr<const Directory> directory, Callback done)
      : actor_(std::move(actor)),
        signed_directory_(std::move(signed_directory)),
        directory_(std::move(directory)),
        done_(std::move(done)) {}
  absl::Status Stage(Exchange& hub, Batch& batch) override;
  void Finish(Exchange& hub, absl::Status status) override;

 private:
  std::string actor_;
  v1::SignedDirectory signed_directory_;
  std::shared_ptr<const Directory> directory_;
  Callback done_;
  v1::PublishDirectoryResponse response_;
};

class Exchange::SweepOp : public Exchange::Op {
 public:
  using Callback = std::function<void(absl::StatusOr<uint64_t>)>;
  explicit SweepOp(Callback done) : done_(std::move(done)) {}
  absl::Status Stage(Exchange& hub, Batch& batch) override;
  void Finish(Exchange& hub, absl::Status status) override;

 private:
  Callback done_;
  uint64_t expired_ = 0;
  absl::Status error_;
};

// One event and nothing else (HUB_STARTED, HUB_STOPPED, REJECTED).
class Exchange::EventOp : public Exchange::Op {
 public:
  using Callback = std::function<void(absl::Status)>;
  EventOp(v1::AuditEvent event, Callback done) : event_(std::move(event)), done_(std::move(done)) {}
  absl::Status Stage(Exchange& hub, Batch& batch) override;
  void Finish(Exchange& hub, absl::Status status) override {
    if (done_) done_(status);
  }

 private:
  v1::AuditEvent event_;
  Callback done_;
};

}  // namespace enlace::hub

#endif  // ENLACE_HUB_INTERNAL_EXCHANGE_INTERNAL_H_
