// Exchange: Submit, SubmitStream, Subscribe, Ack, GetReceipt over the exchange core.
#include <algorithm>
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "base/log.h"
#include "hub/services.h"
#include "net/status.h"

namespace enlace::hub {
namespace {

grpc::ServerUnaryReactor* Finished(grpc::CallbackServerContext* context,
                                   const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// SubmitStream: the head, then payload pieces, each written to storage as it arrives; one
// message in memory at a time.
class UploadReactor final : public grpc::ServerReadReactor<v1::SubmitStreamRequest> {
 public:
  UploadReactor(Exchange* exchange, grpc::CallbackServerContext* context,
                v1::SubmitResponse* response)
      : exchange_(exchange), response_(response) {
    absl::StatusOr<Caller> caller = Authenticate(*exchange, *context);
    if (!caller.ok()) {
      Finish(ToGrpcStatus(caller.status()));
      return;
    }
    caller_.emplace(*std::move(caller));
    absl::StatusOr<std::unique_ptr<Exchange::StreamSlot>> slot =
        exchange->AcquireStream(caller_->id);
    if (!slot.ok()) {
      Finish(ToGrpcStatus(slot.status()));
      return;
    }
    slot_ = *std::move(slot);
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client finished sending
      if (upload_ == nullptr) {
        Finish(ToGrpcStatus(absl::InvalidArgumentError(
            "SubmitStream ended before its head: send an EnvelopeHead first")));
        return;
      }
      upload_->Finish([this](absl::StatusOr<SubmitResult> result) {
        if (!result.ok()) {
          Finish(ToGrpcStatus(result.status()));
          return;
        }
        *response_->mutable_receipt() = std::move(result->receipt);
        response_->set_duplicate(result->duplicate);
        Finish(grpc::Status::OK);
      });
      return;
    }
    absl::Status status = Take();
    if (!status.ok()) {
      Finish(ToGrpcStatus(status));
      return;
    }
    StartRead(&request_);
  }

  void OnDone() override { delete this; }

 private:
  absl::Status Take() {
    if (upload_ == nullptr) {
      if (!request_.has_head()) {
        return absl::InvalidArgumentError(
            "the first SubmitStream message must carry the EnvelopeHead");
      }
      absl::StatusOr<std::unique_ptr<Exchange::Upload>> upload =
          exchange_->BeginUpload(caller_->id, caller_->certificate_fingerprint, request_.head());
      if (!upload.ok()) return upload.status();
      upload_ = *std::move(upload);
      return absl::OkStatus();
    }
    if (request_.part_case() != v1::SubmitStreamRequest::kPayloadChunk) {
      return absl::InvalidArgumentError(
          "after the head, SubmitStream messages carry payload chunks only");
    }
    return upload_->Append(request_.payload_chunk());
  }

  Exchange* const exchange_;
  v1::SubmitResponse* const response_;
  std::optional<Caller> caller_;
  std::unique_ptr<Exchange::StreamSlot> slot_;
  std::unique_ptr<Exchange::Upload> upload_;
  v1::SubmitStreamRequest request_;
};

// Subscribe: one write in flight at a time; each envelope chunk is read from storage just
// before it is written. Woken by the core when the caller's mailbox grows, or to finish when
// the hub shuts down.
class DeliveryReactor final : public grpc::ServerWriteReactor<v1::Delivery> {
 public:
  DeliveryReactor(Exchange* exchange, grpc::CallbackServerContext* context,
                  const v1::SubscribeRequest* request)
      : exchange_(exchange), cursor_(request->after_sequence()) {
    absl::StatusOr<Caller> caller = Admit(*exchange, *context);
    if (!caller.ok()) {
      FinishOnce(ToGrpcStatus(caller.status()));
      return;
    }
    recipient_.emplace(caller->id);
    absl::StatusOr<std::unique_ptr<Exchange::StreamSlot>> slot =
        exchange->AcquireStream(*recipient_);
    if (!slot.ok()) {
      FinishOnce(ToGrpcStatus(slot.status()));
      return;
    }
    slot_ = *std::move(slot);
    watch_id_ = exchange->Watch(*recipient_, [this] { Pump(); });
    Pump();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {  // the client went away: write nothing more
      FinishOnce(grpc::Status::CANCELLED);
      return;
    }
    std::optional<MailboxEntry> delivered;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (current_.has_value() && next_chunk_ == ChunkCount(current_->value.envelope_size)) {
        delivered = current_;
        cursor_ = current_->sequence;
        current_.reset();
      }
    }
    if (delivered.has_value()) exchange_->MarkDelivered(*recipient_, *delivered);
    Pump();
  }

  void OnCancel() override { FinishOnce(grpc::Status::CANCELLED); }

  void OnDone() override {
    if (watch_id_ != 0) exchange_->Unwatch(watch_id_);
    delete this;
  }

 private:
  // gRPC's contract, kept with mu_: exactly one Finish; no StartWrite after it or while it runs
  // (both send the initial metadata the first time, through the same ServerContext). The write
  // is started with mu_ held (gRPC never runs a reaction inline in StartWrite); Finish is called
  // after finished_ is set, without mu_: OnDone may delete `this` as soon as Finish has started,
  // so nothing touches the reactor after it.
  void FinishOnce(const grpc::Status& status) {
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
      finished_ = true;
    }
    Finish(status);
  }

  // Starts the next write if none is in flight and there is something to send; finishes the
  // call on shutdown or a storage error.
  void Pump() {
    absl::Status finish_with;
    {
      absl::MutexLock lock(&mu_);
      if (writing_ || finished_) return;
      if (exchange_->shutting_down()) {
        finish_with = absl::UnavailableError(
            "the hub is shutting down; resubscribe with your last stored sequence");
      } else {
        absl::StatusOr<bool> ready = PrepareLocked();
        if (!ready.ok()) {
          finish_with = ready.status();
        } else if (!*ready) {
          return;  // idle until woken
        } else {
          writing_ = true;
          StartWrite(&delivery_);
          return;
        }
      }
    }
    FinishOnce(ToGrpcStatus(finish_with));
  }

  // Fills delivery_ with the next piece to send. False when the mailbox has nothing more.
  absl::StatusOr<bool> PrepareLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    while (true) {
      if (!current_.has_value()) {
        absl::StatusOr<std::optional<MailboxEntry>> next =
            exchange_->NextEntry(*recipient_, cursor_);
        if (!next.ok()) return next.status();
        if (!next->has_value()) return false;
        current_ = **next;
        next_chunk_ = 0;
      }
      absl::StatusOr<Bytes> chunk = exchange_->ReadChunk(current_->value.blob_id, next_chunk_);
      if (absl::IsNotFound(chunk.status())) {
        // Acknowledged or expired meanwhile: nothing left to send of it.
        cursor_ = current_->sequence;
        current_.reset();
        continue;
      }
      if (!chunk.ok()) return chunk.status();
      delivery_.Clear();
      delivery_.set_sequence(current_->sequence);
      delivery_.set_message_id(current_->value.message_id);
      delivery_.set_envelope_size(current_->value.envelope_size);
      delivery_.set_offset(uint64_t{next_chunk_} * kChunkSize);
      delivery_.set_data(*std::move(chunk));
      delivery_.set_submitted_at_ms(current_->value.submitted_at_ms);
      ++next_chunk_;
      return true;
    }
  }

  Exchange* const exchange_;
  std::optional<ParticipantId> recipient_;
  std::unique_ptr<Exchange::StreamSlot> slot_;
  uint64_t watch_id_ = 0;
  absl::Mutex mu_;
  uint64_t cursor_ ABSL_GUARDED_BY(mu_);
  std::optional<MailboxEntry> current_ ABSL_GUARDED_BY(mu_);
  uint32_t next_chunk_ ABSL_GUARDED_BY(mu_) = 0;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;  // Finish was (or is being) called: no more writes
  v1::Delivery delivery_;
};

}  // namespace

absl::StatusOr<Caller> Authenticate(const Exchange& exchange,
                                    const grpc::CallbackServerContext& context,
                                    PeerCertificateCache* cache) {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr) return absl::UnauthenticatedError("the call carries no TLS identity");
  return AuthenticatePeer(*auth, exchange.directory()->rules(), cache);
}

absl::StatusOr<Caller> Admit(const Exchange& exchange, const grpc::CallbackServerContext& context,
                             PeerCertificateCache* cache) {
  absl::StatusOr<Caller> caller = Authenticate(exchange, context, cache);
  if (!caller.ok()) return caller.status();
  absl::Status admitted = exchange.CheckCaller(caller->id, caller->certificate_fingerprint);
  if (!admitted.ok()) return admitted;
  return caller;
}

grpc::ServerUnaryReactor* ExchangeService::Submit(grpc::CallbackServerContext* context,
                                                  const v1::SubmitRequest* request,
                                                  v1::SubmitResponse* response) {
  absl::StatusOr<Caller> caller = Authenticate(*exchange_, *context, &peer_certificates_);
  if (!caller.ok()) return Finished(context, caller.status());
  absl::StatusOr<AdmittedEnvelope> admitted =
      exchange_->AdmitEnvelope(caller->id, caller->certificate_fingerprint, request->envelope());
  if (!admitted.ok()) return Finished(context, admitted.status());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  exchange_->Commit(*std::move(admitted), [reactor, response](absl::StatusOr<SubmitResult> result) {
    if (!result.ok()) {
      reactor->Finish(ToGrpcStatus(result.status()));
      return;
    }
    *response->mutable_receipt() = std::move(result->receipt);
    response->set_duplicate(result->duplicate);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerReadReactor<v1::SubmitStreamRequest>* ExchangeService::SubmitStream(
    grpc::CallbackServerContext* context, v1::SubmitResponse* response) {
  return new UploadReactor(exchange_, context, response);
}

grpc::ServerWriteReactor<v1::Delivery>* ExchangeService::Subscribe(
    grpc::CallbackServerContext* context, const v1::SubscribeRequest* request) {
  return new DeliveryReactor(exchange_, context, request);
}

grpc::ServerUnaryReactor* ExchangeService::Ack(grpc::CallbackServerContext* context,
                                               const v1::AckRequest* request,
                                               v1::AckResponse* response) {
  absl::StatusOr<Caller> caller = Admit(*exchange_, *context, &peer_certificates_);
  if (!caller.ok()) return Finished(context, caller.status());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  exchange_->Ack(caller->id, *request, [reactor, response](absl::StatusOr<v1::AckResponse> result) {
    if (!result.ok()) {
      reactor->Finish(ToGrpcStatus(result.status()));
      return;
    }
    *response = std::move(*result);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* ExchangeService::GetReceipt(grpc::CallbackServerContext* context,
                                                      const v1::GetReceiptRequest* request,
                                                      v1::GetReceiptResponse* response) {
  absl::StatusOr<Caller> caller = Admit(*exchange_, *context, &peer_certificates_);
  if (!caller.ok()) return Finished(context, caller.status());
  absl::StatusOr<v1::GetReceiptResponse> receipt =
      exchange_->GetReceipt(caller->id, request->message_id());
  if (receipt.ok()) *response = *std::move(receipt);
  return Finished(context, receipt.status());
}

}  // namespace enlace::hub
