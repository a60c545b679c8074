// Small, careful file helpers: bounded reads, atomic durable writes, private-mode checks.
#ifndef ENLACE_BASE_FILES_H_
#define ENLACE_BASE_FILES_H_

#include <sys/types.h>

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace enlace {

// Reads a whole regular file. Refuses (FAILED_PRECONDITION) files larger than `max_size`, so a
// hostile or mistaken path cannot make us allocate without bound. NOT_FOUND if it is missing.
absl::StatusOr<std::string> ReadFile(absl::string_view path, size_t max_size);

// Writes `contents` to `path` so that a crash leaves either the old file or the new one: a
// temporary file in the same directory, fsync, rename, fsync of the directory. The file is
// created with `mode` (e.g. 0600 for secrets) regardless of the umask.
absl::Status WriteFileAtomically(absl::string_view path, absl::string_view contents,
                                 mode_t mode = 0644);

// For daemon key files: OK only if `path` is a regular file owned by this user whose mode grants
// nothing to group or others (0600 or stricter). The error says what to run to fix it.
absl::Status CheckPrivateFile(absl::string_view path);

// Creates `path` and missing parents with `mode` (existing directories are left as they are).
absl::Status MakeDirectories(absl::string_view path, mode_t mode = 0755);

}  // namespace enlace

#endif  // ENLACE_BASE_FILES_H_
