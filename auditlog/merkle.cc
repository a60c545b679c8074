#include "auditlog/merkle.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace enlace::auditlog {
namespace {

constexpr char kLeafPrefix = 0x00;
constexpr char kNodePrefix = 0x01;

// The largest power of two strictly below n (n >= 2): RFC 9162's k.
uint64_t SplitPoint(uint64_t n) {
  uint64_t k = 1;
  while (k < n - k) k <<= 1;  // 2k < n, without overflow
  return k;
}

// MTH(D[begin:begin+count]) for the ranges RFC 9162's recursion produces: `begin` is a multiple
// of every power of two up to `count`, so the range splits into perfect nodes along the set bits
// of `count`, largest first; their hashes fold from the right.
absl::StatusOr<Hash> SubtreeHash(uint64_t begin, uint64_t count, const NodeSource& nodes,
                                 MerkleHasher& hasher) {
  std::vector<Hash> parts;
  uint64_t offset = begin;
  for (int level = 63; level >= 0; --level) {
    const uint64_t width = uint64_t{1} << level;
    if ((count & width) == 0) continue;
    if (offset % width != 0) {
      return absl::InternalError(
          absl::StrCat("subtree [", begin, ", +", count, ") is not aligned at level ", level));
    }
    ASSIGN_OR_RETURN(Hash h, nodes.GetNode(NodeId{static_cast<uint8_t>(level), offset / width}));
    parts.push_back(h);
    offset += width;
  }
  if (parts.empty()) return EmptyRoot();
  Hash acc = parts.back();
  for (size_t i = parts.size() - 1; i-- > 0;) {
    ASSIGN_OR_RETURN(acc, hasher.HashChildren(parts[i], acc));
  }
  return acc;
}

// PATH(m, D[begin:begin+n]) with m relative to begin, appended leaf side first.
absl::Status AppendPath(uint64_t m, uint64_t begin, uint64_t n, const NodeSource& nodes,
                        MerkleHasher& hasher, std::vector<Hash>* out) {
  if (n <= 1) return absl::OkStatus();
  const uint64_t k = SplitPoint(n);
  Hash sibling;
  if (m < k) {
    RETURN_IF_ERROR(AppendPath(m, begin, k, nodes, hasher, out));
    ASSIGN_OR_RETURN(sibling, SubtreeHash(begin + k, n - k, nodes, hasher));
  } else {
    RETURN_IF_ERROR(AppendPath(m - k, begin + k, n - k, nodes, hasher, out));
    ASSIGN_OR_RETURN(sibling, SubtreeHash(begin, k, nodes, hasher));
  }
  out->push_back(sibling);
  return absl::OkStatus();
}

// SUBPROOF(m, D[begin:begin+n], b), appended in RFC order.
absl::Status AppendSubproof(uint64_t m, uint64_t begin, uint64_t n, bool whole,
                            const NodeSource& nodes, MerkleHasher& hasher, std::vector<Hash>* out) {
  if (m == n) {
    if (!whole) {
      ASSIGN_OR_RETURN(Hash h, SubtreeHash(begin, n, nodes, hasher));
      out->push_back(h);
    }
    return absl::OkStatus();
  }
  const uint64_t k = SplitPoint(n);
  Hash sibling;
  if (m <= k) {
    RETURN_IF_ERROR(AppendSubproof(m, begin, k, whole, nodes, hasher, out));
    ASSIGN_OR_RETURN(sibling, SubtreeHash(begin + k, n - k, nodes, hasher));
  } else {
    RETURN_IF_ERROR(AppendSubproof(m - k, begin + k, n - k, false, nodes, hasher, out));
    ASSIGN_OR_RETURN(sibling, SubtreeHash(begin, k, nodes, hasher));
  }
  out->push_back(sibling);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Hash> HashFromBytes(absl::string_view bytes, absl::string_view what) {
  if (bytes.size() != kHashSize) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " must be ", kHashSize, " bytes (SHA-256), got ", bytes.size()));
  }
  Hash h;
  std::memcpy(h.data(), bytes.data(), kHashSize);
  return h;
}

const Hash& EmptyRoot() {
  static const Hash kEmpty = {0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
                              0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
                              0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
  return kEmpty;
}

absl::StatusOr<MerkleHasher> MerkleHasher::Create() {
  ASSIGN_OR_RETURN(Sha256Hasher hasher, Sha256Hasher::Create());
  return MerkleHasher(std::move(hasher));
}

absl::StatusOr<Hash> MerkleHasher::HashLeaf(absl::string_view leaf) {
  RETURN_IF_ERROR(hasher_.Reset());
  RETURN_IF_ERROR(hasher_.Update(absl::string_view(&kLeafPrefix, 1)));
  RETURN_IF_ERROR(hasher_.Update(leaf));
  return hasher_.Finish();
}

absl::StatusOr<Hash> MerkleHasher::HashChildren(const Hash& left, const Hash& right) {
  char buf[1 + 2 * kHashSize];
  buf[0] = kNodePrefix;
  std::memcpy(buf + 1, left.data(), kHashSize);
  std::memcpy(buf + 1 + kHashSize, right.data(), kHashSize);
  RETURN_IF_ERROR(hasher_.Reset());
  RETURN_IF_ERROR(hasher_.Update(absl::string_view(buf, sizeof(buf))));
  return hasher_.Finish();
}

std::vector<NodeId> CompactRange::NodeIdsFor(uint64_t size) {
  std::vector<NodeId> ids;
  uint64_t offset = 0;
  for (int level = 63; level >= 0; --level) {
    const uint64_t width = uint64_t{1} << level;
    if ((size & width) == 0) continue;
    ids.push_back(NodeId{static_cast<uint8_t>(level), offset >> level});
    offset += width;
  }
  return ids;
}

absl::StatusOr<CompactRange> CompactRange::FromHashes(uint64_t size, std::vector<Hash> hashes) {
  const size_t expected = NodeIdsFor(size).size();
  if (hashes.size() != expected) {
    return absl::InvalidArgumentError(absl::StrCat("a tree of ", size, " leaves has ", expected,
                                                   " border nodes, got ", hashes.size()));
  }
  CompactRange range;
  range.size_ = size;
  range.hashes_ = std::move(hashes);
  return range;
}

absl::Status CompactRange::Append(const Hash& leaf_hash, MerkleHasher& hasher,
                                  absl::FunctionRef<void(const NodeId&, const Hash&)> on_node) {
  if (size_ == UINT64_MAX) return absl::OutOfRangeError("the tree is full");
  // Merge first into locals so that a hashing error leaves the range as it was.
  std::vector<Hash> completed;
  Hash acc = leaf_hash;
  size_t consumed = 0;
  for (int level = 0; (size_ >> level) & 1; ++level) {
    const Hash& left = hashes_[hashes_.size() - 1 - consumed];
    ASSIGN_OR_RETURN(acc, hasher.HashChildren(left, acc));
    completed.push_back(acc);
    ++consumed;
  }
  on_node(NodeId{0, size_}, leaf_hash);
  for (size_t i = 0; i < completed.size(); ++i) {
    on_node(NodeId{static_cast<uint8_t>(i + 1), size_ >> (i + 1)}, completed[i]);
  }
  hashes_.resize(hashes_.size() - consumed);
  hashes_.push_back(acc);
  ++size_;
  return absl::OkStatus();
}

absl::Status CompactRange::Append(const Hash& leaf_hash, MerkleHasher& hasher) {
  return Append(leaf_hash, hasher, [](const NodeId&, const Hash&) {});
}

absl::StatusOr<Hash> CompactRange::Root(MerkleHasher& hasher) const {
  if (hashes_.empty()) return EmptyRoot();
  Hash acc = hashes_.back();
  for (size_t i = hashes_.size() - 1; i-- > 0;) {
    ASSIGN_OR_RETURN(acc, hasher.HashChildren(hashes_[i], acc));
  }
  return acc;
}

absl::StatusOr<Hash> RootAt(uint64_t size, const NodeSource& nodes, MerkleHasher& hasher) {
  return SubtreeHash(0, size, nodes, hasher);
}

absl::StatusOr<std::vector<Hash>> InclusionPath(uint64_t index, uint64_t size,
                                                const NodeSource& nodes, MerkleHasher& hasher) {
  if (index >= size) {
    return absl::InvalidArgumentError(
        absl::StrCat("leaf index ", index, " is not in a tree of size ", size));
  }
  std::vector<Hash> path;
  RETURN_IF_ERROR(AppendPath(index, 0, size, nodes, hasher, &path));
  return path;
}

absl::StatusOr<std::vector<Hash>> ConsistencyPath(uint64_t old_size, uint64_t new_size,
                                                  const NodeSource& nodes, MerkleHasher& hasher) {
  if (old_size == 0 || old_size > new_size) {
    return absl::InvalidArgumentError(absl::StrCat("no consistency proof from size ", old_size,
                                                   " to size ", new_size,
                                                   ": sizes must satisfy 0 < first <= second"));
  }
  std::vector<Hash> proof;
  RETURN_IF_ERROR(AppendSubproof(old_size, 0, new_size, true, nodes, hasher, &proof));
  return proof;
}

absl::Status InMemoryTree::AppendLeafHash(const Hash& leaf_hash) {
  return range_.Append(leaf_hash, hasher_, [this](const NodeId& id, const Hash& h) {
    if (levels_.size() <= id.level) levels_.resize(id.level + 1);
    levels_[id.level].push_back(h);  // nodes of a level complete left to right
  });
}

absl::Status InMemoryTree::AppendLeaf(absl::string_view leaf) {
  ASSIGN_OR_RETURN(Hash h, hasher_.HashLeaf(leaf));
  return AppendLeafHash(h);
}

absl::StatusOr<Hash> InMemoryTree::GetNode(const NodeId& id) const {
  if (id.level >= levels_.size() || id.index >= levels_[id.level].size()) {
    return absl::NotFoundError(absl::StrCat("no node (level ", id.level, ", index ", id.index,
                                            ") in a tree of size ", size()));
  }
  return levels_[id.level][id.index];
}

}  // namespace enlace::auditlog
