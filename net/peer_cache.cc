#include "net/peer_cache.h"

#include <algorithm>
#include <utility>

#include "base/status_macros.h"

namespace enlace {

absl::StatusOr<std::shared_ptr<const Certificate>> SharedCertificateFromPem(absl::string_view pem) {
  ASSIGN_OR_RETURN(Certificate cert, Certificate::FromPem(pem));
  return std::make_shared<const Certificate>(std::move(cert));
}

PeerCertificateCache::PeerCertificateCache(size_t capacity)
    : capacity_(std::max<size_t>(capacity, 1)) {}

absl::StatusOr<std::shared_ptr<const Certificate>> PeerCertificateCache::Parse(
    absl::string_view pem) {
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = entries_.find(pem);
    if (it != entries_.end()) return it->second;
  }
  // Parsed outside the lock: two threads may parse the same new PEM once each; the first kept wins.
  ASSIGN_OR_RETURN(std::shared_ptr<const Certificate> cert, SharedCertificateFromPem(pem));
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = entries_.try_emplace(std::string(pem), std::move(cert));
  if (!inserted) return it->second;
  insertion_order_.push_back(it->first);
  std::shared_ptr<const Certificate> result = it->second;  // copied before the erasures below
  while (entries_.size() > capacity_) {
    entries_.erase(insertion_order_.front());
    insertion_order_.pop_front();
  }
  return result;
}

size_t PeerCertificateCache::size() const {
  absl::ReaderMutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace enlace
