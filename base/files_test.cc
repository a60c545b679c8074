#include "base/files.h"

#include <sys/stat.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace enlace {
namespace {

using ::enlace::testing::IsOkAndHolds;
using ::enlace::testing::StatusIs;
using ::enlace::testing::TempDir;
using ::testing::HasSubstr;

mode_t ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(stat(path.c_str(), &st), 0);
  return st.st_mode & 07777;
}

TEST(FilesTest, AtomicWriteThenBoundedRead) {
  TempDir dir;
  const std::string path = dir.Sub("a.txt");
  ASSERT_OK(WriteFileAtomically(path, "first"));
  ASSERT_OK(WriteFileAtomically(path, "second"));
  EXPECT_THAT(ReadFile(path, 100), IsOkAndHolds(std::string("second")));
  EXPECT_EQ(ModeOf(path), 0644u);
}

TEST(FilesTest, ReadRefusesFilesOverTheLimit) {
  TempDir dir;
  const std::string path = dir.Sub("big");
  ASSERT_OK(WriteFileAtomically(path, std::string(1000, 'x')));
  EXPECT_THAT(ReadFile(path, 999),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("limit")));
}

TEST(FilesTest, ReadOfMissingFileIsNotFound) {
  TempDir dir;
  EXPECT_THAT(ReadFile(dir.Sub("none"), 10),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("none")));
}

TEST(FilesTest, ReadRefusesDirectories) {
  TempDir dir;
  EXPECT_THAT(ReadFile(dir.path(), 10),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not a regular file")));
}

TEST(FilesTest, PrivateFileCheck) {
  TempDir dir;
  const std::string path = dir.Sub("key");
  ASSERT_OK(WriteFileAtomically(path, "secret", 0600));
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_OK(CheckPrivateFile(path));
  ASSERT_EQ(chmod(path.c_str(), 0640), 0);
  EXPECT_THAT(CheckPrivateFile(path),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("chmod 600")));
}

TEST(FilesTest, MakeDirectoriesCreatesParentsAndIsIdempotent) {
  TempDir dir;
  const std::string nested = dir.Sub("a/b/c");
  ASSERT_OK(MakeDirectories(nested, 0700));
  ASSERT_OK(MakeDirectories(nested, 0700));
  EXPECT_EQ(ModeOf(nested), 0700u);
  ASSERT_OK(WriteFileAtomically(dir.Sub("file"), "x"));
  EXPECT_THAT(MakeDirectories(dir.Sub("file")),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not a directory")));
}

}  // namespace
}  // namespace enlace
