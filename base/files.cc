#include "base/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace enlace {
namespace {

absl::Status ErrnoStatus(int err, absl::string_view what, absl::string_view path) {
  const std::string message = absl::StrCat(what, " ", path, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    case ENOSPC:
    case EDQUOT:
      return absl::ResourceExhaustedError(message);
    default:
      return absl::InternalError(message);
  }
}

// Closes a file descriptor on every path out of a function.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

absl::Status WriteAll(int fd, absl::string_view data, absl::string_view path) {
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "cannot write", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

std::string DirectoryOf(absl::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == absl::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

}  // namespace

absl::StatusOr<std::string> ReadFile(absl::string_view path, size_t max_size) {
  const std::string p(path);
  const int fd = open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "cannot open", path);
  FdCloser closer(fd);
  struct stat st;
  if (fstat(fd, &st) != 0) return ErrnoStatus(errno, "cannot stat", path);
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(path, " is not a regular file"));
  }
  if (static_cast<size_t>(st.st_size) > max_size) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s is %d bytes; the limit for this file is %d", path, st.st_size, max_size));
  }
  std::string contents;
  char buffer[65536];
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "cannot read", path);
    }
    if (n == 0) break;
    if (contents.size() + static_cast<size_t>(n) > max_size) {
      return absl::FailedPreconditionError(
          absl::StrFormat("%s grew beyond the limit of %d bytes while being read", path, max_size));
    }
    contents.append(buffer, static_cast<size_t>(n));
  }
  return contents;
}

absl::Status WriteFileAtomically(absl::string_view path, absl::string_view contents, mode_t mode) {
  const std::string target(path);
  const std::string temp = absl::StrCat(target, ".tmp.", getpid());
  const int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return ErrnoStatus(errno, "cannot create", temp);
  {
    FdCloser closer(fd);
    absl::Status status = WriteAll(fd, contents, temp);
    if (status.ok() && fchmod(fd, mode) != 0) status = ErrnoStatus(errno, "cannot chmod", temp);
    if (status.ok() && fsync(fd) != 0) status = ErrnoStatus(errno, "cannot fsync", temp);
    if (!status.ok()) {
      unlink(temp.c_str());
      return status;
    }
  }
  if (rename(temp.c_str(), target.c_str()) != 0) {
    const int err = errno;
    unlink(temp.c_str());
    return ErrnoStatus(err, "cannot rename onto", path);
  }
  const std::string dir = DirectoryOf(target);
  const int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return ErrnoStatus(errno, "cannot open directory", dir);
  FdCloser dir_closer(dir_fd);
  if (fsync(dir_fd) != 0) return ErrnoStatus(errno, "cannot fsync directory", dir);
  return absl::OkStatus();
}

absl::Status CheckPrivateFile(absl::string_view path) {
  const std::string p(path);
  struct stat st;
  if (stat(p.c_str(), &st) != 0) return ErrnoStatus(errno, "cannot stat", path);
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(path, " is not a regular file"));
  }
  if (st.st_uid != geteuid()) {
    return absl::PermissionDeniedError(absl::StrFormat(
        "%s is owned by uid %d, not by this process's uid %d", path, st.st_uid, geteuid()));
  }
  if ((st.st_mode & 077) != 0) {
    return absl::PermissionDeniedError(
        absl::StrFormat("%s has mode %04o: a key file must not be readable by group or others "
                        "(run: chmod 600 %s)",
                        path, st.st_mode & 07777, path));
  }
  return absl::OkStatus();
}

absl::Status MakeDirectories(absl::string_view path, mode_t mode) {
  std::string p(path);
  if (p.empty()) return absl::InvalidArgumentError("empty directory path");
  for (size_t i = 1; i <= p.size(); ++i) {
    if (i == p.size() || p[i] == '/') {
      const std::string prefix = p.substr(0, i);
      if (mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST) {
        return ErrnoStatus(errno, "cannot create directory", prefix);
      }
    }
  }
  struct stat st;
  if (stat(p.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(path, " exists and is not a directory"));
  }
  return absl::OkStatus();
}

}  // namespace enlace
