// Fuzzes what a node does with domain content from outside: JSON from the CLI or a national
// case system, and decrypted payload bytes from another node. The input is parsed both as JSON
// and as a serialized Content; whatever parses is validated (as composed and as received), and
// its lifecycle step, kind, priority and forwardability are derived. Nothing may crash, leak or
// hang. One property is judged: content that validates without issues prints as JSON and
// parses back to the same bytes.
// Seeds: the examples in tests/data/examples, as JSON and as serialized Content.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "domain/alert_lifecycle.h"
#include "domain/content.h"
#include "domain/formats.h"
#include "domain/handling.h"
#include "domain/json.h"
#include "domain/referral_lifecycle.h"
#include "domain/validate.h"
#include "tests/fuzz/fuzz_support.h"

namespace enlace::domain {
namespace {

void Exercise(const v1::Content& content) {
  ValidationContext context;
  context.now = absl::FromUnixSeconds(1774029600);  // 2026-03-20T18:00:00Z, as the examples
  context.network_countries = CrmMemberCountries();
  bool valid = false;
  for (const ValidationMode mode : {ValidationMode::kCompose, ValidationMode::kReceived}) {
    context.mode = mode;
    valid |= Validate(content, context).empty();
  }
  (void)KindOf(content);
  (void)PriorityOf(content);
  (void)ForwardRefusal(content, "forwarded");
  if (const auto step = ReferralStepOf(content); step.ok()) {
    (void)ApplyReferralStep(NewReferralCase(content.victim_referral()), *step,
                            v1::REFERRAL_SIDE_REFERRING, context.now, DeadlinePolicy());
  }
  if (const auto step = AlertStepOf(content, "node/GT"); step.ok()) {
    (void)ApplyAlertStep(NewAlertCase(content.smuggling_alert(), {"node/GT"}), *step,
                         v1::ALERT_SIDE_ORIGINATOR, context.now, RetentionPolicy());
  }
  if (valid) {
    const auto json = MessageToJson(content);
    if (!json.ok()) std::abort();
    const auto again = ContentFromJson(*json, 16 * kMaxJsonBytes);
    if (!again.ok() || ContentToBinary(*again) != ContentToBinary(content)) std::abort();
  }
}

std::vector<fuzz::Seed> Seeds() {
  std::vector<fuzz::Seed> seeds;
  for (const auto& [name, json] : fuzz::SourceFiles("tests/data/examples", ".json")) {
    const auto content = ContentFromJson(json);
    if (!content.ok()) std::abort();  // the examples are valid content
    seeds.emplace_back(name, json);
    seeds.emplace_back(absl::StrCat(name, ".bin"), ContentToBinary(*content));
  }
  return seeds;
}

}  // namespace
}  // namespace enlace::domain

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  enlace::fuzz::WriteSeedsIfAsked(enlace::domain::Seeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto content = enlace::domain::ContentFromJson(input); content.ok()) {
    enlace::domain::Exercise(*content);
  }
  if (auto content = enlace::domain::ContentFromBinary(input); content.ok()) {
    enlace::domain::Exercise(*content);
  }
  return 0;
}
