// The auditor's export directory: what `enlace-audit fetch` writes and `verify` / `report` read.
// docs/audit-log.md ("Export directory") is the reference; an outside tool can read it with the
// Python standard library alone (tests/audit/verify_export.py does).
//
//   log.json          {"format": "enlace-audit-export/1", "log_id": hex, "public_key": hex}
//   entries.bin       every entry in index order: u32be length || canonical leaf bytes
//   leaf_hashes.bin   32 bytes per entry: SHA-256(0x00 || leaf), recorded when it was fetched
//   tree_heads.jsonl  the signed tree heads the auditor has seen, increasing size, one JSON
//                     object per line: {"tree_size", "root_hash", "timestamp_ms", "log_id",
//                     "signature"} (hashes, ids and signatures in lowercase hex)
//
// Not thread-safe; one process works on a directory at a time.
#ifndef ENLACE_AUDITOR_EXPORT_H_
#define ENLACE_AUDITOR_EXPORT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "auditlog/merkle.h"
#include "auditlog/tree_head.h"
#include "base/bytes.h"
#include "crypto/signing.h"

namespace enlace::auditor {

inline constexpr char kExportFormat[] = "enlace-audit-export/1";
inline constexpr char kLogInfoFile[] = "log.json";
inline constexpr char kEntriesFile[] = "entries.bin";
inline constexpr char kLeafHashesFile[] = "leaf_hashes.bin";
inline constexpr char kTreeHeadsFile[] = "tree_heads.jsonl";

std::string ExportPath(absl::string_view dir, absl::string_view file);

// The log's public key pinned in log.json; nullopt if the directory has none yet.
absl::StatusOr<std::optional<Ed25519PublicKey>> ReadLogKey(absl::string_view dir);
absl::Status WriteLogKey(absl::string_view dir, const Ed25519PublicKey& key);

// One tree head as its JSON line, and back (every field checked, hex lowercase).
std::string TreeHeadToJson(const auditlog::TreeHead& head);
absl::StatusOr<auditlog::TreeHead> TreeHeadFromJson(absl::string_view line);

// All saved heads, in file order (empty if the file does not exist). Errors name the line.
absl::StatusOr<std::vector<auditlog::TreeHead>> ReadTreeHeads(absl::string_view dir);
// Replaces tree_heads.jsonl atomically.
absl::Status WriteTreeHeads(absl::string_view dir, const std::vector<auditlog::TreeHead>& heads);

// Reads entries.bin and leaf_hashes.bin side by side, bounded: a record longer than
// auditlog::kMaxLeafSize is refused.
class EntryReader {
 public:
  static absl::StatusOr<EntryReader> Open(absl::string_view dir);

  struct Entry {
    Bytes leaf;
    std::optional<auditlog::Hash> recorded_hash;  // nullopt past the end of leaf_hashes.bin
  };
  // Reads the next entry into `entry` (reusing its buffers); false at the end of entries.bin.
  // Errors (a record cut short, a read failure) say at which index and byte offset.
  absl::StatusOr<bool> Next(Entry* entry);
  // After Next() returned false: the hash recorded for entry index(), if leaf_hashes.bin
  // holds one (it then records more entries than entries.bin has).
  absl::StatusOr<std::optional<auditlog::Hash>> RecordedHashPastTheEnd();
  uint64_t index() const { return index_; }    // of the entry Next() returns next
  uint64_t offset() const { return offset_; }  // bytes of entries.bin read so far
  // How many hashes leaf_hashes.bin holds (whole ones); whether a partial one trails.
  uint64_t recorded_hashes() const { return recorded_hashes_; }
  bool partial_hash() const { return partial_hash_; }

 private:
  // One file read front to back through a 1 MiB buffer: one read(2) per MiB and no per-record
  // stdio calls (the verifier reads ~130-byte records; stdio's locking per fread cost ~15 % of
  // its time, docs/performance.md).
  class SequentialFile {
   public:
    SequentialFile(int fd, std::string path);
    SequentialFile(const SequentialFile&) = delete;
    SequentialFile& operator=(const SequentialFile&) = delete;
    ~SequentialFile();
    // The next `n` bytes (n <= kBufferSize), fewer only at the end of the file. The view is
    // valid until the next call.
    absl::StatusOr<absl::string_view> Read(size_t n);

   private:
    static constexpr size_t kBufferSize = 1 << 20;
    absl::Status Fill(size_t n);
    const int fd_;
    const std::string path_;
    std::unique_ptr<char[]> buffer_;
    size_t begin_ = 0;  // buffer_[begin_, end_) is read from the file and not yet returned
    size_t end_ = 0;
    bool eof_ = false;
  };
  EntryReader(std::unique_ptr<SequentialFile> entries, std::unique_ptr<SequentialFile> hashes,
              uint64_t recorded_hashes, bool partial_hash)
      : entries_(std::move(entries)),
        hashes_(std::move(hashes)),
        recorded_hashes_(recorded_hashes),
        partial_hash_(partial_hash) {}
  absl::StatusOr<auditlog::Hash> ReadRecordedHash();

  std::unique_ptr<SequentialFile> entries_;  // null if the file does not exist
  std::unique_ptr<SequentialFile> hashes_;
  uint64_t recorded_hashes_;
  bool partial_hash_;
  uint64_t index_ = 0;
  uint64_t offset_ = 0;
};

// Appends entries and their hashes; Sync() makes what was appended durable.
class EntryWriter {
 public:
  // Opens both files (creating them) for appending after truncating them to exactly `keep`
  // entries, which take the first `keep_bytes` bytes of entries.bin (EntryReader::offset() after
  // reading them). Whatever lies beyond, e.g. the unverified tail of an interrupted fetch, is
  // dropped.
  static absl::StatusOr<EntryWriter> Open(absl::string_view dir, uint64_t keep,
                                          uint64_t keep_bytes);
  EntryWriter(EntryWriter&& other) noexcept;
  EntryWriter& operator=(EntryWriter&&) = delete;
  ~EntryWriter();

  absl::Status Append(absl::string_view leaf, const auditlog::Hash& leaf_hash);
  absl::Status Sync();
  uint64_t count() const { return count_; }
  uint64_t bytes() const { return bytes_; }  // size of entries.bin including buffered appends

 private:
  EntryWriter(int entries_fd, int hashes_fd, uint64_t count, uint64_t bytes)
      : entries_fd_(entries_fd), hashes_fd_(hashes_fd), count_(count), bytes_(bytes) {}
  absl::Status Flush();
  int entries_fd_ = -1;
  int hashes_fd_ = -1;
  uint64_t count_ = 0;
  uint64_t bytes_ = 0;
  Bytes entries_buffer_;
  Bytes hashes_buffer_;
};

}  // namespace enlace::auditor

#endif  // ENLACE_AUDITOR_EXPORT_H_
