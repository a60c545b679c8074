#include "crypto/x25519.h"

#include <openssl/x509.h>

#include "crypto/hash.h"
#include "crypto/internal/openssl_util.h"
#include "crypto/signing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace {
namespace {

using ::enlace::testing::StatusIs;
using ::testing::HasSubstr;

Bytes FromHex(absl::string_view hex) { return HexDecode(hex).value(); }

// RFC 7748 §6.1.
TEST(X25519Test, Rfc7748DiffieHellman) {
  ASSERT_OK_AND_ASSIGN(X25519PrivateKey alice,
                       X25519PrivateKey::FromRaw(SecretBytes(FromHex(
                           "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))));
  ASSERT_OK_AND_ASSIGN(X25519PrivateKey bob,
                       X25519PrivateKey::FromRaw(SecretBytes(FromHex(
                           "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"))));
  EXPECT_EQ(HexEncode(alice.public_key().raw()),
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  EXPECT_EQ(HexEncode(bob.public_key().raw()),
            "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  ASSERT_OK_AND_ASSIGN(SecretBytes k1, alice.ComputeSharedSecret(bob.public_key()));
  ASSERT_OK_AND_ASSIGN(SecretBytes k2, bob.ComputeSharedSecret(alice.public_key()));
  EXPECT_EQ(HexEncode(k1.view()),
            "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  EXPECT_EQ(k1.view(), k2.view());
}

TEST(X25519Test, LowOrderPointsAreRefused) {
  DeterministicRandom random(5);
  ASSERT_OK_AND_ASSIGN(X25519PrivateKey key, X25519PrivateKey::Generate(&random));
  // The identity (0) and the order-8 point from RFC 7748 / Wycheproof's LowOrderPublic cases.
  for (const char* low_order :
       {"0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"}) {
    ASSERT_OK_AND_ASSIGN(X25519PublicKey point, X25519PublicKey::FromRaw(FromHex(low_order)));
    EXPECT_THAT(key.ComputeSharedSecret(point),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("low-order point")));
  }
}

TEST(X25519Test, SpkiRoundTripAndKeyId) {
  DeterministicRandom random(6);
  ASSERT_OK_AND_ASSIGN(X25519PrivateKey key, X25519PrivateKey::Generate(&random));
  const X25519PublicKey& public_key = key.public_key();
  EXPECT_EQ(HexEncode(public_key.SpkiDer()),
            "302a300506032b656e032100" + HexEncode(public_key.raw()));
  internal::EvpPkeyPtr pkey(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_X25519, nullptr, internal::Uchar(public_key.raw()), public_key.raw().size()));
  ASSERT_NE(pkey, nullptr);
  unsigned char* der = nullptr;
  const int size = i2d_PUBKEY(pkey.get(), &der);  // OpenSSL's encoder agrees
  ASSERT_GT(size, 0);
  EXPECT_EQ(HexEncode(public_key.SpkiDer()), HexEncode(Bytes(reinterpret_cast<char*>(der), size)));
  OPENSSL_free(der);
  ASSERT_OK_AND_ASSIGN(X25519PublicKey parsed, X25519PublicKey::FromSpkiDer(public_key.SpkiDer()));
  EXPECT_EQ(parsed, public_key);
  ASSERT_OK_AND_ASSIGN(Sha256Digest digest, Sha256(public_key.SpkiDer()));
  EXPECT_EQ(public_key.KeyId(), DigestBytes(digest).substr(0, kKeyIdSize));
  // An Ed25519 SPKI is not an X25519 key.
  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey signing, Ed25519PrivateKey::Generate(&random));
  EXPECT_THAT(X25519PublicKey::FromSpkiDer(signing.public_key().SpkiDer()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("expected X25519")));
  EXPECT_THAT(X25519PublicKey::FromRaw(Bytes(31, 'a')),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("32 bytes, got 31")));
  EXPECT_THAT(X25519PrivateKey::FromRaw(SecretBytes(33)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("32 bytes, got 33")));
}

}  // namespace
}  // namespace enlace
