// What the node asks of the hub: the seam between the node's core and the network. The real
// implementation is HubClient (node/hub_client.h, gRPC over mutual TLS); tests put a fake or a
// tampering hub here. No gRPC types cross this interface: errors are absl::Status with the
// hub's codes (net/status.h), messages are the hub's protobufs.
//
// Implementations are thread-safe: the daemon's sender, subscriber and witness threads call
// concurrently.
#ifndef ENLACE_NODE_HUB_PORT_H_
#define ENLACE_NODE_HUB_PORT_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "enlace/v1/auditlog_service.pb.h"
#include "enlace/v1/hub_service.pb.h"

namespace enlace::node {

class HubPort {
 public:
  virtual ~HubPort() = default;

  // Exchange. Submit takes any serialized envelope the node sends; how it travels (Submit, or
  // SubmitStream for a large one) is the implementation's business.
  virtual absl::StatusOr<v1::SubmitResponse> Submit(absl::string_view envelope) = 0;
  virtual absl::StatusOr<v1::AckResponse> Ack(const v1::AckRequest& request) = 0;
  virtual absl::StatusOr<v1::GetReceiptResponse> GetReceipt(absl::string_view message_id) = 0;
  // Streams the mailbox after `after_sequence` to `on_delivery` until the stream ends, fails,
  // `on_delivery` returns an error (returned here), or CancelSubscribe() is called (OK).
  virtual absl::Status Subscribe(
      uint64_t after_sequence,
      const std::function<absl::Status(const v1::Delivery&)>& on_delivery) = 0;
  // Ends a Subscribe in progress (from another thread); harmless when none is.
  virtual void CancelSubscribe() = 0;

  // DirectoryService.
  virtual absl::StatusOr<v1::GetDirectoryResponse> GetDirectory(uint64_t known_version) = 0;

  // AuditLog.
  virtual absl::StatusOr<v1::LogInfo> GetLogInfo() = 0;
  virtual absl::StatusOr<v1::TreeHead> GetTreeHead(uint64_t tree_size) = 0;
  virtual absl::StatusOr<v1::InclusionProof> GetInclusionProof(uint64_t leaf_index,
                                                               uint64_t tree_size) = 0;
  virtual absl::StatusOr<v1::ConsistencyProof> GetConsistencyProof(uint64_t first_size,
                                                                   uint64_t second_size) = 0;
  virtual absl::StatusOr<v1::ListEntriesResponse> ListEntries(uint64_t start_index,
                                                              uint32_t max_entries) = 0;
};

}  // namespace enlace::node

#endif  // ENLACE_NODE_HUB_PORT_H_
