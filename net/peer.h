// Who is calling: the one function every service handler uses to turn a call's TLS peer into a
// verified participant id, and the per-call admission check against the directory.
//
//   absl::StatusOr<Caller> caller = AdmitCaller(*context->auth_context(), directory, now);
//   if (!caller.ok()) return ToGrpcStatus(caller.status());
#ifndef ENLACE_NET_PEER_H_
#define ENLACE_NET_PEER_H_

#include <grpcpp/security/auth_context.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/bytes.h"
#include "identity/directory.h"
#include "identity/participant.h"
#include "net/peer_cache.h"

namespace enlace {

// A caller whose certificate chained to the network root during the handshake.
struct Caller {
  ParticipantId id;
  Bytes certificate_fingerprint;  // SHA-256 of the certificate's DER (32 bytes)
};

// The participant the call's peer certificate names. UNAUTHENTICATED, with the reason, if the
// call is not over mutual TLS, the peer presented no certificate, or the certificate does not
// carry exactly one valid participant URI (urn:enlace:<id>) as SubjectAltName. The chain itself
// was verified by the TLS handshake (net/tls.h); this adds the identity rule. With a `cache`, a
// certificate seen before is not parsed again (net/peer_cache.h); the identity rule still runs.
absl::StatusOr<Caller> AuthenticatePeer(const grpc::AuthContext& context,
                                        const ParticipantRules& rules = ParticipantRules(),
                                        PeerCertificateCache* cache = nullptr);

// AuthenticatePeer, then the directory's word at `now` (Directory::CheckCaller): the participant
// must be enrolled, not revoked, not suspended, and this certificate must be one the directory
// lists as current. PERMISSION_DENIED (revoked, suspended, certificate not current) or
// UNAUTHENTICATED (no valid identity), with the reason. The directory's check runs on every call,
// cached certificate or not.
absl::StatusOr<Caller> AdmitCaller(const grpc::AuthContext& context, const Directory& directory,
                                   absl::Time now, PeerCertificateCache* cache = nullptr);

}  // namespace enlace

#endif  // ENLACE_NET_PEER_H_
