#include "net/testing/test_pki.h"

#include <utility>

#include "base/env.h"
#include "base/status_macros.h"
#include "identity/participant.h"
#include "identity/pki.h"

namespace enlace::testing {

absl::StatusOr<TestPki> TestPki::Create(absl::Time now, absl::string_view network_name) {
  ASSIGN_OR_RETURN(
      CertificateAuthority ca,
      CertificateAuthority::Create(network_name, now - absl::Hours(240),
                                   now + absl::Hours(24 * 3650), RandomSource::Real()));
  return TestPki(std::make_shared<CertificateAuthority>(std::move(ca)), now);
}

absl::StatusOr<TlsMaterial> TestPki::Issue(absl::string_view participant_id) const {
  ASSIGN_OR_RETURN(ParticipantId id, ParticipantId::Parse(participant_id));
  ASSIGN_OR_RETURN(CertificateProfile profile,
                   TlsCertificateProfile(id, now_ - absl::Hours(24), now_ + absl::Hours(24 * 30)));
  return IssueWithProfile(profile);
}

absl::StatusOr<TlsMaterial> TestPki::IssueWithProfile(const CertificateProfile& profile) const {
  ASSIGN_OR_RETURN(EcdsaP256PrivateKey key, EcdsaP256PrivateKey::Generate());
  ASSIGN_OR_RETURN(Bytes spki, key.PublicSpkiDer());
  ASSIGN_OR_RETURN(Certificate cert, ca_->Issue(profile, spki, RandomSource::Real()));
  TlsMaterial material;
  material.root_certificate_pem = root_pem();
  material.certificate_pem = cert.Pem();
  ASSIGN_OR_RETURN(material.private_key_pem, key.ToPkcs8Pem());
  return material;
}

}  // namespace enlace::testing
