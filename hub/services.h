// The hub's gRPC services (callback API): thin classes that identify the caller from its client
// certificate (net/peer.h), ask the exchange core (hub/exchange.h) and translate protos and
// statuses (net/status.h). No decision is taken here that the core does not take.
#ifndef ENLACE_HUB_SERVICES_H_
#define ENLACE_HUB_SERVICES_H_

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "enlace/v1/hub_service.grpc.pb.h"
#include "hub/exchange.h"
#include "net/peer.h"

namespace enlace::hub {

// The caller's verified participant id and certificate, WITHOUT the directory check (Submit
// makes it inside the core, so that refusals are logged). `cache` spares parsing a certificate
// seen before (net/peer_cache.h).
absl::StatusOr<Caller> Authenticate(const Exchange& exchange,
                                    const grpc::CallbackServerContext& context,
                                    PeerCertificateCache* cache = nullptr);
// Authenticate, then the directory's per-call rule (Exchange::CheckCaller), on every call.
absl::StatusOr<Caller> Admit(const Exchange& exchange, const grpc::CallbackServerContext& context,
                             PeerCertificateCache* cache = nullptr);

class ExchangeService final : public v1::Exchange::CallbackService {
 public:
  explicit ExchangeService(Exchange* exchange) : exchange_(exchange) {}

  grpc::ServerUnaryReactor* Submit(grpc::CallbackServerContext* context,
                                   const v1::SubmitRequest* request,
                                   v1::SubmitResponse* response) override;
  grpc::ServerReadReactor<v1::SubmitStreamRequest>* SubmitStream(
      grpc::CallbackServerContext* context, v1::SubmitResponse* response) override;
  grpc::ServerWriteReactor<v1::Delivery>* Subscribe(grpc::CallbackServerContext* context,
                                                    const v1::SubscribeRequest* request) override;
  grpc::ServerUnaryReactor* Ack(grpc::CallbackServerContext* context, const v1::AckRequest* request,
                                v1::AckResponse* response) override;
  grpc::ServerUnaryReactor* GetReceipt(grpc::CallbackServerContext* context,
                                       const v1::GetReceiptRequest* request,
                                       v1::GetReceiptResponse* response) override;

 private:
  Exchange* const exchange_;
  // The nodes' certificates, parsed once instead of on every Submit and Ack.
  PeerCertificateCache peer_certificates_;
};

class DirectoryService final : public v1::DirectoryService::CallbackService {
 public:
  explicit DirectoryService(Exchange* exchange) : exchange_(exchange) {}
  grpc::ServerUnaryReactor* Get(grpc::CallbackServerContext* context,
                                const v1::GetDirectoryRequest* request,
                                v1::GetDirectoryResponse* response) override;

 private:
  Exchange* const exchange_;
};

// Admin role only: any other caller gets PERMISSION_DENIED.
class AdminService final : public v1::Admin::CallbackService {
 public:
  explicit AdminService(Exchange* exchange) : exchange_(exchange) {}
  grpc::ServerUnaryReactor* PublishDirectory(grpc::CallbackServerContext* context,
                                             const v1::PublishDirectoryRequest* request,
                                             v1::PublishDirectoryResponse* response) override;
  grpc::ServerUnaryReactor* CreateBackup(grpc::CallbackServerContext* context,
                                         const v1::CreateBackupRequest* request,
                                         v1::CreateBackupResponse* response) override;

 private:
  Exchange* const exchange_;
};

}  // namespace enlace::hub

#endif  // ENLACE_HUB_SERVICES_H_
