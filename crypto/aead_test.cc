#include "crypto/aead.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace {
namespace {

using ::enlace::testing::StatusIs;
using ::testing::HasSubstr;

Bytes FromHex(absl::string_view hex) { return HexDecode(hex).value(); }

// RFC 8439 §2.8.2.
TEST(AeadTest, ChaCha20Poly1305Rfc8439) {
  ASSERT_OK_AND_ASSIGN(
      Aead aead,
      Aead::Create(AeadAlgorithm::kChaCha20Poly1305,
                   SecretBytes(FromHex(
                       "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"))));
  const Bytes nonce = FromHex("070000004041424344454647");
  const Bytes aad = FromHex("50515253c0c1c2c3c4c5c6c7");
  const Bytes plaintext =
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
      "future, sunscreen would be it.";
  ASSERT_OK_AND_ASSIGN(Bytes sealed, aead.Seal(nonce, aad, plaintext));
  EXPECT_EQ(HexEncode(sealed.substr(0, 16)), "d31a8d34648e60db7b86afbc53ef7ec2");
  EXPECT_EQ(HexEncode(sealed.substr(sealed.size() - 16)), "1ae10b594f09e26a7e902ecbd0600691");
  ASSERT_OK_AND_ASSIGN(Bytes opened, aead.Open(nonce, aad, sealed));
  EXPECT_EQ(opened, plaintext);
}

// NIST GCM spec (McGrew & Viega) test case 3 for AES-128 and test case 15 for AES-256 (prefix).
TEST(AeadTest, AesGcmKnownAnswers) {
  const Bytes plaintext = FromHex(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6"
      "b525b16aedf5aa0de657ba637b391aafd255");
  const Bytes nonce = FromHex("cafebabefacedbaddecaf888");
  ASSERT_OK_AND_ASSIGN(Aead aes128,
                       Aead::Create(AeadAlgorithm::kAes128Gcm,
                                    SecretBytes(FromHex("feffe9928665731c6d6a8f9467308308"))));
  ASSERT_OK_AND_ASSIGN(Bytes sealed128, aes128.Seal(nonce, "", plaintext));
  EXPECT_EQ(HexEncode(sealed128.substr(sealed128.size() - 16)), "4d5c2af327cd64a62cf35abd2ba6fab4");
  ASSERT_OK_AND_ASSIGN(
      Aead aes256,
      Aead::Create(AeadAlgorithm::kAes256Gcm,
                   SecretBytes(FromHex(
                       "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"))));
  ASSERT_OK_AND_ASSIGN(Bytes sealed256, aes256.Seal(nonce, "", plaintext));
  EXPECT_EQ(HexEncode(sealed256.substr(sealed256.size() - 16)), "b094dac5d93471bdec1a502270e3cc6c");
}

class AeadTamperTest : public ::testing::TestWithParam<AeadAlgorithm> {};

TEST_P(AeadTamperTest, AnyChangeIsRefused) {
  DeterministicRandom random(9);
  ASSERT_OK_AND_ASSIGN(SecretBytes key, SecretBytes::Random(AeadKeySize(GetParam()), &random));
  ASSERT_OK_AND_ASSIGN(Aead aead, Aead::Create(GetParam(), key));
  const Bytes nonce(12, '\x07');
  ASSERT_OK_AND_ASSIGN(Bytes sealed, aead.Seal(nonce, "aad", "plaintext"));
  EXPECT_EQ(sealed.size(), 9 + kAeadTagSize);
  ASSERT_OK_AND_ASSIGN(Bytes opened, aead.Open(nonce, "aad", sealed));
  EXPECT_EQ(opened, "plaintext");
  for (size_t i = 0; i < sealed.size(); ++i) {
    Bytes tampered = sealed;
    tampered[i] ^= 0x01;
    EXPECT_THAT(aead.Open(nonce, "aad", tampered),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("authentication failed")));
  }
  EXPECT_THAT(aead.Open(nonce, "aaD", sealed),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("authentication failed")));
  EXPECT_THAT(aead.Open(Bytes(12, '\x08'), "aad", sealed),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("authentication failed")));
  EXPECT_THAT(aead.Open(nonce, "aad", sealed.substr(0, 15)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("shorter than its")));
  EXPECT_THAT(aead.Seal(Bytes(8, '\0'), "", "x"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("12-byte nonce, got 8")));
  EXPECT_THAT(Aead::Create(GetParam(), SecretBytes(20)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("key, got 20")));
  // Empty plaintext and aad are fine.
  ASSERT_OK_AND_ASSIGN(Bytes empty, aead.Seal(nonce, "", ""));
  EXPECT_THAT(aead.Open(nonce, "", empty), ::enlace::testing::IsOkAndHolds(""));
}

INSTANTIATE_TEST_SUITE_P(All, AeadTamperTest,
                         ::testing::Values(AeadAlgorithm::kAes128Gcm, AeadAlgorithm::kAes256Gcm,
                                           AeadAlgorithm::kChaCha20Poly1305));

}  // namespace
}  // namespace enlace
