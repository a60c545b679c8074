#include "net/peer.h"

#include <grpc/grpc_security_constants.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "identity/pki.h"
#include "identity/x509.h"

namespace enlace {

absl::StatusOr<Caller> AuthenticatePeer(const grpc::AuthContext& context,
                                        const ParticipantRules& rules,
                                        PeerCertificateCache* cache) {
  if (!context.IsPeerAuthenticated()) {
    return absl::UnauthenticatedError(
        "the caller is not authenticated: calls must come over mutual TLS with a certificate "
        "issued by the network root");
  }
  const std::vector<grpc::string_ref> pems =
      context.FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME);
  if (pems.size() != 1) {
    return absl::UnauthenticatedError(absl::StrCat(
        "expected the caller's certificate once in the TLS context, found ", pems.size()));
  }
  const absl::string_view pem(pems.front().data(), pems.front().size());
  absl::StatusOr<std::shared_ptr<const Certificate>> cert =
      cache != nullptr ? cache->Parse(pem) : SharedCertificateFromPem(pem);
  if (!cert.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("the caller's certificate is unreadable: ", cert.status().message()));
  }
  ASSIGN_OR_RETURN(ParticipantId id, ParticipantFromCertificate(**cert, rules));
  return Caller{std::move(id), (*cert)->fingerprint()};
}

absl::StatusOr<Caller> AdmitCaller(const grpc::AuthContext& context, const Directory& directory,
                                   absl::Time now, PeerCertificateCache* cache) {
  ASSIGN_OR_RETURN(Caller caller, AuthenticatePeer(context, directory.rules(), cache));
  RETURN_IF_ERROR(directory.CheckCaller(caller.id, caller.certificate_fingerprint, now));
  return caller;
}

}  // namespace enlace
