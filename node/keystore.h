// The node's private keys: Ed25519 signing keys and X25519 encryption keys, loaded once at start
// from key files (crypto/key_files.h), and the storage key-wrapping keys derived from them.
//
// Key files are either encrypted with a passphrase (asked for only when a file needs it) or
// unencrypted in mode 0600; both are refused when group or others may read them. Which signing
// key signs, and which encryption keys may be used, is the directory's word (rotation): the
// keystore only holds the private halves. Const use is thread-safe; DestroyEncryptionKey (the
// only change after loading) must not run concurrently with any other use (the node serializes
// them).
//
// Destroyed keys: once identity/key_retention.h allows it, the node destroys an old private
// decryption key (the file overwritten with zeros, synced, removed) and records the file in
// <data_dir>/destroyed-keys ("<key id hex> <path>" per line), so that later starts skip that
// file of the configuration instead of failing on it.
#ifndef ENLACE_NODE_KEYSTORE_H_
#define ENLACE_NODE_KEYSTORE_H_

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crypto/envelope.h"
#include "crypto/secret.h"
#include "crypto/signing.h"
#include "crypto/x25519.h"
#include "enlace/v1/node_config.pb.h"
#include "identity/directory.h"
#include "identity/participant.h"

namespace enlace::node {

// Gives the passphrase of encrypted key files; called at most once, and only if one is needed.
using PassphraseProvider = std::function<absl::StatusOr<SecretBytes>()>;

// True if the PEM file at `path` is an "ENCRYPTED PRIVATE KEY" (it is read, bounded, not parsed).
absl::StatusOr<bool> IsEncryptedKeyFile(absl::string_view path);

// The passphrase source of `keys`: the 0600 file, the environment variable, or else
// `fallback` (the daemon's terminal prompt). The error names the source that failed.
PassphraseProvider PassphraseFrom(const v1::NodeKeys& keys, PassphraseProvider fallback);

// The key files destroyed in the node whose data folder is `data_dir` (none if it has no record).
absl::StatusOr<std::set<std::string>> ReadDestroyedKeyFiles(absl::string_view data_dir);

class Keystore {
 public:
  // Loads every file of `keys` except the encryption key files in `destroyed` (see above). The
  // error names the file.
  static absl::StatusOr<Keystore> Load(ParticipantId self, const v1::NodeKeys& keys,
                                       const PassphraseProvider& passphrase,
                                       const std::set<std::string>& destroyed = {});
  // From keys in memory (tests and tools).
  static absl::StatusOr<Keystore> FromKeys(ParticipantId self,
                                           std::vector<Ed25519PrivateKey> signing_keys,
                                           std::vector<X25519PrivateKey> encryption_keys);

  Keystore(Keystore&&) = default;
  Keystore& operator=(Keystore&&) = default;

  const ParticipantId& self() const { return self_; }

  // The held signing key that `directory` lists as valid at `t`, preferring the newest
  // (latest not_before). FAILED_PRECONDITION, naming the held keys, if none is.
  absl::StatusOr<const Ed25519PrivateKey*> SigningKeyAt(const Directory& directory,
                                                        absl::Time t) const;

  // The held X25519 key with `key_id`, or null.
  const X25519PrivateKey* EncryptionKey(absl::string_view key_id) const;

  // Destroys the held X25519 key `key_id`: its file (when it came from one) is overwritten with
  // zeros, synced and removed, the file recorded in `data_dir`'s destroyed-keys, and the key
  // dropped from memory. Returns the file's path (empty for a key given in memory). NOT_FOUND if
  // no such key is held. (On copy-on-write or flash storage the old blocks may survive the
  // overwrite; the key's passphrase encryption, where used, still protects them.)
  absl::StatusOr<std::string> DestroyEncryptionKey(absl::string_view key_id,
                                                   absl::string_view data_dir);

  const std::vector<Ed25519PrivateKey>& signing_keys() const { return signing_keys_; }
  const std::vector<X25519PrivateKey>& encryption_keys() const { return identity_.keys; }
  // This node as a recipient, for crypto/envelope.h Open.
  const RecipientIdentity& recipient_identity() const { return identity_; }

  // The 32-byte key that wraps the store's data key for `signing_key` (held): HKDF-SHA256 over
  // its seed with info "enlace/v1 node storage-key wrap" || lp(participant id) || lp(key id)
  // (lp: 4-byte big-endian length prefix), so that
  // every held signing key can open the store and a rotation keeps it readable.
  absl::StatusOr<SecretBytes> StorageWrappingKey(const Ed25519PrivateKey& signing_key) const;

 private:
  Keystore(ParticipantId self, std::vector<Ed25519PrivateKey> signing_keys,
           std::vector<X25519PrivateKey> encryption_keys, std::vector<std::string> files)
      : self_(std::move(self)),
        signing_keys_(std::move(signing_keys)),
        encryption_key_files_(std::move(files)) {
    identity_.recipient_id = self_.str();
    identity_.keys = std::move(encryption_keys);
    encryption_key_files_.resize(identity_.keys.size());
  }

  ParticipantId self_;
  std::vector<Ed25519PrivateKey> signing_keys_;
  RecipientIdentity identity_;
  // The file each of identity_.keys came from (empty: given in memory).
  std::vector<std::string> encryption_key_files_;
};

}  // namespace enlace::node

#endif  // ENLACE_NODE_KEYSTORE_H_
