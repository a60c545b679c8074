// Test-only helpers for crypto tests: loading the public vector files and hex fields.
#ifndef ENLACE_CRYPTO_INTERNAL_TEST_UTIL_H_
#define ENLACE_CRYPTO_INTERNAL_TEST_UTIL_H_

#include <string>

#include "base/bytes.h"
#include "base/files.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace enlace::internal {

// Parses ENLACE_TESTVECTORS_DIR/<relative>; fails the test (fatally) if it cannot.
inline nlohmann::json LoadVectors(const std::string& relative) {
  const std::string path = std::string(ENLACE_TESTVECTORS_DIR) + "/" + relative;
  auto text = ReadFile(path, 64 << 20);
  if (!text.ok()) {
    ADD_FAILURE() << text.status();
    return nlohmann::json();
  }
  return nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
}

// The hex string field `name` of `j`, decoded; empty (and a test failure) if it is not hex.
inline Bytes HexField(const nlohmann::json& j, const char* name) {
  auto bytes = HexDecode(j.at(name).get<std::string>());
  if (!bytes.ok()) {
    ADD_FAILURE() << name << ": " << bytes.status();
    return Bytes();
  }
  return *bytes;
}

}  // namespace enlace::internal

#endif  // ENLACE_CRYPTO_INTERNAL_TEST_UTIL_H_
