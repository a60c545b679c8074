#include "admin/passphrase.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "base/status_macros.h"
#include "crypto/hash.h"

namespace enlace {
namespace {

constexpr size_t kMaxPassphraseSize = 1024;

// `text` without one trailing "\n" or "\r\n".
SecretBytes Trimmed(absl::string_view text) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  return SecretBytes(text);
}

// One line from the terminal with echo off.
absl::StatusOr<SecretBytes> PromptOnce(int tty, const std::string& prompt) {
  const std::string shown = prompt + ": ";
  if (write(tty, shown.data(), shown.size()) < 0) {
    return absl::InternalError(
        absl::StrCat("cannot write to the terminal: ", std::strerror(errno)));
  }
  termios saved;
  const bool is_terminal = tcgetattr(tty, &saved) == 0;
  if (is_terminal) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(tty, TCSAFLUSH, &quiet);
  }
  SecretBytes buffer(kMaxPassphraseSize);
  size_t size = 0;
  char c;
  ssize_t n;
  while (size < kMaxPassphraseSize && (n = read(tty, &c, 1)) == 1 && c != '\n') {
    buffer.data()[size++] = static_cast<uint8_t>(c);
  }
  if (is_terminal) tcsetattr(tty, TCSAFLUSH, &saved);
  (void)!write(tty, "\n", 1);
  return Trimmed(buffer.view().substr(0, size));
}

}  // namespace

absl::StatusOr<SecretBytes> ReadPassphrase(const PassphraseSource& source) {
  SecretBytes passphrase;
  if (!source.file.empty()) {
    RETURN_IF_ERROR(CheckPrivateFile(source.file));
    ASSIGN_OR_RETURN(std::string text, ReadFile(source.file, kMaxPassphraseSize));
    passphrase = Trimmed(text);
    OPENSSL_cleanse(text.data(), text.size());
  } else if (const char* value = std::getenv(source.env_var); value != nullptr) {
    passphrase = Trimmed(value);
  } else {
    const int tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (tty < 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "no ", source.prompt, ": give a file (mode 0600) with the passphrase option, set ",
          source.env_var, ", or run on a terminal"));
    }
    absl::StatusOr<SecretBytes> first = PromptOnce(tty, source.prompt);
    absl::StatusOr<SecretBytes> again =
        source.confirm && first.ok() ? PromptOnce(tty, source.prompt + " (again)") : first;
    close(tty);
    if (!first.ok()) return first.status();
    if (!again.ok()) return again.status();
    if (!ConstantTimeEquals(first->view(), again->view())) {
      return absl::InvalidArgumentError("the two passphrases differ");
    }
    passphrase = std::move(*first);
  }
  if (passphrase.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("the ", source.prompt, " is empty"));
  }
  return passphrase;
}

}  // namespace enlace
