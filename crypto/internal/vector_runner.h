// Runs public test-vector files (Wycheproof, RFC 9180 HPKE, RFC 8032 Ed25519) through enlace's
// primitives. The engine of build/bin/crypto_vectors; not API.
//
// Every case is judged: Wycheproof "valid" must succeed with exactly the expected output,
// "invalid" must fail, "acceptable" may do either (if it succeeds, the output must match) except
// where enlace's policy is stricter: an X25519 case flagged ZeroSharedSecret must be refused
// (RFC 9180 §7.1.4). A case whose parameters OpenSSL 3.0 cannot take at all (AES-GCM IVs over
// 128 bytes) is reported as skipped, never as passed. The algorithm is told from the file itself
// ("algorithm", group parameters), so newer files of the same algorithms run unchanged.
#ifndef ENLACE_CRYPTO_INTERNAL_VECTOR_RUNNER_H_
#define ENLACE_CRYPTO_INTERNAL_VECTOR_RUNNER_H_

#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace enlace::internal {

enum class VectorFormat {
  kWycheproof,  // any Wycheproof JSON for X25519, Ed25519, AES-GCM, ChaCha20-Poly1305,
                // HKDF-SHA256, HMAC-SHA256 or ECDSA P-256/SHA-256
  kHpke,        // RFC 9180's test-vectors.json (entries of other suites are skipped)
  kRfc8032,     // {"tests": [{secret_key, public_key, message, signature}]}
};

struct VectorTally {
  int passed = 0;
  int failed = 0;
  int skipped = 0;
};

// Judges every case of the file at `path`, writing one line per failing or skipped case to
// `out`. Errors (not tallies): the file cannot be read or parsed, names an algorithm this runner
// does not know, or holds no applicable case at all.
absl::StatusOr<VectorTally> RunVectorFile(VectorFormat format, const std::string& path,
                                          std::ostream& out);

}  // namespace enlace::internal

#endif  // ENLACE_CRYPTO_INTERNAL_VECTOR_RUNNER_H_
