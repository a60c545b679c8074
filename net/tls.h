// Mutual TLS for enlace's gRPC connections, bound to participant ids.
//
// Server (the hub): presents its certificate, requires a client certificate and verifies it
// against the network root only (no system roots). Client (nodes, admins, auditors,
// observers): presents its certificate, verifies the server's chain to the network root AND,
// during the handshake, that the server's certificate names the expected participant
// (normally `hub`): a node's certificate presented as the hub's is refused before any request
// is sent.
//
// Protocol versions and suites: TLS 1.2 or 1.3 only (1.3 preferred), and only AEAD suites
// (TLS 1.3's AES-GCM and ChaCha20-Poly1305; for 1.2, ECDHE with AES-GCM), chosen by the
// server's order: gRPC 1.51's defaults plus the process-wide policy of net/tls_policy.h, which
// MakeServerCredentials installs; tests/security/ pins them down. The environment variable
// GRPC_SSL_CIPHER_SUITES would change the 1.2 list: the functions here refuse to build
// credentials when it names a suite that is not ECDHE + AEAD.
//
// Which participant made a call is decided per call from the connection's certificate by
// AuthenticatePeer (net/peer.h); revocation and suspension are checked per call against the
// directory by AdmitCaller (same header). Certificate files are loaded by LoadTlsMaterial.
#ifndef ENLACE_NET_TLS_H_
#define ENLACE_NET_TLS_H_

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crypto/secret.h"
#include "identity/participant.h"

namespace enlace {

// What one side of a connection holds, as PEM text in memory.
struct TlsMaterial {
  std::string root_certificate_pem;  // the network root (the only trust anchor)
  std::string certificate_pem;       // this participant's certificate
  SecretBytes private_key_pem;       // its ECDSA P-256 key, unencrypted PKCS#8 (memory only)
};

// Where TlsMaterial comes from on disk.
struct TlsFiles {
  std::string root_certificate_path;
  std::string certificate_path;
  // An encrypted PKCS#8 PEM ("BEGIN ENCRYPTED PRIVATE KEY") opened with `passphrase`, or, for
  // daemons, an unencrypted one that must be mode 0600 (or stricter) and owned by this user.
  std::string private_key_path;
  SecretBytes passphrase;  // empty for an unencrypted key file
};

// Reads and checks TlsMaterial: the certificate must chain to the root, be valid at `now`, carry
// exactly one participant URI, and match the private key. The error names the file at fault.
absl::StatusOr<TlsMaterial> LoadTlsMaterial(const TlsFiles& files, absl::Time now,
                                            const ParticipantRules& rules = ParticipantRules());

// Credentials for the hub's server. `material` must be the hub's (EKU serverAuth, id "hub") and
// valid at `now`.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsMaterial& material, absl::Time now,
    const ParticipantRules& rules = ParticipantRules());

// Credentials for a participant's channel to a server whose certificate must name
// `expected_server` (the hub unless a test says otherwise). Host names play no part in this
// check: the hub is identified by its URI, however it is dialled. Dial with HubChannelArguments().
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(
    const TlsMaterial& material, absl::Time now,
    const ParticipantId& expected_server = ParticipantId::Hub(),
    const ParticipantRules& rules = ParticipantRules());

// Channel arguments for dialling the hub: the TLS server name indication is "hub", a DNS name
// every hub certificate carries (identity/pki.h), so the server finds it whatever address was
// dialled. Callers may add their own arguments.
grpc::ChannelArguments HubChannelArguments();

}  // namespace enlace

#endif  // ENLACE_NET_TLS_H_
