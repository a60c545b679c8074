// Fuzzes what nodes and the hub do with a signed network directory from outside
// (identity/directory.h): parse, signer certificate chain to the network root, signature,
// consistency, indexing, the rollback rule, and the queries answered from the result. The
// network root, the directory signer and a small directory are made at start-up (deterministic
// keys, nothing checked in). The first input byte picks how the input is used (the next two give
// an offset):
//   0: the input is the SignedDirectory;
//   1: the input is XORed into the fixture's valid SignedDirectory at the offset;
//   2: the input is XORed into the fixture's Directory bytes, which the signer then signs;
//   3: the input is a Directory, which the signer signs.
// Modes 2 and 3 act as a buggy or compromised operator tool whose output is still signed, so the
// consistency checks and indexes behind the signature are reached. Judged: in modes 0 and 1 only
// the fixture's own directory is accepted (anything else is a forgery); a verified directory's
// participant ids parse and are found; a signing key handed out is the one asked for and valid
// at that time by KeyInfo; the same bytes accepted twice are "no change"; and an older version is
// refused after a newer one (rollback).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "base/env.h"
#include "identity/directory.h"
#include "identity/pki.h"
#include "tests/fuzz/fuzz_support.h"

namespace enlace {
namespace {

constexpr absl::Duration kDay = absl::Hours(24);
const absl::Time kNow = absl::FromUnixSeconds(1798761600);  // 2027-01-01

struct Fixture {
  Fixture() {
    DeterministicRandom random(17);
    ca.emplace(
        CertificateAuthority::Create("Fuzz", kNow - kDay, kNow + 3650 * kDay, &random).value());
    signer_key.emplace(Ed25519PrivateKey::Generate(&random).value());
    signer_cert.emplace(ca->Issue(DirectorySignerProfile(kNow - kDay, kNow + 365 * kDay),
                                  signer_key->public_key().SpkiDer(), &random)
                            .value());
    directory.set_version(3);
    directory.set_issued_at_ms(absl::ToUnixMillis(kNow));
    directory.set_network_name("Fuzz");
    for (const std::string& c : CrmCountries()) directory.add_countries(c);
    int n = 0;
    for (const char* id : {"hub", "node/MX", "node/GT", "admin/secretariat", "auditor/maria"}) {
      v1::DirectoryParticipant* p = directory.add_participants();
      p->set_id(id);
      p->set_role(RoleToProto(ParticipantId::Parse(id).value().role()));
      p->set_status(n == 2 ? v1::PARTICIPANT_STATUS_SUSPENDED : v1::PARTICIPANT_STATUS_ACTIVE);
      p->set_display_name_es(id);
      p->set_display_name_en(id);
      v1::DirectoryKey* signing = p->add_signing_keys();
      const Ed25519PublicKey sk = Ed25519PrivateKey::Generate(&random).value().public_key();
      signing->set_key_id(sk.KeyId());
      signing->set_public_key(sk.raw());
      SetInterval(signing, kNow - kDay, kNow + (100 + n) * kDay);
      v1::DirectoryKey* encryption = p->add_encryption_keys();
      const X25519PublicKey ek = X25519PrivateKey::Generate(&random).value().public_key();
      encryption->set_key_id(ek.KeyId());
      encryption->set_public_key(ek.raw());
      SetInterval(encryption, kNow - 2 * kDay, kNow + 200 * kDay);
      v1::DirectoryCertificate* cert = p->add_tls_certificates();
      cert->set_sha256(Bytes(32, static_cast<char>('a' + n)));
      cert->set_not_before_ms(absl::ToUnixMillis(kNow - kDay));
      cert->set_not_after_ms(absl::ToUnixMillis(kNow + 365 * kDay));
      ++n;
    }
    v1::Revocation* key_revoked = directory.add_revocations();
    key_revoked->set_key_id(directory.participants(1).signing_keys(0).key_id());
    key_revoked->set_revoked_at_ms(absl::ToUnixMillis(kNow + kDay));
    key_revoked->set_reason("key compromise");
    v1::Revocation* gone = directory.add_revocations();
    gone->set_participant_id("auditor/maria");
    gone->set_revoked_at_ms(absl::ToUnixMillis(kNow - kDay / 2));
    gone->set_reason("mandate ended");
    directory_bytes = directory.SerializeAsString();
    valid = SignBytes(directory_bytes);
  }

  static void SetInterval(v1::DirectoryKey* key, absl::Time from, absl::Time until) {
    key->set_not_before_ms(absl::ToUnixMillis(from));
    key->set_not_after_ms(absl::ToUnixMillis(until));
  }

  // `bytes` as the directory of a SignedDirectory signed by the signer (SignDirectory signs a
  // parsed Directory; this also signs bytes that do not parse, as a broken tool could).
  std::string SignBytes(const std::string& bytes) const {
    v1::SignedDirectory signed_directory;
    signed_directory.set_directory(bytes);
    signed_directory.set_signature(
        signer_key->Sign(SigningInput(kDirectorySigningDomain, {bytes})).value());
    signed_directory.set_signer_certificate(signer_cert->der());
    return signed_directory.SerializeAsString();
  }

  absl::optional<CertificateAuthority> ca;
  absl::optional<Ed25519PrivateKey> signer_key;
  absl::optional<Certificate> signer_cert;
  v1::Directory directory;
  std::string directory_bytes;
  std::string valid;  // the signed directory
};

const Fixture& TheFixture() {
  static const Fixture* const fixture = new Fixture();
  return *fixture;
}

// Asks the verified directory everything a node or the hub asks, and checks the answers agree.
void Query(const Directory& d) {
  for (const v1::DirectoryParticipant& p : d.proto().participants()) {
    absl::StatusOr<ParticipantId> id = ParticipantId::Parse(p.id(), d.rules());
    if (!id.ok() || !d.Participant(*id).ok()) std::abort();
    (void)d.IsSuspended(*id);
    (void)d.RevokedAt(*id);
    (void)d.EncryptionKeys(*id, kNow);
    for (const v1::DirectoryKey& key : p.signing_keys()) {
      absl::StatusOr<KeyValidity> info = d.KeyInfo(*id, key.key_id());
      for (const int64_t ms :
           {key.not_before_ms(), key.not_after_ms() - 1, absl::ToUnixMillis(kNow)}) {
        const absl::Time t = absl::FromUnixMillis(ms);
        absl::StatusOr<Ed25519PublicKey> found = d.SigningKey(*id, key.key_id(), t);
        if (found.ok() && (found->KeyId() != key.key_id() || !info.ok() || !info->ValidAt(t))) {
          std::abort();
        }
      }
    }
    for (const v1::DirectoryKey& key : p.encryption_keys()) (void)d.KeyInfo(*id, key.key_id());
    for (const v1::DirectoryCertificate& cert : p.tls_certificates()) {
      (void)d.CheckCertificate(*id, cert.sha256(), kNow);
      (void)d.CheckCaller(*id, cert.sha256(), kNow);
    }
  }
}

void Exercise(const Fixture& f, const std::string& signed_directory, bool signed_by_fixture) {
  absl::StatusOr<Directory> directory = VerifySignedDirectory(signed_directory, f.ca->root(), kNow);
  if (!directory.ok()) return;
  if (!signed_by_fixture && directory->proto().SerializeAsString() != f.directory_bytes) {
    std::abort();  // accepted a directory the signer never signed
  }
  Query(*directory);
  // The node's path: accepted once, "no change" the second time, then the fixture's version 3
  // only if it is newer (or the very same bytes).
  DirectoryVerifier verifier(f.ca->root());
  absl::StatusOr<std::shared_ptr<const Directory>> first = verifier.Accept(signed_directory, kNow);
  absl::StatusOr<std::shared_ptr<const Directory>> again = verifier.Accept(signed_directory, kNow);
  if (!first.ok() || !again.ok() || *first != *again) std::abort();
  const bool same = directory->proto().SerializeAsString() == f.directory_bytes;
  const bool newer = f.directory.version() > directory->version();
  if (verifier.Accept(f.valid, kNow).ok() != (same || newer)) std::abort();
}

std::vector<fuzz::Seed> Seeds() {
  const Fixture& f = TheFixture();
  std::vector<fuzz::Seed> seeds = {
      {"signed", std::string(3, '\0') + f.valid},
      {"xor-nothing", std::string("\x01\x00\x00", 3)},
      {"resign-nothing", std::string("\x02\x00\x00", 3)},
      {"directory", std::string("\x03\x00\x00", 3) + f.directory_bytes},
  };
  // Smaller and later directories to start from.
  v1::Directory later = f.directory;
  later.set_version(4);
  later.mutable_revocations()->Clear();
  seeds.emplace_back("directory-v4", std::string("\x03\x00\x00", 3) + later.SerializeAsString());
  v1::Directory one = later;
  one.mutable_participants()->DeleteSubrange(1, one.participants_size() - 1);
  seeds.emplace_back("directory-hub-only",
                     std::string("\x03\x00\x00", 3) + one.SerializeAsString());
  return seeds;
}

}  // namespace
}  // namespace enlace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  enlace::fuzz::WriteSeedsIfAsked(enlace::Seeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const enlace::Fixture& f = enlace::TheFixture();
  if (size < 3) return 0;
  const size_t offset = static_cast<size_t>(data[1]) << 8 | data[2];
  const std::string rest(reinterpret_cast<const char*>(data) + 3, size - 3);
  auto xor_into = [&](std::string bytes) {
    const size_t at = offset % (bytes.size() + 1);
    for (size_t i = 0; i < rest.size() && at + i < bytes.size(); ++i) bytes[at + i] ^= rest[i];
    return bytes;
  };
  switch (data[0] % 4) {
    case 0:
      enlace::Exercise(f, rest, false);
      break;
    case 1:
      enlace::Exercise(f, xor_into(f.valid), false);
      break;
    case 2:
      enlace::Exercise(f, f.SignBytes(xor_into(f.directory_bytes)), true);
      break;
    default:
      enlace::Exercise(f, f.SignBytes(rest), true);
      break;
  }
  return 0;
}
