// How the network's certificates bind participant ids: the profile each role gets, and the one
// rule for reading a participant id back out of a certificate.
#ifndef ENLACE_IDENTITY_PKI_H_
#define ENLACE_IDENTITY_PKI_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "identity/participant.h"
#include "identity/x509.h"

namespace enlace {

// The DNS name every hub certificate carries: clients send it as the TLS server name
// (net/tls.h HubChannelArguments), so the hub's TLS stack finds its certificate by name.
inline constexpr absl::string_view kHubDnsName = "hub";

// A participant's TLS certificate: CN and the one URI SAN are the id; the hub gets EKU
// serverAuth and the DNS names kHubDnsName + `dns_names` (for clients that dial it by a host
// name and check it), every other role clientAuth. `dns_names` must be empty for other roles.
absl::StatusOr<CertificateProfile> TlsCertificateProfile(const ParticipantId& id,
                                                         absl::Time not_before,
                                                         absl::Time not_after,
                                                         std::vector<std::string> dns_names = {});

// The directory signer's certificate (for an Ed25519 key): URI kDirectorySignerUri, no EKU.
CertificateProfile DirectorySignerProfile(absl::Time not_before, absl::Time not_after);

// The participant a certificate names: it must carry exactly one URI SubjectAltName, and that
// URI must be a valid participant URI ("urn:enlace:<id>"). UNAUTHENTICATED otherwise, saying
// what the certificate carries.
absl::StatusOr<ParticipantId> ParticipantFromCertificate(const Certificate& cert,
                                                         const ParticipantRules& rules);

}  // namespace enlace

#endif  // ENLACE_IDENTITY_PKI_H_
