#include "auditor/export.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "auditlog/event.h"
#include "base/bytes.h"
#include "base/files.h"
#include "base/status_macros.h"
#include "nlohmann/json.hpp"

namespace enlace::auditor {
namespace {

using auditlog::Hash;
using auditlog::kHashSize;
using auditlog::TreeHead;

// Bounds for the small files (a head line is ~350 bytes; 64 MiB is ~190,000 heads).
constexpr size_t kMaxLogInfoSize = 64 * 1024;
constexpr size_t kMaxTreeHeadsFileSize = 64 << 20;

absl::Status Errno(absl::string_view what, absl::string_view path) {
  return absl::UnavailableError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

absl::StatusOr<Bytes> HexField(const nlohmann::json& object, const char* name, size_t size) {
  if (!object.contains(name) || !object[name].is_string()) {
    return absl::InvalidArgumentError(absl::StrCat("\"", name, "\" is missing or not a string"));
  }
  const std::string text = object[name].get<std::string>();
  absl::StatusOr<Bytes> bytes = HexDecode(text);
  if (!bytes.ok() || bytes->size() != size || HexEncode(*bytes) != text) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", name, "\" must be ", size, " bytes in lowercase hex"));
  }
  return bytes;
}

absl::StatusOr<uint64_t> UnsignedField(const nlohmann::json& object, const char* name) {
  if (!object.contains(name) || !object[name].is_number_unsigned()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", name, "\" is missing or not a non-negative integer"));
  }
  return object[name].get<uint64_t>();
}

absl::StatusOr<nlohmann::json> ParseObject(absl::string_view text) {
  nlohmann::json value = nlohmann::json::parse(text.begin(), text.end(), nullptr,
                                               /*allow_exceptions=*/false);
  if (!value.is_object()) return absl::InvalidArgumentError("not a JSON object");
  return value;
}

}  // namespace

std::string ExportPath(absl::string_view dir, absl::string_view file) {
  return absl::StrCat(dir, "/", file);
}

absl::StatusOr<std::optional<Ed25519PublicKey>> ReadLogKey(absl::string_view dir) {
  const std::string path = ExportPath(dir, kLogInfoFile);
  absl::StatusOr<std::string> text = ReadFile(path, kMaxLogInfoSize);
  if (absl::IsNotFound(text.status())) return std::nullopt;
  RETURN_IF_ERROR(text.status());
  absl::StatusOr<Ed25519PublicKey> key = [&]() -> absl::StatusOr<Ed25519PublicKey> {
    ASSIGN_OR_RETURN(nlohmann::json info, ParseObject(*text));
    if (!info.contains("format") || info["format"] != kExportFormat) {
      return absl::InvalidArgumentError(absl::StrCat("\"format\" must be \"", kExportFormat, "\""));
    }
    ASSIGN_OR_RETURN(Bytes raw, HexField(info, "public_key", kEd25519PublicKeySize));
    ASSIGN_OR_RETURN(Bytes log_id, HexField(info, "log_id", kKeyIdSize));
    ASSIGN_OR_RETURN(Ed25519PublicKey key, Ed25519PublicKey::FromRaw(raw));
    if (key.KeyId() != log_id) {
      return absl::InvalidArgumentError("\"log_id\" is not the key id of \"public_key\"");
    }
    return key;
  }();
  if (!key.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", key.status().message()));
  }
  return *std::move(key);
}

absl::Status WriteLogKey(absl::string_view dir, const Ed25519PublicKey& key) {
  nlohmann::ordered_json info;
  info["format"] = kExportFormat;
  info["log_id"] = HexEncode(key.KeyId());
  info["public_key"] = HexEncode(key.raw());
  return WriteFileAtomically(ExportPath(dir, kLogInfoFile), info.dump(2) + "\n");
}

std::string TreeHeadToJson(const TreeHead& head) {
  nlohmann::ordered_json line;
  line["tree_size"] = head.tree_size;
  line["root_hash"] = HexEncode(auditlog::HashView(head.root_hash));
  line["timestamp_ms"] = head.timestamp_ms;
  line["log_id"] = HexEncode(head.log_id);
  line["signature"] = HexEncode(head.signature);
  return line.dump();
}

absl::StatusOr<TreeHead> TreeHeadFromJson(absl::string_view line) {
  ASSIGN_OR_RETURN(nlohmann::json object, ParseObject(line));
  TreeHead head;
  ASSIGN_OR_RETURN(head.tree_size, UnsignedField(object, "tree_size"));
  ASSIGN_OR_RETURN(Bytes root, HexField(object, "root_hash", kHashSize));
  ASSIGN_OR_RETURN(head.root_hash, auditlog::HashFromBytes(root, "root_hash"));
  ASSIGN_OR_RETURN(uint64_t timestamp, UnsignedField(object, "timestamp_ms"));
  if (timestamp > static_cast<uint64_t>(INT64_MAX)) {
    return absl::InvalidArgumentError("\"timestamp_ms\" is out of range");
  }
  head.timestamp_ms = static_cast<int64_t>(timestamp);
  ASSIGN_OR_RETURN(head.log_id, HexField(object, "log_id", kKeyIdSize));
  ASSIGN_OR_RETURN(head.signature, HexField(object, "signature", auditlog::kSignatureSize));
  return head;
}

absl::StatusOr<std::vector<TreeHead>> ReadTreeHeads(absl::string_view dir) {
  const std::string path = ExportPath(dir, kTreeHeadsFile);
  absl::StatusOr<std::string> text = ReadFile(path, kMaxTreeHeadsFileSize);
  std::vector<TreeHead> heads;
  if (absl::IsNotFound(text.status())) return heads;
  RETURN_IF_ERROR(text.status());
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    ++line_number;
    if (line.empty()) continue;
    absl::StatusOr<TreeHead> head = TreeHeadFromJson(line);
    if (!head.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, " line ", line_number, ": ", head.status().message()));
    }
    heads.push_back(*std::move(head));
  }
  return heads;
}

absl::Status WriteTreeHeads(absl::string_view dir, const std::vector<TreeHead>& heads) {
  std::string text;
  for (const TreeHead& head : heads) absl::StrAppend(&text, TreeHeadToJson(head), "\n");
  return WriteFileAtomically(ExportPath(dir, kTreeHeadsFile), text);
}

EntryReader::SequentialFile::SequentialFile(int fd, std::string path)
    : fd_(fd), path_(std::move(path)), buffer_(new char[kBufferSize]) {}

EntryReader::SequentialFile::~SequentialFile() { ::close(fd_); }

absl::Status EntryReader::SequentialFile::Fill(size_t n) {
  std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
  end_ -= begin_;
  begin_ = 0;
  while (end_ < n && !eof_) {
    const ssize_t got = ::read(fd_, buffer_.get() + end_, kBufferSize - end_);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return Errno("cannot read", path_);
    if (got == 0) eof_ = true;
    end_ += static_cast<size_t>(got);
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::string_view> EntryReader::SequentialFile::Read(size_t n) {
  if (end_ - begin_ < n) RETURN_IF_ERROR(Fill(n));
  const absl::string_view out(buffer_.get() + begin_, std::min(n, end_ - begin_));
  begin_ += out.size();
  return out;
}

absl::StatusOr<EntryReader> EntryReader::Open(absl::string_view dir) {
  const std::string entries_path = ExportPath(dir, kEntriesFile);
  const std::string hashes_path = ExportPath(dir, kLeafHashesFile);
  std::unique_ptr<SequentialFile> entries;
  std::unique_ptr<SequentialFile> hashes;
  const int entries_fd = ::open(entries_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (entries_fd < 0 && errno != ENOENT) return Errno("cannot open", entries_path);
  if (entries_fd >= 0) entries = std::make_unique<SequentialFile>(entries_fd, entries_path);
  const int hashes_fd = ::open(hashes_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (hashes_fd < 0 && errno != ENOENT) return Errno("cannot open", hashes_path);
  uint64_t hash_bytes = 0;
  if (hashes_fd >= 0) {
    hashes = std::make_unique<SequentialFile>(hashes_fd, hashes_path);
    struct stat st;
    if (fstat(hashes_fd, &st) != 0) return Errno("cannot stat", hashes_path);
    hash_bytes = static_cast<uint64_t>(st.st_size);
  }
  return EntryReader(std::move(entries), std::move(hashes), hash_bytes / kHashSize,
                     hash_bytes % kHashSize != 0);
}

absl::StatusOr<Hash> EntryReader::ReadRecordedHash() {
  ASSIGN_OR_RETURN(absl::string_view hash, hashes_->Read(kHashSize));
  if (hash.size() != kHashSize) {
    return absl::DataLossError(
        absl::StrCat("leaf_hashes.bin: cannot read the hash of entry ", index_));
  }
  return *auditlog::HashFromBytes(hash, "hash");
}

absl::StatusOr<bool> EntryReader::Next(Entry* entry) {
  if (entries_ == nullptr) return false;
  constexpr size_t kHeaderSize = 4;  // u32be length
  ASSIGN_OR_RETURN(absl::string_view header, entries_->Read(kHeaderSize));
  if (header.empty()) return false;
  if (header.size() != kHeaderSize) {
    return absl::DataLossError(absl::StrCat("entries.bin: the record of entry ", index_, " (byte ",
                                            offset_, ") is cut short"));
  }
  uint32_t length = 0;
  ByteReader(header).ReadUint32(&length);
  if (length > auditlog::kMaxLeafSize) {
    return absl::DataLossError(absl::StrCat("entries.bin: entry ", index_, " (byte ", offset_,
                                            ") claims ", length, " bytes; at most ",
                                            auditlog::kMaxLeafSize, " are allowed"));
  }
  ASSIGN_OR_RETURN(absl::string_view leaf, entries_->Read(length));  // `header` is stale now
  if (leaf.size() != length) {
    return absl::DataLossError(absl::StrCat("entries.bin: the record of entry ", index_, " (byte ",
                                            offset_, ") is cut short"));
  }
  entry->leaf.assign(leaf.data(), leaf.size());
  if (index_ < recorded_hashes_) {
    ASSIGN_OR_RETURN(entry->recorded_hash, ReadRecordedHash());
  } else {
    entry->recorded_hash.reset();
  }
  ++index_;
  offset_ += kHeaderSize + length;
  return true;
}

absl::StatusOr<std::optional<Hash>> EntryReader::RecordedHashPastTheEnd() {
  if (index_ >= recorded_hashes_) return std::nullopt;
  return ReadRecordedHash();
}

absl::StatusOr<EntryWriter> EntryWriter::Open(absl::string_view dir, uint64_t keep,
                                              uint64_t keep_bytes) {
  const std::string entries_path = ExportPath(dir, kEntriesFile);
  const std::string hashes_path = ExportPath(dir, kLeafHashesFile);
  const int entries_fd = ::open(entries_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (entries_fd < 0) return Errno("cannot open", entries_path);
  const int hashes_fd = ::open(hashes_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  EntryWriter writer(entries_fd, hashes_fd, keep, keep_bytes);  // closes both from here on
  if (hashes_fd < 0) return Errno("cannot open", hashes_path);
  if (::ftruncate(entries_fd, static_cast<off_t>(keep_bytes)) != 0 ||
      ::lseek(entries_fd, 0, SEEK_END) < 0) {
    return Errno("cannot truncate", entries_path);
  }
  if (::ftruncate(hashes_fd, static_cast<off_t>(keep * kHashSize)) != 0 ||
      ::lseek(hashes_fd, 0, SEEK_END) < 0) {
    return Errno("cannot truncate", hashes_path);
  }
  return writer;
}

EntryWriter::EntryWriter(EntryWriter&& other) noexcept
    : entries_fd_(std::exchange(other.entries_fd_, -1)),
      hashes_fd_(std::exchange(other.hashes_fd_, -1)),
      count_(other.count_),
      bytes_(other.bytes_),
      entries_buffer_(std::move(other.entries_buffer_)),
      hashes_buffer_(std::move(other.hashes_buffer_)) {}

EntryWriter::~EntryWriter() {
  // Unsynced appends are only an unverified tail: the next fetch truncates or re-checks them.
  Flush().IgnoreError();
  if (entries_fd_ >= 0) ::close(entries_fd_);
  if (hashes_fd_ >= 0) ::close(hashes_fd_);
}

absl::Status EntryWriter::Append(absl::string_view leaf, const Hash& leaf_hash) {
  AppendUint32(static_cast<uint32_t>(leaf.size()), &entries_buffer_);
  entries_buffer_.append(leaf.data(), leaf.size());
  hashes_buffer_.append(reinterpret_cast<const char*>(leaf_hash.data()), kHashSize);
  ++count_;
  bytes_ += 4 + leaf.size();
  if (entries_buffer_.size() >= (1 << 20)) return Flush();
  return absl::OkStatus();
}

absl::Status EntryWriter::Flush() {
  for (auto [fd, buffer, name] : {std::tuple{entries_fd_, &entries_buffer_, kEntriesFile},
                                  std::tuple{hashes_fd_, &hashes_buffer_, kLeafHashesFile}}) {
    size_t done = 0;
    while (done < buffer->size()) {
      const ssize_t n = ::write(fd, buffer->data() + done, buffer->size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Errno("cannot write", name);
      done += static_cast<size_t>(n);
    }
    buffer->clear();
  }
  return absl::OkStatus();
}

absl::Status EntryWriter::Sync() {
  RETURN_IF_ERROR(Flush());
  if (::fsync(entries_fd_) != 0) return Errno("cannot sync", kEntriesFile);
  if (::fsync(hashes_fd_) != 0) return Errno("cannot sync", kLeafHashesFile);
  return absl::OkStatus();
}

}  // namespace enlace::auditor
