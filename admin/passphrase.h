// Where enlace-admin's passphrases come from, in this order: a file named on the command line
// (which must be private: mode 0600, owned by the user), an environment variable, or a prompt
// on the terminal (/dev/tty, without echo; asked twice when a new passphrase is being set).
#ifndef ENLACE_ADMIN_PASSPHRASE_H_
#define ENLACE_ADMIN_PASSPHRASE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/secret.h"

namespace enlace {

struct PassphraseSource {
  std::string file;      // --...-passphrase-file; empty if not given
  const char* env_var;   // e.g. "ENLACE_ADMIN_PASSPHRASE"
  std::string prompt;    // e.g. "Workspace passphrase"
  bool confirm = false;  // ask twice at the terminal (a new passphrase)
};

// The passphrase, without a trailing newline. INVALID_ARGUMENT for an empty one;
// FAILED_PRECONDITION when there is no file, no variable and no terminal, naming all three.
absl::StatusOr<SecretBytes> ReadPassphrase(const PassphraseSource& source);

}  // namespace enlace

#endif  // ENLACE_ADMIN_PASSPHRASE_H_
