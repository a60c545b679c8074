// crypto_vectors: runs public test-vector files through enlace's crypto and judges every case.
//
//   crypto_vectors --wycheproof tests/vectors/wycheproof/x25519_test.json
//   crypto_vectors --hpke tests/vectors/hpke/rfc9180_x25519_hkdfsha256_base_auth.json
//   crypto_vectors --rfc8032 tests/vectors/rfc8032/ed25519_rfc8032_7_1.json
//
// Prints one line per failing (or skipped) case and, last, exactly "N passed, M failed".
// Exit status: 0 if no case failed, 1 if some did, 2 if the file could not be run at all.
#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "crypto/internal/vector_runner.h"

int main(int argc, char** argv) {
  CLI::App app{
      "Runs a public test-vector file (Wycheproof, RFC 9180 HPKE or RFC 8032 Ed25519) through "
      "enlace's crypto. Prints a line per failing case, then 'N passed, M failed'; exits 0 only "
      "if nothing failed."};
  std::string wycheproof, hpke, rfc8032;
  auto* w = app.add_option("--wycheproof", wycheproof,
                           "Wycheproof JSON: X25519, Ed25519, AES-GCM, ChaCha20-Poly1305, "
                           "HKDF-SHA256, HMAC-SHA256, ECDSA P-256/SHA-256");
  auto* h = app.add_option("--hpke", hpke, "RFC 9180 test-vectors JSON");
  auto* r = app.add_option("--rfc8032", rfc8032, "RFC 8032 Ed25519 known answers JSON");
  w->excludes(h)->excludes(r);
  h->excludes(r);
  app.require_option(1);
  CLI11_PARSE(app, argc, argv);

  using enlace::internal::VectorFormat;
  const VectorFormat format = !wycheproof.empty() ? VectorFormat::kWycheproof
                              : !hpke.empty()     ? VectorFormat::kHpke
                                                  : VectorFormat::kRfc8032;
  const std::string& path = !wycheproof.empty() ? wycheproof : !hpke.empty() ? hpke : rfc8032;
  auto tally = enlace::internal::RunVectorFile(format, path, std::cout);
  if (!tally.ok()) {
    std::cerr << "crypto_vectors: " << tally.status().message() << "\n";
    return 2;
  }
  if (tally->skipped > 0) std::cout << tally->skipped << " skipped\n";
  std::cout << tally->passed << " passed, " << tally->failed << " failed" << std::endl;
  return tally->failed == 0 ? 0 : 1;
}
