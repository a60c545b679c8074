#include "crypto/envelope.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <memory>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "crypto/aead.h"
#include "crypto/hpke.h"
#include "crypto/internal/envelope_format.h"

namespace enlace {
namespace {

using internal::EnvelopeSigningInput;
using internal::PayloadAad;
using internal::SuiteAead;
using internal::WrapInfo;

constexpr size_t kWrappedKeySize = kContentKeySize + kAeadTagSize;

absl::Status Invalid(absl::string_view where, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("envelope ", where, ": ", what));
}

// Participant ids are checked against identity's grammar by the callers that know it; here only
// what keeps the encodings bounded and printable.
absl::Status CheckParticipantId(absl::string_view field, absl::string_view id) {
  if (id.empty() || id.size() > kMaxParticipantIdSize) {
    return Invalid(field,
                   absl::StrCat("must be 1..", kMaxParticipantIdSize, " bytes, got ", id.size()));
  }
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) {
      return Invalid(field, "must be printable ASCII without spaces");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckHeader(const v1::Header& header, const EnvelopeLimits& limits) {
  if (header.message_id().size() != kMessageIdSize) {
    return Invalid("header.message_id", absl::StrCat("must be ", kMessageIdSize, " bytes, got ",
                                                     header.message_id().size()));
  }
  RETURN_IF_ERROR(CheckParticipantId("header.sender_id", header.sender_id()));
  const size_t max_recipients = std::min(limits.max_recipients, kMaxRecipients);
  if (header.recipient_ids().empty() ||
      static_cast<size_t>(header.recipient_ids_size()) > max_recipients) {
    return Invalid("header.recipient_ids",
                   absl::StrCat("must list 1..", max_recipients, " recipients, got ",
                                header.recipient_ids_size()));
  }
  std::set<absl::string_view> seen;
  for (int i = 0; i < header.recipient_ids_size(); ++i) {
    const std::string field = absl::StrCat("header.recipient_ids[", i, "]");
    RETURN_IF_ERROR(CheckParticipantId(field, header.recipient_ids(i)));
    if (!seen.insert(header.recipient_ids(i)).second) {
      return Invalid(field, absl::StrCat("\"", header.recipient_ids(i), "\" is listed twice"));
    }
  }
  if (header.kind() == v1::KIND_UNSPECIFIED || !v1::MessageKind_IsValid(header.kind())) {
    return Invalid("header.kind", absl::StrCat("must be a known kind other than "
                                               "KIND_UNSPECIFIED, got ",
                                               static_cast<int>(header.kind())));
  }
  if (!v1::Priority_IsValid(header.priority())) {
    return Invalid("header.priority",
                   absl::StrCat("unknown priority ", static_cast<int>(header.priority())));
  }
  if (header.created_at_ms() <= 0) {
    return Invalid("header.created_at_ms", "must be a positive UTC time in milliseconds");
  }
  if (!header.thread_id().empty() && header.thread_id().size() != kThreadIdSize) {
    return Invalid("header.thread_id", absl::StrCat("must be empty or ", kThreadIdSize,
                                                    " bytes, got ", header.thread_id().size()));
  }
  if (absl::Status suite = SuiteAead(header.suite_id()).status(); !suite.ok()) {
    return Invalid("header.suite_id", suite.message());
  }
  if (header.sender_key_id().size() != kKeyIdSize) {
    return Invalid("header.sender_key_id", absl::StrCat("must be ", kKeyIdSize, " bytes, got ",
                                                        header.sender_key_id().size()));
  }
  return absl::OkStatus();
}

bool HasUnknownFields(const google::protobuf::Message& message) {
  return !message.GetReflection()->GetUnknownFields(message).empty();
}

bool IsPaddedSize(uint64_t size) {
  return size >= kMinPaddedSize && size <= kMaxPaddedSize && PaddedSize(size - 4) == size;
}

// Everything about an envelope that can be checked without keys. `payload_size` is the size of
// the payload (held or streamed). Returns the parsed header.
absl::StatusOr<v1::Header> CheckStructure(const v1::Envelope& envelope, uint64_t payload_size,
                                          const EnvelopeLimits& limits) {
  if (HasUnknownFields(envelope)) return Invalid("", "has unknown fields");
  const std::string& header_bytes = envelope.header();
  if (header_bytes.empty() || header_bytes.size() > kMaxHeaderSize) {
    return Invalid(
        "header", absl::StrCat("must be 1..", kMaxHeaderSize, " bytes, got ", header_bytes.size()));
  }
  v1::Header header;
  if (!header.ParseFromString(header_bytes)) return Invalid("header", "is not a valid Header");
  if (HasUnknownFields(header)) return Invalid("header", "has unknown fields");
  // Signed as bytes, but also canonical, so that every reader sees one meaning for them.
  if (header.SerializeAsString() != header_bytes) {
    return Invalid("header", "is not in canonical protobuf encoding");
  }
  RETURN_IF_ERROR(CheckHeader(header, limits));

  const uint64_t max_payload = std::min(limits.max_payload_size, kMaxPayloadSize);
  if (payload_size > max_payload) {
    return Invalid("payload",
                   absl::StrCat("is ", payload_size, " bytes; the limit is ", max_payload));
  }
  if (payload_size < kAeadTagSize || !IsPaddedSize(payload_size - kAeadTagSize)) {
    return Invalid("payload", absl::StrCat("size ", payload_size,
                                           " is not a padding bucket plus the 16-byte tag"));
  }
  if (envelope.wraps_size() != header.recipient_ids_size()) {
    return Invalid("wraps", absl::StrCat("has ", envelope.wraps_size(), " wraps for ",
                                         header.recipient_ids_size(), " recipients"));
  }
  for (int i = 0; i < envelope.wraps_size(); ++i) {
    const v1::RecipientWrap& wrap = envelope.wraps(i);
    const std::string where = absl::StrCat("wraps[", i, "]");
    if (HasUnknownFields(wrap)) return Invalid(where, "has unknown fields");
    if (wrap.recipient_id() != header.recipient_ids(i)) {
      return Invalid(
          where, absl::StrCat("is for \"", wrap.recipient_id(), "\" but header.recipient_ids[", i,
                              "] is \"", header.recipient_ids(i), "\""));
    }
    if (wrap.key_id().size() != kKeyIdSize ||
        wrap.encapsulated_key().size() != kHpkeEncapsulatedKeySize ||
        wrap.wrapped_key().size() != kWrappedKeySize) {
      return Invalid(
          where, absl::StrCat("field sizes (key_id ", wrap.key_id().size(), ", encapsulated_key ",
                              wrap.encapsulated_key().size(), ", wrapped_key ",
                              wrap.wrapped_key().size(), ") must be ", kKeyIdSize, ", ",
                              kHpkeEncapsulatedKeySize, ", ", kWrappedKeySize));
    }
  }
  if (envelope.signature().size() != kEd25519SignatureSize) {
    return Invalid("signature", absl::StrCat("must be ", kEd25519SignatureSize, " bytes, got ",
                                             envelope.signature().size()));
  }
  return header;
}

// A head verified against a streamed payload holds no payload of its own.
absl::Status CheckHeadHasNoPayload(const v1::Envelope& head) {
  if (head.payload().empty()) return absl::OkStatus();
  return Invalid("payload", "must be empty in a head whose payload is streamed");
}

absl::StatusOr<VerifiedHeader> Verify(const v1::Envelope& envelope, uint64_t payload_size,
                                      const Sha256Digest& payload_hash,
                                      const Ed25519PublicKey& sender_key,
                                      const EnvelopeLimits& limits) {
  ASSIGN_OR_RETURN(v1::Header header, CheckStructure(envelope, payload_size, limits));
  if (header.sender_key_id() != sender_key.KeyId()) {
    return Invalid(
        "header.sender_key_id",
        absl::StrCat("names signing key ", HexEncode(header.sender_key_id()),
                     " but the key given to verify with is ", HexEncode(sender_key.KeyId())));
  }
  const Bytes input = EnvelopeSigningInput(envelope.header(), payload_hash, envelope.wraps());
  if (absl::Status s = sender_key.Verify(input, envelope.signature()); !s.ok()) {
    return Invalid("signature", s.message());
  }
  VerifiedHeader verified;
  ASSIGN_OR_RETURN(verified.header_hash, Sha256(envelope.header()));
  verified.header = std::move(header);
  verified.payload_hash = payload_hash;
  verified.payload_size = payload_size;
  return verified;
}

// Completes the caller's header as documented on Seal.
absl::Status CompleteHeader(const Ed25519PrivateKey& signing_key,
                            absl::Span<const RecipientKey> recipients, const Env& env,
                            v1::Header* header) {
  if (header->message_id().empty()) {
    Bytes id(kMessageIdSize, '\0');
    RETURN_IF_ERROR(
        env.random->Fill(absl::MakeSpan(reinterpret_cast<uint8_t*>(id.data()), id.size())));
    header->set_message_id(id);
  }
  if (header->created_at_ms() == 0) {
    header->set_created_at_ms(absl::ToUnixMillis(env.clock->Now()));
  }
  if (header->suite_id() == 0) header->set_suite_id(kDefaultSuite);
  const Bytes key_id = signing_key.public_key().KeyId();
  if (header->sender_key_id().empty()) header->set_sender_key_id(key_id);
  if (header->sender_key_id() != key_id) {
    return Invalid("header.sender_key_id", "is not the key id of the signing key given to Seal");
  }
  if (header->recipient_ids().empty()) {
    for (const RecipientKey& r : recipients) header->add_recipient_ids(r.recipient_id);
  }
  const bool same =
      static_cast<size_t>(header->recipient_ids_size()) == recipients.size() &&
      std::equal(recipients.begin(), recipients.end(), header->recipient_ids().begin(),
                 [](const RecipientKey& r, const std::string& id) { return r.recipient_id == id; });
  if (!same) {
    return Invalid("header.recipient_ids",
                   "must equal the ids of the recipients' keys given to Seal, in order");
  }
  return absl::OkStatus();
}

}  // namespace

size_t PaddedSize(size_t plaintext_size) {
  if (plaintext_size > kMaxPlaintextSize) return 0;
  const size_t n = plaintext_size + 4;
  if (n <= kMinPaddedSize) return kMinPaddedSize;
  constexpr size_t kStep = 64 * 1024;
  if (n <= kStep) {
    size_t bucket = kMinPaddedSize;
    while (bucket < n) bucket <<= 1;
    return bucket;
  }
  return (n + kStep - 1) / kStep * kStep;
}

absl::StatusOr<v1::Envelope> Seal(v1::Header header, absl::string_view plaintext,
                                  const Ed25519PrivateKey& signing_key,
                                  absl::Span<const RecipientKey> recipients, const Env& env) {
  RETURN_IF_ERROR(CompleteHeader(signing_key, recipients, env, &header));
  RETURN_IF_ERROR(CheckHeader(header, EnvelopeLimits()));
  ASSIGN_OR_RETURN(AeadAlgorithm aead, SuiteAead(header.suite_id()));
  ASSIGN_OR_RETURN(Bytes padded, internal::Pad(plaintext));

  v1::Envelope envelope;
  envelope.set_header(header.SerializeAsString());
  if (envelope.header().size() > kMaxHeaderSize) {
    return Invalid("header", absl::StrCat("serializes to ", envelope.header().size(),
                                          " bytes; the limit is ", kMaxHeaderSize));
  }
  ASSIGN_OR_RETURN(SecretBytes content_key, SecretBytes::Random(kContentKeySize, env.random));
  ASSIGN_OR_RETURN(Aead payload_aead, Aead::Create(aead, content_key));
  ASSIGN_OR_RETURN(
      *envelope.mutable_payload(),
      payload_aead.Seal(internal::PayloadNonce(), PayloadAad(envelope.header()), padded));
  OPENSSL_cleanse(padded.data(), padded.size());

  for (const RecipientKey& recipient : recipients) {
    const Bytes key_id = recipient.key.KeyId();
    ASSIGN_OR_RETURN(HpkeSender sender,
                     SetupBaseSender(aead, recipient.key,
                                     WrapInfo(header.suite_id(), header.message_id(),
                                              header.sender_id(), recipient.recipient_id, key_id),
                                     env.random));
    v1::RecipientWrap* wrap = envelope.add_wraps();
    wrap->set_recipient_id(recipient.recipient_id);
    wrap->set_key_id(key_id);
    wrap->set_encapsulated_key(sender.encapsulated_key);
    ASSIGN_OR_RETURN(*wrap->mutable_wrapped_key(),
                     sender.context->Seal(envelope.header(), content_key.view()));
  }
  ASSIGN_OR_RETURN(Sha256Digest payload_hash, Sha256(envelope.payload()));
  ASSIGN_OR_RETURN(
      *envelope.mutable_signature(),
      signing_key.Sign(EnvelopeSigningInput(envelope.header(), payload_hash, envelope.wraps())));
  return envelope;
}

absl::StatusOr<v1::Envelope> ParseEnvelope(absl::string_view bytes, const EnvelopeLimits& limits) {
  const size_t max_size = std::min(limits.max_envelope_size, kMaxEnvelopeSize);
  if (bytes.size() > max_size) {
    return Invalid("", absl::StrCat("is ", bytes.size(), " bytes; the limit is ", max_size));
  }
  v1::Envelope envelope;
  if (!envelope.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Invalid("", "is not a valid Envelope protobuf");
  }
  RETURN_IF_ERROR(CheckStructure(envelope, envelope.payload().size(), limits).status());
  return envelope;
}

absl::StatusOr<v1::Header> ReadUnverifiedHeader(const v1::Envelope& envelope) {
  return CheckStructure(envelope, envelope.payload().size(), EnvelopeLimits());
}

absl::StatusOr<v1::Header> ReadUnverifiedHeadHeader(const v1::Envelope& head, uint64_t payload_size,
                                                    const EnvelopeLimits& limits) {
  RETURN_IF_ERROR(CheckHeadHasNoPayload(head));
  return CheckStructure(head, payload_size, limits);
}

absl::StatusOr<VerifiedHeader> VerifyEnvelope(const v1::Envelope& envelope,
                                              const Ed25519PublicKey& sender_key,
                                              const EnvelopeLimits& limits) {
  ASSIGN_OR_RETURN(Sha256Digest payload_hash, Sha256(envelope.payload()));
  return Verify(envelope, envelope.payload().size(), payload_hash, sender_key, limits);
}

absl::StatusOr<VerifiedHeader> VerifyEnvelopeHead(const v1::Envelope& head, uint64_t payload_size,
                                                  const Sha256Digest& payload_hash,
                                                  const Ed25519PublicKey& sender_key,
                                                  const EnvelopeLimits& limits) {
  RETURN_IF_ERROR(CheckHeadHasNoPayload(head));
  return Verify(head, payload_size, payload_hash, sender_key, limits);
}

absl::StatusOr<Opened> Open(const v1::Envelope& envelope, const RecipientIdentity& me,
                            const Ed25519PublicKey& sender_key, const EnvelopeLimits& limits) {
  // Verify first: nothing below runs on an envelope the sender did not sign.
  ASSIGN_OR_RETURN(VerifiedHeader verified, VerifyEnvelope(envelope, sender_key, limits));
  const v1::Header& header = verified.header;
  const v1::RecipientWrap* wrap = nullptr;
  for (const v1::RecipientWrap& w : envelope.wraps()) {
    if (w.recipient_id() == me.recipient_id) wrap = &w;
  }
  if (wrap == nullptr) {
    return Invalid("wraps", absl::StrCat("\"", me.recipient_id, "\" is not a recipient (",
                                         absl::StrJoin(header.recipient_ids(), ", "), ")"));
  }
  const X25519PrivateKey* key = nullptr;
  for (const X25519PrivateKey& k : me.keys) {
    if (k.public_key().KeyId() == wrap->key_id()) key = &k;
  }
  if (key == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("the wrap for \"", me.recipient_id, "\" is sealed to encryption key ",
                     HexEncode(wrap->key_id()), ", which is not among the ", me.keys.size(),
                     " keys held for it"));
  }
  ASSIGN_OR_RETURN(AeadAlgorithm aead, SuiteAead(header.suite_id()));
  ASSIGN_OR_RETURN(
      std::unique_ptr<HpkeContext> context,
      SetupBaseRecipient(aead, wrap->encapsulated_key(), *key,
                         WrapInfo(header.suite_id(), header.message_id(), header.sender_id(),
                                  me.recipient_id, wrap->key_id())));
  absl::StatusOr<Bytes> unwrapped = context->Open(envelope.header(), wrap->wrapped_key());
  if (!unwrapped.ok()) {
    return Invalid(absl::StrCat("wrap for \"", me.recipient_id, "\""),
                   "does not open with this recipient's key (sealed to another key, or altered)");
  }
  const SecretBytes content_key(*unwrapped);
  OPENSSL_cleanse(unwrapped->data(), unwrapped->size());
  ASSIGN_OR_RETURN(Aead payload_aead, Aead::Create(aead, content_key));
  absl::StatusOr<Bytes> padded = payload_aead.Open(
      internal::PayloadNonce(), PayloadAad(envelope.header()), envelope.payload());
  if (!padded.ok()) {
    return Invalid("payload", "does not decrypt with the wrapped content key");
  }
  absl::StatusOr<Bytes> plaintext = internal::Unpad(*padded);
  OPENSSL_cleanse(padded->data(), padded->size());
  if (!plaintext.ok()) return Invalid("payload", plaintext.status().message());
  return Opened{std::move(verified), *std::move(plaintext)};
}

}  // namespace enlace
