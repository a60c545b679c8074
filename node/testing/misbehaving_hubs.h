// Test support: hubs that misbehave, at the node's seam (node/hub_port.h). Each wraps the real
// hub client and changes one thing, the way a compromised or broken hub could. Used by the
// node's integration tests and the misbehaving-hub security suite (tests/security/).
#ifndef ENLACE_NODE_TESTING_MISBEHAVING_HUBS_H_
#define ENLACE_NODE_TESTING_MISBEHAVING_HUBS_H_

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "auditlog/tree_head.h"
#include "crypto/signing.h"
#include "enlace/v1/directory.pb.h"
#include "node/hub_port.h"

namespace enlace::node::testing {

// Passes every call to the real client.
class ForwardingHub : public HubPort {
 public:
  explicit ForwardingHub(HubPort* real) : real_(real) {}
  absl::StatusOr<v1::SubmitResponse> Submit(absl::string_view e) override {
    return real_->Submit(e);
  }
  absl::StatusOr<v1::AckResponse> Ack(const v1::AckRequest& r) override { return real_->Ack(r); }
  absl::StatusOr<v1::GetReceiptResponse> GetReceipt(absl::string_view id) override {
    return real_->GetReceipt(id);
  }
  absl::Status Subscribe(uint64_t after,
                         const std::function<absl::Status(const v1::Delivery&)>& f) override {
    return real_->Subscribe(after, f);
  }
  void CancelSubscribe() override { real_->CancelSubscribe(); }
  absl::StatusOr<v1::GetDirectoryResponse> GetDirectory(uint64_t v) override {
    return real_->GetDirectory(v);
  }
  absl::StatusOr<v1::LogInfo> GetLogInfo() override { return real_->GetLogInfo(); }
  absl::StatusOr<v1::TreeHead> GetTreeHead(uint64_t size) override {
    return real_->GetTreeHead(size);
  }
  absl::StatusOr<v1::InclusionProof> GetInclusionProof(uint64_t index, uint64_t size) override {
    return real_->GetInclusionProof(index, size);
  }
  absl::StatusOr<v1::ConsistencyProof> GetConsistencyProof(uint64_t a, uint64_t b) override {
    return real_->GetConsistencyProof(a, b);
  }
  absl::StatusOr<v1::ListEntriesResponse> ListEntries(uint64_t start, uint32_t max) override {
    return real_->ListEntries(start, max);
  }

 protected:
  HubPort* real_;
};

// Flips one byte in the middle of the first envelope it delivers.
class TamperingHub : public ForwardingHub {
 public:
  using ForwardingHub::ForwardingHub;
  absl::Status Subscribe(uint64_t after,
                         const std::function<absl::Status(const v1::Delivery&)>& f) override {
    return real_->Subscribe(after, [&](const v1::Delivery& d) {
      if (tampered_.exchange(true)) return f(d);
      v1::Delivery changed = d;
      std::string& data = *changed.mutable_data();
      data[data.size() / 2] ^= 0x01;
      return f(changed);
    });
  }

 private:
  std::atomic<bool> tampered_{false};
};

// Replays the first envelope it delivers right after it. kNewPosition: as a second mailbox entry
// (the same message id at the next sequence), shifting later positions by one. kSamePosition: the
// same entry again, at the sequence the node has just stored. Either way the node must show the
// message once.
class ReplayingHub : public ForwardingHub {
 public:
  enum class Mode { kNewPosition, kSamePosition };
  explicit ReplayingHub(HubPort* real, Mode mode = Mode::kNewPosition)
      : ForwardingHub(real), shift_(mode == Mode::kNewPosition ? 1 : 0) {}
  absl::Status Subscribe(uint64_t after,
                         const std::function<absl::Status(const v1::Delivery&)>& f) override {
    uint64_t replayed_at = replayed_at_.load();
    uint64_t real_after = replayed_at != 0 && after >= replayed_at ? after - shift_ : after;
    return real_->Subscribe(real_after, [&](const v1::Delivery& d) -> absl::Status {
      uint64_t at = replayed_at_.load();
      v1::Delivery shifted = d;
      if (at != 0 && d.sequence() >= at) shifted.set_sequence(d.sequence() + shift_);
      absl::Status status = f(shifted);
      if (!status.ok() || at != 0) return status;
      bool complete = d.offset() + d.data().size() == d.envelope_size();
      if (!complete) return status;
      v1::Delivery replay = d;
      replay.set_sequence(d.sequence() + shift_);
      replayed_at_.store(d.sequence() + 1);
      return f(replay);
    });
  }
  bool replayed() const { return replayed_at_.load() != 0; }

 private:
  const uint64_t shift_;
  std::atomic<uint64_t> replayed_at_{0};
};

// Holds back the first envelope it would deliver and sends it after the next one: the mailbox's
// order broken (each piece a whole envelope: small messages only).
class ReorderingHub : public ForwardingHub {
 public:
  using ForwardingHub::ForwardingHub;
  absl::Status Subscribe(uint64_t after,
                         const std::function<absl::Status(const v1::Delivery&)>& f) override {
    return real_->Subscribe(after, [&](const v1::Delivery& d) -> absl::Status {
      absl::MutexLock lock(&mu_);
      if (!held_.has_value() && !reordered_) {
        held_ = d;
        return absl::OkStatus();
      }
      absl::Status status = f(d);
      if (!status.ok() || !held_.has_value()) return status;
      v1::Delivery late = std::move(*held_);
      held_.reset();
      reordered_ = true;
      return f(late);
    });
  }
  bool reordered() const {
    absl::MutexLock lock(&mu_);
    return reordered_;
  }

 private:
  mutable absl::Mutex mu_;
  std::optional<v1::Delivery> held_ ABSL_GUARDED_BY(mu_);
  bool reordered_ ABSL_GUARDED_BY(mu_) = false;
};

// Once RollBack() is called, answers every directory request with `old`, a directory the
// operator did sign, but an older one than the node holds.
class DirectoryRollbackHub : public ForwardingHub {
 public:
  DirectoryRollbackHub(HubPort* real, v1::SignedDirectory old, uint64_t old_version)
      : ForwardingHub(real), old_(std::move(old)), old_version_(old_version) {}
  void RollBack() { roll_back_.store(true); }
  absl::StatusOr<v1::GetDirectoryResponse> GetDirectory(uint64_t known_version) override {
    if (!roll_back_.load()) return real_->GetDirectory(known_version);
    v1::GetDirectoryResponse response;
    response.set_version(old_version_);
    *response.mutable_directory() = old_;
    return response;
  }

 private:
  const v1::SignedDirectory old_;
  const uint64_t old_version_;
  std::atomic<bool> roll_back_{false};
};

// Once Fork() is called, answers the latest tree head with a second, validly signed root for a
// size the node already trusts: a split view of the log.
class ForkingHub : public ForwardingHub {
 public:
  ForkingHub(HubPort* real, std::function<absl::StatusOr<Ed25519PrivateKey>()> log_key)
      : ForwardingHub(real), log_key_(std::move(log_key)) {}
  void Fork() { fork_.store(true); }
  absl::StatusOr<v1::TreeHead> GetTreeHead(uint64_t size) override {
    absl::StatusOr<v1::TreeHead> head = real_->GetTreeHead(size);
    if (!head.ok() || !fork_.load()) return head;
    auditlog::Hash other{};
    other.fill(0x42);
    absl::StatusOr<Ed25519PrivateKey> key = log_key_();
    if (!key.ok()) return key.status();
    absl::StatusOr<auditlog::TreeHead> forked = auditlog::SignTreeHead(
        head->tree_size(), other, absl::FromUnixMillis(head->timestamp_ms()), *key);
    if (!forked.ok()) return forked.status();
    return auditlog::ToProto(*forked);
  }

 private:
  std::function<absl::StatusOr<Ed25519PrivateKey>()> log_key_;
  std::atomic<bool> fork_{false};
};

}  // namespace enlace::node::testing

#endif  // ENLACE_NODE_TESTING_MISBEHAVING_HUBS_H_
