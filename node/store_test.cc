#include "node/store.h"

#include <dirent.h>

#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace enlace::node {
namespace {

using ::enlace::testing::IsOkAndHolds;
using ::enlace::testing::StatusIs;
using ::enlace::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::SizeIs;

absl::StatusOr<Keystore> MakeKeys(uint64_t seed, int signing_keys = 1) {
  DeterministicRandom local(seed);
  std::vector<Ed25519PrivateKey> signing;
  for (int i = 0; i < signing_keys; ++i) {
    auto key = Ed25519PrivateKey::Generate(&local);
    if (!key.ok()) return key.status();
    signing.push_back(std::move(*key));
  }
  std::vector<X25519PrivateKey> encryption;
  auto enc = X25519PrivateKey::Generate(&local);
  if (!enc.ok()) return enc.status();
  encryption.push_back(std::move(*enc));
  return Keystore::FromKeys(*ParticipantId::Parse("node/MX"), std::move(signing),
                            std::move(encryption));
}

// Every file of the database folder, concatenated: what an attacker with the disk sees.
std::string AllBytes(const std::string& dir) {
  std::string all;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return all;
  while (dirent* e = readdir(d)) {
    if (e->d_type != DT_REG) continue;
    std::ifstream in(dir + "/" + e->d_name, std::ios::binary);
    all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  closedir(d);
  return all;
}

TEST(NodeStoreTest, ContentIsEncryptedAtRestAndReadsBack) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(Keystore keys, MakeKeys(1));
  const std::string secret = "Nombre de la victima: Maria Ejemplo Ficticia";
  const Bytes id(16, '\x07');
  {
    ASSERT_OK_AND_ASSIGN(auto store, NodeStore::Open({dir.Sub("db")}, keys, Env()));
    NodeStore::Batch batch = store->NewBatch();
    v1::StoredItemMeta meta;
    meta.set_message_id(id);
    meta.set_kind(v1::KIND_VICTIM_REFERRAL);
    meta.set_ref("0123456789abcdef0123456789abcdef");
    batch.PutItem(meta);
    v1::StoredContent content;
    content.set_content(secret);
    ASSERT_OK(batch.PutContent(id, content));
    ASSERT_OK(store->Commit(batch));
    ASSERT_OK_AND_ASSIGN(v1::StoredContent back, store->GetContent(id));
    EXPECT_EQ(back.content(), secret);
  }
  // Nothing of the content is on disk in clear (WAL and tables alike).
  std::string disk = AllBytes(dir.Sub("db"));
  EXPECT_THAT(disk, HasSubstr("0123456789abcdef0123456789abcdef"));  // the index is in clear
  EXPECT_EQ(disk.find("Maria Ejemplo"), std::string::npos);

  // Reopened with the same keys, the content opens; with other keys the store refuses.
  {
    ASSERT_OK_AND_ASSIGN(auto store, NodeStore::Open({dir.Sub("db")}, keys, Env()));
    ASSERT_OK_AND_ASSIGN(v1::StoredContent back, store->GetContent(id));
    EXPECT_EQ(back.content(), secret);
    ASSERT_OK_AND_ASSIGN(v1::StoredItemMeta meta, store->GetItem(id));
    EXPECT_EQ(meta.kind(), v1::KIND_VICTIM_REFERRAL);
  }
  ASSERT_OK_AND_ASSIGN(Keystore other, MakeKeys(2));
  EXPECT_THAT(NodeStore::Open({dir.Sub("db")}, other, Env()),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("signing keys")));
}

TEST(NodeStoreTest, RotatedKeyGetsItsOwnWrap) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(Keystore old_only, MakeKeys(3, 1));
  ASSERT_OK_AND_ASSIGN(Keystore both, MakeKeys(3, 2));  // same first key, plus a new one
  const Bytes id(16, '\x01');
  {
    ASSERT_OK_AND_ASSIGN(auto store, NodeStore::Open({dir.Sub("db")}, old_only, Env()));
    NodeStore::Batch batch = store->NewBatch();
    v1::StoredContent content;
    content.set_content("x");
    ASSERT_OK(batch.PutContent(id, content));
    ASSERT_OK(store->Commit(batch));
  }
  { ASSERT_OK(NodeStore::Open({dir.Sub("db")}, both, Env()).status()); }
  // Now only the new key: it opens the store through its own wrap.
  std::vector<Ed25519PrivateKey> new_only;
  new_only.push_back(
      std::move(const_cast<std::vector<Ed25519PrivateKey>&>(both.signing_keys())[1]));
  std::vector<X25519PrivateKey> enc;
  DeterministicRandom r(9);
  enc.push_back(*X25519PrivateKey::Generate(&r));
  ASSERT_OK_AND_ASSIGN(Keystore rotated,
                       Keystore::FromKeys(both.self(), std::move(new_only), std::move(enc)));
  ASSERT_OK_AND_ASSIGN(auto store, NodeStore::Open({dir.Sub("db")}, rotated, Env()));
  ASSERT_OK_AND_ASSIGN(v1::StoredContent back, store->GetContent(id));
  EXPECT_EQ(back.content(), "x");
}

TEST(NodeStoreTest, TamperedContentIsDataLoss) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(Keystore keys, MakeKeys(4));
  ASSERT_OK_AND_ASSIGN(auto store, NodeStore::Open({dir.Sub("db")}, keys, Env()));
  NodeStore::Batch batch = store->NewBatch();
  v1::StoredContent content;
  content.set_content("original");
  ASSERT_OK(batch.PutContent(Bytes(16, 'a'), content));
  ASSERT_OK(store->Commit(batch));
  // A record copied under another message id does not open (the id is bound as aad).
  ASSERT_OK_AND_ASSIGN(v1::StoredContent ok, store->GetContent(Bytes(16, 'a')));
  EXPECT_THAT(store->GetContent(Bytes(16, 'b')),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no content")));
}

TEST(NodeStoreTest, OutboxIsFifoAndCasesStateAndLogsList) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(Keystore keys, MakeKeys(5));
  ASSERT_OK_AND_ASSIGN(auto store, NodeStore::Open({dir.Sub("db")}, keys, Env()));
  NodeStore::Batch batch = store->NewBatch();
  for (int i = 3; i >= 1; --i) {
    v1::OutboxEntry entry;
    entry.set_message_id(Bytes(16, static_cast<char>('0' + i)));
    entry.set_queued_at_ms(1000 * i);
    batch.PutOutbox(entry);
  }
  v1::CaseSummary summary;
  summary.set_ref("ab");
  summary.set_referral_state(v1::REFERRAL_STATE_SENT);
  batch.PutCase(summary);
  batch.PutState("cursor", "42");
  v1::AccessRecord access;
  access.set_at_ms(5);
  access.set_os_user("ana");
  access.set_action("show");
  ASSERT_OK(batch.PutAccess(access));
  ASSERT_OK(store->Commit(batch));

  ASSERT_OK_AND_ASSIGN(auto outbox, store->ListOutbox());
  ASSERT_THAT(outbox, SizeIs(3));
  EXPECT_EQ(outbox[0].queued_at_ms(), 1000);
  EXPECT_EQ(outbox[2].queued_at_ms(), 3000);
  batch = store->NewBatch();
  batch.DeleteOutbox(outbox[0]);
  ASSERT_OK(store->Commit(batch));
  ASSERT_OK_AND_ASSIGN(outbox, store->ListOutbox());
  EXPECT_THAT(outbox, SizeIs(2));

  ASSERT_OK_AND_ASSIGN(v1::CaseSummary back, store->GetCase("ab"));
  EXPECT_EQ(back.referral_state(), v1::REFERRAL_STATE_SENT);
  EXPECT_THAT(store->GetCase("zz"), StatusIs(absl::StatusCode::kNotFound, HasSubstr("zz")));
  ASSERT_OK_AND_ASSIGN(auto cursor, store->GetState("cursor"));
  ASSERT_TRUE(cursor.has_value());
  EXPECT_EQ(*cursor, "42");
  ASSERT_OK_AND_ASSIGN(auto missing, store->GetState("nothing"));
  EXPECT_FALSE(missing.has_value());
  ASSERT_OK_AND_ASSIGN(auto accesses, store->ListAccess());
  ASSERT_THAT(accesses, SizeIs(1));
  EXPECT_EQ(accesses[0].os_user(), "ana");
}

TEST(NodeStoreTest, DeleteItemAndDeleteCaseRemoveOnlyTheirRecord) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(Keystore keys, MakeKeys(6));
  ASSERT_OK_AND_ASSIGN(auto store, NodeStore::Open({dir.Sub("db")}, keys, Env()));
  NodeStore::Batch batch = store->NewBatch();
  for (char c : {'\x01', '\x02'}) {
    v1::StoredItemMeta meta;
    meta.set_message_id(Bytes(16, c));
    meta.set_ref(std::string(1, 'a' + c));
    batch.PutItem(meta);
    v1::CaseSummary summary;
    summary.set_ref(meta.ref());
    batch.PutCase(summary);
  }
  ASSERT_OK(store->Commit(batch));
  batch.DeleteItem(Bytes(16, '\x01'));
  batch.DeleteCase("b");
  ASSERT_OK(store->Commit(batch));
  EXPECT_FALSE(store->HasItem(Bytes(16, '\x01')));
  EXPECT_THAT(store->GetCase("b"), StatusIs(absl::StatusCode::kNotFound, HasSubstr("b")));
  EXPECT_TRUE(store->HasItem(Bytes(16, '\x02')));
  EXPECT_THAT(store->ListItems(), IsOkAndHolds(SizeIs(1)));
  ASSERT_OK_AND_ASSIGN(v1::CaseSummary other, store->GetCase("c"));
  EXPECT_EQ(other.ref(), "c");
}

TEST(NodeStoreTest, RecordsOfOneMillisecondKeepTheirOrderAcrossRestarts) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(Keystore keys, MakeKeys(6));
  for (int run = 0; run < 2; ++run) {
    ASSERT_OK_AND_ASSIGN(auto store, NodeStore::Open({dir.Sub("db")}, keys, Env()));
    for (int i = 0; i < 3; ++i) {
      NodeStore::Batch batch = store->NewBatch();
      v1::AccessRecord record;
      record.set_at_ms(1000);  // the same millisecond every time
      record.set_action(absl::StrCat("run", run, "-", i));
      ASSERT_OK(batch.PutAccess(record));
      ASSERT_OK(store->Commit(batch));
    }
  }
  ASSERT_OK_AND_ASSIGN(auto store, NodeStore::Open({dir.Sub("db")}, keys, Env()));
  ASSERT_OK_AND_ASSIGN(auto records, store->ListAccess());
  std::vector<std::string> actions;
  for (const auto& r : records) actions.push_back(r.action());
  EXPECT_THAT(actions,
              ::testing::ElementsAre("run0-0", "run0-1", "run0-2", "run1-0", "run1-1", "run1-2"));
}

// Opens the store's database directly (the store closed), as someone with the disk would.
void EditBlobs(const std::string& path,
               const std::function<void(rocksdb::DB*, rocksdb::ColumnFamilyHandle*)>& edit) {
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names)
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), path, descriptors, &handles, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == "blobs") edit(db.get(), handles[i]);
  }
  for (rocksdb::ColumnFamilyHandle* handle : handles) db->DestroyColumnFamilyHandle(handle);
}

Bytes PieceKey(const Bytes& id, uint32_t part, uint32_t piece) {
  Bytes key = id;
  AppendUint32(part, &key);
  AppendUint32(piece, &key);
  return key;
}

TEST(NodeStoreBlobTest, LargeBytesReadBackInPiecesAndAreEncryptedAtRest) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(Keystore keys, MakeKeys(11));
  const Bytes id(16, '\x05');
  Bytes body;
  for (int i = 0; body.size() < NodeStore::kBlobChunkSize * 5 / 2; ++i) {
    absl::StrAppend(&body, "Informe confidencial, linea ", i, "\n");
  }
  {
    ASSERT_OK_AND_ASSIGN(auto store, NodeStore::Open({dir.Sub("db")}, keys, Env()));
    ASSERT_OK(store->PutBlob(id, 0, body));
    ASSERT_OK(store->PutBlob(id, NodeStore::kEnvelopePart, ""));
    NodeStore::Batch batch = store->NewBatch();
    batch.KeepBlobs(id);
    ASSERT_OK(store->Commit(batch));
  }
  EXPECT_EQ(AllBytes(dir.Sub("db")).find("Informe confidencial"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(auto store, NodeStore::Open({dir.Sub("db")}, keys, Env()));
  std::vector<size_t> pieces;
  Bytes back;
  ASSERT_OK(store->ReadBlob(id, 0, [&](absl::string_view piece) {
    pieces.push_back(piece.size());
    back.append(piece.data(), piece.size());
    return absl::OkStatus();
  }));
  EXPECT_THAT(pieces, SizeIs(3));
  EXPECT_EQ(pieces[0], NodeStore::kBlobChunkSize);
  EXPECT_EQ(back, body);
  EXPECT_THAT(store->GetBlob(id, NodeStore::kEnvelopePart), IsOkAndHolds(""));  // empty, not absent
  EXPECT_THAT(store->GetBlob(id, 1), StatusIs(absl::StatusCode::kNotFound, ::testing::_));
  // A reader's error stops the reading and is returned.
  EXPECT_THAT(store->ReadBlob(id, 0, [](absl::string_view) { return absl::CancelledError("x"); }),
              StatusIs(absl::StatusCode::kCancelled, ::testing::_));
}

TEST(NodeStoreBlobTest, BlobsOfAnUnfinishedItemAreRemovedAtTheNextOpen) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(Keystore keys, MakeKeys(12));
  const Bytes kept(16, '\x01'), unfinished(16, '\x02'), abandoned(16, '\x03');
  {
    ASSERT_OK_AND_ASSIGN(auto store, NodeStore::Open({dir.Sub("db")}, keys, Env()));
    ASSERT_OK(store->PutBlob(kept, 0, "kept"));
    ASSERT_OK(store->PutBlob(unfinished, 0, "crash before the item's batch"));
    ASSERT_OK(store->PutBlob(abandoned, 0, "a composition that failed"));
    ASSERT_OK(store->AbandonBlobs(abandoned));
    EXPECT_THAT(store->GetBlob(abandoned, 0), StatusIs(absl::StatusCode::kNotFound, ::testing::_));
    NodeStore::Batch batch = store->NewBatch();
    batch.KeepBlobs(kept);
    ASSERT_OK(store->Commit(batch));
  }
  ASSERT_OK_AND_ASSIGN(auto store, NodeStore::Open({dir.Sub("db")}, keys, Env()));
  EXPECT_THAT(store->GetBlob(kept, 0), IsOkAndHolds("kept"));
  EXPECT_THAT(store->GetBlob(unfinished, 0), StatusIs(absl::StatusCode::kNotFound, ::testing::_));
}

TEST(NodeStoreBlobTest, ABlobCutShortWithAPieceMissingOrMovedDoesNotRead) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(Keystore keys, MakeKeys(13));
  const Bytes cut(16, '\x01'), holed(16, '\x02'), target(16, '\x03');
  const Bytes body(NodeStore::kBlobChunkSize * 2 + 10, 'z');
  {
    ASSERT_OK_AND_ASSIGN(auto store, NodeStore::Open({dir.Sub("db")}, keys, Env()));
    NodeStore::Batch batch = store->NewBatch();
    for (const Bytes* id : {&cut, &holed, &target}) {
      ASSERT_OK(store->PutBlob(*id, 0, body));
      batch.KeepBlobs(*id);
    }
    ASSERT_OK(store->Commit(batch));
  }
  EditBlobs(dir.Sub("db"), [&](rocksdb::DB* db, rocksdb::ColumnFamilyHandle* blobs) {
    ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), blobs, PieceKey(cut, 0, 2)).ok());
    ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), blobs, PieceKey(holed, 0, 1)).ok());
    std::string piece;
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), blobs, PieceKey(cut, 0, 0), &piece).ok());
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), blobs, PieceKey(target, 0, 0), piece).ok());
  });
  ASSERT_OK_AND_ASSIGN(auto store, NodeStore::Open({dir.Sub("db")}, keys, Env()));
  EXPECT_THAT(store->GetBlob(cut, 0),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("cut short")));
  EXPECT_THAT(store->GetBlob(holed, 0),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("piece 1 is missing")));
  EXPECT_THAT(store->GetBlob(target, 0),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("does not authenticate")));
}

TEST(NodeStoreBlobTest, DeleteContentRemovesTheContentAndEveryBlobOfTheItem) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(Keystore keys, MakeKeys(14));
  ASSERT_OK_AND_ASSIGN(auto store, NodeStore::Open({dir.Sub("db")}, keys, Env()));
  const Bytes id(16, '\x09'), neighbour(16, '\x0a');
  NodeStore::Batch batch = store->NewBatch();
  v1::StoredContent content;
  content.set_content("c");
  ASSERT_OK(batch.PutContent(id, content));
  for (const Bytes* item : {&id, &neighbour}) {
    ASSERT_OK(store->PutBlob(*item, 0, "attachment"));
    ASSERT_OK(store->PutBlob(*item, NodeStore::kEnvelopePart, "envelope"));
    batch.KeepBlobs(*item);
  }
  ASSERT_OK(store->Commit(batch));
  batch.DeleteContent(id);
  ASSERT_OK(store->Commit(batch));
  EXPECT_THAT(store->GetContent(id), StatusIs(absl::StatusCode::kNotFound, ::testing::_));
  EXPECT_THAT(store->GetBlob(id, 0), StatusIs(absl::StatusCode::kNotFound, ::testing::_));
  EXPECT_THAT(store->GetBlob(id, NodeStore::kEnvelopePart),
              StatusIs(absl::StatusCode::kNotFound, ::testing::_));
  EXPECT_THAT(store->GetBlob(neighbour, NodeStore::kEnvelopePart), IsOkAndHolds("envelope"));
}

}  // namespace
}  // namespace enlace::node
