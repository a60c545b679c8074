#include "crypto/internal/hmac_sha256.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto/internal/openssl_util.h"

namespace enlace::internal {
namespace {

// An HMAC-SHA256 context with no key, made once per process and duplicated for each use:
// OpenSSL 3.0 fetches the MAC and the digest by name on every EVP_Q_mac (and inside its HKDF
// provider's Extract), a locked provider-store lookup that costs more than the hashing itself for
// HPKE's short inputs. Duplicating a configured context skips the lookups. The template is never
// modified after creation (so concurrent duplication is safe) and intentionally never freed.
const EVP_MAC_CTX* HmacTemplate() {
  static const EVP_MAC_CTX* const context = [] {
    EvpMacPtr mac(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
    if (mac == nullptr) return static_cast<EVP_MAC_CTX*>(nullptr);
    EvpMacCtxPtr ctx(EVP_MAC_CTX_new(mac.get()));
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    if (ctx == nullptr || EVP_MAC_CTX_set_params(ctx.get(), params) != 1) {
      return static_cast<EVP_MAC_CTX*>(nullptr);
    }
    return ctx.release();
  }();
  return context;
}

}  // namespace

absl::Status HmacSha256Parts(absl::string_view key, std::initializer_list<absl::string_view> parts,
                             uint8_t* out) {
  if (HmacTemplate() == nullptr) return OpenSslError("setting up HMAC-SHA256");
  EvpMacCtxPtr ctx(EVP_MAC_CTX_dup(HmacTemplate()));
  static const unsigned char kEmpty = 0;  // EVP_MAC_init treats a null key as "no new key"
  if (ctx == nullptr ||
      EVP_MAC_init(ctx.get(), key.empty() ? &kEmpty : Uchar(key), key.size(), nullptr) != 1) {
    return OpenSslError("HMAC-SHA256 init");
  }
  for (absl::string_view part : parts) {
    if (!part.empty() && EVP_MAC_update(ctx.get(), Uchar(part), part.size()) != 1) {
      return OpenSslError("HMAC-SHA256 update");
    }
  }
  size_t size = 0;
  if (EVP_MAC_final(ctx.get(), out, &size, 32) != 1 || size != 32) {
    return OpenSslError("HMAC-SHA256 final");
  }
  return absl::OkStatus();
}

}  // namespace enlace::internal
