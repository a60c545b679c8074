// The keystore's destruction rule: which private keys a participant may (and should) delete.
//
// Rotation gives a participant overlapping keys. Once a key stops being valid it is kept only as
// long as it can still be needed:
//   - a signing key signs nothing after its end (not_after, or its revocation), so it may be
//     destroyed at that end; so may a TLS certificate's key (KeyKind::kCertificate);
//   - an encryption key may still be needed to open messages encrypted to it before its end and
//     delivered later: messages wait at most `retention` at the hub (the hub purges older ones),
//     so it may be destroyed at end + retention, and must be then, so that a later compromise of
//     the node cannot open old messages (forward secrecy by epoch).
#ifndef ENLACE_IDENTITY_KEY_RETENTION_H_
#define ENLACE_IDENTITY_KEY_RETENTION_H_

#include <vector>

#include "absl/time/time.h"
#include "absl/types/span.h"
#include "base/bytes.h"
#include "identity/directory.h"

namespace enlace {

// The instant after which the private half of `key` may be destroyed.
absl::Time DestroyableAt(const KeyValidity& key, absl::Duration retention);

// The key ids among `held` whose private halves may be destroyed at `now`, in the given order.
std::vector<Bytes> PrivateKeysToDestroy(absl::Span<const KeyValidity> held, absl::Time now,
                                        absl::Duration retention);

}  // namespace enlace

#endif  // ENLACE_IDENTITY_KEY_RETENTION_H_
