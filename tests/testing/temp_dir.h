// A fresh directory for one test, removed with everything in it when the object goes away.
#ifndef ENLACE_TESTS_TESTING_TEMP_DIR_H_
#define ENLACE_TESTS_TESTING_TEMP_DIR_H_

#include <string>

namespace enlace::testing {

class TempDir {
 public:
  // Created under $TEST_TMPDIR, else $TMPDIR, else /tmp. Aborts the test binary if it cannot.
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace enlace::testing

#endif  // ENLACE_TESTS_TESTING_TEMP_DIR_H_
