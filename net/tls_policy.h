// The TLS policy every enlace process applies to each OpenSSL context it creates, installed as
// OpenSSL's "system_default" configuration: gRPC 1.51 has no option for a server cipher order,
// but every SSL_CTX_new applies the system default, so the hub's contexts (made by gRPC) get it.
//
//   TLS 1.2 and 1.3 only; the server's order of suites wins (ServerPreference);
//   TLS 1.3: TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, TLS_AES_128_GCM_SHA256;
//   TLS 1.2: ECDHE with AES-GCM only (kTls12CipherSuites, gRPC's own default list and order);
//   key exchange groups: P-256.
//
// The policy replaces any "ssl_conf" section of the system's openssl.cnf (Debian 12's has none);
// the rest of that file (providers, ...) is loaded first and kept.
#ifndef ENLACE_NET_TLS_POLICY_H_
#define ENLACE_NET_TLS_POLICY_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace enlace {

// In preference order: the first is the one a server chooses when a client offers all of them.
inline constexpr absl::string_view kTls13CipherSuites =
    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";
inline constexpr absl::string_view kTls12CipherSuites =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384";

// Installs the policy for every OpenSSL context created afterwards in this process. Runs once;
// later calls return the first result. Call it before any thread uses TLS (enlace-hub does so
// first thing; MakeServerCredentials calls it too and fails if it failed).
absl::Status InstallTlsPolicy();

}  // namespace enlace

#endif  // ENLACE_NET_TLS_POLICY_H_
