// Fuzzes what the hub and a recipient do with envelope bytes from outside: parse -> verify ->
// open. Random bytes rarely get past the signature, so the first input byte picks how the input
// is used:
//   0: the input is the envelope;
//   1: the input is XORed into a valid sealed envelope at an offset (bit flips anywhere);
//   2: the input replaces a slice of a valid sealed envelope (splices, truncations, growth).
// Whatever parses is also re-signed with the sender's key, as a malicious but enrolled sender
// could, so that the checks after the signature (wrap lookup, HPKE, AEAD, padding) are reached.
// Nothing may crash, leak or hang; results are not judged (the unit tests judge them).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "crypto/envelope.h"
#include "crypto/internal/envelope_format.h"

namespace enlace {
namespace {

struct Fixture {
  Fixture() {
    DeterministicRandom random(4);
    sender.emplace(Ed25519PrivateKey::Generate(&random).value());
    std::vector<RecipientKey> recipients;
    for (const char* id : {"node/GT", "node/HN"}) {
      X25519PrivateKey key = X25519PrivateKey::Generate(&random).value();
      recipients.push_back({id, key.public_key()});
      if (me.recipient_id.empty()) {
        me.recipient_id = id;
        me.keys.push_back(std::move(key));
      }
    }
    v1::Header header;
    header.set_sender_id("node/MX");
    header.set_kind(v1::KIND_SMUGGLING_ALERT);
    FakeClock clock(absl::FromUnixMillis(1767225600000));
    valid = Seal(header, "fuzz seed plaintext", *sender, recipients, Env{&clock, &random})
                .value()
                .SerializeAsString();
  }

  absl::optional<Ed25519PrivateKey> sender;
  RecipientIdentity me;
  std::string valid;
};

void Exercise(const Fixture& f, const std::string& bytes) {
  EnvelopeLimits limits;
  limits.max_envelope_size = 1 << 20;
  absl::StatusOr<v1::Envelope> envelope = ParseEnvelope(bytes, limits);
  if (!envelope.ok()) return;
  (void)ReadUnverifiedHeader(*envelope);
  (void)Open(*envelope, f.me, f.sender->public_key(), limits);
  absl::StatusOr<Sha256Digest> hash = Sha256(envelope->payload());
  if (!hash.ok()) return;
  absl::StatusOr<Bytes> signature =
      f.sender->Sign(internal::EnvelopeSigningInput(envelope->header(), *hash, envelope->wraps()));
  if (!signature.ok()) return;
  envelope->set_signature(*signature);
  (void)Open(*envelope, f.me, f.sender->public_key(), limits);
}

}  // namespace
}  // namespace enlace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const enlace::Fixture* const fixture = new enlace::Fixture();
  if (size < 3) return 0;
  const size_t offset = (static_cast<size_t>(data[1]) << 8 | data[2]) % (fixture->valid.size() + 1);
  const std::string rest(reinterpret_cast<const char*>(data) + 3, size - 3);
  std::string candidate;
  switch (data[0] % 3) {
    case 0:
      candidate = rest;
      break;
    case 1:
      candidate = fixture->valid;
      for (size_t i = 0; i < rest.size() && offset + i < candidate.size(); ++i) {
        candidate[offset + i] ^= rest[i];
      }
      break;
    default:
      candidate = fixture->valid.substr(0, offset) + rest +
                  fixture->valid.substr(std::min(fixture->valid.size(), offset + rest.size() / 2));
      break;
  }
  enlace::Exercise(*fixture, candidate);
  return 0;
}
