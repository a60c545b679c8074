#include "hub/config.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace::hub {
namespace {

using ::enlace::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr char kMinimal[] = R"(
listen_address: "0.0.0.0:7443"
data_dir: "data"
tls {
  root_certificate: "root.pem"
  certificate: "/etc/enlace/hub.pem"
  private_key { path: "hub-key.pem" passphrase_file: "pass" }
}
log_key { path: "log-key.pem" }
directory_file: "current.pb"
)";

TEST(HubConfigTest, AMinimalFileGetsItsPathsResolved) {
  ASSERT_OK_AND_ASSIGN(v1::HubConfig config, ParseHubConfig(kMinimal, "hub.conf", "/srv/hub"));
  EXPECT_EQ(config.data_dir(), "/srv/hub/data");
  EXPECT_EQ(config.tls().root_certificate(), "/srv/hub/root.pem");
  EXPECT_EQ(config.tls().certificate(), "/etc/enlace/hub.pem");
  EXPECT_EQ(config.tls().private_key().passphrase_file(), "/srv/hub/pass");
  EXPECT_EQ(config.log_key().path(), "/srv/hub/log-key.pem");
  EXPECT_EQ(config.log_key().passphrase_file(), "");
  EXPECT_EQ(config.directory_file(), "/srv/hub/current.pb");
}

TEST(HubConfigTest, BackupDirIsResolvedAndMustBeOutsideTheDataDir) {
  ASSERT_OK_AND_ASSIGN(
      v1::HubConfig config,
      ParseHubConfig(std::string(kMinimal) + "backup_dir: \"backups\"\n", "hub.conf", "/srv/hub"));
  EXPECT_EQ(config.backup_dir(), "/srv/hub/backups");
  // A restore replaces data_dir: a checkpoint inside it would go with it.
  // Also when spelt otherwise (a trailing slash, "." and ".." steps, doubled slashes).
  for (const char* inside :
       {"data/backups", "/srv/hub/data", "data", "data/", "/srv/hub/data/", "./data",
        "/srv/x/../hub/data", "/srv//hub/data/backups", "backups/../data/b"}) {
    EXPECT_THAT(ParseHubConfig(absl::StrCat(kMinimal, "backup_dir: \"", inside, "\"\n"), "hub.conf",
                               "/srv/hub"),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("hub.conf:11: backup_dir: must be outside data_dir")))
        << inside;
  }
}

TEST(HubConfigTest, AnUnknownKeyOrASyntaxErrorNamesItsLine) {
  EXPECT_THAT(ParseHubConfig(std::string(kMinimal) + "retention_dayz: 3\n", "hub.conf", "."),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("hub.conf:11:"), HasSubstr("retention_dayz"))));
  EXPECT_THAT(ParseHubConfig("listen_address: 7443 }\n", "hub.conf", "."),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("hub.conf:1:")));
}

TEST(HubConfigTest, BadValuesAreEachNamedWithTheirLines) {
  const std::string text = std::string(kMinimal) +
                           "metrics_address: \"0.0.0.0:9464\"\n"  // line 11
                           "limits {\n"
                           "  max_envelope_bytes: 1000\n"  // line 13
                           "  submits_per_second: -1\n"    // line 14
                           "}\n"
                           "retention_days: 99999\n"  // line 16
                           "log_level: \"loud\"\n";   // line 17
  absl::StatusOr<v1::HubConfig> config = ParseHubConfig(text, "hub.conf", ".");
  EXPECT_THAT(config, StatusIs(absl::StatusCode::kInvalidArgument,
                               AllOf(HasSubstr("hub.conf:11: metrics_address: must be a loopback"),
                                     HasSubstr("hub.conf:13: limits.max_envelope_bytes: 1000 is "
                                               "outside 16384..67108864"),
                                     HasSubstr("hub.conf:14: limits.submits_per_second"),
                                     HasSubstr("hub.conf:16: retention_days: 99999"),
                                     HasSubstr("hub.conf:17: log_level"))));
}

TEST(HubConfigTest, MissingRequiredKeysAreNamed) {
  EXPECT_THAT(ParseHubConfig("listen_address: \"nowhere\"\n", "hub.conf", "."),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("hub.conf:1: listen_address: must be host:port"),
                             HasSubstr("data_dir: required"), HasSubstr("tls: required"),
                             HasSubstr("log_key: required"))));
}

TEST(HubConfigTest, UnreadableFilesAreNamed) {
  ASSERT_OK_AND_ASSIGN(v1::HubConfig config, ParseHubConfig(kMinimal, "hub.conf", "/nonexistent"));
  EXPECT_THAT(PrepareHub(config, absl::Now()),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("/nonexistent/pass")));
}

}  // namespace
}  // namespace enlace::hub
