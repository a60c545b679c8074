// ThreadSanitizer support for Debian's uninstrumented gRPC core (linked into every executable of
// an ENLACE_SANITIZE=thread build next to absl_tsan.cc, see cmake/EnlaceOptions.cmake).
//
// The C++ API (grpcpp headers, compiled into our binaries, so instrumented) fills a CallOpSet and
// its tag (Finish: CallbackWithSuccessTag::Set, CallOpSet::FillOps, ServerSendStatus), starts the
// batch with grpc_call_start_batch, and later finishes it on whichever thread takes the tag from
// the completion queue (CallbackWithSuccessTag::Run, CallOpSet::FinalizeResult: the callback
// API's "nexting" threads, CompletionQueue::Next, or Pluck for blocking calls). gRPC guarantees
// that order: a tag comes out of grpc_completion_queue_next/pluck only after the batch that
// names it was started (grpc/grpc.h). Inside libgrpc.so the handoff runs through its lock-free
// event queue (atomics in an uninstrumented library) and, when the consumer is not asleep, no
// mutex or file descriptor TSan could see, so TSan reported the C++ layer's accesses to its own
// CallOpSet and tag on the two sides as races (hub_process_test: a Subscribe stream finished by
// the hub's shutdown, Finish on the main thread, Run on a nexting thread).
//
// These wrappers interpose the C functions (libgrpc++ calls them through its PLT) and state that
// guarantee to TSan: starting a batch (or a server's request for a call) releases its tag, taking
// a completed tag acquires it.
// Nothing else is synchronised by them, so misuse of the API stays visible: a second Finish still
// races with the first one's Run, a StartWrite racing a Finish on the ServerContext both use.
#include <dlfcn.h>
#include <grpc/grpc.h>
#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>

namespace {

// The library's definition of `name` (the next one after this executable's).
template <typename Fn>
Fn RealGrpc(Fn, const char* name) {
  void* fn = dlsym(RTLD_NEXT, name);
  if (fn == nullptr) {
    std::fprintf(stderr, "grpc_tsan: %s not found in the shared gRPC\n", name);
    std::abort();
  }
  return reinterpret_cast<Fn>(fn);
}

void AcquireCompleted(const grpc_event& event) {
  if (event.type == GRPC_OP_COMPLETE && event.tag != nullptr) __tsan_acquire(event.tag);
}

}  // namespace

extern "C" {

grpc_call_error grpc_call_start_batch(grpc_call* call, const grpc_op* ops, size_t nops, void* tag,
                                      void* reserved) {
  static const auto real = RealGrpc(&grpc_call_start_batch, "grpc_call_start_batch");
  if (tag != nullptr) __tsan_release(tag);
  return real(call, ops, nops, tag, reserved);
}

// A server's request for its next call: the tag comes out of the queue when a call arrives, and
// the handler that runs then reads the service objects set up before the request.
grpc_call_error grpc_server_request_call(grpc_server* server, grpc_call** call,
                                         grpc_call_details* details,
                                         grpc_metadata_array* request_metadata,
                                         grpc_completion_queue* cq_bound_to_call,
                                         grpc_completion_queue* cq_for_notification,
                                         void* tag_new) {
  static const auto real = RealGrpc(&grpc_server_request_call, "grpc_server_request_call");
  if (tag_new != nullptr) __tsan_release(tag_new);
  return real(server, call, details, request_metadata, cq_bound_to_call, cq_for_notification,
              tag_new);
}

grpc_call_error grpc_server_request_registered_call(grpc_server* server, void* registered_method,
                                                    grpc_call** call, gpr_timespec* deadline,
                                                    grpc_metadata_array* request_metadata,
                                                    grpc_byte_buffer** optional_payload,
                                                    grpc_completion_queue* cq_bound_to_call,
                                                    grpc_completion_queue* cq_for_notification,
                                                    void* tag_new) {
  static const auto real =
      RealGrpc(&grpc_server_request_registered_call, "grpc_server_request_registered_call");
  if (tag_new != nullptr) __tsan_release(tag_new);
  return real(server, registered_method, call, deadline, request_metadata, optional_payload,
              cq_bound_to_call, cq_for_notification, tag_new);
}

grpc_event grpc_completion_queue_next(grpc_completion_queue* cq, gpr_timespec deadline,
                                      void* reserved) {
  static const auto real = RealGrpc(&grpc_completion_queue_next, "grpc_completion_queue_next");
  const grpc_event event = real(cq, deadline, reserved);
  AcquireCompleted(event);
  return event;
}

grpc_event grpc_completion_queue_pluck(grpc_completion_queue* cq, void* tag, gpr_timespec deadline,
                                       void* reserved) {
  static const auto real = RealGrpc(&grpc_completion_queue_pluck, "grpc_completion_queue_pluck");
  const grpc_event event = real(cq, tag, deadline, reserved);
  AcquireCompleted(event);
  return event;
}

}  // extern "C"
