// HubPort over gRPC: one mutual-TLS channel to the hub (net/tls.h), whose certificate must name
// the participant "hub". Every call has the configured deadline; Subscribe has none.
#ifndef ENLACE_NODE_HUB_CLIENT_H_
#define ENLACE_NODE_HUB_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "enlace/v1/auditlog_service.grpc.pb.h"
#include "enlace/v1/hub_service.grpc.pb.h"
#include "node/hub_port.h"

namespace enlace::node {

class HubClient : public HubPort {
 public:
  static constexpr size_t kStreamedSubmitPiece = 1 << 20;

  struct Options {
    std::string address;  // host:port
    std::shared_ptr<grpc::ChannelCredentials> credentials;
    grpc::ChannelArguments channel_arguments;
    absl::Duration call_timeout = absl::Seconds(30);
  };
  explicit HubClient(Options options);

  // Waits up to `timeout` for the channel to connect; UNAVAILABLE if it does not.
  absl::Status WaitForConnected(absl::Duration timeout);
  // True if the channel is connected now (or idle and able to connect).
  bool Reachable();

  // Envelopes larger than kStreamedSubmitPiece go with SubmitStream: the head, then the payload
  // in pieces of that size (what the hub stores and hashes is the same bytes either way).
  absl::StatusOr<v1::SubmitResponse> Submit(absl::string_view envelope) override;
  absl::StatusOr<v1::AckResponse> Ack(const v1::AckRequest& request) override;
  absl::StatusOr<v1::GetReceiptResponse> GetReceipt(absl::string_view message_id) override;
  absl::Status Subscribe(
      uint64_t after_sequence,
      const std::function<absl::Status(const v1::Delivery&)>& on_delivery) override;
  void CancelSubscribe() override;
  absl::StatusOr<v1::GetDirectoryResponse> GetDirectory(uint64_t known_version) override;
  absl::StatusOr<v1::LogInfo> GetLogInfo() override;
  absl::StatusOr<v1::TreeHead> GetTreeHead(uint64_t tree_size) override;
  absl::StatusOr<v1::InclusionProof> GetInclusionProof(uint64_t leaf_index,
                                                       uint64_t tree_size) override;
  absl::StatusOr<v1::ConsistencyProof> GetConsistencyProof(uint64_t first_size,
                                                           uint64_t second_size) override;
  absl::StatusOr<v1::ListEntriesResponse> ListEntries(uint64_t start_index,
                                                      uint32_t max_entries) override;

 private:
  absl::StatusOr<v1::SubmitResponse> SubmitStream(absl::string_view envelope);

  Options options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Exchange::Stub> exchange_;
  std::unique_ptr<v1::DirectoryService::Stub> directory_;
  std::unique_ptr<v1::AuditLog::Stub> audit_;
  absl::Mutex mu_;
  grpc::ClientContext* subscribe_context_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace enlace::node

#endif  // ENLACE_NODE_HUB_CLIENT_H_
