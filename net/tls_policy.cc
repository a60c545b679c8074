#include "net/tls_policy.h"

#include <openssl/conf.h>
#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "crypto/internal/openssl_util.h"

namespace enlace {
namespace {

using internal::BioPtr;
using internal::OpenSslDeleter;
using ConfPtr = std::unique_ptr<CONF, OpenSslDeleter<CONF, NCONF_free>>;

// The configuration as openssl.cnf would spell it; `enlace_tls` is the application name whose
// value in the default section lists the modules to run.
std::string PolicyConfig() {
  return absl::StrCat(
      "enlace_tls = enlace_modules\n"
      "[enlace_modules]\n"
      "ssl_conf = enlace_ssl\n"
      "[enlace_ssl]\n"
      "system_default = enlace_system_default\n"
      "[enlace_system_default]\n"
      "MinProtocol = TLSv1.2\n"
      "MaxProtocol = TLSv1.3\n"
      "Options = ServerPreference\n"
      "CipherString = ",
      kTls12CipherSuites,
      "\n"
      "Ciphersuites = ",
      kTls13CipherSuites,
      "\n"
      "Groups = P-256\n");
}

using SslCtxPtr = std::unique_ptr<SSL_CTX, OpenSslDeleter<SSL_CTX, SSL_CTX_free>>;

// OpenSSL applies the system default to each new context and skips commands it rejects without
// a word (unless config_diagnostics is on): a context made now must show the policy.
absl::Status CheckNewContextsApplyIt() {
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (ctx == nullptr) return internal::OpenSslError("SSL_CTX_new");
  STACK_OF(SSL_CIPHER)* ciphers = SSL_CTX_get_ciphers(ctx.get());
  const std::string first_tls13(kTls13CipherSuites.substr(0, kTls13CipherSuites.find(':')));
  const bool applied = (SSL_CTX_get_options(ctx.get()) & SSL_OP_CIPHER_SERVER_PREFERENCE) != 0 &&
                       SSL_CTX_get_min_proto_version(ctx.get()) == TLS1_2_VERSION &&
                       ciphers != nullptr && sk_SSL_CIPHER_num(ciphers) > 0 &&
                       first_tls13 == SSL_CIPHER_get_name(sk_SSL_CIPHER_value(ciphers, 0));
  if (!applied) {
    return absl::InternalError(
        "OpenSSL accepted the TLS policy but a new context does not apply it (server "
        "preference, TLS 1.2 minimum, suite order)");
  }
  return absl::OkStatus();
}

absl::Status Install() {
  // The system's configuration first: loaded later, it would replace ours.
  if (OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG, nullptr) != 1) {
    return internal::OpenSslError("OPENSSL_init_ssl (loading the system's openssl.cnf)");
  }
  const std::string text = PolicyConfig();
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  ConfPtr conf(NCONF_new(nullptr));
  if (bio == nullptr || conf == nullptr) return internal::OpenSslError("NCONF_new");
  long error_line = 0;  // NOLINT(runtime/int): OpenSSL's type
  if (NCONF_load_bio(conf.get(), bio.get(), &error_line) != 1) {
    return internal::OpenSslError(
        absl::StrCat("parsing the TLS policy configuration (line ", error_line, ")"));
  }
  // 0 flags: an unknown module or a missing section is an error, not skipped. The commands
  // themselves run when a context is made, hence the check below.
  if (CONF_modules_load(conf.get(), "enlace_tls", 0) <= 0) {
    return internal::OpenSslError("applying the TLS policy (OpenSSL ssl_conf module)");
  }
  return CheckNewContextsApplyIt();
}

}  // namespace

absl::Status InstallTlsPolicy() {
  static const absl::Status* const installed = new absl::Status([] {
    absl::Status status = Install();
    if (!status.ok()) {
      return absl::Status(status.code(),
                          absl::StrCat("cannot install enlace's TLS policy (server cipher order, "
                                       "TLS 1.2+): ",
                                       status.message()));
    }
    return status;
  }());
  return *installed;
}

}  // namespace enlace
