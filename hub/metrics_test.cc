#include "hub/metrics.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/policy.h"
#include "tests/testing/status_matchers.h"

namespace enlace::hub {
namespace {

using ::testing::HasSubstr;

TEST(MetricsTest, RendersThePrometheusTextFormat) {
  MetricsRegistry registry;
  Counter* submits = registry.AddCounter("x_submits_total", "Submissions.");
  submits->Add({{"result", "OK"}});
  submits->Add({{"result", "OK"}});
  submits->Add({{"result", "quote\"d"}}, 0.5);
  Gauge* depth = registry.AddGauge("x_depth", "Depth.");
  depth->Set({{"recipient", "node/GT"}}, 7);
  Histogram* latency = registry.AddHistogram("x_seconds", "Latency.", {0.1, 1});
  latency->Observe(0.05);
  latency->Observe(0.5);
  latency->Observe(3);
  EXPECT_EQ(registry.Render(),
            "# HELP x_submits_total Submissions.\n"
            "# TYPE x_submits_total counter\n"
            "x_submits_total{result=\"OK\"} 2\n"
            "x_submits_total{result=\"quote\\\"d\"} 0.5\n"
            "# HELP x_depth Depth.\n"
            "# TYPE x_depth gauge\n"
            "x_depth{recipient=\"node/GT\"} 7\n"
            "# HELP x_seconds Latency.\n"
            "# TYPE x_seconds histogram\n"
            "x_seconds_bucket{le=\"0.1\"} 1\n"
            "x_seconds_bucket{le=\"1\"} 2\n"
            "x_seconds_bucket{le=\"+Inf\"} 3\n"
            "x_seconds_sum 3.55\n"
            "x_seconds_count 3\n");
}

TEST(PolicyTest, ObserversGetPublicationsOnlyAndAuditorsNothing) {
  for (int k = v1::KIND_VICTIM_REFERRAL; k <= v1::KIND_LEGISLATION_MATRIX_UPDATE; ++k) {
    const auto kind = static_cast<v1::MessageKind>(k);
    const bool publication = kind == v1::KIND_BULLETIN || kind == v1::KIND_DOCUMENT;
    EXPECT_TRUE(MaySend(Role::kNode, kind));
    EXPECT_TRUE(MayReceive(Role::kNode, kind));
    EXPECT_EQ(MayReceive(Role::kObserver, kind), publication) << k;
    EXPECT_EQ(MaySend(Role::kObserver, kind), publication) << k;
    EXPECT_FALSE(MaySend(Role::kAuditor, kind));
    EXPECT_FALSE(MayReceive(Role::kAuditor, kind));
    EXPECT_FALSE(MayReceive(Role::kHub, kind));
  }
  EXPECT_FALSE(MayReceive(Role::kAdmin, v1::KIND_VICTIM_REFERRAL));
  EXPECT_TRUE(MayReceive(Role::kAdmin, v1::KIND_LEGISLATION_MATRIX_UPDATE));
  EXPECT_FALSE(MaySend(Role::kNode, v1::KIND_UNSPECIFIED));
}

}  // namespace
}  // namespace enlace::hub
