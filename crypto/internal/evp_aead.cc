#include "crypto/internal/evp_aead.h"

#include <openssl/crypto.h>

#include <climits>

#include "absl/strings/str_cat.h"
#include "crypto/internal/openssl_util.h"

namespace enlace::internal {
namespace {

// Fetched once: an implicit fetch on every EVP_CipherInit_ex is slow in OpenSSL 3.0. The
// handles are immutable and thread-safe to share; they are intentionally never freed.
const EVP_CIPHER* Fetch(const char* name) { return EVP_CIPHER_fetch(nullptr, name, nullptr); }

bool IsGcm(const EVP_CIPHER* cipher) { return EVP_CIPHER_get_mode(cipher) == EVP_CIPH_GCM_MODE; }

// Keyed context for one operation (enc = 1 to encrypt, 0 to decrypt).
absl::StatusOr<EvpCipherCtxPtr> Init(const EVP_CIPHER* cipher, int enc, absl::string_view key,
                                     absl::string_view nonce) {
  if (cipher == nullptr) return OpenSslError("fetching an AEAD cipher");
  const char* name = EVP_CIPHER_get0_name(cipher);
  if (key.size() != static_cast<size_t>(EVP_CIPHER_get_key_length(cipher))) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, " takes a ", EVP_CIPHER_get_key_length(cipher), "-byte key, got ", key.size()));
  }
  if (IsGcm(cipher)) {
    if (nonce.empty()) return absl::InvalidArgumentError(absl::StrCat(name, " needs a nonce"));
    if (nonce.size() > kMaxGcmIvSize) {
      return absl::UnimplementedError(absl::StrCat("OpenSSL 3.0 ", name, " takes IVs of 1..",
                                                   kMaxGcmIvSize, " bytes, got ", nonce.size()));
    }
  } else if (nonce.size() != static_cast<size_t>(EVP_CIPHER_get_iv_length(cipher))) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, " takes a ", EVP_CIPHER_get_iv_length(cipher), "-byte nonce, got ", nonce.size()));
  }
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr) return OpenSslError("EVP_CIPHER_CTX_new");
  if (EVP_CipherInit_ex(ctx.get(), cipher, nullptr, nullptr, nullptr, enc) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(nonce.size()),
                          nullptr) != 1 ||
      EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, Uchar(key), Uchar(nonce), enc) != 1) {
    return OpenSslError(absl::StrCat(name, " init"));
  }
  return ctx;
}

absl::Status CheckSize(absl::string_view what, size_t size) {
  if (size > static_cast<size_t>(INT_MAX) - kAeadTagSize) {
    return absl::InvalidArgumentError(absl::StrCat(what, " of ", size, " bytes is too large"));
  }
  return absl::OkStatus();
}

// Feeds the associated data and `in` through `ctx`, writing `in.size()` bytes to `out`.
absl::Status Process(EVP_CIPHER_CTX* ctx, absl::string_view aad, absl::string_view in,
                     unsigned char* out) {
  int n = 0;
  if (!aad.empty() &&
      EVP_CipherUpdate(ctx, nullptr, &n, Uchar(aad), static_cast<int>(aad.size())) != 1) {
    return OpenSslError("AEAD associated data");
  }
  if (!in.empty() && (EVP_CipherUpdate(ctx, out, &n, Uchar(in), static_cast<int>(in.size())) != 1 ||
                      static_cast<size_t>(n) != in.size())) {
    return OpenSslError("AEAD update");
  }
  return absl::OkStatus();
}

}  // namespace

const EVP_CIPHER* AesGcmCipher(size_t key_size) {
  static const EVP_CIPHER* const aes128 = Fetch("AES-128-GCM");
  static const EVP_CIPHER* const aes192 = Fetch("AES-192-GCM");
  static const EVP_CIPHER* const aes256 = Fetch("AES-256-GCM");
  switch (key_size) {
    case 16:
      return aes128;
    case 24:
      return aes192;
    case 32:
      return aes256;
    default:
      return nullptr;
  }
}

const EVP_CIPHER* ChaCha20Poly1305Cipher() {
  static const EVP_CIPHER* const cipher = Fetch("ChaCha20-Poly1305");
  return cipher;
}

absl::StatusOr<Bytes> EvpAeadSeal(const EVP_CIPHER* cipher, absl::string_view key,
                                  absl::string_view nonce, absl::string_view aad,
                                  absl::string_view plaintext) {
  if (absl::Status s = CheckSize("plaintext", plaintext.size()); !s.ok()) return s;
  if (absl::Status s = CheckSize("associated data", aad.size()); !s.ok()) return s;
  auto ctx = Init(cipher, 1, key, nonce);
  if (!ctx.ok()) return ctx.status();
  Bytes out(plaintext.size() + kAeadTagSize, '\0');
  unsigned char* data = reinterpret_cast<unsigned char*>(out.data());
  if (absl::Status s = Process(ctx->get(), aad, plaintext, data); !s.ok()) return s;
  int n = 0;
  if (EVP_CipherFinal_ex(ctx->get(), data + plaintext.size(), &n) != 1 || n != 0 ||
      EVP_CIPHER_CTX_ctrl(ctx->get(), EVP_CTRL_AEAD_GET_TAG, kAeadTagSize,
                          data + plaintext.size()) != 1) {
    return OpenSslError("AEAD seal final");
  }
  return out;
}

absl::StatusOr<Bytes> EvpAeadOpen(const EVP_CIPHER* cipher, absl::string_view key,
                                  absl::string_view nonce, absl::string_view aad,
                                  absl::string_view ciphertext) {
  if (absl::Status s = CheckSize("ciphertext", ciphertext.size()); !s.ok()) return s;
  if (absl::Status s = CheckSize("associated data", aad.size()); !s.ok()) return s;
  if (ciphertext.size() < kAeadTagSize) {
    return absl::InvalidArgumentError(absl::StrCat("AEAD ciphertext of ", ciphertext.size(),
                                                   " bytes is shorter than its ", kAeadTagSize,
                                                   "-byte tag"));
  }
  auto ctx = Init(cipher, 0, key, nonce);
  if (!ctx.ok()) return ctx.status();
  const size_t body = ciphertext.size() - kAeadTagSize;
  Bytes out(body, '\0');
  unsigned char* data = reinterpret_cast<unsigned char*>(out.data());
  if (absl::Status s = Process(ctx->get(), aad, ciphertext.substr(0, body), data); !s.ok()) {
    return s;
  }
  Bytes tag(ciphertext.substr(body));
  if (EVP_CIPHER_CTX_ctrl(ctx->get(), EVP_CTRL_AEAD_SET_TAG, kAeadTagSize, tag.data()) != 1) {
    return OpenSslError("AEAD set tag");
  }
  int n = 0;
  if (EVP_CipherFinal_ex(ctx->get(), data + body, &n) != 1) {
    OPENSSL_cleanse(out.data(), out.size());  // never let unauthenticated plaintext escape
    ClearOpenSslErrors();
    return absl::InvalidArgumentError(
        absl::StrCat(EVP_CIPHER_get0_name(cipher),
                     " authentication failed: wrong key, nonce or associated data, or the "
                     "ciphertext was modified"));
  }
  return out;
}

}  // namespace enlace::internal
