#include "auditor/report.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "auditor/testing/export_fixture.h"
#include "base/env.h"
#include "base/time.h"
#include "crypto/signing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/status_matchers.h"

namespace enlace::auditor {
namespace {

using ::enlace::auditor::testing::AuditToolPath;
using ::enlace::auditor::testing::ExportFixture;
using ::enlace::auditor::testing::RunProgram;
using ::enlace::auditor::testing::RunResult;
using ::enlace::auditor::testing::SignedAck;
using ::enlace::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1'803'859'200);  // 2027-03-01T00:00:00Z

v1::AuditEvent At(absl::Duration offset, v1::AuditEventType type, const std::string& actor) {
  v1::AuditEvent e;
  e.set_type(type);
  e.set_hub_time_ms(absl::ToUnixMillis(kT0 + offset));
  e.set_actor_id(actor);
  return e;
}

v1::AuditEvent Submitted(absl::Duration offset, char id, const std::string& sender,
                         std::vector<std::string> recipients, v1::MessageKind kind,
                         v1::Priority priority) {
  v1::AuditEvent e = At(offset, v1::AUDIT_EVENT_SUBMITTED, sender);
  e.set_sender_id(sender);
  for (const std::string& r : recipients) e.add_recipient_ids(r);
  e.set_message_kind(kind);
  e.set_priority(priority);
  e.set_message_id(std::string(16, id));
  e.set_header_hash(std::string(32, id));
  e.set_envelope_size(2048);
  return e;
}

v1::AuditEvent ForRecipient(absl::Duration offset, v1::AuditEventType type, char id,
                            const std::string& sender, const std::string& recipient) {
  v1::AuditEvent e = At(offset, type, recipient);
  e.set_sender_id(sender);
  e.add_recipient_ids(recipient);
  e.set_message_id(std::string(16, id));
  return e;
}

class ReportTest : public ExportFixture {
 protected:
  // `recipient`'s signed acknowledgement of message `id`, logged at kT0 + offset.
  v1::AuditEvent Acknowledged(absl::Duration offset, char id, const std::string& sender,
                              const std::string& recipient) {
    v1::AuditEvent e = SignedAck(*recipient_key_, recipient, std::string(16, id),
                                 absl::ToUnixMillis(kT0 + offset));
    e.set_hub_time_ms(absl::ToUnixMillis(kT0 + offset));
    e.set_sender_id(sender);
    return e;
  }

  void SetUp() override {
    ExportFixture::SetUp();
    ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey key, Ed25519PrivateKey::Generate(RandomSource::Real()));
    recipient_key_.emplace(std::move(key));
    v1::AuditEvent enrolled = At(absl::ZeroDuration(), v1::AUDIT_EVENT_ENROLLED, "admin/ana");
    enrolled.set_subject_id("node/PA");
    v1::AuditEvent rejected = At(absl::Hours(5), v1::AUDIT_EVENT_REJECTED, "node/SV");
    rejected.set_reason_code("bad_signature");
    const std::vector<v1::AuditEvent> events = {
        enrolled,
        Submitted(absl::Hours(1), 'A', "node/MX", {"node/GT"}, v1::KIND_VICTIM_REFERRAL,
                  v1::PRIORITY_IMMEDIATE),
        ForRecipient(absl::Minutes(65), v1::AUDIT_EVENT_DELIVERED, 'A', "node/MX", "node/GT"),
        Acknowledged(absl::Hours(2), 'A', "node/MX", "node/GT"),
        Submitted(absl::Hours(3), 'B', "node/US", {"node/GT", "node/HN", "node/SV"},
                  v1::KIND_SMUGGLING_ALERT, v1::PRIORITY_URGENT),
        ForRecipient(absl::Minutes(181), v1::AUDIT_EVENT_DELIVERED, 'B', "node/US", "node/GT"),
        Acknowledged(absl::Minutes(190), 'B', "node/US", "node/GT"),
        ForRecipient(absl::Hours(4), v1::AUDIT_EVENT_DELIVERED, 'B', "node/US", "node/HN"),
        rejected,
        // Outside the period: not counted.
        Submitted(absl::Hours(24 * 8), 'C', "node/MX", {"node/GT"}, v1::KIND_INFO_REQUEST,
                  v1::PRIORITY_ROUTINE),
    };
    ASSERT_OK(log_->Append(events, rocksdb::WriteOptions()).status());
    ASSERT_OK(log_->IssueTreeHead().status());
    export_ = dir_.Sub("export");
    ASSERT_OK(FetchInto(export_).status());
    options_.from = kT0;
    options_.to = kT0 + absl::Hours(24 * 7);
    options_.as_of = kT0 + absl::Hours(24 * 10);
  }

  std::optional<Ed25519PrivateKey> recipient_key_;
  std::string export_;
  ReportOptions options_;
};

TEST_F(ReportTest, CountsTimesAndOverdueItems) {
  ASSERT_OK_AND_ASSIGN(Report report, BuildReport(export_, options_));
  EXPECT_TRUE(report.verified);
  EXPECT_EQ(report.covered_entries, 10u);
  std::vector<std::string> pairs;
  for (const Report::Pair& p : report.pairs) {
    pairs.push_back(absl::StrCat(v1::MessageKind_Name(p.kind), " ", p.sender, ">", p.recipient, " ",
                                 p.messages));
  }
  EXPECT_THAT(pairs, ElementsAre("KIND_VICTIM_REFERRAL MX>GT 1", "KIND_SMUGGLING_ALERT US>GT 1",
                                 "KIND_SMUGGLING_ALERT US>HN 1", "KIND_SMUGGLING_ALERT US>SV 1"));

  ASSERT_EQ(report.delivery.size(), 2u);
  EXPECT_EQ(report.delivery[0].kind, v1::KIND_VICTIM_REFERRAL);
  EXPECT_EQ(report.delivery[0].median, absl::Minutes(5));
  EXPECT_EQ(report.delivery[1].kind, v1::KIND_SMUGGLING_ALERT);
  EXPECT_EQ(report.delivery[1].count, 2u);
  EXPECT_EQ(report.delivery[1].median, absl::Minutes(1));
  EXPECT_EQ(report.delivery[1].p90, absl::Hours(1));
  EXPECT_EQ(report.delivery[1].max, absl::Hours(1));
  ASSERT_EQ(report.acknowledgement.size(), 2u);
  EXPECT_EQ(report.acknowledgement[0].median, absl::Hours(1));
  EXPECT_EQ(report.acknowledgement[1].median, absl::Minutes(10));

  ASSERT_EQ(report.overdue.size(), 2u);
  EXPECT_EQ(report.overdue[0].recipient, "node/HN");
  EXPECT_TRUE(report.overdue[0].delivered);
  EXPECT_EQ(report.overdue[0].deadline, kT0 + absl::Hours(3 + 72));
  EXPECT_EQ(report.overdue[1].recipient, "node/SV");
  EXPECT_FALSE(report.overdue[1].delivered);
  EXPECT_THAT(
      report.other_events,
      ElementsAre(std::pair<const std::string, uint64_t>("AUDIT_EVENT_ENROLLED", 1),
                  std::pair<const std::string, uint64_t>("AUDIT_EVENT_REJECTED bad_signature", 1)));

  // Before the URGENT deadline nothing is overdue.
  options_.as_of = kT0 + absl::Hours(24);
  ASSERT_OK_AND_ASSIGN(Report early, BuildReport(export_, options_));
  EXPECT_TRUE(early.overdue.empty());
}

TEST_F(ReportTest, ReadsInSpanishAndEnglish) {
  ASSERT_OK_AND_ASSIGN(Report report, BuildReport(export_, options_));
  const std::string es = ReportText(report, options_);
  EXPECT_THAT(es, HasSubstr("Informe de auditoría de enlace"));
  EXPECT_THAT(es, HasSubstr("Integridad: verificado"));
  EXPECT_THAT(es, HasSubstr(domain::LabelOf(v1::KIND_VICTIM_REFERRAL, domain::Language::kSpanish)));
  EXPECT_THAT(es, HasSubstr("Sin acuse de recibo fuera de plazo"));
  EXPECT_THAT(es, HasSubstr("Envío rechazado (bad_signature)"));
  options_.language = domain::Language::kEnglish;
  const std::string en = ReportText(report, options_);
  EXPECT_THAT(en, HasSubstr("Messages per kind and country pair"));
  EXPECT_THAT(en, HasSubstr(domain::LabelOf(v1::KIND_SMUGGLING_ALERT, domain::Language::kEnglish)));
  EXPECT_THAT(en, HasSubstr("not delivered"));

  const nlohmann::ordered_json json = ReportJson(report);
  EXPECT_EQ(json["overdue"][0]["recipient"], "node/HN");
  EXPECT_EQ(json["overdue"][1]["priority"], "PRIORITY_URGENT");
  EXPECT_EQ(json["delivery"][1]["max_seconds"], 3600.0);
  EXPECT_EQ(json["from"], "2027-03-01T00:00:00Z");
}

TEST_F(ReportTest, TheCommandLine) {
  const RunResult run = RunProgram(
      {AuditToolPath(), "report", export_, "--from", FormatUtc(options_.from), "--to",
       FormatUtc(options_.to), "--as-of", FormatUtc(*options_.as_of), "--lang", "en", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const nlohmann::json json = nlohmann::json::parse(run.output);
  EXPECT_EQ(json["verified"], true);
  EXPECT_EQ(json["overdue"].size(), 2u);
  const RunResult text = RunProgram({AuditToolPath(), "report", export_, "--from",
                                     FormatUtc(options_.from), "--to", FormatUtc(options_.to)});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_THAT(text.output, HasSubstr("Mensajes por tipo y par de países"));
  const RunResult backwards =
      RunProgram({AuditToolPath(), "report", export_, "--from", FormatUtc(options_.to), "--to",
                  FormatUtc(options_.from)});
  EXPECT_EQ(backwards.exit_code, 2);
  EXPECT_THAT(backwards.output, HasSubstr("must be before --to"));
  EXPECT_EQ(RunProgram({AuditToolPath(), "report", export_, "--from", "yesterday", "--to",
                        FormatUtc(options_.to)})
                .exit_code,
            2);
}

TEST_F(ReportTest, RefusesAnEmptyPeriod) {
  options_.to = options_.from;
  EXPECT_THAT(BuildReport(export_, options_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("must be before")));
}

}  // namespace
}  // namespace enlace::auditor
