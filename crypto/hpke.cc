#include "crypto/hpke.h"

#include <cstring>
#include <initializer_list>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "crypto/hkdf.h"
#include "crypto/internal/pkey.h"

namespace enlace {
namespace {

constexpr uint8_t kModeBase = 0x00;
constexpr uint8_t kModeAuth = 0x02;
constexpr size_t kNonceSize = 12;  // Nn for all three AEADs
constexpr size_t kHashSize = 32;   // Nh of HKDF-SHA256, Nsecret of the KEM
constexpr absl::string_view kVersionLabel = "HPKE-v1";

// The concatenation of `parts` in wiped memory (the parts may hold DH outputs).
SecretBytes Concat(std::initializer_list<absl::string_view> parts) {
  size_t size = 0;
  for (absl::string_view part : parts) size += part.size();
  SecretBytes out(size);
  size_t offset = 0;
  for (absl::string_view part : parts) {
    if (!part.empty()) std::memcpy(out.data() + offset, part.data(), part.size());
    offset += part.size();
  }
  return out;
}

Bytes I2osp2(size_t v) {
  Bytes out;
  AppendUint16(static_cast<uint16_t>(v), &out);
  return out;
}

// RFC 9180 §4: LabeledExtract and LabeledExpand, bound to a suite id.
class LabeledKdf {
 public:
  explicit LabeledKdf(Bytes suite_id) : suite_id_(std::move(suite_id)) {}

  absl::StatusOr<SecretBytes> Extract(absl::string_view salt, absl::string_view label,
                                      absl::string_view ikm) const {
    const SecretBytes labeled_ikm = Concat({kVersionLabel, suite_id_, label, ikm});
    return HkdfSha256Extract(salt, labeled_ikm.view());
  }

  absl::StatusOr<SecretBytes> Expand(absl::string_view prk, absl::string_view label,
                                     absl::string_view info, size_t length) const {
    if (length > std::numeric_limits<uint16_t>::max()) {
      return absl::InvalidArgumentError(absl::StrCat("HPKE cannot expand to ", length, " bytes"));
    }
    const Bytes labeled_info = absl::StrCat(I2osp2(length), kVersionLabel, suite_id_, label, info);
    return HkdfSha256Expand(prk, labeled_info, length);
  }

 private:
  Bytes suite_id_;
};

LabeledKdf KemKdf() { return LabeledKdf(absl::StrCat("KEM", I2osp2(kHpkeKemX25519HkdfSha256))); }

LabeledKdf HpkeKdf(AeadAlgorithm aead) {
  return LabeledKdf(absl::StrCat("HPKE", I2osp2(kHpkeKemX25519HkdfSha256),
                                 I2osp2(kHpkeKdfHkdfSha256), I2osp2(HpkeAeadId(aead))));
}

// The private half of DeriveKeyPair (RFC 9180 §7.1.3; X25519 needs no rejection sampling).
absl::StatusOr<SecretBytes> DeriveSecretKey(absl::string_view ikm) {
  ASSIGN_OR_RETURN(SecretBytes dkp_prk, KemKdf().Extract("", "dkp_prk", ikm));
  return KemKdf().Expand(dkp_prk.view(), "sk", "", kX25519KeySize);
}

// DHKEM ExtractAndExpand (RFC 9180 §4.1).
absl::StatusOr<SecretBytes> ExtractAndExpand(const SecretBytes& dh, absl::string_view kem_context) {
  ASSIGN_OR_RETURN(SecretBytes eae_prk, KemKdf().Extract("", "eae_prk", dh.view()));
  return KemKdf().Expand(eae_prk.view(), "shared_secret", kem_context, kHashSize);
}

class EvpHpkeContext : public HpkeContext {
 public:
  enum class Role { kSender, kRecipient };

  EvpHpkeContext(Role role, Aead aead, Bytes base_nonce, SecretBytes exporter_secret,
                 LabeledKdf kdf)
      : role_(role),
        aead_(std::move(aead)),
        base_nonce_(std::move(base_nonce)),
        exporter_secret_(std::move(exporter_secret)),
        kdf_(std::move(kdf)) {}

  absl::StatusOr<Bytes> Seal(absl::string_view aad, absl::string_view plaintext) override {
    if (role_ != Role::kSender) {
      return absl::FailedPreconditionError("HPKE Seal on a recipient context");
    }
    ASSIGN_OR_RETURN(Bytes nonce, NextNonce());
    ASSIGN_OR_RETURN(Bytes ciphertext, aead_.Seal(nonce, aad, plaintext));
    ++seq_;
    return ciphertext;
  }

  absl::StatusOr<Bytes> Open(absl::string_view aad, absl::string_view ciphertext) override {
    if (role_ != Role::kRecipient) {
      return absl::FailedPreconditionError("HPKE Open on a sender context");
    }
    ASSIGN_OR_RETURN(Bytes nonce, NextNonce());
    ASSIGN_OR_RETURN(Bytes plaintext, aead_.Open(nonce, aad, ciphertext));
    ++seq_;
    return plaintext;
  }

  absl::StatusOr<SecretBytes> Export(absl::string_view exporter_context,
                                     size_t length) const override {
    if (length > kHkdfSha256MaxOutput) {
      return absl::InvalidArgumentError(
          absl::StrCat("HPKE Export of ", length, " bytes; at most ", kHkdfSha256MaxOutput));
    }
    return kdf_.Expand(exporter_secret_.view(), "sec", exporter_context, length);
  }

 private:
  // base_nonce XOR I2OSP(seq, 12) (RFC 9180 §5.2). The 64-bit counter runs out long before the
  // RFC's 2^96 - 1 limit, and refuses to wrap.
  absl::StatusOr<Bytes> NextNonce() const {
    if (seq_ == std::numeric_limits<uint64_t>::max()) {
      return absl::FailedPreconditionError("HPKE context sequence number exhausted");
    }
    Bytes nonce = base_nonce_;
    for (size_t i = 0; i < 8; ++i) {
      nonce[kNonceSize - 1 - i] ^= static_cast<char>(seq_ >> (8 * i));
    }
    return nonce;
  }

  Role role_;
  Aead aead_;
  Bytes base_nonce_;
  SecretBytes exporter_secret_;
  LabeledKdf kdf_;
  uint64_t seq_ = 0;
};

// KeySchedule (RFC 9180 §5.1) with the default (empty) PSK and PSK id.
absl::StatusOr<std::unique_ptr<HpkeContext>> KeySchedule(EvpHpkeContext::Role role,
                                                         AeadAlgorithm aead, uint8_t mode,
                                                         const SecretBytes& shared_secret,
                                                         absl::string_view info) {
  LabeledKdf kdf = HpkeKdf(aead);
  ASSIGN_OR_RETURN(SecretBytes psk_id_hash, kdf.Extract("", "psk_id_hash", ""));
  ASSIGN_OR_RETURN(SecretBytes info_hash, kdf.Extract("", "info_hash", info));
  const Bytes context =
      absl::StrCat(Bytes(1, static_cast<char>(mode)), psk_id_hash.view(), info_hash.view());
  ASSIGN_OR_RETURN(SecretBytes secret, kdf.Extract(shared_secret.view(), "secret", ""));
  ASSIGN_OR_RETURN(SecretBytes key, kdf.Expand(secret.view(), "key", context, AeadKeySize(aead)));
  ASSIGN_OR_RETURN(SecretBytes base_nonce,
                   kdf.Expand(secret.view(), "base_nonce", context, kNonceSize));
  ASSIGN_OR_RETURN(SecretBytes exporter_secret,
                   kdf.Expand(secret.view(), "exp", context, kHashSize));
  ASSIGN_OR_RETURN(Aead cipher, Aead::Create(aead, std::move(key)));
  return std::make_unique<EvpHpkeContext>(role, std::move(cipher), Bytes(base_nonce.view()),
                                          std::move(exporter_secret), std::move(kdf));
}

// Encap / AuthEncap (RFC 9180 §4.1): `sender` is null in base mode.
absl::StatusOr<HpkeSender> SetupSender(AeadAlgorithm aead, const X25519PublicKey& recipient,
                                       const X25519PrivateKey* sender, absl::string_view info,
                                       RandomSource* random) {
  ASSIGN_OR_RETURN(SecretBytes ikm, SecretBytes::Random(kX25519KeySize, random));
  // The ephemeral key as a bare OpenSSL key: it needs no key id or SPKI.
  ASSIGN_OR_RETURN(SecretBytes ephemeral_raw, DeriveSecretKey(ikm.view()));
  ASSIGN_OR_RETURN(internal::EvpPkeyPtr ephemeral,
                   internal::PrivateKeyFromRaw(EVP_PKEY_X25519, "X25519", ephemeral_raw));
  ASSIGN_OR_RETURN(Bytes enc, internal::RawPublicKeyOf(ephemeral.get()));
  ASSIGN_OR_RETURN(SecretBytes dh, internal::X25519SharedSecret(ephemeral.get(), recipient));
  Bytes kem_context = absl::StrCat(enc, recipient.raw());
  if (sender != nullptr) {
    ASSIGN_OR_RETURN(SecretBytes dh_static, sender->ComputeSharedSecret(recipient));
    dh = Concat({dh.view(), dh_static.view()});
    kem_context += sender->public_key().raw();
  }
  ASSIGN_OR_RETURN(SecretBytes shared_secret, ExtractAndExpand(dh, kem_context));
  ASSIGN_OR_RETURN(std::unique_ptr<HpkeContext> context,
                   KeySchedule(EvpHpkeContext::Role::kSender, aead,
                               sender != nullptr ? kModeAuth : kModeBase, shared_secret, info));
  return HpkeSender{enc, std::move(context)};
}

// Decap / AuthDecap: `sender` is null in base mode.
absl::StatusOr<std::unique_ptr<HpkeContext>> SetupRecipient(AeadAlgorithm aead,
                                                            absl::string_view enc,
                                                            const X25519PrivateKey& recipient,
                                                            const X25519PublicKey* sender,
                                                            absl::string_view info) {
  if (enc.size() != kHpkeEncapsulatedKeySize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "an HPKE encapsulated key is ", kHpkeEncapsulatedKeySize, " bytes, got ", enc.size()));
  }
  ASSIGN_OR_RETURN(X25519PublicKey ephemeral, X25519PublicKey::FromRaw(enc));
  ASSIGN_OR_RETURN(SecretBytes dh, recipient.ComputeSharedSecret(ephemeral));
  Bytes kem_context = absl::StrCat(enc, recipient.public_key().raw());
  if (sender != nullptr) {
    ASSIGN_OR_RETURN(SecretBytes dh_static, recipient.ComputeSharedSecret(*sender));
    dh = Concat({dh.view(), dh_static.view()});
    kem_context += sender->raw();
  }
  ASSIGN_OR_RETURN(SecretBytes shared_secret, ExtractAndExpand(dh, kem_context));
  return KeySchedule(EvpHpkeContext::Role::kRecipient, aead,
                     sender != nullptr ? kModeAuth : kModeBase, shared_secret, info);
}

}  // namespace

uint16_t HpkeAeadId(AeadAlgorithm aead) {
  switch (aead) {
    case AeadAlgorithm::kAes128Gcm:
      return 0x0001;
    case AeadAlgorithm::kAes256Gcm:
      return 0x0002;
    case AeadAlgorithm::kChaCha20Poly1305:
      return 0x0003;
  }
  return 0;
}

absl::StatusOr<AeadAlgorithm> AeadFromHpkeId(uint16_t aead_id) {
  for (AeadAlgorithm aead :
       {AeadAlgorithm::kAes128Gcm, AeadAlgorithm::kAes256Gcm, AeadAlgorithm::kChaCha20Poly1305}) {
    if (HpkeAeadId(aead) == aead_id) return aead;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("HPKE AEAD id ", aead_id,
                   " is not offered (1 AES-128-GCM, 2 AES-256-GCM, 3 ChaCha20-Poly1305)"));
}

absl::StatusOr<HpkeSender> SetupBaseSender(AeadAlgorithm aead, const X25519PublicKey& recipient,
                                           absl::string_view info, RandomSource* random) {
  return SetupSender(aead, recipient, nullptr, info, random);
}

absl::StatusOr<HpkeSender> SetupAuthSender(AeadAlgorithm aead, const X25519PublicKey& recipient,
                                           const X25519PrivateKey& sender, absl::string_view info,
                                           RandomSource* random) {
  return SetupSender(aead, recipient, &sender, info, random);
}

absl::StatusOr<std::unique_ptr<HpkeContext>> SetupBaseRecipient(AeadAlgorithm aead,
                                                                absl::string_view encapsulated_key,
                                                                const X25519PrivateKey& recipient,
                                                                absl::string_view info) {
  return SetupRecipient(aead, encapsulated_key, recipient, nullptr, info);
}

absl::StatusOr<std::unique_ptr<HpkeContext>> SetupAuthRecipient(AeadAlgorithm aead,
                                                                absl::string_view encapsulated_key,
                                                                const X25519PrivateKey& recipient,
                                                                const X25519PublicKey& sender,
                                                                absl::string_view info) {
  return SetupRecipient(aead, encapsulated_key, recipient, &sender, info);
}

absl::StatusOr<X25519PrivateKey> HpkeDeriveKeyPair(absl::string_view ikm) {
  ASSIGN_OR_RETURN(SecretBytes sk, DeriveSecretKey(ikm));
  return X25519PrivateKey::FromRaw(sk);
}

}  // namespace enlace
