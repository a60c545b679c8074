#include "auditlog/verifier.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace enlace::auditlog {
namespace {

absl::StatusOr<std::vector<Hash>> ProofHashes(absl::Span<const std::string> proof,
                                              absl::string_view what) {
  std::vector<Hash> hashes;
  hashes.reserve(proof.size());
  for (size_t i = 0; i < proof.size(); ++i) {
    ASSIGN_OR_RETURN(Hash h, HashFromBytes(proof[i], absl::StrCat(what, " element ", i)));
    hashes.push_back(h);
  }
  return hashes;
}

// Shifts both until fn's lowest bit is set or fn is 0 (RFC 9162 §2.1.3.2 step 4.b).
void ShiftWhileEven(uint64_t& fn, uint64_t& sn) {
  while ((fn & 1) == 0 && fn != 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

absl::Status Mismatch(absl::string_view what, const Hash& computed, const Hash& expected) {
  return absl::InvalidArgumentError(absl::StrCat(what, ": the proof gives ",
                                                 HexEncode(HashView(computed)), ", expected ",
                                                 HexEncode(HashView(expected))));
}

}  // namespace

absl::Status VerifyInclusion(absl::string_view leaf_hash, uint64_t index, uint64_t tree_size,
                             absl::Span<const std::string> proof, absl::string_view root) {
  if (index >= tree_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("inclusion proof: leaf index ", index, " is not below tree size ", tree_size));
  }
  ASSIGN_OR_RETURN(const Hash leaf, HashFromBytes(leaf_hash, "inclusion proof: leaf hash"));
  ASSIGN_OR_RETURN(const Hash expected_root, HashFromBytes(root, "inclusion proof: root"));
  ASSIGN_OR_RETURN(const std::vector<Hash> path, ProofHashes(proof, "inclusion proof"));
  ASSIGN_OR_RETURN(MerkleHasher hasher, MerkleHasher::Create());

  uint64_t fn = index;
  uint64_t sn = tree_size - 1;
  Hash r = leaf;
  for (const Hash& p : path) {
    if (sn == 0) {
      return absl::InvalidArgumentError(absl::StrCat("inclusion proof for leaf ", index,
                                                     " in tree size ", tree_size, " is too long (",
                                                     path.size(), " elements)"));
    }
    if ((fn & 1) == 1 || fn == sn) {
      ASSIGN_OR_RETURN(r, hasher.HashChildren(p, r));
      ShiftWhileEven(fn, sn);
    } else {
      ASSIGN_OR_RETURN(r, hasher.HashChildren(r, p));
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) {
    return absl::InvalidArgumentError(absl::StrCat("inclusion proof for leaf ", index,
                                                   " in tree size ", tree_size, " is too short (",
                                                   path.size(), " elements)"));
  }
  if (r != expected_root) {
    return Mismatch(absl::StrCat("inclusion of leaf ", index, " in tree size ", tree_size), r,
                    expected_root);
  }
  return absl::OkStatus();
}

absl::Status VerifyConsistency(uint64_t size1, uint64_t size2, absl::Span<const std::string> proof,
                               absl::string_view root1, absl::string_view root2) {
  const std::string what = absl::StrCat("consistency from size ", size1, " to ", size2);
  if (size1 == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": the first size must be at least 1 (the empty tree proves nothing)"));
  }
  if (size1 > size2) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": the tree cannot shrink"));
  }
  if (size1 == size2) {
    // Nothing to prove: the same tree. As in transparency-dev/merkle (and its probes), the two
    // roots are compared as given, whatever their length.
    if (!proof.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": equal sizes need an empty proof, got ", proof.size(), " elements"));
    }
    if (root1 != root2) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": two different roots for one size (",
                                                     HexEncode(root1), " and ", HexEncode(root2),
                                                     ")"));
    }
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(const Hash first, HashFromBytes(root1, absl::StrCat(what, ": first root")));
  ASSIGN_OR_RETURN(const Hash second, HashFromBytes(root2, absl::StrCat(what, ": second root")));
  ASSIGN_OR_RETURN(std::vector<Hash> path, ProofHashes(proof, what));
  if (path.empty()) return absl::InvalidArgumentError(absl::StrCat(what, ": the proof is empty"));
  // RFC 9162 §2.1.4.2.
  if ((size1 & (size1 - 1)) == 0) path.insert(path.begin(), first);
  ASSIGN_OR_RETURN(MerkleHasher hasher, MerkleHasher::Create());
  uint64_t fn = size1 - 1;
  uint64_t sn = size2 - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0];
  Hash sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": the proof is too long (", proof.size(), " elements)"));
    }
    if ((fn & 1) == 1 || fn == sn) {
      ASSIGN_OR_RETURN(fr, hasher.HashChildren(c, fr));
      ASSIGN_OR_RETURN(sr, hasher.HashChildren(c, sr));
      ShiftWhileEven(fn, sn);
    } else {
      ASSIGN_OR_RETURN(sr, hasher.HashChildren(sr, c));
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": the proof is too short (", proof.size(), " elements)"));
  }
  if (fr != first) return Mismatch(absl::StrCat(what, ", first root"), fr, first);
  if (sr != second) return Mismatch(absl::StrCat(what, ", second root"), sr, second);
  return absl::OkStatus();
}

absl::Status VerifyTreeHeadUpdate(const TreeHead& trusted, const TreeHead& next,
                                  absl::Span<const std::string> consistency_proof,
                                  const Ed25519PublicKey& log_key) {
  RETURN_IF_ERROR(VerifyTreeHeadSignature(next, log_key));
  if (next.tree_size < trusted.tree_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("the log shrank: a head of size ", next.tree_size,
                     " after an accepted head of size ", trusted.tree_size));
  }
  if (next.timestamp_ms < trusted.timestamp_ms) {
    return absl::InvalidArgumentError(
        absl::StrCat("tree head of size ", next.tree_size, " is dated ", next.timestamp_ms,
                     " ms, before the accepted head of size ", trusted.tree_size, " (",
                     trusted.timestamp_ms, " ms)"));
  }
  if (trusted.tree_size == 0) {
    if (!consistency_proof.empty()) {
      return absl::InvalidArgumentError("a consistency proof from the empty tree must be empty");
    }
    return absl::OkStatus();
  }
  return VerifyConsistency(trusted.tree_size, next.tree_size, consistency_proof,
                           HashView(trusted.root_hash), HashView(next.root_hash));
}

}  // namespace enlace::auditlog
