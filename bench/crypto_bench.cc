// Envelope and primitive costs, and how much Seal adds on top of its primitives.
//
//   build/bin/crypto_bench                 # everything, then the ratio line
//   build/bin/crypto_bench --benchmark_filter='Seal|Primitive'
//
// Sizes are decimal (1 KB = 1000 bytes) so that the 4-byte length still fits the bucket: a
// 1 KB message is padded to 1024 bytes, 64 KB to 65536, 1 MB to 1048576.
// The last line printed is the FIGURE line (bench/figure.h) of the ratio
//   Seal(1 KB, 11 recipients) / (11 * (X25519 keygen + X25519 derive) + Ed25519 sign of the
//                                envelope's signing input + AES-256-GCM of 1 KB)
// i.e. what Seal costs beyond the public-key and bulk operations it cannot avoid (HKDF, the
// small AEADs of the wraps, hashing, protobuf, allocation). Target: <= 1.3. Compare ratios
// only: the machine is shared and Debian's libbenchmark is a debug build. The ratio uses CPU time.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "bench/bench_util.h"
#include "bench/figure.h"
#include "benchmark/benchmark.h"
#include "crypto/aead.h"
#include "crypto/envelope.h"
#include "crypto/hkdf.h"
#include "crypto/hpke.h"
#include "crypto/internal/envelope_format.h"
#include "crypto/internal/openssl_util.h"

namespace enlace {
namespace {

struct World {
  World() {
    DeterministicRandom random(7);
    sender.emplace(Ed25519PrivateKey::Generate(&random).value());
    for (int i = 0; i < 11; ++i) {
      const std::string id = "node/R" + std::to_string(i);
      X25519PrivateKey key = X25519PrivateKey::Generate(&random).value();
      recipients.push_back({id, key.public_key()});
      keys.push_back(std::move(key));
    }
  }

  v1::Header Header() const {
    v1::Header header;
    header.set_sender_id("node/MX");
    header.set_kind(v1::KIND_SMUGGLING_ALERT);
    header.set_priority(v1::PRIORITY_URGENT);
    header.set_thread_id(std::string(16, 't'));
    return header;
  }

  absl::StatusOr<v1::Envelope> SealFor(size_t size, int count) const {
    FakeClock clock(absl::FromUnixMillis(1767225600000));
    return Seal(Header(), std::string(size, 'p'), *sender,
                absl::MakeConstSpan(recipients.data(), count), Env{&clock, RandomSource::Real()});
  }

  absl::optional<Ed25519PrivateKey> sender;
  std::vector<RecipientKey> recipients;
  std::vector<X25519PrivateKey> keys;
};

const World& TheWorld() {
  static const World* const world = new World();
  return *world;
}

void Fail(benchmark::State& state, const absl::Status& status) {
  state.SkipWithError(std::string(status.message()).c_str());
}

void BM_Seal(benchmark::State& state) {
  const World& w = TheWorld();
  for (auto _ : state) {
    absl::StatusOr<v1::Envelope> envelope = w.SealFor(state.range(0), state.range(1));
    if (!envelope.ok()) return Fail(state, envelope.status());
    benchmark::DoNotOptimize(envelope);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void BM_Open(benchmark::State& state) {
  const World& w = TheWorld();
  absl::StatusOr<v1::Envelope> envelope = w.SealFor(state.range(0), state.range(1));
  if (!envelope.ok()) return Fail(state, envelope.status());
  RecipientIdentity me{w.recipients[0].recipient_id, {}};
  me.keys.push_back(X25519PrivateKey::FromRaw(w.keys[0].raw()).value());
  for (auto _ : state) {
    absl::StatusOr<Opened> opened = Open(*envelope, me, w.sender->public_key());
    if (!opened.ok()) return Fail(state, opened.status());
    benchmark::DoNotOptimize(opened);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void BM_Verify(benchmark::State& state) {
  const World& w = TheWorld();
  absl::StatusOr<v1::Envelope> envelope = w.SealFor(state.range(0), state.range(1));
  if (!envelope.ok()) return Fail(state, envelope.status());
  for (auto _ : state) {
    absl::StatusOr<VerifiedHeader> verified = VerifyEnvelope(*envelope, w.sender->public_key());
    if (!verified.ok()) return Fail(state, verified.status());
    benchmark::DoNotOptimize(verified);
  }
}

void GridArgs(benchmark::internal::Benchmark* b) {
  for (int64_t size : {1000, 64000, 1000000}) {
    for (int64_t recipients : {1, 2, 11}) b->Args({size, recipients});
  }
  b->ArgNames({"bytes", "recipients"})->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_Seal)->Apply(GridArgs);
BENCHMARK(BM_Open)->Apply(GridArgs);
BENCHMARK(BM_Verify)
    ->Args({1000, 11})
    ->ArgNames({"bytes", "recipients"})
    ->Unit(benchmark::kMicrosecond);

// --- The primitives Seal is made of ---

// A fresh X25519 key pair's public half (Seal's ephemeral key per recipient), as OpenSSL does it:
// the raw operation, without enlace's key object around it.
void BM_PrimitiveX25519Keygen(benchmark::State& state) {
  const std::string raw(32, '\x5a');
  for (auto _ : state) {
    internal::EvpPkeyPtr key(EVP_PKEY_new_raw_private_key(
        EVP_PKEY_X25519, nullptr, reinterpret_cast<const unsigned char*>(raw.data()), raw.size()));
    unsigned char public_key[32];
    size_t size = sizeof(public_key);
    if (key == nullptr || EVP_PKEY_get_raw_public_key(key.get(), public_key, &size) != 1) {
      return Fail(state, absl::InternalError("X25519 keygen failed"));
    }
    benchmark::DoNotOptimize(public_key);
  }
}

void BM_PrimitiveX25519Derive(benchmark::State& state) {
  const World& w = TheWorld();
  for (auto _ : state) {
    absl::StatusOr<SecretBytes> shared = w.keys[0].ComputeSharedSecret(w.recipients[1].key);
    if (!shared.ok()) return Fail(state, shared.status());
    benchmark::DoNotOptimize(shared);
  }
}

// Signing input of the 1 KB / 11-recipient envelope: what Seal signs.
Bytes SigningInputOf1Kb11() {
  const World& w = TheWorld();
  const v1::Envelope envelope = w.SealFor(1000, 11).value();
  return internal::EnvelopeSigningInput(envelope.header(), Sha256(envelope.payload()).value(),
                                        envelope.wraps());
}

void BM_PrimitiveEd25519Sign(benchmark::State& state) {
  const World& w = TheWorld();
  const Bytes input = SigningInputOf1Kb11();
  for (auto _ : state) {
    absl::StatusOr<Bytes> signature = w.sender->Sign(input);
    if (!signature.ok()) return Fail(state, signature.status());
    benchmark::DoNotOptimize(signature);
  }
}

void BM_PrimitiveEd25519Verify(benchmark::State& state) {
  const World& w = TheWorld();
  const Bytes input = SigningInputOf1Kb11();
  const Bytes signature = w.sender->Sign(input).value();
  for (auto _ : state) {
    absl::Status status = w.sender->public_key().Verify(input, signature);
    if (!status.ok()) return Fail(state, status);
  }
}

void BM_PrimitiveAes256Gcm1Kb(benchmark::State& state) {
  const Aead aead = Aead::Create(AeadAlgorithm::kAes256Gcm, SecretBytes(32)).value();
  const std::string plaintext(1024, 'p');
  const Bytes nonce(kAeadNonceSize, '\0');
  for (auto _ : state) {
    absl::StatusOr<Bytes> sealed = aead.Seal(nonce, "aad", plaintext);
    if (!sealed.ok()) return Fail(state, sealed.status());
    benchmark::DoNotOptimize(sealed);
  }
}

BENCHMARK(BM_PrimitiveX25519Keygen)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PrimitiveX25519Derive)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PrimitiveEd25519Sign)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PrimitiveEd25519Verify)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PrimitiveAes256Gcm1Kb)->Unit(benchmark::kMicrosecond);

// --- Components of Seal beyond the primitives: where the rest of the time goes ---

void BM_ComponentHkdfExtract(benchmark::State& state) {
  const std::string ikm(64, 'k');
  for (auto _ : state) {
    absl::StatusOr<SecretBytes> prk = HkdfSha256Extract("", ikm);
    if (!prk.ok()) return Fail(state, prk.status());
    benchmark::DoNotOptimize(prk);
  }
}

void BM_ComponentHkdfExpand(benchmark::State& state) {
  const std::string prk(32, 'k'), info(80, 'i');
  for (auto _ : state) {
    absl::StatusOr<SecretBytes> okm = HkdfSha256Expand(prk, info, 32);
    if (!okm.ok()) return Fail(state, okm.status());
    benchmark::DoNotOptimize(okm);
  }
}

void BM_ComponentHpkeSetupBaseSender(benchmark::State& state) {
  const World& w = TheWorld();
  for (auto _ : state) {
    absl::StatusOr<HpkeSender> sender = SetupBaseSender(
        AeadAlgorithm::kAes256Gcm, w.recipients[0].key, "info", RandomSource::Real());
    if (!sender.ok()) return Fail(state, sender.status());
    benchmark::DoNotOptimize(sender);
  }
}

void BM_ComponentX25519PublicKeyFromRaw(benchmark::State& state) {
  const World& w = TheWorld();
  for (auto _ : state) {
    absl::StatusOr<X25519PublicKey> key = X25519PublicKey::FromRaw(w.recipients[0].key.raw());
    if (!key.ok()) return Fail(state, key.status());
    benchmark::DoNotOptimize(key);
  }
}

BENCHMARK(BM_ComponentHkdfExtract)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ComponentHkdfExpand)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ComponentHpkeSetupBaseSender)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ComponentX25519PublicKeyFromRaw)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace enlace

int main(int argc, char** argv) {
  enlace::bench::RecordingReporter reporter;
  if (!enlace::bench::RunBenchmarks(&argc, argv, &reporter)) return 1;

  const char* needed[] = {"BM_Seal/bytes:1000/recipients:11", "BM_PrimitiveX25519Keygen",
                          "BM_PrimitiveX25519Derive", "BM_PrimitiveEd25519Sign",
                          "BM_PrimitiveAes256Gcm1Kb"};
  double t[5];
  for (int i = 0; i < 5; ++i) {
    const enlace::bench::Measured* m = reporter.Find(needed[i]);
    if (m == nullptr) {
      std::printf("ratio not computed: %s did not run\n", needed[i]);
      return 0;
    }
    t[i] = m->cpu_us;
  }
  const double primitives = 11 * (t[1] + t[2]) + t[3] + t[4];
  std::printf(
      "CPU time: seal(1 KB, 11 recipients) = %.1f us; sum of its primitives = "
      "11 * (%.1f + %.1f) + %.1f + %.1f = %.1f us\n",
      t[0], t[1], t[2], t[3], t[4], primitives);
  enlace::bench::Figure figure;
  figure.id = "seal_11_vs_primitives";
  figure.value = t[0];
  figure.unit = "us";
  figure.limit = primitives;
  figure.limit_unit = "us";
  figure.limit_name =
      "OpenSSL primitives in process: 11 x (X25519 keygen + X25519 derive) + Ed25519 sign + "
      "AES-256-GCM of 1 KB (CPU time)";
  figure.ratio = t[0] / primitives;
  figure.target = enlace::bench::Target::AtMost(1.3);
  enlace::bench::PrintFigure(figure);
  return 0;
}
