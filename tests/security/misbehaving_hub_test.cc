// A misbehaving hub, caught by the nodes or the auditor. A real hub (RocksDB on a temporary
// folder, mutual TLS on 127.0.0.1, one FakeClock) and real node daemons; the hub misbehaves
// either through the node's seam (node/testing/misbehaving_hubs.h) or, between runs, by an
// operator holding the log key who edits the hub's database (RewriteLog below). The auditor is
// the enlace-audit library (auditor/fetch.h, verify.h) over its own mutual-TLS channel.
// docs/security.md, "A misbehaving hub", lists each case with who catches it.
#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "auditlog/event.h"
#include "auditlog/log.h"
#include "auditor/cli.h"
#include "auditor/fetch.h"
#include "auditor/verify.h"
#include "base/bytes.h"
#include "base/files.h"
#include "base/status_macros.h"
#include "enlace/v1/auditlog_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "hub/store.h"
#include "identity/directory.h"
#include "identity/x509.h"
#include "net/tls.h"
#include "node/testing/misbehaving_hubs.h"
#include "rocksdb/write_batch.h"
#include "tests/node/node_network.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace enlace::node::testing {
namespace {

using ::enlace::testing::StatusIs;
using ::testing::_;
using ::testing::Contains;
using ::testing::Each;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

constexpr char kAuditor[] = "auditor/ines";

// What a dishonest operator holding the log key can do to the stopped hub's log: every entry
// goes through `change` (nullopt drops it), then the tree is rebuilt from what is left and one
// head signed over it: a history that verifies on its own.
using LeafChange = std::function<std::optional<Bytes>(uint64_t index, const Bytes& leaf)>;

absl::Status RewriteLog(const std::string& hub_dir, Clock* clock, Ed25519PrivateKey log_key,
                        const LeafChange& change) {
  ASSIGN_OR_RETURN(std::unique_ptr<hub::HubStore> store, hub::HubStore::Open({hub_dir}));
  rocksdb::DB* db = store->db();
  const auditlog::ColumnFamilies& cfs = store->log_cfs();
  std::vector<Bytes> kept;
  rocksdb::WriteBatch wipe;
  for (rocksdb::ColumnFamilyHandle* cf : {cfs.leaves, cfs.nodes, cfs.tree_heads, cfs.meta}) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf));
    uint64_t index = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      wipe.Delete(cf, it->key());
      if (cf != cfs.leaves) continue;  // big-endian keys: index order
      std::optional<Bytes> leaf = change(index++, it->value().ToString());
      if (leaf.has_value()) kept.push_back(std::move(*leaf));
    }
    if (!it->status().ok()) return absl::InternalError(it->status().ToString());
  }
  rocksdb::WriteOptions sync;
  sync.sync = true;
  if (rocksdb::Status s = db->Write(sync, &wipe); !s.ok()) {
    return absl::InternalError(s.ToString());
  }
  auditlog::AuditLogOptions options;
  options.clock = clock;
  ASSIGN_OR_RETURN(std::unique_ptr<auditlog::AuditLog> log,
                   auditlog::AuditLog::Open(db, cfs, std::move(log_key), options));
  rocksdb::WriteBatch batch;
  ASSIGN_OR_RETURN(auditlog::PendingAppend pending, log->PrepareAppendLeaves(kept, &batch));
  if (rocksdb::Status s = db->Write(sync, &batch); !s.ok()) {
    log->AbandonAppend(pending);
    return absl::InternalError(s.ToString());
  }
  RETURN_IF_ERROR(log->CommitAppend(pending));
  return log->IssueTreeHead().status();
}

// The same operator, lazier: replaces the stored bytes of one entry and nothing else (its hash,
// the tree and the signed heads stay as they were).
absl::Status ReplaceLeafBytes(const std::string& hub_dir, uint64_t index, const Bytes& leaf) {
  ASSIGN_OR_RETURN(std::unique_ptr<hub::HubStore> store, hub::HubStore::Open({hub_dir}));
  Bytes key;
  AppendUint64(index, &key);
  rocksdb::WriteOptions sync;
  sync.sync = true;
  rocksdb::Status s = store->db()->Put(sync, store->log_cfs().leaves, key, leaf);
  return s.ok() ? absl::OkStatus() : absl::InternalError(s.ToString());
}

// The SUBMITTED event of `leaf` addressed to `recipient` instead: a plausible forgery.
Bytes Readdressed(const Bytes& leaf, const std::string& recipient) {
  absl::StatusOr<v1::AuditEvent> event = auditlog::DecodeLeaf(leaf);
  EXPECT_TRUE(event.ok()) << event.status();
  if (!event.ok()) return leaf;
  event->clear_recipient_ids();
  event->add_recipient_ids(recipient);
  absl::StatusOr<Bytes> changed = auditlog::EncodeLeaf(*event);
  EXPECT_TRUE(changed.ok()) << changed.status();
  return changed.value_or(leaf);
}

class MisbehavingHubTest : public ::testing::Test {
 protected:
  void Network(const std::vector<std::string>& countries) {
    ASSERT_OK_AND_ASSIGN(network_, NodeNetwork::Create(countries));
  }

  void StartNodes(const std::vector<std::string>& countries) {
    ASSERT_OK(network_->StartNodes(countries));
  }

  // An information request from `from` to `to`, through the CLI; returns its message id (hex).
  std::string Request(const std::string& from, const std::string& to, const std::string& subject) {
    return SentMessageId(network_->Request(from, to, subject));
  }

  // Sends and waits for the hub's receipt: the log index of the message's SUBMITTED entry.
  uint64_t RequestWithReceipt(const std::string& from, const std::string& to,
                              std::string* message_id) {
    *message_id = Request(from, to, "Con recibo");
    EXPECT_TRUE(network_->WaitUntil([&] { return network_->node(from).OutboxSize() == 0; }));
    absl::StatusOr<Bytes> id = HexDecode(*message_id);
    EXPECT_TRUE(id.ok());
    absl::StatusOr<v1::StoredItemMeta> meta = network_->node(from).store().GetItem(*id);
    EXPECT_TRUE(meta.ok()) << meta.status();
    EXPECT_TRUE(meta.ok() && meta->has_receipt());
    return meta.ok() ? meta->log_index() : 0;
  }

  bool Has(const std::string& country, const std::string& message_id_hex) {
    absl::StatusOr<Bytes> id = HexDecode(message_id_hex);
    return id.ok() && network_->node(country).store().HasItem(*id);
  }

  // The position of the last entry the hub put in `country`'s mailbox.
  uint64_t LastPosition(const std::string& country) {
    return network_->hub().exchange()->MailboxStateOf("node/" + country).last_sequence();
  }

  // Waits until `country`'s witness has verified `n` inclusions of its own submissions.
  bool Included(const std::string& country, uint64_t n) {
    return network_->WaitUntil(
        [&] {
          absl::StatusOr<v1::AuditResponse> view = network_->node(country).witness().View();
          return view.ok() && view->submissions_included() >= n;
        },
        absl::Seconds(1));
  }

  std::vector<v1::WitnessAlarm> Alarms(const std::string& country) {
    absl::StatusOr<std::vector<v1::WitnessAlarm>> alarms =
        network_->node(country).store().ListAlarms();
    EXPECT_TRUE(alarms.ok()) << alarms.status();
    return alarms.value_or(std::vector<v1::WitnessAlarm>());
  }

  std::vector<std::string> AlarmKinds(const std::string& country) {
    std::vector<std::string> kinds;
    for (const v1::WitnessAlarm& alarm : Alarms(country)) kinds.push_back(alarm.kind());
    return kinds;
  }

  // The alarm is what the focal point sees: `enlace doctor` fails and says ALARM.
  void ExpectDoctorAlarm(const std::string& country) {
    CliResult doctor = network_->Cli(country, {"doctor"});
    EXPECT_EQ(doctor.exit_code, 1) << doctor.out;
    EXPECT_THAT(doctor.out, HasSubstr("ALARM"));
  }

  std::string HubDir() const { return network_->Folder("hub"); }  // the hub's store.path

  // Stops the hub, applies `edit` to its stopped database, starts it again and waits until the
  // running nodes in `nodes` reach it (their channels retry with a backoff).
  void EditStoppedHub(const std::function<absl::Status()>& edit,
                      const std::vector<std::string>& nodes) {
    ASSERT_OK(network_->StopHub());
    ASSERT_OK(edit());
    ASSERT_OK(network_->StartHub());
    for (const std::string& country : nodes) {
      ASSERT_TRUE(network_->WaitUntil([&] {
        return network_->node(country).RefreshDirectory().ok();
      })) << country
          << " did not reach the restarted hub";
    }
  }

  // An auditor: enrolled by a directory (version 2) that lists its certificate, and a channel
  // to the hub's AuditLog service with it.
  void EnrolAuditor() {
    const hub::testing::TestNetwork& net = network_->net();
    ASSERT_OK_AND_ASSIGN(TlsMaterial tls, net.pki().Issue(kAuditor));
    ASSERT_OK_AND_ASSIGN(Certificate certificate, Certificate::FromPem(tls.certificate_pem));
    v1::Directory directory = net.BaseDirectory(2);
    v1::DirectoryParticipant& auditor = *directory.add_participants();
    auditor.set_id(kAuditor);
    auditor.set_role(v1::PARTICIPANT_ROLE_AUDITOR);
    auditor.set_display_name_es("Auditora");
    auditor.set_display_name_en("Auditor");
    auditor.set_status(v1::PARTICIPANT_STATUS_ACTIVE);
    v1::DirectoryCertificate& cert = *auditor.add_tls_certificates();
    cert.set_sha256(certificate.fingerprint());
    cert.set_not_before_ms(absl::ToUnixMillis(certificate.not_before()));
    cert.set_not_after_ms(absl::ToUnixMillis(certificate.not_after()));
    ASSERT_OK(network_->PublishDirectory(directory));
    ASSERT_OK_AND_ASSIGN(auto credentials, MakeChannelCredentials(tls, absl::Now()));
    auditor_ = v1::AuditLog::NewStub(grpc::CreateCustomChannel(
        absl::StrCat("127.0.0.1:", network_->hub_port()), credentials, HubChannelArguments()));
  }

  // `enlace-audit fetch` into `dir`, with the log key the operator published.
  absl::StatusOr<auditor::FetchResult> Fetch(const std::string& dir) {
    ASSIGN_OR_RETURN(Ed25519PrivateKey log_key, network_->net().LogKey());
    auditor::FetchOptions options;
    options.log_key = log_key.public_key();
    // After a restart the channel may still be in its reconnect backoff.
    absl::StatusOr<auditor::FetchResult> result = auditor::Fetch(auditor_.get(), dir, options);
    for (int retry = 0; retry < 50 && absl::IsUnavailable(result.status()); ++retry) {
      absl::SleepFor(absl::Milliseconds(200));  // real time: gRPC's backoff, not the FakeClock
      result = auditor::Fetch(auditor_.get(), dir, options);
    }
    return result;
  }

  void ExpectExportVerifies(const std::string& dir) {
    absl::StatusOr<auditor::VerifyResult> verified = auditor::VerifyExport(dir);
    ASSERT_OK(verified.status());
    EXPECT_TRUE(verified->ok()) << (verified->divergence ? verified->divergence->ToString() : "");
  }

  std::unique_ptr<NodeNetwork> network_;
  std::unique_ptr<v1::AuditLog::Stub> auditor_;
  enlace::testing::TempDir files_;
};

// The hub issues a receipt, then drops the entry before any signed head covers it: no auditor
// can tell (the log it serves is consistent), but the sender holds the signed receipt, and its
// witness finds another entry (or none it may read) at the receipt's index.
TEST_F(MisbehavingHubTest, DroppedEntryWithAReceiptIsCaughtByItsSender) {
  Network({"MX", "GT"});
  StartNodes({"MX"});
  std::string sent;
  const uint64_t index = RequestWithReceipt("MX", "GT", &sent);
  EditStoppedHub(
      [&]() -> absl::Status {
        ASSIGN_OR_RETURN(Ed25519PrivateKey key, network_->net().LogKey());
        return RewriteLog(HubDir(), &network_->clock(), std::move(key),
                          [&](uint64_t i, const Bytes& leaf) -> std::optional<Bytes> {
                            if (i == index) return std::nullopt;
                            return leaf;
                          });
      },
      {"MX"});
  network_->Advance(absl::Minutes(2));
  ASSERT_OK_AND_ASSIGN(WitnessCheck check, network_->node("MX").CheckLog());
  ASSERT_GT(check.tree_size, index) << "no signed head covers the receipt's index";
  std::vector<v1::WitnessAlarm> alarms = Alarms("MX");
  ASSERT_THAT(alarms, SizeIs(1));
  EXPECT_EQ(alarms[0].kind(), "inclusion_proof_invalid");
  EXPECT_THAT(alarms[0].detail(), HasSubstr(sent));
  EXPECT_THAT(alarms[0].detail(), HasSubstr(absl::StrCat("log index ", index)));
  absl::StatusOr<v1::AuditResponse> view = network_->node("MX").witness().View();
  ASSERT_OK(view.status());
  EXPECT_EQ(view->submissions_included(), 0u);
  ExpectDoctorAlarm("MX");
}

// The hub drops an entry a signed head already covered, and re-signs the shorter history: every
// node and auditor holding the earlier head finds the new one inconsistent with it.
TEST_F(MisbehavingHubTest, DroppedSignedEntryIsCaughtByTheAuditorAndTheNodes) {
  Network({"MX", "GT"});
  EnrolAuditor();
  StartNodes({"MX", "GT"});
  std::string sent;
  const uint64_t index = RequestWithReceipt("MX", "GT", &sent);
  ASSERT_TRUE(network_->WaitUntil([&] { return Has("GT", sent); }));
  ASSERT_TRUE(Included("MX", 1)) << "the submission's inclusion was not verified";
  const std::string audit = files_.Sub("audit");
  ASSERT_OK_AND_ASSIGN(auditor::FetchResult before, Fetch(audit));
  ASSERT_GT(before.head.tree_size, index);

  EditStoppedHub(
      [&]() -> absl::Status {
        ASSIGN_OR_RETURN(Ed25519PrivateKey key, network_->net().LogKey());
        return RewriteLog(HubDir(), &network_->clock(), std::move(key),
                          [&](uint64_t i, const Bytes& leaf) -> std::optional<Bytes> {
                            if (i == index) return std::nullopt;
                            return leaf;
                          });
      },
      {"MX", "GT"});
  network_->Advance(absl::Seconds(1));

  absl::StatusOr<auditor::FetchResult> after = Fetch(audit);
  EXPECT_THAT(after.status(), StatusIs(absl::StatusCode::kDataLoss, _));
  ExpectExportVerifies(audit);  // nothing was saved: the evidence stays intact
  for (const std::string country : {"MX", "GT"}) {
    network_->node(country).CheckLog().IgnoreError();
    EXPECT_THAT(AlarmKinds(country), Contains("inconsistent_tree_head")) << country;
    ExpectDoctorAlarm(country);
  }
}

// The hub rewrites an entry (the recipient of a submission) a signed head covered and re-signs
// the whole tree. The new history verifies on its own (a fresh export holds nothing to compare),
// but the auditor's earlier export and every node's trusted head refuse it.
TEST_F(MisbehavingHubTest, RewrittenAndResignedEntryIsCaughtByTheAuditorAndTheNodes) {
  Network({"MX", "GT", "HN"});
  EnrolAuditor();
  StartNodes({"MX", "GT"});
  std::string sent;
  const uint64_t index = RequestWithReceipt("MX", "GT", &sent);
  ASSERT_TRUE(network_->WaitUntil([&] { return Has("GT", sent); }));
  ASSERT_TRUE(Included("MX", 1)) << "the submission's inclusion was not verified";
  const std::string audit = files_.Sub("audit");
  ASSERT_OK(Fetch(audit).status());

  EditStoppedHub(
      [&]() -> absl::Status {
        ASSIGN_OR_RETURN(Ed25519PrivateKey key, network_->net().LogKey());
        return RewriteLog(HubDir(), &network_->clock(), std::move(key),
                          [&](uint64_t i, const Bytes& leaf) -> std::optional<Bytes> {
                            return i == index ? Readdressed(leaf, "node/HN") : leaf;
                          });
      },
      {"MX", "GT"});
  network_->Advance(absl::Seconds(1));

  absl::StatusOr<auditor::FetchResult> again = Fetch(audit);
  EXPECT_THAT(again.status(), StatusIs(absl::StatusCode::kDataLoss, _));
  ExpectExportVerifies(audit);
  const std::string fresh = files_.Sub("fresh");
  ASSERT_OK(Fetch(fresh).status());  // the rewritten history is consistent in itself
  for (const std::string country : {"MX", "GT"}) {
    network_->node(country).CheckLog().IgnoreError();
    EXPECT_THAT(AlarmKinds(country), Contains("inconsistent_tree_head")) << country;
  }
  ExpectDoctorAlarm("MX");
}

// The hub changes the stored bytes of an entry and nothing else: a fresh fetch finds entries that
// do not produce the signed root (and keeps none of them), and the sender, checking its receipt's
// entry, finds an inclusion proof that fails.
TEST_F(MisbehavingHubTest, RewrittenEntryBytesAreCaughtByAFreshFetchAndTheSender) {
  Network({"MX", "GT", "HN"});
  EnrolAuditor();
  StartNodes({"MX"});
  std::string sent;
  const uint64_t index = RequestWithReceipt("MX", "GT", &sent);
  EditStoppedHub(
      [&]() -> absl::Status {
        ASSIGN_OR_RETURN(std::unique_ptr<hub::HubStore> store, hub::HubStore::Open({HubDir()}));
        Bytes key;
        AppendUint64(index, &key);
        std::string leaf;
        rocksdb::Status read =
            store->db()->Get(rocksdb::ReadOptions(), store->log_cfs().leaves, key, &leaf);
        if (!read.ok()) return absl::InternalError(read.ToString());
        store.reset();
        return ReplaceLeafBytes(HubDir(), index, Readdressed(leaf, "node/HN"));
      },
      {"MX"});
  network_->Advance(absl::Seconds(1));

  const std::string fresh = files_.Sub("fresh");
  absl::StatusOr<auditor::FetchResult> fetched = Fetch(fresh);
  EXPECT_THAT(fetched.status(), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("root")));

  network_->node("MX").CheckLog().IgnoreError();
  std::vector<v1::WitnessAlarm> alarms = Alarms("MX");
  ASSERT_THAT(alarms, SizeIs(1));
  EXPECT_EQ(alarms[0].kind(), "inclusion_proof_invalid");
  EXPECT_THAT(alarms[0].detail(), HasSubstr("inclusion proof"));
  ExpectDoctorAlarm("MX");
}

// The hub shows Mexico a second root for a size it already signed (a split view), while
// Guatemala and the auditor see the real log: Mexico's witness refuses it and keeps both signed
// heads as evidence, which contradict the auditor's export.
TEST_F(MisbehavingHubTest, ForkedLogIsCaughtByTheWitnessThatIsShownIt) {
  Network({"MX", "GT"});
  EnrolAuditor();
  StartNodes({"GT"});
  ForkingHub* forking = nullptr;
  const hub::testing::TestNetwork& net = network_->net();
  ASSERT_OK(network_->StartNode("MX", [&](HubPort* real) {
    auto hub = std::make_unique<ForkingHub>(real, [&net] { return net.LogKey(); });
    forking = hub.get();
    return hub;
  }));
  ASSERT_TRUE(network_->WaitUntil([&] { return network_->daemon("MX").connected(); }));
  std::string sent;
  RequestWithReceipt("MX", "GT", &sent);
  ASSERT_TRUE(Included("MX", 1)) << "the submission's inclusion was not verified";
  forking->Fork();
  network_->Advance(absl::Seconds(1));

  // (Each check that is shown the fork raises the alarm again.)
  std::vector<v1::WitnessAlarm> alarms = Alarms("MX");
  ASSERT_THAT(alarms, Not(IsEmpty()));
  EXPECT_THAT(AlarmKinds("MX"), Each("inconsistent_tree_head"));
  absl::StatusOr<std::string> evidence = ReadFile(alarms[0].evidence_path(), 1 << 20);
  ASSERT_OK(evidence.status());
  EXPECT_THAT(*evidence, HasSubstr("\"trusted\""));
  EXPECT_THAT(*evidence, HasSubstr("\"presented\""));
  ExpectDoctorAlarm("MX");
  EXPECT_THAT(Alarms("GT"), IsEmpty());
  const std::string audit = files_.Sub("audit");
  ASSERT_OK(Fetch(audit).status());
  ExpectExportVerifies(audit);
}

// A split view from a node's first contact: the hub shows a fresh Mexico node a head with another
// root than the log everyone else sees, and, as long as Mexico's log does not grow, nothing in
// Mexico's own checks can tell. The auditor compares the head Mexico holds (as `enlace audit`
// prints it, signed) with its export: two signed roots for one size, a fork.
TEST_F(MisbehavingHubTest, SplitViewIsCaughtByTheAuditorComparingANodesHead) {
  Network({"MX", "GT"});
  EnrolAuditor();
  StartNodes({"GT"});
  const hub::testing::TestNetwork& net = network_->net();
  ASSERT_OK(network_->StartNode("MX", [&net](HubPort* real) {
    auto hub = std::make_unique<ForkingHub>(real, [&net] { return net.LogKey(); });
    hub->Fork();
    return hub;
  }));
  ASSERT_TRUE(network_->WaitUntil([&] { return network_->daemon("MX").connected(); }));
  network_->Advance(absl::Seconds(1));
  auto signed_head = [&](const std::string& country) {
    CliResult audit = network_->Cli(country, {"--json", "audit"});
    EXPECT_EQ(audit.exit_code, 0) << audit.err;
    return ParseCliJson<v1::AuditResponse>(audit.out).latest().signed_head();
  };
  const std::string mx_head = signed_head("MX");
  const std::string gt_head = signed_head("GT");
  ASSERT_FALSE(mx_head.empty()) << "Mexico verified no head";
  EXPECT_THAT(Alarms("MX"), IsEmpty()) << "the split view is invisible from inside";

  const std::string audit = files_.Sub("audit");
  ASSERT_OK(Fetch(audit).status());
  ASSERT_OK_AND_ASSIGN(auditor::TreeHeadComparison guatemala,
                       auditor::CompareTreeHead(audit, gt_head));
  EXPECT_EQ(guatemala.outcome, auditor::TreeHeadComparison::Outcome::kMatches);
  std::vector<const char*> argv = {"enlace-audit", "compare", audit.c_str(), "--tree-head",
                                   mx_head.c_str()};
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(auditor::RunAuditCli(static_cast<int>(argv.size()), argv.data(), out, err),
            auditor::kAuditVerificationFailed)
      << out.str() << err.str();
  EXPECT_THAT(out.str(), HasSubstr("FORK: the hub signed two histories"));

  // A head the log never signed proves nothing and is not taken as evidence.
  ASSERT_OK_AND_ASSIGN(Bytes forged, HexDecode(mx_head));
  forged.back() ^= 0x01;
  EXPECT_THAT(auditor::CompareTreeHead(audit, HexEncode(forged)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not signed")));
}

// The hub serves a directory older than the one the node holds (e.g. to hide a revocation): the
// node refuses it, keeps the newer one, raises an alarm; and a restart does not reopen the door.
TEST_F(MisbehavingHubTest, OldDirectoryIsRefusedAndTheNewerOneKept) {
  Network({"MX", "GT"});
  ASSERT_OK_AND_ASSIGN(v1::SignedDirectory v1_directory,
                       network_->net().SignDirectory(network_->net().BaseDirectory(1)));
  DirectoryRollbackHub* rollback = nullptr;
  auto wrap = [&](bool rolled_back) {
    return [&, rolled_back](HubPort* real) {
      auto hub = std::make_unique<DirectoryRollbackHub>(real, v1_directory, 1);
      if (rolled_back) hub->RollBack();
      rollback = hub.get();
      return hub;
    };
  };
  ASSERT_OK(network_->StartNode("MX", wrap(false)));
  ASSERT_TRUE(network_->WaitUntil([&] { return network_->daemon("MX").connected(); }));
  ASSERT_OK(network_->PublishDirectory(network_->net().BaseDirectory(2)));
  ASSERT_OK(network_->node("MX").RefreshDirectory());
  ASSERT_EQ(network_->node("MX").directory()->version(), 2u);

  rollback->RollBack();
  EXPECT_THAT(network_->node("MX").RefreshDirectory(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("rollback")));
  EXPECT_EQ(network_->node("MX").directory()->version(), 2u);
  std::vector<v1::WitnessAlarm> alarms = Alarms("MX");
  ASSERT_THAT(alarms, SizeIs(1));
  EXPECT_EQ(alarms[0].kind(), "directory_rollback");
  EXPECT_THAT(alarms[0].detail(), HasSubstr("refuses"));
  ExpectDoctorAlarm("MX");

  // Restarted behind the same hub, it starts from its own stored version 2 and refuses again.
  network_->StopNode("MX");
  ASSERT_OK(network_->StartNode("MX", wrap(true)));
  EXPECT_EQ(network_->node("MX").directory()->version(), 2u);
  ASSERT_TRUE(network_->WaitUntil([&] { return Alarms("MX").size() >= 2; }));
  EXPECT_EQ(network_->node("MX").directory()->version(), 2u);
  EXPECT_EQ(Alarms("MX").back().kind(), "directory_rollback");
  EXPECT_THAT(network_->node("MX").MetricsText(), HasSubstr("enlace_node_directory_version 2\n"));
}

// The hub holds back one mailbox entry and sends it after the next. The node cannot prove why,
// but an honest hub never sends an entry behind the cursor: the late message is received all the
// same (it is as valid as any: signed, addressed, in time) and the broken order is reported.
TEST_F(MisbehavingHubTest, ReorderedDeliveriesAreAllReceivedAndReported) {
  Network({"MX", "GT"});
  StartNodes({"MX"});
  ReorderingHub* reordering = nullptr;
  ASSERT_OK(network_->StartNode("GT", [&](HubPort* real) {
    auto hub = std::make_unique<ReorderingHub>(real);
    reordering = hub.get();
    return hub;
  }));
  ASSERT_TRUE(network_->WaitUntil([&] { return network_->daemon("GT").connected(); }));
  const std::string first = Request("MX", "GT", "Primera");
  ASSERT_TRUE(network_->WaitUntil([&] { return network_->node("MX").OutboxSize() == 0; }));
  const std::string second = Request("MX", "GT", "Segunda");
  ASSERT_TRUE(network_->WaitUntil([&] { return Has("GT", first) && Has("GT", second); }))
      << "the message delivered out of order was lost";
  EXPECT_TRUE(reordering->reordered());
  // The cursor never goes back: it stays at the second entry's position, the last handed out.
  EXPECT_EQ(network_->node("GT").cursor(), LastPosition("GT"));
  std::vector<v1::WitnessAlarm> alarms = Alarms("GT");
  ASSERT_THAT(alarms, SizeIs(1));
  EXPECT_EQ(alarms[0].kind(), "delivery_out_of_order");
  EXPECT_THAT(alarms[0].detail(), HasSubstr(first));
  ExpectDoctorAlarm("GT");
  CliResult inbox = network_->Cli("GT", {"--json", "inbox"});
  ASSERT_EQ(inbox.exit_code, 0) << inbox.err;
  EXPECT_THAT(ParseCliJson<v1::ListInboxResponse>(inbox.out).items(), SizeIs(2));

  // What follows comes in order, as usual.
  const std::string third = Request("MX", "GT", "Tercera");
  ASSERT_TRUE(network_->WaitUntil([&] { return Has("GT", third); }));
  EXPECT_EQ(network_->node("GT").cursor(), LastPosition("GT"));
  EXPECT_THAT(Alarms("GT"), SizeIs(1));
}

// The hub delivers a message twice: to Guatemala as a second mailbox entry, to Honduras as the
// same entry again. Each shows it once and counts the repeat.
TEST_F(MisbehavingHubTest, RepeatedDeliveryIsShownOnceAndCounted) {
  Network({"MX", "GT", "HN"});
  StartNodes({"MX"});
  std::map<std::string, ReplayingHub*> replaying;
  for (const auto& [country, mode] : std::vector<std::pair<std::string, ReplayingHub::Mode>>{
           {"GT", ReplayingHub::Mode::kNewPosition}, {"HN", ReplayingHub::Mode::kSamePosition}}) {
    ASSERT_OK(network_->StartNode(country, [&, country = country, mode = mode](HubPort* real) {
      auto hub = std::make_unique<ReplayingHub>(real, mode);
      replaying[country] = hub.get();
      return hub;
    }));
  }
  ASSERT_TRUE(network_->WaitUntil(
      [&] { return network_->daemon("GT").connected() && network_->daemon("HN").connected(); }));
  const std::string sent = Request("MX", "GT,HN", "Dos veces");
  for (const std::string country : {"GT", "HN"}) {
    ASSERT_TRUE(network_->WaitUntil([&] { return replaying[country]->replayed(); })) << country;
    ASSERT_TRUE(network_->WaitUntil([&] {
      return network_->node(country).MetricsText().find("enlace_node_duplicates_total 1\n") !=
             std::string::npos;
    })) << country
        << " did not count the repeat";
    CliResult inbox = network_->Cli(country, {"--json", "inbox"});
    ASSERT_EQ(inbox.exit_code, 0) << inbox.err;
    v1::ListInboxResponse listed = ParseCliJson<v1::ListInboxResponse>(inbox.out);
    ASSERT_THAT(listed.items(), SizeIs(1)) << country;
    EXPECT_EQ(listed.items(0).message_id(), sent);
  }
}

}  // namespace
}  // namespace enlace::node::testing
