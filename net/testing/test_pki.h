// Test support: a network root generated at test time and TLS material for any participant, so
// tests run real mutual TLS on 127.0.0.1 without keys in the repository.
//
//   ASSERT_OK_AND_ASSIGN(TestPki pki, TestPki::Create(absl::Now()));
//   ASSERT_OK_AND_ASSIGN(TlsMaterial hub, pki.Issue("hub"));
//   ASSERT_OK_AND_ASSIGN(TlsMaterial mx, pki.Issue("node/MX"));
#ifndef ENLACE_NET_TESTING_TEST_PKI_H_
#define ENLACE_NET_TESTING_TEST_PKI_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "identity/x509.h"
#include "net/tls.h"

namespace enlace::testing {

class TestPki {
 public:
  // A root valid from `now` - 10 days to `now` + 10 years. TLS handshakes check certificates
  // against the real clock, so pass absl::Now() for tests that connect.
  static absl::StatusOr<TestPki> Create(absl::Time now, absl::string_view network_name = "Test");

  const CertificateAuthority& ca() const { return *ca_; }
  std::string root_pem() const { return ca_->root().Pem(); }

  // Material for `participant_id` with the role's profile, valid for [now - 1 day, now + 30 days).
  absl::StatusOr<TlsMaterial> Issue(absl::string_view participant_id) const;
  // Material for a certificate with any profile (bad certificates for refusal tests).
  absl::StatusOr<TlsMaterial> IssueWithProfile(const CertificateProfile& profile) const;
  // The default interval of Issue(), for building variants of it.
  absl::Time now() const { return now_; }

 private:
  TestPki(std::shared_ptr<CertificateAuthority> ca, absl::Time now)
      : ca_(std::move(ca)), now_(now) {}
  std::shared_ptr<CertificateAuthority> ca_;
  absl::Time now_;
};

}  // namespace enlace::testing

#endif  // ENLACE_NET_TESTING_TEST_PKI_H_
