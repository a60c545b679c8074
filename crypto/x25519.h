// X25519 (RFC 7748) key agreement keys: the recipients' encryption keys and HPKE's KEM.
//
// X25519PublicKey is a copyable, immutable value; X25519PrivateKey is movable, not copyable, and
// wipes its secret. Both are thread-safe for concurrent const use.
#ifndef ENLACE_CRYPTO_X25519_H_
#define ENLACE_CRYPTO_X25519_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/bytes.h"
#include "base/env.h"
#include "crypto/internal/openssl_util.h"
#include "crypto/secret.h"

namespace enlace {

inline constexpr size_t kX25519KeySize = 32;

class X25519PublicKey;
namespace internal {
// X25519(private_key, peer) with the low-order check of ComputeSharedSecret, for callers that
// hold a bare OpenSSL key (HPKE's ephemeral key, which needs no key id or SPKI).
absl::StatusOr<SecretBytes> X25519SharedSecret(EVP_PKEY* private_key, const X25519PublicKey& peer);
}  // namespace internal

class X25519PublicKey {
 public:
  // The 32-byte u-coordinate of RFC 7748 §5. INVALID_ARGUMENT if the size is wrong. (Low-order
  // points are only detected when used: ComputeSharedSecret refuses them.)
  static absl::StatusOr<X25519PublicKey> FromRaw(absl::string_view raw32);
  // A DER SubjectPublicKeyInfo (RFC 8410) for an X25519 key, in its one canonical encoding.
  static absl::StatusOr<X25519PublicKey> FromSpkiDer(absl::string_view der);

  const Bytes& raw() const { return raw_; }
  Bytes SpkiDer() const { return spki_der_; }
  // First kKeyIdSize (signing.h) bytes of SHA-256(SpkiDer()).
  Bytes KeyId() const { return key_id_; }

  friend bool operator==(const X25519PublicKey& a, const X25519PublicKey& b) {
    return a.raw_ == b.raw_;
  }
  friend bool operator!=(const X25519PublicKey& a, const X25519PublicKey& b) { return !(a == b); }

 private:
  X25519PublicKey(internal::SharedEvpPkey key, Bytes raw, Bytes spki_der, Bytes key_id)
      : key_(std::move(key)),
        raw_(std::move(raw)),
        spki_der_(std::move(spki_der)),
        key_id_(std::move(key_id)) {}
  static absl::StatusOr<X25519PublicKey> FromEvpPkey(internal::EvpPkeyPtr key);
  friend class X25519PrivateKey;
  friend absl::StatusOr<SecretBytes> internal::X25519SharedSecret(EVP_PKEY* private_key,
                                                                  const X25519PublicKey& peer);

  internal::SharedEvpPkey key_;
  Bytes raw_;
  Bytes spki_der_;
  Bytes key_id_;
};

class X25519PrivateKey {
 public:
  // A fresh key: 32 bytes from `random` (the CSPRNG in production), clamped by X25519.
  static absl::StatusOr<X25519PrivateKey> Generate(RandomSource* random);
  // The key whose 32-byte scalar (RFC 7748 §5, before clamping) is `raw32`.
  static absl::StatusOr<X25519PrivateKey> FromRaw(const SecretBytes& raw32);

  X25519PrivateKey(X25519PrivateKey&&) = default;
  X25519PrivateKey& operator=(X25519PrivateKey&&) = default;
  X25519PrivateKey(const X25519PrivateKey&) = delete;
  X25519PrivateKey& operator=(const X25519PrivateKey&) = delete;

  // X25519(this, peer). INVALID_ARGUMENT if the result is all zeros, i.e. `peer` is a low-order
  // point (RFC 7748 §6.1, RFC 9180 §7.1.4): such a "shared" secret is known to everyone.
  absl::StatusOr<SecretBytes> ComputeSharedSecret(const X25519PublicKey& peer) const;

  const X25519PublicKey& public_key() const { return public_key_; }

  // The secret scalar, for writing an encrypted key file only (crypto/key_files.h).
  const SecretBytes& raw() const { return raw_; }

 private:
  X25519PrivateKey(SecretBytes raw, internal::EvpPkeyPtr key, X25519PublicKey public_key)
      : raw_(std::move(raw)), key_(std::move(key)), public_key_(std::move(public_key)) {}

  SecretBytes raw_;
  internal::EvpPkeyPtr key_;
  X25519PublicKey public_key_;
};

}  // namespace enlace

#endif  // ENLACE_CRYPTO_X25519_H_
