// SHA-256 (one-shot and incremental) and constant-time comparison.
//
//   ASSIGN_OR_RETURN(Sha256Digest digest, Sha256(bytes));
//
// Errors are INTERNAL and only come from OpenSSL failing (e.g. out of memory); they never depend
// on the input. All functions are thread-safe; a Sha256Hasher is used by one thread at a time.
#ifndef ENLACE_CRYPTO_HASH_H_
#define ENLACE_CRYPTO_HASH_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/bytes.h"
#include "crypto/internal/openssl_util.h"

namespace enlace {

inline constexpr size_t kSha256Size = 32;
using Sha256Digest = std::array<uint8_t, kSha256Size>;

absl::StatusOr<Sha256Digest> Sha256(absl::string_view data);

// The digest as a byte string (what protobuf `bytes` fields and signing inputs take).
inline Bytes DigestBytes(const Sha256Digest& digest) {
  return Bytes(reinterpret_cast<const char*>(digest.data()), digest.size());
}

// Incremental SHA-256 for data that arrives in pieces (e.g. a stream or a Merkle node's parts).
class Sha256Hasher {
 public:
  static absl::StatusOr<Sha256Hasher> Create();

  Sha256Hasher(Sha256Hasher&&) = default;
  Sha256Hasher& operator=(Sha256Hasher&&) = default;

  absl::Status Update(absl::string_view data);
  // The digest of everything given since Create() or Reset(). Afterwards the hasher must be
  // Reset() before further use (Update/Finish without it fail with FAILED_PRECONDITION).
  absl::StatusOr<Sha256Digest> Finish();
  // Starts a new digest.
  absl::Status Reset();

 private:
  explicit Sha256Hasher(internal::EvpMdCtxPtr ctx) : ctx_(std::move(ctx)) {}

  internal::EvpMdCtxPtr ctx_;
  bool finished_ = false;
};

// True iff `a` and `b` have the same size and bytes. The time taken depends only on the sizes,
// never on the contents, so it is safe for MACs, tags and other secrets. False if sizes differ.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace enlace

#endif  // ENLACE_CRYPTO_HASH_H_
