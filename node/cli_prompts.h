// Guided prompts: `enlace send referral` and `enlace send alert` without --file ask for each
// required field in the user's language, listing the allowed values with their labels. Answers
// are read line by line (a number from the list or the value's name); an empty answer takes the
// default shown in brackets. The result is validated by the daemon like any other content.
#ifndef ENLACE_NODE_CLI_PROMPTS_H_
#define ENLACE_NODE_CLI_PROMPTS_H_

#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/env.h"
#include "enlace/v1/domain_content.pb.h"
#include "enlace/v1/node_service.pb.h"
#include "node/cli_render.h"

namespace enlace::node {

// The caller's organisation and officer, from the daemon's settings (for the Party of what the
// CLI composes).
v1::Party PartyOf(const v1::WhoamiResponse& me);

class Prompter {
 public:
  Prompter(std::istream& in, std::ostream& out, View view, RandomSource* random, Clock* clock)
      : in_(in), out_(out), view_(std::move(view)), random_(random), clock_(clock) {}

  // A referral from this node (`me`) to one receiving country.
  absl::StatusOr<v1::Content> Referral(const v1::WhoamiResponse& me);
  // An alert from this node to `to` (country codes; asked for when empty).
  absl::StatusOr<v1::Content> Alert(const v1::WhoamiResponse& me,
                                    const std::vector<std::string>& to);

 private:
  absl::StatusOr<std::string> Line(const std::string& question, const std::string& fallback);
  absl::StatusOr<std::string> Text(const std::string& es, const std::string& en,
                                   const std::string& fallback = "");
  // One value of `type` (not the zero value).
  absl::StatusOr<int> Choice(const google::protobuf::EnumDescriptor& type, const std::string& es,
                             const std::string& en, int fallback = 0);
  // Several values of `type`, comma-separated; at least one unless `optional`.
  absl::StatusOr<std::vector<int>> Choices(const google::protobuf::EnumDescriptor& type,
                                           const std::string& es, const std::string& en,
                                           bool optional);
  absl::StatusOr<std::vector<std::string>> Countries(const std::string& es, const std::string& en,
                                                     const std::string& fallback = "");

  std::istream& in_;
  std::ostream& out_;
  View view_;
  RandomSource* random_;
  Clock* clock_;
};

}  // namespace enlace::node

#endif  // ENLACE_NODE_CLI_PROMPTS_H_
