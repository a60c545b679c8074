// ECDSA P-256 / SHA-256 verification. Not API: enlace signs with Ed25519; this exists for the
// Wycheproof runner (the vectors folder ships the ECDSA file, and our TLS certificates use the
// same curve through OpenSSL).
#ifndef ENLACE_CRYPTO_INTERNAL_ECDSA_H_
#define ENLACE_CRYPTO_INTERNAL_ECDSA_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace enlace::internal {

// OK iff `der_signature` (an ASN.1 DER ECDSA-Sig-Value) signs SHA-256(`message`) under the
// P-256 key in `spki_der`. INVALID_ARGUMENT for a bad key, signature or encoding.
absl::Status VerifyEcdsaP256Sha256(absl::string_view spki_der, absl::string_view message,
                                   absl::string_view der_signature);

}  // namespace enlace::internal

#endif  // ENLACE_CRYPTO_INTERNAL_ECDSA_H_
