// Parsed peer certificates by the exact PEM text gRPC hands over for a connection, so that a
// service does not parse the same certificate again on every call (parsing was ~40 % of the hub's
// CPU under load, docs/performance.md). Only the parse is cached: what depends on time or on the
// directory (revocation, suspension, whether the certificate is current) is still decided per call
// by the caller's checks (net/peer.h AdmitCaller, Exchange::CheckCaller). Parsing checks nothing
// that depends on time, so a cached certificate is exactly what a fresh parse would give.
//
//   PeerCertificateCache cache;  // owned by the service, one per server
//   absl::StatusOr<Caller> caller = AuthenticatePeer(auth_context, rules, &cache);
#ifndef ENLACE_NET_PEER_CACHE_H_
#define ENLACE_NET_PEER_CACHE_H_

#include <cstddef>
#include <deque>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "identity/x509.h"

namespace enlace {

// Certificate::FromPem, shared (what the cache holds; also the uncached path).
absl::StatusOr<std::shared_ptr<const Certificate>> SharedCertificateFromPem(absl::string_view pem);

// Thread-safe and bounded: at most capacity() certificates; when full, the one parsed longest ago
// makes room. Parse failures are returned and never kept.
class PeerCertificateCache {
 public:
  // A network has tens of participants with one or two current certificates each.
  static constexpr size_t kDefaultCapacity = 256;

  explicit PeerCertificateCache(size_t capacity = kDefaultCapacity);
  PeerCertificateCache(const PeerCertificateCache&) = delete;
  PeerCertificateCache& operator=(const PeerCertificateCache&) = delete;

  // The certificate `pem` holds: the one parsed earlier from exactly these bytes, or parsed now.
  absl::StatusOr<std::shared_ptr<const Certificate>> Parse(absl::string_view pem);

  size_t size() const;
  size_t capacity() const { return capacity_; }

 private:
  const size_t capacity_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const Certificate>> entries_
      ABSL_GUARDED_BY(mu_);
  std::deque<std::string> insertion_order_ ABSL_GUARDED_BY(mu_);  // the keys, oldest first
};

}  // namespace enlace

#endif  // ENLACE_NET_PEER_CACHE_H_
