#include "node/hub_client.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "net/status.h"

namespace enlace::node {
namespace {

// The hub's status, with what was asked in front of its message.
absl::Status Failed(absl::string_view call, const grpc::Status& status) {
  absl::Status converted = FromGrpcStatus(status);
  return absl::Status(converted.code(), absl::StrCat("hub ", call, ": ", converted.message()));
}

// One unary call with the client's deadline; the hub's status names the call on failure.
template <typename Stub, typename Request, typename Response>
absl::StatusOr<Response> Unary(absl::string_view name, Stub* stub,
                               grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                            Response*),
                               const Request& request, absl::Duration timeout) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  Response response;
  grpc::Status status = (stub->*method)(&context, request, &response);
  if (!status.ok()) return Failed(name, status);
  return response;
}

}  // namespace

HubClient::HubClient(Options options) : options_(std::move(options)) {
  channel_ =
      grpc::CreateCustomChannel(options_.address, options_.credentials, options_.channel_arguments);
  exchange_ = v1::Exchange::NewStub(channel_);
  directory_ = v1::DirectoryService::NewStub(channel_);
  audit_ = v1::AuditLog::NewStub(channel_);
}

absl::Status HubClient::WaitForConnected(absl::Duration timeout) {
  if (channel_->WaitForConnected(absl::ToChronoTime(absl::Now() + timeout))) {
    return absl::OkStatus();
  }
  return absl::UnavailableError(absl::StrCat(
      "the hub at ", options_.address, " did not answer within ", absl::FormatDuration(timeout)));
}

bool HubClient::Reachable() {
  grpc_connectivity_state state = channel_->GetState(/*try_to_connect=*/true);
  return state == GRPC_CHANNEL_READY || state == GRPC_CHANNEL_IDLE;
}

absl::StatusOr<v1::SubmitResponse> HubClient::Submit(absl::string_view envelope) {
  if (envelope.size() > kStreamedSubmitPiece) return SubmitStream(envelope);
  v1::SubmitRequest request;
  request.set_envelope(std::string(envelope));
  return Unary("Submit", exchange_.get(), &v1::Exchange::Stub::Submit, request,
               options_.call_timeout);
}

absl::StatusOr<v1::SubmitResponse> HubClient::SubmitStream(absl::string_view envelope) {
  v1::Envelope parts;
  if (!parts.ParseFromArray(envelope.data(), static_cast<int>(envelope.size()))) {
    return absl::InvalidArgumentError("hub SubmitStream: the envelope does not parse");
  }
  const std::string& payload = parts.payload();
  const size_t pieces = (payload.size() + kStreamedSubmitPiece - 1) / kStreamedSubmitPiece;
  grpc::ClientContext context;
  // The call's timeout, plus time for the pieces at no less than 0.5 MiB/s.
  context.set_deadline(
      absl::ToChronoTime(absl::Now() + options_.call_timeout + absl::Seconds(2 * pieces)));
  v1::SubmitResponse response;
  std::unique_ptr<grpc::ClientWriter<v1::SubmitStreamRequest>> writer =
      exchange_->SubmitStream(&context, &response);
  v1::SubmitStreamRequest head;
  head.mutable_head()->set_header(parts.header());
  *head.mutable_head()->mutable_wraps() = parts.wraps();
  head.mutable_head()->set_signature(parts.signature());
  head.mutable_head()->set_payload_size(payload.size());
  bool open = writer->Write(head);
  for (size_t i = 0; open && i < pieces; ++i) {
    v1::SubmitStreamRequest piece;
    piece.set_payload_chunk(payload.substr(i * kStreamedSubmitPiece, kStreamedSubmitPiece));
    open = writer->Write(piece);
  }
  if (open) writer->WritesDone();
  grpc::Status status = writer->Finish();  // the hub's answer, also when it stopped the upload
  if (!status.ok()) return Failed("SubmitStream", status);
  return response;
}

absl::StatusOr<v1::AckResponse> HubClient::Ack(const v1::AckRequest& request) {
  return Unary("Ack", exchange_.get(), &v1::Exchange::Stub::Ack, request, options_.call_timeout);
}

absl::StatusOr<v1::GetReceiptResponse> HubClient::GetReceipt(absl::string_view message_id) {
  v1::GetReceiptRequest request;
  request.set_message_id(std::string(message_id));
  return Unary("GetReceipt", exchange_.get(), &v1::Exchange::Stub::GetReceipt, request,
               options_.call_timeout);
}

absl::Status HubClient::Subscribe(
    uint64_t after_sequence, const std::function<absl::Status(const v1::Delivery&)>& on_delivery) {
  grpc::ClientContext context;
  {
    absl::MutexLock lock(&mu_);
    if (cancelled_) {  // cancelled before the stream started
      cancelled_ = false;
      return absl::OkStatus();
    }
    subscribe_context_ = &context;
  }
  v1::SubscribeRequest request;
  request.set_after_sequence(after_sequence);
  std::unique_ptr<grpc::ClientReader<v1::Delivery>> reader =
      exchange_->Subscribe(&context, request);
  absl::Status handler_status;
  v1::Delivery delivery;
  while (reader->Read(&delivery)) {
    handler_status = on_delivery(delivery);
    if (!handler_status.ok()) {
      context.TryCancel();
      break;
    }
  }
  grpc::Status status = reader->Finish();
  bool cancelled;
  {
    absl::MutexLock lock(&mu_);
    subscribe_context_ = nullptr;
    cancelled = cancelled_;
    cancelled_ = false;
  }
  if (!handler_status.ok()) return handler_status;
  if (cancelled) return absl::OkStatus();
  if (status.ok()) return absl::UnavailableError("hub Subscribe: the hub ended the stream");
  return Failed("Subscribe", status);
}

void HubClient::CancelSubscribe() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  if (subscribe_context_ != nullptr) subscribe_context_->TryCancel();
}

absl::StatusOr<v1::GetDirectoryResponse> HubClient::GetDirectory(uint64_t known_version) {
  v1::GetDirectoryRequest request;
  request.set_known_version(known_version);
  return Unary("Directory.Get", directory_.get(), &v1::DirectoryService::Stub::Get, request,
               options_.call_timeout);
}

absl::StatusOr<v1::LogInfo> HubClient::GetLogInfo() {
  return Unary("GetLogInfo", audit_.get(), &v1::AuditLog::Stub::GetLogInfo, v1::GetLogInfoRequest(),
               options_.call_timeout);
}

absl::StatusOr<v1::TreeHead> HubClient::GetTreeHead(uint64_t tree_size) {
  v1::GetTreeHeadRequest request;
  request.set_tree_size(tree_size);
  return Unary("GetTreeHead", audit_.get(), &v1::AuditLog::Stub::GetTreeHead, request,
               options_.call_timeout);
}

absl::StatusOr<v1::InclusionProof> HubClient::GetInclusionProof(uint64_t leaf_index,
                                                                uint64_t tree_size) {
  v1::GetInclusionProofRequest request;
  request.set_leaf_index(leaf_index);
  request.set_tree_size(tree_size);
  return Unary("GetInclusionProof", audit_.get(), &v1::AuditLog::Stub::GetInclusionProof, request,
               options_.call_timeout);
}

absl::StatusOr<v1::ConsistencyProof> HubClient::GetConsistencyProof(uint64_t first_size,
                                                                    uint64_t second_size) {
  v1::GetConsistencyProofRequest request;
  request.set_first_size(first_size);
  request.set_second_size(second_size);
  return Unary("GetConsistencyProof", audit_.get(), &v1::AuditLog::Stub::GetConsistencyProof,
               request, options_.call_timeout);
}

absl::StatusOr<v1::ListEntriesResponse> HubClient::ListEntries(uint64_t start_index,
                                                               uint32_t max_entries) {
  v1::ListEntriesRequest request;
  request.set_start_index(start_index);
  request.set_max_entries(max_entries);
  return Unary("ListEntries", audit_.get(), &v1::AuditLog::Stub::ListEntries, request,
               options_.call_timeout);
}

}  // namespace enlace::node
