// Test support: a HubPort whose every call fails as if the hub were down.
#ifndef ENLACE_NODE_TESTING_UNREACHABLE_HUB_H_
#define ENLACE_NODE_TESTING_UNREACHABLE_HUB_H_

#include "node/hub_port.h"

namespace enlace::node::testing {

class UnreachableHub : public HubPort {
 public:
  absl::StatusOr<v1::SubmitResponse> Submit(absl::string_view) override { return Down(); }
  absl::StatusOr<v1::AckResponse> Ack(const v1::AckRequest&) override { return Down(); }
  absl::StatusOr<v1::GetReceiptResponse> GetReceipt(absl::string_view) override { return Down(); }
  absl::Status Subscribe(uint64_t,
                         const std::function<absl::Status(const v1::Delivery&)>&) override {
    return Down();
  }
  void CancelSubscribe() override {}
  absl::StatusOr<v1::GetDirectoryResponse> GetDirectory(uint64_t) override { return Down(); }
  absl::StatusOr<v1::LogInfo> GetLogInfo() override { return Down(); }
  absl::StatusOr<v1::TreeHead> GetTreeHead(uint64_t) override { return Down(); }
  absl::StatusOr<v1::InclusionProof> GetInclusionProof(uint64_t, uint64_t) override {
    return Down();
  }
  absl::StatusOr<v1::ConsistencyProof> GetConsistencyProof(uint64_t, uint64_t) override {
    return Down();
  }
  absl::StatusOr<v1::ListEntriesResponse> ListEntries(uint64_t, uint32_t) override {
    return Down();
  }

 private:
  static absl::Status Down() { return absl::UnavailableError("hub unreachable (test)"); }
};

}  // namespace enlace::node::testing

#endif  // ENLACE_NODE_TESTING_UNREACHABLE_HUB_H_
