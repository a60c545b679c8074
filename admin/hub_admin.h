// enlace-admin's calls to a running hub's Admin service (proto/enlace/v1/hub_service.proto), as
// an admin/<name> participant with its bundle (TLS certificate and key): publish a signed
// directory made offline, and make an online backup. The hub admits the caller by its
// certificate and the directory (admin role only), exactly as for any other participant.
#ifndef ENLACE_ADMIN_HUB_ADMIN_H_
#define ENLACE_ADMIN_HUB_ADMIN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crypto/secret.h"
#include "enlace/v1/hub_service.pb.h"

namespace enlace {

struct HubAdminConnection {
  std::string address;     // the hub's host:port
  std::string bundle_dir;  // an admin's bundle: root.pem, tls.pem, tls-key.pem (admin/workspace.h)
  SecretBytes passphrase;  // opens tls-key.pem (empty for an unencrypted 0600 key file)
  absl::Duration timeout = absl::Seconds(60);
};

// Admin.PublishDirectory with the signed directory in `directory_file` (directory/current.pb).
// Errors carry the hub's status and message (e.g. FAILED_PRECONDITION for an older version).
absl::StatusOr<v1::PublishDirectoryResponse> PushDirectory(const HubAdminConnection& hub,
                                                           const std::string& directory_file);

// Admin.CreateBackup: the path of the checkpoint on the hub's host and the tree head it holds.
absl::StatusOr<v1::CreateBackupResponse> CreateHubBackup(const HubAdminConnection& hub);

}  // namespace enlace

#endif  // ENLACE_ADMIN_HUB_ADMIN_H_
