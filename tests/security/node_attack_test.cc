// Attacks whose defence is at a real node (node/daemon.h over mutual TLS to a real hub on
// 127.0.0.1, on one FakeClock): deeply nested input given to its local API as domain JSON, and a
// deeply nested content sealed inside a valid envelope, which only the recipient can see. Each
// asserts the refusal and that nothing was queued, stored or shown, with a control that an
// ordinary message still goes through.
#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "domain/json.h"
#include "enlace/v1/node_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "net/status.h"
#include "tests/hub/hub_fixture.h"
#include "tests/node/node_network.h"
#include "tests/security/attack_support.h"
#include "tests/testing/status_matchers.h"

namespace enlace::security_testing {
namespace {

using ::enlace::node::testing::CliResult;
using ::enlace::node::testing::NodeNetwork;
using ::enlace::testing::StatusIs;
using ::testing::_;
using ::testing::HasSubstr;

class NodeAttackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(network_, NodeNetwork::Create({"MX", "GT"}));
    for (const char* country : {"MX", "GT"}) ASSERT_OK(network_->StartNode(country));
    ASSERT_TRUE(network_->WaitUntil(
        [&] { return network_->daemon("MX").connected() && network_->daemon("GT").connected(); }));
  }

  // An information request from Mexico to Guatemala through the CLI; its message id (hex).
  std::string Request(const std::string& subject) {
    CliResult result = network_->Cli("MX", {"--json", "request", "--to", "GT", "--subject", subject,
                                            "--question", "¿Confirma?", "--deadline", "7d"});
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    return result.out;
  }
  size_t Inbound(const std::string& country) {
    absl::StatusOr<std::vector<v1::StoredItemMeta>> items =
        network_->node(country).store().ListItems();
    EXPECT_OK(items.status());
    size_t inbound = 0;
    for (const auto& item : items.value_or(std::vector<v1::StoredItemMeta>())) {
      inbound += item.direction() == v1::ITEM_DIRECTION_INBOUND;
    }
    return inbound;
  }

  // Seals `plaintext` with Mexico's real keys as a message of `kind` for Guatemala, and submits
  // it to the hub with Mexico's certificate (what a compromised sender can always do).
  void SubmitAsMexico(v1::MessageKind kind, const std::string& plaintext) {
    absl::StatusOr<v1::Envelope> envelope =
        network_->net().Seal("node/MX", {"node/GT"}, kind, plaintext, network_->clock().Now());
    ASSERT_OK(envelope.status());
    v1::Exchange::Stub mx(
        hub::testing::HubChannel(network_->net(), "node/MX", network_->hub_port()));
    grpc::ClientContext context;
    v1::SubmitRequest submit;
    submit.set_envelope(envelope->SerializeAsString());
    v1::SubmitResponse receipt;
    ASSERT_OK(FromGrpcStatus(mx.Submit(&context, submit, &receipt)));
  }
  // Guatemala raised exactly one alarm, for a refused envelope, saying `why`.
  void ExpectOneRejectedEnvelopeAlarm(absl::string_view why) {
    ASSERT_TRUE(
        network_->WaitUntil([&] { return network_->node("GT").witness().alarm_count() == 1; }));
    absl::StatusOr<std::vector<v1::WitnessAlarm>> alarms =
        network_->node("GT").store().ListAlarms();
    ASSERT_OK(alarms.status());
    ASSERT_EQ(alarms->size(), 1u);
    EXPECT_EQ((*alarms)[0].kind(), "rejected_envelope");
    EXPECT_THAT((*alarms)[0].detail(), HasSubstr(std::string(why)));
    EXPECT_EQ(Inbound("GT"), 0u);
  }

  std::unique_ptr<NodeNetwork> network_;
};

TEST_F(NodeAttackTest, DeeplyNestedJsonIsRefusedByTheNodesLocalApi) {
  // 100 000 nested objects, well within the 1 MiB JSON limit, as a local program would send.
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "{\"a\":";
  v1::SendRequest request;
  request.set_content_json(deep);
  request.add_to("GT");
  v1::NodeLocal::Stub stub(
      grpc::CreateChannel(absl::StrCat("unix:", network_->config("MX").local_api().socket_path()),
                          grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  v1::SendResponse response;
  EXPECT_THAT(FromGrpcStatus(stub.Send(&context, request, &response)),
              StatusIs(absl::StatusCode::kInvalidArgument, _));
  EXPECT_EQ(network_->node("MX").OutboxSize(), 0u);
  EXPECT_EQ(network_->hub().exchange()->MailboxStateOf("node/GT").depth(), 0u);
  // Control: the node still sends, and Guatemala receives exactly that.
  Request("Consulta normal");
  EXPECT_TRUE(network_->WaitUntil([&] { return Inbound("GT") == 1; }));
}

TEST_F(NodeAttackTest, DeeplyNestedContentInsideAnEnvelopeIsRejectedByTheRecipient) {
  // Mexico's own keys seal a "content" nesting 100 000 groups deep: the hub, which cannot read
  // it, accepts it; Guatemala's node opens it and must refuse it without harm.
  SubmitAsMexico(v1::KIND_INFO_REQUEST, NestedGroups(100000));
  ExpectOneRejectedEnvelopeAlarm("not a valid enlace.v1.Content");
  // Control: what follows is received as usual.
  Request("Después del ataque");
  EXPECT_TRUE(network_->WaitUntil([&] { return Inbound("GT") == 1; }));
}

TEST_F(NodeAttackTest, HeaderKindContradictingTheContentIsRejectedByTheRecipient) {
  // A victim referral sent under a DOCUMENT header: the hub (and its role rules, e.g. that
  // observers get no referrals) sees only the header; the recipient checks the content.
  absl::StatusOr<std::string> json = ReadFile(
      absl::StrCat(ENLACE_SOURCE_DIR,
                   "/tests/data/examples/victim_referral_mx_to_gt_unaccompanied_girl.json"),
      1 << 20);
  ASSERT_OK(json.status());
  ASSERT_OK_AND_ASSIGN(v1::Content referral, domain::ContentFromJson(*json));
  SubmitAsMexico(v1::KIND_DOCUMENT, referral.SerializeAsString());
  ExpectOneRejectedEnvelopeAlarm("but the content is “Victim referral”");
  Request("Después del ataque");  // control
  EXPECT_TRUE(network_->WaitUntil([&] { return Inbound("GT") == 1; }));
}

}  // namespace
}  // namespace enlace::security_testing
