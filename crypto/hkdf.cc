#include "crypto/hkdf.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "absl/strings/str_cat.h"
#include "crypto/internal/openssl_util.h"

namespace enlace {
namespace {

using internal::OpenSslError;

constexpr size_t kSha256Size = 32;

// OSSL_PARAM octet strings need a non-null pointer even when empty.
void* ParamData(absl::string_view s) {
  static char empty = 0;
  return s.empty() ? &empty : const_cast<char*>(s.data());
}

// Fetching an algorithm is costly in OpenSSL 3.0 (a locked lookup in the provider store), and HPKE
// derives ~10 keys per wrap: fetch HKDF once per process. The handle is immutable and
// thread-safe to share; it is intentionally never freed.
EVP_KDF* HkdfAlgorithm() {
  static EVP_KDF* const kdf = EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr);
  return kdf;
}

absl::StatusOr<SecretBytes> RunHkdf(int mode, absl::string_view key, absl::string_view salt,
                                    absl::string_view info, size_t size) {
  if (HkdfAlgorithm() == nullptr) return OpenSslError("fetching HKDF");
  internal::EvpKdfCtxPtr ctx(EVP_KDF_CTX_new(HkdfAlgorithm()));
  if (ctx == nullptr) return OpenSslError("EVP_KDF_CTX_new (HKDF)");
  char digest[] = "SHA256";
  OSSL_PARAM params[6];
  OSSL_PARAM* p = params;
  *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  *p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
  *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ParamData(key), key.size());
  if (mode != EVP_KDF_HKDF_MODE_EXPAND_ONLY) {
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, ParamData(salt), salt.size());
  }
  if (mode != EVP_KDF_HKDF_MODE_EXTRACT_ONLY) {
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, ParamData(info), info.size());
  }
  *p = OSSL_PARAM_construct_end();
  SecretBytes out(size);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    return OpenSslError("HKDF-SHA256");
  }
  return out;
}

}  // namespace

absl::StatusOr<SecretBytes> HkdfSha256Extract(absl::string_view salt, absl::string_view ikm) {
  return RunHkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, ikm, salt, "", kSha256Size);
}

absl::StatusOr<SecretBytes> HkdfSha256Expand(absl::string_view prk, absl::string_view info,
                                             size_t size) {
  if (size > kHkdfSha256MaxOutput) {
    return absl::InvalidArgumentError(absl::StrCat("HKDF-SHA256 can derive at most ",
                                                   kHkdfSha256MaxOutput, " bytes, ", size,
                                                   " were asked for"));
  }
  if (prk.size() < kSha256Size) {
    return absl::InvalidArgumentError(
        absl::StrCat("an HKDF-SHA256 PRK is at least 32 bytes, got ", prk.size()));
  }
  return RunHkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk, "", info, size);
}

absl::StatusOr<SecretBytes> HkdfSha256(absl::string_view ikm, absl::string_view salt,
                                       absl::string_view info, size_t size) {
  if (size > kHkdfSha256MaxOutput) {
    return absl::InvalidArgumentError(absl::StrCat("HKDF-SHA256 can derive at most ",
                                                   kHkdfSha256MaxOutput, " bytes, ", size,
                                                   " were asked for"));
  }
  return RunHkdf(EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND, ikm, salt, info, size);
}

}  // namespace enlace
