// Shared support for the attack suite (tests/security/*_attack_test.cc, mtls_refusal_test.cc):
// an attacker's client credentials that skip enlace's own client checks, and a real hub
// (in-process HubServer, FakeClock, real RocksDB, mutual TLS on 127.0.0.1) with what a test needs
// to prove that a refused attack left nothing behind: no stored envelope, no mailbox entry, no
// SUBMITTED/DELIVERED/ACKNOWLEDGED entry in the audit log, only the REJECTED entry the hub
// writes for every refusal (docs/hub.md §2).
#ifndef ENLACE_TESTS_SECURITY_ATTACK_SUPPORT_H_
#define ENLACE_TESTS_SECURITY_ATTACK_SUPPORT_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/env.h"
#include "enlace/v1/audit.pb.h"
#include "enlace/v1/envelope.pb.h"
#include "enlace/v1/hub_service.grpc.pb.h"
#include "gtest/gtest.h"
#include "hub/server.h"
#include "hub/testing/test_network.h"
#include "net/tls.h"
#include "tests/testing/temp_dir.h"

namespace enlace::security_testing {

// Client credentials that skip enlace's own checks of the client's material (as an attacker's
// client would), still verifying the server's chain to `root_pem` but not its id. Without
// `material`, the client presents no certificate.
std::shared_ptr<grpc::ChannelCredentials> RawClientCredentials(const std::string& root_pem,
                                                               const TlsMaterial* material);

// What the hub has kept: audit events by type and the mailboxes' depth.
struct HubState {
  uint64_t submitted = 0;
  uint64_t delivered = 0;
  uint64_t acknowledged = 0;
  uint64_t rejected = 0;
  uint64_t published = 0;        // DIRECTORY_PUBLISHED
  uint64_t mailbox_entries = 0;  // over every participant of the network
  std::string last_reason;       // reason_code of the last REJECTED entry
};

class HubAttackTest : public ::testing::Test {
 protected:
  // The participants of every attack test's network.
  static const std::vector<std::string>& Participants();

  void SetUp() override;  // the network and clock; the hub is started by Start()
  void Start(const v1::SignedDirectory* directory = nullptr);

  std::shared_ptr<grpc::Channel> Channel(absl::string_view participant);
  // A channel as `material` (or with no certificate) bypassing enlace's client-side checks.
  std::shared_ptr<grpc::Channel> RawChannel(const TlsMaterial* material);

  // An envelope sealed by the network's `from` for `to` (created now).
  v1::Envelope Seal(absl::string_view from, const std::vector<std::string>& to,
                    v1::MessageKind kind = v1::KIND_INFO_REQUEST);
  // Exchange.Submit of `bytes` as `caller` (or over `channel`).
  absl::StatusOr<v1::SubmitResponse> Submit(absl::string_view caller, const std::string& bytes);
  absl::StatusOr<v1::SubmitResponse> Submit(absl::string_view caller, const v1::Envelope& e);
  absl::StatusOr<v1::SubmitResponse> SubmitOver(std::shared_ptr<grpc::Channel> channel,
                                                const std::string& bytes);
  // Exchange.Ack of `receipt`'s message as `caller`, signed with `signer`'s directory key and
  // dated `acked_at` (default: the clock's now).
  absl::StatusOr<v1::AckResponse> Ack(absl::string_view caller, absl::string_view signer,
                                      const v1::Receipt& receipt,
                                      std::optional<absl::Time> acked_at = std::nullopt);
  // Exchange.GetReceipt of `message_id` as `caller`.
  absl::StatusOr<v1::GetReceiptResponse> GetReceipt(absl::string_view caller,
                                                    const std::string& message_id);
  // The recipient's own check: Open as `recipient` with `sender`'s directory signing key.
  absl::Status OpenAs(absl::string_view recipient, absl::string_view sender,
                      const v1::Envelope& envelope) const;

  // Every audit event committed so far (after what is queued for the committer).
  std::vector<v1::AuditEvent> Events();
  HubState State();
  // The last call was refused and the hub kept nothing of it: compared with `before`, exactly
  // one more REJECTED entry, with `reason`, and nothing else (no submission, delivery,
  // acknowledgement, publication or mailbox entry).
  void ExpectOnlyRejected(const HubState& before, absl::string_view reason);
  // Nothing at all changed (refusals the hub does not log: in the handshake, by the transport).
  void ExpectNothingKept(const HubState& before);

  enlace::testing::TempDir dir_;
  std::unique_ptr<hub::testing::TestNetwork> net_;
  std::unique_ptr<FakeClock> clock_;
  hub::HubLimits limits_;
  std::unique_ptr<hub::HubServer> hub_;
};

// `depth` nested protobuf groups of the unknown field 15 (start-group tags 0x7b, then as many
// end-group tags 0x7c): appended to a valid message, bytes that are well formed but nest deeper
// than any parser should follow.
std::string NestedGroups(int depth);

// The header of `envelope`, changed by `mutate` and written back canonically (the form a
// careful forger produces: only the signature is then wrong).
v1::Envelope WithHeader(v1::Envelope envelope, const std::function<void(v1::Header&)>& mutate);

}  // namespace enlace::security_testing

#endif  // ENLACE_TESTS_SECURITY_ATTACK_SUPPORT_H_
