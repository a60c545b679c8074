#include "crypto/signing.h"

#include <openssl/x509.h>

#include <string>

#include "crypto/hash.h"
#include "crypto/internal/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace {
namespace {

using ::enlace::internal::HexField;
using ::enlace::internal::LoadVectors;
using ::enlace::testing::StatusIs;
using ::testing::HasSubstr;

TEST(SigningInputTest, ExactBytes) {
  EXPECT_EQ(HexEncode(SigningInput("dom", {"ab", ""})),
            "00000003646f6d"  // domain
            "000000026162"    // "ab"
            "00000000");      // ""
  EXPECT_EQ(SigningInput("d", {}), Bytes("\0\0\0\1d", 5));
}

TEST(SigningInputTest, DifferentFieldListsNeverCollide) {
  EXPECT_NE(SigningInput("d", {"ab", "c"}), SigningInput("d", {"a", "bc"}));
  EXPECT_NE(SigningInput("d", {"ab"}), SigningInput("d", {"ab", ""}));
  EXPECT_NE(SigningInput("da", {"b"}), SigningInput("d", {"ab"}));
  EXPECT_NE(SigningInput("x", {"y"}), SigningInput("y", {"x"}));
}

// RFC 8032 §7.1: the seed gives the public key, and signing is deterministic.
TEST(Ed25519Test, Rfc8032KnownAnswers) {
  const nlohmann::json vectors = LoadVectors("rfc8032/ed25519_rfc8032_7_1.json");
  ASSERT_TRUE(vectors.contains("tests"));
  int checked = 0;
  for (const auto& test : vectors["tests"]) {
    SCOPED_TRACE(test["name"].get<std::string>());
    ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey key,
                         Ed25519PrivateKey::FromSeed(SecretBytes(HexField(test, "secret_key"))));
    EXPECT_EQ(key.public_key().raw(), HexField(test, "public_key"));
    const Bytes message = HexField(test, "message");
    const Bytes signature = HexField(test, "signature");
    ASSERT_OK_AND_ASSIGN(Bytes produced, key.Sign(message));
    EXPECT_EQ(HexEncode(produced), HexEncode(signature));
    ASSERT_OK_AND_ASSIGN(Ed25519PublicKey public_key,
                         Ed25519PublicKey::FromRaw(HexField(test, "public_key")));
    EXPECT_OK(public_key.Verify(message, signature));
    Bytes tampered = signature;
    tampered[10] ^= 0x01;
    EXPECT_THAT(public_key.Verify(message, tampered),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not verify")));
    ++checked;
  }
  EXPECT_EQ(checked, 5);
}

// Wycheproof eddsa_verify: valid must verify, invalid must be refused (no acceptable cases).
TEST(Ed25519Test, WycheproofVerify) {
  const nlohmann::json vectors = LoadVectors("wycheproof/ed25519_test.json");
  ASSERT_EQ(vectors.value("schema", ""), "eddsa_verify_schema_v1.json");
  int valid = 0, invalid = 0;
  for (const auto& group : vectors["testGroups"]) {
    ASSERT_OK_AND_ASSIGN(Ed25519PublicKey key,
                         Ed25519PublicKey::FromRaw(HexField(group["publicKey"], "pk")));
    ASSERT_OK_AND_ASSIGN(Ed25519PublicKey from_der,
                         Ed25519PublicKey::FromSpkiDer(HexField(group, "publicKeyDer")));
    EXPECT_EQ(key, from_der);
    EXPECT_EQ(key.SpkiDer(), HexField(group, "publicKeyDer"));
    for (const auto& test : group["tests"]) {
      SCOPED_TRACE(::testing::Message() << "tcId " << test["tcId"]);
      const absl::Status status = key.Verify(HexField(test, "msg"), HexField(test, "sig"));
      const std::string result = test["result"];
      if (result == "valid") {
        EXPECT_OK(status);
        ++valid;
      } else {
        ASSERT_EQ(result, "invalid");
        EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
        ++invalid;
      }
    }
  }
  EXPECT_GT(valid, 0);
  EXPECT_GT(invalid, 0);
}

TEST(Ed25519Test, KeyIdIsTruncatedSha256OfSpki) {
  DeterministicRandom random(1);
  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey key, Ed25519PrivateKey::Generate(&random));
  const Ed25519PublicKey& public_key = key.public_key();
  // RFC 8410 SPKI: fixed 12-byte prefix, then the raw key.
  EXPECT_EQ(HexEncode(public_key.SpkiDer()),
            "302a300506032b6570032100" + HexEncode(public_key.raw()));
  // ... exactly what OpenSSL's encoder writes.
  internal::EvpPkeyPtr pkey(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, internal::Uchar(public_key.raw()), public_key.raw().size()));
  ASSERT_NE(pkey, nullptr);
  unsigned char* der = nullptr;
  const int size = i2d_PUBKEY(pkey.get(), &der);
  ASSERT_GT(size, 0);
  EXPECT_EQ(HexEncode(public_key.SpkiDer()), HexEncode(Bytes(reinterpret_cast<char*>(der), size)));
  OPENSSL_free(der);
  ASSERT_OK_AND_ASSIGN(Sha256Digest digest, Sha256(public_key.SpkiDer()));
  EXPECT_EQ(public_key.KeyId(), DigestBytes(digest).substr(0, kKeyIdSize));
  EXPECT_EQ(public_key.KeyId().size(), kKeyIdSize);
}

TEST(Ed25519Test, GeneratedKeysSignAndVerify) {
  DeterministicRandom random(2);
  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey alice, Ed25519PrivateKey::Generate(&random));
  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey mallory, Ed25519PrivateKey::Generate(&random));
  EXPECT_NE(alice.public_key(), mallory.public_key());
  const Bytes input = SigningInput("enlace/test", {"hello"});
  ASSERT_OK_AND_ASSIGN(Bytes signature, alice.Sign(input));
  EXPECT_OK(alice.public_key().Verify(input, signature));
  EXPECT_THAT(mallory.public_key().Verify(input, signature),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(HexEncode(mallory.public_key().KeyId()))));
  EXPECT_THAT(alice.public_key().Verify(SigningInput("enlace/other", {"hello"}), signature),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not verify")));
  // A moved key keeps working.
  Ed25519PrivateKey moved = std::move(alice);
  ASSERT_OK_AND_ASSIGN(Bytes again, moved.Sign(input));
  EXPECT_EQ(again, signature);
}

TEST(Ed25519Test, BadInputsAreClearErrors) {
  EXPECT_THAT(Ed25519PublicKey::FromRaw("short"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("32 bytes, got 5")));
  EXPECT_THAT(Ed25519PrivateKey::FromSeed(SecretBytes(absl::string_view("short"))),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("32 bytes, got 5")));
  DeterministicRandom random(3);
  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey key, Ed25519PrivateKey::Generate(&random));
  EXPECT_THAT(key.public_key().Verify("m", Bytes(63, 'x')),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("64 bytes, got 63")));
  const Bytes der = key.public_key().SpkiDer();
  EXPECT_THAT(Ed25519PublicKey::FromSpkiDer(der + "x"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("trailing")));
  EXPECT_THAT(Ed25519PublicKey::FromSpkiDer(der.substr(0, 20)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("SubjectPublicKeyInfo")));
  EXPECT_THAT(Ed25519PublicKey::FromSpkiDer(""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("SubjectPublicKeyInfo")));
  EXPECT_THAT(Ed25519PublicKey::FromSpkiDer(Bytes(1000, '\x30')),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at most")));
  // An X25519 SPKI (OID 1.3.101.110) is not an Ed25519 key.
  Bytes x25519_spki = der;
  x25519_spki[8] = 0x6e;
  EXPECT_THAT(Ed25519PublicKey::FromSpkiDer(x25519_spki),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("expected Ed25519")));
}

}  // namespace
}  // namespace enlace
