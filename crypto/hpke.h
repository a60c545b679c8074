// HPKE, RFC 9180: hybrid public-key encryption to an X25519 key.
//
// Suite: DHKEM(X25519, HKDF-SHA256) (KEM 0x0020), HKDF-SHA256 (KDF 0x0001), and the AEAD chosen
// per call: AES-128-GCM (0x0001), AES-256-GCM (0x0002) or ChaCha20-Poly1305 (0x0003). Modes:
// base (0x00) and auth (0x02); PSK modes are not offered.
//
//   ASSIGN_OR_RETURN(HpkeSender sender,
//                    SetupBaseSender(AeadAlgorithm::kAes256Gcm, recipient_pub, info, random));
//   ASSIGN_OR_RETURN(Bytes ct, sender.context->Seal(aad, plaintext));
//   // send sender.encapsulated_key and ct
//   ASSIGN_OR_RETURN(auto ctx, SetupBaseRecipient(AeadAlgorithm::kAes256Gcm,
//                                                 enc, recipient_priv, info));
//   ASSIGN_OR_RETURN(Bytes pt, ctx->Open(aad, ct));
//
// Security properties (RFC 9180 §9): base mode gives confidentiality and integrity to the
// holder of the recipient key but does NOT authenticate the sender (anyone can encrypt to a
// public key); auth mode additionally proves possession of the sender's X25519 key. enlace signs
// every envelope with Ed25519, so the envelope uses base mode (docs/protocol.md).
//
// HpkeContext is an interface (Tink's hpke_context.h is the model) so that this implementation on
// OpenSSL 3.0 EVP primitives can later be swapped for OpenSSL 3.2's native HPKE. A context keeps
// a sequence number: Seal and Open must be called in order and are not thread-safe; Export is.
#ifndef ENLACE_CRYPTO_HPKE_H_
#define ENLACE_CRYPTO_HPKE_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/bytes.h"
#include "base/env.h"
#include "crypto/aead.h"
#include "crypto/secret.h"
#include "crypto/x25519.h"

namespace enlace {

inline constexpr uint16_t kHpkeKemX25519HkdfSha256 = 0x0020;
inline constexpr uint16_t kHpkeKdfHkdfSha256 = 0x0001;
inline constexpr size_t kHpkeEncapsulatedKeySize = 32;

// The RFC 9180 AEAD identifier of `aead`.
uint16_t HpkeAeadId(AeadAlgorithm aead);
// The algorithm for an RFC 9180 AEAD identifier; INVALID_ARGUMENT for ids not offered here.
absl::StatusOr<AeadAlgorithm> AeadFromHpkeId(uint16_t aead_id);

class HpkeContext {
 public:
  virtual ~HpkeContext() = default;

  // Sender contexts only: encrypts with the next sequence number. FAILED_PRECONDITION on a
  // recipient context or when the sequence number is exhausted.
  virtual absl::StatusOr<Bytes> Seal(absl::string_view aad, absl::string_view plaintext) = 0;
  // Recipient contexts only: decrypts with the next sequence number; INVALID_ARGUMENT if the
  // ciphertext does not authenticate (the sequence number then does not advance).
  virtual absl::StatusOr<Bytes> Open(absl::string_view aad, absl::string_view ciphertext) = 0;
  // Secret export (RFC 9180 §5.3); `length` at most 255 * 32.
  virtual absl::StatusOr<SecretBytes> Export(absl::string_view exporter_context,
                                             size_t length) const = 0;
};

struct HpkeSender {
  Bytes encapsulated_key;  // "enc": send it to the recipient with the ciphertexts
  std::unique_ptr<HpkeContext> context;
};

// Encap to `recipient` with an ephemeral key derived from 32 bytes of `random` (RFC 9180
// DeriveKeyPair(random(32))). INVALID_ARGUMENT if `recipient` is a low-order point.
absl::StatusOr<HpkeSender> SetupBaseSender(AeadAlgorithm aead, const X25519PublicKey& recipient,
                                           absl::string_view info, RandomSource* random);
absl::StatusOr<HpkeSender> SetupAuthSender(AeadAlgorithm aead, const X25519PublicKey& recipient,
                                           const X25519PrivateKey& sender, absl::string_view info,
                                           RandomSource* random);

// INVALID_ARGUMENT if `encapsulated_key` is not 32 bytes or is a low-order point.
absl::StatusOr<std::unique_ptr<HpkeContext>> SetupBaseRecipient(AeadAlgorithm aead,
                                                                absl::string_view encapsulated_key,
                                                                const X25519PrivateKey& recipient,
                                                                absl::string_view info);
absl::StatusOr<std::unique_ptr<HpkeContext>> SetupAuthRecipient(AeadAlgorithm aead,
                                                                absl::string_view encapsulated_key,
                                                                const X25519PrivateKey& recipient,
                                                                const X25519PublicKey& sender,
                                                                absl::string_view info);

// DeriveKeyPair of DHKEM(X25519, HKDF-SHA256), RFC 9180 §7.1.3: a key pair from input keying
// material (at least 32 bytes of entropy).
absl::StatusOr<X25519PrivateKey> HpkeDeriveKeyPair(absl::string_view ikm);

}  // namespace enlace

#endif  // ENLACE_CRYPTO_HPKE_H_
