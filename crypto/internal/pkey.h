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

absl::StatusOr<Bytes> SpkiDerOf(EVP_PKEY* key);
absl::StatusOr<Bytes> RawPublicKeyOf(EVP_PKEY* key);
absl::StatusOr<SecretBytes> RawPrivateKeyOf(EVP_PKEY* key);

}  // namespace enlace::internal

#endif  // ENLACE_CRYPTO_INTERNAL_PKEY_H_
