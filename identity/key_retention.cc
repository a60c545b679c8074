#include "identity/key_retention.h"

#include <algorithm>

namespace enlace {

absl::Time DestroyableAt(const KeyValidity& key, absl::Duration retention) {
  const absl::Time end = key.revoked_at ? std::min(key.not_after, *key.revoked_at) : key.not_after;
  return key.kind == KeyKind::kEncryption ? end + retention : end;
}

std::vector<Bytes> PrivateKeysToDestroy(absl::Span<const KeyValidity> held, absl::Time now,
                                        absl::Duration retention) {
  std::vector<Bytes> out;
  for (const KeyValidity& key : held) {
    if (now >= DestroyableAt(key, retention)) out.push_back(key.key_id);
  }
  return out;
}

}  // namespace enlace
