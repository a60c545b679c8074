#include "auditlog/verifier.h"

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "auditlog/tree_head.h"
#include "base/bytes.h"
#include "base/env.h"
#include "base/files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/status_matchers.h"

namespace enlace::auditlog {
namespace {

using ::enlace::testing::StatusIs;
using ::testing::HasSubstr;

nlohmann::json LoadProbes(const std::string& name) {
  absl::StatusOr<std::string> text =
      ReadFile(std::string(ENLACE_TESTVECTORS_DIR) + "/merkle/" + name, 1 << 20);
  EXPECT_TRUE(text.ok()) << text.status();
  return nlohmann::json::parse(text.value_or("[]"));
}

std::string B64(const nlohmann::json& value) {
  absl::StatusOr<Bytes> bytes = Base64Decode(value.get<std::string>());
  EXPECT_TRUE(bytes.ok()) << value;
  return bytes.value_or("");
}

std::vector<std::string> B64List(const nlohmann::json& value) {
  std::vector<std::string> out;
  if (value.is_null()) return out;  // Go's nil slice
  for (const auto& v : value) out.push_back(B64(v));
  return out;
}

// Every transparency-dev inclusion probe: wantErr false must verify, true must be refused.
TEST(TransparencyDevProbesTest, Inclusion) {
  const nlohmann::json probes = LoadProbes("transparency_dev_inclusion_probes.json");
  ASSERT_EQ(probes.size(), 98u);
  int accepted = 0;
  for (const auto& probe : probes) {
    SCOPED_TRACE(probe["file"].get<std::string>());
    const absl::Status status = VerifyInclusion(
        B64(probe["leafHash"]), probe["leafIdx"].get<uint64_t>(), probe["treeSize"].get<uint64_t>(),
        B64List(probe["proof"]), B64(probe["root"]));
    EXPECT_EQ(status.ok(), !probe["wantErr"].get<bool>()) << status;
    if (status.ok()) ++accepted;
  }
  EXPECT_EQ(accepted, 6);
}

TEST(TransparencyDevProbesTest, Consistency) {
  const nlohmann::json probes = LoadProbes("transparency_dev_consistency_probes.json");
  ASSERT_EQ(probes.size(), 98u);
  int accepted = 0;
  for (const auto& probe : probes) {
    SCOPED_TRACE(probe["file"].get<std::string>());
    const absl::Status status =
        VerifyConsistency(probe["size1"].get<uint64_t>(), probe["size2"].get<uint64_t>(),
                          B64List(probe["proof"]), B64(probe["root1"]), B64(probe["root2"]));
    EXPECT_EQ(status.ok(), !probe["wantErr"].get<bool>()) << status;
    if (status.ok()) ++accepted;
  }
  EXPECT_EQ(accepted, 6);
}

TEST(VerifierTest, ErrorsSayWhatFailed) {
  const std::string h(32, 'a');
  EXPECT_THAT(VerifyInclusion(h, 3, 3, {}, h),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not below tree size 3")));
  EXPECT_THAT(VerifyInclusion(h, 0, 2, {}, h),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("too short")));
  EXPECT_THAT(VerifyInclusion(h, 0, 1, {h}, h),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("too long")));
  EXPECT_THAT(VerifyInclusion(h, 0, 2, {"x"}, h),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("element 0 must be 32")));
  EXPECT_THAT(VerifyConsistency(0, 2, {h}, h, h),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at least 1")));
  EXPECT_THAT(VerifyConsistency(3, 2, {h}, h, h),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cannot shrink")));
  EXPECT_THAT(VerifyConsistency(2, 2, {}, h, std::string(32, 'b')),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("two different roots")));
  EXPECT_THAT(VerifyConsistency(2, 3, {}, h, h),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
}

class TreeHeadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DeterministicRandom random(7);
    ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey key, Ed25519PrivateKey::Generate(&random));
    key_.emplace(std::move(key));
    DeterministicRandom other_random(8);
    ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey other, Ed25519PrivateKey::Generate(&other_random));
    other_.emplace(std::move(other));
  }

  // A log of `n` leaves "0", "1", ... in memory, with its heads signed at t = n seconds.
  TreeHead HeadOf(InMemoryTree& tree, uint64_t n, const Ed25519PrivateKey& key) {
    while (tree.size() < n) EXPECT_OK(tree.AppendLeaf(std::to_string(tree.size())));
    absl::StatusOr<Hash> root = RootAt(n, tree, tree.hasher());
    EXPECT_TRUE(root.ok());
    absl::StatusOr<TreeHead> head =
        SignTreeHead(n, *root, absl::FromUnixSeconds(1'800'000'000 + n), key);
    EXPECT_TRUE(head.ok()) << head.status();
    return *head;
  }

  std::vector<std::string> Proof(InMemoryTree& tree, uint64_t m, uint64_t n) {
    absl::StatusOr<std::vector<Hash>> proof = ConsistencyPath(m, n, tree, tree.hasher());
    EXPECT_TRUE(proof.ok()) << proof.status();
    std::vector<std::string> out;
    for (const Hash& h : *proof) out.emplace_back(HashView(h));
    return out;
  }

  std::optional<Ed25519PrivateKey> key_;
  std::optional<Ed25519PrivateKey> other_;
};

TEST_F(TreeHeadTest, SignVerifyEncodeDecode) {
  InMemoryTree tree(*MerkleHasher::Create());
  TreeHead head = HeadOf(tree, 5, *key_);
  EXPECT_EQ(head.log_id, key_->public_key().KeyId());
  EXPECT_EQ(head.timestamp_ms, int64_t{1'800'000'005} * 1000);
  EXPECT_OK(VerifyTreeHeadSignature(head, key_->public_key()));

  const Bytes encoded = EncodeTreeHead(head);
  EXPECT_EQ(encoded.size(), kEncodedTreeHeadSize);
  ASSERT_OK_AND_ASSIGN(TreeHead decoded, DecodeTreeHead(encoded));
  EXPECT_EQ(decoded, head);
  ASSERT_OK_AND_ASSIGN(TreeHead from_proto, FromProto(ToProto(head)));
  EXPECT_EQ(from_proto, head);

  // The signed bytes are SigningInput's framing of the documented fields.
  Bytes expected;
  AppendLengthPrefixed(kTreeHeadDomain, &expected);
  Bytes size;
  AppendUint64(5, &size);
  AppendLengthPrefixed(size, &expected);
  AppendLengthPrefixed(HashView(head.root_hash), &expected);
  Bytes time;
  AppendUint64(static_cast<uint64_t>(head.timestamp_ms), &time);
  AppendLengthPrefixed(time, &expected);
  AppendLengthPrefixed(head.log_id, &expected);
  EXPECT_EQ(TreeHeadSigningInput(head), expected);
}

TEST_F(TreeHeadTest, EveryChangedFieldBreaksTheSignature) {
  InMemoryTree tree(*MerkleHasher::Create());
  const TreeHead head = HeadOf(tree, 9, *key_);
  TreeHead bad = head;
  bad.tree_size = 10;
  EXPECT_THAT(VerifyTreeHeadSignature(bad, key_->public_key()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("signature does not verify")));
  bad = head;
  bad.root_hash[31] ^= 1;
  EXPECT_FALSE(VerifyTreeHeadSignature(bad, key_->public_key()).ok());
  bad = head;
  bad.timestamp_ms += 1;
  EXPECT_FALSE(VerifyTreeHeadSignature(bad, key_->public_key()).ok());
  bad = head;
  bad.signature[0] ^= 1;
  EXPECT_FALSE(VerifyTreeHeadSignature(bad, key_->public_key()).ok());
  EXPECT_THAT(VerifyTreeHeadSignature(head, other_->public_key()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("names log")));
  // Re-signed by another key but claiming this log's id.
  bad = HeadOf(tree, 9, *other_);
  bad.log_id = head.log_id;
  EXPECT_FALSE(VerifyTreeHeadSignature(bad, key_->public_key()).ok());

  EXPECT_THAT(DecodeTreeHead(EncodeTreeHead(head).substr(1)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("128 bytes")));
  v1::TreeHead proto = ToProto(head);
  proto.set_signature("short");
  EXPECT_THAT(FromProto(proto),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("signature must be 64")));
  proto = ToProto(head);
  proto.set_root_hash("");
  EXPECT_THAT(FromProto(proto),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("root hash must be 32")));
}

TEST_F(TreeHeadTest, UpdateAcceptsAnExtensionAndRefusesTheRest) {
  InMemoryTree tree(*MerkleHasher::Create());
  const TreeHead h4 = HeadOf(tree, 4, *key_);
  const TreeHead h11 = HeadOf(tree, 11, *key_);
  const TreeHead h13 = HeadOf(tree, 13, *key_);
  EXPECT_OK(VerifyTreeHeadUpdate(h4, h11, Proof(tree, 4, 11), key_->public_key()));
  EXPECT_OK(VerifyTreeHeadUpdate(h11, h11, {}, key_->public_key()));
  TreeHead empty;
  empty.root_hash = EmptyRoot();
  EXPECT_OK(VerifyTreeHeadUpdate(empty, h4, {}, key_->public_key()));
  EXPECT_THAT(VerifyTreeHeadUpdate(empty, h4, Proof(tree, 2, 4), key_->public_key()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("must be empty")));

  // A proof for another tree size.
  EXPECT_THAT(VerifyTreeHeadUpdate(h4, h11, Proof(tree, 4, 13), key_->public_key()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("consistency from size 4")));
  EXPECT_FALSE(VerifyTreeHeadUpdate(h4, h11, Proof(tree, 5, 11), key_->public_key()).ok());
  // Going back.
  EXPECT_THAT(VerifyTreeHeadUpdate(h11, h4, {}, key_->public_key()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("the log shrank")));
  // A head signed by another key.
  EXPECT_THAT(
      VerifyTreeHeadUpdate(h4, HeadOf(tree, 13, *other_), Proof(tree, 4, 13), key_->public_key()),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("names log")));
  // A timestamp earlier than the accepted head's.
  ASSERT_OK_AND_ASSIGN(
      TreeHead backdated,
      SignTreeHead(13, h13.root_hash, absl::FromUnixSeconds(1'700'000'000), *key_));
  EXPECT_THAT(VerifyTreeHeadUpdate(h11, backdated, Proof(tree, 11, 13), key_->public_key()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is dated")));

  // A fork: a different history of 11 entries, signed by the same key.
  InMemoryTree forked(*MerkleHasher::Create());
  for (int i = 0; i < 4; ++i) ASSERT_OK(forked.AppendLeaf(std::to_string(i)));
  for (int i = 4; i < 11; ++i) ASSERT_OK(forked.AppendLeaf("other " + std::to_string(i)));
  ASSERT_OK_AND_ASSIGN(Hash forked_root, forked.Root());
  ASSERT_OK_AND_ASSIGN(TreeHead fork11,
                       SignTreeHead(11, forked_root, absl::FromUnixSeconds(1'800'000'011), *key_));
  // Its own consistency proof from 4 holds (the first 4 entries are shared) ...
  EXPECT_OK(VerifyTreeHeadUpdate(h4, fork11, Proof(forked, 4, 11), key_->public_key()));
  // ... but a party that saw the real head at 11 catches it at once, and so does one at 13.
  EXPECT_THAT(VerifyTreeHeadUpdate(h11, fork11, {}, key_->public_key()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("two different roots")));
  EXPECT_FALSE(VerifyTreeHeadUpdate(fork11, h13, Proof(tree, 11, 13), key_->public_key()).ok());
}

}  // namespace
}  // namespace enlace::auditlog
