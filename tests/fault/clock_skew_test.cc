// Clock skew between nodes and the hub, each part on its own clock. The hub takes a message
// created up to max_clock_skew (5 min) after its own time, and an acknowledgement dated within
// [submission - 5 min, now + 5 min]; a node takes a delivery created up to its max_clock_skew_s
// (300 s) after its own time. 4m59s is inside, 5m01s beyond; every refusal names the skew and
// the window. The past side of a message's created_at is bounded by the replay window
// (max_message_age, 30 days), not by the skew: an outbox may hold a message for days while the
// hub is away, so a node whose clock is 5m01s behind is accepted.
//
// First the hub over mutual TLS (a FakeClock for the hub, senders' times set per envelope), then
// real node daemons whose clocks are the network's FakeClock shifted by an offset.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "auditlog/event.h"
#include "base/status_macros.h"
#include "crypto/envelope.h"
#include "crypto/receipts.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "net/status.h"
#include "tests/hub/hub_fixture.h"
#include "tests/node/node_network.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace enlace {
namespace {

using ::enlace::testing::IsOk;
using ::enlace::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr absl::Duration kInside = absl::Seconds(4 * 60 + 59);
// Clocks start on a whole second, so that times (kept in milliseconds) and skews are exact.
absl::Time WholeSecond(absl::Time t) { return absl::FromUnixSeconds(absl::ToUnixSeconds(t) + 1); }

constexpr absl::Duration kBeyond = absl::Seconds(5 * 60 + 1);

// ---- The hub ----

class HubClockSkewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(net_,
                         hub::testing::TestNetwork::Create(absl::Now(), {"node/MX", "node/GT"}));
    clock_ = std::make_unique<FakeClock>(WholeSecond(net_->now()));
    ASSERT_OK_AND_ASSIGN(hub_, hub::testing::StartHub(*net_, clock_.get(), dir_.Sub("db")));
  }

  // MX submits an envelope created at the hub's time + `offset` (MX's clock).
  absl::StatusOr<v1::SubmitResponse> SubmitCreatedAt(absl::Duration offset) {
    absl::StatusOr<v1::Envelope> envelope =
        net_->Seal("node/MX", {"node/GT"}, v1::KIND_INFO_REQUEST, "hola", clock_->Now() + offset);
    if (!envelope.ok()) return envelope.status();
    v1::Exchange::Stub stub(hub::testing::HubChannel(*net_, "node/MX", hub_->port()));
    grpc::ClientContext context;
    v1::SubmitRequest request;
    request.set_envelope(envelope->SerializeAsString());
    v1::SubmitResponse response;
    RETURN_IF_ERROR(FromGrpcStatus(stub.Submit(&context, request, &response)));
    return response;
  }

  // GT acknowledges `receipt`'s message, dated `acked_at` (GT's clock).
  absl::StatusOr<v1::AckResponse> AckAt(const v1::Receipt& receipt, absl::Time acked_at) {
    v1::AckRequest ack;
    ack.set_message_id(receipt.message_id());
    ack.set_acked_at_ms(absl::ToUnixMillis(acked_at));
    const Ed25519PrivateKey& key = net_->participant("node/GT").signing_key;
    ack.set_key_id(key.public_key().KeyId());
    ASSIGN_OR_RETURN(Bytes signature,
                     key.Sign(AckSigningInput(receipt.message_id(), receipt.header_hash(),
                                              "node/GT", ack.acked_at_ms())));
    ack.set_signature(signature);
    v1::Exchange::Stub stub(hub::testing::HubChannel(*net_, "node/GT", hub_->port()));
    grpc::ClientContext context;
    v1::AckResponse response;
    RETURN_IF_ERROR(FromGrpcStatus(stub.Ack(&context, ack, &response)));
    return response;
  }

  enlace::testing::TempDir dir_;
  std::unique_ptr<hub::testing::TestNetwork> net_;
  std::unique_ptr<FakeClock> clock_;
  std::unique_ptr<hub::HubServer> hub_;
};

TEST_F(HubClockSkewTest, ASenderUpToFourMinutesFiftyNineAheadOrBehindIsAccepted) {
  EXPECT_THAT(SubmitCreatedAt(kInside), IsOk());
  EXPECT_THAT(SubmitCreatedAt(-kInside), IsOk());
  // Behind by more than the skew is still inside the replay window (see above).
  EXPECT_THAT(SubmitCreatedAt(-kBeyond), IsOk());
}

TEST_F(HubClockSkewTest, ASenderFiveMinutesOneSecondAheadIsRefusedWithTheSkewAndTheWindow) {
  EXPECT_THAT(SubmitCreatedAt(kBeyond),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("is 5m1s after the hub's time"),
                             HasSubstr("beyond the allowed clock skew of 5m"),
                             HasSubstr("check the sender's clock"))));
  // Nothing of it was stored: no SUBMITTED in the log, GT's mailbox empty.
  auditlog::AuditLog* log = hub_->exchange()->audit_log();
  ASSERT_OK_AND_ASSIGN(std::vector<Bytes> leaves, log->ReadEntries(0, log->size(), log->size()));
  for (const Bytes& leaf : leaves) {
    ASSERT_OK_AND_ASSIGN(v1::AuditEvent event, auditlog::DecodeLeaf(leaf));
    EXPECT_NE(event.type(), v1::AUDIT_EVENT_SUBMITTED);
  }
  ASSERT_OK_AND_ASSIGN(ParticipantId gt, ParticipantId::Parse("node/GT"));
  ASSERT_OK_AND_ASSIGN(std::optional<hub::MailboxEntry> entry, hub_->exchange()->NextEntry(gt, 0));
  EXPECT_FALSE(entry.has_value());
}

TEST_F(HubClockSkewTest, AcknowledgementsAreAcceptedWithinTheSkewAndRefusedBeyondIt) {
  std::vector<v1::Receipt> receipts;
  for (int i = 0; i < 4; ++i) {
    ASSERT_OK_AND_ASSIGN(v1::SubmitResponse submitted, SubmitCreatedAt(absl::ZeroDuration()));
    receipts.push_back(submitted.receipt());
  }
  const absl::Time submitted = absl::FromUnixMillis(receipts[0].hub_time_ms());
  clock_->Advance(absl::Minutes(1));
  const absl::Time now = clock_->Now();
  // The recipient's clock ahead of the hub's.
  EXPECT_THAT(AckAt(receipts[0], now + kInside), IsOk());
  EXPECT_THAT(AckAt(receipts[1], now + kBeyond),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("is 5m1s after the hub's time"),
                             HasSubstr("give or take the allowed clock skew of 5m"))));
  // ... and behind: dated before the submission by up to the skew.
  EXPECT_THAT(AckAt(receipts[2], submitted - kInside), IsOk());
  EXPECT_THAT(AckAt(receipts[3], submitted - kBeyond),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("is 5m1s before the submission"),
                             HasSubstr("give or take the allowed clock skew of 5m"))));
  // A refused acknowledgement can be sent again once the recipient's clock is right.
  EXPECT_THAT(AckAt(receipts[1], now), IsOk());
  EXPECT_THAT(AckAt(receipts[3], now), IsOk());
}

// ---- Nodes ----

// The network's FakeClock seen from a node whose clock is off by `offset` (settable).
class OffsetClock : public Clock {
 public:
  explicit OffsetClock(const Clock* base) : base_(base) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return base_->Now() + offset_;
  }
  void set_offset(absl::Duration offset) {
    absl::MutexLock lock(&mu_);
    offset_ = offset;
  }

 private:
  const Clock* base_;
  mutable absl::Mutex mu_;
  absl::Duration offset_ ABSL_GUARDED_BY(mu_);
};

class NodeClockSkewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(network_, node::testing::NodeNetwork::Create({"MX", "GT"}));
    network_->clock().Set(WholeSecond(network_->clock().Now()));
    for (const char* c : {"MX", "GT"}) {
      clocks_[c] = std::make_unique<OffsetClock>(&network_->clock());
      ASSERT_OK(network_->StartNode(c, nullptr, clocks_[c].get()));
    }
    ASSERT_OK(network_->WaitConnected({"MX", "GT"}));
  }

  // An information request through the CLI; returns its message id (hex).
  std::string Request(const std::string& from, const std::string& to) {
    return node::testing::SentMessageId(network_->Request(from, to, "Verificación"));
  }

  absl::optional<v1::StoredItemMeta> Item(const std::string& country, const std::string& hex) {
    return network_->Item(country, hex);
  }

  // `from` sends to `to`; true once `to` stored it and its acknowledgement reached the hub.
  bool Exchanged(const std::string& from, const std::string& to) {
    const std::string id = Request(from, to);
    return network_->WaitUntil(
        [&] {
          absl::optional<v1::StoredItemMeta> item = Item(to, id);
          return item.has_value() && item->delivery() == v1::ITEM_STATE_ACKNOWLEDGED;
        },
        absl::Seconds(1));
  }

  std::string Doctor(const std::string& country) { return network_->Cli(country, {"doctor"}).out; }

  std::unique_ptr<node::testing::NodeNetwork> network_;
  std::map<std::string, std::unique_ptr<OffsetClock>> clocks_;
};

TEST_F(NodeClockSkewTest, ANodeFourMinutesFiftyNineAheadOrBehindExchangesBothWays) {
  for (absl::Duration offset : {kInside, -kInside}) {
    SCOPED_TRACE(absl::StrCat("MX's clock off by ", absl::FormatDuration(offset)));
    clocks_["MX"]->set_offset(offset);
    EXPECT_TRUE(Exchanged("MX", "GT"));
    EXPECT_TRUE(Exchanged("GT", "MX"));
    // The focal point sees the offset (measured at MX's last receipt): a warning, not a failure.
    EXPECT_THAT(Doctor("MX"), HasSubstr(absl::StrCat("[!]    clock: offset from the hub's clock: ",
                                                     absl::FormatDuration(-offset))));
  }
  for (const char* country : {"MX", "GT"}) {
    EXPECT_EQ(network_->node(country).witness().alarm_count(), 0u) << country;
  }
}

TEST_F(NodeClockSkewTest, ANodeFiveMinutesOneSecondAheadIsRefusedByTheHubAndToldWhy) {
  clocks_["MX"]->set_offset(kBeyond);
  const std::string id = Request("MX", "GT");
  ASSERT_TRUE(network_->WaitUntil([&] {
    absl::StatusOr<std::vector<v1::OutboxEntry>> outbox = network_->node("MX").store().ListOutbox();
    return outbox.ok() && outbox->size() == 1 && (*outbox)[0].attempts() >= 1;
  })) << "the submission was not attempted";
  ASSERT_OK_AND_ASSIGN(std::vector<v1::OutboxEntry> outbox,
                       network_->node("MX").store().ListOutbox());
  EXPECT_THAT(outbox[0].last_error(), AllOf(HasSubstr("is 5m1s after the hub's time"),
                                            HasSubstr("beyond the allowed clock skew of 5m")));
  // The focal point sees why the message waits.
  EXPECT_THAT(Doctor("MX"), AllOf(HasSubstr("outbox: 1 messages waiting; the oldest"),
                                  HasSubstr("last error: hub Submit: created_at"),
                                  HasSubstr("is 5m1s after the hub's time")));
  EXPECT_FALSE(Item("GT", id).has_value());

  // The operator corrects the clock. The message, sealed with its creation time, is refused
  // (and retried) until that time is within the window of the hub's, then delivered.
  clocks_["MX"]->set_offset(absl::ZeroDuration());
  EXPECT_TRUE(network_->WaitUntil(
      [&] {
        absl::optional<v1::StoredItemMeta> item = Item("GT", id);
        return item.has_value() && item->delivery() == v1::ITEM_STATE_ACKNOWLEDGED;
      },
      absl::Seconds(1)));
  EXPECT_EQ(network_->node("GT").witness().alarm_count(), 0u);
}

TEST_F(NodeClockSkewTest, ARecipientRefusesAMessageCreatedBeyondTheSkewOfItsOwnClock) {
  // Both within the hub's window, 4m59s apart: received.
  clocks_["MX"]->set_offset(absl::Minutes(2) + absl::Seconds(29));
  clocks_["GT"]->set_offset(-(absl::Minutes(2) + absl::Seconds(30)));
  EXPECT_TRUE(Exchanged("MX", "GT"));
  EXPECT_EQ(network_->node("GT").witness().alarm_count(), 0u);

  // 5m01s apart: the hub takes it (2m31s ahead of its clock), the recipient refuses it, says so
  // and does not acknowledge it.
  clocks_["MX"]->set_offset(absl::Minutes(2) + absl::Seconds(31));
  const std::string id = Request("MX", "GT");
  // The clock stands still meanwhile: running it on would bring the message into GT's window.
  ASSERT_TRUE(network_->WaitUntil([&] {
    return network_->node("GT").witness().alarm_count() >= 1;
  })) << "the recipient did not report the message";
  EXPECT_FALSE(Item("GT", id).has_value());
  node::testing::CliResult audit = network_->Cli("GT", {"audit"});
  EXPECT_THAT(audit.out, AllOf(HasSubstr("5m1s after this node's time"),
                               HasSubstr("beyond the allowed clock skew of 5m")))
      << audit.out;
  EXPECT_THAT(Doctor("GT"), HasSubstr("[FAIL] log: ALARM: 1 "));
  absl::optional<v1::StoredItemMeta> sent = Item("MX", id);
  ASSERT_TRUE(sent.has_value());
  EXPECT_THAT(sent->acknowledged_by(), SizeIs(0));
}

}  // namespace
}  // namespace enlace
