#include "net/tls.h"

#include <grpc/grpc_security_constants.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/files.h"
#include "base/status_macros.h"
#include "crypto/internal/openssl_util.h"
#include "identity/pki.h"
#include "identity/x509.h"
#include "net/status.h"
#include "net/tls_policy.h"

namespace enlace {
namespace {

// TLS 1.2 suites gRPC may be told to use through GRPC_SSL_CIPHER_SUITES: forward secret AEAD
// only. (TLS 1.3 suites are all AEAD.)
absl::Status CheckCipherSuiteOverride() {
  const char* suites = std::getenv("GRPC_SSL_CIPHER_SUITES");
  if (suites == nullptr) return absl::OkStatus();
  for (absl::string_view suite : absl::StrSplit(suites, ':')) {
    const bool aead = absl::StrContains(suite, "-GCM-") || absl::StrContains(suite, "CHACHA20");
    if (!absl::StartsWith(suite, "ECDHE-") || !aead) {
      return absl::FailedPreconditionError(absl::StrCat(
          "GRPC_SSL_CIPHER_SUITES names \"", suite,
          "\", which is not an ECDHE suite with AES-GCM or ChaCha20-Poly1305; unset the "
          "variable (gRPC's default suites are the right ones) or list only such suites"));
    }
  }
  return absl::OkStatus();
}

// Checks that `material` is usable at `now` for `purpose` and returns whom it names.
absl::StatusOr<ParticipantId> CheckMaterial(const TlsMaterial& material, absl::Time now,
                                            CertificatePurpose purpose,
                                            const ParticipantRules& rules) {
  RETURN_IF_ERROR(CheckCipherSuiteOverride());
  absl::StatusOr<Certificate> root = Certificate::FromPem(material.root_certificate_pem);
  if (!root.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("network root certificate: ", root.status().message()));
  }
  if (!root->is_ca()) {
    return absl::InvalidArgumentError("the network root certificate is not a CA certificate");
  }
  absl::StatusOr<Certificate> cert = Certificate::FromPem(material.certificate_pem);
  if (!cert.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("participant certificate: ", cert.status().message()));
  }
  RETURN_IF_ERROR(VerifyCertificate(*cert, *root, now, purpose));
  ASSIGN_OR_RETURN(ParticipantId id, ParticipantFromCertificate(*cert, rules));
  absl::StatusOr<EcdsaP256PrivateKey> key =
      EcdsaP256PrivateKey::FromPkcs8Pem(material.private_key_pem);
  if (!key.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("private key: ", key.status().message()));
  }
  if (X509_check_private_key(cert->get(), key->get()) != 1) {
    internal::ClearOpenSslErrors();
    return absl::InvalidArgumentError(
        absl::StrCat("the private key does not belong to the certificate of ", id.str()));
  }
  return id;
}

std::shared_ptr<grpc::experimental::StaticDataCertificateProvider> ProviderFor(
    const TlsMaterial& material) {
  // gRPC takes the key as a std::string and keeps its own copy for the life of the
  // credentials; ours is wiped as soon as it has been handed over.
  std::vector<grpc::experimental::IdentityKeyCertPair> pairs(1);
  pairs[0].private_key = std::string(material.private_key_pem.view());
  pairs[0].certificate_chain = material.certificate_pem;
  auto provider = std::make_shared<grpc::experimental::StaticDataCertificateProvider>(
      material.root_certificate_pem, pairs);
  OPENSSL_cleanse(pairs[0].private_key.data(), pairs[0].private_key.size());
  return provider;
}

// Runs inside the client's handshake, after the chain to the root has been verified: the
// server must be `expected` (exactly one participant URI, and the right one).
class ExpectedServerVerifier : public grpc::experimental::ExternalCertificateVerifier {
 public:
  ExpectedServerVerifier(ParticipantId expected, ParticipantRules rules)
      : expected_(std::move(expected)), rules_(std::move(rules)) {}

  bool Verify(grpc::experimental::TlsCustomVerificationCheckRequest* request,
              std::function<void(grpc::Status)> callback, grpc::Status* sync_status) override {
    *sync_status = ToGrpcStatus(Check(request));
    return true;  // synchronous
  }

  void Cancel(grpc::experimental::TlsCustomVerificationCheckRequest*) override {}

 private:
  absl::Status Check(grpc::experimental::TlsCustomVerificationCheckRequest* request) const {
    const grpc::string_ref pem = request->peer_cert();
    absl::StatusOr<Certificate> cert =
        Certificate::FromPem(absl::string_view(pem.data(), pem.size()));
    if (!cert.ok()) {
      return absl::UnauthenticatedError(
          absl::StrCat("the server's certificate is unreadable: ", cert.status().message()));
    }
    absl::StatusOr<ParticipantId> id = ParticipantFromCertificate(*cert, rules_);
    if (!id.ok()) {
      return absl::UnauthenticatedError(
          absl::StrCat("the server is not ", expected_.str(), ": ", id.status().message()));
    }
    if (*id != expected_) {
      return absl::UnauthenticatedError(absl::StrCat("the server presented the certificate of ",
                                                     id->str(), ", not of ", expected_.str()));
    }
    return absl::OkStatus();
  }

  const ParticipantId expected_;
  const ParticipantRules rules_;
};

}  // namespace

absl::StatusOr<TlsMaterial> LoadTlsMaterial(const TlsFiles& files, absl::Time now,
                                            const ParticipantRules& rules) {
  TlsMaterial material;
  ASSIGN_OR_RETURN(material.root_certificate_pem,
                   ReadFile(files.root_certificate_path, kMaxCertificateInputSize));
  ASSIGN_OR_RETURN(material.certificate_pem,
                   ReadFile(files.certificate_path, kMaxCertificateInputSize));
  ASSIGN_OR_RETURN(EcdsaP256PrivateKey key,
                   ReadEcdsaP256KeyFile(files.private_key_path, files.passphrase));
  ASSIGN_OR_RETURN(material.private_key_pem, key.ToPkcs8Pem());
  // The role the certificate names decides what it must be good for (the hub serves).
  absl::Status usable = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Certificate cert, Certificate::FromPem(material.certificate_pem));
    ASSIGN_OR_RETURN(ParticipantId id, ParticipantFromCertificate(cert, rules));
    const CertificatePurpose purpose =
        id.role() == Role::kHub ? CertificatePurpose::kTlsServer : CertificatePurpose::kTlsClient;
    return CheckMaterial(material, now, purpose, rules).status();
  }();
  if (!usable.ok()) {
    return absl::Status(usable.code(),
                        absl::StrCat(files.certificate_path, " (root ", files.root_certificate_path,
                                     ", key ", files.private_key_path, "): ", usable.message()));
  }
  return material;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsMaterial& material, absl::Time now, const ParticipantRules& rules) {
  RETURN_IF_ERROR(InstallTlsPolicy());  // the server's suite order: gRPC has no option for it
  ASSIGN_OR_RETURN(ParticipantId id,
                   CheckMaterial(material, now, CertificatePurpose::kTlsServer, rules));
  if (id.role() != Role::kHub) {
    return absl::InvalidArgumentError(
        absl::StrCat("the server's certificate must be the hub's, not ", id.str(), "'s"));
  }
  grpc::experimental::TlsServerCredentialsOptions options(ProviderFor(material));
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  std::shared_ptr<grpc::ServerCredentials> credentials =
      grpc::experimental::TlsServerCredentials(options);
  if (credentials == nullptr) return absl::InternalError("gRPC refused the TLS server options");
  return credentials;
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(
    const TlsMaterial& material, absl::Time now, const ParticipantId& expected_server,
    const ParticipantRules& rules) {
  RETURN_IF_ERROR(CheckMaterial(material, now, CertificatePurpose::kTlsClient, rules).status());
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(ProviderFor(material));
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_verify_server_certs(true);
  options.set_check_call_host(false);  // the server is identified by its URI, not a host name
  options.set_certificate_verifier(
      grpc::experimental::ExternalCertificateVerifier::Create<ExpectedServerVerifier>(
          expected_server, rules));
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      grpc::experimental::TlsCredentials(options);
  if (credentials == nullptr) return absl::InternalError("gRPC refused the TLS channel options");
  return credentials;
}

grpc::ChannelArguments HubChannelArguments() {
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride(std::string(kHubDnsName));
  return args;
}

}  // namespace enlace
