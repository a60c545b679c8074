// The hub unreachable for minutes: real node daemons over mutual TLS to an in-process hub on one
// FakeClock, the hub stopped while both sides keep writing. Extends what
// tests/node/node_integration_test.cc proves for one message (HubDownWhileSendingTheOutbox...):
// several messages in both directions, minutes of backoff on the injected clock, the status shown
// by `enlace doctor` meanwhile, and delivery in the order sent once the hub is back.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/node/node_network.h"
#include "tests/testing/status_matchers.h"

namespace enlace::node::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

class HubUnreachableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(network_, NodeNetwork::Create({"MX", "GT"}));
    ASSERT_OK(network_->StartNodes({"MX", "GT"}));
  }

  // An information request through the CLI; returns its message id (hex).
  std::string Request(const std::string& from, const std::string& to, const std::string& subject) {
    return SentMessageId(network_->Request(from, to, subject));
  }

  std::vector<v1::StoredItemMeta> Items(const std::string& country, v1::ItemDirection direction) {
    std::vector<v1::StoredItemMeta> chosen;
    absl::StatusOr<std::vector<v1::StoredItemMeta>> items =
        network_->node(country).store().ListItems();
    EXPECT_OK(items.status());
    for (const auto& item : items.value_or(std::vector<v1::StoredItemMeta>())) {
      if (item.direction() == direction) chosen.push_back(item);
    }
    return chosen;
  }

  // The message ids (hex) `country` sent, in the order the hub logged them (receipt log index).
  std::vector<std::string> SentInLogOrder(const std::string& country) {
    std::vector<v1::StoredItemMeta> sent = Items(country, v1::ITEM_DIRECTION_OUTBOUND);
    std::sort(sent.begin(), sent.end(),
              [](const auto& a, const auto& b) { return a.log_index() < b.log_index(); });
    std::vector<std::string> ids;
    for (const auto& item : sent) {
      EXPECT_TRUE(item.has_receipt()) << HexEncode(item.message_id());
      ids.push_back(HexEncode(item.message_id()));
    }
    return ids;
  }

  bool Received(const std::string& country, const std::vector<std::string>& ids) {
    std::vector<v1::StoredItemMeta> inbound = Items(country, v1::ITEM_DIRECTION_INBOUND);
    return std::all_of(ids.begin(), ids.end(), [&](const std::string& id) {
      return std::any_of(inbound.begin(), inbound.end(),
                         [&](const auto& item) { return HexEncode(item.message_id()) == id; });
    });
  }

  std::vector<v1::OutboxEntry> Outbox(const std::string& country) {
    absl::StatusOr<std::vector<v1::OutboxEntry>> outbox =
        network_->node(country).store().ListOutbox();
    EXPECT_OK(outbox.status());
    return outbox.value_or(std::vector<v1::OutboxEntry>());
  }

  // Ten seconds of the injected clock, then waits (real time) until each node has tried every
  // entry that fell due.
  void Step() {
    network_->Advance(absl::Seconds(10));
    const absl::Time now = network_->clock().Now();
    ASSERT_TRUE(network_->WaitUntil([&] {
      return network_->node("MX").NextOutboxAttempt() > now &&
             network_->node("GT").NextOutboxAttempt() > now;
    })) << "the senders did not try what was due";
  }

  std::unique_ptr<NodeNetwork> network_;
};

TEST_F(HubUnreachableTest, FiveMinutesWithoutTheHubBothDirectionsQueueBackOffAndDeliverInOrder) {
  ASSERT_OK(network_->StopHub());
  // Both sides keep writing while the hub is away: three requests each, a minute apart, so that
  // the entries have different ages and backoffs when the hub returns.
  std::vector<std::string> from_mx;
  std::vector<std::string> from_gt;
  for (int i = 0; i < 3; ++i) {
    from_mx.push_back(Request("MX", "GT", absl::StrCat("Consulta MX ", i)));
    from_gt.push_back(Request("GT", "MX", absl::StrCat("Consulta GT ", i)));
    for (int s = 0; s < 6; ++s) {
      Step();
    }
  }
  // Two more minutes of the hub away (five in all), in 10 s steps of the injected clock.
  for (int s = 0; s < 12; ++s) {
    Step();
  }

  const int64_t now_ms = absl::ToUnixMillis(network_->clock().Now());
  for (const char* country : {"MX", "GT"}) {
    std::vector<v1::OutboxEntry> waiting = Outbox(country);
    ASSERT_THAT(waiting, SizeIs(3)) << country;
    uint32_t attempts = 0;
    for (const v1::OutboxEntry& entry : waiting) {
      attempts += entry.attempts();
      // Retried with backoff: the next try is due within the configured maximum (60 s).
      EXPECT_LE(entry.next_attempt_ms(), now_ms + 60'000) << country;
    }
    // The oldest entry was tried, again and again but not at every 10 s step (30 of them): the
    // delays grow.
    EXPECT_GE(waiting[0].attempts(), 3u) << country;
    EXPECT_LT(waiting[0].attempts(), 30u) << country;
    EXPECT_THAT(waiting[0].last_error(), HasSubstr("hub")) << country;
    EXPECT_GE(attempts, 3u) << country;
    EXPECT_THAT(Items(country, v1::ITEM_DIRECTION_INBOUND), SizeIs(0)) << country;

    // What the focal point sees meanwhile.
    CliResult doctor = network_->Cli(country, {"doctor"});
    EXPECT_THAT(doctor.out, HasSubstr("[FAIL] hub: the hub does not answer")) << doctor.out;
    EXPECT_THAT(doctor.out, HasSubstr("outbox: 3 messages waiting")) << doctor.out;
    EXPECT_THAT(doctor.out, HasSubstr("The node needs attention.")) << doctor.out;
    EXPECT_NE(doctor.exit_code, 0);
  }

  ASSERT_OK(network_->StartHub());
  ASSERT_TRUE(network_->WaitUntil(
      [&] {
        return network_->node("MX").OutboxSize() == 0 && network_->node("GT").OutboxSize() == 0 &&
               Received("GT", from_mx) && Received("MX", from_gt);
      },
      absl::Seconds(5), absl::Seconds(60)))
      << "the outboxes did not drain after the hub came back";
  // Delivered in the order written: the hub logged (and so queued in the recipient's mailbox)
  // each side's messages in the order they were sent.
  EXPECT_EQ(SentInLogOrder("MX"), from_mx);
  EXPECT_EQ(SentInLogOrder("GT"), from_gt);
  EXPECT_THAT(Items("GT", v1::ITEM_DIRECTION_INBOUND), SizeIs(3));
  EXPECT_THAT(Items("MX", v1::ITEM_DIRECTION_INBOUND), SizeIs(3));
  // Acknowledged both ways, once the nodes' pending acks reach the hub.
  ASSERT_TRUE(network_->WaitUntil(
      [&] {
        for (const char* country : {"MX", "GT"}) {
          for (const auto& item : Items(country, v1::ITEM_DIRECTION_INBOUND)) {
            if (item.delivery() != v1::ITEM_STATE_ACKNOWLEDGED) return false;
          }
          for (const auto& item : Items(country, v1::ITEM_DIRECTION_OUTBOUND)) {
            if (item.acknowledged_by_size() != 1) return false;
          }
        }
        return true;
      },
      absl::Seconds(5), absl::Seconds(60)))
      << "not every message was acknowledged";
  for (const char* country : {"MX", "GT"}) {
    EXPECT_EQ(network_->node(country).witness().alarm_count(), 0u) << country;
    CliResult doctor = network_->Cli(country, {"doctor"});
    EXPECT_THAT(doctor.out, HasSubstr("[ok]   hub: the hub answers")) << doctor.out;
    EXPECT_THAT(doctor.out, HasSubstr("outbox: 0 messages waiting")) << doctor.out;
  }
}

TEST_F(HubUnreachableTest, ANodeRestartedWhileTheHubIsAwayStillSendsInOrder) {
  ASSERT_OK(network_->StopHub());
  std::vector<std::string> sent;
  for (int i = 0; i < 4; ++i) {
    sent.push_back(Request("MX", "GT", absl::StrCat("Consulta ", i)));
    for (int s = 0; s < 3; ++s) Step();
  }
  // The node restarts (an upgrade, a reboot) before the hub is back: the outbox, and which of
  // its entries wait for the hub, are in its store.
  network_->StopNode("MX");
  ASSERT_OK(network_->StartNode("MX"));
  EXPECT_THAT(Outbox("MX"), SizeIs(4));
  ASSERT_OK(network_->StartHub());
  ASSERT_TRUE(network_->WaitUntil([&] { return Received("GT", sent); }, absl::Seconds(5),
                                  absl::Seconds(60)))
      << "the outbox did not drain after the hub came back";
  EXPECT_EQ(SentInLogOrder("MX"), sent);
  EXPECT_EQ(network_->node("MX").OutboxSize(), 0u);
}

}  // namespace
}  // namespace enlace::node::testing
