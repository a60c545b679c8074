#include "identity/pki.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace enlace {
namespace {

// Certificate contents come from the peer: escaped before they reach an error message.
struct EscapedFormatter {
  void operator()(std::string* out, const std::string& text) const {
    out->append(absl::CEscape(text.substr(0, 128)));
  }
};

}  // namespace

absl::StatusOr<CertificateProfile> TlsCertificateProfile(const ParticipantId& id,
                                                         absl::Time not_before,
                                                         absl::Time not_after,
                                                         std::vector<std::string> dns_names) {
  const bool is_hub = id.role() == Role::kHub;
  if (!is_hub && !dns_names.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("DNS names are only for the hub's certificate, not for ", id.str()));
  }
  CertificateProfile profile;
  profile.common_name = id.str();
  profile.uri_names = {id.ToUri()};
  if (is_hub) {
    profile.dns_names = {std::string(kHubDnsName)};
    for (std::string& name : dns_names) {
      if (name != kHubDnsName) profile.dns_names.push_back(std::move(name));
    }
  }
  profile.not_before = not_before;
  profile.not_after = not_after;
  profile.server_auth = is_hub;
  profile.client_auth = !is_hub;
  return profile;
}

CertificateProfile DirectorySignerProfile(absl::Time not_before, absl::Time not_after) {
  CertificateProfile profile;
  profile.common_name = "enlace directory signer";
  profile.uri_names = {std::string(kDirectorySignerUri)};
  profile.not_before = not_before;
  profile.not_after = not_after;
  return profile;
}

absl::StatusOr<ParticipantId> ParticipantFromCertificate(const Certificate& cert,
                                                         const ParticipantRules& rules) {
  const std::vector<std::string>& uris = cert.uri_names();
  if (uris.size() != 1) {
    return absl::UnauthenticatedError(absl::StrCat(
        "the peer certificate must carry exactly one participant URI (", kParticipantUriPrefix,
        "<participant-id>) as SubjectAltName; it carries ", uris.size(),
        uris.empty() ? "" : absl::StrCat(": ", absl::StrJoin(uris, ", ", EscapedFormatter()))));
  }
  absl::StatusOr<ParticipantId> id = ParticipantId::FromUri(uris.front(), rules);
  if (!id.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("the peer certificate's URI is not a participant of this network: ",
                     id.status().message()));
  }
  return id;
}

}  // namespace enlace
