// The byte encodings of docs/protocol.md used by crypto/envelope.cc. Not API (the worked-example
// test prints them).
#ifndef ENLACE_CRYPTO_INTERNAL_ENVELOPE_FORMAT_H_
#define ENLACE_CRYPTO_INTERNAL_ENVELOPE_FORMAT_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/bytes.h"
#include "crypto/aead.h"
#include "crypto/hash.h"
#include "enlace/v1/envelope.pb.h"

namespace enlace::internal {

inline constexpr absl::string_view kEnvelopeDomain = "enlace/v1/envelope";
inline constexpr absl::string_view kPayloadDomain = "enlace/v1/payload";
inline constexpr absl::string_view kWrapDomain = "enlace/v1/wrap";

// The payload AEAD's nonce: 12 zero bytes (each content key encrypts exactly one payload).
inline Bytes PayloadNonce() { return Bytes(kAeadNonceSize, '\0'); }

// The AEAD of a suite (payload and HPKE alike); INVALID_ARGUMENT for an unknown suite.
absl::StatusOr<AeadAlgorithm> SuiteAead(uint32_t suite_id);

// SigningInput("enlace/v1/payload", {header})
Bytes PayloadAad(absl::string_view header);
// SigningInput("enlace/v1/wrap", {uint32be(suite_id), message_id, sender_id, recipient_id,
// recipient_key_id})
Bytes WrapInfo(uint32_t suite_id, absl::string_view message_id, absl::string_view sender_id,
               absl::string_view recipient_id, absl::string_view recipient_key_id);
// uint32be(count), then per wrap the length-prefixed recipient_id, key_id, encapsulated_key,
// wrapped_key.
Bytes WrapsEncoding(const google::protobuf::RepeatedPtrField<v1::RecipientWrap>& wraps);
// SigningInput("enlace/v1/envelope", {header, payload_hash, WrapsEncoding(wraps)})
Bytes EnvelopeSigningInput(absl::string_view header, const Sha256Digest& payload_hash,
                           const google::protobuf::RepeatedPtrField<v1::RecipientWrap>& wraps);

// uint32be(len(plaintext)) || plaintext || zeros, to PaddedSize(len(plaintext)) bytes.
absl::StatusOr<Bytes> Pad(absl::string_view plaintext);
// The inverse; INVALID_ARGUMENT unless `padded` is exactly what Pad would have produced.
absl::StatusOr<Bytes> Unpad(absl::string_view padded);

}  // namespace enlace::internal

#endif  // ENLACE_CRYPTO_INTERNAL_ENVELOPE_FORMAT_H_
