// The country node end to end: a real hub and real node daemons over mutual TLS on 127.0.0.1,
// driven through the `enlace` CLI as their focal points, on one FakeClock.
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "crypto/signing.h"
#include "domain/content.h"
#include "domain/json.h"
#include "enlace/v1/hub_service.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "identity/participant.h"
#include "net/tls.h"
#include "node/cli_render.h"
#include "node/hub_client.h"
#include "node/testing/misbehaving_hubs.h"
#include "tests/node/node_network.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace enlace::node::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

class NodeIntegrationTest : public ::testing::Test {
 protected:
  void Network(const std::vector<std::string>& countries) {
    ASSERT_OK_AND_ASSIGN(network_, NodeNetwork::Create(countries));
  }

  void StartNodes(const std::vector<std::string>& countries) {
    ASSERT_OK(network_->StartNodes(countries));
  }

  absl::optional<v1::CaseSummary> Case(const std::string& country, const std::string& ref) {
    absl::StatusOr<v1::CaseSummary> summary = network_->node(country).store().GetCase(ref);
    if (!summary.ok()) return absl::nullopt;
    return *summary;
  }

  std::vector<v1::StoredItemMeta> Items(const std::string& country, v1::ItemDirection direction) {
    std::vector<v1::StoredItemMeta> chosen;
    absl::StatusOr<std::vector<v1::StoredItemMeta>> items =
        network_->node(country).store().ListItems();
    if (!items.ok()) return chosen;
    for (const auto& item : *items) {
      if (item.direction() == direction) chosen.push_back(item);
    }
    return chosen;
  }

  bool Has(const std::string& country, const std::string& message_id_hex) {
    for (const auto& item : Items(country, v1::ITEM_DIRECTION_INBOUND)) {
      if (HexEncode(item.message_id()) == message_id_hex) return true;
    }
    return false;
  }

  v1::Content Example(const std::string& name) {
    absl::StatusOr<std::string> text =
        ReadFile(absl::StrCat(ENLACE_SOURCE_DIR, "/tests/data/examples/", name), 1 << 20);
    EXPECT_TRUE(text.ok()) << text.status();
    absl::StatusOr<v1::Content> content = domain::ContentFromJson(text.value_or("{}"));
    EXPECT_TRUE(content.ok()) << content.status();
    return content.value_or(v1::Content());
  }

  // `enlace --json send KIND --file <content> [--to ...]` as `country`'s focal point.
  v1::SendResponse Send(const std::string& country, const std::string& kind,
                        const v1::Content& content, const std::string& to = "") {
    std::string path = files_.Sub(absl::StrCat(country, "-", ++files_sent_, ".json"));
    absl::StatusOr<std::string> json = domain::MessageToJson(content);
    EXPECT_TRUE(json.ok());
    EXPECT_OK(WriteFileAtomically(path, json.value_or("{}")));
    std::vector<std::string> args = {"--json", "send", kind, "--file", path};
    if (!to.empty()) args.insert(args.end(), {"--to", to});
    CliResult result = network_->Cli(country, args);
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    return ParseCliJson<v1::SendResponse>(result.out);
  }

  // An information request from `from` to `to`, through the CLI.
  v1::SendResponse Request(const std::string& from, const std::string& to,
                           const std::string& subject) {
    CliResult result = network_->Request(from, to, subject);
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    return ParseCliJson<v1::SendResponse>(result.out);
  }

  v1::Content Alert(v1::HandlingCode handling) {
    v1::Content alert = Example("smuggling_alert_us_route_to_gt_hn_sv_mx.json");
    absl::StatusOr<std::string> ref = domain::NewReference(*RandomSource::Real());
    alert.mutable_smuggling_alert()->set_alert_ref(ref.value_or(""));
    alert.mutable_smuggling_alert()->mutable_handling()->set_code(handling);
    *alert.mutable_smuggling_alert()->mutable_valid_until() =
        domain::TimeToProto(network_->clock().Now() + absl::Hours(24 * 60));
    return alert;
  }

  std::unique_ptr<NodeNetwork> network_;
  enlace::testing::TempDir files_;
  int files_sent_ = 0;
};

TEST_F(NodeIntegrationTest, ReferralRoundTripThroughItsWholeLifecycle) {
  Network({"MX", "GT"});
  StartNodes({"MX", "GT"});
  v1::SendResponse sent =
      Send("MX", "referral", Example("victim_referral_mx_to_gt_unaccompanied_girl.json"));
  ASSERT_THAT(sent.recipient_ids(), ::testing::ElementsAre("node/GT"));
  const std::string ref = sent.ref();

  // The receiving node stores it and answers RECEIVED on its own; both sides see it.
  auto both_at = [&](v1::ReferralState state) {
    return network_->WaitUntil([&] {
      absl::optional<v1::CaseSummary> mx = Case("MX", ref);
      absl::optional<v1::CaseSummary> gt = Case("GT", ref);
      return mx && gt && mx->referral_state() == state && gt->referral_state() == state;
    });
  };
  ASSERT_TRUE(both_at(v1::REFERRAL_STATE_RECEIVED));
  EXPECT_EQ(Case("GT", ref)->referral_side(), v1::REFERRAL_SIDE_RECEIVING);
  EXPECT_EQ(Case("MX", ref)->referral_side(), v1::REFERRAL_SIDE_REFERRING);

  // The referring side may not accept its own referral: refused before anything is sealed.
  CliResult wrong = network_->Cli("MX", {"status", ref, "ACCEPTED"});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_THAT(wrong.err, HasSubstr("referral_status.state"));
  EXPECT_EQ(network_->node("MX").OutboxSize(), 0u);

  struct Step {
    std::string by;
    std::string step;
    v1::ReferralState state;
    std::vector<std::string> extra;
  };
  const std::vector<Step> steps = {
      {"GT", "ACCEPTED", v1::REFERRAL_STATE_ACCEPTED, {}},
      {"GT", "RISK_ASSESSMENT", v1::REFERRAL_STATE_RISK_ASSESSMENT, {}},
      {"GT", "RETURN_PLANNED", v1::REFERRAL_STATE_RETURN_PLANNED, {}},
      {"MX", "IN_TRANSIT", v1::REFERRAL_STATE_IN_TRANSIT, {}},
      {"GT", "RETURN_COMPLETED", v1::REFERRAL_STATE_RETURN_COMPLETED, {}},
      {"GT", "ASSISTANCE_STARTED", v1::REFERRAL_STATE_ASSISTANCE_STARTED, {}},
      {"GT", "FOLLOW_UP", v1::REFERRAL_STATE_FOLLOW_UP, {}},
      {"GT", "CLOSED", v1::REFERRAL_STATE_CLOSED, {"--reason", "SERVICES_COMPLETED"}},
  };
  for (const Step& step : steps) {
    std::vector<std::string> args = {"status", ref, step.step, "--note", "paso " + step.step};
    args.insert(args.end(), step.extra.begin(), step.extra.end());
    CliResult result = network_->Cli(step.by, args);
    ASSERT_EQ(result.exit_code, 0) << step.step << ": " << result.err;
    ASSERT_TRUE(both_at(step.state)) << "both sides did not reach " << step.step;
  }
  // Each side's history holds every step, in order: SENT, RECEIVED and the eight above.
  for (const char* country : {"MX", "GT"}) {
    absl::optional<v1::CaseSummary> c = Case(country, ref);
    ASSERT_TRUE(c.has_value());
    ASSERT_THAT(c->history(), SizeIs(10)) << country;
    EXPECT_EQ(c->history(0).referral_state(), v1::REFERRAL_STATE_SENT);
    EXPECT_EQ(c->history(1).referral_state(), v1::REFERRAL_STATE_RECEIVED);
    EXPECT_EQ(c->history(9).referral_state(), v1::REFERRAL_STATE_CLOSED);
    EXPECT_THAT(c->flags(), ::testing::IsEmpty()) << country;
  }
  // The readable view, in Spanish.
  CliResult cases = network_->Cli("GT", {"--lang", "es", "cases", "--kind", "referral"});
  EXPECT_EQ(cases.exit_code, 0) << cases.err;
  EXPECT_THAT(cases.out, HasSubstr(ref));
  EXPECT_THAT(cases.out, HasSubstr("Referencia"));
}

TEST_F(NodeIntegrationTest, AlertToFourCountriesEachAcknowledging) {
  const std::vector<std::string> recipients = {"GT", "HN", "SV", "MX"};
  Network({"US", "GT", "HN", "SV", "MX"});
  StartNodes({"US", "GT", "HN", "SV", "MX"});
  v1::Content alert = Alert(v1::HANDLING_CODE_H2);
  alert.mutable_smuggling_alert()->clear_target_countries();  // from --to
  v1::SendResponse sent = Send("US", "alert", alert, "GT,HN,SV,MX");
  ASSERT_THAT(sent.recipient_ids(), SizeIs(4));
  const std::string ref = sent.ref();
  for (const std::string& c : recipients) {
    ASSERT_TRUE(network_->WaitUntil([&] { return Case(c, ref).has_value(); })) << c;
    EXPECT_EQ(Case(c, ref)->alert_side(), v1::ALERT_SIDE_RECIPIENT);
    CliResult ack = network_->Cli(c, {"respond", ref, "--feedback", "ACKNOWLEDGED"});
    ASSERT_EQ(ack.exit_code, 0) << c << ": " << ack.err;
  }
  ASSERT_TRUE(network_->WaitUntil([&] {
    absl::optional<v1::CaseSummary> us = Case("US", ref);
    if (!us || us->recipients_size() != 4) return false;
    return std::all_of(us->recipients().begin(), us->recipients().end(),
                       [](const auto& r) { return r.state() == v1::ALERT_STATE_ACKNOWLEDGED; });
  })) << "the originator did not see four acknowledgements";
  // The recipients' nodes also signed delivery acknowledgements at the hub; the originator reads
  // them from the audit log it verifies.
  ASSERT_TRUE(network_->WaitUntil(
      [&] {
        for (const auto& item : Items("US", v1::ITEM_DIRECTION_OUTBOUND)) {
          if (HexEncode(item.message_id()) == sent.message_id()) {
            return item.acknowledged_by_size() == 4 && item.delivery() == v1::ITEM_STATE_LOGGED;
          }
        }
        return false;
      },
      absl::Seconds(1)));
  EXPECT_EQ(network_->node("US").witness().alarm_count(), 0u);
}

TEST_F(NodeIntegrationTest, HubDownWhileSendingTheOutboxDrainsAfterRestart) {
  Network({"MX", "GT"});
  StartNodes({"MX", "GT"});
  ASSERT_OK(network_->StopHub());
  v1::SendResponse sent = Request("MX", "GT", "Verificación de documento");
  ASSERT_TRUE(network_->WaitUntil([&] {
    absl::StatusOr<std::vector<v1::OutboxEntry>> outbox = network_->node("MX").store().ListOutbox();
    return outbox.ok() && outbox->size() == 1 && (*outbox)[0].attempts() >= 1;
  })) << "the submission was not attempted while the hub was down";
  absl::StatusOr<std::vector<v1::OutboxEntry>> waiting = network_->node("MX").store().ListOutbox();
  ASSERT_OK(waiting.status());
  EXPECT_THAT((*waiting)[0].last_error(), HasSubstr("hub Submit"));
  EXPECT_GT((*waiting)[0].next_attempt_ms(), absl::ToUnixMillis(network_->clock().Now()));

  ASSERT_OK(network_->StartHub());
  ASSERT_TRUE(network_->WaitUntil(
      [&] { return network_->node("MX").OutboxSize() == 0 && Has("GT", sent.message_id()); },
      absl::Seconds(1)))
      << "the outbox did not drain after the hub came back";
  EXPECT_THAT(Items("GT", v1::ITEM_DIRECTION_INBOUND), SizeIs(1));
  EXPECT_EQ(network_->node("MX").witness().alarm_count(), 0u);
}

TEST_F(NodeIntegrationTest, NodeOfflineForASimulatedDayReceivesEverythingOnReturn) {
  Network({"MX", "GT"});
  StartNodes({"MX", "GT"});
  network_->StopNode("GT");
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(Request("MX", "GT", absl::StrCat("Consulta ", i)).message_id());
    ASSERT_TRUE(network_->WaitUntil([&] { return network_->node("MX").OutboxSize() == 0; }));
    network_->Advance(absl::Minutes(20));
  }
  network_->Advance(absl::Hours(24));
  ASSERT_OK(network_->StartNode("GT"));
  ASSERT_TRUE(network_->WaitUntil([&] {
    return std::all_of(ids.begin(), ids.end(),
                       [&](const std::string& id) { return Has("GT", id); });
  })) << "the node did not receive what waited for it";
  std::vector<v1::StoredItemMeta> received = Items("GT", v1::ITEM_DIRECTION_INBOUND);
  ASSERT_THAT(received, SizeIs(3));
  for (const auto& item : received) {
    EXPECT_GE(absl::ToUnixMillis(network_->clock().Now()) - item.created_at_ms(),
              absl::ToInt64Milliseconds(absl::Hours(24)));
  }
  EXPECT_EQ(network_->node("GT").witness().alarm_count(), 0u);
  EXPECT_EQ(network_->node("MX").witness().alarm_count(), 0u);
}

// The hub is restored from a backup taken before a node received its last messages, as the
// operator guide says (stop, copy the backup into place, start). The node's cursor is then past
// every position in the restored database; what is sent to it after the restore must still
// arrive, not wait behind the cursor (hub/store.h NextMailboxSequence).
TEST_F(NodeIntegrationTest, AfterAHubRestoreNewMessagesReachANodeWhoseCursorIsAhead) {
  Network({"MX", "GT"});
  StartNodes({"MX", "GT"});
  ASSERT_OK_AND_ASSIGN(ParticipantId admin, ParticipantId::Parse("admin/ops"));
  ASSERT_OK_AND_ASSIGN(v1::CreateBackupResponse backup,
                       network_->hub().exchange()->CreateBackup(admin));

  for (int i = 0; i < 3; ++i) {
    const std::string id =
        Request("MX", "GT", absl::StrCat("Antes de la restauración ", i)).message_id();
    ASSERT_TRUE(network_->WaitUntil([&] { return Has("GT", id); }, absl::ZeroDuration(),
                                    absl::Seconds(60)));
  }
  const uint64_t cursor = network_->node("GT").cursor();
  ASSERT_GT(cursor, 0u);

  ASSERT_OK(network_->StopHub());
  const std::string data = network_->hub_data_dir();
  std::filesystem::rename(data, data + ".damaged");
  std::filesystem::copy(backup.path(), data, std::filesystem::copy_options::recursive);
  network_->clock().Advance(absl::Minutes(10));  // the restore takes the operator a while
  ASSERT_OK(network_->StartHub());
  EXPECT_LT(network_->hub().exchange()->MailboxStateOf("node/GT").last_sequence(), cursor)
      << "the backup should hold none of GT's later positions";
  ASSERT_TRUE(network_->WaitUntil([&] {
    return network_->daemon("MX").connected() && network_->daemon("GT").connected();
  })) << "the nodes did not reconnect to the restored hub";

  const std::string after = Request("MX", "GT", "Después de la restauración").message_id();
  // The clock runs a second per try, so a submission that met the hub still starting is retried.
  EXPECT_TRUE(
      network_->WaitUntil([&] { return Has("GT", after); }, absl::Seconds(1), absl::Seconds(60)))
      << "a message accepted after the restore was hidden behind GT's cursor " << cursor;
  EXPECT_GT(network_->node("GT").cursor(), cursor);
}

TEST_F(NodeIntegrationTest, DuplicateDeliveryIsShownOnce) {
  Network({"MX", "GT"});
  StartNodes({"MX"});
  ReplayingHub* replaying = nullptr;
  ASSERT_OK(network_->StartNode("GT", [&](HubPort* real) {
    auto hub = std::make_unique<ReplayingHub>(real);
    replaying = hub.get();
    return hub;
  }));
  ASSERT_TRUE(network_->WaitUntil([&] { return network_->daemon("GT").connected(); }));
  v1::SendResponse first = Request("MX", "GT", "Primera");
  ASSERT_TRUE(network_->WaitUntil([&] { return replaying->replayed(); }));
  v1::SendResponse second = Request("MX", "GT", "Segunda");
  ASSERT_TRUE(network_->WaitUntil([&] { return Has("GT", second.message_id()); }));
  EXPECT_THAT(Items("GT", v1::ITEM_DIRECTION_INBOUND), SizeIs(2));
  CliResult inbox = network_->Cli("GT", {"--json", "inbox"});
  ASSERT_EQ(inbox.exit_code, 0) << inbox.err;
  v1::ListInboxResponse listed = ParseCliJson<v1::ListInboxResponse>(inbox.out);
  int shown = 0;
  for (const auto& item : listed.items()) shown += item.message_id() == first.message_id();
  EXPECT_EQ(shown, 1);
  EXPECT_THAT(network_->node("GT").MetricsText(), HasSubstr("enlace_node_duplicates_total 1\n"));
}

TEST_F(NodeIntegrationTest, TamperedEnvelopeIsRejectedAndReported) {
  Network({"MX", "GT"});
  StartNodes({"MX"});
  ASSERT_OK(network_->StartNode(
      "GT", [](HubPort* real) { return std::make_unique<TamperingHub>(real); }));
  ASSERT_TRUE(network_->WaitUntil([&] { return network_->daemon("GT").connected(); }));
  v1::SendResponse tampered = Request("MX", "GT", "Alterado en el camino");
  ASSERT_TRUE(
      network_->WaitUntil([&] { return network_->node("GT").witness().alarm_count() == 1; }));
  EXPECT_FALSE(Has("GT", tampered.message_id()));
  absl::StatusOr<std::vector<v1::WitnessAlarm>> alarms = network_->node("GT").store().ListAlarms();
  ASSERT_OK(alarms.status());
  ASSERT_THAT(*alarms, SizeIs(1));
  EXPECT_EQ((*alarms)[0].kind(), "rejected_envelope");
  EXPECT_THAT((*alarms)[0].detail(), HasSubstr(tampered.message_id()));
  absl::StatusOr<std::string> evidence = ReadFile((*alarms)[0].evidence_path(), 1 << 20);
  ASSERT_OK(evidence.status());
  EXPECT_THAT(*evidence, HasSubstr("\"envelope_sha256\""));
  CliResult doctor = network_->Cli("GT", {"doctor"});
  EXPECT_EQ(doctor.exit_code, 1);
  EXPECT_THAT(doctor.out, HasSubstr("ALARM"));

  // What follows, untouched, is received as usual.
  v1::SendResponse clean = Request("MX", "GT", "Intacto");
  ASSERT_TRUE(network_->WaitUntil([&] { return Has("GT", clean.message_id()); }));
}

TEST_F(NodeIntegrationTest, RevokedSendersLaterMessageIsRejected) {
  Network({"MX", "GT"});
  StartNodes({"MX", "GT"});
  network_->StopNode("GT");
  v1::SendResponse before = Request("MX", "GT", "Antes de la revocación");
  network_->Advance(absl::Seconds(10));
  const absl::Time revoked_at = network_->clock().Now();
  network_->Advance(absl::Seconds(10));
  v1::SendResponse after = Request("MX", "GT", "Después de la revocación");
  ASSERT_TRUE(network_->WaitUntil([&] { return network_->node("MX").OutboxSize() == 0; }));
  for (const auto& item : Items("MX", v1::ITEM_DIRECTION_OUTBOUND)) {
    ASSERT_NE(item.delivery(), v1::ITEM_STATE_FAILED) << item.error();
  }

  // The operator learns the key was stolen at `revoked_at` and publishes that.
  v1::Directory directory = network_->net().BaseDirectory(2);
  directory.set_issued_at_ms(absl::ToUnixMillis(network_->clock().Now()));
  v1::Revocation* revocation = directory.add_revocations();
  revocation->set_key_id(network_->net().participant("node/MX").signing_key.public_key().KeyId());
  revocation->set_revoked_at_ms(absl::ToUnixMillis(revoked_at));
  revocation->set_reason("key compromised");
  ASSERT_OK(network_->PublishDirectory(directory));

  ASSERT_OK(network_->StartNode("GT"));
  ASSERT_TRUE(network_->WaitUntil([&] {
    return Has("GT", before.message_id()) && network_->node("GT").witness().alarm_count() == 1;
  }));
  EXPECT_FALSE(Has("GT", after.message_id()));
  absl::StatusOr<std::vector<v1::WitnessAlarm>> alarms = network_->node("GT").store().ListAlarms();
  ASSERT_OK(alarms.status());
  EXPECT_EQ((*alarms)[0].kind(), "rejected_envelope");
  EXPECT_THAT((*alarms)[0].detail(), HasSubstr(after.message_id()));
  EXPECT_THAT((*alarms)[0].detail(), HasSubstr("revoked"));
}

TEST_F(NodeIntegrationTest, MessageBackdatedBeforeItsKeysRevocationIsRejected) {
  Network({"MX", "GT"});
  StartNodes({"GT"});
  const absl::Time now = network_->clock().Now();
  v1::Directory directory = network_->net().BaseDirectory(2);
  directory.set_issued_at_ms(absl::ToUnixMillis(now));
  v1::Revocation* revocation = directory.add_revocations();
  revocation->set_key_id(network_->net().participant("node/MX").signing_key.public_key().KeyId());
  revocation->set_revoked_at_ms(absl::ToUnixMillis(now - absl::Hours(1)));
  revocation->set_reason("key compromised");
  ASSERT_OK(network_->PublishDirectory(directory));
  ASSERT_OK(network_->node("GT").RefreshDirectory());
  ASSERT_EQ(network_->node("GT").directory()->version(), 2u);

  // Whoever holds the stolen key dates a message before the revocation; the hub, which checks
  // the key at the claimed time, takes it.
  ASSERT_OK_AND_ASSIGN(v1::Envelope envelope,
                       network_->net().Seal("node/MX", {"node/GT"}, v1::KIND_INFO_REQUEST, "x",
                                            now - absl::Hours(2)));
  ASSERT_OK_AND_ASSIGN(auto credentials,
                       MakeChannelCredentials(network_->net().participant("node/MX").tls, now));
  HubClient::Options options;
  options.address = absl::StrCat("127.0.0.1:", network_->hub_port());
  options.credentials = credentials;
  options.channel_arguments = HubChannelArguments();
  HubClient thief(options);
  absl::StatusOr<v1::SubmitResponse> submitted = thief.Submit(envelope.SerializeAsString());
  ASSERT_OK(submitted.status());

  ASSERT_TRUE(
      network_->WaitUntil([&] { return network_->node("GT").witness().alarm_count() == 1; }));
  absl::StatusOr<std::vector<v1::WitnessAlarm>> alarms = network_->node("GT").store().ListAlarms();
  ASSERT_OK(alarms.status());
  EXPECT_THAT((*alarms)[0].detail(), HasSubstr("was revoked at"));
  EXPECT_THAT(Items("GT", v1::ITEM_DIRECTION_INBOUND), ::testing::IsEmpty());
}

TEST_F(NodeIntegrationTest, SubmissionNotLoggedInTimeRaisesAnAlarm) {
  Network({"MX", "GT"});
  StartNodes({"MX", "GT"});
  v1::SendResponse sent = Request("MX", "GT", "Sin cabecera firmada");
  ASSERT_TRUE(network_->WaitUntil([&] { return network_->node("MX").OutboxSize() == 0; }));
  // The hub signs no tree head (its maintenance never runs) while time passes its merge delay.
  network_->clock().Advance(absl::Minutes(2));
  ASSERT_OK(network_->node("MX").CheckLog().status());
  absl::StatusOr<std::vector<v1::WitnessAlarm>> alarms = network_->node("MX").store().ListAlarms();
  ASSERT_OK(alarms.status());
  ASSERT_THAT(*alarms, SizeIs(1));
  EXPECT_EQ((*alarms)[0].kind(), "inclusion_missing");
  EXPECT_THAT((*alarms)[0].detail(), HasSubstr(sent.message_id()));
  absl::StatusOr<v1::AuditResponse> view = network_->node("MX").witness().View();
  ASSERT_OK(view.status());
  EXPECT_EQ(view->submissions_overdue(), 1u);
  // Once a head covers it, the inclusion is proven after all (the alarm stays on record).
  network_->Advance(absl::Seconds(1));
  view = network_->node("MX").witness().View();
  ASSERT_OK(view.status());
  EXPECT_EQ(view->submissions_included(), 1u);
  EXPECT_EQ(view->submissions_overdue(), 0u);
}

TEST_F(NodeIntegrationTest, H2AlertCannotBeForwarded) {
  Network({"US", "GT", "PA"});
  StartNodes({"US", "GT", "PA"});
  v1::Content h2 = Alert(v1::HANDLING_CODE_H2);
  h2.mutable_smuggling_alert()->clear_target_countries();
  h2.mutable_smuggling_alert()->add_target_countries("GT");
  v1::SendResponse sent = Send("US", "alert", h2);
  ASSERT_TRUE(network_->WaitUntil([&] { return Has("GT", sent.message_id()); }));
  for (const char* lang : {"en", "es"}) {
    CliResult refused =
        network_->Cli("GT", {"--lang", lang, "forward", sent.message_id(), "--to", "PA"});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_THAT(refused.err, HasSubstr("H2"));
  }
  EXPECT_EQ(network_->node("GT").OutboxSize(), 0u);

  // An H1 alert may be forwarded: its code and originator travel with it.
  v1::Content h1 = Alert(v1::HANDLING_CODE_H1);
  h1.mutable_smuggling_alert()->clear_target_countries();
  h1.mutable_smuggling_alert()->add_target_countries("GT");
  v1::SendResponse allowed = Send("US", "alert", h1);
  ASSERT_TRUE(network_->WaitUntil([&] { return Has("GT", allowed.message_id()); }));
  CliResult forwarded = network_->Cli(
      "GT", {"--json", "forward", allowed.message_id(), "--to", "PA", "--note", "Ruta relevante"});
  ASSERT_EQ(forwarded.exit_code, 0) << forwarded.err;
  v1::SendResponse forward = ParseCliJson<v1::SendResponse>(forwarded.out);
  ASSERT_TRUE(network_->WaitUntil([&] { return Has("PA", forward.message_id()); }));
  CliResult shown = network_->Cli("PA", {"--json", "show", forward.message_id()});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  v1::ShowResponse show = ParseCliJson<v1::ShowResponse>(shown.out);
  EXPECT_EQ(show.content().forwarded().originator(), "node/US");
  EXPECT_EQ(show.content().forwarded().forwarded_by(), "node/GT");
  EXPECT_EQ(show.content().smuggling_alert().handling().code(), v1::HANDLING_CODE_H1);
}

TEST_F(NodeIntegrationTest, WitnessRaisesAnAlarmOnAForkedLog) {
  Network({"MX", "GT"});
  StartNodes({"GT"});
  ForkingHub* forking = nullptr;
  const hub::testing::TestNetwork& net = network_->net();
  ASSERT_OK(network_->StartNode("MX", [&](HubPort* real) {
    auto hub = std::make_unique<ForkingHub>(real, [&net] { return net.LogKey(); });
    forking = hub.get();
    return hub;
  }));
  ASSERT_TRUE(network_->WaitUntil([&] { return network_->daemon("MX").connected(); }));
  Request("MX", "GT", "Antes de la bifurcación");
  ASSERT_TRUE(network_->WaitUntil(
      [&] {
        absl::StatusOr<v1::AuditResponse> view = network_->node("MX").witness().View();
        return view.ok() && view->submissions_included() == 1;
      },
      absl::Seconds(1)))
      << "the submission's inclusion was not verified";
  forking->Fork();
  network_->Advance(absl::Seconds(1));
  ASSERT_GE(network_->node("MX").witness().alarm_count(), 1u);
  CliResult audit = network_->Cli("MX", {"--json", "audit"});
  ASSERT_EQ(audit.exit_code, 0) << audit.err;
  v1::AuditResponse view = ParseCliJson<v1::AuditResponse>(audit.out);
  EXPECT_FALSE(view.consistent());
  ASSERT_GE(view.alarms_size(), 1);
  EXPECT_EQ(view.alarms(0).kind(), "inconsistent_tree_head");
  absl::StatusOr<std::string> evidence = ReadFile(view.alarms(0).evidence_path(), 1 << 20);
  ASSERT_OK(evidence.status());
  EXPECT_THAT(*evidence, HasSubstr("\"trusted\""));
  EXPECT_THAT(*evidence, HasSubstr("\"presented\""));
  EXPECT_THAT(network_->node("MX").MetricsText(), HasSubstr("enlace_node_alarms_total 1\n"));
}

TEST_F(NodeIntegrationTest, CliJsonOutputParsesAndRoundTrips) {
  Network({"MX", "GT"});
  StartNodes({"MX", "GT"});
  v1::SendResponse sent = Request("MX", "GT", "Documento");
  ASSERT_TRUE(network_->WaitUntil([&] { return Has("GT", sent.message_id()); }));

  // Each answer parses back into its message and prints to the same bytes.
  auto round_trip = [&](const std::vector<std::string>& args, auto message, int exit_code) {
    std::vector<std::string> with_json = {"--json"};
    with_json.insert(with_json.end(), args.begin(), args.end());
    CliResult result = network_->Cli("GT", with_json);
    EXPECT_EQ(result.exit_code, exit_code) << args[0] << ": " << result.err;
    message = ParseCliJson<decltype(message)>(result.out);
    EXPECT_EQ(ToJson(message), result.out) << args[0];
    return message;
  };
  v1::ListInboxResponse inbox = round_trip({"inbox"}, v1::ListInboxResponse(), 0);
  ASSERT_THAT(inbox.items(), SizeIs(1));
  EXPECT_EQ(inbox.items(0).message_id(), sent.message_id());
  EXPECT_FALSE(inbox.items(0).read());
  v1::ShowResponse show = round_trip({"show", sent.message_id()}, v1::ShowResponse(), 0);
  EXPECT_EQ(show.content().info_request().subject(), "Documento");
  v1::ThreadResponse thread = round_trip({"thread", sent.ref()}, v1::ThreadResponse(), 0);
  EXPECT_EQ(thread.case_summary().kind(), v1::CASE_KIND_REQUEST);
  v1::ListCasesResponse cases = round_trip({"cases"}, v1::ListCasesResponse(), 0);
  ASSERT_THAT(cases.cases(), SizeIs(1));
  round_trip({"keys"}, v1::KeysResponse(), 0);
  round_trip({"whoami"}, v1::WhoamiResponse(), 0);
  v1::AuditResponse audit = round_trip({"audit"}, v1::AuditResponse(), 0);
  // The access log names who showed and exported the content.
  std::vector<std::string> actions;
  for (const auto& entry : audit.access_log()) actions.push_back(entry.action());
  EXPECT_THAT(actions, ::testing::Contains("export"));
  EXPECT_THAT(actions, ::testing::Contains("decrypt"));
  CliResult doctor_run = network_->Cli("GT", {"--json", "doctor"});
  v1::DoctorResponse doctor = ParseCliJson<v1::DoctorResponse>(doctor_run.out);
  EXPECT_EQ(ToJson(doctor), doctor_run.out);
  EXPECT_EQ(doctor_run.exit_code, doctor.healthy() ? 0 : 1);
  EXPECT_THAT(doctor.checks(), ::testing::Not(::testing::IsEmpty()));

  // Errors are JSON too, with every issue.
  CliResult missing = network_->Cli("GT", {"--json", "show", std::string(32, '0')});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.out, HasSubstr("\"code\": \"NOT_FOUND\""));
  v1::Content bad;
  bad.mutable_victim_referral()->set_case_ref("not-a-ref");
  std::string path = files_.Sub("bad.json");
  ASSERT_OK(WriteFileAtomically(path, *domain::MessageToJson(bad)));
  CliResult invalid = network_->Cli("MX", {"--lang", "es", "send", "referral", "--file", path});
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_THAT(invalid.err, HasSubstr("victim_referral.case_ref"));
  EXPECT_THAT(invalid.err, HasSubstr("victim_referral.consent"));
  CliResult invalid_json = network_->Cli("MX", {"--json", "send", "referral", "--file", path});
  EXPECT_EQ(invalid_json.exit_code, 1);
  EXPECT_THAT(invalid_json.out, HasSubstr("\"message_es\""));
  EXPECT_THAT(invalid_json.out, HasSubstr("\"message_en\""));
}

TEST_F(NodeIntegrationTest, GuidedPromptsComposeAReferralAndAnAlert) {
  Network({"MX", "GT"});
  StartNodes({"MX", "GT"});
  // One answer per line, in the order the questions come (numbers pick from the lists).
  const std::string referral_answers =
      "GT\nProcuraduría General de la Nación\n"
      "2\n1\n"                    // reason MIGRATION; sub-reason ASSISTED_RETURN
      "2\nFiscalía de Chiapas\n"  // trafficking status ACTUAL; decided by
      "3\n2\n1\n"                 // age band 18-20; adult; female
      "GT\nMX\n1\n"               // citizenship; country of exploitation; forced labour
      "1\nTrabajo social, Tapachula\n1,2\n\n\n"  // consent given; recorded by; purposes; data;
                                                 // shared with GT
      "2\n2\n1,7\n";                             // urgent; medium risk; shelter, return transport
  CliResult referral =
      network_->Cli("MX", {"--lang", "es", "--json", "send", "referral"}, referral_answers);
  ASSERT_EQ(referral.exit_code, 0) << referral.out << referral.err;
  EXPECT_THAT(referral.err, HasSubstr("País receptor"));
  v1::SendResponse sent = ParseCliJson<v1::SendResponse>(referral.out);
  ASSERT_TRUE(network_->WaitUntil([&] { return Has("GT", sent.message_id()); }));
  CliResult shown = network_->Cli("GT", {"--json", "show", sent.message_id()});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  v1::ShowResponse show = ParseCliJson<v1::ShowResponse>(shown.out);
  EXPECT_EQ(show.content().victim_referral().consent().status(), v1::CONSENT_STATUS_GIVEN);
  EXPECT_EQ(show.content().victim_referral().referring().organisation(), "Ministerio MX");

  const std::string alert_answers =
      "1\nRuta por Tecún Umán\nGrupos cruzan de noche\n"  // ROUTE; title; summary
      "GT\nMX\n2\n"                                       // segment GT -> MX by bus
      "2\n2\n2\n2\n2\n\n";  // B, 2, H1, urgent, check and report, default validity
  CliResult alert = network_->Cli("MX", {"--json", "send", "alert", "--to", "GT"}, alert_answers);
  ASSERT_EQ(alert.exit_code, 0) << alert.out << alert.err;
  v1::SendResponse alert_sent = ParseCliJson<v1::SendResponse>(alert.out);
  ASSERT_TRUE(network_->WaitUntil([&] { return Has("GT", alert_sent.message_id()); }));

  // Input that ends early is a clear error, and nothing is sent.
  CliResult cut = network_->Cli("MX", {"--lang", "en", "send", "referral"}, "GT\n");
  EXPECT_EQ(cut.exit_code, 1);
  EXPECT_THAT(cut.err, HasSubstr("input ended"));
}

// Attachments travel inside the sealed payload: several megabytes go up with SubmitStream, come
// down in 1 MiB deliveries, are checked against the document's references, stored encrypted, and
// exported to files whose bytes are checked once more.
TEST_F(NodeIntegrationTest, AMultiMegabyteAttachmentTravelsEndToEndAndExportsChecked) {
  Network({"MX", "GT"});
  StartNodes({"MX", "GT"});
  Bytes report(3 << 20, '\0');  // random, so that nothing compresses it away
  ASSERT_OK(DeterministicRandom(5).Fill(
      absl::MakeSpan(reinterpret_cast<uint8_t*>(report.data()), report.size())));
  const Bytes annex = "Anexo: lista de asistentes (ficticia)\n";
  ASSERT_OK(WriteFileAtomically(files_.Sub("informe.pdf"), report));
  ASSERT_OK(WriteFileAtomically(files_.Sub("anexo.txt"), annex));
  v1::Content document = Example("document_secretariat_minutes.json");
  document.mutable_document()->clear_attachments();
  ASSERT_OK_AND_ASSIGN(std::string json, domain::MessageToJson(document));
  ASSERT_OK(WriteFileAtomically(files_.Sub("document.json"), json));
  CliResult sent_cli = network_->Cli(
      "MX", {"--json", "send", "document", "--file", files_.Sub("document.json"), "--to", "GT",
             "--attach", files_.Sub("informe.pdf"), "--attach", files_.Sub("anexo.txt")});
  ASSERT_EQ(sent_cli.exit_code, 0) << sent_cli.out << sent_cli.err;
  const v1::SendResponse sent = ParseCliJson<v1::SendResponse>(sent_cli.out);
  ASSERT_TRUE(network_->WaitUntil([&] { return Has("GT", sent.message_id()); }, absl::Seconds(1)))
      << "the document did not arrive";

  // The sender's envelope went up streamed and its receipt verified; both sides keep it in blobs.
  ASSERT_OK_AND_ASSIGN(Bytes id, HexDecode(sent.message_id()));
  ASSERT_TRUE(network_->WaitUntil([&] {
    absl::StatusOr<v1::StoredItemMeta> mx = network_->node("MX").store().GetItem(id);
    return mx.ok() && mx->has_receipt();
  }));
  ASSERT_OK_AND_ASSIGN(v1::StoredItemMeta mx, network_->node("MX").store().GetItem(id));
  ASSERT_OK_AND_ASSIGN(v1::StoredItemMeta gt, network_->node("GT").store().GetItem(id));
  EXPECT_TRUE(mx.envelope_in_blobs());
  EXPECT_TRUE(gt.envelope_in_blobs());
  EXPECT_EQ(gt.attachment_count(), 2u);
  EXPECT_EQ(network_->node("MX").witness().alarm_count(), 0u);
  EXPECT_EQ(network_->node("GT").witness().alarm_count(), 0u);

  CliResult shown = network_->Cli("GT", {"show", sent.message_id()});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_THAT(shown.out, HasSubstr("1. informe.pdf — application/pdf, 3145728 bytes"));
  EXPECT_THAT(shown.out, HasSubstr("2. anexo.txt — text/plain"));
  CliResult listed = network_->Cli("GT", {"inbox"});
  EXPECT_THAT(listed.out, HasSubstr("[2 att.]"));

  const std::string out1 = files_.Sub("received-informe.pdf");
  CliResult exported =
      network_->Cli("GT", {"export", sent.message_id(), "--attachment", "1", "--out", out1});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_THAT(exported.out, HasSubstr("SHA-256 checked"));
  EXPECT_THAT(ReadFile(out1, 8 << 20), enlace::testing::IsOkAndHolds(report));
  struct stat info;
  ASSERT_EQ(stat(out1.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const std::string out2 = files_.Sub("received-anexo.txt");
  ASSERT_EQ(
      network_
          ->Cli("GT", {"--json", "export", sent.message_id(), "--attachment", "2", "--out", out2})
          .exit_code,
      0);
  EXPECT_THAT(ReadFile(out2, 1 << 20), enlace::testing::IsOkAndHolds(annex));
  // The sender keeps what it sent.
  const std::string mine = files_.Sub("sent-informe.pdf");
  ASSERT_EQ(network_->Cli("MX", {"export", sent.message_id(), "--attachment", "1", "--out", mine})
                .exit_code,
            0);
  EXPECT_THAT(ReadFile(mine, 8 << 20), enlace::testing::IsOkAndHolds(report));

  // Refusals name what is wrong; an existing file is never overwritten.
  CliResult no_third =
      network_->Cli("GT", {"export", sent.message_id(), "--attachment", "3", "--out", "x"});
  EXPECT_EQ(no_third.exit_code, 1);
  EXPECT_THAT(no_third.err, HasSubstr("has 2 attachments"));
  CliResult exists =
      network_->Cli("GT", {"export", sent.message_id(), "--attachment", "1", "--out", out1});
  EXPECT_EQ(exists.exit_code, 1);
  EXPECT_THAT(exists.err, HasSubstr("exists"));

  // Every export is in the access log, with the attachment's number.
  CliResult audit = network_->Cli("GT", {"--json", "audit"});
  ASSERT_EQ(audit.exit_code, 0) << audit.err;
  v1::AuditResponse view = ParseCliJson<v1::AuditResponse>(audit.out);
  std::vector<uint32_t> exports;
  for (const v1::AccessEntry& entry : view.access_log()) {
    if (entry.action() == "export_attachment" && entry.message_id() == sent.message_id()) {
      exports.push_back(entry.attachment());
    }
  }
  EXPECT_THAT(exports, ::testing::UnorderedElementsAre(0u, 1u));
}

// Content goes when its retention period ends, counted from the end of its case (an alert's
// validity here); publications stay longer. The record stays, marked purged.
TEST_F(NodeIntegrationTest, RetentionPurgesContentWhenItsPeriodEndsAndSaysSo) {
  Network({"US", "GT"});
  StartNodes({"US", "GT"});
  v1::Content alert = Alert(v1::HANDLING_CODE_H1);  // valid for 60 days
  alert.mutable_smuggling_alert()->clear_target_countries();
  alert.mutable_smuggling_alert()->add_target_countries("GT");
  const v1::SendResponse sent = Send("US", "alert", alert);
  CliResult bulletin_cli = network_->Cli(
      "US", {"--json", "bulletin", "--to", "GT", "--title-es", "Boletín 2026-03", "--title-en",
             "Bulletin 2026-03", "--body-es", "Texto", "--body-en", "Text"});
  ASSERT_EQ(bulletin_cli.exit_code, 0) << bulletin_cli.err;
  const v1::SendResponse bulletin = ParseCliJson<v1::SendResponse>(bulletin_cli.out);
  ASSERT_TRUE(network_->WaitUntil(
      [&] { return Has("GT", sent.message_id()) && Has("GT", bulletin.message_id()); }));

  // The alert's content is kept 182 days after its validity ends: not purged a day before.
  const CasePolicies policies;
  network_->Advance(absl::Hours(24 * 60) + policies.retention.alert_content - absl::Hours(24));
  ASSERT_OK_AND_ASSIGN(MaintenanceReport early, network_->node("GT").Maintain());
  EXPECT_EQ(early.purged, 0);
  // Two days later the daemons' own maintenance purges it on both sides.
  network_->Advance(absl::Hours(48));
  auto purged = [&](const std::string& country, const std::string& hex) {
    absl::StatusOr<Bytes> id = HexDecode(hex);
    absl::StatusOr<v1::StoredItemMeta> meta = network_->node(country).store().GetItem(*id);
    return meta.ok() && meta->purged_at_ms() != 0;
  };
  ASSERT_TRUE(network_->WaitUntil([&] {
    return purged("GT", sent.message_id()) && purged("US", sent.message_id());
  })) << "the alert's content was not purged";
  EXPECT_FALSE(purged("GT", bulletin.message_id()));  // publications: five years

  ASSERT_OK_AND_ASSIGN(Bytes id, HexDecode(sent.message_id()));
  EXPECT_THAT(network_->node("GT").store().GetContent(id),
              enlace::testing::StatusIs(absl::StatusCode::kNotFound, ::testing::_));
  CliResult shown = network_->Cli("GT", {"--json", "show", sent.message_id()});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  v1::ShowResponse show = ParseCliJson<v1::ShowResponse>(shown.out);
  EXPECT_TRUE(show.item().has_purged_at());
  EXPECT_FALSE(show.has_content());
  EXPECT_THAT(network_->Cli("GT", {"show", sent.message_id()}).out, HasSubstr("Content purged on"));
  EXPECT_THAT(network_->Cli("GT", {"inbox"}).out, HasSubstr("purged"));
  CliResult forward = network_->Cli("GT", {"forward", sent.message_id(), "--to", "US"});
  EXPECT_EQ(forward.exit_code, 1);
  EXPECT_THAT(forward.err, HasSubstr("purged"));
  CliResult still = network_->Cli("GT", {"--json", "show", bulletin.message_id()});
  EXPECT_TRUE(ParseCliJson<v1::ShowResponse>(still.out).content().has_bulletin());

  CliResult audit = network_->Cli("GT", {"--json", "audit"});
  v1::AuditResponse view = ParseCliJson<v1::AuditResponse>(audit.out);
  EXPECT_TRUE(std::any_of(view.access_log().begin(), view.access_log().end(), [&](const auto& e) {
    return e.action() == "purge" && e.message_id() == sent.message_id();
  }));
}

// A request to several countries: the requester's node tracks each addressee, so after the
// deadline it shows who answered and who is overdue; an addressee's own copy is overdue until it
// answers.
TEST_F(NodeIntegrationTest, ARequestToSeveralCountriesShowsWhoAnsweredAndWhoIsOverdue) {
  Network({"SV", "HN", "PA"});
  StartNodes({"SV", "HN", "PA"});
  const v1::SendResponse sent = Request("SV", "HN,PA", "Verificación de documento");
  ASSERT_TRUE(
      network_->WaitUntil([&] { return Case("HN", sent.ref()) && Case("PA", sent.ref()); }));
  CliResult answer = network_->Cli("HN", {"respond", sent.ref(), "--answer", "Es auténtico"});
  ASSERT_EQ(answer.exit_code, 0) << answer.err;
  ASSERT_TRUE(network_->WaitUntil([&] { return Case("SV", sent.ref())->history_size() == 2; }));

  network_->Advance(absl::Hours(24 * 8));  // past the 7-day deadline
  CliResult listed = network_->Cli("SV", {"--json", "cases", "--overdue"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const v1::ListCasesResponse cases = ParseCliJson<v1::ListCasesResponse>(listed.out);
  ASSERT_THAT(cases.cases(), SizeIs(1));
  const v1::CaseSummary& c = cases.cases(0);
  EXPECT_TRUE(c.overdue());
  EXPECT_FALSE(c.answered());
  std::map<std::string, v1::RecipientState> by_id;
  for (const v1::RecipientState& r : c.recipients()) by_id[r.participant_id()] = r;
  ASSERT_THAT(by_id, SizeIs(2));
  EXPECT_EQ(by_id["node/HN"].deadline_status(), v1::DEADLINE_STATUS_MET);
  EXPECT_TRUE(by_id["node/HN"].has_answered_at());
  EXPECT_EQ(by_id["node/PA"].deadline_status(), v1::DEADLINE_STATUS_OVERDUE);
  EXPECT_FALSE(by_id["node/PA"].has_answered_at());
  EXPECT_THAT(network_->Cli("SV", {"--lang", "en", "cases", "--overdue"}).out,
              HasSubstr("OVERDUE: node/PA"));
  const std::string thread = network_->Cli("SV", {"--lang", "es", "thread", sent.ref()}).out;
  EXPECT_THAT(thread, HasSubstr("respondida 1/2"));
  EXPECT_THAT(thread, HasSubstr("VENCIDO: node/PA"));
  EXPECT_THAT(thread, ::testing::ContainsRegex("node/PA +Vencido"));
  EXPECT_THAT(thread, ::testing::ContainsRegex("node/HN +Cumplido a tiempo"));

  // Panama's own copy is overdue; Honduras's is not.
  auto overdue_at = [&](const std::string& country) {
    CliResult own = network_->Cli(country, {"--json", "cases", "--overdue"});
    return ParseCliJson<v1::ListCasesResponse>(own.out).cases_size();
  };
  EXPECT_EQ(overdue_at("PA"), 1);
  EXPECT_EQ(overdue_at("HN"), 0);

  // Panama answers late: nobody is overdue any more; its answer is marked late.
  CliResult late = network_->Cli("PA", {"respond", sent.ref(), "--answer", "Sin registros"});
  ASSERT_EQ(late.exit_code, 0) << late.err;
  ASSERT_TRUE(network_->WaitUntil([&] { return Case("SV", sent.ref())->answered(); }));
  EXPECT_EQ(overdue_at("SV"), 0);
  EXPECT_EQ(overdue_at("PA"), 0);
  CliResult all = network_->Cli("SV", {"--json", "cases", "--kind", "request"});
  const v1::ListCasesResponse after = ParseCliJson<v1::ListCasesResponse>(all.out);
  ASSERT_THAT(after.cases(), SizeIs(1));
  for (const v1::RecipientState& r : after.cases(0).recipients()) {
    EXPECT_EQ(r.deadline_status(), r.participant_id() == "node/PA" ? v1::DEADLINE_STATUS_MET_LATE
                                                                   : v1::DEADLINE_STATUS_MET);
  }
}

// Metadata (the item's record and its case) goes when the metadata period (five years) has run
// out since the end of its case, or since its creation for an item without one; the records of
// an open case stay however old they are. Each deletion is in the access log.
TEST_F(NodeIntegrationTest, MetadataIsPurgedAfterItsPeriodUnlessItsCaseIsOpen) {
  Network({"US", "MX", "GT"});
  StartNodes({"US", "MX", "GT"});
  v1::Content alert = Alert(v1::HANDLING_CODE_H1);  // valid for 60 days
  alert.mutable_smuggling_alert()->clear_target_countries();
  alert.mutable_smuggling_alert()->add_target_countries("GT");
  const v1::SendResponse sent = Send("US", "alert", alert);
  CliResult bulletin_cli = network_->Cli(
      "US", {"--json", "bulletin", "--to", "GT", "--title-es", "Boletín 2026-03", "--title-en",
             "Bulletin 2026-03", "--body-es", "Texto", "--body-en", "Text"});
  ASSERT_EQ(bulletin_cli.exit_code, 0) << bulletin_cli.err;
  const v1::SendResponse bulletin = ParseCliJson<v1::SendResponse>(bulletin_cli.out);
  // A referral that stays open (Received) for years.
  const v1::SendResponse referral =
      Send("MX", "referral", Example("victim_referral_mx_to_gt_unaccompanied_girl.json"));
  ASSERT_TRUE(network_->WaitUntil([&] {
    absl::optional<v1::CaseSummary> mx = Case("MX", referral.ref());
    return Has("GT", sent.message_id()) && Has("GT", bulletin.message_id()) && mx &&
           mx->referral_state() == v1::REFERRAL_STATE_RECEIVED;
  }));
  auto held = [&](const std::string& country, const std::string& hex) {
    absl::StatusOr<Bytes> id = HexDecode(hex);
    return network_->node(country).store().HasItem(*id);
  };

  // A day before the alert's metadata is due (its validity end + 5 years): the bulletin, counted
  // from its creation, is gone; the alert stays.
  const CasePolicies policies;
  network_->Advance(absl::Hours(24 * 60) + policies.retention.metadata - absl::Hours(24));
  ASSERT_OK(network_->node("GT").Maintain().status());
  ASSERT_TRUE(network_->WaitUntil([&] {
    return !held("GT", bulletin.message_id()) && !held("US", bulletin.message_id());
  })) << "the bulletin's record was not purged";
  EXPECT_TRUE(held("GT", sent.message_id()));
  EXPECT_TRUE(Case("GT", sent.ref()).has_value());

  // Two days later the alert's records and case go on both sides.
  network_->Advance(absl::Hours(48));
  ASSERT_TRUE(network_->WaitUntil([&] {
    return !held("GT", sent.message_id()) && !held("US", sent.message_id()) &&
           !Case("GT", sent.ref()) && !Case("US", sent.ref());
  })) << "the alert's records were not purged";
  EXPECT_EQ(network_->Cli("GT", {"thread", sent.ref()}).exit_code, 1);
  EXPECT_THAT(network_->Cli("GT", {"--json", "inbox"}).out,
              ::testing::Not(HasSubstr(sent.message_id())));

  // The open referral keeps its case and every item on both sides (GT's Received step too),
  // even once the period would have run out had it been marked expired after 90 days.
  network_->Advance(absl::Hours(24 * 60));
  for (const char* country : {"MX", "GT"}) {
    ASSERT_OK_AND_ASSIGN(MaintenanceReport report, network_->node(country).Maintain());
    EXPECT_EQ(report.metadata_purged, 0) << country;
  }
  for (const char* country : {"MX", "GT"}) {
    EXPECT_TRUE(Case(country, referral.ref()).has_value()) << country;
    EXPECT_TRUE(held(country, referral.message_id())) << country;
  }
  EXPECT_THAT(Items("GT", v1::ITEM_DIRECTION_OUTBOUND), SizeIs(1));

  CliResult audit = network_->Cli("GT", {"--json", "audit"});
  const v1::AuditResponse view = ParseCliJson<v1::AuditResponse>(audit.out);
  auto logged = [&](const std::string& id, const std::string& ref) {
    return std::any_of(view.access_log().begin(), view.access_log().end(), [&](const auto& e) {
      return e.action() == "purge_metadata" && e.message_id() == id && e.ref() == ref;
    });
  };
  EXPECT_TRUE(logged(sent.message_id(), sent.ref()));
  EXPECT_TRUE(logged(bulletin.message_id(), bulletin.ref()));
  EXPECT_THAT(network_->Cli("GT", {"audit"}).out, HasSubstr("purge_metadata"));
}

// A rotation leaves the old decryption key for what may still arrive sealed to it; once the
// node would refuse anything that old, the key is destroyed: file wiped and removed, keystore
// updated, recorded, and the node still starts with the same configuration.
TEST_F(NodeIntegrationTest, AnOldDecryptionKeyIsDestroyedOnceItsRetentionEnds) {
  Network({"MX", "GT"});
  DeterministicRandom random(77);
  ASSERT_OK_AND_ASSIGN(X25519PrivateKey fresh, X25519PrivateKey::Generate(&random));
  const Bytes fresh_id = fresh.public_key().KeyId();
  ASSERT_OK(network_->AddEncryptionKey("GT", fresh));
  // GT accepts messages up to two days old: its old key is needed that long after its end (the
  // default, 30 days, would outlive the test's TLS certificates).
  network_->mutable_config("GT").set_max_message_age_s(2 * 24 * 3600);
  StartNodes({"MX", "GT"});
  const hub::testing::TestParticipant& gt = network_->net().participant("node/GT");
  const Bytes old_id = gt.encryption_key.public_key().KeyId();
  const std::string old_file = network_->config("GT").keys().encryption_key_files(0);

  // The operator publishes the rotation: the old key ends in an hour, the new one is current.
  const absl::Time now = network_->clock().Now();
  v1::Directory directory = network_->net().BaseDirectory(2);
  directory.set_issued_at_ms(absl::ToUnixMillis(now));
  for (v1::DirectoryParticipant& p : *directory.mutable_participants()) {
    if (p.id() != "node/GT") continue;
    p.mutable_encryption_keys(0)->set_not_after_ms(absl::ToUnixMillis(now + absl::Hours(1)));
    v1::DirectoryKey* key = p.add_encryption_keys();
    key->set_key_id(fresh_id);
    key->set_public_key(fresh.public_key().raw());
    key->set_not_before_ms(absl::ToUnixMillis(now - absl::Minutes(1)));
    key->set_not_after_ms(absl::ToUnixMillis(now + absl::Hours(24 * 300)));
  }
  ASSERT_OK(network_->PublishDirectory(directory));
  for (const char* c : {"MX", "GT"}) ASSERT_OK(network_->node(c).RefreshDirectory());

  // Kept while anything sealed to it could still be accepted (the message age + clock skew).
  network_->Advance(absl::Hours(1) + absl::Hours(48));
  ASSERT_OK_AND_ASSIGN(MaintenanceReport early, network_->node("GT").Maintain());
  EXPECT_TRUE(early.destroyed_keys.empty());
  struct stat info;
  EXPECT_EQ(stat(old_file.c_str(), &info), 0);

  // Past its end by more than one maintenance interval (an hour): the daemon's own maintenance
  // runs at least once after the key became destroyable, whenever its last round was.
  network_->Advance(absl::Hours(2));
  auto held = [&](const Bytes& key_id) {
    CliResult keys = network_->Cli("GT", {"--json", "keys"});
    const v1::KeysResponse response = ParseCliJson<v1::KeysResponse>(keys.out);
    for (const v1::KeyInfo& k : response.keys()) {
      if (k.key_id() == HexEncode(key_id)) return k.private_key_held();
    }
    return false;
  };
  ASSERT_TRUE(network_->WaitUntil([&] { return !held(old_id); }))
      << "the old key was not destroyed";
  EXPECT_TRUE(held(fresh_id));
  EXPECT_NE(stat(old_file.c_str(), &info), 0);
  CliResult audit = network_->Cli("GT", {"--json", "audit"});
  v1::AuditResponse view = ParseCliJson<v1::AuditResponse>(audit.out);
  EXPECT_TRUE(std::any_of(view.access_log().begin(), view.access_log().end(), [&](const auto& e) {
    return e.action() == "destroy_key" && e.key_id() == HexEncode(old_id);
  }));

  // The same configuration still starts (the destroyed file is skipped), and the new key opens.
  network_->StopNode("GT");
  StartNodes({"GT"});
  v1::SendResponse after = Request("MX", "GT", "Verificación de documento");
  ASSERT_TRUE(network_->WaitUntil([&] { return Has("GT", after.message_id()); }, absl::Seconds(1)));
}

}  // namespace
}  // namespace enlace::node::testing
