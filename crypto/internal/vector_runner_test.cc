// The runner must be able to fail: these tests feed it corrupted copies of the public vectors.
#include "crypto/internal/vector_runner.h"

#include <sstream>

#include "base/files.h"
#include "crypto/internal/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace enlace::internal {
namespace {

using ::enlace::testing::StatusIs;
using ::testing::HasSubstr;

class VectorRunnerTest : public ::testing::Test {
 protected:
  // Writes `j` to a temp file and runs it.
  absl::StatusOr<VectorTally> Run(VectorFormat format, const nlohmann::json& j) {
    const std::string path = dir_.Sub("vectors.json");
    EXPECT_OK(WriteFileAtomically(path, j.dump()));
    output_.str("");
    return RunVectorFile(format, path, output_);
  }

  ::enlace::testing::TempDir dir_;
  std::ostringstream output_;
};

TEST_F(VectorRunnerTest, WycheproofCorruptionsAreReported) {
  nlohmann::json j = LoadVectors("wycheproof/x25519_test.json");
  ASSERT_OK_AND_ASSIGN(VectorTally clean, Run(VectorFormat::kWycheproof, j));
  EXPECT_EQ(clean.failed, 0) << output_.str();
  auto& tests = j["testGroups"][0]["tests"];
  int valid_id = -1, zero_id = -1;
  for (auto& test : tests) {
    const bool zero = std::find(test["flags"].begin(), test["flags"].end(), "ZeroSharedSecret") !=
                      test["flags"].end();
    if (valid_id < 0 && test["result"] == "valid") {
      std::string shared = test["shared"];
      shared[0] = shared[0] == '0' ? '1' : '0';  // wrong expected output
      test["shared"] = shared;
      valid_id = test["tcId"];
    } else if (zero_id < 0 && zero) {
      test["result"] = "valid";  // claims an all-zero secret is fine: we must still refuse
      zero_id = test["tcId"];
    }
  }
  ASSERT_OK_AND_ASSIGN(VectorTally corrupted, Run(VectorFormat::kWycheproof, j));
  EXPECT_EQ(corrupted.failed, 2);
  EXPECT_EQ(corrupted.passed, clean.passed - 2);
  EXPECT_THAT(output_.str(), HasSubstr("FAIL tcId " + std::to_string(valid_id) + ": "));
  EXPECT_THAT(output_.str(), HasSubstr("FAIL tcId " + std::to_string(zero_id) + ": "));
}

TEST_F(VectorRunnerTest, AeadInvalidMarkedValidFails) {
  nlohmann::json j = LoadVectors("wycheproof/chacha20_poly1305_test.json");
  for (auto& group : j["testGroups"]) {
    for (auto& test : group["tests"]) test["result"] = "valid";
  }
  ASSERT_OK_AND_ASSIGN(VectorTally tally, Run(VectorFormat::kWycheproof, j));
  EXPECT_GT(tally.failed, 60);  // every originally invalid case
  EXPECT_THAT(output_.str(), HasSubstr("expected valid; got error"));
}

TEST_F(VectorRunnerTest, HpkeAndRfc8032CorruptionsAreReported) {
  nlohmann::json hpke = LoadVectors("hpke/rfc9180_x25519_hkdfsha256_base_auth.json");
  hpke = nlohmann::json::array({hpke[0]});  // the first entry only: fast
  ASSERT_OK_AND_ASSIGN(VectorTally clean, Run(VectorFormat::kHpke, hpke));
  EXPECT_EQ(clean.failed, 0) << output_.str();
  EXPECT_EQ(clean.passed, 2 + 1 + 257 + 3 + 4);  // keys, enc, encryptions, exports, tampering
  std::string ct = hpke[0]["encryptions"][7]["ct"];
  ct[4] = ct[4] == 'a' ? 'b' : 'a';
  hpke[0]["encryptions"][7]["ct"] = ct;
  ASSERT_OK_AND_ASSIGN(VectorTally bad, Run(VectorFormat::kHpke, hpke));
  // Open fails at 7 and, since a failed Open does not advance the sequence number, at every
  // later encryption too.
  EXPECT_EQ(bad.failed, 257 - 7);
  EXPECT_THAT(output_.str(), HasSubstr("FAIL entry 0 (mode 0, aead 1) encryption 7: Seal output"));
  EXPECT_THAT(output_.str(), ::testing::Not(HasSubstr("encryption 6:")));

  nlohmann::json rfc8032 = LoadVectors("rfc8032/ed25519_rfc8032_7_1.json");
  rfc8032["tests"][2]["message"] = "00";
  ASSERT_OK_AND_ASSIGN(VectorTally ed, Run(VectorFormat::kRfc8032, rfc8032));
  EXPECT_EQ(ed.failed, 1);
  EXPECT_EQ(ed.passed, 4);
}

TEST_F(VectorRunnerTest, FileLevelErrors) {
  EXPECT_THAT(Run(VectorFormat::kWycheproof,
                  {{"algorithm", "XCHACHA20-POLY1305"}, {"testGroups", nlohmann::json::array()}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unsupported")));
  EXPECT_THAT(Run(VectorFormat::kWycheproof,
                  {{"algorithm", "XDH"}, {"testGroups", nlohmann::json::array()}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no applicable")));
  EXPECT_THAT(Run(VectorFormat::kHpke, nlohmann::json::object()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not an array")));
  EXPECT_THAT(RunVectorFile(VectorFormat::kHpke, dir_.Sub("missing.json"), output_),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("missing.json")));
  // Another encoding of the same algorithm is skipped, not misread; nothing left is an error.
  nlohmann::json p1363 = LoadVectors("wycheproof/ecdsa_secp256r1_sha256_test.json");
  for (auto& group : p1363["testGroups"]) group["type"] = "EcdsaP1363Verify";
  EXPECT_THAT(Run(VectorFormat::kWycheproof, p1363),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no applicable")));
  EXPECT_THAT(output_.str(), HasSubstr("skipped tcId 1: group type EcdsaP1363Verify"));
  // A malformed case is a failure, not a crash.
  ASSERT_OK_AND_ASSIGN(
      VectorTally tally,
      Run(VectorFormat::kWycheproof,
          nlohmann::json::parse(R"({"algorithm":"HKDF-SHA-256","testGroups":[{"tests":[
              {"tcId":1,"ikm":"zz","salt":"","info":"","size":4,"okm":"","result":"valid"},
              {"tcId":2,"ikm":7,"result":"valid"},
              {"tcId":3,"ikm":"00","salt":"","info":"","size":"4","okm":"","result":"valid"}]}]})")));
  EXPECT_EQ(tally.failed, 3);
  EXPECT_THAT(output_.str(), HasSubstr("malformed case"));
}

}  // namespace
}  // namespace enlace::internal
