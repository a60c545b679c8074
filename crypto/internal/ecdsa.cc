#include "crypto/internal/ecdsa.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "crypto/internal/openssl_util.h"

namespace enlace::internal {

absl::Status VerifyEcdsaP256Sha256(absl::string_view spki_der, absl::string_view message,
                                   absl::string_view der_signature) {
  const unsigned char* p = Uchar(spki_der);
  EvpPkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size())));  // NOLINT
  if (key == nullptr || p != Uchar(spki_der) + spki_der.size()) {
    ClearOpenSslErrors();
    return absl::InvalidArgumentError("not a DER SubjectPublicKeyInfo");
  }
  char group[64] = {};
  size_t group_size = 0;
  if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_EC ||
      EVP_PKEY_get_group_name(key.get(), group, sizeof(group), &group_size) != 1 ||
      std::string(group) != "prime256v1") {
    ClearOpenSslErrors();
    return absl::InvalidArgumentError("the key is not an ECDSA P-256 key");
  }
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) return OpenSslError("EVP_MD_CTX_new");
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1) {
    return OpenSslError("ECDSA verify init");
  }
  if (EVP_DigestVerify(ctx.get(), Uchar(der_signature), der_signature.size(), Uchar(message),
                       message.size()) != 1) {
    ClearOpenSslErrors();
    return absl::InvalidArgumentError("ECDSA P-256 signature does not verify");
  }
  return absl::OkStatus();
}

}  // namespace enlace::internal
