// A full disk under the hub and under a node, made with an injected RocksDB file system
// (hub/testing/fault_fs.h: appends fail with "no space left on device" once a byte budget is
// spent, and the free space it reports follows the budget) — filling a real file system needs
// root. The hub is reached over mutual TLS as its clients reach it; the node is a real daemon.
// What must hold: clear refusals (RESOURCE_EXHAUSTED or UNAVAILABLE naming the storage, never a
// crash), no receipt for anything not durable, nothing receipted lost, the audit log verifying,
// and service back once space returns — without a restart.
//
// Not covered here: files the node writes outside its store (the metrics file, alarm evidence,
// destroyed-keys, backups) go through base/files.h, which has no injection seam; a failed write
// there is an error of its own (logged), not a store corruption.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "auditlog/event.h"
#include "auditor/fetch.h"
#include "auditor/verify.h"
#include "base/status_macros.h"
#include "crypto/envelope.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/testing/fault_fs.h"
#include "net/status.h"
#include "tests/hub/hub_fixture.h"
#include "tests/node/node_network.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace enlace {
namespace {

using ::enlace::hub::testing::FaultInjectionFs;
using ::enlace::testing::IsOk;
using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::SizeIs;

// ---- The hub ----

class HubDiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(net_, hub::testing::TestNetwork::Create(
                                   absl::Now(), {"node/MX", "node/GT", "node/HN", "auditor/ana"}));
    clock_ = std::make_unique<FakeClock>(net_->now());
    fs_ = std::make_shared<FaultInjectionFs>();
    env_ = rocksdb::NewCompositeEnv(fs_);
    Start(env_.get());
  }

  void Start(rocksdb::Env* env) {
    ASSERT_OK_AND_ASSIGN(
        hub_, hub::testing::StartHub(*net_, clock_.get(), dir_.Sub("db"), {}, nullptr, env));
  }

  v1::Envelope Seal(const std::string& from, const std::string& to) {
    // 8 KiB of payload, so that a budget runs out after a few dozen messages.
    absl::StatusOr<v1::Envelope> envelope =
        net_->Seal(from, {to}, v1::KIND_INFO_REQUEST, std::string(8 << 10, 'x'), clock_->Now());
    EXPECT_OK(envelope.status());
    return envelope.value_or(v1::Envelope());
  }

  absl::StatusOr<v1::SubmitResponse> Submit(const std::string& from, const v1::Envelope& e) {
    v1::Exchange::Stub stub(hub::testing::HubChannel(*net_, from, hub_->port()));
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    v1::SubmitRequest request;
    request.set_envelope(e.SerializeAsString());
    v1::SubmitResponse response;
    RETURN_IF_ERROR(FromGrpcStatus(stub.Submit(&context, request, &response)));
    return response;
  }

  // Every participant submits in its own thread until `refusals` refusals each; returns what
  // each submission got.
  struct Outcome {
    std::string from;
    v1::Envelope envelope;
    absl::StatusOr<v1::SubmitResponse> result;
  };
  std::vector<Outcome> SubmitUntilRefused(int refusals) {
    absl::Mutex mu;
    std::vector<Outcome> outcomes;
    std::vector<std::thread> threads;
    const std::vector<std::pair<std::string, std::string>> pairs = {
        {"node/MX", "node/GT"}, {"node/GT", "node/HN"}, {"node/HN", "node/MX"}};
    for (const auto& [from, to] : pairs) {
      threads.emplace_back([&, from = from, to = to] {
        int refused = 0;
        for (int i = 0; i < 2000 && refused < refusals; ++i) {
          Outcome outcome{from, Seal(from, to), absl::UnknownError("")};
          outcome.result = Submit(from, outcome.envelope);
          refused += !outcome.result.ok();
          absl::MutexLock lock(&mu);
          outcomes.push_back(std::move(outcome));
        }
      });
    }
    for (std::thread& t : threads) t.join();
    return outcomes;
  }

  // The hub signs a tree head for everything; the auditor fetches the whole log and verifies it.
  void ExpectTheLogVerifies() {
    clock_->Advance(absl::Seconds(2));
    ASSERT_OK(hub_->exchange()->RunMaintenance().status());
    v1::AuditLog::Stub audit(hub::testing::HubChannel(*net_, "auditor/ana", hub_->port()));
    ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey log_key, net_->LogKey());
    auditor::FetchOptions options;
    options.log_key = log_key.public_key();
    const std::string dir = dir_.Sub(absl::StrCat("audit-", ++fetches_));
    ASSERT_OK_AND_ASSIGN(auditor::FetchResult fetched, auditor::Fetch(&audit, dir, options));
    EXPECT_EQ(fetched.head.tree_size, hub_->exchange()->audit_log()->size());
    ASSERT_OK_AND_ASSIGN(auditor::VerifyResult verified, auditor::VerifyExport(dir));
    EXPECT_TRUE(verified.ok()) << (verified.divergence ? verified.divergence->ToString() : "");
  }

  // Each receipt names a SUBMITTED entry of the log for its message, and each message is in its
  // recipient's mailbox exactly once.
  void ExpectEveryReceiptHonoured(const std::map<std::string, v1::Receipt>& receipts,
                                  const std::map<std::string, std::string>& recipient_of) {
    auditlog::AuditLog* log = hub_->exchange()->audit_log();
    ASSERT_OK_AND_ASSIGN(std::vector<Bytes> leaves, log->ReadEntries(0, log->size(), log->size()));
    std::map<std::string, std::multiset<std::string>> mailboxes;
    for (const char* who : {"node/MX", "node/GT", "node/HN"}) {
      ASSERT_OK_AND_ASSIGN(ParticipantId id, ParticipantId::Parse(who));
      uint64_t after = 0;
      while (true) {
        ASSERT_OK_AND_ASSIGN(std::optional<hub::MailboxEntry> entry,
                             hub_->exchange()->NextEntry(id, after));
        if (!entry.has_value()) break;
        after = entry->sequence;
        mailboxes[who].insert(HexEncode(entry->value.message_id));
      }
    }
    for (const auto& [id, receipt] : receipts) {
      ASSERT_LT(receipt.log_index(), leaves.size()) << id;
      ASSERT_OK_AND_ASSIGN(v1::AuditEvent event, auditlog::DecodeLeaf(leaves[receipt.log_index()]));
      EXPECT_EQ(event.type(), v1::AUDIT_EVENT_SUBMITTED) << id;
      EXPECT_EQ(HexEncode(event.message_id()), id);
      EXPECT_EQ(mailboxes[recipient_of.at(id)].count(id), 1u) << id;
    }
    size_t held = 0;
    for (const auto& [who, ids] : mailboxes) held += ids.size();
    EXPECT_EQ(held, receipts.size()) << "a mailbox holds a message without a receipt";
  }

  enlace::testing::TempDir dir_;
  std::unique_ptr<hub::testing::TestNetwork> net_;
  std::unique_ptr<FakeClock> clock_;
  std::shared_ptr<FaultInjectionFs> fs_;
  std::unique_ptr<rocksdb::Env> env_;
  std::unique_ptr<hub::HubServer> hub_;
  int fetches_ = 0;
};

// The disk fills under concurrent submissions while the file system still reported room (another
// process took it): writes fail wherever the budget runs out (the log's WAL, a flush); from then
// on the free space reported is 0.
TEST_F(HubDiskFullTest, AWriteThatHitsAFullDiskIsRefusedNothingReceiptedIsLostAndServiceResumes) {
  fs_->SetFreeSpace(uint64_t{1} << 40);
  fs_->SetWriteBudget(256 << 10);
  std::vector<Outcome> outcomes = SubmitUntilRefused(3);

  std::map<std::string, v1::Receipt> receipts;
  std::map<std::string, std::string> recipient_of;
  std::vector<const Outcome*> refused;
  for (const Outcome& o : outcomes) {
    const std::string id = HexEncode(ReadUnverifiedHeader(o.envelope)->message_id());
    recipient_of[id] = ReadUnverifiedHeader(o.envelope)->recipient_ids(0);
    if (o.result.ok()) {
      receipts[id] = o.result->receipt();
      continue;
    }
    refused.push_back(&o);
    // A clear refusal: the storage is full (RESOURCE_EXHAUSTED) or, while the database has not
    // left its error state, unavailable; never INTERNAL or a crash.
    EXPECT_THAT(o.result.status().code(),
                AnyOf(absl::StatusCode::kResourceExhausted, absl::StatusCode::kUnavailable))
        << o.result.status();
    EXPECT_THAT(o.result.status().message(),
                AnyOf(HasSubstr("storage is full"), HasSubstr("could not leave its error state")))
        << o.result.status();
  }
  ASSERT_GE(receipts.size(), 3u) << "the budget should let some messages through";
  ASSERT_THAT(refused, SizeIs(9));

  // The disk stays full and says so now: refused before touching the database.
  fs_->SetFreeSpace(0);
  EXPECT_THAT(Submit("node/MX", Seal("node/MX", "node/GT")).status(),
              ::enlace::testing::StatusIs(absl::StatusCode::kResourceExhausted,
                                          HasSubstr("storage is full")));

  // Space returns: the hub resumes by itself and takes the refused envelopes (or, for one whose
  // write reached the disk after all, answers with its original receipt).
  fs_->SetWriteBudget(std::nullopt);
  fs_->SetFreeSpace(std::nullopt);
  for (const Outcome* o : refused) {
    absl::StatusOr<v1::SubmitResponse> again = Submit(o->from, o->envelope);
    ASSERT_THAT(again, IsOk());
    receipts[HexEncode(again->receipt().message_id())] = again->receipt();
  }
  ExpectEveryReceiptHonoured(receipts, recipient_of);
  ExpectTheLogVerifies();

  // After a restart on a healthy disk, the same: nothing receipted was lost, nothing added.
  ASSERT_OK(hub_->Shutdown());
  hub_.reset();
  Start(nullptr);
  ExpectEveryReceiptHonoured(receipts, recipient_of);
  ExpectTheLogVerifies();
}

// The usual case: the free space reported falls below the hub's reserve (64 MiB) and the hub
// refuses before the database ever meets a full disk.
TEST_F(HubDiskFullTest,
       BelowTheReserveTheHubRefusesNamingTheFreeSpaceAndTakesMoreWhenSpaceReturns) {
  fs_->SetWriteBudget((uint64_t{64} << 20) + (128 << 10));
  std::vector<Outcome> outcomes = SubmitUntilRefused(1);
  std::map<std::string, v1::Receipt> receipts;
  std::map<std::string, std::string> recipient_of;
  for (const Outcome& o : outcomes) {
    const std::string id = HexEncode(ReadUnverifiedHeader(o.envelope)->message_id());
    recipient_of[id] = ReadUnverifiedHeader(o.envelope)->recipient_ids(0);
    if (o.result.ok()) {
      receipts[id] = o.result->receipt();
    } else {
      EXPECT_THAT(o.result.status(),
                  ::enlace::testing::StatusIs(absl::StatusCode::kResourceExhausted,
                                              HasSubstr("in reserve); retry once space is freed")));
    }
  }
  ASSERT_GE(receipts.size(), 3u);
  fs_->SetWriteBudget(std::nullopt);
  v1::Envelope later = Seal("node/MX", "node/GT");
  ASSERT_OK_AND_ASSIGN(v1::SubmitResponse accepted, Submit("node/MX", later));
  const std::string id = HexEncode(accepted.receipt().message_id());
  receipts[id] = accepted.receipt();
  recipient_of[id] = "node/GT";
  ExpectEveryReceiptHonoured(receipts, recipient_of);
  ExpectTheLogVerifies();
}

// ---- A node ----

class NodeDiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(network_, node::testing::NodeNetwork::Create({"MX", "GT"}));
    fs_ = std::make_shared<FaultInjectionFs>();
    env_ = rocksdb::NewCompositeEnv(fs_);
    ASSERT_OK(network_->StartNode("MX"));
    ASSERT_OK(network_->StartNode("GT", nullptr, nullptr, env_.get()));
    ASSERT_OK(network_->WaitConnected({"MX", "GT"}));
  }

  node::testing::CliResult Request(const std::string& from, const std::string& to) {
    return network_->Request(from, to, "Verificación");
  }

  absl::optional<v1::StoredItemMeta> Item(const std::string& country, const std::string& hex) {
    return network_->Item(country, hex);
  }

  bool Acknowledged(const std::string& country, const std::string& hex) {
    absl::optional<v1::StoredItemMeta> item = Item(country, hex);
    return item.has_value() && item->delivery() == v1::ITEM_STATE_ACKNOWLEDGED;
  }

  // Declared first: the node's store uses them until the network is gone.
  std::shared_ptr<FaultInjectionFs> fs_;
  std::unique_ptr<rocksdb::Env> env_;
  std::unique_ptr<node::testing::NodeNetwork> network_;
};

TEST_F(NodeDiskFullTest,
       ANodeWithAFullDiskRefusesClearlyKeepsWhatItHadAndCatchesUpWhenSpaceReturns) {
  const std::string before = node::testing::SentMessageId(Request("MX", "GT"));
  ASSERT_TRUE(network_->WaitUntil([&] { return Acknowledged("GT", before); }));

  fs_->SetWriteBudget(0);  // full, and its free space says so
  // Sending: refused at once, saying why; nothing queued.
  node::testing::CliResult refused = Request("GT", "MX");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err + refused.out, HasSubstr("disk full")) << refused.err << refused.out;
  EXPECT_EQ(network_->node("GT").OutboxSize(), 0u);
  // Receiving: GT cannot store what arrives, so it does not acknowledge it; the hub keeps it.
  const std::string during = node::testing::SentMessageId(Request("MX", "GT"));
  ASSERT_TRUE(network_->WaitUntil([&] {
    absl::optional<v1::StoredItemMeta> sent = Item("MX", during);
    return sent.has_value() && sent->has_receipt();
  }));
  network_->Advance(absl::Seconds(5));
  EXPECT_FALSE(Item("GT", during).has_value());
  // What GT had is intact and readable meanwhile.
  EXPECT_TRUE(Acknowledged("GT", before));
  node::testing::CliResult shown = network_->Cli("GT", {"inbox"});
  EXPECT_EQ(shown.exit_code, 0) << shown.err;

  // Space returns: GT stores and acknowledges what waited, and sends again, without a restart.
  fs_->SetWriteBudget(std::nullopt);
  ASSERT_TRUE(network_->WaitUntil([&] { return Acknowledged("GT", during); }, absl::Seconds(1)))
      << "GT did not catch up once space returned";
  const std::string after = node::testing::SentMessageId(Request("GT", "MX"));
  ASSERT_TRUE(network_->WaitUntil([&] { return Acknowledged("MX", after); }, absl::Seconds(1)));

  // A restart on a healthy disk finds everything, once.
  network_->StopNode("GT");
  ASSERT_OK(network_->StartNode("GT"));
  for (const std::string& id : {before, during}) EXPECT_TRUE(Acknowledged("GT", id)) << id;
  absl::optional<v1::StoredItemMeta> sent = Item("GT", after);
  ASSERT_TRUE(sent.has_value());
  EXPECT_TRUE(sent->has_receipt());
  EXPECT_EQ(network_->node("GT").witness().alarm_count(), 0u);
}

}  // namespace
}  // namespace enlace
