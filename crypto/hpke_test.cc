// Property tests of the HPKE API. The RFC 9180 vectors themselves run through crypto_vectors
// (one ctest entry per file, see CMakeLists.txt) using this same public API.
#include "crypto/hpke.h"

#include "absl/types/optional.h"
#include "crypto/internal/fixed_random.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace {
namespace {

using ::enlace::testing::IsOkAndHolds;
using ::enlace::testing::StatusIs;
using ::testing::HasSubstr;

class HpkeTest : public ::testing::TestWithParam<AeadAlgorithm> {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(recipient_, X25519PrivateKey::Generate(&random_));
    ASSERT_OK_AND_ASSIGN(sender_, X25519PrivateKey::Generate(&random_));
    ASSERT_OK_AND_ASSIGN(other_, X25519PrivateKey::Generate(&random_));
  }

  DeterministicRandom random_{11};
  absl::optional<X25519PrivateKey> recipient_, sender_, other_;
};

TEST_P(HpkeTest, BaseModeRoundTripInOrderAndExport) {
  ASSERT_OK_AND_ASSIGN(HpkeSender s,
                       SetupBaseSender(GetParam(), recipient_->public_key(), "info", &random_));
  EXPECT_EQ(s.encapsulated_key.size(), kHpkeEncapsulatedKeySize);
  ASSERT_OK_AND_ASSIGN(Bytes c0, s.context->Seal("a0", "first"));
  ASSERT_OK_AND_ASSIGN(Bytes c1, s.context->Seal("a1", "second"));
  ASSERT_OK_AND_ASSIGN(auto r,
                       SetupBaseRecipient(GetParam(), s.encapsulated_key, *recipient_, "info"));
  // A failed Open does not consume a sequence number.
  EXPECT_THAT(r->Open("a0", c1), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("")));
  EXPECT_THAT(r->Open("a0", c0), IsOkAndHolds("first"));
  EXPECT_THAT(r->Open("a1", c1), IsOkAndHolds("second"));
  ASSERT_OK_AND_ASSIGN(SecretBytes e1, s.context->Export("ctx", 40));
  ASSERT_OK_AND_ASSIGN(SecretBytes e2, r->Export("ctx", 40));
  EXPECT_EQ(e1.view(), e2.view());
  EXPECT_EQ(e1.size(), 40u);
  // Roles are not interchangeable.
  EXPECT_THAT(s.context->Open("a0", c0),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("sender context")));
  EXPECT_THAT(r->Seal("", "x"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("recipient context")));
  EXPECT_THAT(r->Export("", 8161), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("")));
}

TEST_P(HpkeTest, BaseModeRefusesWrongKeyInfoOrEnc) {
  ASSERT_OK_AND_ASSIGN(HpkeSender s,
                       SetupBaseSender(GetParam(), recipient_->public_key(), "info", &random_));
  ASSERT_OK_AND_ASSIGN(Bytes c0, s.context->Seal("aad", "secret"));
  auto refuses = [&](const X25519PrivateKey& key, absl::string_view enc, absl::string_view info) {
    auto r = SetupBaseRecipient(GetParam(), enc, key, info);
    return !r.ok() || !(*r)->Open("aad", c0).ok();
  };
  EXPECT_TRUE(refuses(*other_, s.encapsulated_key, "info"));
  EXPECT_TRUE(refuses(*recipient_, s.encapsulated_key, "infO"));
  Bytes enc = s.encapsulated_key;
  enc[3] ^= 0x10;
  EXPECT_TRUE(refuses(*recipient_, enc, "info"));
  EXPECT_FALSE(refuses(*recipient_, s.encapsulated_key, "info"));
}

TEST_P(HpkeTest, AuthModeBindsTheSenderKey) {
  ASSERT_OK_AND_ASSIGN(HpkeSender s, SetupAuthSender(GetParam(), recipient_->public_key(), *sender_,
                                                     "info", &random_));
  ASSERT_OK_AND_ASSIGN(Bytes c0, s.context->Seal("aad", "from sender"));
  ASSERT_OK_AND_ASSIGN(auto good, SetupAuthRecipient(GetParam(), s.encapsulated_key, *recipient_,
                                                     sender_->public_key(), "info"));
  EXPECT_THAT(good->Open("aad", c0), IsOkAndHolds("from sender"));
  ASSERT_OK_AND_ASSIGN(auto wrong_sender,
                       SetupAuthRecipient(GetParam(), s.encapsulated_key, *recipient_,
                                          other_->public_key(), "info"));
  EXPECT_THAT(wrong_sender->Open("aad", c0),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("authentication failed")));
  ASSERT_OK_AND_ASSIGN(auto base,
                       SetupBaseRecipient(GetParam(), s.encapsulated_key, *recipient_, "info"));
  EXPECT_THAT(base->Open("aad", c0),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("authentication failed")));
}

INSTANTIATE_TEST_SUITE_P(All, HpkeTest,
                         ::testing::Values(AeadAlgorithm::kAes128Gcm, AeadAlgorithm::kAes256Gcm,
                                           AeadAlgorithm::kChaCha20Poly1305));

TEST(HpkeErrorsTest, LowOrderAndMalformedKeysAreRefused) {
  DeterministicRandom random(12);
  ASSERT_OK_AND_ASSIGN(X25519PrivateKey recipient, X25519PrivateKey::Generate(&random));
  const Bytes low_order(32, '\0');
  EXPECT_THAT(SetupBaseRecipient(AeadAlgorithm::kAes256Gcm, low_order, recipient, ""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("low-order point")));
  EXPECT_THAT(SetupBaseRecipient(AeadAlgorithm::kAes256Gcm, Bytes(31, 'x'), recipient, ""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("32 bytes, got 31")));
  ASSERT_OK_AND_ASSIGN(X25519PublicKey low_order_key, X25519PublicKey::FromRaw(low_order));
  EXPECT_THAT(SetupBaseSender(AeadAlgorithm::kAes256Gcm, low_order_key, "", &random),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("low-order point")));
  internal::FixedRandom empty("");
  EXPECT_THAT(SetupBaseSender(AeadAlgorithm::kAes256Gcm, recipient.public_key(), "", &empty),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("FixedRandom")));
  EXPECT_THAT(AeadFromHpkeId(0xffff),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not offered")));
}

// RFC 9180 Appendix A.1.1 (base, AES-128-GCM): DeriveKeyPair and the ephemeral from ikmE.
TEST(HpkeErrorsTest, Rfc9180A11DeriveKeyPairAndEnc) {
  ASSERT_OK_AND_ASSIGN(
      X25519PrivateKey recipient,
      HpkeDeriveKeyPair(
          HexDecode("6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037").value()));
  EXPECT_EQ(HexEncode(recipient.public_key().raw()),
            "3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d");
  internal::FixedRandom ikm_e(
      HexDecode("7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234").value());
  ASSERT_OK_AND_ASSIGN(
      HpkeSender s,
      SetupBaseSender(AeadAlgorithm::kAes128Gcm, recipient.public_key(),
                      HexDecode("4f6465206f6e2061204772656369616e2055726e").value(), &ikm_e));
  EXPECT_EQ(HexEncode(s.encapsulated_key),
            "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431");
  ASSERT_OK_AND_ASSIGN(Bytes ct, s.context->Seal("Count-0", "Beauty is truth, truth beauty"));
  EXPECT_EQ(HexEncode(ct),
            "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c"
            "512a");
}

}  // namespace
}  // namespace enlace
