#include "crypto/key_files.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include "base/files.h"
#include "crypto/internal/openssl_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace enlace {
namespace {

using ::enlace::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Cheap scrypt for tests that are not about the cost.
constexpr KeyFileOptions kFast{uint64_t{1} << 10, 8, 1};

SecretBytes Pass(absl::string_view p) { return SecretBytes(p); }

// What any OpenSSL-based reader (e.g. `openssl pkey`) gets from our encrypted PEM.
internal::EvpPkeyPtr OpenSslDecrypt(const std::string& pem, const char* passphrase) {
  internal::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return internal::EvpPkeyPtr(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, const_cast<char*>(passphrase)));
}

TEST(KeyFilesTest, EncryptedEd25519RoundTripAtDefaultCost) {
  DeterministicRandom random(21);
  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey key, Ed25519PrivateKey::Generate(&random));
  ASSERT_OK_AND_ASSIGN(std::string pem, EncryptPrivateKeyPem(key, Pass("correct horse"), &random));
  EXPECT_THAT(pem, StartsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));
  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey back,
                       DecryptPrivateKeyPem<Ed25519PrivateKey>(pem, Pass("correct horse")));
  EXPECT_EQ(back.public_key(), key.public_key());
  // Interoperable: OpenSSL's own reader decrypts it to the same key.
  internal::EvpPkeyPtr openssl = OpenSslDecrypt(pem, "correct horse");
  ASSERT_NE(openssl, nullptr);
  unsigned char raw[32];
  size_t size = sizeof(raw);
  ASSERT_EQ(EVP_PKEY_get_raw_public_key(openssl.get(), raw, &size), 1);
  EXPECT_EQ(Bytes(reinterpret_cast<char*>(raw), size), key.public_key().raw());
}

TEST(KeyFilesTest, EncryptedX25519AndRefusals) {
  DeterministicRandom random(22);
  ASSERT_OK_AND_ASSIGN(X25519PrivateKey key, X25519PrivateKey::Generate(&random));
  ASSERT_OK_AND_ASSIGN(std::string pem, EncryptPrivateKeyPem(key, Pass("pw"), &random, kFast));
  ASSERT_OK_AND_ASSIGN(X25519PrivateKey back,
                       DecryptPrivateKeyPem<X25519PrivateKey>(pem, Pass("pw")));
  EXPECT_EQ(back.public_key(), key.public_key());
  EXPECT_EQ(back.raw().view(), key.raw().view());

  EXPECT_THAT(DecryptPrivateKeyPem<X25519PrivateKey>(pem, Pass("pW")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("wrong passphrase")));
  EXPECT_THAT(DecryptPrivateKeyPem<Ed25519PrivateKey>(pem, Pass("pw")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("expected Ed25519")));
  EXPECT_THAT(EncryptPrivateKeyPem(key, Pass(""), &random, kFast),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("passphrase is empty")));
  // A damaged body, trailing data, a different label, oversized input.
  std::string damaged = pem;
  damaged[60] = damaged[60] == 'A' ? 'B' : 'A';
  EXPECT_THAT(DecryptPrivateKeyPem<X25519PrivateKey>(damaged, Pass("pw")),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
  EXPECT_THAT(DecryptPrivateKeyPem<X25519PrivateKey>(pem + "junk", Pass("pw")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unexpected data after")));
  EXPECT_THAT(DecryptPrivateKeyPem<X25519PrivateKey>(PublicKeyPem(key.public_key()), Pass("pw")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"PUBLIC KEY\"")));
  EXPECT_THAT(DecryptPrivateKeyPem<X25519PrivateKey>(std::string(20000, 'A'), Pass("pw")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at most 16384")));
  EXPECT_THAT(DecryptPrivateKeyPem<X25519PrivateKey>("", Pass("pw")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no PEM block")));
}

TEST(KeyFilesTest, OnlyBoundedScryptIsAccepted) {
  DeterministicRandom random(23);
  ASSERT_OK_AND_ASSIGN(X25519PrivateKey key, X25519PrivateKey::Generate(&random));
  ASSERT_OK_AND_ASSIGN(std::string costly,
                       EncryptPrivateKeyPem(key, Pass("pw"), &random, {16, 1, kMaxScryptP + 1}));
  EXPECT_THAT(DecryptPrivateKeyPem<X25519PrivateKey>(costly, Pass("pw")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at most N=")));
  // PBES2 with PBKDF2 (OpenSSL's default for PEM_write_bio_PKCS8PrivateKey) is refused.
  ASSERT_OK_AND_ASSIGN(SecretBytes plain, PrivateKeyPem(key));
  internal::BioPtr in(BIO_new_mem_buf(plain.data(), static_cast<int>(plain.size())));
  internal::EvpPkeyPtr pkey(PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr));
  ASSERT_NE(pkey, nullptr);
  internal::BioPtr out(BIO_new(BIO_s_mem()));
  char pw[] = "pw";
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(out.get(), pkey.get(), EVP_aes_256_cbc(), pw, 2, nullptr,
                                          nullptr),
            1);
  char* text = nullptr;
  const long size = BIO_get_mem_data(out.get(), &text);  // NOLINT
  EXPECT_THAT(DecryptPrivateKeyPem<X25519PrivateKey>(std::string(text, size), Pass("pw")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not use scrypt")));
}

TEST(KeyFilesTest, GenericPkcs8ForOtherKeyTypes) {
  DeterministicRandom random(24);
  internal::EvpPkeyPtr ec(EVP_EC_gen("P-256"));
  ASSERT_NE(ec, nullptr);
  internal::BioPtr bio(BIO_new(BIO_s_mem()));
  ASSERT_EQ(
      PEM_write_bio_PKCS8PrivateKey(bio.get(), ec.get(), nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* text = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &text);  // NOLINT
  const SecretBytes plain(absl::string_view(text, size));
  ASSERT_OK_AND_ASSIGN(std::string encrypted,
                       EncryptPkcs8Pem(plain, Pass("secret"), &random, kFast));
  ASSERT_OK_AND_ASSIGN(SecretBytes decrypted, DecryptPkcs8Pem(encrypted, Pass("secret")));
  EXPECT_EQ(decrypted.view(), plain.view());
  EXPECT_THAT(ParsePrivateKeyPem<Ed25519PrivateKey>(decrypted),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("expected Ed25519")));
}

TEST(KeyFilesTest, DaemonKeyFilesMustBePrivate) {
  testing::TempDir dir;
  DeterministicRandom random(25);
  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey key, Ed25519PrivateKey::Generate(&random));
  const std::string path = dir.Sub("signing.pem");
  ASSERT_OK(WritePrivateKeyFile(path, key));
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_OK_AND_ASSIGN(std::string contents, ReadFile(path, kMaxKeyFileSize));
  EXPECT_THAT(contents, StartsWith("-----BEGIN PRIVATE KEY-----\n"));
  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey back, ReadPrivateKeyFile<Ed25519PrivateKey>(path));
  EXPECT_EQ(back.public_key(), key.public_key());

  ASSERT_EQ(chmod(path.c_str(), 0640), 0);
  EXPECT_THAT(ReadPrivateKeyFile<Ed25519PrivateKey>(path),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("chmod 600")));
  EXPECT_THAT(ReadPrivateKeyFile<X25519PrivateKey>(dir.Sub("missing.pem")),
              StatusIs(absl::StatusCode::kNotFound, ::testing::_));

  const std::string encrypted_path = dir.Sub("encrypted.pem");
  ASSERT_OK(WriteEncryptedPrivateKeyFile(encrypted_path, key, Pass("pw"), &random, kFast));
  EXPECT_THAT(
      ReadPrivateKeyFile<Ed25519PrivateKey>(encrypted_path),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("encrypted with a passphrase")));
  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey decrypted,
                       ReadEncryptedPrivateKeyFile<Ed25519PrivateKey>(encrypted_path, Pass("pw")));
  EXPECT_EQ(decrypted.public_key(), key.public_key());
  ASSERT_EQ(chmod(encrypted_path.c_str(), 0604), 0);
  EXPECT_THAT(ReadEncryptedPrivateKeyFile<Ed25519PrivateKey>(encrypted_path, Pass("pw")),
              StatusIs(absl::StatusCode::kPermissionDenied, ::testing::_));
}

TEST(KeyFilesTest, PublicKeyPem) {
  DeterministicRandom random(26);
  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey signing, Ed25519PrivateKey::Generate(&random));
  ASSERT_OK_AND_ASSIGN(X25519PrivateKey encryption, X25519PrivateKey::Generate(&random));
  const std::string pem = PublicKeyPem(signing.public_key());
  EXPECT_EQ(pem, "-----BEGIN PUBLIC KEY-----\n" + Base64Encode(signing.public_key().SpkiDer()) +
                     "\n-----END PUBLIC KEY-----\n");
  EXPECT_THAT(ParsePublicKeyPem<Ed25519PublicKey>(pem),
              ::enlace::testing::IsOkAndHolds(signing.public_key()));
  EXPECT_THAT(ParsePublicKeyPem<X25519PublicKey>(PublicKeyPem(encryption.public_key())),
              ::enlace::testing::IsOkAndHolds(encryption.public_key()));
  EXPECT_THAT(ParsePublicKeyPem<X25519PublicKey>(pem),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("expected X25519")));
  EXPECT_THAT(ParsePublicKeyPem<Ed25519PublicKey>(pem + pem),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unexpected data after")));
  // The Wycheproof group key's PEM (published elsewhere) parses to the same raw key.
  ASSERT_OK_AND_ASSIGN(Ed25519PublicKey wycheproof,
                       ParsePublicKeyPem<Ed25519PublicKey>(
                           "-----BEGIN PUBLIC KEY-----\n"
                           "MCowBQYDK2VwAyEAfU0Of2FTpptiQrUiq77mhf2kQg+INLEIw72uNp71Sfo=\n"
                           "-----END PUBLIC KEY-----\n"));
  EXPECT_EQ(HexEncode(wycheproof.raw()),
            "7d4d0e7f6153a69b6242b522abbee685fda4420f8834b108c3bdae369ef549fa");
}

}  // namespace
}  // namespace enlace
