// Test support: a real audit log (auditlog/testing/log_fixture.h) fetched into export
// directories through the in-process hub, and helpers to edit an export's files the way an
// attacker or a crash would.
#ifndef ENLACE_AUDITOR_TESTING_EXPORT_FIXTURE_H_
#define ENLACE_AUDITOR_TESTING_EXPORT_FIXTURE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "auditlog/testing/log_fixture.h"
#include "auditor/fetch.h"
#include "base/bytes.h"
#include "crypto/signing.h"
#include "enlace/v1/audit.pb.h"
#include "enlace/v1/directory.pb.h"

namespace enlace::auditor::testing {

// The records of entries.bin (each entry's leaf bytes) and the hashes of leaf_hashes.bin.
std::vector<Bytes> ReadRecords(const std::string& dir);
void WriteRecords(const std::string& dir, const std::vector<Bytes>& records);
std::vector<Bytes> ReadHashes(const std::string& dir);
void WriteHashes(const std::string& dir, const std::vector<Bytes>& hashes);
// SHA-256(0x00 || leaf).
Bytes LeafHashOf(const Bytes& leaf);

// Copies directory `from` to a new directory `to`.
void CopyDirectory(const std::string& from, const std::string& to);
std::string ReadText(const std::string& path);
void WriteText(const std::string& path, const std::string& text);

// Runs a program (argv[0] is its path) and returns its exit status and what it printed on
// stdout and stderr together.
struct RunResult {
  int exit_code = -1;
  std::string output;
};
RunResult RunProgram(const std::vector<std::string>& argv);
// build/bin/enlace-audit
std::string AuditToolPath();

// `recipient`'s acknowledgement of message `message_id` (sent by node/MX) at `acked_at_ms`,
// signed with `key`, as the hub logs it.
v1::AuditEvent SignedAck(const Ed25519PrivateKey& key, const std::string& recipient,
                         const Bytes& message_id, int64_t acked_at_ms);

// A directory (version 1) listing each (id, signing key) as an active node whose key is valid
// from a year before `at` to a year after.
v1::Directory NodeDirectory(const std::vector<std::pair<std::string, Ed25519PublicKey>>& nodes,
                            absl::Time at);

// `directory` as the operator publishes it: issued now and signed by a directory signer that a
// root made now certifies (real time, since enlace-audit checks the signer at its own clock).
struct SignedTestDirectory {
  std::string root_pem;
  Bytes signed_directory;  // a serialized v1::SignedDirectory
};
absl::StatusOr<SignedTestDirectory> SignTestDirectory(v1::Directory directory);

class ExportFixture : public auditlog::testing::LogFixture {
 protected:
  // Fetches the log as auditor/ines into `dir` (pinning the hub's key on first use).
  absl::StatusOr<FetchResult> FetchInto(const std::string& dir);
  // Appends events MessageEvent(size()) ... up to `size` entries and issues a head there.
  void GrowTo(uint64_t size);
};

}  // namespace enlace::auditor::testing

#endif  // ENLACE_AUDITOR_TESTING_EXPORT_FIXTURE_H_
