// Ed25519 signatures (RFC 8032, pure Ed25519) and the one signing-input encoding of enlace.
//
//   Bytes input = SigningInput("enlace/v1/tree-head", {size_bytes, root_hash, time_bytes});
//   ASSIGN_OR_RETURN(Bytes signature, private_key.Sign(input));
//   RETURN_IF_ERROR(public_key.Verify(input, signature));
//
// Everything enlace signs (envelopes, tree heads, receipts, directories, acks) is signed over
// SigningInput(domain, fields), never over ad-hoc concatenations: the domain label keeps a
// signature made for one purpose from being accepted for another, and the length prefixes keep
// two different field lists from producing the same bytes. The byte layout is in
// docs/protocol.md ("Signing input").
//
// Keys are values: Ed25519PublicKey is copyable and immutable; Ed25519PrivateKey is movable, not
// copyable, and wipes its seed. Both are thread-safe for concurrent const use.
#ifndef ENLACE_CRYPTO_SIGNING_H_
#define ENLACE_CRYPTO_SIGNING_H_

#include <cstddef>
#include <initializer_list>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/bytes.h"
#include "base/env.h"
#include "crypto/internal/openssl_util.h"
#include "crypto/secret.h"

namespace enlace {

// uint32 length + domain, then uint32 length + field for each field (base/bytes.h
// AppendLengthPrefixed, big-endian). Every field must be shorter than 2^32 bytes, which all of
// enlace's bounded inputs are.
Bytes SigningInput(absl::string_view domain, std::initializer_list<absl::string_view> fields);

// A key id names a public key: the first kKeyIdSize bytes of SHA-256(SubjectPublicKeyInfo DER).
inline constexpr size_t kKeyIdSize = 16;
absl::StatusOr<Bytes> KeyIdFromSpki(absl::string_view spki_der);

inline constexpr size_t kEd25519PublicKeySize = 32;
inline constexpr size_t kEd25519SeedSize = 32;
inline constexpr size_t kEd25519SignatureSize = 64;

class Ed25519PublicKey {
 public:
  // The 32-byte encoding of RFC 8032 §5.1.2. INVALID_ARGUMENT if the size is wrong.
  static absl::StatusOr<Ed25519PublicKey> FromRaw(absl::string_view raw32);
  // A DER SubjectPublicKeyInfo (RFC 8410) for an Ed25519 key, in its one canonical encoding.
  // INVALID_ARGUMENT if it is not exactly that.
  static absl::StatusOr<Ed25519PublicKey> FromSpkiDer(absl::string_view der);

  // OK iff `signature` is a valid Ed25519 signature of `message` by this key (OpenSSL rejects
  // non-canonical S, so signatures are not malleable). INVALID_ARGUMENT otherwise, saying why
  // and naming the key by its id.
  absl::Status Verify(absl::string_view message, absl::string_view signature) const;

  const Bytes& raw() const { return raw_; }
  Bytes SpkiDer() const { return spki_der_; }
  Bytes KeyId() const { return key_id_; }

  friend bool operator==(const Ed25519PublicKey& a, const Ed25519PublicKey& b) {
    return a.raw_ == b.raw_;
  }
  friend bool operator!=(const Ed25519PublicKey& a, const Ed25519PublicKey& b) { return !(a == b); }

 private:
  Ed25519PublicKey(internal::SharedEvpPkey key, Bytes raw, Bytes spki_der, Bytes key_id)
      : key_(std::move(key)),
        raw_(std::move(raw)),
        spki_der_(std::move(spki_der)),
        key_id_(std::move(key_id)) {}
  static absl::StatusOr<Ed25519PublicKey> FromEvpPkey(internal::EvpPkeyPtr key);
  friend class Ed25519PrivateKey;

  internal::SharedEvpPkey key_;
  Bytes raw_;
  Bytes spki_der_;
  Bytes key_id_;
};

class Ed25519PrivateKey {
 public:
  // A fresh key from `random` (the CSPRNG in production).
  static absl::StatusOr<Ed25519PrivateKey> Generate(RandomSource* random);
  // The key whose 32-byte private seed (RFC 8032 §5.1.5 "private key") is `seed32`.
  static absl::StatusOr<Ed25519PrivateKey> FromSeed(const SecretBytes& seed32);

  Ed25519PrivateKey(Ed25519PrivateKey&&) = default;
  Ed25519PrivateKey& operator=(Ed25519PrivateKey&&) = default;
  Ed25519PrivateKey(const Ed25519PrivateKey&) = delete;
  Ed25519PrivateKey& operator=(const Ed25519PrivateKey&) = delete;

  // The 64-byte signature R || S of `message`. Ed25519 is deterministic.
  absl::StatusOr<Bytes> Sign(absl::string_view message) const;
  const Ed25519PublicKey& public_key() const { return public_key_; }

  // The secret seed, for writing an encrypted key file only (crypto/key_files.h).
  const SecretBytes& seed() const { return seed_; }

 private:
  Ed25519PrivateKey(SecretBytes seed, internal::EvpPkeyPtr key, Ed25519PublicKey public_key)
      : seed_(std::move(seed)), key_(std::move(key)), public_key_(std::move(public_key)) {}

  SecretBytes seed_;
  internal::EvpPkeyPtr key_;  // OpenSSL cleanses its own copy when freed
  Ed25519PublicKey public_key_;
};

}  // namespace enlace

#endif  // ENLACE_CRYPTO_SIGNING_H_
