// SecretBytes: key material that wipes itself.
//
// Every secret enlace holds in memory (private keys, seeds, content keys, HPKE secrets,
// passphrases) lives in a SecretBytes, whose buffer is overwritten with OPENSSL_cleanse when it is
// destroyed, moved from or assigned over. Reading the bytes goes through `view()` or `data()`, so
// each place where a secret leaves this type is easy to find with grep.
//
// The size is fixed at construction: there is no append or resize, so no reallocation can leave
// an unwiped copy behind. Not thread-safe for concurrent mutation (like std::string).
#ifndef ENLACE_CRYPTO_SECRET_H_
#define ENLACE_CRYPTO_SECRET_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/env.h"

namespace enlace {

class SecretBytes {
 public:
  // Empty.
  SecretBytes() = default;
  // A copy of `bytes`. The caller remains responsible for wiping its own copy.
  explicit SecretBytes(absl::string_view bytes);
  // `size` zero bytes, to be filled in place through data().
  explicit SecretBytes(size_t size);

  // `size` bytes from `random`.
  static absl::StatusOr<SecretBytes> Random(size_t size, RandomSource* random);

  SecretBytes(const SecretBytes& other);
  SecretBytes& operator=(const SecretBytes& other);
  // The moved-from object is left empty.
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  ~SecretBytes();

  const uint8_t* data() const { return bytes_.get(); }
  uint8_t* data() { return bytes_.get(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // The secret as a view; valid while this object lives and is not assigned to.
  absl::string_view view() const {
    return absl::string_view(reinterpret_cast<const char*>(bytes_.get()), size_);
  }

 private:
  void Wipe();

  std::unique_ptr<uint8_t[]> bytes_;
  size_t size_ = 0;
};

}  // namespace enlace

#endif  // ENLACE_CRYPTO_SECRET_H_
