#include "identity/directory.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/time.h"
#include "crypto/hash.h"

namespace enlace {
namespace {

absl::Status Inconsistent(absl::string_view where, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("directory: ", where, ": ", why));
}

std::string KeyName(absl::string_view key_id) { return HexEncode(key_id); }

absl::StatusOr<KeyValidity> ValidityOf(absl::string_view where, KeyKind kind, Bytes id,
                                       int64_t not_before_ms, int64_t not_after_ms) {
  if (not_before_ms >= not_after_ms) return Inconsistent(where, "empty validity interval");
  KeyValidity validity;
  validity.kind = kind;
  validity.key_id = std::move(id);
  validity.not_before = absl::FromUnixMillis(not_before_ms);
  validity.not_after = absl::FromUnixMillis(not_after_ms);
  return validity;
}

// Checks the key id rule for a parsed key (Ed25519PublicKey or X25519PublicKey).
template <typename PublicKey>
absl::StatusOr<std::pair<KeyValidity, PublicKey>> ParseKey(absl::string_view where, KeyKind kind,
                                                           const v1::DirectoryKey& key) {
  absl::StatusOr<PublicKey> parsed = PublicKey::FromRaw(key.public_key());
  if (!parsed.ok()) return Inconsistent(where, parsed.status().message());
  if (parsed->KeyId() != key.key_id()) {
    return Inconsistent(
        where, absl::StrCat("key id ", KeyName(key.key_id()), " is not the public key's id ",
                            KeyName(parsed->KeyId())));
  }
  ASSIGN_OR_RETURN(KeyValidity validity,
                   ValidityOf(where, kind, key.key_id(), key.not_before_ms(), key.not_after_ms()));
  return std::make_pair(std::move(validity), std::move(*parsed));
}

std::string Describe(const KeyValidity& v) {
  return absl::StrCat("valid from ", FormatUtc(v.not_before), " until ", FormatUtc(v.not_after),
                      v.revoked_at ? absl::StrCat(", revoked at ", FormatUtc(*v.revoked_at)) : "");
}

absl::optional<absl::Time> Earlier(absl::optional<absl::Time> a, absl::optional<absl::Time> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

}  // namespace

v1::ParticipantRole RoleToProto(Role role) {
  switch (role) {
    case Role::kHub:
      return v1::PARTICIPANT_ROLE_HUB;
    case Role::kNode:
      return v1::PARTICIPANT_ROLE_NODE;
    case Role::kAdmin:
      return v1::PARTICIPANT_ROLE_ADMIN;
    case Role::kAuditor:
      return v1::PARTICIPANT_ROLE_AUDITOR;
    case Role::kObserver:
      return v1::PARTICIPANT_ROLE_OBSERVER;
  }
  return v1::PARTICIPANT_ROLE_UNSPECIFIED;
}

bool KeyValidity::ValidAt(absl::Time t) const {
  return not_before <= t && t < not_after && !(revoked_at && *revoked_at <= t);
}

absl::StatusOr<Directory> Directory::FromProto(v1::Directory proto) {
  Directory directory;
  directory.proto_ = std::move(proto);
  RETURN_IF_ERROR(directory.Index());
  return directory;
}

absl::Status Directory::Index() {
  if (proto_.version() == 0) return Inconsistent("version", "must be 1 or more");
  rules_.countries.assign(proto_.countries().begin(), proto_.countries().end());
  RETURN_IF_ERROR(ValidateParticipantRules(rules_));
  if (proto_.participants_size() > kMaxDirectoryParticipants ||
      proto_.revocations_size() > kMaxRevocations) {
    return Inconsistent("size", absl::StrCat("more than ", kMaxDirectoryParticipants,
                                             " participants or ", kMaxRevocations, " revocations"));
  }
  std::set<Bytes> seen_keys;
  std::set<Bytes> seen_certificates;
  for (int i = 0; i < proto_.participants_size(); ++i) {
    const v1::DirectoryParticipant& p = proto_.participants(i);
    absl::StatusOr<ParticipantId> id = ParticipantId::Parse(p.id(), rules_);
    if (!id.ok()) return Inconsistent(absl::StrCat("participant ", i), id.status().message());
    const std::string& where = id->str();
    if (entries_.count(where) != 0) return Inconsistent(where, "listed twice");
    if (p.role() != RoleToProto(id->role())) {
      return Inconsistent(where, "role does not match the id");
    }
    if (p.status() != v1::PARTICIPANT_STATUS_ACTIVE &&
        p.status() != v1::PARTICIPANT_STATUS_SUSPENDED) {
      return Inconsistent(where, "status must be active or suspended");
    }
    if (p.display_name_es().size() > kMaxDisplayNameSize ||
        p.display_name_en().size() > kMaxDisplayNameSize) {
      return Inconsistent(
          where, absl::StrCat("display names are limited to ", kMaxDisplayNameSize, " bytes"));
    }
    if (p.signing_keys_size() > kMaxKeysPerParticipant ||
        p.encryption_keys_size() > kMaxKeysPerParticipant ||
        p.tls_certificates_size() > kMaxKeysPerParticipant) {
      return Inconsistent(where, absl::StrCat("more than ", kMaxKeysPerParticipant,
                                              " keys or certificates of one kind"));
    }
    Entry entry{*id, i, {}, {}, {}};
    for (const v1::DirectoryKey& key : p.signing_keys()) {
      const std::string key_where = absl::StrCat(where, " signing key ", KeyName(key.key_id()));
      if (!seen_keys.insert(key.key_id()).second) return Inconsistent(key_where, "listed twice");
      ASSIGN_OR_RETURN(auto parsed, ParseKey<Ed25519PublicKey>(key_where, KeyKind::kSigning, key));
      entry.signing_keys.push_back(std::move(parsed));
    }
    for (const v1::DirectoryKey& key : p.encryption_keys()) {
      const std::string key_where = absl::StrCat(where, " encryption key ", KeyName(key.key_id()));
      if (!seen_keys.insert(key.key_id()).second) return Inconsistent(key_where, "listed twice");
      ASSIGN_OR_RETURN(auto parsed,
                       ParseKey<X25519PublicKey>(key_where, KeyKind::kEncryption, key));
      entry.encryption_keys.push_back({std::move(parsed.second), std::move(parsed.first)});
    }
    for (const v1::DirectoryCertificate& cert : p.tls_certificates()) {
      const std::string cert_where = absl::StrCat(where, " certificate ", KeyName(cert.sha256()));
      if (cert.sha256().size() != kSha256Size) {
        return Inconsistent(cert_where, "a certificate fingerprint is 32 bytes");
      }
      if (!seen_certificates.insert(cert.sha256()).second) {
        return Inconsistent(cert_where, "listed twice");
      }
      ASSIGN_OR_RETURN(KeyValidity validity,
                       ValidityOf(cert_where, KeyKind::kCertificate, cert.sha256(),
                                  cert.not_before_ms(), cert.not_after_ms()));
      entry.certificates.push_back(std::move(validity));
    }
    entries_.emplace(where, std::move(entry));
  }

  for (int i = 0; i < proto_.revocations_size(); ++i) {
    const v1::Revocation& r = proto_.revocations(i);
    const std::string where = absl::StrCat("revocation ", i);
    if (r.reason().size() > kMaxReasonSize) {
      return Inconsistent(where, absl::StrCat("reason longer than ", kMaxReasonSize, " bytes"));
    }
    const absl::Time at = absl::FromUnixMillis(r.revoked_at_ms());
    auto record = [at](auto& map, const auto& key) {
      auto [it, inserted] = map.emplace(key, at);
      if (!inserted) it->second = std::min(it->second, at);
    };
    switch (r.target_case()) {
      case v1::Revocation::kParticipantId:
        if (entries_.count(r.participant_id()) == 0) {
          return Inconsistent(where, "revokes a participant that is not listed");
        }
        record(revoked_participants_, r.participant_id());
        break;
      case v1::Revocation::kKeyId:
        if (seen_keys.count(r.key_id()) == 0) {
          return Inconsistent(where, "revokes a key that is not listed");
        }
        record(revoked_keys_, r.key_id());
        break;
      case v1::Revocation::kCertificateSha256:
        if (seen_certificates.count(r.certificate_sha256()) == 0) {
          return Inconsistent(where, "revokes a certificate that is not listed");
        }
        record(revoked_certificates_, r.certificate_sha256());
        break;
      case v1::Revocation::TARGET_NOT_SET:
        return Inconsistent(where, "names no participant, key or certificate");
    }
  }

  // Fold revocations into each key's validity, so every query reads one place.
  for (auto& [name, entry] : entries_) {
    const absl::optional<absl::Time> participant = RevokedAt(entry.id);
    for (auto& [validity, key] : entry.signing_keys) {
      validity.revoked_at =
          Earlier(participant, EarliestRevocation(revoked_keys_, validity.key_id));
    }
    for (EncryptionKeyEntry& key : entry.encryption_keys) {
      key.validity.revoked_at =
          Earlier(participant, EarliestRevocation(revoked_keys_, key.validity.key_id));
    }
    for (KeyValidity& cert : entry.certificates) {
      cert.revoked_at =
          Earlier(participant, EarliestRevocation(revoked_certificates_, cert.key_id));
    }
  }
  return absl::OkStatus();
}

absl::optional<absl::Time> Directory::EarliestRevocation(
    const std::map<Bytes, absl::Time>& revocations, const Bytes& target) const {
  auto it = revocations.find(target);
  if (it == revocations.end()) return absl::nullopt;
  return it->second;
}

absl::Time Directory::issued_at() const { return absl::FromUnixMillis(proto_.issued_at_ms()); }

absl::StatusOr<const Directory::Entry*> Directory::Find(const ParticipantId& id) const {
  auto it = entries_.find(id.str());
  if (it == entries_.end()) {
    return absl::NotFoundError(
        absl::StrCat(id.str(), " is not in directory version ", proto_.version()));
  }
  return &it->second;
}

absl::StatusOr<const v1::DirectoryParticipant*> Directory::Participant(
    const ParticipantId& id) const {
  ASSIGN_OR_RETURN(const Entry* entry, Find(id));
  return &proto_.participants(entry->index);
}

bool Directory::IsSuspended(const ParticipantId& id) const {
  absl::StatusOr<const v1::DirectoryParticipant*> p = Participant(id);
  return p.ok() && (*p)->status() == v1::PARTICIPANT_STATUS_SUSPENDED;
}

absl::optional<absl::Time> Directory::RevokedAt(const ParticipantId& id) const {
  auto it = revoked_participants_.find(id.str());
  if (it == revoked_participants_.end()) return absl::nullopt;
  return it->second;
}

absl::StatusOr<Ed25519PublicKey> Directory::SigningKey(const ParticipantId& signer,
                                                       absl::string_view key_id,
                                                       absl::Time signed_at) const {
  ASSIGN_OR_RETURN(const Entry* entry, Find(signer));
  for (const auto& [validity, key] : entry->signing_keys) {
    if (validity.key_id != key_id) continue;
    if (!validity.ValidAt(signed_at)) {
      return absl::PermissionDeniedError(
          absl::StrCat("signing key ", KeyName(key_id), " of ", signer.str(), " was not valid at ",
                       FormatUtc(signed_at), " (", Describe(validity), ")"));
    }
    return key;
  }
  return absl::NotFoundError(absl::StrCat(signer.str(), " has no signing key ", KeyName(key_id),
                                          " in directory version ", proto_.version()));
}

absl::StatusOr<std::vector<EncryptionKeyEntry>> Directory::EncryptionKeys(
    const ParticipantId& recipient, absl::Time t) const {
  ASSIGN_OR_RETURN(const Entry* entry, Find(recipient));
  std::vector<EncryptionKeyEntry> keys;
  for (const EncryptionKeyEntry& key : entry->encryption_keys) {
    if (key.validity.ValidAt(t)) keys.push_back(key);
  }
  if (keys.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(recipient.str(), " has no encryption key valid at ", FormatUtc(t),
                     " in directory version ", proto_.version()));
  }
  std::stable_sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
    return a.validity.not_before > b.validity.not_before;
  });
  return keys;
}

absl::StatusOr<KeyValidity> Directory::KeyInfo(const ParticipantId& owner,
                                               absl::string_view key_id) const {
  ASSIGN_OR_RETURN(const Entry* entry, Find(owner));
  for (const auto& [validity, key] : entry->signing_keys) {
    if (validity.key_id == key_id) return validity;
  }
  for (const EncryptionKeyEntry& key : entry->encryption_keys) {
    if (key.validity.key_id == key_id) return key.validity;
  }
  return absl::NotFoundError(absl::StrCat(owner.str(), " has no key ", KeyName(key_id),
                                          " in directory version ", proto_.version()));
}

absl::Status Directory::CheckCertificate(const ParticipantId& id,
                                         absl::string_view certificate_sha256, absl::Time t) const {
  ASSIGN_OR_RETURN(const Entry* entry, Find(id));
  for (const KeyValidity& cert : entry->certificates) {
    if (cert.key_id != certificate_sha256) continue;
    if (!cert.ValidAt(t)) {
      return absl::PermissionDeniedError(absl::StrCat("the certificate ",
                                                      KeyName(certificate_sha256), " of ", id.str(),
                                                      " is not current (", Describe(cert), ")"));
    }
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat("the certificate ", KeyName(certificate_sha256),
                                                  " is not one directory version ",
                                                  proto_.version(), " lists for ", id.str()));
}

absl::Status Directory::CheckCaller(const ParticipantId& id, absl::string_view certificate_sha256,
                                    absl::Time t) const {
  absl::StatusOr<const Entry*> entry = Find(id);
  if (!entry.ok()) return absl::PermissionDeniedError(entry.status().message());
  if (absl::optional<absl::Time> revoked = RevokedAt(id); revoked && *revoked <= t) {
    return absl::PermissionDeniedError(
        absl::StrCat(id.str(), " was revoked at ", FormatUtc(*revoked)));
  }
  if (IsSuspended(id)) {
    return absl::PermissionDeniedError(
        absl::StrCat(id.str(), " is suspended (directory version ", proto_.version(), ")"));
  }
  return CheckCertificate(id, certificate_sha256, t);
}

absl::StatusOr<v1::SignedDirectory> SignDirectory(const v1::Directory& directory,
                                                  const Ed25519PrivateKey& signer_key,
                                                  const Certificate& signer_certificate) {
  ASSIGN_OR_RETURN(Bytes spki, signer_certificate.PublicSpkiDer());
  if (spki != signer_key.public_key().SpkiDer()) {
    return absl::InvalidArgumentError(
        "the directory signing key does not match the directory signer's certificate");
  }
  v1::SignedDirectory signed_directory;
  if (!directory.SerializeToString(signed_directory.mutable_directory())) {
    return absl::InternalError("cannot serialize the directory");
  }
  ASSIGN_OR_RETURN(
      *signed_directory.mutable_signature(),
      signer_key.Sign(SigningInput(kDirectorySigningDomain, {signed_directory.directory()})));
  signed_directory.set_signer_certificate(signer_certificate.der());
  return signed_directory;
}

absl::StatusOr<Directory> VerifySignedDirectory(absl::string_view signed_directory,
                                                const Certificate& root, absl::Time now) {
  if (signed_directory.size() > kMaxSignedDirectorySize) {
    return absl::InvalidArgumentError(
        absl::StrCat("signed directory larger than ", kMaxSignedDirectorySize, " bytes"));
  }
  v1::SignedDirectory envelope;
  if (!envelope.ParseFromArray(signed_directory.data(),
                               static_cast<int>(signed_directory.size()))) {
    return absl::InvalidArgumentError("not a SignedDirectory (protobuf parse failed)");
  }
  absl::StatusOr<Certificate> signer = Certificate::FromDer(envelope.signer_certificate());
  if (!signer.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("directory signer certificate: ", signer.status().message()));
  }
  RETURN_IF_ERROR(VerifyCertificate(*signer, root, now, CertificatePurpose::kDirectorySigning));
  ASSIGN_OR_RETURN(Bytes spki, signer->PublicSpkiDer());
  absl::StatusOr<Ed25519PublicKey> key = Ed25519PublicKey::FromSpkiDer(spki);
  if (!key.ok()) {
    return absl::UnauthenticatedError(
        "the directory signer's certificate is not for an Ed25519 key");
  }
  if (absl::Status s = key->Verify(SigningInput(kDirectorySigningDomain, {envelope.directory()}),
                                   envelope.signature());
      !s.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("the directory's signature does not verify: ", s.message()));
  }
  v1::Directory directory;
  if (!directory.ParseFromString(envelope.directory())) {
    return absl::InvalidArgumentError("signed directory bytes are not a Directory");
  }
  if (absl::FromUnixMillis(directory.issued_at_ms()) > now + kMaxDirectoryClockSkew) {
    return absl::InvalidArgumentError(
        absl::StrCat("directory version ", directory.version(), " is issued in the future (",
                     FormatUtc(absl::FromUnixMillis(directory.issued_at_ms())), "; now ",
                     FormatUtc(now), "): check the clocks"));
  }
  return Directory::FromProto(std::move(directory));
}

DirectoryVerifier::DirectoryVerifier(Certificate root, uint64_t min_version)
    : root_(std::move(root)), min_version_(min_version) {}

absl::StatusOr<std::shared_ptr<const Directory>> DirectoryVerifier::Accept(
    absl::string_view signed_directory, absl::Time now) {
  ASSIGN_OR_RETURN(Directory directory, VerifySignedDirectory(signed_directory, root_, now));
  absl::MutexLock lock(&mu_);
  const uint64_t current_version = current_ ? current_->version() : 0;
  const uint64_t floor = std::max(min_version_, current_version);
  Bytes bytes;
  if (!directory.proto().SerializeToString(&bytes)) {
    return absl::InternalError("cannot serialize the directory");
  }
  if (current_ && directory.version() == current_version && bytes == current_bytes_) {
    return current_;  // the same directory again: no change
  }
  if (directory.version() <= floor) {
    return absl::FailedPreconditionError(
        absl::StrCat("directory version ", directory.version(), " refused: rollback (version ",
                     floor, " was already accepted; versions must strictly increase)"));
  }
  current_ = std::make_shared<const Directory>(std::move(directory));
  current_bytes_ = std::move(bytes);
  return current_;
}

std::shared_ptr<const Directory> DirectoryVerifier::current() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

}  // namespace enlace
