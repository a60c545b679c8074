#include "crypto/hkdf.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "crypto/hmac.h"
#include "crypto/internal/openssl_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace {
namespace {

using ::enlace::testing::StatusIs;
using ::testing::HasSubstr;

Bytes FromHex(absl::string_view hex) { return HexDecode(hex).value(); }

// RFC 5869 Appendix A.1, whole and in its two steps.
TEST(HkdfTest, Rfc5869Case1) {
  const Bytes ikm = FromHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
  const Bytes salt = FromHex("000102030405060708090a0b0c");
  const Bytes info = FromHex("f0f1f2f3f4f5f6f7f8f9");
  const char kPrk[] = "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5";
  const char kOkm[] =
      "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865";
  ASSERT_OK_AND_ASSIGN(SecretBytes prk, HkdfSha256Extract(salt, ikm));
  EXPECT_EQ(HexEncode(prk.view()), kPrk);
  ASSERT_OK_AND_ASSIGN(SecretBytes okm, HkdfSha256Expand(prk.view(), info, 42));
  EXPECT_EQ(HexEncode(okm.view()), kOkm);
  ASSERT_OK_AND_ASSIGN(SecretBytes whole, HkdfSha256(ikm, salt, info, 42));
  EXPECT_EQ(HexEncode(whole.view()), kOkm);
}

// RFC 5869 Appendix A.3: empty salt and info.
TEST(HkdfTest, Rfc5869Case3EmptySaltAndInfo) {
  ASSERT_OK_AND_ASSIGN(
      SecretBytes okm,
      HkdfSha256(FromHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), "", "", 42));
  EXPECT_EQ(HexEncode(okm.view()),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST(HkdfTest, RefusesOversizedOutputAndShortPrk) {
  EXPECT_OK(HkdfSha256("ikm", "", "", kHkdfSha256MaxOutput).status());
  EXPECT_THAT(HkdfSha256("ikm", "", "", kHkdfSha256MaxOutput + 1),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at most 8160")));
  EXPECT_THAT(HkdfSha256Expand(Bytes(32, 'k'), "", 8161),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at most 8160")));
  EXPECT_THAT(HkdfSha256Expand("short", "", 32),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at least 32")));
}

// OpenSSL's own HKDF (EVP_KDF "HKDF") and HMAC (EVP_Q_mac), as oracles for ours.
Bytes OpenSslHkdf(const Bytes& ikm, const Bytes& salt, const Bytes& info, size_t size) {
  internal::EvpKdfPtr kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  internal::EvpKdfCtxPtr ctx(EVP_KDF_CTX_new(kdf.get()));
  char digest[] = "SHA256";
  char empty = 0;
  auto data = [&](const Bytes& b) { return b.empty() ? &empty : const_cast<char*>(b.data()); };
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, data(ikm), ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, data(salt), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, data(info), info.size()),
      OSSL_PARAM_construct_end()};
  Bytes out(size, '\0');
  EXPECT_EQ(EVP_KDF_derive(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), size, params),
            1);
  return out;
}

TEST(HkdfTest, AgreesWithOpenSslHkdfAndHmac) {
  DeterministicRandom random(41);
  auto bytes = [&](size_t n) {
    Bytes b(n, '\0');
    EXPECT_OK(random.Fill(absl::MakeSpan(reinterpret_cast<uint8_t*>(b.data()), n)));
    return b;
  };
  for (size_t i = 0; i < 200; ++i) {
    const Bytes ikm = bytes(i % 97), salt = bytes((i * 7) % 131), info = bytes((i * 13) % 1000);
    const size_t size = 1 + (i * 37) % 700;
    ASSERT_OK_AND_ASSIGN(SecretBytes ours, HkdfSha256(ikm, salt, info, size));
    ASSERT_EQ(HexEncode(ours.view()), HexEncode(OpenSslHkdf(ikm, salt, info, size))) << i;
    Bytes reference(32, '\0');
    size_t reference_size = 0;
    ASSERT_NE(
        EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, salt.empty() ? "" : salt.data(),
                  salt.size(), internal::Uchar(info), info.size(),
                  reinterpret_cast<unsigned char*>(reference.data()), 32, &reference_size),
        nullptr);
    ASSERT_OK_AND_ASSIGN(Bytes tag, HmacSha256(salt, info));
    ASSERT_EQ(HexEncode(tag), HexEncode(reference)) << i;
  }
}

// RFC 4231 test case 2 ("what do ya want for nothing?").
TEST(HmacTest, Rfc4231Case2AndVerify) {
  ASSERT_OK_AND_ASSIGN(Bytes tag, HmacSha256("Jefe", "what do ya want for nothing?"));
  EXPECT_EQ(HexEncode(tag), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_OK(VerifyHmacSha256("Jefe", "what do ya want for nothing?", tag));
  Bytes bad = tag;
  bad[31] ^= 0x80;
  EXPECT_THAT(VerifyHmacSha256("Jefe", "what do ya want for nothing?", bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not match")));
  EXPECT_THAT(VerifyHmacSha256("Jefe", "what do ya want for nothing?", tag.substr(0, 16)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("32 bytes, got 16")));
  ASSERT_OK_AND_ASSIGN(Bytes empty_key, HmacSha256("", ""));
  EXPECT_EQ(HexEncode(empty_key),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

}  // namespace
}  // namespace enlace
