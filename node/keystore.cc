#include "node/keystore.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/bytes.h"
#include "base/files.h"
#include "base/status_macros.h"
#include "crypto/hkdf.h"
#include "crypto/key_files.h"

namespace enlace::node {
namespace {

constexpr size_t kMaxPassphraseFileSize = 4096;
constexpr char kDestroyedKeysFile[] = "destroyed-keys";
constexpr size_t kMaxDestroyedKeysFileSize = 1 << 20;

absl::Status Errno(absl::string_view what, absl::string_view path) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

// Overwrites the file with zeros, syncs it, removes it and syncs its folder.
absl::Status WipeAndRemove(const std::string& path) {
  const int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return absl::OkStatus();  // already gone (a wipe interrupted before)
    return Errno("opening", path);
  }
  struct stat info;
  absl::Status status = fstat(fd, &info) == 0 ? absl::OkStatus() : Errno("stat", path);
  const std::string zeros(4096, '\0');
  for (off_t done = 0; status.ok() && done < info.st_size;) {
    const size_t n = static_cast<size_t>(std::min<off_t>(info.st_size - done, zeros.size()));
    const ssize_t written = pwrite(fd, zeros.data(), n, done);
    if (written <= 0) {
      status = Errno("overwriting", path);
    } else {
      done += written;
    }
  }
  if (status.ok() && fsync(fd) != 0) status = Errno("syncing", path);
  close(fd);
  RETURN_IF_ERROR(status);
  if (unlink(path.c_str()) != 0) return Errno("removing", path);
  const size_t slash = path.rfind('/');
  const std::string folder = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  const int dir = open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return Errno("opening", folder);
  const bool synced = fsync(dir) == 0;
  close(dir);
  return synced ? absl::OkStatus() : Errno("syncing", folder);
}

// Reads one key file, asking for the passphrase only when the file is encrypted.
template <typename Key>
absl::StatusOr<Key> ReadKey(const std::string& path, const PassphraseProvider& passphrase,
                            std::optional<SecretBytes>& cached) {
  ASSIGN_OR_RETURN(bool encrypted, IsEncryptedKeyFile(path));
  if (!encrypted) return ReadPrivateKeyFile<Key>(path);
  if (!cached.has_value()) {
    absl::StatusOr<SecretBytes> got = passphrase();
    if (!got.ok()) {
      return absl::Status(got.status().code(),
                          absl::StrCat(path, " is encrypted and no passphrase could be read: ",
                                       got.status().message()));
    }
    cached = std::move(*got);
  }
  return ReadEncryptedPrivateKeyFile<Key>(path, *cached);
}

// The passphrase without its line ending.
SecretBytes TrimLine(absl::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  return SecretBytes(text);
}

}  // namespace

absl::StatusOr<bool> IsEncryptedKeyFile(absl::string_view path) {
  absl::StatusOr<std::string> text = ReadFile(path, kMaxKeyFileSize);
  if (!text.ok()) {
    return absl::Status(text.status().code(),
                        absl::StrCat("key file ", path, ": ", text.status().message()));
  }
  bool encrypted = absl::StrContains(*text, "-----BEGIN ENCRYPTED PRIVATE KEY-----");
  OPENSSL_cleanse(text->data(), text->size());
  return encrypted;
}

PassphraseProvider PassphraseFrom(const v1::NodeKeys& keys, PassphraseProvider fallback) {
  if (!keys.passphrase_file().empty()) {
    std::string path = keys.passphrase_file();
    return [path]() -> absl::StatusOr<SecretBytes> {
      RETURN_IF_ERROR(CheckPrivateFile(path));
      absl::StatusOr<std::string> text = ReadFile(path, kMaxPassphraseFileSize);
      if (!text.ok()) {
        return absl::Status(text.status().code(),
                            absl::StrCat("passphrase file ", path, ": ", text.status().message()));
      }
      SecretBytes passphrase = TrimLine(*text);
      OPENSSL_cleanse(text->data(), text->size());
      if (passphrase.empty()) {
        return absl::InvalidArgumentError(absl::StrCat("passphrase file ", path, " is empty"));
      }
      return passphrase;
    };
  }
  if (!keys.passphrase_env().empty()) {
    std::string name = keys.passphrase_env();
    return [name]() -> absl::StatusOr<SecretBytes> {
      const char* value = std::getenv(name.c_str());
      if (value == nullptr || *value == '\0') {
        return absl::FailedPreconditionError(
            absl::StrCat("environment variable ", name, " (keys.passphrase_env) is not set"));
      }
      return TrimLine(value);
    };
  }
  return fallback;
}

absl::StatusOr<std::set<std::string>> ReadDestroyedKeyFiles(absl::string_view data_dir) {
  std::set<std::string> files;
  absl::StatusOr<std::string> text =
      ReadFile(absl::StrCat(data_dir, "/", kDestroyedKeysFile), kMaxDestroyedKeysFileSize);
  if (absl::IsNotFound(text.status())) return files;
  RETURN_IF_ERROR(text.status());
  for (absl::string_view line : absl::StrSplit(*text, '\n', absl::SkipEmpty())) {
    const size_t space = line.find(' ');
    if (space == absl::string_view::npos) {
      return absl::DataLossError(
          absl::StrCat(data_dir, "/", kDestroyedKeysFile, ": a line is not \"<key id> <path>\""));
    }
    files.insert(std::string(line.substr(space + 1)));
  }
  return files;
}

absl::StatusOr<Keystore> Keystore::Load(ParticipantId self, const v1::NodeKeys& keys,
                                        const PassphraseProvider& passphrase,
                                        const std::set<std::string>& destroyed) {
  std::optional<SecretBytes> cached;
  std::vector<Ed25519PrivateKey> signing;
  for (const std::string& path : keys.signing_key_files()) {
    ASSIGN_OR_RETURN(Ed25519PrivateKey key, ReadKey<Ed25519PrivateKey>(path, passphrase, cached));
    signing.push_back(std::move(key));
  }
  std::vector<X25519PrivateKey> encryption;
  std::vector<std::string> files;
  for (const std::string& path : keys.encryption_key_files()) {
    if (destroyed.count(path) > 0) continue;
    ASSIGN_OR_RETURN(X25519PrivateKey key, ReadKey<X25519PrivateKey>(path, passphrase, cached));
    encryption.push_back(std::move(key));
    files.push_back(path);
  }
  ASSIGN_OR_RETURN(Keystore keystore,
                   FromKeys(std::move(self), std::move(signing), std::move(encryption)));
  keystore.encryption_key_files_ = std::move(files);
  return keystore;
}

absl::StatusOr<Keystore> Keystore::FromKeys(ParticipantId self,
                                            std::vector<Ed25519PrivateKey> signing_keys,
                                            std::vector<X25519PrivateKey> encryption_keys) {
  if (self.role() != Role::kNode && self.role() != Role::kAdmin && self.role() != Role::kObserver) {
    return absl::InvalidArgumentError(
        absl::StrCat(self.str(), " cannot run a node (only node/, admin/ and observer/ ids)"));
  }
  if (signing_keys.empty() || encryption_keys.empty()) {
    return absl::InvalidArgumentError("a node needs at least one signing and one encryption key");
  }
  return Keystore(std::move(self), std::move(signing_keys), std::move(encryption_keys), {});
}

absl::StatusOr<const Ed25519PrivateKey*> Keystore::SigningKeyAt(const Directory& directory,
                                                                absl::Time t) const {
  const Ed25519PrivateKey* best = nullptr;
  absl::Time best_start = absl::InfinitePast();
  std::vector<std::string> held;
  for (const Ed25519PrivateKey& key : signing_keys_) {
    Bytes id = key.public_key().KeyId();
    held.push_back(HexEncode(id));
    absl::StatusOr<KeyValidity> info = directory.KeyInfo(self_, id);
    if (!info.ok() || info->kind != KeyKind::kSigning || !info->ValidAt(t)) continue;
    absl::StatusOr<Ed25519PublicKey> listed = directory.SigningKey(self_, id, t);
    if (!listed.ok() || *listed != key.public_key()) continue;
    if (best == nullptr || info->not_before > best_start) {
      best = &key;
      best_start = info->not_before;
    }
  }
  if (best == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("none of this node's signing keys (", absl::StrJoin(held, ", "),
                     ") is valid in directory version ", directory.version(),
                     " now: ask the operator for a rotation, or check the node's clock"));
  }
  return best;
}

const X25519PrivateKey* Keystore::EncryptionKey(absl::string_view key_id) const {
  for (const X25519PrivateKey& key : identity_.keys) {
    if (key.public_key().KeyId() == key_id) return &key;
  }
  return nullptr;
}

absl::StatusOr<std::string> Keystore::DestroyEncryptionKey(absl::string_view key_id,
                                                           absl::string_view data_dir) {
  size_t i = 0;
  while (i < identity_.keys.size() && identity_.keys[i].public_key().KeyId() != key_id) ++i;
  if (i == identity_.keys.size()) {
    return absl::NotFoundError(absl::StrCat("no encryption key ", HexEncode(key_id), " is held"));
  }
  const std::string path = encryption_key_files_[i];
  if (!path.empty()) {
    // Recorded first: a crash after the wipe must not leave a configured file that fails to load.
    const std::string record = absl::StrCat(data_dir, "/", kDestroyedKeysFile);
    absl::StatusOr<std::string> text = ReadFile(record, kMaxDestroyedKeysFileSize);
    if (!text.ok() && !absl::IsNotFound(text.status())) return text.status();
    RETURN_IF_ERROR(WriteFileAtomically(
        record, absl::StrCat(text.value_or(""), HexEncode(key_id), " ", path, "\n"), 0600));
    RETURN_IF_ERROR(WipeAndRemove(path));
  }
  identity_.keys.erase(identity_.keys.begin() + i);
  encryption_key_files_.erase(encryption_key_files_.begin() + i);
  return path;
}

absl::StatusOr<SecretBytes> Keystore::StorageWrappingKey(
    const Ed25519PrivateKey& signing_key) const {
  // Length-prefixed fields, so no two (id, key id) pairs give the same info.
  Bytes info = "enlace/v1 node storage-key wrap";
  AppendLengthPrefixed(self_.str(), &info);
  AppendLengthPrefixed(signing_key.public_key().KeyId(), &info);
  return HkdfSha256(signing_key.seed().view(), /*salt=*/"", info, 32);
}

}  // namespace enlace::node
