// X.509 for the network's PKI: ECDSA P-256 keys, the self-signed root, the certificates it
// issues, and chain validation against the root only (OpenSSL X509_STORE / X509_verify_cert).
//
// What the network issues (docs/operator-guide.md, "The network's PKI"):
//   root CA            ECDSA P-256, self-signed, CA:TRUE pathlen:0, keyCertSign + cRLSign
//   participant TLS    ECDSA P-256, URI SAN "urn:enlace:<id>", digitalSignature, EKU by role
//   directory signer   Ed25519, URI SAN "urn:enlace:directory-signer", digitalSignature, no EKU
//   CRL                X.509 v2 CRL with a CRL number, listing revoked serials (for TLS tools
//                      outside enlace; inside, the signed directory decides: identity/directory.h)
// All are signed with ECDSA-SHA256 by the root; leaf certificates carry a CRL distribution point
// when the network has one. Key generation uses OpenSSL's DRBG; the serial numbers (128 bits)
// come from the injected RandomSource.
#ifndef ENLACE_IDENTITY_X509_H_
#define ENLACE_IDENTITY_X509_H_

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "base/bytes.h"
#include "base/env.h"
#include "crypto/key_files.h"
#include "crypto/secret.h"

namespace enlace {

// Largest PEM or DER input any parser here accepts (a certificate is ~1 KB; a chain a few).
inline constexpr size_t kMaxCertificateInputSize = 64 * 1024;

// An ECDSA P-256 key pair (the root's and every TLS certificate's). Movable, not copyable.
class EcdsaP256PrivateKey {
 public:
  static absl::StatusOr<EcdsaP256PrivateKey> Generate();
  // Unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY"). Refuses any other key type or curve.
  static absl::StatusOr<EcdsaP256PrivateKey> FromPkcs8Pem(const SecretBytes& pem);
  // Unencrypted PKCS#8 PEM, as gRPC takes it. Keep it in memory only; on disk use
  // crypto/key_files.h to encrypt it.
  absl::StatusOr<SecretBytes> ToPkcs8Pem() const;
  // The public key as SubjectPublicKeyInfo DER.
  absl::StatusOr<Bytes> PublicSpkiDer() const;
  EVP_PKEY* get() const { return key_.get(); }

 private:
  struct Free {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
  };
  explicit EcdsaP256PrivateKey(EVP_PKEY* key) : key_(key) {}
  std::unique_ptr<EVP_PKEY, Free> key_;
};

// Key files for P-256 keys, by crypto/key_files.h's rules: PKCS#8 PEM, written atomically with
// mode 0600 and refused when read if group or others may read them. With a non-empty
// `passphrase` the file is encrypted (PBES2/scrypt); with an empty one it is not (daemons).
absl::Status WriteEcdsaP256KeyFile(absl::string_view path, const EcdsaP256PrivateKey& key,
                                   const SecretBytes& passphrase, RandomSource* random,
                                   const KeyFileOptions& options = {});
// Reads either form; an encrypted file needs `passphrase`, and the error says so if it is empty.
absl::StatusOr<EcdsaP256PrivateKey> ReadEcdsaP256KeyFile(absl::string_view path,
                                                         const SecretBytes& passphrase);

// A parsed certificate. Copyable (copies share the immutable OpenSSL object).
class Certificate {
 public:
  // Exactly one certificate; refuses trailing data, several certificates, or more than
  // kMaxCertificateInputSize bytes.
  static absl::StatusOr<Certificate> FromPem(absl::string_view pem);
  static absl::StatusOr<Certificate> FromDer(absl::string_view der);

  const Bytes& der() const { return der_; }
  std::string Pem() const;
  // SHA-256 of the DER encoding (32 bytes): the fingerprint the directory lists.
  const Bytes& fingerprint() const { return fingerprint_; }
  absl::Time not_before() const { return not_before_; }
  absl::Time not_after() const { return not_after_; }
  const std::vector<std::string>& uri_names() const { return uri_names_; }
  const std::vector<std::string>& dns_names() const { return dns_names_; }
  // The URIs of its CRL distribution points (empty if it has none).
  const std::vector<std::string>& crl_urls() const { return crl_urls_; }
  // The serial number: big-endian, no leading zero bytes.
  const Bytes& serial() const { return serial_; }
  // The subject's common name, for messages; empty if none.
  const std::string& common_name() const { return common_name_; }
  bool is_ca() const;
  // The subject public key as SubjectPublicKeyInfo DER.
  absl::StatusOr<Bytes> PublicSpkiDer() const;
  X509* get() const { return x509_.get(); }

 private:
  friend class CertificateAuthority;
  friend absl::StatusOr<std::vector<Certificate>> CertificatesFromPem(absl::string_view pem);
  Certificate() = default;
  // Takes ownership of `owned`.
  static absl::StatusOr<Certificate> FromX509(X509* owned);
  std::shared_ptr<X509> x509_;
  Bytes der_;
  Bytes fingerprint_;
  absl::Time not_before_;
  absl::Time not_after_;
  std::vector<std::string> uri_names_;
  std::vector<std::string> dns_names_;
  std::vector<std::string> crl_urls_;
  Bytes serial_;
  std::string common_name_;
};

// PEM text of every certificate in `pem`, in order; refuses malformed input or none at all.
absl::StatusOr<std::vector<Certificate>> CertificatesFromPem(absl::string_view pem);

// The contents of a certificate to issue.
struct CertificateProfile {
  std::string common_name;
  std::vector<std::string> uri_names;
  std::vector<std::string> dns_names;
  absl::Time not_before;
  absl::Time not_after;
  bool client_auth = false;  // extendedKeyUsage id-kp-clientAuth
  bool server_auth = false;  // extendedKeyUsage id-kp-serverAuth
  // An http:// URI where the network's CRL is served, written as the certificate's CRL
  // distribution point; empty: none (the CRL, if any, reaches its users by other means).
  std::string crl_url;
};

// Checks a CRL distribution point URI: "http://" then printable ASCII without spaces, at most
// 255 bytes in all.
absl::Status CheckCrlUrl(absl::string_view url);

// A certificate a CRL lists.
struct RevokedCertificate {
  Bytes serial;  // as Certificate::serial()
  absl::Time revoked_at;
};

// A parsed X.509 v2 CRL. Copyable (copies share the immutable OpenSSL object).
class CertificateRevocationList {
 public:
  // Refuses trailing data, more than kMaxCrlInputSize bytes, a CRL without a nextUpdate time or
  // CRL number.
  static absl::StatusOr<CertificateRevocationList> FromDer(absl::string_view der);

  const Bytes& der() const { return der_; }
  std::string Pem() const;
  uint64_t number() const { return number_; }
  absl::Time this_update() const { return this_update_; }
  absl::Time next_update() const { return next_update_; }
  const std::vector<RevokedCertificate>& revoked() const { return revoked_; }
  X509_CRL* get() const { return crl_.get(); }

 private:
  CertificateRevocationList() = default;
  std::shared_ptr<X509_CRL> crl_;
  Bytes der_;
  uint64_t number_ = 0;
  absl::Time this_update_;
  absl::Time next_update_;
  std::vector<RevokedCertificate> revoked_;
};

// Largest CRL accepted (each entry takes ~40 bytes: room for tens of thousands).
inline constexpr size_t kMaxCrlInputSize = 4 << 20;

// What a certificate is checked for.
enum class CertificatePurpose {
  kTlsClient,         // EKU clientAuth
  kTlsServer,         // EKU serverAuth
  kDirectorySigning,  // the directory signer's URI, digitalSignature, not a CA
};

// The root CA: its certificate and (when loaded for issuing) its private key.
class CertificateAuthority {
 public:
  // A new self-signed root named "<network_name> root CA", valid over [not_before, not_after).
  static absl::StatusOr<CertificateAuthority> Create(absl::string_view network_name,
                                                     absl::Time not_before, absl::Time not_after,
                                                     RandomSource* random);
  // Checks that `root` is a self-signed ECDSA P-256 CA certificate and that `key` is its key.
  static absl::StatusOr<CertificateAuthority> FromParts(Certificate root, EcdsaP256PrivateKey key);

  const Certificate& root() const { return root_; }
  const EcdsaP256PrivateKey& key() const { return key_; }

  // Issues a leaf certificate (CA:FALSE) for the public key `subject_spki_der` (any key type
  // OpenSSL reads: P-256 for TLS, Ed25519 for the directory signer). Refuses validity outside
  // the root's, an empty interval, or a profile with neither a URI nor a DNS name.
  absl::StatusOr<Certificate> Issue(const CertificateProfile& profile,
                                    absl::string_view subject_spki_der, RandomSource* random) const;

  // A CRL signed by the root listing `revoked`, with CRL number `number` (which must grow from
  // one CRL to the next), valid over [this_update, next_update).
  absl::StatusOr<CertificateRevocationList> IssueCrl(const std::vector<RevokedCertificate>& revoked,
                                                     uint64_t number, absl::Time this_update,
                                                     absl::Time next_update) const;

 private:
  CertificateAuthority(Certificate root, EcdsaP256PrivateKey key)
      : root_(std::move(root)), key_(std::move(key)) {}
  Certificate root_;
  EcdsaP256PrivateKey key_;
};

// Verifies `leaf` (optionally with intermediates, which this network does not issue) against
// `root` as the only trust anchor, at time `at`, for `purpose`; with a `crl`, also as
// `openssl verify -crl_check` does: the CRL must be signed by the root and current at `at`, and
// must not list `leaf`. The error (UNAUTHENTICATED) names the certificate and OpenSSL's reason
// ("certificate has expired", "unable to get local issuer certificate", "unsuitable certificate
// purpose", "certificate revoked", "CRL has expired", ...).
absl::Status VerifyCertificate(const Certificate& leaf, const Certificate& root, absl::Time at,
                               CertificatePurpose purpose,
                               const CertificateRevocationList* crl = nullptr);

// Checks that `crl` was signed by `root` and is current at `at` (this update <= at < next
// update). UNAUTHENTICATED otherwise, saying which.
absl::Status VerifyCrl(const CertificateRevocationList& crl, const Certificate& root,
                       absl::Time at);

// The URI SAN of the directory signer's certificate.
inline constexpr absl::string_view kDirectorySignerUri = "urn:enlace:directory-signer";

}  // namespace enlace

#endif  // ENLACE_IDENTITY_X509_H_
