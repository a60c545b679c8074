// `enlace-audit verify`: checks an export directory (auditor/export.h) from its bytes alone.
//
// One pass in log order. For every entry: its record is whole and bounded, its leaf hash
// equals the one recorded when it was fetched, and it decodes as a canonical audit event. At
// every saved tree head: the head names the pinned log key and its signature verifies, sizes
// increase and times do not go back, and the root recomputed from entries 0..size-1 (RFC 9162)
// equals the signed root. Since every head's root is recomputed from one sequence of entries,
// all saved heads are consistent with each other exactly when they all match.
//
// The FIRST thing that does not hold, in log order, is reported precisely (where, what,
// expected, found); nothing after it is trusted.
//
// Given the network's directory, every ACKNOWLEDGED entry's signed acknowledgement is also
// checked (auditlog/acknowledgement.h): a bad one does not stop the pass (the log itself is
// intact, and a signed head holding a forged acknowledgement is evidence against the hub), but
// the export no longer verifies.
#ifndef ENLACE_AUDITOR_VERIFY_H_
#define ENLACE_AUDITOR_VERIFY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "auditlog/merkle.h"
#include "auditlog/tree_head.h"
#include "crypto/signing.h"
#include "identity/directory.h"

namespace enlace::auditor {

// At most this many acknowledgement failures are kept with their details (all are counted).
inline constexpr size_t kMaxAckFailuresKept = 100;

struct Divergence {
  std::string where;  // "entry 41", "tree head 3 (size 120)", "log.json", ...
  std::string what;   // what does not hold
  std::string expected;
  std::string found;
  std::optional<uint64_t> entry_index;  // for divergences at an entry

  std::string ToString() const;
};

// What the signed acknowledgements of the ACKNOWLEDGED entries came to, checked against a
// directory.
struct AckCheck {
  uint64_t verified = 0;
  // The directory does not list the recipient or the key (keys leave the directory a while
  // after they end, so a newer directory cannot check old acknowledgements): not checked, and
  // not a failure.
  uint64_t key_not_listed = 0;
  // Acknowledgements that do not hold (a signature that does not verify, a key not valid when it
  // signed, fields missing): how many, and the first kMaxAckFailuresKept at "entry i".
  uint64_t failed = 0;
  std::vector<Divergence> failures;

  // "acknowledgements: V verified, N not checked (key not in the directory), F failed".
  std::string Summary() const;
};

struct VerifyResult {
  std::optional<Divergence> divergence;  // the first one; nullopt if none
  std::optional<Ed25519PublicKey> log_key;
  uint64_t entries = 0;     // whole records read before the end or the divergence
  uint64_t tree_heads = 0;  // heads checked and found good
  std::optional<auditlog::TreeHead> latest_head;  // the last good head

  // Entries up to the last good head (covered), and the bytes of entries.bin they take.
  uint64_t covered_entries = 0;
  uint64_t covered_bytes = 0;
  auditlog::CompactRange covered_range;
  // All entries read (covered or not); read_range is set only when every entry was read.
  uint64_t read_bytes = 0;
  auditlog::CompactRange read_range;

  // The largest size among the saved heads, good or not: what fetch may not rewrite.
  uint64_t saved_size = 0;

  // Set iff a directory was given: the acknowledgements of the entries read.
  std::optional<AckCheck> acks;

  // Entries past the latest good head (an interrupted fetch), not verified by any signature.
  uint64_t uncovered_entries() const { return entries - covered_entries; }
  // Everything holds, every entry is covered by a signed head and no acknowledgement failed.
  bool ok() const {
    return !divergence.has_value() && uncovered_entries() == 0 &&
           (!acks.has_value() || acks->failed == 0);
  }
};

// Verifies the export in `dir`. `expected_key`, when given, must be the key pinned in log.json.
// `directory` (not owned; may be null), when given, is the network's verified directory to check
// acknowledgements with (decoding every entry, which costs more). Integrity findings are in the
// result; the status is an error only when the directory cannot be read at all (e.g.
// permissions).
absl::StatusOr<VerifyResult> VerifyExport(
    absl::string_view dir, const std::optional<Ed25519PublicKey>& expected_key = std::nullopt,
    const Directory* directory = nullptr);

// A signed tree head that someone else was shown (a node's latest verified head, which `enlace
// audit` prints as signed), set against a verified export. A hub that keeps one history for the
// auditor and another for a node (a split view) passes each one's own checks; only comparing
// their heads shows it.
struct TreeHeadComparison {
  enum class Outcome {
    kMatches,       // the export's first tree_size entries have that root: one history
    kBeyondExport,  // larger than what the export's heads cover: fetch again, then compare
    kFork,          // signed by the log key, but another root for a size the export covers
  };
  Outcome outcome = Outcome::kMatches;
  auditlog::TreeHead head;
  uint64_t export_size = 0;      // entries covered by the export's heads
  auditlog::Hash export_root{};  // the export's root at head.tree_size (kMatches, kFork)
};

// Compares `signed_head_hex` (hex of the 128-byte signed head, docs/audit-log.md §4) with the
// export in `dir`. INVALID_ARGUMENT if it is not a signed head, or not signed by the export's log
// key (a head the log never signed proves nothing); FAILED_PRECONDITION if the export does not
// verify (run verify: its divergence comes first).
absl::StatusOr<TreeHeadComparison> CompareTreeHead(absl::string_view dir,
                                                   absl::string_view signed_head_hex);

}  // namespace enlace::auditor

#endif  // ENLACE_AUDITOR_VERIFY_H_
