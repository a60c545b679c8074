#include "auditor/verify.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "auditlog/acknowledgement.h"
#include "auditlog/event.h"
#include "auditor/export.h"
#include "base/bytes.h"
#include "base/status_macros.h"

namespace enlace::auditor {
namespace {

using auditlog::Hash;
using auditlog::HashView;
using auditlog::TreeHead;

std::string Hex(const Hash& h) { return HexEncode(HashView(h)); }

Divergence AtEntry(uint64_t index, std::string what, std::string expected = "",
                   std::string found = "") {
  return Divergence{absl::StrCat("entry ", index), std::move(what), std::move(expected),
                    std::move(found), index};
}

// Checks the acknowledgement `leaf` carries, if it is an ACKNOWLEDGED event, into `acks`.
absl::Status CheckAcknowledgement(uint64_t index, absl::string_view leaf,
                                  const Directory& directory, AckCheck* acks) {
  ASSIGN_OR_RETURN(v1::AuditEvent event, auditlog::DecodeLeaf(leaf));
  if (event.type() != v1::AUDIT_EVENT_ACKNOWLEDGED) return absl::OkStatus();
  const absl::Status status = auditlog::VerifyAcknowledgement(event, directory);
  if (status.ok()) {
    ++acks->verified;
  } else if (absl::IsNotFound(status)) {
    ++acks->key_not_listed;
  } else {
    ++acks->failed;
    if (acks->failures.size() < kMaxAckFailuresKept) {
      acks->failures.push_back(
          AtEntry(index, absl::StrCat("the acknowledgement does not hold: ", status.message()),
                  "an acknowledgement signed by its recipient's key, valid at its time",
                  absl::StrCat(absl::StatusCodeToString(status.code()),
                               " against directory version ", directory.version())));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string Divergence::ToString() const {
  std::string out = absl::StrCat(where, ": ", what);
  if (!expected.empty()) absl::StrAppend(&out, "\n  expected: ", expected);
  if (!found.empty()) absl::StrAppend(&out, "\n  found:    ", found);
  return out;
}

std::string AckCheck::Summary() const {
  std::string out = absl::StrCat("acknowledgements: ", verified, " verified, ", key_not_listed,
                                 " not checked (key not in the directory), ", failed, " failed");
  return out;
}

absl::StatusOr<VerifyResult> VerifyExport(absl::string_view dir,
                                          const std::optional<Ed25519PublicKey>& expected_key,
                                          const Directory* directory) {
  VerifyResult result;
  if (directory != nullptr) result.acks.emplace();
  auto fail = [&result](Divergence divergence) -> absl::StatusOr<VerifyResult> {
    result.divergence = std::move(divergence);
    return std::move(result);
  };

  absl::StatusOr<std::optional<Ed25519PublicKey>> key = ReadLogKey(dir);
  if (absl::IsUnavailable(key.status())) return key.status();
  if (!key.ok()) return fail({kLogInfoFile, std::string(key.status().message()), "", "", {}});
  absl::StatusOr<std::vector<TreeHead>> heads = ReadTreeHeads(dir);
  if (absl::IsUnavailable(heads.status())) return heads.status();
  if (!heads.ok()) {
    return fail({kTreeHeadsFile, std::string(heads.status().message()), "", "", {}});
  }
  for (const TreeHead& head : *heads)
    result.saved_size = std::max(result.saved_size, head.tree_size);
  ASSIGN_OR_RETURN(EntryReader reader, EntryReader::Open(dir));
  if (!key->has_value()) {
    return fail({kLogInfoFile,
                 "missing: this is not an export directory (fetch writes log.json first)",
                 "",
                 "",
                 {}});
  }
  const Ed25519PublicKey& log_key = **key;
  result.log_key = log_key;
  if (expected_key.has_value() && *expected_key != log_key) {
    return fail({kLogInfoFile,
                 "the pinned log key is not the expected one",
                 HexEncode(expected_key->raw()),
                 HexEncode(log_key.raw()),
                 {}});
  }

  ASSIGN_OR_RETURN(auditlog::MerkleHasher hasher, auditlog::MerkleHasher::Create());
  auditlog::CompactRange range;
  size_t next_head = 0;
  // Checks every head due at the current size; the first that fails is the divergence.
  auto check_heads = [&]() -> absl::StatusOr<std::optional<Divergence>> {
    while (next_head < heads->size() && (*heads)[next_head].tree_size <= range.size()) {
      const TreeHead& head = (*heads)[next_head];
      const std::string where =
          absl::StrCat("tree head ", next_head + 1, " (size ", head.tree_size, ")");
      const TreeHead* previous = next_head > 0 ? &(*heads)[next_head - 1] : nullptr;
      if (previous != nullptr && head.tree_size <= previous->tree_size) {
        return Divergence{where,
                          "tree heads must be saved in increasing size",
                          absl::StrCat("a size above ", previous->tree_size),
                          absl::StrCat(head.tree_size),
                          {}};
      }
      if (previous != nullptr && head.timestamp_ms < previous->timestamp_ms) {
        return Divergence{where,
                          "the head is dated before the previous head",
                          absl::StrCat("timestamp_ms >= ", previous->timestamp_ms),
                          absl::StrCat(head.timestamp_ms),
                          {}};
      }
      absl::Status signature = auditlog::VerifyTreeHeadSignature(head, log_key);
      if (!signature.ok()) {
        return Divergence{where, std::string(signature.message()), "", "", {}};
      }
      ASSIGN_OR_RETURN(Hash root, range.Root(hasher));
      if (root != head.root_hash) {
        std::string what = absl::StrCat("the root recomputed from entries 0..", head.tree_size - 1,
                                        " is not the signed root");
        if (previous != nullptr) {
          absl::StrAppend(&what, "; entries 0..", previous->tree_size - 1,
                          " match the head of size ", previous->tree_size,
                          ", so the difference lies in entries ", previous->tree_size, "..",
                          head.tree_size - 1);
        }
        return Divergence{where, std::move(what), Hex(head.root_hash), Hex(root), {}};
      }
      ++result.tree_heads;
      result.latest_head = head;
      result.covered_entries = range.size();
      result.covered_bytes = reader.offset();
      result.covered_range = range;
      ++next_head;
    }
    return std::nullopt;
  };

  ASSIGN_OR_RETURN(std::optional<Divergence> at_start, check_heads());
  if (at_start.has_value()) return fail(*std::move(at_start));
  EntryReader::Entry entry;
  while (true) {
    const uint64_t index = reader.index();
    absl::StatusOr<bool> more = reader.Next(&entry);
    if (absl::IsUnavailable(more.status())) return more.status();
    if (!more.ok()) return fail(AtEntry(index, std::string(more.status().message())));
    if (!*more) break;
    ASSIGN_OR_RETURN(Hash leaf_hash, hasher.HashLeaf(entry.leaf));
    if (!entry.recorded_hash.has_value()) {
      return fail(AtEntry(index,
                          absl::StrCat("leaf_hashes.bin records only ", reader.recorded_hashes(),
                                       " entries; entries.bin has more"),
                          "a recorded leaf hash", Hex(leaf_hash)));
    }
    if (*entry.recorded_hash != leaf_hash) {
      return fail(AtEntry(index,
                          "the entry's leaf hash differs from the one recorded when it was "
                          "fetched",
                          Hex(*entry.recorded_hash), Hex(leaf_hash)));
    }
    absl::Status canonical = auditlog::ValidateLeaf(entry.leaf);
    if (!canonical.ok()) {
      return fail(
          AtEntry(index, absl::StrCat("not a canonical audit event: ", canonical.message())));
    }
    if (directory != nullptr) {
      RETURN_IF_ERROR(CheckAcknowledgement(index, entry.leaf, *directory, &*result.acks));
    }
    RETURN_IF_ERROR(range.Append(leaf_hash, hasher));
    result.entries = range.size();
    result.read_bytes = reader.offset();
    ASSIGN_OR_RETURN(std::optional<Divergence> at_head, check_heads());
    if (at_head.has_value()) return fail(*std::move(at_head));
  }
  result.read_range = range;
  ASSIGN_OR_RETURN(std::optional<Hash> missing, reader.RecordedHashPastTheEnd());
  if (missing.has_value()) {
    return fail(AtEntry(reader.index(), "the entry is missing from entries.bin", Hex(*missing),
                        "the end of entries.bin"));
  }
  if (next_head < heads->size()) {
    const TreeHead& head = (*heads)[next_head];
    return fail({absl::StrCat("tree head ", next_head + 1, " (size ", head.tree_size, ")"),
                 absl::StrCat("the head covers ", head.tree_size, " entries but the export holds ",
                              range.size()),
                 absl::StrCat(head.tree_size, " entries"), absl::StrCat(range.size(), " entries"),
                 range.size()});
  }
  if (reader.partial_hash()) {
    return fail(AtEntry(reader.index(), "leaf_hashes.bin ends with a partial hash",
                        "whole 32-byte hashes", "a cut-off hash"));
  }
  return result;
}

absl::StatusOr<TreeHeadComparison> CompareTreeHead(absl::string_view dir,
                                                   absl::string_view signed_head_hex) {
  absl::StatusOr<Bytes> bytes = HexDecode(signed_head_hex);
  absl::StatusOr<TreeHead> head =
      bytes.ok() ? auditlog::DecodeTreeHead(*bytes) : absl::StatusOr<TreeHead>(bytes.status());
  if (!head.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a signed tree head (hex of its 128-byte encoding, as `enlace audit` "
                     "prints it): ",
                     head.status().message()));
  }
  ASSIGN_OR_RETURN(VerifyResult verified, VerifyExport(dir));
  if (verified.divergence.has_value()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the export does not verify, so it cannot be compared: ", verified.divergence->ToString()));
  }
  absl::Status signature = auditlog::VerifyTreeHeadSignature(*head, *verified.log_key);
  if (!signature.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the tree head is not signed by the export's log key (",
        HexEncode(verified.log_key->KeyId()), "), so it proves nothing: ", signature.message()));
  }
  TreeHeadComparison comparison;
  comparison.head = *head;
  comparison.export_size = verified.covered_entries;
  if (head->tree_size > verified.covered_entries) {
    comparison.outcome = TreeHeadComparison::Outcome::kBeyondExport;
    return comparison;
  }
  // The export verified: its recorded leaf hashes are its entries'.
  ASSIGN_OR_RETURN(auditlog::MerkleHasher hasher, auditlog::MerkleHasher::Create());
  ASSIGN_OR_RETURN(EntryReader reader, EntryReader::Open(dir));
  auditlog::CompactRange range;
  EntryReader::Entry entry;
  while (range.size() < head->tree_size) {
    ASSIGN_OR_RETURN(bool more, reader.Next(&entry));
    if (!more || !entry.recorded_hash.has_value()) {
      return absl::DataLossError(
          absl::StrCat("the export changed while it was read (entry ", range.size(), ")"));
    }
    RETURN_IF_ERROR(range.Append(*entry.recorded_hash, hasher));
  }
  ASSIGN_OR_RETURN(comparison.export_root, range.Root(hasher));
  comparison.outcome = comparison.export_root == head->root_hash
                           ? TreeHeadComparison::Outcome::kMatches
                           : TreeHeadComparison::Outcome::kFork;
  return comparison;
}

}  // namespace enlace::auditor
