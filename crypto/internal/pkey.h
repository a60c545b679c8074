// EVP_PKEY conversions shared by the Ed25519 and X25519 key types. Not API.
#ifndef ENLACE_CRYPTO_INTERNAL_PKEY_H_
#define ENLACE_CRYPTO_INTERNAL_PKEY_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/bytes.h"
#include "crypto/internal/openssl_util.h"
#include "crypto/secret.h"

namespace enlace::internal {

// `type` is EVP_PKEY_ED25519 or EVP_PKEY_X25519; `name` is used in error messages.
absl::StatusOr<EvpPkeyPtr> PublicKeyFromRaw(int type, absl::string_view name,
                                            absl::string_view raw32);
absl::StatusOr<EvpPkeyPtr> PrivateKeyFromRaw(int type, absl::string_view name,
                                             const SecretBytes& raw32);

// Parses a DER SubjectPublicKeyInfo holding a key of `type`; refuses trailing bytes, other key
// types and any non-canonical encoding (the input must re-encode to the same bytes).
absl::StatusOr<EvpPkeyPtr> PublicKeyFromSpkiDer(int type, absl::string_view name,
                                                absl::string_view der);

// The canonical DER SubjectPublicKeyInfo of RFC 8410 for a raw 32-byte key of `type`: a fixed
// 12-byte prefix (SEQUENCE, AlgorithmIdentifier with the OID, BIT STRING header), then the key.
// Built directly because OpenSSL 3.0's generic encoder (i2d_PUBKEY) costs ~30 us per call, as much
// as an X25519 operation; a test checks it against i2d_PUBKEY.
Bytes SpkiDerFromRaw(int type, absl::string_view raw32);
absl::StatusOr<Bytes> RawPublicKeyOf(EVP_PKEY* key);
absl::StatusOr<SecretBytes> RawPrivateKeyOf(EVP_PKEY* key);

}  // namespace enlace::internal

#endif  // ENLACE_CRYPTO_INTERNAL_PKEY_H_
