#include "crypto/receipts.h"

#include "absl/strings/str_cat.h"
#include "crypto/hash.h"

namespace enlace {
namespace {

Bytes U64(uint64_t v) {
  Bytes out;
  AppendUint64(v, &out);
  return out;
}

}  // namespace

Bytes ReceiptSigningInput(const v1::Receipt& receipt) {
  const Bytes index = U64(receipt.log_index());
  const Bytes time = U64(static_cast<uint64_t>(receipt.hub_time_ms()));
  return SigningInput(kReceiptDomain, {receipt.message_id(), receipt.header_hash(),
                                       receipt.envelope_hash(), index, time, receipt.hub_key_id()});
}

absl::Status VerifyReceipt(const v1::Receipt& receipt, const Ed25519PublicKey& hub_key) {
  if (!ConstantTimeEquals(receipt.hub_key_id(), hub_key.KeyId())) {
    return absl::InvalidArgumentError("the receipt names another hub key than the one given");
  }
  if (receipt.hub_time_ms() < 0) {
    return absl::InvalidArgumentError("the receipt's hub time is negative");
  }
  absl::Status verified = hub_key.Verify(ReceiptSigningInput(receipt), receipt.signature());
  if (!verified.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the receipt's signature does not verify: ", verified.message()));
  }
  return absl::OkStatus();
}

Bytes AckSigningInput(absl::string_view message_id, absl::string_view header_hash,
                      absl::string_view recipient_id, int64_t acked_at_ms) {
  const Bytes time = U64(static_cast<uint64_t>(acked_at_ms));
  return SigningInput(kAckDomain, {message_id, header_hash, recipient_id, time});
}

}  // namespace enlace
