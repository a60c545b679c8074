// The CLI without a daemon: complete help, usage errors, and a clear message when the daemon
// cannot be reached.
#include "node/cli.h"

#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace enlace::node {
namespace {

using ::testing::HasSubstr;

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

CliRun Cli(std::vector<std::string> args, const std::string& socket = "/nonexistent/enlace.sock") {
  args.insert(args.begin(), {"enlace", "--socket", socket});
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  std::istringstream in;
  std::ostringstream out, err;
  CliContext context;
  context.in = &in;
  context.out = &out;
  context.err = &err;
  int code = RunCli(static_cast<int>(argv.size()), argv.data(), context);
  return {code, out.str(), err.str()};
}

const std::vector<std::string> kCommands = {"send",  "status", "request", "respond", "bulletin",
                                            "inbox", "show",   "thread",  "cases",   "forward",
                                            "keys",  "doctor", "audit",   "whoami"};

TEST(CliTest, TopLevelHelpListsEveryCommandInBothLanguages) {
  CliRun help = Cli({"--help"});
  EXPECT_EQ(help.code, 0);
  for (const std::string& command : kCommands) EXPECT_THAT(help.out, HasSubstr(command));
  EXPECT_THAT(help.out, HasSubstr("--json"));
  EXPECT_THAT(help.out, HasSubstr("--lang"));
  EXPECT_THAT(help.out, HasSubstr("Exit status"));
  EXPECT_THAT(help.out, HasSubstr("enviar, recibir"));
}

TEST(CliTest, EverySubcommandHasItsOwnHelp) {
  for (const std::string& command : kCommands) {
    CliRun help = Cli({command, "--help"});
    EXPECT_EQ(help.code, 0) << command;
    EXPECT_THAT(help.out, HasSubstr(command)) << command;
    EXPECT_GT(help.out.size(), 150u) << command << " has almost no help:\n" << help.out;
  }
  EXPECT_THAT(Cli({"send", "--help"}).out, HasSubstr("referral"));
  EXPECT_THAT(Cli({"status", "--help"}).out, HasSubstr("RETURN_COMPLETED"));
  EXPECT_THAT(Cli({"forward", "--help"}).out, HasSubstr("H2"));
}

TEST(CliTest, UsageErrorsExitWithTwo) {
  EXPECT_EQ(Cli({}).code, 2);
  EXPECT_EQ(Cli({"teleport"}).code, 2);
  CliRun bad_kind = Cli({"send", "postcard"});
  EXPECT_EQ(bad_kind.code, 2);
  EXPECT_THAT(bad_kind.err, HasSubstr("postcard"));
  EXPECT_EQ(Cli({"--lang", "fr", "inbox"}).code, 2);
  EXPECT_EQ(Cli({"show"}).code, 2);  // the id is required
}

TEST(CliTest, UnreachableDaemonExitsWithThreeAndSaysWhere) {
  enlace::testing::TempDir dir;
  CliRun run = Cli({"inbox"}, dir.Sub("missing.sock"));
  EXPECT_EQ(run.code, 3);
  EXPECT_THAT(run.err, HasSubstr("cannot reach the node"));
  EXPECT_THAT(run.err, HasSubstr("no se puede contactar"));
  EXPECT_THAT(run.err, HasSubstr(dir.Sub("missing.sock")));
}

}  // namespace
}  // namespace enlace::node
