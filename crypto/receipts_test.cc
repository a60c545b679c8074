#include "crypto/receipts.h"

#include <string>

#include "absl/types/optional.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace {
namespace {

using ::enlace::testing::StatusIs;
using ::testing::HasSubstr;

class ReceiptsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DeterministicRandom random(7);
    ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey key, Ed25519PrivateKey::Generate(&random));
    key_.emplace(std::move(key));
    receipt_.set_message_id(std::string(16, '\x01'));
    receipt_.set_header_hash(std::string(32, '\x02'));
    receipt_.set_envelope_hash(std::string(32, '\x03'));
    receipt_.set_log_index(0x0102030405060708);
    receipt_.set_hub_time_ms(1767225600000);  // 2026-01-01T00:00:00Z
    receipt_.set_hub_key_id(key_->public_key().KeyId());
    ASSERT_OK_AND_ASSIGN(*receipt_.mutable_signature(), key_->Sign(ReceiptSigningInput(receipt_)));
  }

  absl::optional<Ed25519PrivateKey> key_;
  v1::Receipt receipt_;
};

TEST_F(ReceiptsTest, ReceiptSigningInputIsTheDocumentedLayout) {
  const Bytes input = ReceiptSigningInput(receipt_);
  Bytes expected;
  AppendLengthPrefixed("enlace/v1/receipt", &expected);
  AppendLengthPrefixed(receipt_.message_id(), &expected);
  AppendLengthPrefixed(receipt_.header_hash(), &expected);
  AppendLengthPrefixed(receipt_.envelope_hash(), &expected);
  AppendLengthPrefixed(Bytes("\x01\x02\x03\x04\x05\x06\x07\x08", 8), &expected);
  AppendLengthPrefixed(Bytes("\x00\x00\x01\x9b\x76\xda\xa8\x00", 8), &expected);
  AppendLengthPrefixed(receipt_.hub_key_id(), &expected);
  EXPECT_EQ(HexEncode(input), HexEncode(expected));
  // The signature field is not signed.
  v1::Receipt unsigned_receipt = receipt_;
  unsigned_receipt.clear_signature();
  EXPECT_EQ(ReceiptSigningInput(unsigned_receipt), input);
}

TEST_F(ReceiptsTest, AValidReceiptVerifies) {
  EXPECT_OK(VerifyReceipt(receipt_, key_->public_key()));
}

TEST_F(ReceiptsTest, EveryChangedFieldBreaksTheSignature) {
  for (int field = 0; field < 5; ++field) {
    v1::Receipt changed = receipt_;
    switch (field) {
      case 0:
        (*changed.mutable_message_id())[0] ^= 1;
        break;
      case 1:
        (*changed.mutable_header_hash())[31] ^= 1;
        break;
      case 2:
        (*changed.mutable_envelope_hash())[5] ^= 1;
        break;
      case 3:
        changed.set_log_index(changed.log_index() + 1);
        break;
      case 4:
        changed.set_hub_time_ms(changed.hub_time_ms() + 1);
        break;
    }
    EXPECT_THAT(VerifyReceipt(changed, key_->public_key()),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not verify")))
        << "field " << field;
  }
}

TEST_F(ReceiptsTest, AnotherKeyOrANegativeTimeIsRefusedByName) {
  DeterministicRandom random(8);
  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey other, Ed25519PrivateKey::Generate(&random));
  EXPECT_THAT(VerifyReceipt(receipt_, other.public_key()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("another hub key")));
  v1::Receipt negative = receipt_;
  negative.set_hub_time_ms(-1);
  ASSERT_OK_AND_ASSIGN(*negative.mutable_signature(), key_->Sign(ReceiptSigningInput(negative)));
  EXPECT_THAT(VerifyReceipt(negative, key_->public_key()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("negative")));
}

TEST(AckSigningInputTest, IsTheDocumentedLayout) {
  Bytes expected;
  AppendLengthPrefixed("enlace/v1/ack", &expected);
  AppendLengthPrefixed("id", &expected);
  AppendLengthPrefixed("hash", &expected);
  AppendLengthPrefixed("node/GT", &expected);
  AppendLengthPrefixed(Bytes("\x00\x00\x00\x00\x00\x00\x01\x00", 8), &expected);
  EXPECT_EQ(HexEncode(AckSigningInput("id", "hash", "node/GT", 256)), HexEncode(expected));
  // Each field is bound: moving bytes between them changes the input.
  EXPECT_NE(AckSigningInput("idh", "ash", "node/GT", 256),
            AckSigningInput("id", "hash", "node/GT", 256));
}

}  // namespace
}  // namespace enlace
