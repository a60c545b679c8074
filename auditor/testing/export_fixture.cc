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
#include "gtest/gtest.h"

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
  for (const Bytes& r : records) {
    AppendUint32(static_cast<uint32_t>(r.size()), &data);
    data += r;
  }
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
