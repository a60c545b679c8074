#include "identity/x509.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstring>
#include <ctime>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "base/status_macros.h"
#include "base/time.h"
#include "crypto/hash.h"
#include "crypto/internal/openssl_util.h"

namespace enlace {
namespace {

using internal::BioPtr;
using internal::EvpPkeyPtr;
using internal::OpenSslDeleter;
using internal::OpenSslError;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509, X509_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, OpenSslDeleter<X509_STORE, X509_STORE_free>>;
using X509StoreCtxPtr =
    std::unique_ptr<X509_STORE_CTX, OpenSslDeleter<X509_STORE_CTX, X509_STORE_CTX_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<BIGNUM, BN_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, OpenSslDeleter<X509_NAME, X509_NAME_free>>;
using X509ExtensionPtr =
    std::unique_ptr<X509_EXTENSION, OpenSslDeleter<X509_EXTENSION, X509_EXTENSION_free>>;

void FreeGeneralNames(GENERAL_NAMES* names) { GENERAL_NAMES_free(names); }
using GeneralNamesPtr =
    std::unique_ptr<GENERAL_NAMES, OpenSslDeleter<GENERAL_NAMES, FreeGeneralNames>>;
void FreeDistPoints(CRL_DIST_POINTS* points) { CRL_DIST_POINTS_free(points); }
using DistPointsPtr =
    std::unique_ptr<CRL_DIST_POINTS, OpenSslDeleter<CRL_DIST_POINTS, FreeDistPoints>>;
using X509CrlPtr = std::unique_ptr<X509_CRL, OpenSslDeleter<X509_CRL, X509_CRL_free>>;
using X509RevokedPtr =
    std::unique_ptr<X509_REVOKED, OpenSslDeleter<X509_REVOKED, X509_REVOKED_free>>;
using Asn1IntegerPtr =
    std::unique_ptr<ASN1_INTEGER, OpenSslDeleter<ASN1_INTEGER, ASN1_INTEGER_free>>;
using Asn1TimePtr = std::unique_ptr<ASN1_TIME, OpenSslDeleter<ASN1_TIME, ASN1_TIME_free>>;

constexpr size_t kMaxNameLength = 255;

// Never prompts for a passphrase: an encrypted PEM given to an unencrypted reader fails.
int NoPassphrase(char*, int, int, void*) { return -1; }

BioPtr MemoryBio(absl::string_view data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

// The bytes written to a memory BIO so far.
absl::string_view BioContents(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);  // NOLINT(runtime/int): OpenSSL's type
  return size > 0 ? absl::string_view(data, static_cast<size_t>(size)) : absl::string_view();
}

absl::StatusOr<absl::Time> FromAsn1Time(const ASN1_TIME* t) {
  struct tm tm;
  std::memset(&tm, 0, sizeof(tm));
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    internal::ClearOpenSslErrors();
    return absl::InvalidArgumentError("certificate has a malformed validity time");
  }
  return absl::FromTimeT(timegm(&tm));
}

absl::Status SetAsn1Time(ASN1_TIME* field, absl::Time t) {
  if (ASN1_TIME_set(field, absl::ToTimeT(t)) == nullptr) return OpenSslError("ASN1_TIME_set");
  return absl::OkStatus();
}

// Names in SANs: printable ASCII without spaces, bounded, so that nothing odd ends up in a
// certificate that other software will parse.
absl::Status CheckSanName(absl::string_view kind, absl::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) {
    return absl::InvalidArgumentError(
        absl::StrCat(kind, " name must be 1 to ", kMaxNameLength, " bytes"));
  }
  for (char c : name) {
    if (!absl::ascii_isgraph(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError(
          absl::StrCat(kind, " name \"", absl::CEscape(name),
                       "\" may only hold printable ASCII characters without spaces"));
    }
  }
  return absl::OkStatus();
}

absl::Status AddGeneralName(GENERAL_NAMES* names, int type, absl::string_view value) {
  GENERAL_NAME* name = GENERAL_NAME_new();
  ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
  if (name == nullptr || ia5 == nullptr ||
      ASN1_STRING_set(ia5, value.data(), static_cast<int>(value.size())) != 1) {
    GENERAL_NAME_free(name);
    ASN1_IA5STRING_free(ia5);
    return OpenSslError("building a SubjectAltName");
  }
  GENERAL_NAME_set0_value(name, type, ia5);
  if (sk_GENERAL_NAME_push(names, name) == 0) {
    GENERAL_NAME_free(name);
    return OpenSslError("building a SubjectAltName");
  }
  return absl::OkStatus();
}

// An extension from OpenSSL's configuration syntax; only ever called with constant strings.
absl::Status AddConfExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (ext == nullptr || X509_add_ext(cert, ext.get(), -1) != 1) {
    return OpenSslError(absl::StrCat("adding extension ", OBJ_nid2sn(nid)));
  }
  return absl::OkStatus();
}

absl::Status SetRandomSerial(X509* cert, RandomSource* random) {
  uint8_t serial[16];
  RETURN_IF_ERROR(random->Fill(absl::MakeSpan(serial)));
  serial[0] &= 0x7f;  // positive
  serial[0] |= 0x40;  // and exactly 16 bytes long (never zero)
  BignumPtr bn(BN_bin2bn(serial, sizeof(serial), nullptr));
  if (bn == nullptr || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr) {
    return OpenSslError("setting the serial number");
  }
  return absl::OkStatus();
}

// An ASN1_INTEGER serial as big-endian bytes without leading zeros (never empty).
absl::StatusOr<Bytes> SerialBytes(const ASN1_INTEGER* serial) {
  BignumPtr bn(serial == nullptr ? nullptr : ASN1_INTEGER_to_BN(serial, nullptr));
  if (bn == nullptr) {
    internal::ClearOpenSslErrors();
    return absl::InvalidArgumentError("malformed serial number");
  }
  if (BN_is_negative(bn.get())) return absl::InvalidArgumentError("negative serial number");
  Bytes out(static_cast<size_t>(BN_num_bytes(bn.get())), '\0');
  BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(out.data()));
  if (out.empty()) out.assign(1, '\0');
  return out;
}

absl::StatusOr<Asn1IntegerPtr> SerialInteger(absl::string_view serial) {
  if (serial.empty() || serial.size() > 20) {  // RFC 5280 4.1.2.2: at most 20 octets
    return absl::InvalidArgumentError("a serial number must be 1 to 20 bytes");
  }
  BignumPtr bn(BN_bin2bn(internal::Uchar(serial), static_cast<int>(serial.size()), nullptr));
  Asn1IntegerPtr integer(bn == nullptr ? nullptr : BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (integer == nullptr) return OpenSslError("encoding a serial number");
  return integer;
}

// The CRL distribution point extension with the one URI `url`.
absl::Status AddCrlDistributionPoint(X509* cert, absl::string_view url) {
  RETURN_IF_ERROR(CheckCrlUrl(url));
  DistPointsPtr points(sk_DIST_POINT_new_null());
  if (points == nullptr) return OpenSslError("sk_DIST_POINT_new_null");
  DIST_POINT* point = DIST_POINT_new();
  if (point == nullptr || sk_DIST_POINT_push(points.get(), point) == 0) {
    DIST_POINT_free(point);
    return OpenSslError("building the CRL distribution point");
  }
  point->distpoint = DIST_POINT_NAME_new();
  if (point->distpoint == nullptr) return OpenSslError("DIST_POINT_NAME_new");
  point->distpoint->type = 0;  // fullName
  point->distpoint->name.fullname = sk_GENERAL_NAME_new_null();
  if (point->distpoint->name.fullname == nullptr) return OpenSslError("sk_GENERAL_NAME_new_null");
  RETURN_IF_ERROR(AddGeneralName(point->distpoint->name.fullname, GEN_URI, url));
  if (X509_add1_ext_i2d(cert, NID_crl_distribution_points, points.get(), 0, X509V3_ADD_DEFAULT) !=
      1) {
    return OpenSslError("adding the CRL distribution point");
  }
  return absl::OkStatus();
}

// The URIs of a certificate's CRL distribution points.
absl::StatusOr<std::vector<std::string>> CrlUrls(X509* x509) {
  int critical = 0;
  DistPointsPtr points(static_cast<CRL_DIST_POINTS*>(
      X509_get_ext_d2i(x509, NID_crl_distribution_points, &critical, nullptr)));
  if (points == nullptr && critical != -1) {
    internal::ClearOpenSslErrors();
    return absl::InvalidArgumentError(
        "certificate has a malformed or repeated CRL distribution points extension");
  }
  std::vector<std::string> urls;
  for (int i = 0; points != nullptr && i < sk_DIST_POINT_num(points.get()); ++i) {
    const DIST_POINT* point = sk_DIST_POINT_value(points.get(), i);
    if (point->distpoint == nullptr || point->distpoint->type != 0) continue;
    const GENERAL_NAMES* names = point->distpoint->name.fullname;
    for (int k = 0; k < sk_GENERAL_NAME_num(names); ++k) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, k);
      if (name->type != GEN_URI) continue;
      const ASN1_IA5STRING* uri = name->d.uniformResourceIdentifier;
      urls.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                        static_cast<size_t>(ASN1_STRING_length(uri)));
    }
  }
  return urls;
}

absl::StatusOr<X509NamePtr> MakeName(absl::string_view common_name) {
  if (common_name.empty() || common_name.size() > 64) {
    return absl::InvalidArgumentError("a certificate's common name must be 1 to 64 bytes");
  }
  X509NamePtr name(X509_NAME_new());
  if (name == nullptr ||
      X509_NAME_add_entry_by_txt(name.get(), "O", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>("enlace"), -1, -1,
                                 0) != 1 ||
      X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.data()),
                                 static_cast<int>(common_name.size()), -1, 0) != 1) {
    return OpenSslError("building a certificate name");
  }
  return name;
}

// The parts every certificate shares: version 3, serial, names, validity, public key.
absl::StatusOr<X509Ptr> NewCertificate(const X509_NAME* subject, const X509_NAME* issuer,
                                       absl::Time not_before, absl::Time not_after,
                                       EVP_PKEY* public_key, RandomSource* random) {
  X509Ptr cert(X509_new());
  if (cert == nullptr || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return OpenSslError("X509_new");
  }
  RETURN_IF_ERROR(SetRandomSerial(cert.get(), random));
  if (X509_set_subject_name(cert.get(), subject) != 1 ||
      X509_set_issuer_name(cert.get(), issuer) != 1 ||
      X509_set_pubkey(cert.get(), public_key) != 1) {
    return OpenSslError("filling a certificate");
  }
  RETURN_IF_ERROR(SetAsn1Time(X509_getm_notBefore(cert.get()), not_before));
  RETURN_IF_ERROR(SetAsn1Time(X509_getm_notAfter(cert.get()), not_after));
  return cert;
}

absl::Status CheckInterval(absl::Time not_before, absl::Time not_after) {
  if (not_before >= not_after) {
    return absl::InvalidArgumentError(absl::StrCat("empty validity interval: not before ",
                                                   FormatUtc(not_before), ", not after ",
                                                   FormatUtc(not_after)));
  }
  return absl::OkStatus();
}

absl::Status SignCertificate(X509* cert, EVP_PKEY* issuer_key) {
  if (X509_sign(cert, issuer_key, EVP_sha256()) <= 0) return OpenSslError("X509_sign");
  return absl::OkStatus();
}

bool IsP256(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "EC") != 1) return false;
  char group[64] = {0};
  size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                     &length) != 1) {
    internal::ClearOpenSslErrors();
    return false;
  }
  return absl::string_view(group, length) == "prime256v1";
}

absl::StatusOr<Bytes> SpkiDer(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(key, &der);
  if (length <= 0) return OpenSslError("i2d_PUBKEY");
  Bytes out(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  return out;
}

std::string PemEncode(absl::string_view label, absl::string_view der) {
  std::string out = absl::StrCat("-----BEGIN ", label, "-----\n");
  const std::string base64 = Base64Encode(der);
  for (size_t i = 0; i < base64.size(); i += 64) absl::StrAppend(&out, base64.substr(i, 64), "\n");
  return absl::StrCat(out, "-----END ", label, "-----\n");
}

std::string ShortName(const Certificate& cert) {
  if (!cert.uri_names().empty()) return cert.uri_names().front();
  if (!cert.common_name().empty()) return absl::StrCat("CN=", cert.common_name());
  return "certificate";
}

}  // namespace

absl::StatusOr<EcdsaP256PrivateKey> EcdsaP256PrivateKey::Generate() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (key == nullptr) return OpenSslError("generating an ECDSA P-256 key");
  return EcdsaP256PrivateKey(key);
}

absl::StatusOr<EcdsaP256PrivateKey> EcdsaP256PrivateKey::FromPkcs8Pem(const SecretBytes& pem) {
  if (pem.size() > kMaxCertificateInputSize) {
    return absl::InvalidArgumentError("private key PEM is too large");
  }
  BioPtr bio = MemoryBio(pem.view());
  if (bio == nullptr) return OpenSslError("BIO_new_mem_buf");
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (key == nullptr) {
    internal::ClearOpenSslErrors();
    return absl::InvalidArgumentError(
        "not an unencrypted PKCS#8 PEM private key (\"BEGIN PRIVATE KEY\")");
  }
  if (!IsP256(key.get())) {
    return absl::InvalidArgumentError("the private key is not an ECDSA P-256 key");
  }
  return EcdsaP256PrivateKey(key.release());
}

absl::StatusOr<SecretBytes> EcdsaP256PrivateKey::ToPkcs8Pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));  // freeing a memory BIO clears its buffer
  if (bio == nullptr || PEM_write_bio_PKCS8PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0,
                                                      nullptr, nullptr) != 1) {
    return OpenSslError("writing a PKCS#8 private key");
  }
  return SecretBytes(BioContents(bio.get()));
}

absl::StatusOr<Bytes> EcdsaP256PrivateKey::PublicSpkiDer() const { return SpkiDer(key_.get()); }

absl::Status WriteEcdsaP256KeyFile(absl::string_view path, const EcdsaP256PrivateKey& key,
                                   const SecretBytes& passphrase, RandomSource* random,
                                   const KeyFileOptions& options) {
  ASSIGN_OR_RETURN(SecretBytes pem, key.ToPkcs8Pem());
  if (passphrase.empty()) return WriteFileAtomically(path, pem.view(), 0600);
  ASSIGN_OR_RETURN(std::string encrypted, EncryptPkcs8Pem(pem, passphrase, random, options));
  return WriteFileAtomically(path, encrypted, 0600);
}

absl::StatusOr<EcdsaP256PrivateKey> ReadEcdsaP256KeyFile(absl::string_view path,
                                                         const SecretBytes& passphrase) {
  RETURN_IF_ERROR(CheckPrivateFile(path));
  ASSIGN_OR_RETURN(std::string text, ReadFile(path, kMaxKeyFileSize));
  const SecretBytes contents(text);
  OPENSSL_cleanse(text.data(), text.size());
  absl::StatusOr<EcdsaP256PrivateKey> key = absl::UnknownError("unread");
  if (!absl::StrContains(contents.view(), "BEGIN ENCRYPTED PRIVATE KEY")) {
    key = EcdsaP256PrivateKey::FromPkcs8Pem(contents);
  } else if (passphrase.empty()) {
    key = absl::InvalidArgumentError("the key is encrypted; its passphrase is needed");
  } else if (absl::StatusOr<SecretBytes> pem = DecryptPkcs8Pem(contents.view(), passphrase);
             pem.ok()) {
    key = EcdsaP256PrivateKey::FromPkcs8Pem(*pem);
  } else {
    key = pem.status();
  }
  if (!key.ok()) {
    return absl::Status(key.status().code(), absl::StrCat(path, ": ", key.status().message()));
  }
  return key;
}

absl::StatusOr<Certificate> Certificate::FromX509(X509* owned) {
  X509Ptr x509(owned);
  Certificate cert;
  unsigned char* der = nullptr;
  const int der_length = i2d_X509(x509.get(), &der);
  if (der_length <= 0) return OpenSslError("i2d_X509");
  cert.der_.assign(reinterpret_cast<const char*>(der), static_cast<size_t>(der_length));
  OPENSSL_free(der);
  ASSIGN_OR_RETURN(Sha256Digest digest, Sha256(cert.der_));
  cert.fingerprint_ = DigestBytes(digest);
  ASSIGN_OR_RETURN(cert.not_before_, FromAsn1Time(X509_get0_notBefore(x509.get())));
  ASSIGN_OR_RETURN(cert.not_after_, FromAsn1Time(X509_get0_notAfter(x509.get())));

  int critical = 0;
  GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(x509.get(), NID_subject_alt_name, &critical, nullptr)));
  if (names == nullptr && critical == -2) {
    return absl::InvalidArgumentError("certificate has more than one SubjectAltName extension");
  }
  if (names == nullptr && critical >= 0) {
    internal::ClearOpenSslErrors();
    return absl::InvalidArgumentError("certificate has a malformed SubjectAltName extension");
  }
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type != GEN_URI && name->type != GEN_DNS) continue;
    const ASN1_IA5STRING* value =
        name->type == GEN_URI ? name->d.uniformResourceIdentifier : name->d.dNSName;
    std::string text(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                     static_cast<size_t>(ASN1_STRING_length(value)));
    (name->type == GEN_URI ? cert.uri_names_ : cert.dns_names_).push_back(std::move(text));
  }

  ASSIGN_OR_RETURN(cert.crl_urls_, CrlUrls(x509.get()));
  ASSIGN_OR_RETURN(cert.serial_, SerialBytes(X509_get0_serialNumber(x509.get())));

  const X509_NAME* subject = X509_get_subject_name(x509.get());
  const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index >= 0) {
    const ASN1_STRING* cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
    cert.common_name_.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(cn)),
                             static_cast<size_t>(ASN1_STRING_length(cn)));
  }
  // Caches the extension flags now, so later const use from several threads only reads them.
  X509_check_purpose(x509.get(), -1, 0);
  cert.x509_ = std::shared_ptr<X509>(x509.release(), X509_free);
  return cert;
}

absl::StatusOr<Certificate> Certificate::FromDer(absl::string_view der) {
  if (der.empty() || der.size() > kMaxCertificateInputSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "certificate DER must be 1 to ", kMaxCertificateInputSize, " bytes, not ", der.size()));
  }
  const unsigned char* p = internal::Uchar(der);
  X509* x509 = d2i_X509(nullptr, &p, static_cast<long>(der.size()));  // NOLINT(runtime/int)
  if (x509 == nullptr) {
    internal::ClearOpenSslErrors();
    return absl::InvalidArgumentError("not a DER X.509 certificate");
  }
  if (p != internal::Uchar(der) + der.size()) {
    X509_free(x509);
    return absl::InvalidArgumentError("trailing bytes after the DER certificate");
  }
  return FromX509(x509);
}

absl::StatusOr<std::vector<Certificate>> CertificatesFromPem(absl::string_view pem) {
  if (pem.size() > kMaxCertificateInputSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("certificate PEM larger than ", kMaxCertificateInputSize, " bytes"));
  }
  BioPtr bio = MemoryBio(pem);
  if (bio == nullptr) return OpenSslError("BIO_new_mem_buf");
  std::vector<Certificate> certs;
  while (true) {
    X509* x509 = PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr);
    if (x509 == nullptr) break;
    ASSIGN_OR_RETURN(Certificate cert, Certificate::FromX509(x509));
    certs.push_back(std::move(cert));
  }
  const unsigned long error = ERR_peek_last_error();  // NOLINT(runtime/int): OpenSSL's type
  internal::ClearOpenSslErrors();
  // Running out of input ends the loop with "no start line"; anything else is damage.
  if (ERR_GET_LIB(error) != ERR_LIB_PEM || ERR_GET_REASON(error) != PEM_R_NO_START_LINE) {
    return absl::InvalidArgumentError("malformed certificate PEM");
  }
  if (certs.empty()) {
    return absl::InvalidArgumentError("no certificate (\"BEGIN CERTIFICATE\") in the PEM text");
  }
  return certs;
}

absl::StatusOr<Certificate> Certificate::FromPem(absl::string_view pem) {
  ASSIGN_OR_RETURN(std::vector<Certificate> certs, CertificatesFromPem(pem));
  if (certs.size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected one certificate in the PEM text, found ", certs.size()));
  }
  return std::move(certs.front());
}

std::string Certificate::Pem() const { return PemEncode("CERTIFICATE", der_); }

bool Certificate::is_ca() const { return (X509_get_extension_flags(x509_.get()) & EXFLAG_CA) != 0; }

absl::StatusOr<Bytes> Certificate::PublicSpkiDer() const {
  EVP_PKEY* key = X509_get0_pubkey(x509_.get());
  if (key == nullptr) return OpenSslError("X509_get0_pubkey");
  return SpkiDer(key);
}

absl::StatusOr<CertificateAuthority> CertificateAuthority::Create(absl::string_view network_name,
                                                                  absl::Time not_before,
                                                                  absl::Time not_after,
                                                                  RandomSource* random) {
  RETURN_IF_ERROR(CheckInterval(not_before, not_after));
  ASSIGN_OR_RETURN(EcdsaP256PrivateKey key, EcdsaP256PrivateKey::Generate());
  ASSIGN_OR_RETURN(X509NamePtr name, MakeName(absl::StrCat(network_name, " root CA")));
  ASSIGN_OR_RETURN(X509Ptr cert, NewCertificate(name.get(), name.get(), not_before, not_after,
                                                key.get(), random));
  RETURN_IF_ERROR(AddConfExtension(cert.get(), cert.get(), NID_basic_constraints,
                                   "critical,CA:TRUE,pathlen:0"));
  RETURN_IF_ERROR(
      AddConfExtension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign"));
  RETURN_IF_ERROR(AddConfExtension(cert.get(), cert.get(), NID_subject_key_identifier, "hash"));
  RETURN_IF_ERROR(SignCertificate(cert.get(), key.get()));
  ASSIGN_OR_RETURN(Certificate root, Certificate::FromX509(cert.release()));
  return CertificateAuthority(std::move(root), std::move(key));
}

absl::StatusOr<CertificateAuthority> CertificateAuthority::FromParts(Certificate root,
                                                                     EcdsaP256PrivateKey key) {
  if (!root.is_ca() || X509_check_issued(root.get(), root.get()) != X509_V_OK) {
    return absl::InvalidArgumentError("the root certificate is not a self-issued CA certificate");
  }
  EVP_PKEY* root_public = X509_get0_pubkey(root.get());
  if (root_public == nullptr || !IsP256(root_public)) {
    return absl::InvalidArgumentError("the root certificate's key is not ECDSA P-256");
  }
  if (X509_verify(root.get(), root_public) != 1) {
    internal::ClearOpenSslErrors();
    return absl::InvalidArgumentError("the root certificate's self-signature does not verify");
  }
  if (EVP_PKEY_eq(root_public, key.get()) != 1) {
    internal::ClearOpenSslErrors();
    return absl::InvalidArgumentError("the private key does not belong to the root certificate");
  }
  return CertificateAuthority(std::move(root), std::move(key));
}

absl::StatusOr<Certificate> CertificateAuthority::Issue(const CertificateProfile& profile,
                                                        absl::string_view subject_spki_der,
                                                        RandomSource* random) const {
  RETURN_IF_ERROR(CheckInterval(profile.not_before, profile.not_after));
  if (profile.not_before < root_.not_before() || profile.not_after > root_.not_after()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the certificate's validity (", FormatUtc(profile.not_before), " to ",
                     FormatUtc(profile.not_after), ") must lie within the root's (",
                     FormatUtc(root_.not_before()), " to ", FormatUtc(root_.not_after()), ")"));
  }
  if (profile.uri_names.empty() && profile.dns_names.empty()) {
    return absl::InvalidArgumentError("a certificate needs at least one URI or DNS name");
  }
  const unsigned char* p = internal::Uchar(subject_spki_der);
  EvpPkeyPtr subject_key(
      d2i_PUBKEY(nullptr, &p, static_cast<long>(subject_spki_der.size())));  // NOLINT
  if (subject_key == nullptr) {
    internal::ClearOpenSslErrors();
    return absl::InvalidArgumentError("the subject public key is not a DER SubjectPublicKeyInfo");
  }
  ASSIGN_OR_RETURN(X509NamePtr subject, MakeName(profile.common_name));
  ASSIGN_OR_RETURN(X509Ptr cert, NewCertificate(subject.get(), X509_get_subject_name(root_.get()),
                                                profile.not_before, profile.not_after,
                                                subject_key.get(), random));
  X509* issuer = root_.get();
  RETURN_IF_ERROR(AddConfExtension(cert.get(), issuer, NID_basic_constraints, "critical,CA:FALSE"));
  RETURN_IF_ERROR(AddConfExtension(cert.get(), issuer, NID_key_usage, "critical,digitalSignature"));
  if (profile.client_auth || profile.server_auth) {
    const char* usage = profile.client_auth && profile.server_auth ? "serverAuth,clientAuth"
                        : profile.client_auth                      ? "clientAuth"
                                                                   : "serverAuth";
    RETURN_IF_ERROR(AddConfExtension(cert.get(), issuer, NID_ext_key_usage, usage));
  }
  RETURN_IF_ERROR(AddConfExtension(cert.get(), issuer, NID_subject_key_identifier, "hash"));
  RETURN_IF_ERROR(
      AddConfExtension(cert.get(), issuer, NID_authority_key_identifier, "keyid:always"));

  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (names == nullptr) return OpenSslError("sk_GENERAL_NAME_new_null");
  for (const std::string& uri : profile.uri_names) {
    RETURN_IF_ERROR(CheckSanName("URI", uri));
    RETURN_IF_ERROR(AddGeneralName(names.get(), GEN_URI, uri));
  }
  for (const std::string& dns : profile.dns_names) {
    RETURN_IF_ERROR(CheckSanName("DNS", dns));
    RETURN_IF_ERROR(AddGeneralName(names.get(), GEN_DNS, dns));
  }
  if (X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) !=
      1) {
    return OpenSslError("adding the SubjectAltName");
  }
  if (!profile.crl_url.empty())
    RETURN_IF_ERROR(AddCrlDistributionPoint(cert.get(), profile.crl_url));
  RETURN_IF_ERROR(SignCertificate(cert.get(), key_.get()));
  return Certificate::FromX509(cert.release());
}

absl::Status CheckCrlUrl(absl::string_view url) {
  constexpr absl::string_view kScheme = "http://";
  if (!absl::StartsWith(url, kScheme) || url.size() == kScheme.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the CRL URL \"", absl::CEscape(url.substr(0, 80)),
        "\" must start with http:// and name a host (CRLs are signed, so plain HTTP is the "
        "norm: RFC 5280 4.2.1.13)"));
  }
  return CheckSanName("CRL URL", url);
}

absl::StatusOr<CertificateRevocationList> CertificateAuthority::IssueCrl(
    const std::vector<RevokedCertificate>& revoked, uint64_t number, absl::Time this_update,
    absl::Time next_update) const {
  if (this_update >= next_update) {
    return absl::InvalidArgumentError(absl::StrCat("a CRL's next update (", FormatUtc(next_update),
                                                   ") must come after its this update (",
                                                   FormatUtc(this_update), ")"));
  }
  X509CrlPtr crl(X509_CRL_new());
  Asn1TimePtr last(ASN1_TIME_new());
  Asn1TimePtr next(ASN1_TIME_new());
  if (crl == nullptr || last == nullptr || next == nullptr ||
      X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(root_.get())) != 1) {
    return OpenSslError("X509_CRL_new");
  }
  RETURN_IF_ERROR(SetAsn1Time(last.get(), this_update));
  RETURN_IF_ERROR(SetAsn1Time(next.get(), next_update));
  if (X509_CRL_set1_lastUpdate(crl.get(), last.get()) != 1 ||
      X509_CRL_set1_nextUpdate(crl.get(), next.get()) != 1) {
    return OpenSslError("setting the CRL's update times");
  }
  for (const RevokedCertificate& entry : revoked) {
    ASSIGN_OR_RETURN(Asn1IntegerPtr serial, SerialInteger(entry.serial));
    Asn1TimePtr when(ASN1_TIME_new());
    X509RevokedPtr item(X509_REVOKED_new());
    if (when == nullptr || item == nullptr) return OpenSslError("X509_REVOKED_new");
    RETURN_IF_ERROR(SetAsn1Time(when.get(), entry.revoked_at));
    if (X509_REVOKED_set_serialNumber(item.get(), serial.get()) != 1 ||
        X509_REVOKED_set_revocationDate(item.get(), when.get()) != 1 ||
        X509_CRL_add0_revoked(crl.get(), item.get()) != 1) {
      return OpenSslError("adding a CRL entry");
    }
    item.release();  // the CRL owns it
  }
  Asn1IntegerPtr crl_number(ASN1_INTEGER_new());
  if (crl_number == nullptr || ASN1_INTEGER_set_uint64(crl_number.get(), number) != 1 ||
      X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, crl_number.get(), 0, 0) != 1) {
    return OpenSslError("adding the CRL number");
  }
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, root_.get(), nullptr, nullptr, crl.get(), 0);
  X509ExtensionPtr aki(
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"));
  if (aki == nullptr || X509_CRL_add_ext(crl.get(), aki.get(), -1) != 1) {
    return OpenSslError("adding the CRL's authority key identifier");
  }
  if (X509_CRL_sort(crl.get()) != 1 || X509_CRL_sign(crl.get(), key_.get(), EVP_sha256()) <= 0) {
    return OpenSslError("signing the CRL");
  }
  unsigned char* der = nullptr;
  const int length = i2d_X509_CRL(crl.get(), &der);
  if (length <= 0) return OpenSslError("i2d_X509_CRL");
  const Bytes bytes(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  return CertificateRevocationList::FromDer(bytes);
}

absl::StatusOr<CertificateRevocationList> CertificateRevocationList::FromDer(
    absl::string_view der) {
  if (der.empty() || der.size() > kMaxCrlInputSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("CRL DER must be 1 to ", kMaxCrlInputSize, " bytes, not ", der.size()));
  }
  const unsigned char* p = internal::Uchar(der);
  X509CrlPtr crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));  // NOLINT
  if (crl == nullptr) {
    internal::ClearOpenSslErrors();
    return absl::InvalidArgumentError("not a DER X.509 CRL");
  }
  if (p != internal::Uchar(der) + der.size()) {
    return absl::InvalidArgumentError("trailing bytes after the DER CRL");
  }
  CertificateRevocationList out;
  out.der_ = Bytes(der);
  ASSIGN_OR_RETURN(out.this_update_, FromAsn1Time(X509_CRL_get0_lastUpdate(crl.get())));
  if (X509_CRL_get0_nextUpdate(crl.get()) == nullptr) {
    return absl::InvalidArgumentError("the CRL has no next update time");
  }
  ASSIGN_OR_RETURN(out.next_update_, FromAsn1Time(X509_CRL_get0_nextUpdate(crl.get())));
  int critical = 0;
  Asn1IntegerPtr number(static_cast<ASN1_INTEGER*>(
      X509_CRL_get_ext_d2i(crl.get(), NID_crl_number, &critical, nullptr)));
  if (number == nullptr || ASN1_INTEGER_get_uint64(&out.number_, number.get()) != 1) {
    internal::ClearOpenSslErrors();
    return absl::InvalidArgumentError("the CRL has no (or a malformed) CRL number");
  }
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
  for (int i = 0; revoked != nullptr && i < sk_X509_REVOKED_num(revoked); ++i) {
    const X509_REVOKED* item = sk_X509_REVOKED_value(revoked, i);
    RevokedCertificate entry;
    ASSIGN_OR_RETURN(entry.serial, SerialBytes(X509_REVOKED_get0_serialNumber(item)));
    ASSIGN_OR_RETURN(entry.revoked_at, FromAsn1Time(X509_REVOKED_get0_revocationDate(item)));
    out.revoked_.push_back(std::move(entry));
  }
  out.crl_ = std::shared_ptr<X509_CRL>(crl.release(), X509_CRL_free);
  return out;
}

std::string CertificateRevocationList::Pem() const { return PemEncode("X509 CRL", der_); }

absl::Status VerifyCrl(const CertificateRevocationList& crl, const Certificate& root,
                       absl::Time at) {
  EVP_PKEY* key = X509_get0_pubkey(root.get());
  if (key == nullptr) return OpenSslError("X509_get0_pubkey");
  if (X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(root.get())) != 0) {
    return absl::UnauthenticatedError("the CRL was not issued by the network root (issuer name)");
  }
  if (X509_CRL_verify(crl.get(), key) != 1) {
    internal::ClearOpenSslErrors();
    return absl::UnauthenticatedError("the CRL's signature does not verify under the network root");
  }
  if (at < crl.this_update() || at >= crl.next_update()) {
    return absl::UnauthenticatedError(
        absl::StrCat("CRL number ", crl.number(), " is valid from ", FormatUtc(crl.this_update()),
                     " to ", FormatUtc(crl.next_update()), ", not at ", FormatUtc(at)));
  }
  return absl::OkStatus();
}

absl::Status VerifyCertificate(const Certificate& leaf, const Certificate& root, absl::Time at,
                               CertificatePurpose purpose, const CertificateRevocationList* crl) {
  const std::string who = ShortName(leaf);
  auto refuse = [&who](absl::string_view why) {
    return absl::UnauthenticatedError(absl::StrCat("certificate of ", who, " refused: ", why));
  };
  if (leaf.is_ca()) return refuse("it is a CA certificate, not a participant's");
  X509StorePtr store(X509_STORE_new());
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (store == nullptr || ctx == nullptr || X509_STORE_add_cert(store.get(), root.get()) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), nullptr) != 1) {
    return OpenSslError("setting up certificate verification");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, absl::ToTimeT(at));
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT);
  if (crl != nullptr) {
    if (X509_STORE_add_crl(store.get(), crl->get()) != 1) {
      return OpenSslError("adding the CRL to the verification");
    }
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_CRL_CHECK);
  }
  const int openssl_purpose = purpose == CertificatePurpose::kTlsClient   ? X509_PURPOSE_SSL_CLIENT
                              : purpose == CertificatePurpose::kTlsServer ? X509_PURPOSE_SSL_SERVER
                                                                          : X509_PURPOSE_ANY;
  if (X509_STORE_CTX_set_purpose(ctx.get(), openssl_purpose) != 1) {
    return OpenSslError("X509_STORE_CTX_set_purpose");
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    const int error = X509_STORE_CTX_get_error(ctx.get());
    internal::ClearOpenSslErrors();
    return refuse(X509_verify_cert_error_string(error));
  }
  if (purpose == CertificatePurpose::kDirectorySigning) {
    const bool has_signing_usage = (X509_get_extension_flags(leaf.get()) & EXFLAG_KUSAGE) != 0 &&
                                   (X509_get_key_usage(leaf.get()) & KU_DIGITAL_SIGNATURE) != 0;
    if (!has_signing_usage) return refuse("its key usage does not allow digital signatures");
    if (leaf.uri_names().size() != 1 || leaf.uri_names().front() != kDirectorySignerUri) {
      return refuse(absl::StrCat("a directory signer's certificate must carry exactly the URI ",
                                 kDirectorySignerUri));
    }
  }
  return absl::OkStatus();
}

}  // namespace enlace
