#include "crypto/x25519.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "crypto/internal/pkey.h"
#include "crypto/signing.h"

namespace enlace {

using internal::OpenSslError;

absl::StatusOr<X25519PublicKey> X25519PublicKey::FromEvpPkey(internal::EvpPkeyPtr key) {
  ASSIGN_OR_RETURN(Bytes raw, internal::RawPublicKeyOf(key.get()));
  Bytes spki = internal::SpkiDerFromRaw(EVP_PKEY_X25519, raw);
  ASSIGN_OR_RETURN(Bytes key_id, KeyIdFromSpki(spki));
  return X25519PublicKey(internal::Share(std::move(key)), std::move(raw), std::move(spki),
                         std::move(key_id));
}

absl::StatusOr<X25519PublicKey> X25519PublicKey::FromRaw(absl::string_view raw32) {
  ASSIGN_OR_RETURN(internal::EvpPkeyPtr key,
                   internal::PublicKeyFromRaw(EVP_PKEY_X25519, "X25519", raw32));
  return FromEvpPkey(std::move(key));
}

absl::StatusOr<X25519PublicKey> X25519PublicKey::FromSpkiDer(absl::string_view der) {
  ASSIGN_OR_RETURN(internal::EvpPkeyPtr key,
                   internal::PublicKeyFromSpkiDer(EVP_PKEY_X25519, "X25519", der));
  return FromEvpPkey(std::move(key));
}

absl::StatusOr<X25519PrivateKey> X25519PrivateKey::Generate(RandomSource* random) {
  ASSIGN_OR_RETURN(SecretBytes raw, SecretBytes::Random(kX25519KeySize, random));
  return FromRaw(raw);
}

absl::StatusOr<X25519PrivateKey> X25519PrivateKey::FromRaw(const SecretBytes& raw32) {
  ASSIGN_OR_RETURN(internal::EvpPkeyPtr key,
                   internal::PrivateKeyFromRaw(EVP_PKEY_X25519, "X25519", raw32));
  ASSIGN_OR_RETURN(Bytes raw_public, internal::RawPublicKeyOf(key.get()));
  ASSIGN_OR_RETURN(X25519PublicKey public_key, X25519PublicKey::FromRaw(raw_public));
  return X25519PrivateKey(raw32, std::move(key), std::move(public_key));
}

absl::StatusOr<SecretBytes> X25519PrivateKey::ComputeSharedSecret(
    const X25519PublicKey& peer) const {
  return internal::X25519SharedSecret(key_.get(), peer);
}

namespace internal {

absl::StatusOr<SecretBytes> X25519SharedSecret(EVP_PKEY* private_key, const X25519PublicKey& peer) {
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(private_key, nullptr));
  if (ctx == nullptr) return OpenSslError("EVP_PKEY_CTX_new (X25519)");
  if (EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer(ctx.get(), peer.key_.get()) != 1) {
    return OpenSslError("X25519 derive setup");
  }
  SecretBytes shared(kX25519KeySize);
  size_t size = shared.size();
  const int derived = EVP_PKEY_derive(ctx.get(), shared.data(), &size);
  // OpenSSL itself fails on an all-zero result; the explicit check keeps the guarantee even if a
  // future provider did not.
  static constexpr uint8_t kZero[kX25519KeySize] = {};
  if (derived != 1 || size != kX25519KeySize ||
      CRYPTO_memcmp(shared.data(), kZero, kX25519KeySize) == 0) {
    ClearOpenSslErrors();
    return absl::InvalidArgumentError(
        absl::StrCat("X25519 refused public key ", HexEncode(peer.raw()),
                     ": it is a low-order point (the shared secret would be all zeros)"));
  }
  return shared;
}

}  // namespace internal

}  // namespace enlace
