// The enlace-audit command line in-process (auditor/cli.h): exit codes, and what goes to the
// output and error streams. (cli_test.cc runs the program against a real hub over mutual TLS.)
#include <sstream>
#include <string>
#include <vector>

#include "auditor/cli.h"
#include "auditor/testing/export_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/status_matchers.h"

namespace enlace::auditor {
namespace {

using ::enlace::auditor::testing::CopyDirectory;
using ::enlace::auditor::testing::ExportFixture;
using ::enlace::auditor::testing::ReadRecords;
using ::enlace::auditor::testing::WriteRecords;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
};

CliRun Cli(std::vector<std::string> args) {
  args.insert(args.begin(), "enlace-audit");
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  std::ostringstream out;
  std::ostringstream err;
  CliRun run;
  run.code = RunAuditCli(static_cast<int>(argv.size()), argv.data(), out, err);
  run.out = out.str();
  run.err = err.str();
  return run;
}

class AuditCliRunTest : public ExportFixture {
 protected:
  void SetUp() override {
    ExportFixture::SetUp();
    export_ = dir_.Sub("export");
    GrowTo(12);
    ASSERT_OK(FetchInto(export_).status());
  }

  std::string export_;
};

TEST_F(AuditCliRunTest, AGoodExportVerifiesOnTheOutputStream) {
  CliRun run = Cli({"verify", export_});
  EXPECT_EQ(run.code, kAuditOk) << run.err;
  EXPECT_THAT(run.out, HasSubstr("OK: 12 entries and 1 tree heads"));
  EXPECT_THAT(run.err, IsEmpty());

  run = Cli({"verify", "--json", export_});
  EXPECT_EQ(run.code, kAuditOk) << run.err;
  const nlohmann::json json = nlohmann::json::parse(run.out);
  EXPECT_EQ(json["ok"], true);
  EXPECT_EQ(json["entries"], 12);
}

TEST_F(AuditCliRunTest, ATamperedExportIsAVerificationFailure) {
  const std::string tampered = dir_.Sub("tampered");
  CopyDirectory(export_, tampered);
  std::vector<Bytes> records = ReadRecords(tampered);
  records[4][records[4].size() - 1] ^= 0x01;
  WriteRecords(tampered, records);
  const CliRun run = Cli({"verify", tampered});
  EXPECT_EQ(run.code, kAuditVerificationFailed);
  EXPECT_THAT(run.out, HasSubstr("FAILED: first divergence"));
}

TEST_F(AuditCliRunTest, AReportOfTheExportRuns) {
  const CliRun run = Cli({"report", export_, "--from", "2000-01-01T00:00:00Z", "--to",
                          "2100-01-01T00:00:00Z", "--lang", "en", "--json"});
  EXPECT_EQ(run.code, kAuditOk) << run.err;
  EXPECT_TRUE(nlohmann::json::parse(run.out).is_object());
}

TEST_F(AuditCliRunTest, BadUsageCannotRunAndSaysWhy) {
  CliRun run = Cli({"report", export_, "--from", "yesterday", "--to", "2100-01-01T00:00:00Z"});
  EXPECT_EQ(run.code, kAuditCannotRun);
  EXPECT_THAT(run.err, HasSubstr("--from:"));
  run = Cli({"verify", dir_.Sub("missing")});
  EXPECT_EQ(run.code, kAuditCannotRun);
  EXPECT_THAT(run.err, HasSubstr("missing"));
  run = Cli({"verify", "--log-key", "zz", export_});
  EXPECT_EQ(run.code, kAuditCannotRun);
  EXPECT_THAT(run.err, HasSubstr("--log-key"));
  EXPECT_EQ(Cli({"inspect"}).code, kAuditCannotRun);
  EXPECT_EQ(Cli({}).code, kAuditCannotRun);
}

TEST_F(AuditCliRunTest, HelpListsTheCommands) {
  const CliRun run = Cli({"--help"});
  EXPECT_EQ(run.code, kAuditOk);
  EXPECT_THAT(run.out, HasSubstr("fetch"));
  EXPECT_THAT(run.out, HasSubstr("verify"));
  EXPECT_THAT(run.out, HasSubstr("report"));
}

}  // namespace
}  // namespace enlace::auditor
