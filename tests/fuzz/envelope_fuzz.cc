// Fuzzes what the hub and a recipient do with envelope bytes from outside: parse -> verify ->
// open, whole (Submit) and as a head with a streamed payload (SubmitStream). Random bytes rarely
// get past the signature, so the first input byte picks how the input is used (the next two give
// an offset):
//   0: the input is the envelope;
//   1: the input is XORed into a valid sealed envelope at the offset (bit flips anywhere);
//   2: the input replaces a slice of a valid sealed envelope (splices, truncations, growth).
// Whatever parses is also re-signed with the sender's key, as a malicious but enrolled sender
// could, so that the checks after the signature (wrap lookup, HPKE, AEAD, padding) are reached
// with the recipient's real private key. Nothing may crash, leak or hang, and two properties are
// judged: the untouched envelope opens to its plaintext, and the streamed path (head + payload
// size and hash) accepts exactly what the whole-envelope path accepts.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "crypto/envelope.h"
#include "crypto/internal/envelope_format.h"
#include "tests/fuzz/fuzz_support.h"

namespace enlace {
namespace {

constexpr absl::string_view kPlaintext = "fuzz seed plaintext";

struct Fixture {
  Fixture() {
    DeterministicRandom random(4);
    sender.emplace(Ed25519PrivateKey::Generate(&random).value());
    for (const char* id : {"node/GT", "node/HN"}) {
      X25519PrivateKey key = X25519PrivateKey::Generate(&random).value();
      recipients.push_back({id, key.public_key()});
      if (me.recipient_id.empty()) {
        me.recipient_id = id;
        me.keys.push_back(std::move(key));
      }
    }
    valid = SealSerialized(kPlaintext, 1);
  }

  // `plaintext` sealed by the sender for both recipients, reproducibly (`seed` draws the
  // randomness), serialized.
  std::string SealSerialized(absl::string_view plaintext, uint64_t seed) const {
    v1::Header header;
    header.set_sender_id("node/MX");
    header.set_kind(v1::KIND_SMUGGLING_ALERT);
    DeterministicRandom random(seed);
    FakeClock clock(absl::FromUnixMillis(1767225600000));
    return Seal(header, plaintext, *sender, recipients, Env{&clock, &random})
        .value()
        .SerializeAsString();
  }

  absl::optional<Ed25519PrivateKey> sender;
  std::vector<RecipientKey> recipients;
  RecipientIdentity me;
  std::string valid;
};

const Fixture& TheFixture() {
  static const Fixture* const fixture = new Fixture();
  return *fixture;
}

// Mode 0 seeds are real envelopes carrying the domain examples; modes 1 and 2 with nothing after
// the offset leave the valid envelope as it is.
std::vector<fuzz::Seed> Seeds() {
  const Fixture& f = TheFixture();
  std::vector<fuzz::Seed> seeds = {{"xor-nothing", std::string("\x01\x00\x00", 3)},
                                   {"splice-nothing", std::string("\x02\x00\x00", 3)}};
  uint64_t seed = 100;
  for (const auto& [name, json] : fuzz::SourceFiles("tests/data/examples", ".json")) {
    seeds.emplace_back(absl::StrCat("sealed-", name),
                       std::string(3, '\0') + f.SealSerialized(json, ++seed));
  }
  return seeds;
}

// The streamed path's verdict on `envelope`: its head (no payload) with the payload's size and
// hash, as hub_service's SubmitStream sees them.
bool HeadVerifies(const v1::Envelope& envelope, const Sha256Digest& payload_hash,
                  const Ed25519PublicKey& key, const EnvelopeLimits& limits) {
  v1::Envelope head = envelope;
  head.clear_payload();
  const uint64_t size = envelope.payload().size();
  const bool header_ok = ReadUnverifiedHeadHeader(head, size, limits).ok();
  const bool verified = VerifyEnvelopeHead(head, size, payload_hash, key, limits).ok();
  if (verified && !header_ok) std::abort();  // verification includes the structural checks
  return verified;
}

void Exercise(const Fixture& f, const std::string& bytes) {
  EnvelopeLimits limits;
  limits.max_envelope_size = 1 << 20;
  absl::StatusOr<v1::Envelope> envelope = ParseEnvelope(bytes, limits);
  if (bytes == f.valid && !envelope.ok()) std::abort();
  if (!envelope.ok()) return;
  (void)ReadUnverifiedHeader(*envelope);
  absl::StatusOr<Opened> opened = Open(*envelope, f.me, f.sender->public_key(), limits);
  if (bytes == f.valid && (!opened.ok() || opened->plaintext != kPlaintext)) std::abort();
  absl::StatusOr<Sha256Digest> hash = Sha256(envelope->payload());
  if (!hash.ok()) return;
  const Ed25519PublicKey& key = f.sender->public_key();
  for (int round = 0; round < 2; ++round) {
    const bool whole = VerifyEnvelope(*envelope, key, limits).ok();
    if (HeadVerifies(*envelope, *hash, key, limits) != whole) std::abort();
    if (round == 1) break;
    absl::StatusOr<Bytes> signature = f.sender->Sign(
        internal::EnvelopeSigningInput(envelope->header(), *hash, envelope->wraps()));
    if (!signature.ok()) return;
    envelope->set_signature(*signature);
    (void)Open(*envelope, f.me, key, limits);
  }
}

}  // namespace
}  // namespace enlace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  enlace::fuzz::WriteSeedsIfAsked(enlace::Seeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const enlace::Fixture& fixture = enlace::TheFixture();
  if (size < 3) return 0;
  const size_t offset = (static_cast<size_t>(data[1]) << 8 | data[2]) % (fixture.valid.size() + 1);
  const std::string rest(reinterpret_cast<const char*>(data) + 3, size - 3);
  std::string candidate;
  switch (data[0] % 3) {
    case 0:
      candidate = rest;
      break;
    case 1:
      candidate = fixture.valid;
      for (size_t i = 0; i < rest.size() && offset + i < candidate.size(); ++i) {
        candidate[offset + i] ^= rest[i];
      }
      break;
    default:
      candidate = fixture.valid.substr(0, offset) + rest +
                  fixture.valid.substr(std::min(fixture.valid.size(), offset + rest.size() / 2));
      break;
  }
  enlace::Exercise(fixture, candidate);
  return 0;
}
