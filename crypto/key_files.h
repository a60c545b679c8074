// Key files: private keys as PKCS#8 PEM, public keys as SubjectPublicKeyInfo PEM.
//
// Two ways to keep a private key on disk (docs/protocol.md, "Key files"):
//  - encrypted with a passphrase: "ENCRYPTED PRIVATE KEY" PEM, PKCS#8 EncryptedPrivateKeyInfo
//    with PBES2 = scrypt (N = 2^14, r = 8, p = 1 by default) + AES-256-CBC, as written by
//    `openssl pkcs8 -topk8 -scrypt`. For people (the operator's CA and enrolment keys).
//  - unencrypted "PRIVATE KEY" PEM for daemons that start unattended, in a file that must be
//    owned by the daemon's user with mode 0600 or stricter (base/files.h CheckPrivateFile).
// Every private key file, encrypted or not, is written 0600 and refused when read if group or
// others may read it.
//
// The typed functions take the enlace key classes; the Pkcs8 functions work for any key OpenSSL
// can hold in PKCS#8 (identity/ uses them for ECDSA P-256 TLS keys). Readers never decrypt with
// more than the bounded scrypt cost below, so a hostile file cannot pin the CPU or memory.
#ifndef ENLACE_CRYPTO_KEY_FILES_H_
#define ENLACE_CRYPTO_KEY_FILES_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/env.h"
#include "crypto/secret.h"
#include "crypto/signing.h"
#include "crypto/x25519.h"

namespace enlace {

// Largest key file (PEM) any reader here accepts.
inline constexpr size_t kMaxKeyFileSize = 16 * 1024;

struct KeyFileOptions {
  // scrypt cost (RFC 7914). The default takes ~16 MiB and tens of milliseconds; tests may lower N.
  uint64_t scrypt_n = uint64_t{1} << 14;
  uint64_t scrypt_r = 8;
  uint64_t scrypt_p = 1;
};
// Readers refuse scrypt parameters above these (and OpenSSL refuses more than 32 MiB).
inline constexpr uint64_t kMaxScryptN = uint64_t{1} << 20;
inline constexpr uint64_t kMaxScryptR = 32;
inline constexpr uint64_t kMaxScryptP = 16;

// --- Any PKCS#8 key ---
// Encrypts an unencrypted PKCS#8 PEM ("PRIVATE KEY") under `passphrase` (not empty); salt and IV
// come from `random`.
absl::StatusOr<std::string> EncryptPkcs8Pem(const SecretBytes& pkcs8_pem,
                                            const SecretBytes& passphrase, RandomSource* random,
                                            const KeyFileOptions& options = {});
// The unencrypted PKCS#8 PEM inside an "ENCRYPTED PRIVATE KEY" PEM. INVALID_ARGUMENT for a
// wrong passphrase, a damaged file, anything but PBES2/scrypt, or scrypt costs over the limits.
absl::StatusOr<SecretBytes> DecryptPkcs8Pem(absl::string_view pem, const SecretBytes& passphrase);

// --- enlace's keys (Key = Ed25519PrivateKey or X25519PrivateKey) ---
// Unencrypted PKCS#8 PEM ("PRIVATE KEY"), in wiped memory.
absl::StatusOr<SecretBytes> PrivateKeyPem(const Ed25519PrivateKey& key);
absl::StatusOr<SecretBytes> PrivateKeyPem(const X25519PrivateKey& key);
// Parses an unencrypted PKCS#8 PEM; INVALID_ARGUMENT if it holds another key type.
template <typename Key>
absl::StatusOr<Key> ParsePrivateKeyPem(const SecretBytes& pem);

absl::StatusOr<std::string> EncryptPrivateKeyPem(const Ed25519PrivateKey& key,
                                                 const SecretBytes& passphrase,
                                                 RandomSource* random,
                                                 const KeyFileOptions& options = {});
absl::StatusOr<std::string> EncryptPrivateKeyPem(const X25519PrivateKey& key,
                                                 const SecretBytes& passphrase,
                                                 RandomSource* random,
                                                 const KeyFileOptions& options = {});
template <typename Key>
absl::StatusOr<Key> DecryptPrivateKeyPem(absl::string_view pem, const SecretBytes& passphrase);

// Daemon key files: unencrypted PKCS#8 PEM written atomically with mode 0600.
absl::Status WritePrivateKeyFile(absl::string_view path, const Ed25519PrivateKey& key);
absl::Status WritePrivateKeyFile(absl::string_view path, const X25519PrivateKey& key);
// Encrypted key files, also 0600.
absl::Status WriteEncryptedPrivateKeyFile(absl::string_view path, const Ed25519PrivateKey& key,
                                          const SecretBytes& passphrase, RandomSource* random,
                                          const KeyFileOptions& options = {});
absl::Status WriteEncryptedPrivateKeyFile(absl::string_view path, const X25519PrivateKey& key,
                                          const SecretBytes& passphrase, RandomSource* random,
                                          const KeyFileOptions& options = {});
// Refuse (PERMISSION_DENIED, saying how to fix it) a file others may read, and anything larger
// than kMaxKeyFileSize. ReadPrivateKeyFile wants an unencrypted key and says so if it finds an
// encrypted one.
template <typename Key>
absl::StatusOr<Key> ReadPrivateKeyFile(absl::string_view path);
template <typename Key>
absl::StatusOr<Key> ReadEncryptedPrivateKeyFile(absl::string_view path,
                                                const SecretBytes& passphrase);

// --- Public keys: SubjectPublicKeyInfo PEM ("PUBLIC KEY") ---
std::string PublicKeyPem(const Ed25519PublicKey& key);
std::string PublicKeyPem(const X25519PublicKey& key);
// PublicKey = Ed25519PublicKey or X25519PublicKey. Exactly one PEM block, canonical DER inside.
template <typename PublicKey>
absl::StatusOr<PublicKey> ParsePublicKeyPem(absl::string_view pem);

}  // namespace enlace

#endif  // ENLACE_CRYPTO_KEY_FILES_H_
