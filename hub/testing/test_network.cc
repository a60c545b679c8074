#include "hub/testing/test_network.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "base/env.h"
#include "base/files.h"
#include "base/status_macros.h"
#include "crypto/envelope.h"
#include "crypto/key_files.h"
#include "identity/directory.h"
#include "identity/pki.h"

namespace enlace::hub::testing {
absl::StatusOr<std::unique_ptr<TestNetwork>> TestNetwork::Create(
    absl::Time now, const std::vector<std::string>& participant_ids) {
  std::unique_ptr<TestNetwork> net(new TestNetwork());
  net->now_ = now;
  ASSIGN_OR_RETURN(enlace::testing::TestPki pki, enlace::testing::TestPki::Create(now));
  net->pki_ = std::make_unique<enlace::testing::TestPki>(std::move(pki));

  ASSIGN_OR_RETURN(Ed25519PrivateKey signer, Ed25519PrivateKey::Generate(RandomSource::Real()));
  ASSIGN_OR_RETURN(Certificate signer_cert,
                   net->pki_->ca().Issue(
                       DirectorySignerProfile(now - absl::Hours(24), now + absl::Hours(24 * 400)),
                       signer.public_key().SpkiDer(), RandomSource::Real()));
  net->directory_signer_key_.emplace(std::move(signer));
  net->directory_signer_certificate_.emplace(std::move(signer_cert));

  std::vector<std::string> ids = {"hub"};
  ids.insert(ids.end(), participant_ids.begin(), participant_ids.end());
  for (const std::string& text : ids) {
    ASSIGN_OR_RETURN(ParticipantId id, ParticipantId::Parse(text));
    // The hub's certificate also names "localhost", the server name clients send (a
    // certificate without it works, but gRPC logs a mismatch for every connection).
    ASSIGN_OR_RETURN(
        CertificateProfile profile,
        TlsCertificateProfile(id, now - absl::Hours(24), now + absl::Hours(24 * 30),
                              id.role() == Role::kHub ? std::vector<std::string>{"localhost"}
                                                      : std::vector<std::string>{}));
    ASSIGN_OR_RETURN(TlsMaterial tls, net->pki_->IssueWithProfile(profile));
    ASSIGN_OR_RETURN(Certificate cert, Certificate::FromPem(tls.certificate_pem));
    ASSIGN_OR_RETURN(Ed25519PrivateKey signing, Ed25519PrivateKey::Generate(RandomSource::Real()));
    ASSIGN_OR_RETURN(X25519PrivateKey encryption, X25519PrivateKey::Generate(RandomSource::Real()));
    auto participant = std::make_unique<TestParticipant>(
        TestParticipant{std::move(id), std::move(tls), cert.fingerprint(), std::move(signing),
                        std::move(encryption)});
    net->order_.push_back(text);
    net->participants_[text] = std::move(participant);
  }
  return net;
}

const TestParticipant& TestNetwork::participant(absl::string_view id) const {
  auto it = participants_.find(id);
  if (it == participants_.end()) std::abort();  // a test asked for a participant it did not make
  return *it->second;
}

absl::StatusOr<Ed25519PrivateKey> TestNetwork::LogKey() const {
  return Ed25519PrivateKey::FromSeed(hub().signing_key.seed());
}

v1::Directory TestNetwork::BaseDirectory(uint64_t version) const {
  const int64_t from = absl::ToUnixMillis(now_ - absl::Hours(24));
  const int64_t until = absl::ToUnixMillis(now_ + absl::Hours(24 * 400));
  v1::Directory directory;
  directory.set_version(version);
  directory.set_issued_at_ms(absl::ToUnixMillis(now_));
  directory.set_network_name("Test");
  for (const std::string& country : CrmCountries()) directory.add_countries(country);
  for (const std::string& text : order_) {
    const TestParticipant& p = participant(text);
    v1::DirectoryParticipant* entry = directory.add_participants();
    entry->set_id(text);
    entry->set_role(RoleToProto(p.id.role()));
    entry->set_display_name_es(text);
    entry->set_display_name_en(text);
    entry->set_status(v1::PARTICIPANT_STATUS_ACTIVE);
    v1::DirectoryCertificate* cert = entry->add_tls_certificates();
    cert->set_sha256(p.certificate_sha256);
    cert->set_not_before_ms(from);
    cert->set_not_after_ms(until);
    v1::DirectoryKey* signing = entry->add_signing_keys();
    signing->set_key_id(p.signing_key.public_key().KeyId());
    signing->set_public_key(p.signing_key.public_key().raw());
    signing->set_not_before_ms(from);
    signing->set_not_after_ms(until);
    v1::DirectoryKey* encryption = entry->add_encryption_keys();
    encryption->set_key_id(p.encryption_key.public_key().KeyId());
    encryption->set_public_key(p.encryption_key.public_key().raw());
    encryption->set_not_before_ms(from);
    encryption->set_not_after_ms(until);
  }
  return directory;
}

absl::StatusOr<v1::SignedDirectory> TestNetwork::SignDirectory(
    const v1::Directory& directory) const {
  return enlace::SignDirectory(directory, *directory_signer_key_, *directory_signer_certificate_);
}

absl::StatusOr<v1::Envelope> TestNetwork::Seal(absl::string_view sender,
                                               const std::vector<std::string>& recipients,
                                               v1::MessageKind kind, absl::string_view plaintext,
                                               std::optional<absl::Time> created_at,
                                               Bytes message_id) const {
  const TestParticipant& from = participant(sender);
  v1::Header header;
  header.set_sender_id(std::string(sender));
  header.set_kind(kind);
  header.set_priority(v1::PRIORITY_ROUTINE);
  header.set_message_id(std::move(message_id));
  header.set_created_at_ms(absl::ToUnixMillis(created_at.value_or(now_)));
  std::vector<RecipientKey> keys;
  for (const std::string& id : recipients) {
    keys.push_back(RecipientKey{id, participant(id).encryption_key.public_key()});
  }
  Env env;
  return enlace::Seal(std::move(header), plaintext, from.signing_key, keys, env);
}

absl::StatusOr<std::string> WriteHubFiles(const TestNetwork& net, const std::string& dir,
                                          const std::string& extra_config) {
  const TestParticipant& hub = net.hub();
  RETURN_IF_ERROR(WriteFileAtomically(dir + "/root.pem", hub.tls.root_certificate_pem));
  RETURN_IF_ERROR(WriteFileAtomically(dir + "/hub.pem", hub.tls.certificate_pem));
  RETURN_IF_ERROR(WriteFileAtomically(dir + "/hub-key.pem", hub.tls.private_key_pem.view(), 0600));
  ASSIGN_OR_RETURN(Ed25519PrivateKey log_key, net.LogKey());
  RETURN_IF_ERROR(WritePrivateKeyFile(dir + "/log-key.pem", log_key));
  ASSIGN_OR_RETURN(v1::SignedDirectory directory, net.SignDirectory(net.BaseDirectory(1)));
  RETURN_IF_ERROR(WriteFileAtomically(dir + "/directory.pb", directory.SerializeAsString()));
  const std::string config = absl::StrCat(
      "listen_address: \"127.0.0.1:0\"\n"
      "data_dir: \"data\"\n"
      "tls {\n"
      "  root_certificate: \"root.pem\"\n"
      "  certificate: \"hub.pem\"\n"
      "  private_key { path: \"hub-key.pem\" }\n"
      "}\n"
      "log_key { path: \"log-key.pem\" }\n"
      "directory_file: \"directory.pb\"\n"
      "metrics_address: \"127.0.0.1:0\"\n"
      "ready_file: \"ready\"\n",
      extra_config);
  const std::string path = dir + "/hub.conf";
  RETURN_IF_ERROR(WriteFileAtomically(path, config));
  return path;
}

}  // namespace enlace::hub::testing
