#include "auditlog/merkle.h"

#include <string>
#include <vector>

#include "auditlog/verifier.h"
#include "base/bytes.h"
#include "base/files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/status_matchers.h"

namespace enlace::auditlog {
namespace {

using ::enlace::testing::StatusIs;
using ::testing::HasSubstr;

nlohmann::json LoadVectors(const std::string& name) {
  absl::StatusOr<std::string> text =
      ReadFile(std::string(ENLACE_TESTVECTORS_DIR) + "/merkle/" + name, 1 << 20);
  EXPECT_TRUE(text.ok()) << text.status();
  return nlohmann::json::parse(text.value_or("null"));
}

std::string Hex(const Hash& h) { return HexEncode(HashView(h)); }

std::vector<std::string> HexList(const std::vector<Hash>& hashes) {
  std::vector<std::string> out;
  for (const Hash& h : hashes) out.push_back(Hex(h));
  return out;
}

std::vector<std::string> AsBytes(const std::vector<Hash>& hashes) {
  std::vector<std::string> out;
  for (const Hash& h : hashes) out.emplace_back(HashView(h));
  return out;
}

MerkleHasher NewHasher() {
  absl::StatusOr<MerkleHasher> hasher = MerkleHasher::Create();
  EXPECT_TRUE(hasher.ok());
  return *std::move(hasher);
}

// MTH straight from RFC 9162 §2.1.1's recursive definition, for cross-checking.
Hash NaiveRoot(const std::vector<std::string>& leaves, size_t begin, size_t end) {
  MerkleHasher hasher = NewHasher();
  if (begin == end) return EmptyRoot();
  if (end - begin == 1) return *hasher.HashLeaf(leaves[begin]);
  size_t k = 1;
  while (2 * k < end - begin) k *= 2;
  return *hasher.HashChildren(NaiveRoot(leaves, begin, begin + k),
                              NaiveRoot(leaves, begin + k, end));
}

class ReferenceTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vectors_ = LoadVectors("rfc6962_reference_tree.json");
    for (const auto& leaf : vectors_["leaf_inputs"]) {
      ASSERT_OK_AND_ASSIGN(Bytes bytes, HexDecode(leaf.get<std::string>()));
      leaves_.push_back(bytes);
    }
    ASSERT_EQ(leaves_.size(), 8u);
  }

  InMemoryTree TreeOf(size_t size) {
    InMemoryTree tree(NewHasher());
    for (size_t i = 0; i < size; ++i) EXPECT_OK(tree.AppendLeaf(leaves_[i]));
    return tree;
  }

  nlohmann::json vectors_;
  std::vector<Bytes> leaves_;
};

TEST_F(ReferenceTreeTest, EmptyRootIsSha256OfNothing) {
  EXPECT_EQ(Hex(EmptyRoot()), vectors_["empty_tree_root"].get<std::string>());
  ASSERT_OK_AND_ASSIGN(Sha256Digest digest, Sha256(""));
  EXPECT_EQ(digest, EmptyRoot());
}

TEST_F(ReferenceTreeTest, RootOfEverySize) {
  ASSERT_EQ(vectors_["roots"].size(), 9u);
  for (const auto& root : vectors_["roots"]) {
    const size_t size = root["tree_size"].get<size_t>();
    InMemoryTree tree = TreeOf(size);
    ASSERT_OK_AND_ASSIGN(Hash computed, tree.Root());
    EXPECT_EQ(Hex(computed), root["root_hash"].get<std::string>()) << "size " << size;
    InMemoryTree full = TreeOf(8);
    ASSERT_OK_AND_ASSIGN(Hash from_nodes, RootAt(size, full, full.hasher()));
    EXPECT_EQ(Hex(from_nodes), root["root_hash"].get<std::string>()) << "size " << size;
  }
}

TEST_F(ReferenceTreeTest, EveryPerfectNodeHash) {
  InMemoryTree tree = TreeOf(8);
  const auto& levels = vectors_["node_hashes_by_level"];
  ASSERT_EQ(levels.size(), 4u);
  for (size_t level = 0; level < levels.size(); ++level) {
    for (size_t index = 0; index < levels[level].size(); ++index) {
      ASSERT_OK_AND_ASSIGN(Hash h, tree.GetNode(NodeId{static_cast<uint8_t>(level), index}));
      EXPECT_EQ(Hex(h), levels[level][index].get<std::string>())
          << "level " << level << " index " << index;
    }
  }
  EXPECT_THAT(tree.GetNode(NodeId{3, 1}), StatusIs(absl::StatusCode::kNotFound, HasSubstr("")));
}

TEST_F(ReferenceTreeTest, InclusionProofsAreGeneratedAndVerified) {
  InMemoryTree tree = TreeOf(8);
  ASSERT_FALSE(vectors_["inclusion_proofs"].empty());
  for (const auto& v : vectors_["inclusion_proofs"]) {
    const uint64_t index = v["leaf_index"].get<uint64_t>();
    const uint64_t size = v["tree_size"].get<uint64_t>();
    SCOPED_TRACE(::testing::Message() << "leaf " << index << " size " << size);
    ASSERT_OK_AND_ASSIGN(std::vector<Hash> path, InclusionPath(index, size, tree, tree.hasher()));
    EXPECT_EQ(HexList(path), v["audit_path"].get<std::vector<std::string>>());
    ASSERT_OK_AND_ASSIGN(Hash root, RootAt(size, tree, tree.hasher()));
    ASSERT_OK_AND_ASSIGN(Hash leaf_hash, tree.GetNode(NodeId{0, index}));
    EXPECT_OK(VerifyInclusion(HashView(leaf_hash), index, size, AsBytes(path), HashView(root)));
  }
}

TEST_F(ReferenceTreeTest, ConsistencyProofsAreGeneratedAndVerified) {
  InMemoryTree tree = TreeOf(8);
  ASSERT_FALSE(vectors_["consistency_proofs"].empty());
  for (const auto& v : vectors_["consistency_proofs"]) {
    const uint64_t first = v["first_size"].get<uint64_t>();
    const uint64_t second = v["second_size"].get<uint64_t>();
    SCOPED_TRACE(::testing::Message() << "from " << first << " to " << second);
    ASSERT_OK_AND_ASSIGN(std::vector<Hash> proof,
                         ConsistencyPath(first, second, tree, tree.hasher()));
    EXPECT_EQ(HexList(proof), v["proof"].get<std::vector<std::string>>());
    ASSERT_OK_AND_ASSIGN(Hash root1, RootAt(first, tree, tree.hasher()));
    ASSERT_OK_AND_ASSIGN(Hash root2, RootAt(second, tree, tree.hasher()));
    EXPECT_OK(VerifyConsistency(first, second, AsBytes(proof), HashView(root1), HashView(root2)));
  }
}

// Every proof of every tree up to 70 leaves verifies, and every one-bit change, dropped or
// extra element, or wrong size is refused. 70 covers several levels and ragged right edges.
TEST(MerkleProofTest, ExhaustiveSmallTrees) {
  constexpr size_t kMax = 70;
  std::vector<std::string> leaves;
  InMemoryTree tree(NewHasher());
  for (size_t i = 0; i < kMax; ++i) {
    leaves.push_back("leaf " + std::to_string(i));
    ASSERT_OK(tree.AppendLeaf(leaves.back()));
  }
  std::vector<Hash> roots;
  for (size_t size = 0; size <= kMax; ++size) {
    ASSERT_OK_AND_ASSIGN(Hash root, RootAt(size, tree, tree.hasher()));
    ASSERT_EQ(root, NaiveRoot(leaves, 0, size)) << "size " << size;
    roots.push_back(root);
  }
  for (uint64_t size = 1; size <= kMax; ++size) {
    for (uint64_t index = 0; index < size; ++index) {
      ASSERT_OK_AND_ASSIGN(std::vector<Hash> path, InclusionPath(index, size, tree, tree.hasher()));
      ASSERT_OK_AND_ASSIGN(Hash leaf, tree.GetNode(NodeId{0, index}));
      const std::vector<std::string> proof = AsBytes(path);
      ASSERT_OK(VerifyInclusion(HashView(leaf), index, size, proof, HashView(roots[size])));
      for (size_t e = 0; e < proof.size(); ++e) {
        std::vector<std::string> bad = proof;
        bad[e][e % kHashSize] ^= 0x01;
        EXPECT_FALSE(VerifyInclusion(HashView(leaf), index, size, bad, HashView(roots[size])).ok());
      }
      std::vector<std::string> longer = proof;
      longer.push_back(proof.empty() ? std::string(HashView(leaf)) : proof.back());
      EXPECT_FALSE(
          VerifyInclusion(HashView(leaf), index, size, longer, HashView(roots[size])).ok());
      if (!proof.empty()) {
        std::vector<std::string> shorter(proof.begin(), proof.end() - 1);
        EXPECT_FALSE(
            VerifyInclusion(HashView(leaf), index, size, shorter, HashView(roots[size])).ok());
      }
      if (size < kMax) {  // the same proof for another tree size
        EXPECT_FALSE(
            VerifyInclusion(HashView(leaf), index, size + 1, proof, HashView(roots[size + 1]))
                .ok());
      }
    }
  }
  for (uint64_t second = 1; second <= kMax; ++second) {
    for (uint64_t first = 1; first <= second; ++first) {
      ASSERT_OK_AND_ASSIGN(std::vector<Hash> path,
                           ConsistencyPath(first, second, tree, tree.hasher()));
      const std::vector<std::string> proof = AsBytes(path);
      ASSERT_OK(
          VerifyConsistency(first, second, proof, HashView(roots[first]), HashView(roots[second])))
          << first << " -> " << second;
      for (size_t e = 0; e < proof.size(); ++e) {
        std::vector<std::string> bad = proof;
        bad[e][(e * 7) % kHashSize] ^= 0x80;
        EXPECT_FALSE(
            VerifyConsistency(first, second, bad, HashView(roots[first]), HashView(roots[second]))
                .ok())
            << first << " -> " << second << " element " << e;
      }
      if (!proof.empty()) {
        std::vector<std::string> shorter(proof.begin(), proof.end() - 1);
        EXPECT_FALSE(VerifyConsistency(first, second, shorter, HashView(roots[first]),
                                       HashView(roots[second]))
                         .ok());
      }
      if (second < kMax) {  // the same proof presented for another tree size
        EXPECT_FALSE(VerifyConsistency(first, second + 1, proof, HashView(roots[first]),
                                       HashView(roots[second + 1]))
                         .ok());
      }
      if (first < second) {  // a wrong old root
        EXPECT_FALSE(VerifyConsistency(first, second, proof, HashView(roots[first - 1]),
                                       HashView(roots[second]))
                         .ok());
      }
    }
  }
}

TEST(CompactRangeTest, ReportsExactlyTheNodesItCompletes) {
  CompactRange range;
  MerkleHasher hasher = NewHasher();
  InMemoryTree tree(NewHasher());
  size_t reported = 0;
  for (int i = 0; i < 37; ++i) {
    const std::string leaf = "entry " + std::to_string(i);
    ASSERT_OK_AND_ASSIGN(Hash h, hasher.HashLeaf(leaf));
    ASSERT_OK(tree.AppendLeafHash(h));
    ASSERT_OK(range.Append(h, hasher, [&](const NodeId& id, const Hash& node) {
      absl::StatusOr<Hash> expected = tree.GetNode(id);
      ASSERT_TRUE(expected.ok()) << expected.status();
      EXPECT_EQ(node, *expected);
      ++reported;
    }));
    ASSERT_OK_AND_ASSIGN(Hash root, range.Root(hasher));
    ASSERT_OK_AND_ASSIGN(Hash expected_root, tree.Root());
    EXPECT_EQ(root, expected_root);
    EXPECT_EQ(range.hashes().size(), CompactRange::NodeIdsFor(range.size()).size());
  }
  // A tree of n leaves has 2n - popcount(n) perfect nodes: 37 = 0b100101 -> 74 - 3.
  EXPECT_EQ(reported, 71u);
}

TEST(CompactRangeTest, RebuildsFromStoredBorderNodes) {
  InMemoryTree tree(NewHasher());
  for (int i = 0; i < 21; ++i) ASSERT_OK(tree.AppendLeaf(std::to_string(i)));
  std::vector<Hash> border;
  for (const NodeId& id : CompactRange::NodeIdsFor(21)) {
    ASSERT_OK_AND_ASSIGN(Hash h, tree.GetNode(id));
    border.push_back(h);
  }
  EXPECT_EQ(border.size(), 3u);  // 21 = 16 + 4 + 1
  ASSERT_OK_AND_ASSIGN(CompactRange range, CompactRange::FromHashes(21, border));
  MerkleHasher hasher = NewHasher();
  ASSERT_OK_AND_ASSIGN(Hash root, range.Root(hasher));
  ASSERT_OK_AND_ASSIGN(Hash expected, tree.Root());
  EXPECT_EQ(root, expected);
  EXPECT_THAT(CompactRange::FromHashes(23, border),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("border nodes")));
}

TEST(MerkleProofTest, RefusesImpossibleRequests) {
  InMemoryTree tree(NewHasher());
  for (int i = 0; i < 5; ++i) ASSERT_OK(tree.AppendLeaf(std::to_string(i)));
  EXPECT_THAT(InclusionPath(5, 5, tree, tree.hasher()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not in a tree of size 5")));
  EXPECT_THAT(ConsistencyPath(0, 5, tree, tree.hasher()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("0 < first <= second")));
  EXPECT_THAT(ConsistencyPath(4, 3, tree, tree.hasher()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("0 < first <= second")));
  // Nodes that do not exist yet cannot be read.
  EXPECT_THAT(RootAt(6, tree, tree.hasher()), StatusIs(absl::StatusCode::kNotFound, HasSubstr("")));
  EXPECT_THAT(HashFromBytes("short", "root"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("root must be 32 bytes")));
}

}  // namespace
}  // namespace enlace::auditlog
