// Participant ids and roles: the one parser for "who is this" anywhere in enlace.
//
// Grammar (docs/operator-guide.md, "Participant ids"):
//
//   participant-id = "hub"
//                  / "node/" COUNTRY          ; ISO 3166-1 alpha-2, upper case, in the
//                                             ; network's country list (CRM members by default)
//                  / "admin/" NAME            ; Secretariat / operator staff
//                  / "auditor/" NAME
//                  / "observer/" ORG          ; e.g. IOM, UNHCR, RROCM
//   NAME = lower-case letter, then up to 31 of [a-z0-9-], not ending in "-", no "--"
//   ORG  = upper-case letter, then 1 to 15 of [A-Z0-9]
//
// The role follows from the id; nothing else is accepted (no spaces, no case folding, no
// trailing slash). In certificates the id is carried as the URI SubjectAltName
// "urn:enlace:" + id (e.g. "urn:enlace:node/MX").
#ifndef ENLACE_IDENTITY_PARTICIPANT_H_
#define ENLACE_IDENTITY_PARTICIPANT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace enlace {

enum class Role { kHub, kNode, kAdmin, kAuditor, kObserver };

// "hub", "node", "admin", "auditor", "observer".
absl::string_view RoleName(Role role);

// The CRM member states: BZ CA CR SV US GT HN MX NI PA DO.
const std::vector<std::string>& CrmCountries();

// What a network accepts beyond the fixed grammar. Copyable; cheap to pass by const reference.
struct ParticipantRules {
  // ISO 3166-1 alpha-2 codes allowed after "node/".
  std::vector<std::string> countries = CrmCountries();
};

// OK if every country is two upper-case ASCII letters and none repeats; else INVALID_ARGUMENT.
absl::Status ValidateParticipantRules(const ParticipantRules& rules);

// The URI scheme prefix of participant ids in certificates.
inline constexpr absl::string_view kParticipantUriPrefix = "urn:enlace:";

// A syntactically valid participant id. Immutable value type.
class ParticipantId {
 public:
  // Refuses (INVALID_ARGUMENT) anything outside the grammar above, saying what was wrong and
  // what is allowed. `text` is bounded: ids longer than 64 bytes are refused before any parsing.
  static absl::StatusOr<ParticipantId> Parse(absl::string_view text,
                                             const ParticipantRules& rules = ParticipantRules());
  // Parses "urn:enlace:<id>". Refuses other URIs.
  static absl::StatusOr<ParticipantId> FromUri(absl::string_view uri,
                                               const ParticipantRules& rules = ParticipantRules());
  static ParticipantId Hub();

  const std::string& str() const { return id_; }
  Role role() const { return role_; }
  // The part after the slash ("MX" for node/MX); empty for the hub.
  absl::string_view name() const;
  std::string ToUri() const { return std::string(kParticipantUriPrefix) + id_; }
  // A file-name form of the id: "node/MX" -> "node-MX", "hub" -> "hub". Injective, since names
  // never contain '/', and the role prefix never contains '-'.
  std::string FileName() const;

  friend bool operator==(const ParticipantId& a, const ParticipantId& b) { return a.id_ == b.id_; }
  friend bool operator!=(const ParticipantId& a, const ParticipantId& b) { return a.id_ != b.id_; }
  friend bool operator<(const ParticipantId& a, const ParticipantId& b) { return a.id_ < b.id_; }

 private:
  ParticipantId(std::string id, Role role) : id_(std::move(id)), role_(role) {}
  std::string id_;
  Role role_;
};

}  // namespace enlace

#endif  // ENLACE_IDENTITY_PARTICIPANT_H_
