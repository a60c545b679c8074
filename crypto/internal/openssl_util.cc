#include "crypto/internal/openssl_util.h"

#include <openssl/err.h>

#include <string>

#include "absl/strings/str_cat.h"

namespace enlace::internal {

absl::Status OpenSslError(absl::string_view operation) {
  std::string reasons;
  unsigned long code;  // NOLINT(runtime/int): OpenSSL's type
  while ((code = ERR_get_error()) != 0) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    absl::StrAppend(&reasons, reasons.empty() ? "" : "; ", buffer);
  }
  return absl::InternalError(
      absl::StrCat("OpenSSL ", operation, " failed", reasons.empty() ? "" : ": ", reasons));
}

void ClearOpenSslErrors() { ERR_clear_error(); }

}  // namespace enlace::internal
