// Fuzzes what a node and an auditor do with proofs and tree heads from the hub
// (auditlog/verifier.h): inclusion proofs, consistency proofs and tree-head updates, with sizes,
// indices, roots and proof elements chosen or edited by the input. The fixture is a real tree of
// kLeaves leaves with a head signed for every size, so verdicts can be judged exactly: against a
// (size, root) pair of the log's, a proof is accepted if and only if it is the tree's own proof
// for what it claims (anything else would need a SHA-256 collision), and a new tree head only if
// it is the log's own (anything else would need an Ed25519 forgery) and the proof is right.
// Against pairs the log never signed nothing is proven, so only the argument checks are judged
// (an index beyond the size, a first size of 0 or beyond the second are refused).
//
// Input, read from the front (tests/fuzz/fuzz_input.h; missing bytes read as 0):
//   mode (0 inclusion, 1 consistency, 2 tree-head update), two sizes or indices, then for
//   mode 2 an XOR mask over the new head's 128-byte encoding, then edits of the genuine proof
//   (count, then per edit: kind, position, bytes).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "auditlog/merkle.h"
#include "auditlog/tree_head.h"
#include "auditlog/verifier.h"
#include "base/env.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/fuzz_support.h"

namespace enlace::auditlog {
namespace {

constexpr uint64_t kLeaves = 70;

using Proof = std::vector<std::string>;

struct Fixture {
  Fixture() : tree(MerkleHasher::Create().value()) {
    DeterministicRandom random(9);
    log_key.emplace(Ed25519PrivateKey::Generate(&random).value());
    for (uint64_t size = 0; size <= kLeaves; ++size) {
      if (size > 0) {
        const std::string leaf = absl::StrCat("entry ", size - 1);
        leaves.push_back(std::string(HashView(tree.hasher().HashLeaf(leaf).value())));
        if (!tree.AppendLeaf(leaf).ok()) std::abort();
      }
      const Hash root = tree.Root().value();
      roots.push_back(std::string(HashView(root)));
      // Times not in size order, so that "older head, larger tree" occurs.
      const absl::Time time = absl::FromUnixSeconds(1767225600 + size * 37 % 11);
      heads.push_back(SignTreeHead(size, root, time, *log_key).value());
    }
  }

  static Proof AsStrings(const std::vector<Hash>& hashes) {
    Proof proof;
    for (const Hash& h : hashes) proof.emplace_back(HashView(h));
    return proof;
  }
  Proof Inclusion(uint64_t index, uint64_t size) {
    return AsStrings(InclusionPath(index, size, tree, tree.hasher()).value());
  }
  Proof Consistency(uint64_t size1, uint64_t size2) {
    return AsStrings(ConsistencyPath(size1, size2, tree, tree.hasher()).value());
  }
  // Whether (size, root) is a tree head the log could sign. A proof only binds a leaf or an
  // older tree to a root; the size is bound to the root by the signed head. So for a pair the
  // log never signed (a made-up root, or a real root with another size, which a proof for that
  // root and size can match) no verdict is wrong, and none is judged.
  bool Authentic(uint64_t size, const std::string& root) const {
    return size <= kLeaves && root == roots[size];
  }
  // VerifyConsistency's verdict when it can be judged: nullopt when it cannot (see Authentic).
  absl::optional<bool> ConsistencyHolds(uint64_t size1, uint64_t size2, const Proof& proof,
                                        const std::string& root1, const std::string& root2) {
    if (size1 == 0 || size1 > size2) return false;
    if (size1 == size2) return proof.empty() && root1 == root2;  // compared as given
    if (!Authentic(size1, root1) || !Authentic(size2, root2)) return absl::nullopt;
    return proof == Consistency(size1, size2);
  }

  InMemoryTree tree;
  absl::optional<Ed25519PrivateKey> log_key;
  std::vector<std::string> leaves;  // leaf hashes
  std::vector<std::string> roots;   // roots[size]
  std::vector<TreeHead> heads;      // heads[size]
};

Fixture& TheFixture() {
  static Fixture* const fixture = new Fixture();
  return *fixture;
}

// Edits a genuine proof (and the hashes that go with it) as a misbehaving hub could.
void Edit(fuzz::FuzzInput& in, Proof& proof, std::string& first, std::string& second) {
  Fixture& f = TheFixture();
  const int edits = in.Byte() % 5;
  for (int e = 0; e < edits; ++e) {
    const uint8_t kind = in.Byte() % 7;
    const size_t at = proof.empty() ? 0 : in.Byte() % proof.size();
    switch (kind) {
      case 0:  // flip one bit of an element
        if (!proof.empty() && !proof[at].empty()) {
          const uint8_t bit = in.Byte();
          proof[at][bit / 8 % proof[at].size()] ^= static_cast<char>(1 << (bit % 8));
        }
        break;
      case 1:  // drop an element
        if (!proof.empty()) proof.erase(proof.begin() + at);
        break;
      case 2:  // insert bytes of any length
        proof.insert(proof.begin() + at, in.Bytes(40));
        break;
      case 3:  // repeat an element, or put another one of the tree's hashes there
        if (!proof.empty()) proof.insert(proof.begin() + in.Byte() % proof.size(), proof[at]);
        break;
      case 4:  // swap two elements
        if (!proof.empty()) std::swap(proof[at], proof[in.Byte() % proof.size()]);
        break;
      case 5:  // another leaf hash or root as the first hash
        first = in.Byte() % 2 ? f.leaves[in.Byte() % kLeaves]
                              : f.roots[in.Small(kLeaves) % (kLeaves + 1)];
        break;
      default:  // another root, or bytes, as the second hash
        second = in.Byte() % 2 ? f.roots[in.Small(kLeaves) % (kLeaves + 1)] : in.Bytes(40);
        break;
    }
  }
}

void FuzzInclusion(fuzz::FuzzInput& in) {
  Fixture& f = TheFixture();
  const uint64_t index = in.Small(kLeaves);
  const uint64_t size = in.Small(kLeaves + 1);
  // The genuine proof nearest to the claim, then edited.
  const uint64_t real_size = std::clamp<uint64_t>(size, 1, kLeaves);
  const uint64_t real_index = std::min(index, real_size - 1);
  Proof proof = f.Inclusion(real_index, real_size);
  std::string leaf = f.leaves[real_index];
  std::string root = f.roots[real_size];
  Edit(in, proof, leaf, root);
  const bool accepted = VerifyInclusion(leaf, index, size, proof, root).ok();
  if (index >= size) {
    if (accepted) std::abort();
  } else if (f.Authentic(size, root)) {
    if (accepted != (leaf == f.leaves[index] && proof == f.Inclusion(index, size))) std::abort();
  }
}

void FuzzConsistency(fuzz::FuzzInput& in) {
  Fixture& f = TheFixture();
  const uint64_t size1 = in.Small(kLeaves + 1);
  const uint64_t size2 = in.Small(kLeaves + 1);
  const uint64_t real2 = std::clamp<uint64_t>(size2, 1, kLeaves);
  const uint64_t real1 = std::clamp<uint64_t>(size1, 1, real2);
  Proof proof = f.Consistency(real1, real2);
  std::string root1 = f.roots[real1];
  std::string root2 = f.roots[real2];
  Edit(in, proof, root1, root2);
  const bool accepted = VerifyConsistency(size1, size2, proof, root1, root2).ok();
  const absl::optional<bool> holds = f.ConsistencyHolds(size1, size2, proof, root1, root2);
  if (holds.has_value() && accepted != *holds) std::abort();
}

void FuzzTreeHeadUpdate(fuzz::FuzzInput& in) {
  Fixture& f = TheFixture();
  const uint64_t trusted_size = in.Small(kLeaves) % (kLeaves + 1);
  const uint64_t next_size = in.Small(kLeaves) % (kLeaves + 1);
  const TreeHead& trusted = f.heads[trusted_size];
  Bytes encoded = EncodeTreeHead(f.heads[next_size]);
  const std::string mask = in.Bytes(255);
  for (size_t i = 0; i < mask.size(); ++i) encoded[i % encoded.size()] ^= mask[i];
  absl::StatusOr<TreeHead> next = DecodeTreeHead(encoded);
  if (!next.ok()) return;
  Proof proof;
  if (trusted_size > 0 && trusted_size < next_size) proof = f.Consistency(trusted_size, next_size);
  std::string unused_first, unused_second;
  Edit(in, proof, unused_first, unused_second);
  const bool accepted = VerifyTreeHeadUpdate(trusted, *next, proof, f.log_key->public_key()).ok();
  // Only the log's own heads are signed; the rest must follow from them.
  const bool genuine =
      next->tree_size <= kLeaves && *next == f.heads[next->tree_size] &&
      next->tree_size >= trusted_size && next->timestamp_ms >= trusted.timestamp_ms &&
      (trusted_size == 0 ? proof.empty()
                         : *f.ConsistencyHolds(trusted_size, next->tree_size, proof,
                                               f.roots[trusted_size], f.roots[next->tree_size]));
  if (accepted != genuine) std::abort();
}

// For every mode, the genuine proofs of a few sizes, unedited.
std::vector<fuzz::Seed> Seeds() {
  std::vector<fuzz::Seed> seeds;
  const char* const modes[] = {"inclusion", "consistency", "head"};
  for (char mode = 0; mode < 3; ++mode) {
    for (const uint8_t a : {0, 1, 3, 8, 33, 69}) {
      for (const uint8_t b : {1, 2, 7, 8, 64, 70}) {
        seeds.emplace_back(absl::StrCat(modes[static_cast<int>(mode)], "-", a, "-", b),
                           std::string{mode, static_cast<char>(a), static_cast<char>(b)});
      }
    }
  }
  return seeds;
}

}  // namespace
}  // namespace enlace::auditlog

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  enlace::fuzz::WriteSeedsIfAsked(enlace::auditlog::Seeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  enlace::fuzz::FuzzInput in(data, size);
  switch (in.Byte() % 3) {
    case 0:
      enlace::auditlog::FuzzInclusion(in);
      break;
    case 1:
      enlace::auditlog::FuzzConsistency(in);
      break;
    default:
      enlace::auditlog::FuzzTreeHeadUpdate(in);
      break;
  }
  return 0;
}
