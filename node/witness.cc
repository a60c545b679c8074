#include "node/witness.h"

#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "auditlog/event.h"
#include "auditlog/merkle.h"
#include "auditlog/verifier.h"
#include "base/bytes.h"
#include "base/files.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "base/time.h"
#include "crypto/hash.h"
#include "crypto/receipts.h"
#include "crypto/signing.h"
#include "google/protobuf/util/time_util.h"
#include "nlohmann/json.hpp"

namespace enlace::node {
namespace {

using google::protobuf::util::TimeUtil;
using nlohmann::json;

constexpr char kLogKey[] = "witness/log_key";
constexpr char kLogKeySource[] = "witness/log_key_source";
constexpr char kMergeDelay[] = "witness/max_merge_delay_ms";
constexpr char kTrusted[] = "witness/trusted";
constexpr char kLastCheck[] = "witness/last_check_ms";
constexpr char kScanNext[] = "witness/scan_next";
constexpr char kReceipts[] = "witness/receipts";
constexpr char kIncluded[] = "witness/included";

json HeadJson(const auditlog::TreeHead& head) {
  return json{{"tree_size", head.tree_size},
              {"root_hash", HexEncode(auditlog::HashView(head.root_hash))},
              {"timestamp", FormatUtc(absl::FromUnixMillis(head.timestamp_ms))},
              {"log_id", HexEncode(head.log_id)},
              {"signature", HexEncode(head.signature)}};
}

json HashesJson(const google::protobuf::RepeatedPtrField<std::string>& hashes) {
  json out = json::array();
  for (const std::string& h : hashes) out.push_back(HexEncode(h));
  return out;
}

std::string Uint64Text(uint64_t v) { return std::to_string(v); }

absl::StatusOr<uint64_t> ParseUint64(const absl::optional<std::string>& text) {
  uint64_t v = 0;
  if (!text.has_value()) return 0;
  if (!absl::SimpleAtoi(*text, &v)) return absl::DataLossError("a witness counter is damaged");
  return v;
}

}  // namespace

LogWitness::LogWitness(ParticipantId self, HubPort* hub, NodeStore* store, Env env,
                       WitnessOptions options)
    : self_(std::move(self)), hub_(hub), store_(store), env_(env), options_(std::move(options)) {}

absl::Status LogWitness::Load() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(absl::optional<std::string> key, store_->GetState(kLogKey));
  if (key.has_value()) {
    ASSIGN_OR_RETURN(Ed25519PublicKey parsed, Ed25519PublicKey::FromRaw(*key));
    log_key_ = std::move(parsed);
    ASSIGN_OR_RETURN(absl::optional<std::string> source, store_->GetState(kLogKeySource));
    log_key_source_ = source.value_or("first use");
  }
  ASSIGN_OR_RETURN(absl::optional<std::string> delay, store_->GetState(kMergeDelay));
  ASSIGN_OR_RETURN(uint64_t delay_ms, ParseUint64(delay));
  if (delay_ms > 0) max_merge_delay_ = absl::Milliseconds(delay_ms);
  ASSIGN_OR_RETURN(absl::optional<std::string> trusted, store_->GetState(kTrusted));
  if (trusted.has_value()) {
    ASSIGN_OR_RETURN(auditlog::TreeHead head, auditlog::DecodeTreeHead(*trusted));
    trusted_ = head;
  }
  ASSIGN_OR_RETURN(absl::optional<std::string> last, store_->GetState(kLastCheck));
  ASSIGN_OR_RETURN(uint64_t last_ms, ParseUint64(last));
  if (last_ms > 0) last_check_ = absl::FromUnixMillis(static_cast<int64_t>(last_ms));
  ASSIGN_OR_RETURN(absl::optional<std::string> scan, store_->GetState(kScanNext));
  ASSIGN_OR_RETURN(scan_next_, ParseUint64(scan));
  ASSIGN_OR_RETURN(absl::optional<std::string> receipts, store_->GetState(kReceipts));
  ASSIGN_OR_RETURN(receipts_, ParseUint64(receipts));
  ASSIGN_OR_RETURN(absl::optional<std::string> included, store_->GetState(kIncluded));
  ASSIGN_OR_RETURN(included_, ParseUint64(included));
  ASSIGN_OR_RETURN(std::vector<v1::WitnessAlarm> alarms, store_->ListAlarms());
  alarm_count_.store(alarms.size());
  return absl::OkStatus();
}

absl::Status LogWitness::EnsureLogKey(const Directory& directory) {
  ASSIGN_OR_RETURN(v1::LogInfo info, hub_->GetLogInfo());
  absl::StatusOr<Ed25519PublicKey> key = Ed25519PublicKey::FromRaw(info.public_key());
  absl::MutexLock lock(&mu_);
  if (!key.ok() || key->KeyId() != info.log_id()) {
    return AlarmLocked(
        "bad_log_info",
        "the hub's log info carries a malformed key or a key id that is not its own",
        json{{"log_id", HexEncode(info.log_id())}, {"public_key", HexEncode(info.public_key())}}
            .dump());
  }
  // Confirmed when the operator's directory lists it as the hub's signing key.
  std::string source = "first use";
  absl::StatusOr<KeyValidity> listed = directory.KeyInfo(ParticipantId::Hub(), key->KeyId());
  if (listed.ok() && listed->kind == KeyKind::kSigning) source = "directory";
  if (log_key_.has_value() && *log_key_ != *key) {
    return AlarmLocked(
        "log_key_changed", "the hub now reports a different audit-log key than the one pinned",
        json{{"pinned_key", HexEncode(log_key_->raw())}, {"reported_key", HexEncode(key->raw())}}
            .dump());
  }
  NodeStore::Batch batch = store_->NewBatch();
  batch.PutState(kLogKey, key->raw());
  batch.PutState(kLogKeySource, source);
  if (info.max_merge_delay_ms() > 0) {
    batch.PutState(kMergeDelay, Uint64Text(static_cast<uint64_t>(info.max_merge_delay_ms())));
  }
  RETURN_IF_ERROR(store_->Commit(batch));
  if (info.max_merge_delay_ms() > 0)
    max_merge_delay_ = absl::Milliseconds(info.max_merge_delay_ms());
  log_key_ = std::move(*key);
  log_key_source_ = source;
  return absl::OkStatus();
}

absl::Status LogWitness::VerifyReceipt(const v1::Receipt& receipt, absl::string_view message_id,
                                       absl::string_view header_hash, absl::string_view envelope) {
  ASSIGN_OR_RETURN(Sha256Digest envelope_hash, Sha256(envelope));
  absl::MutexLock lock(&mu_);
  if (!log_key_.has_value()) {
    return absl::FailedPreconditionError("the log key is not pinned yet");
  }
  std::string problem;
  if (receipt.message_id() != message_id) {
    problem = "names another message id";
  } else if (receipt.header_hash() != header_hash) {
    problem = "carries another header hash";
  } else if (receipt.envelope_hash() != DigestBytes(envelope_hash)) {
    problem = "carries another envelope hash than the bytes sent";
  } else if (absl::Status signed_by_log = enlace::VerifyReceipt(receipt, *log_key_);
             !signed_by_log.ok()) {
    problem = absl::StrCat("is not signed by the pinned log key: ", signed_by_log.message());
  }
  if (problem.empty()) return absl::OkStatus();
  std::string detail =
      absl::StrCat("the hub's receipt for message ", HexEncode(message_id), " ", problem);
  RETURN_IF_ERROR(
      AlarmLocked("bad_receipt", detail,
                  json{{"message_id", HexEncode(message_id)},
                       {"receipt_message_id", HexEncode(receipt.message_id())},
                       {"header_hash", HexEncode(receipt.header_hash())},
                       {"expected_header_hash", HexEncode(header_hash)},
                       {"envelope_hash", HexEncode(receipt.envelope_hash())},
                       {"expected_envelope_hash", HexEncode(DigestBytes(envelope_hash))},
                       {"log_index", receipt.log_index()},
                       {"hub_time_ms", receipt.hub_time_ms()},
                       {"hub_key_id", HexEncode(receipt.hub_key_id())},
                       {"signature", HexEncode(receipt.signature())}}
                      .dump()));
  return absl::DataLossError(detail);
}

void LogWitness::ExpectInclusion(NodeStore::Batch& batch, const v1::Receipt& receipt) {
  v1::PendingInclusion pending;
  pending.set_message_id(receipt.message_id());
  pending.set_header_hash(receipt.header_hash());
  pending.set_log_index(receipt.log_index());
  pending.set_receipt_time_ms(absl::ToUnixMillis(env_.clock->Now()));
  batch.PutPending(pending);
  absl::MutexLock lock(&mu_);
  batch.PutState(kReceipts, Uint64Text(++receipts_));
}

absl::StatusOr<WitnessCheck> LogWitness::Check() {
  absl::MutexLock lock(&mu_);
  if (!log_key_.has_value()) {
    return absl::FailedPreconditionError("the log key is not pinned yet (no contact with the hub)");
  }
  WitnessCheck check;
  uint64_t alarms_before = alarm_count_.load();
  absl::StatusOr<v1::TreeHead> latest_proto = hub_->GetTreeHead(0);
  if (absl::IsNotFound(latest_proto.status()) && trusted_.has_value()) {
    RETURN_IF_ERROR(AlarmLocked("tree_head_missing",
                                "the hub says it has no signed tree head, but this node saw one",
                                json{{"trusted", HeadJson(*trusted_)}}.dump()));
  }
  // A young log may have no signed head yet: then there is nothing to check.
  const bool no_head_yet = absl::IsNotFound(latest_proto.status());
  if (!no_head_yet) {
    RETURN_IF_ERROR(latest_proto.status());
    absl::StatusOr<auditlog::TreeHead> latest = auditlog::FromProto(*latest_proto);
    if (!latest.ok()) {
      RETURN_IF_ERROR(AlarmLocked("malformed_tree_head", latest.status().message(),
                                  json{{"tree_head", latest_proto->ShortDebugString()}}.dump()));
    } else {
      RETURN_IF_ERROR(AdvanceTrustedHead(*latest));
    }
  }
  // Without any head yet, every submission is uncovered: it still has its deadline.
  RETURN_IF_ERROR(CheckInclusions(check));
  if (trusted_.has_value()) {
    RETURN_IF_ERROR(ScanEntries(check));
    check.tree_size = trusted_->tree_size;
  }
  absl::Time now = env_.clock->Now();
  NodeStore::Batch batch = store_->NewBatch();
  batch.PutState(kLastCheck, Uint64Text(static_cast<uint64_t>(absl::ToUnixMillis(now))));
  RETURN_IF_ERROR(store_->Commit(batch));
  last_check_ = now;
  check.alarms_raised = static_cast<int>(alarm_count_.load() - alarms_before);
  return check;
}

absl::Status LogWitness::AdvanceTrustedHead(const auditlog::TreeHead& next) {
  absl::Status signature = auditlog::VerifyTreeHeadSignature(next, *log_key_);
  if (!signature.ok()) {
    return AlarmLocked("bad_tree_head_signature", signature.message(),
                       json{{"tree_head", HeadJson(next)}}.dump());
  }
  if (trusted_.has_value() && *trusted_ == next) return absl::OkStatus();
  if (trusted_.has_value()) {
    v1::ConsistencyProof proof;
    if (next.tree_size > trusted_->tree_size && trusted_->tree_size > 0) {
      ASSIGN_OR_RETURN(proof, hub_->GetConsistencyProof(trusted_->tree_size, next.tree_size));
    }
    std::vector<std::string> path(proof.proof().begin(), proof.proof().end());
    absl::Status consistent = auditlog::VerifyTreeHeadUpdate(*trusted_, next, path, *log_key_);
    if (!consistent.ok()) {
      return AlarmLocked("inconsistent_tree_head",
                         absl::StrCat("the hub's log does not extend what this node saw before: ",
                                      consistent.message()),
                         json{{"trusted", HeadJson(*trusted_)},
                              {"presented", HeadJson(next)},
                              {"consistency_proof", HashesJson(proof.proof())}}
                             .dump());
    }
  }
  int64_t now_ms = absl::ToUnixMillis(env_.clock->Now());
  v1::SeenTreeHead seen;
  seen.set_encoded(auditlog::EncodeTreeHead(next));
  seen.set_seen_at_ms(now_ms);
  NodeStore::Batch batch = store_->NewBatch();
  batch.PutTreeHead(next.tree_size, next.timestamp_ms, seen);
  batch.PutState(kTrusted, seen.encoded());
  RETURN_IF_ERROR(store_->Commit(batch));
  trusted_ = next;
  return absl::OkStatus();
}

absl::Duration LogWitness::InclusionDeadline() const {
  if (options_.inclusion_deadline > absl::ZeroDuration()) return options_.inclusion_deadline;
  return max_merge_delay_ + options_.inclusion_grace;
}

absl::Status LogWitness::CheckInclusions(WitnessCheck& check) {
  ASSIGN_OR_RETURN(std::vector<v1::PendingInclusion> pending, store_->ListPending());
  absl::Time now = env_.clock->Now();
  ASSIGN_OR_RETURN(auditlog::MerkleHasher hasher, auditlog::MerkleHasher::Create());
  const uint64_t covered = trusted_.has_value() ? trusted_->tree_size : 0;
  for (v1::PendingInclusion& p : pending) {
    if (p.log_index() >= covered) {
      absl::Time due = absl::FromUnixMillis(p.receipt_time_ms()) + InclusionDeadline();
      if (now > due && !p.alarmed()) {
        RETURN_IF_ERROR(AlarmLocked(
            "inclusion_missing",
            absl::StrCat("message ", HexEncode(p.message_id()), " (log index ", p.log_index(),
                         ") is not covered by a signed tree head ",
                         absl::FormatDuration(now - absl::FromUnixMillis(p.receipt_time_ms())),
                         " after its receipt"),
            json{{"message_id", HexEncode(p.message_id())},
                 {"log_index", p.log_index()},
                 {"receipt_time", FormatUtc(absl::FromUnixMillis(p.receipt_time_ms()))},
                 {"trusted", trusted_.has_value() ? HeadJson(*trusted_) : json(nullptr)}}
                .dump()));
        p.set_alarmed(true);
        NodeStore::Batch batch = store_->NewBatch();
        batch.PutPending(p);
        RETURN_IF_ERROR(store_->Commit(batch));
      }
      continue;
    }
    ASSIGN_OR_RETURN(v1::InclusionProof proof,
                     hub_->GetInclusionProof(p.log_index(), trusted_->tree_size));
    ASSIGN_OR_RETURN(v1::ListEntriesResponse page, hub_->ListEntries(p.log_index(), 1));
    std::string problem;
    const v1::LogEntry* entry = nullptr;
    for (const v1::LogEntry& e : page.entries()) {
      if (e.index() == p.log_index()) entry = &e;
    }
    absl::StatusOr<v1::AuditEvent> event =
        entry == nullptr ? absl::NotFoundError("the hub did not return the entry")
                         : auditlog::DecodeLeaf(entry->leaf());
    if (!event.ok()) {
      problem = absl::StrCat("its log entry cannot be read: ", event.status().message());
    } else if (event->type() != v1::AUDIT_EVENT_SUBMITTED ||
               event->message_id() != p.message_id() || event->header_hash() != p.header_hash() ||
               event->sender_id() != self_.str()) {
      problem = "the log entry at its index is not its SUBMITTED event";
    } else {
      ASSIGN_OR_RETURN(auditlog::Hash leaf_hash, hasher.HashLeaf(entry->leaf()));
      std::vector<std::string> path(proof.audit_path().begin(), proof.audit_path().end());
      absl::Status included =
          proof.tree_size() != trusted_->tree_size
              ? absl::InvalidArgumentError("the proof is for another tree size")
              : auditlog::VerifyInclusion(auditlog::HashView(leaf_hash), p.log_index(),
                                          trusted_->tree_size, path,
                                          auditlog::HashView(trusted_->root_hash));
      if (!included.ok()) problem = absl::StrCat("inclusion proof: ", included.message());
    }
    if (!problem.empty()) {
      RETURN_IF_ERROR(AlarmLocked("inclusion_proof_invalid",
                                  absl::StrCat("message ", HexEncode(p.message_id()),
                                               " at log index ", p.log_index(), ": ", problem),
                                  json{{"message_id", HexEncode(p.message_id())},
                                       {"log_index", p.log_index()},
                                       {"header_hash", HexEncode(p.header_hash())},
                                       {"leaf", entry == nullptr ? "" : HexEncode(entry->leaf())},
                                       {"audit_path", HashesJson(proof.audit_path())},
                                       {"proof_tree_size", proof.tree_size()},
                                       {"trusted", HeadJson(*trusted_)}}
                                      .dump()));
    }
    // Either proven or reported: it leaves the pending set.
    NodeStore::Batch batch = store_->NewBatch();
    batch.DeletePending(p.message_id());
    if (problem.empty()) batch.PutState(kIncluded, Uint64Text(included_ + 1));
    RETURN_IF_ERROR(store_->Commit(batch));
    if (problem.empty()) {
      ++included_;
      check.included.push_back(p.message_id());
    }
  }
  return absl::OkStatus();
}

absl::Status LogWitness::ScanEntries(WitnessCheck& check) {
  uint32_t read = 0;
  while (scan_next_ < trusted_->tree_size && read < options_.max_entries_per_check) {
    ASSIGN_OR_RETURN(v1::ListEntriesResponse page, hub_->ListEntries(scan_next_, 0));
    for (const v1::LogEntry& entry : page.entries()) {
      if (entry.index() < scan_next_ || entry.index() >= trusted_->tree_size) continue;
      absl::StatusOr<v1::AuditEvent> event = auditlog::DecodeLeaf(entry.leaf());
      if (event.ok() && auditlog::IsPartyTo(*event, self_.str())) {
        check.events.push_back(std::move(*event));
      }
    }
    uint64_t next = std::min<uint64_t>(page.next_index(), trusted_->tree_size);
    if (next <= scan_next_) break;  // no progress: try again at the next check
    read += static_cast<uint32_t>(next - scan_next_);
    scan_next_ = next;
  }
  NodeStore::Batch batch = store_->NewBatch();
  batch.PutState(kScanNext, Uint64Text(scan_next_));
  return store_->Commit(batch);
}

absl::Status LogWitness::Alarm(absl::string_view kind, absl::string_view detail,
                               absl::string_view evidence_json) {
  absl::MutexLock lock(&mu_);
  return AlarmLocked(kind, detail, evidence_json);
}

absl::Status LogWitness::AlarmLocked(absl::string_view kind, absl::string_view detail,
                                     absl::string_view evidence_json) {
  absl::Time now = env_.clock->Now();
  int64_t now_ms = absl::ToUnixMillis(now);
  std::string path;
  if (!options_.evidence_dir.empty()) {
    RETURN_IF_ERROR(MakeDirectories(options_.evidence_dir, 0700));
    path = absl::StrCat(options_.evidence_dir, "/", now_ms, "-", kind, "-", alarm_count_.load() + 1,
                        ".json");
    json document = json::parse(std::string(evidence_json), nullptr, /*allow_exceptions=*/false);
    json record{{"kind", std::string(kind)},
                {"detail", std::string(detail)},
                {"at", FormatUtc(now)},
                {"node", self_.str()},
                {"evidence", document}};
    RETURN_IF_ERROR(WriteFileAtomically(path, record.dump(2) + "\n", 0600));
  }
  v1::WitnessAlarm alarm;
  *alarm.mutable_at() = TimeUtil::MillisecondsToTimestamp(now_ms);
  alarm.set_kind(std::string(kind));
  alarm.set_detail(std::string(detail));
  alarm.set_evidence_path(path);
  NodeStore::Batch batch = store_->NewBatch();
  RETURN_IF_ERROR(batch.PutAlarm(alarm));
  RETURN_IF_ERROR(store_->Commit(batch));
  alarm_count_.fetch_add(1);
  LogError("node.alarm",
           {{"kind", std::string(kind)}, {"detail", std::string(detail)}, {"evidence", path}});
  return absl::OkStatus();
}

std::string LogWitness::log_key_source() const {
  absl::MutexLock lock(&mu_);
  return log_key_source_;
}

absl::optional<absl::Time> LogWitness::last_check() const {
  absl::MutexLock lock(&mu_);
  return last_check_;
}

absl::StatusOr<v1::AuditResponse> LogWitness::View() const {
  v1::AuditResponse view;
  ASSIGN_OR_RETURN(std::vector<v1::SeenTreeHead> heads, store_->ListTreeHeads());
  ASSIGN_OR_RETURN(std::vector<v1::PendingInclusion> pending, store_->ListPending());
  ASSIGN_OR_RETURN(std::vector<v1::WitnessAlarm> alarms, store_->ListAlarms());
  absl::MutexLock lock(&mu_);
  view.set_tree_heads_seen(heads.size());
  if (trusted_.has_value()) {
    v1::TreeHeadView& latest = *view.mutable_latest();
    latest.set_tree_size(trusted_->tree_size);
    latest.set_root_hash(HexEncode(auditlog::HashView(trusted_->root_hash)));
    *latest.mutable_timestamp() = TimeUtil::MillisecondsToTimestamp(trusted_->timestamp_ms);
    latest.set_signed_head(HexEncode(auditlog::EncodeTreeHead(*trusted_)));
  }
  if (last_check_.has_value()) {
    *view.mutable_last_consistency_check() =
        TimeUtil::MillisecondsToTimestamp(absl::ToUnixMillis(*last_check_));
  }
  bool consistent = true;
  uint64_t overdue = 0;
  for (const v1::WitnessAlarm& alarm : alarms) {
    if (alarm.kind() == "inconsistent_tree_head" || alarm.kind() == "bad_tree_head_signature" ||
        alarm.kind() == "log_key_changed") {
      consistent = false;
    }
    *view.add_alarms() = alarm;
  }
  for (const v1::PendingInclusion& p : pending) overdue += p.alarmed() ? 1 : 0;
  view.set_consistent(consistent);
  view.set_submissions(receipts_);
  view.set_submissions_pending(pending.size() - overdue);
  view.set_submissions_overdue(overdue);
  view.set_submissions_included(included_);
  return view;
}

}  // namespace enlace::node
