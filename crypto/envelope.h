// The envelope: what a node sends through the hub (docs/protocol.md is the byte-exact spec).
//
//   header     serialized v1::Header, carried and signed as bytes
//   payload    AEAD(content key) of the padded plaintext, header bound as associated data
//   wraps      the content key, HPKE-sealed (base mode) to each recipient's X25519 key
//   signature  Ed25519 by the sender over SigningInput("enlace/v1/envelope",
//              {header, SHA-256(payload), wraps})
//
// Who calls what:
//   sender node   Seal(header, plaintext, signing key, recipients' keys, env)
//   hub           ParseEnvelope(bytes, limits) or the gRPC-parsed message, then
//                 ReadUnverifiedHeader() to find the sender's key in the directory, then
//                 VerifyEnvelope(envelope, sender key): signature and structure, no decryption.
//                 For streamed payloads: ReadUnverifiedHeadHeader(head, announced payload size)
//                 before any payload arrives, then VerifyEnvelopeHead(head, payload size,
//                 payload hash) once it is in.
//   recipient     Open(envelope, my identity and keys, sender key): verifies first, then decrypts;
//                 it never returns plaintext from an envelope that does not verify.
// What these do NOT check (the caller's policy): that the sender key is the sender's current,
// unrevoked directory key; that created_at_ms is within the accepted window; that the message
// id was not seen before (replay); that the participant ids follow identity's grammar.
//
// Errors: INVALID_ARGUMENT for anything wrong with an envelope or an argument, with a message
// naming the field and what is allowed; FAILED_PRECONDITION when the recipient does not hold the
// key a wrap is sealed to; INTERNAL only if OpenSSL fails. Thread-safe: no shared state.
#ifndef ENLACE_CRYPTO_ENVELOPE_H_
#define ENLACE_CRYPTO_ENVELOPE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "base/bytes.h"
#include "base/env.h"
#include "crypto/hash.h"
#include "crypto/signing.h"
#include "crypto/x25519.h"
#include "enlace/v1/envelope.pb.h"

namespace enlace {

// Suites (Header.suite_id). Both use Ed25519 signatures, SHA-256, and HPKE base mode with
// DHKEM(X25519, HKDF-SHA256) and HKDF-SHA256; the AEAD (payload and HPKE) differs.
inline constexpr uint32_t kSuiteX25519Aes256Gcm = 1;         // AES-256-GCM (the default)
inline constexpr uint32_t kSuiteX25519ChaCha20Poly1305 = 2;  // ChaCha20-Poly1305
inline constexpr uint32_t kDefaultSuite = kSuiteX25519Aes256Gcm;

// Protocol limits (docs/protocol.md, "Limits"). EnvelopeLimits may only tighten them.
inline constexpr size_t kMessageIdSize = 16;
inline constexpr size_t kThreadIdSize = 16;
inline constexpr size_t kContentKeySize = 32;
inline constexpr size_t kMaxRecipients = 64;
inline constexpr size_t kMaxParticipantIdSize = 64;
inline constexpr size_t kMaxHeaderSize = 4096;
inline constexpr size_t kMinPaddedSize = 1024;                   // smallest padding bucket
inline constexpr size_t kMaxPaddedSize = size_t{256} << 20;      // 256 MiB
inline constexpr size_t kMaxPlaintextSize = kMaxPaddedSize - 4;  // 4 bytes carry the length
inline constexpr size_t kMaxPayloadSize = kMaxPaddedSize + 16;   // + AEAD tag
// Header + payload + wraps + signature + protobuf framing, with room to spare.
inline constexpr size_t kMaxEnvelopeSize = kMaxPayloadSize + kMaxHeaderSize + 64 * 1024;

struct EnvelopeLimits {
  size_t max_envelope_size = kMaxEnvelopeSize;  // serialized bytes (ParseEnvelope)
  size_t max_payload_size = kMaxPayloadSize;    // Envelope.payload bytes
  size_t max_recipients = kMaxRecipients;
};

// The padded size for a plaintext of `plaintext_size` bytes: 4 + size rounded up to 1 KiB, then
// to the next power of two up to 64 KiB, then to a multiple of 64 KiB.
size_t PaddedSize(size_t plaintext_size);

struct RecipientKey {
  std::string recipient_id;  // participant id, as in Header.recipient_ids
  X25519PublicKey key;       // the recipient's current encryption key (from the directory)
};

// Seals `plaintext` for `recipients`, signed with `signing_key`.
// `header` is completed, then checked as every reader checks it:
//  - message_id: if empty, 16 bytes from env.random;  created_at_ms: if 0, env.clock's now;
//  - suite_id: if 0, kDefaultSuite;  sender_key_id: if empty, signing_key's key id (else it must
//    be that id);  recipient_ids: if empty, the ids of `recipients` in order (else they must
//    equal them, in order).
// Randomness is drawn in this order (so a fixed source reproduces docs/protocol.md's example):
// message id (if generated), content key (32 bytes), then 32 bytes of HPKE ephemeral key
// material per recipient, in recipient order.
absl::StatusOr<v1::Envelope> Seal(v1::Header header, absl::string_view plaintext,
                                  const Ed25519PrivateKey& signing_key,
                                  absl::Span<const RecipientKey> recipients, const Env& env);

// Parses serialized envelope bytes from outside: refuses more than limits.max_envelope_size
// bytes, malformed protobuf, unknown fields, and any structural error VerifyEnvelope would find
// before checking the signature. Never crashes on any input.
absl::StatusOr<v1::Envelope> ParseEnvelope(absl::string_view bytes,
                                           const EnvelopeLimits& limits = {});

// The header, parsed and checked for structure but NOT authenticated: only for choosing which
// key to verify with (sender_id, sender_key_id). Never act on it otherwise.
absl::StatusOr<v1::Header> ReadUnverifiedHeader(const v1::Envelope& envelope);

// ReadUnverifiedHeader for the head of an envelope whose payload is streamed (hub_service.proto's
// EnvelopeHead): `head` holds header, wraps and signature, and its payload field must be empty;
// `payload_size` is the size its sender announces. Checks everything VerifyEnvelopeHead checks
// short of the signature (structure, bounds, canonical header, wraps, signature size, the
// announced size against `limits` and the padding buckets), so a bad upload is refused before
// any payload is read. The header is NOT authenticated: only for choosing the key.
absl::StatusOr<v1::Header> ReadUnverifiedHeadHeader(const v1::Envelope& head, uint64_t payload_size,
                                                    const EnvelopeLimits& limits = {});

struct VerifiedHeader {
  v1::Header header;          // parsed from the signed header bytes
  Sha256Digest header_hash;   // SHA-256 of Envelope.header (receipts and acks sign it)
  Sha256Digest payload_hash;  // SHA-256 of Envelope.payload (covered by the signature)
  uint64_t payload_size = 0;
};

// Checks the envelope's structure and limits, that `sender_key` is the key named by
// header.sender_key_id, and the signature. Does not decrypt anything (the hub's check).
absl::StatusOr<VerifiedHeader> VerifyEnvelope(const v1::Envelope& envelope,
                                              const Ed25519PublicKey& sender_key,
                                              const EnvelopeLimits& limits = {});

// VerifyEnvelope for a payload that is streamed rather than held: `head` carries header, wraps
// and signature (its payload field must be empty); the payload is given by its size and SHA-256.
absl::StatusOr<VerifiedHeader> VerifyEnvelopeHead(const v1::Envelope& head, uint64_t payload_size,
                                                  const Sha256Digest& payload_hash,
                                                  const Ed25519PublicKey& sender_key,
                                                  const EnvelopeLimits& limits = {});

// A recipient's identity and private encryption keys (the current one and, while keys rotate,
// earlier ones still within their retention period).
struct RecipientIdentity {
  std::string recipient_id;
  std::vector<X25519PrivateKey> keys;
};

struct Opened {
  VerifiedHeader verified;
  Bytes plaintext;
};

// VerifyEnvelope, then: finds the wrap for me.recipient_id, the key it is sealed to (by key id),
// unwraps the content key, decrypts and unpads the payload. Returns nothing unless every step
// succeeds.
absl::StatusOr<Opened> Open(const v1::Envelope& envelope, const RecipientIdentity& me,
                            const Ed25519PublicKey& sender_key, const EnvelopeLimits& limits = {});

}  // namespace enlace

#endif  // ENLACE_CRYPTO_ENVELOPE_H_
