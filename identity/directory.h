// The network directory, verified and indexed: the one source nodes and the hub ask "which keys
// may this participant use, at this time?".
//
// A SignedDirectory (proto/enlace/v1/directory.proto) is accepted only if
//   - its signer certificate chains to the network root and is the directory signer's
//     (identity/x509.h, CertificatePurpose::kDirectorySigning), valid at the time of checking;
//   - the Ed25519 signature over SigningInput(kDirectorySigningDomain, {directory bytes})
//     verifies with that certificate's key;
//   - the directory is internally consistent (Directory::FromProto);
//   - its version is newer than the last one accepted (DirectoryVerifier): no rollback.
//
// Time rules (all intervals [not_before, not_after)):
//   - a signing key is valid for a message signed at t iff t is in its interval and neither the
//     key nor its participant was revoked at or before t (revoked_at <= t);
//   - an encryption key may be encrypted to at t under the same rule;
//   - a TLS certificate is current at t under the same rule (and the participant is active).
// Suspension is a present state, not a time: it stops a participant's calls to the hub but does
// not invalidate what it signed before.
#ifndef ENLACE_IDENTITY_DIRECTORY_H_
#define ENLACE_IDENTITY_DIRECTORY_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "base/bytes.h"
#include "crypto/signing.h"
#include "crypto/x25519.h"
#include "enlace/v1/directory.pb.h"
#include "identity/participant.h"
#include "identity/x509.h"

namespace enlace {

// The signing domain of directories (crypto/signing.h SigningInput).
inline constexpr absl::string_view kDirectorySigningDomain = "enlace/v1/directory";

// Bounds on what a directory may hold (a signed directory is still outside input).
inline constexpr size_t kMaxSignedDirectorySize = 4 << 20;
inline constexpr int kMaxDirectoryParticipants = 1000;
inline constexpr int kMaxKeysPerParticipant = 16;
inline constexpr int kMaxRevocations = 10000;
inline constexpr size_t kMaxDisplayNameSize = 128;
inline constexpr size_t kMaxReasonSize = 512;
// How far in the future a directory's issue time may be (clock skew between operator and node).
inline constexpr absl::Duration kMaxDirectoryClockSkew = absl::Minutes(5);

// What a KeyValidity describes (for a certificate, key_id holds its SHA-256 fingerprint).
enum class KeyKind { kSigning, kEncryption, kCertificate };

// What the directory says about one key (or certificate): its interval and its revocation.
struct KeyValidity {
  KeyKind kind = KeyKind::kSigning;
  Bytes key_id;
  absl::Time not_before;
  absl::Time not_after;
  // The earliest revocation of the key itself or of its participant, if any.
  absl::optional<absl::Time> revoked_at;

  // True iff usable at `t`: in [not_before, not_after) and not revoked at or before `t`.
  bool ValidAt(absl::Time t) const;
};

struct EncryptionKeyEntry {
  X25519PublicKey key;
  KeyValidity validity;
};

// An immutable, verified-consistent directory with its indexes. Thread-safe (const).
class Directory {
 public:
  // Checks the directory's internal consistency and indexes it: version >= 1; valid country
  // list; every participant id parses under those countries, appears once, and its role field
  // matches the id; display names and reasons bounded; every key is 32 bytes and its key id is
  // the first 16 bytes of SHA-256 of its SPKI; every interval is non-empty; certificate
  // fingerprints are 32 bytes; every revocation names a participant, key or certificate that is
  // listed. INVALID_ARGUMENT naming the offending entry otherwise.
  static absl::StatusOr<Directory> FromProto(v1::Directory proto);

  const v1::Directory& proto() const { return proto_; }
  uint64_t version() const { return proto_.version(); }
  absl::Time issued_at() const;
  const ParticipantRules& rules() const { return rules_; }

  // The participant's entry. NOT_FOUND if the directory does not list it.
  absl::StatusOr<const v1::DirectoryParticipant*> Participant(const ParticipantId& id) const;
  bool IsSuspended(const ParticipantId& id) const;
  // The participant's revocation time, if it was revoked (at any time).
  absl::optional<absl::Time> RevokedAt(const ParticipantId& id) const;

  // The Ed25519 key `key_id` of `signer` if it was valid for signing at `signed_at`. NOT_FOUND
  // for an unknown participant or key; PERMISSION_DENIED for a key outside its interval or
  // revoked at or before `signed_at` (the message names the key and the times).
  absl::StatusOr<Ed25519PublicKey> SigningKey(const ParticipantId& signer, absl::string_view key_id,
                                              absl::Time signed_at) const;

  // The X25519 keys of `recipient` that may be encrypted to at `t`, newest (latest not_before)
  // first. NOT_FOUND for an unknown participant; FAILED_PRECONDITION if it has no valid key.
  absl::StatusOr<std::vector<EncryptionKeyEntry>> EncryptionKeys(const ParticipantId& recipient,
                                                                 absl::Time t) const;

  // What the directory says about `key_id` of `owner` (signing or encryption), for the
  // keystore's retention rule. NOT_FOUND if the participant or key is not listed.
  absl::StatusOr<KeyValidity> KeyInfo(const ParticipantId& owner, absl::string_view key_id) const;

  // OK iff `certificate_sha256` is a TLS certificate the directory lists for `id`, current at
  // `t` (not revoked, participant not revoked). NOT_FOUND / PERMISSION_DENIED with the reason.
  absl::Status CheckCertificate(const ParticipantId& id, absl::string_view certificate_sha256,
                                absl::Time t) const;

  // The hub's per-call rule: `id` is listed, not revoked at `t`, not suspended, and presents a
  // current certificate. PERMISSION_DENIED (or NOT_FOUND for an unlisted participant, reported
  // as PERMISSION_DENIED too, since the caller holds a network certificate) with the reason.
  absl::Status CheckCaller(const ParticipantId& id, absl::string_view certificate_sha256,
                           absl::Time t) const;

 private:
  struct Entry {
    ParticipantId id;
    int index;  // into proto_.participants()
    std::vector<std::pair<KeyValidity, Ed25519PublicKey>> signing_keys;
    std::vector<EncryptionKeyEntry> encryption_keys;
    std::vector<KeyValidity> certificates;  // key_id holds the SHA-256 fingerprint
  };
  Directory() = default;
  absl::Status Index();
  absl::StatusOr<const Entry*> Find(const ParticipantId& id) const;
  absl::optional<absl::Time> EarliestRevocation(const std::map<Bytes, absl::Time>& revocations,
                                                const Bytes& target) const;

  v1::Directory proto_;
  ParticipantRules rules_;
  std::map<std::string, Entry> entries_;
  std::map<std::string, absl::Time> revoked_participants_;
  std::map<Bytes, absl::Time> revoked_keys_;
  std::map<Bytes, absl::Time> revoked_certificates_;
};

// The directory's enum value for a participant role.
v1::ParticipantRole RoleToProto(Role role);

// Signs `directory` with the directory signer's key: the result's `signer_certificate` is
// `signer_certificate`'s DER. Refuses a key that does not match the certificate.
absl::StatusOr<v1::SignedDirectory> SignDirectory(const v1::Directory& directory,
                                                  const Ed25519PrivateKey& signer_key,
                                                  const Certificate& signer_certificate);

// Verifies a serialized SignedDirectory against `root` at `now` (signer certificate chain and
// purpose, signature, issue time not beyond now + kMaxDirectoryClockSkew, consistency).
// UNAUTHENTICATED for a bad signature or certificate, INVALID_ARGUMENT for malformed bytes.
// Does not check the version against anything: DirectoryVerifier does.
absl::StatusOr<Directory> VerifySignedDirectory(absl::string_view signed_directory,
                                                const Certificate& root, absl::Time now);

// The node's (and hub's) current directory: accepts only newer versions. Thread-safe.
class DirectoryVerifier {
 public:
  // `min_version`: the last version this participant accepted before (persisted by the caller),
  // so a restart does not reopen the door to older directories.
  DirectoryVerifier(Certificate root, uint64_t min_version = 0);

  // Verifies `signed_directory` and makes it current if its version is greater than the current
  // one (and than min_version). The same version with the same bytes is accepted as "no change"
  // and returns the current directory; an older version, or the same version with other bytes,
  // is refused with FAILED_PRECONDITION ("rollback").
  absl::StatusOr<std::shared_ptr<const Directory>> Accept(absl::string_view signed_directory,
                                                          absl::Time now);

  // The current directory; null until one was accepted.
  std::shared_ptr<const Directory> current() const;

 private:
  const Certificate root_;
  mutable absl::Mutex mu_;
  uint64_t min_version_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const Directory> current_ ABSL_GUARDED_BY(mu_);
  Bytes current_bytes_ ABSL_GUARDED_BY(mu_);
};

}  // namespace enlace

#endif  // ENLACE_IDENTITY_DIRECTORY_H_
