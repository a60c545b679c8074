#include "identity/participant.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace enlace {
namespace {

constexpr size_t kMaxIdLength = 64;
constexpr size_t kMaxNameLength = 32;
constexpr size_t kMaxOrgLength = 16;

// Printable, quoted and truncated: error messages must not echo hostile bytes raw.
std::string Quote(absl::string_view text) {
  std::string out = "\"";
  for (char c : text.substr(0, kMaxIdLength)) {
    if (absl::ascii_isprint(static_cast<unsigned char>(c)) && c != '"' && c != '\\') {
      out.push_back(c);
    } else {
      absl::StrAppend(&out, "\\x", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
    }
  }
  if (text.size() > kMaxIdLength) out += "...";
  return out + "\"";
}

absl::Status Invalid(absl::string_view id, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("invalid participant id ", Quote(id), ": ", why));
}

bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// NAME = [a-z][a-z0-9-]{0,31}, not ending in '-', no "--".
absl::Status CheckName(absl::string_view id, absl::string_view name) {
  constexpr absl::string_view kAllowed =
      "a name is a lower-case letter then up to 31 of a-z, 0-9 and '-', not ending in '-' and "
      "without '--' (e.g. admin/secretariat, auditor/maria-lopez)";
  if (name.empty() || name.size() > kMaxNameLength || !IsLower(name.front()) ||
      name.back() == '-' || absl::StrContains(name, "--")) {
    return Invalid(id, kAllowed);
  }
  for (char c : name) {
    if (!IsLower(c) && !IsDigit(c) && c != '-') return Invalid(id, kAllowed);
  }
  return absl::OkStatus();
}

// ORG = [A-Z][A-Z0-9]{1,15}.
absl::Status CheckOrg(absl::string_view id, absl::string_view org) {
  constexpr absl::string_view kAllowed =
      "an organisation is an upper-case acronym of 2 to 16 letters and digits starting with a "
      "letter (e.g. observer/IOM, observer/UNHCR, observer/RROCM)";
  if (org.size() < 2 || org.size() > kMaxOrgLength || !IsUpper(org.front())) {
    return Invalid(id, kAllowed);
  }
  for (char c : org) {
    if (!IsUpper(c) && !IsDigit(c)) return Invalid(id, kAllowed);
  }
  return absl::OkStatus();
}

absl::Status CheckCountry(absl::string_view id, absl::string_view code,
                          const ParticipantRules& rules) {
  if (std::find(rules.countries.begin(), rules.countries.end(), code) == rules.countries.end()) {
    return Invalid(id, absl::StrCat("a node is node/<country> with an upper-case ISO 3166-1 "
                                    "alpha-2 code of this network: ",
                                    absl::StrJoin(rules.countries, " ")));
  }
  return absl::OkStatus();
}

}  // namespace

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kHub:
      return "hub";
    case Role::kNode:
      return "node";
    case Role::kAdmin:
      return "admin";
    case Role::kAuditor:
      return "auditor";
    case Role::kObserver:
      return "observer";
  }
  return "unknown";
}

const std::vector<std::string>& CrmCountries() {
  static const auto* const kCountries = new std::vector<std::string>{
      "BZ", "CA", "CR", "SV", "US", "GT", "HN", "MX", "NI", "PA", "DO"};
  return *kCountries;
}

absl::Status ValidateParticipantRules(const ParticipantRules& rules) {
  std::set<std::string> seen;
  for (const std::string& code : rules.countries) {
    if (code.size() != 2 || !IsUpper(code[0]) || !IsUpper(code[1])) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid country code ", Quote(code),
                       ": use ISO 3166-1 alpha-2 codes in upper case (e.g. MX, GT)"));
    }
    if (!seen.insert(code).second) {
      return absl::InvalidArgumentError(absl::StrCat("country code ", code, " is listed twice"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ParticipantId> ParticipantId::Parse(absl::string_view text,
                                                   const ParticipantRules& rules) {
  if (text.size() > kMaxIdLength) {
    return Invalid(text, absl::StrCat("longer than ", kMaxIdLength, " bytes"));
  }
  if (text == "hub") return Hub();
  const size_t slash = text.find('/');
  if (slash == absl::string_view::npos) {
    return Invalid(text,
                   "expected hub, node/<country>, admin/<name>, auditor/<name> or "
                   "observer/<org>");
  }
  const absl::string_view prefix = text.substr(0, slash);
  const absl::string_view rest = text.substr(slash + 1);
  std::string id(text);
  if (prefix == "node") {
    if (absl::Status s = CheckCountry(text, rest, rules); !s.ok()) return s;
    return ParticipantId(std::move(id), Role::kNode);
  }
  if (prefix == "admin" || prefix == "auditor") {
    if (absl::Status s = CheckName(text, rest); !s.ok()) return s;
    return ParticipantId(std::move(id), prefix == "admin" ? Role::kAdmin : Role::kAuditor);
  }
  if (prefix == "observer") {
    if (absl::Status s = CheckOrg(text, rest); !s.ok()) return s;
    return ParticipantId(std::move(id), Role::kObserver);
  }
  return Invalid(text, "unknown role; expected hub, node/, admin/, auditor/ or observer/");
}

absl::StatusOr<ParticipantId> ParticipantId::FromUri(absl::string_view uri,
                                                     const ParticipantRules& rules) {
  if (!absl::StartsWith(uri, kParticipantUriPrefix)) {
    return absl::InvalidArgumentError(absl::StrCat("URI ", Quote(uri),
                                                   " is not a participant URI (",
                                                   kParticipantUriPrefix, "<participant-id>)"));
  }
  return Parse(uri.substr(kParticipantUriPrefix.size()), rules);
}

ParticipantId ParticipantId::Hub() { return ParticipantId("hub", Role::kHub); }

absl::string_view ParticipantId::name() const {
  const size_t slash = id_.find('/');
  return slash == std::string::npos ? absl::string_view()
                                    : absl::string_view(id_).substr(slash + 1);
}

std::string ParticipantId::FileName() const {
  std::string out = id_;
  std::replace(out.begin(), out.end(), '/', '-');
  return out;
}

}  // namespace enlace
