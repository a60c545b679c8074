#include "node/keystore.h"

#include <sys/stat.h>

#include <set>
#include <string>

#include "base/files.h"
#include "crypto/key_files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace enlace::node {
namespace {

using ::enlace::testing::IsOkAndHolds;
using ::enlace::testing::StatusIs;
using ::enlace::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

class KeystoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DeterministicRandom random(21);
    ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey signing, Ed25519PrivateKey::Generate(&random));
    ASSERT_OK_AND_ASSIGN(X25519PrivateKey old_key, X25519PrivateKey::Generate(&random));
    ASSERT_OK_AND_ASSIGN(X25519PrivateKey new_key, X25519PrivateKey::Generate(&random));
    old_id_ = old_key.public_key().KeyId();
    new_id_ = new_key.public_key().KeyId();
    ASSERT_OK(WritePrivateKeyFile(dir_.Sub("signing.pem"), signing));
    ASSERT_OK(WritePrivateKeyFile(dir_.Sub("old.pem"), old_key));
    ASSERT_OK(WritePrivateKeyFile(dir_.Sub("new.pem"), new_key));
    ASSERT_OK(MakeDirectories(dir_.Sub("data"), 0700));
    keys_.add_signing_key_files(dir_.Sub("signing.pem"));
    keys_.add_encryption_key_files(dir_.Sub("old.pem"));
    keys_.add_encryption_key_files(dir_.Sub("new.pem"));
  }

  absl::StatusOr<Keystore> Load(const std::set<std::string>& destroyed = {}) {
    return Keystore::Load(*ParticipantId::Parse("node/GT"), keys_, nullptr, destroyed);
  }

  TempDir dir_;
  v1::NodeKeys keys_;
  Bytes old_id_, new_id_;
};

TEST_F(KeystoreTest, ADestroyedKeyIsGoneFromDiskAndMemoryAndLaterStartsSkipItsFile) {
  ASSERT_OK_AND_ASSIGN(Keystore keys, Load());
  EXPECT_THAT(keys.encryption_keys(), SizeIs(2));
  ASSERT_OK_AND_ASSIGN(std::string file, keys.DestroyEncryptionKey(old_id_, dir_.Sub("data")));
  EXPECT_EQ(file, dir_.Sub("old.pem"));
  struct stat info;
  EXPECT_NE(stat(file.c_str(), &info), 0);  // removed
  EXPECT_EQ(keys.EncryptionKey(old_id_), nullptr);
  EXPECT_NE(keys.EncryptionKey(new_id_), nullptr);
  EXPECT_THAT(keys.recipient_identity().keys, SizeIs(1));

  // The record names the file; a start with it skips the file, one without fails on it.
  ASSERT_OK_AND_ASSIGN(std::set<std::string> destroyed, ReadDestroyedKeyFiles(dir_.Sub("data")));
  EXPECT_THAT(destroyed, UnorderedElementsAre(dir_.Sub("old.pem")));
  ASSERT_OK_AND_ASSIGN(std::string record, ReadFile(dir_.Sub("data/destroyed-keys"), 4096));
  EXPECT_THAT(record, HasSubstr(HexEncode(old_id_)));
  ASSERT_OK_AND_ASSIGN(Keystore again, Load(destroyed));
  EXPECT_THAT(again.encryption_keys(), SizeIs(1));
  EXPECT_EQ(again.encryption_keys()[0].public_key().KeyId(), new_id_);
  EXPECT_THAT(Load(), StatusIs(absl::StatusCode::kNotFound, HasSubstr("old.pem")));

  EXPECT_THAT(keys.DestroyEncryptionKey(old_id_, dir_.Sub("data")),
              StatusIs(absl::StatusCode::kNotFound, ::testing::_));
}

TEST_F(KeystoreTest, NoRecordMeansNothingDestroyedAndADamagedOneIsAnError) {
  EXPECT_THAT(ReadDestroyedKeyFiles(dir_.Sub("data")), IsOkAndHolds(SizeIs(0)));
  ASSERT_OK(WriteFileAtomically(dir_.Sub("data/destroyed-keys"), "no-space-here\n", 0600));
  EXPECT_THAT(ReadDestroyedKeyFiles(dir_.Sub("data")),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("<key id> <path>")));
}

}  // namespace
}  // namespace enlace::node
