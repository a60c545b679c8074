// The local API over its Unix socket, with the caller identified by SO_PEERCRED: the caller is
// this test's own account, so the node config lists (or omits) the current login.
#include "node/local_api.h"

#include <grpcpp/grpcpp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "enlace/v1/domain_issues.pb.h"
#include "enlace/v1/node_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "net/testing/test_pki.h"
#include "node/testing/unreachable_hub.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace enlace::node {
namespace {

using ::enlace::testing::TempDir;
using ::testing::HasSubstr;

std::string Login() { return getpwuid(getuid())->pw_name; }

class LocalApiTest : public ::testing::Test {
 protected:
  void StartNode(bool list_me) {
    ASSERT_OK_AND_ASSIGN(enlace::testing::TestPki pki,
                         enlace::testing::TestPki::Create(absl::Now()));
    DeterministicRandom random(7);
    std::vector<Ed25519PrivateKey> signing;
    signing.push_back(*Ed25519PrivateKey::Generate(&random));
    std::vector<X25519PrivateKey> encryption;
    encryption.push_back(*X25519PrivateKey::Generate(&random));
    ASSERT_OK_AND_ASSIGN(Keystore keys,
                         Keystore::FromKeys(*ParticipantId::Parse("node/MX"), std::move(signing),
                                            std::move(encryption)));
    NodeOptions options;
    options.config.set_participant_id("node/MX");
    options.config.set_data_dir(dir_.path());
    options.config.set_language("en");
    options.config.set_time_zone("UTC");
    options.config.mutable_local_api()->set_socket_path(dir_.Sub("enlace.sock"));
    v1::NodeUser* user = options.config.add_users();
    user->set_os_user(list_me ? Login() : "someone-else");
    user->set_role(v1::NODE_ROLE_INVESTIGATOR);
    options.root = pki.ca().root();
    ASSERT_OK_AND_ASSIGN(node_, Node::Create(options, std::move(keys), &hub_));
    ASSERT_OK_AND_ASSIGN(server_, LocalApiServer::Start(node_.get(), options.config));
    stub_ = v1::NodeLocal::NewStub(
        grpc::CreateChannel("unix:" + dir_.Sub("enlace.sock"), grpc::InsecureChannelCredentials()));
  }

  TempDir dir_;
  testing::UnreachableHub hub_;
  std::unique_ptr<Node> node_;
  std::unique_ptr<LocalApiServer> server_;
  std::unique_ptr<v1::NodeLocal::Stub> stub_;
};

TEST_F(LocalApiTest, CallerIsIdentifiedByPeerCredentials) {
  StartNode(/*list_me=*/true);
  grpc::ClientContext context;
  v1::WhoamiResponse who;
  grpc::Status status = stub_->Whoami(&context, v1::WhoamiRequest(), &who);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(who.os_user(), Login());
  EXPECT_EQ(who.uid(), getuid());
  EXPECT_EQ(who.role(), v1::NODE_ROLE_INVESTIGATOR);
  EXPECT_EQ(who.participant_id(), "node/MX");
}

TEST_F(LocalApiTest, RoleIsCheckedPerCommandWithBilingualErrors) {
  StartNode(/*list_me=*/true);
  // An investigator may not manage keys; the message comes in the asked language.
  for (const auto& [lang, text] : std::vector<std::pair<std::string, std::string>>{
           {"en", "only the focal point"}, {"es", "solo el punto focal"}}) {
    grpc::ClientContext context;
    v1::KeysRequest request;
    request.set_lang(lang);
    v1::KeysResponse keys;
    grpc::Status status = stub_->Keys(&context, request, &keys);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_THAT(status.error_message(), HasSubstr(text));
    v1::ValidationReport report;
    ASSERT_TRUE(report.ParseFromString(status.error_details()));
    ASSERT_EQ(report.issues_size(), 1);
    EXPECT_THAT(report.issues(0).message_es(), HasSubstr("punto focal"));
    EXPECT_THAT(report.issues(0).message_en(), HasSubstr("focal point"));
  }
  // Nor read referrals.
  grpc::ClientContext context;
  v1::ListInboxRequest request;
  request.set_kind(v1::KIND_VICTIM_REFERRAL);
  v1::ListInboxResponse inbox;
  EXPECT_EQ(stub_->ListInbox(&context, request, &inbox).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(LocalApiTest, UnlistedAccountIsRefused) {
  StartNode(/*list_me=*/false);
  grpc::ClientContext context;
  v1::WhoamiResponse who;
  grpc::Status status = stub_->Whoami(&context, v1::WhoamiRequest(), &who);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("is not a user of this node"));
  EXPECT_THAT(status.error_message(), HasSubstr(Login()));
}

TEST_F(LocalApiTest, DoctorReportsTheHubDownWithoutFailingTheCall) {
  StartNode(/*list_me=*/true);
  node_->SetHubReachable(false, "connection refused");
  grpc::ClientContext context;
  v1::DoctorRequest request;
  request.set_lang("en");
  v1::DoctorResponse doctor;
  ASSERT_TRUE(stub_->Doctor(&context, request, &doctor).ok());
  EXPECT_FALSE(doctor.healthy());
  ASSERT_GE(doctor.checks_size(), 3);
  EXPECT_EQ(doctor.checks(0).name(), "hub");
  EXPECT_EQ(doctor.checks(0).result(), v1::CHECK_RESULT_FAILED);
  EXPECT_THAT(doctor.checks(0).detail(), HasSubstr("connection refused"));
}

TEST(PeerUidTest, RefusesPeersThatAreNotLocalDescriptors) {
  EXPECT_FALSE(PeerUid("ipv4:127.0.0.1:5000").ok());
  EXPECT_FALSE(PeerUid("fd:-1").ok());
  EXPECT_FALSE(PeerUid("fd:x").ok());
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  EXPECT_FALSE(PeerUid("fd:" + std::to_string(pipe_fds[0])).ok());  // not a socket
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  int pair[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  absl::StatusOr<uid_t> uid = PeerUid("fd:" + std::to_string(pair[0]));
  ASSERT_TRUE(uid.ok()) << uid.status();
  EXPECT_EQ(*uid, getuid());
  close(pair[0]);
  close(pair[1]);
}

}  // namespace
}  // namespace enlace::node
