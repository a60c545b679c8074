#include "crypto/internal/envelope_format.h"

#include "absl/strings/str_cat.h"
#include "base/bytes.h"
#include "crypto/envelope.h"
#include "crypto/signing.h"

namespace enlace::internal {

absl::StatusOr<AeadAlgorithm> SuiteAead(uint32_t suite_id) {
  switch (suite_id) {
    case kSuiteX25519Aes256Gcm:
      return AeadAlgorithm::kAes256Gcm;
    case kSuiteX25519ChaCha20Poly1305:
      return AeadAlgorithm::kChaCha20Poly1305;
    default:
      return absl::InvalidArgumentError(absl::StrCat("suite_id ", suite_id,
                                                     " is not supported (1 = X25519/AES-256-GCM, ",
                                                     "2 = X25519/ChaCha20-Poly1305)"));
  }
}

Bytes PayloadAad(absl::string_view header) { return SigningInput(kPayloadDomain, {header}); }

Bytes WrapInfo(uint32_t suite_id, absl::string_view message_id, absl::string_view sender_id,
               absl::string_view recipient_id, absl::string_view recipient_key_id) {
  Bytes suite;
  AppendUint32(suite_id, &suite);
  return SigningInput(kWrapDomain, {suite, message_id, sender_id, recipient_id, recipient_key_id});
}

Bytes WrapsEncoding(const google::protobuf::RepeatedPtrField<v1::RecipientWrap>& wraps) {
  Bytes out;
  AppendUint32(static_cast<uint32_t>(wraps.size()), &out);
  for (const v1::RecipientWrap& wrap : wraps) {
    AppendLengthPrefixed(wrap.recipient_id(), &out);
    AppendLengthPrefixed(wrap.key_id(), &out);
    AppendLengthPrefixed(wrap.encapsulated_key(), &out);
    AppendLengthPrefixed(wrap.wrapped_key(), &out);
  }
  return out;
}

Bytes EnvelopeSigningInput(absl::string_view header, const Sha256Digest& payload_hash,
                           const google::protobuf::RepeatedPtrField<v1::RecipientWrap>& wraps) {
  return SigningInput(kEnvelopeDomain, {header, DigestBytes(payload_hash), WrapsEncoding(wraps)});
}

absl::StatusOr<Bytes> Pad(absl::string_view plaintext) {
  if (plaintext.size() > kMaxPlaintextSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "plaintext of ", plaintext.size(), " bytes exceeds the limit of ", kMaxPlaintextSize));
  }
  Bytes padded;
  padded.reserve(PaddedSize(plaintext.size()));
  AppendUint32(static_cast<uint32_t>(plaintext.size()), &padded);
  padded.append(plaintext.data(), plaintext.size());
  padded.resize(PaddedSize(plaintext.size()), '\0');
  return padded;
}

absl::StatusOr<Bytes> Unpad(absl::string_view padded) {
  uint32_t length = 0;
  if (!ByteReader(padded).ReadUint32(&length)) {
    return absl::InvalidArgumentError("padded payload shorter than 4 bytes");
  }
  if (length > padded.size() - 4 || PaddedSize(length) != padded.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "payload length field ", length, " does not fit its padded size ", padded.size()));
  }
  if (padded.find_first_not_of('\0', 4 + length) != absl::string_view::npos) {
    return absl::InvalidArgumentError("payload padding is not all zero bytes");
  }
  return Bytes(padded.substr(4, length));
}

}  // namespace enlace::internal
