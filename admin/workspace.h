// The operator's workspace: the network's root CA and directory signer, the registry of
// participants, their bundles, and the signed directories published from it. Everything
// enlace-admin does is a method here, so the hub (or a test) can do the same without the CLI.
//
// Layout of a workspace directory (mode 0700; docs/operator-guide.md):
//   registry.json                  the next directory, as protobuf JSON (version = last published)
//   ca/root.pem                    network root certificate (public: give it to everyone)
//   ca/root-key.pem                its ECDSA P-256 key, encrypted with the workspace passphrase
//   ca/directory-signer.pem        the directory signer's certificate (Ed25519, issued by the root)
//   ca/directory-signer-key.pem    its key, encrypted with the workspace passphrase
//   ca/crl.json                    the CRL distribution point (if any) and the last CRL number
//   issued/<participant>-<sha256 prefix>.pem   every TLS certificate issued (a record)
//   bundles/<participant>/         what is handed to a participant (see Enrol)
//   directory/directory-<version>.pb, directory/current.pb   signed directories (SignedDirectory)
//   crl/crl-<number>.der, crl/current.crl   X.509 CRLs (DER) of the revoked TLS certificates
//
// A workspace is locked (flock on <dir>/.lock) while a Workspace object is open, so two
// enlace-admin processes cannot interleave changes. Not thread-safe: one thread at a time.
#ifndef ENLACE_ADMIN_WORKSPACE_H_
#define ENLACE_ADMIN_WORKSPACE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "base/bytes.h"
#include "base/env.h"
#include "crypto/key_files.h"
#include "crypto/secret.h"
#include "enlace/v1/directory.pb.h"
#include "identity/participant.h"

namespace enlace {

inline constexpr absl::Duration kAdminDay = absl::Hours(24);
// Keys and certificates start this long before they are made, so that participants whose clocks
// run a little behind the operator's can use them at once.
inline constexpr absl::Duration kClockSkewAllowance = absl::Hours(1);
// Keys and certificates that ended longer ago than this are dropped from the registry when a
// participant rotates (with their revocations), so the directory stays bounded.
inline constexpr absl::Duration kPruneAfter = absl::Hours(400 * 24);
// Shortest passphrase accepted for the workspace and for bundles.
inline constexpr size_t kMinPassphraseSize = 12;

struct NetworkOptions {
  std::string network_name = "CRM";
  ParticipantRules rules;  // the countries allowed in node/<country>
  absl::Duration root_validity = 3650 * kAdminDay;
  absl::Duration signer_validity = 730 * kAdminDay;
  // Where the network's CRL will be served (http://...): every certificate issued names it as
  // its CRL distribution point. Empty: no distribution point; the CRL (IssueCrl) is then handed
  // to those who want it by other means. Fixed for the life of the workspace.
  std::string crl_url;
};

struct EnrolOptions {
  // Display names; empty: the country's name for nodes, a generic one for the hub, else the id.
  std::string display_name_es;
  std::string display_name_en;
  std::vector<std::string> dns_names;  // extra DNS names for the hub's certificate only
  absl::Duration tls_validity = 365 * kAdminDay;
  absl::Duration key_validity = 365 * kAdminDay;
};

struct RotateOptions {
  // How long the old keys (and certificate, with `tls`) stay valid after the new ones exist.
  absl::Duration overlap = 14 * kAdminDay;
  bool tls = false;                    // also issue a new TLS certificate
  std::vector<std::string> dns_names;  // hub only, with `tls`
  absl::Duration tls_validity = 365 * kAdminDay;
  absl::Duration key_validity = 365 * kAdminDay;
};

// What Enrol and Rotate wrote.
struct BundleResult {
  std::string bundle_directory;
  Bytes tls_certificate_sha256;  // the current TLS certificate
  Bytes signing_key_id;          // the new signing key
  Bytes encryption_key_id;       // the new encryption key; empty for roles without one
};

struct CrlResult {
  uint64_t number = 0;       // the CRL number
  size_t revoked_count = 0;  // certificates listed
  absl::Time next_update;
  std::string path;          // crl/crl-<number>.der
  std::string current_path;  // crl/current.crl (the same bytes)
};

inline constexpr absl::Duration kDefaultCrlValidity = absl::Hours(30 * 24);

struct PublishResult {
  uint64_t version = 0;
  std::string path;          // directory/directory-<version>.pb
  std::string current_path;  // directory/current.pb (the same bytes)
  v1::SignedDirectory signed_directory;
};

class Workspace {
 public:
  // Creates a workspace in `dir` (which must not exist, or be empty): a root CA for
  // `options.network_name` and the directory signer it certifies, both keys encrypted with
  // `passphrase` (at least kMinPassphraseSize bytes). `key_files` sets the scrypt cost.
  static absl::StatusOr<std::unique_ptr<Workspace>> Init(absl::string_view dir,
                                                         const NetworkOptions& options,
                                                         const SecretBytes& passphrase, Env env,
                                                         const KeyFileOptions& key_files = {});
  // Opens an existing workspace. No passphrase is needed until a key is used.
  static absl::StatusOr<std::unique_ptr<Workspace>> Open(absl::string_view dir, Env env,
                                                         const KeyFileOptions& key_files = {});
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  // Enrols `id`: issues its TLS certificate (P-256, URI SAN, EKU by role), makes its Ed25519
  // signing key and (for nodes, admins and observers; not the hub or auditors, who must never
  // be able to read content) its X25519 encryption key, and writes bundles/<id>/ with
  //   root.pem, tls.pem, tls-key.pem, signing-<key id>.pem, encryption-<key id>.pem, bundle.json
  // (private keys encrypted with `bundle_passphrase`). Adds it to the registry, active.
  // `ca_passphrase` opens the root's key. ALREADY_EXISTS if `id` is enrolled (even revoked).
  absl::StatusOr<BundleResult> Enrol(const ParticipantId& id, const EnrolOptions& options,
                                     const SecretBytes& ca_passphrase,
                                     const SecretBytes& bundle_passphrase);

  // New keys (and with options.tls a new certificate) for `id`, written into its bundle; the
  // current ones end at now + overlap unless they end sooner. Old key files stay in the bundle:
  // the participant keeps old decryption keys until identity/key_retention.h lets it destroy them.
  absl::StatusOr<BundleResult> Rotate(const ParticipantId& id, const RotateOptions& options,
                                      const SecretBytes& ca_passphrase,
                                      const SecretBytes& bundle_passphrase);

  // Revokes `target`: a participant id (everything it holds, for good: a participant leaving
  // the network), a key id (32 hex digits) or a TLS certificate fingerprint (64 hex digits) —
  // for a compromise, revoke the keys and certificate and rotate. From `at` (default now; never
  // in the future) on, the target is invalid. `reason` is required.
  absl::StatusOr<v1::Revocation> Revoke(absl::string_view target, absl::string_view reason,
                                        absl::optional<absl::Time> at);

  // The hub refuses a suspended participant's calls until it is resumed; its keys stay valid.
  absl::Status Suspend(const ParticipantId& id);
  absl::Status Resume(const ParticipantId& id);

  // Signs the registry as directory version (last + 1), issued now, checks that the result
  // verifies against the root, and writes it. `passphrase` opens the directory signer's key.
  absl::StatusOr<PublishResult> PublishDirectory(const SecretBytes& passphrase);

  // Signs, with the root's key (opened with `ca_passphrase`), an X.509 CRL listing every TLS
  // certificate revoked in the registry (a participant's revocation lists all its certificates),
  // with the next CRL number, valid from now for `validity`, and writes it as DER. For TLS tools
  // and PKI policies outside enlace: inside, the signed directory decides (it is checked on every
  // call). Issue a new one after each revocation and before next_update.
  absl::StatusOr<CrlResult> IssueCrl(const SecretBytes& ca_passphrase,
                                     absl::Duration validity = kDefaultCrlValidity);

  // The registry: the directory that the next publication signs (its version is the last one
  // published, 0 before the first).
  const v1::Directory& registry() const { return registry_; }
  const ParticipantRules& rules() const { return rules_; }
  const std::string& path() const { return dir_; }
  std::string RootCertificatePath() const;
  std::string BundlePath(const ParticipantId& id) const;
  std::string CurrentDirectoryPath() const;
  // The CRL distribution point certificates carry; empty if the network has none.
  const std::string& crl_url() const { return crl_url_; }

 private:
  Workspace(std::string dir, Env env, KeyFileOptions key_files, int lock_fd);
  absl::Status LoadRegistry();
  absl::Status SaveRegistry();
  absl::Status LoadCrlState();
  absl::Status SaveCrlState() const;
  absl::StatusOr<v1::DirectoryParticipant*> FindParticipant(const ParticipantId& id);
  bool IsRevoked(const std::string& participant_id) const;
  absl::Time Now() const { return env_.clock->Now(); }

  const std::string dir_;
  const Env env_;
  const KeyFileOptions key_files_;
  const int lock_fd_;
  v1::Directory registry_;
  ParticipantRules rules_;
  std::string crl_url_;
  uint64_t last_crl_number_ = 0;
};

}  // namespace enlace

#endif  // ENLACE_ADMIN_WORKSPACE_H_
