// The standalone audit-log verifier: what a node or an auditor runs on what the hub sends it.
// No storage, no network; SHA-256 and Ed25519 only (RFC 9162 §2.1.3.2 and §2.1.4.2).
//
// Inputs are the bytes as they arrive (proof elements and hashes of any length): a wrong length
// is refused, never truncated or padded. Every failure is INVALID_ARGUMENT with a message saying
// what did not hold. Functions are thread-safe (each call uses its own digest context).
#ifndef ENLACE_AUDITLOG_VERIFIER_H_
#define ENLACE_AUDITLOG_VERIFIER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "auditlog/merkle.h"
#include "auditlog/tree_head.h"
#include "crypto/signing.h"

namespace enlace::auditlog {

// OK if `proof` proves that the leaf with hash `leaf_hash` (SHA-256(0x00 || leaf)) is entry
// `index` of the tree of `tree_size` leaves whose root is `root`.
absl::Status VerifyInclusion(absl::string_view leaf_hash, uint64_t index, uint64_t tree_size,
                             absl::Span<const std::string> proof, absl::string_view root);

// OK if `proof` proves that the tree (size1, root1) is a prefix of the tree (size2, root2).
// size1 == 0 is refused (nothing to prove); size1 == size2 needs an empty proof and equal roots.
absl::Status VerifyConsistency(uint64_t size1, uint64_t size2, absl::Span<const std::string> proof,
                               absl::string_view root1, absl::string_view root2);

// The check a node (or an auditor) runs on every new head: `next` is signed by `log_key`, does
// not go back in size or time from `trusted` (the last head this party accepted), and extends
// it, as `consistency_proof` (from trusted.tree_size to next.tree_size) shows. Two different
// signed roots at one size are a fork and refused. When trusted.tree_size is 0 the proof must
// be empty (every tree extends the empty one).
absl::Status VerifyTreeHeadUpdate(const TreeHead& trusted, const TreeHead& next,
                                  absl::Span<const std::string> consistency_proof,
                                  const Ed25519PublicKey& log_key);

}  // namespace enlace::auditlog

#endif  // ENLACE_AUDITLOG_VERIFIER_H_
