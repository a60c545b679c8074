#include "auditor/testing/export_fixture.h"

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "auditlog/merkle.h"
#include "auditor/export.h"
#include "auditor/testing/in_process_hub.h"
#include "base/bytes.h"
#include "base/env.h"
#include "base/status_macros.h"
#include "crypto/receipts.h"
#include "gtest/gtest.h"
#include "identity/directory.h"
#include "identity/pki.h"
#include "net/testing/test_pki.h"

namespace enlace::auditor::testing {

std::vector<Bytes> ReadRecords(const std::string& dir) {
  const std::string data = ReadText(ExportPath(dir, kEntriesFile));
  std::vector<Bytes> records;
  ByteReader reader(data);
  absl::string_view record;
  while (reader.ReadLengthPrefixed(&record)) records.emplace_back(record);
  EXPECT_TRUE(reader.empty()) << "entries.bin does not end on a record boundary";
  return records;
}

void WriteRecords(const std::string& dir, const std::vector<Bytes>& records) {
  std::string data;
  for (const Bytes& r : records) AppendLengthPrefixed(r, &data);
  WriteText(ExportPath(dir, kEntriesFile), data);
}

std::vector<Bytes> ReadHashes(const std::string& dir) {
  const std::string data = ReadText(ExportPath(dir, kLeafHashesFile));
  std::vector<Bytes> hashes;
  for (size_t at = 0; at + 32 <= data.size(); at += 32) hashes.push_back(data.substr(at, 32));
  return hashes;
}

void WriteHashes(const std::string& dir, const std::vector<Bytes>& hashes) {
  std::string data;
  for (const Bytes& h : hashes) data += h;
  WriteText(ExportPath(dir, kLeafHashesFile), data);
}

Bytes LeafHashOf(const Bytes& leaf) {
  absl::StatusOr<auditlog::MerkleHasher> hasher = auditlog::MerkleHasher::Create();
  absl::StatusOr<auditlog::Hash> hash = hasher->HashLeaf(leaf);
  EXPECT_TRUE(hash.ok());
  return Bytes(auditlog::HashView(*hash));
}

void CopyDirectory(const std::string& from, const std::string& to) {
  std::filesystem::copy(from, to, std::filesystem::copy_options::recursive);
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

RunResult RunProgram(const std::vector<std::string>& argv) {
  std::string command;
  for (const std::string& arg : argv) {
    std::string quoted = "'";
    for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    command += quoted + "' ";
  }
  command += "2>&1";
  RunResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string AuditToolPath() { return std::string(ENLACE_BINARY_DIR) + "/bin/enlace-audit"; }

v1::AuditEvent SignedAck(const Ed25519PrivateKey& key, const std::string& recipient,
                         const Bytes& message_id, int64_t acked_at_ms) {
  v1::AuditEvent e;
  e.set_type(v1::AUDIT_EVENT_ACKNOWLEDGED);
  e.set_hub_time_ms(acked_at_ms + 500);
  e.set_actor_id(recipient);
  e.set_sender_id("node/MX");
  e.add_recipient_ids(recipient);
  e.set_message_kind(v1::KIND_VICTIM_REFERRAL);
  e.set_message_id(message_id);
  e.set_header_hash(std::string(32, '\x22'));
  e.set_envelope_size(1532);
  e.set_key_id(key.public_key().KeyId());
  e.set_acked_at_ms(acked_at_ms);
  absl::StatusOr<Bytes> signature =
      key.Sign(AckSigningInput(message_id, e.header_hash(), recipient, acked_at_ms));
  EXPECT_TRUE(signature.ok()) << signature.status();
  e.set_ack_signature(signature.value_or(""));
  return e;
}

v1::Directory NodeDirectory(const std::vector<std::pair<std::string, Ed25519PublicKey>>& nodes,
                            absl::Time at) {
  v1::Directory directory;
  directory.set_version(1);
  directory.set_network_name("Test");
  for (const auto& [id, key] : nodes) {
    directory.add_countries(id.substr(id.find('/') + 1));
    v1::DirectoryParticipant* p = directory.add_participants();
    p->set_id(id);
    p->set_role(v1::PARTICIPANT_ROLE_NODE);
    p->set_status(v1::PARTICIPANT_STATUS_ACTIVE);
    v1::DirectoryKey* k = p->add_signing_keys();
    k->set_key_id(key.KeyId());
    k->set_public_key(key.raw());
    k->set_not_before_ms(absl::ToUnixMillis(at - absl::Hours(24 * 365)));
    k->set_not_after_ms(absl::ToUnixMillis(at + absl::Hours(24 * 365)));
  }
  return directory;
}

absl::StatusOr<SignedTestDirectory> SignTestDirectory(v1::Directory directory) {
  const absl::Time now = absl::Now();
  ASSIGN_OR_RETURN(enlace::testing::TestPki pki, enlace::testing::TestPki::Create(now));
  ASSIGN_OR_RETURN(Ed25519PrivateKey signer, Ed25519PrivateKey::Generate(RandomSource::Real()));
  ASSIGN_OR_RETURN(
      Certificate signer_certificate,
      pki.ca().Issue(DirectorySignerProfile(now - absl::Hours(24), now + absl::Hours(24 * 30)),
                     signer.public_key().SpkiDer(), RandomSource::Real()));
  directory.set_issued_at_ms(absl::ToUnixMillis(now));
  ASSIGN_OR_RETURN(v1::SignedDirectory signed_directory,
                   SignDirectory(directory, signer, signer_certificate));
  return SignedTestDirectory{pki.root_pem(), signed_directory.SerializeAsString()};
}

absl::StatusOr<FetchResult> ExportFixture::FetchInto(const std::string& dir) {
  absl::StatusOr<ParticipantId> auditor = ParticipantId::Parse("auditor/ines");
  if (!auditor.ok()) return auditor.status();
  InProcessHub hub(log_.get(), *auditor);
  FetchOptions options;
  options.trust_on_first_use = true;
  options.page_size = 7;  // several pages even for small logs
  return Fetch(&hub.stub(), dir, options);
}

void ExportFixture::GrowTo(uint64_t size) {
  std::vector<v1::AuditEvent> events;
  for (uint64_t i = log_->size(); i < size; ++i) {
    events.push_back(auditlog::testing::MessageEvent(i));
  }
  if (!events.empty()) {
    ASSERT_TRUE(log_->Append(events, rocksdb::WriteOptions()).ok());
  }
  clock_.Advance(absl::Seconds(1));
  ASSERT_TRUE(log_->IssueTreeHead().ok());
}

}  // namespace enlace::auditor::testing
