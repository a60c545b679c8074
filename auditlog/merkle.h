// RFC 9162 Merkle tree hashing and proof construction, independent of any storage.
//
// Hashing (RFC 9162 §2.1.1): SHA-256; a leaf hashes as SHA-256(0x00 || leaf), an interior node as
// SHA-256(0x01 || left || right); the empty tree's root is SHA-256("").
//
// Trees are addressed by "perfect" subtrees (transparency-dev/merkle docs/data_model.md): node
// (level, index) is the root of leaves [index * 2^level, (index + 1) * 2^level). Once its leaves
// exist its hash never changes, so a log stores each once and builds every root and every proof
// of any tree size from O(log n) of them.
#ifndef ENLACE_AUDITLOG_MERKLE_H_
#define ENLACE_AUDITLOG_MERKLE_H_

#include <cstdint>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/bytes.h"
#include "crypto/hash.h"

namespace enlace::auditlog {

using Hash = Sha256Digest;
inline constexpr size_t kHashSize = kSha256Size;

inline absl::string_view HashView(const Hash& h) {
  return absl::string_view(reinterpret_cast<const char*>(h.data()), h.size());
}
// Refuses anything that is not exactly kHashSize bytes, naming `what` in the error.
absl::StatusOr<Hash> HashFromBytes(absl::string_view bytes, absl::string_view what);

// The root of the empty tree, SHA-256("").
const Hash& EmptyRoot();

// RFC 9162 hashing with one reused digest context. Not thread-safe: one per thread.
class MerkleHasher {
 public:
  static absl::StatusOr<MerkleHasher> Create();

  absl::StatusOr<Hash> HashLeaf(absl::string_view leaf);
  absl::StatusOr<Hash> HashChildren(const Hash& left, const Hash& right);

 private:
  explicit MerkleHasher(Sha256Hasher hasher) : hasher_(std::move(hasher)) {}
  Sha256Hasher hasher_;
};

struct NodeId {
  uint8_t level = 0;
  uint64_t index = 0;
};

// The right border of a tree of size() leaves: one perfect subtree per set bit of the size,
// largest (leftmost) first. It is all a log needs to append and to compute its root, in
// O(log n) memory (transparency-dev/merkle compact/range.go).
class CompactRange {
 public:
  CompactRange() = default;  // the empty tree
  // From the hashes of NodeIdsFor(size), in that order. Refuses a wrong count.
  static absl::StatusOr<CompactRange> FromHashes(uint64_t size, std::vector<Hash> hashes);

  // The perfect subtrees that make up a tree of `size` leaves, largest (leftmost) first.
  static std::vector<NodeId> NodeIdsFor(uint64_t size);

  uint64_t size() const { return size_; }
  const std::vector<Hash>& hashes() const { return hashes_; }

  // Appends the leaf with hash `leaf_hash` as index size(). `on_node` sees the leaf's node
  // (level 0) and then every perfect node the append completes, bottom up. On error the range is
  // unchanged.
  absl::Status Append(const Hash& leaf_hash, MerkleHasher& hasher,
                      absl::FunctionRef<void(const NodeId&, const Hash&)> on_node);
  absl::Status Append(const Hash& leaf_hash, MerkleHasher& hasher);

  // MTH of the whole tree (EmptyRoot() when empty).
  absl::StatusOr<Hash> Root(MerkleHasher& hasher) const;

 private:
  uint64_t size_ = 0;
  std::vector<Hash> hashes_;
};

// Where proofs get perfect node hashes from (RocksDB in the log, memory in tests and tools).
class NodeSource {
 public:
  virtual ~NodeSource() = default;
  // The hash of perfect node `id`; an error if it does not exist (yet).
  virtual absl::StatusOr<Hash> GetNode(const NodeId& id) const = 0;
};

// MTH(D[0:size]) from perfect nodes: popcount(size) reads.
absl::StatusOr<Hash> RootAt(uint64_t size, const NodeSource& nodes, MerkleHasher& hasher);

// RFC 9162 §2.1.3.1 PATH(index, D[0:size]), leaf side first. Needs index < size. O(log size)
// reads.
absl::StatusOr<std::vector<Hash>> InclusionPath(uint64_t index, uint64_t size,
                                                const NodeSource& nodes, MerkleHasher& hasher);

// RFC 9162 §2.1.4.1 PROOF(old_size, D[0:new_size]). Needs 0 < old_size <= new_size (equal sizes
// give the empty proof). O(log new_size) reads.
absl::StatusOr<std::vector<Hash>> ConsistencyPath(uint64_t old_size, uint64_t new_size,
                                                  const NodeSource& nodes, MerkleHasher& hasher);

// A whole tree in memory, every perfect node kept: for tests and for tools that hold all leaves.
class InMemoryTree : public NodeSource {
 public:
  explicit InMemoryTree(MerkleHasher hasher) : hasher_(std::move(hasher)) {}

  absl::Status AppendLeafHash(const Hash& leaf_hash);
  absl::Status AppendLeaf(absl::string_view leaf);

  uint64_t size() const { return range_.size(); }
  absl::StatusOr<Hash> Root() { return range_.Root(hasher_); }
  absl::StatusOr<Hash> GetNode(const NodeId& id) const override;
  MerkleHasher& hasher() { return hasher_; }

 private:
  MerkleHasher hasher_;
  CompactRange range_;
  std::vector<std::vector<Hash>> levels_;  // levels_[l][i] = node (l, i)
};

}  // namespace enlace::auditlog

#endif  // ENLACE_AUDITLOG_MERKLE_H_
