#include "admin/workspace.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/files.h"
#include "base/status_macros.h"
#include "base/time.h"
#include "crypto/hash.h"
#include "crypto/signing.h"
#include "crypto/x25519.h"
#include "google/protobuf/util/json_util.h"
#include "identity/directory.h"
#include "identity/pki.h"
#include "identity/x509.h"
#include "nlohmann/json.hpp"

namespace enlace {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxRegistrySize = 16 << 20;
constexpr size_t kMaxNetworkNameSize = 40;
constexpr char kRegistryFile[] = "registry.json";
constexpr char kRootCert[] = "ca/root.pem";
constexpr char kRootKey[] = "ca/root-key.pem";
constexpr char kSignerCert[] = "ca/directory-signer.pem";
constexpr char kSignerKey[] = "ca/directory-signer-key.pem";
constexpr char kBundleManifest[] = "bundle.json";
constexpr char kCrlState[] = "ca/crl.json";
constexpr size_t kMaxCrlStateSize = 64 * 1024;

std::string Join(absl::string_view dir, absl::string_view name) {
  return absl::StrCat(dir, "/", name);
}

absl::Status CheckPassphrase(absl::string_view what, const SecretBytes& passphrase) {
  if (passphrase.size() < kMinPassphraseSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ", what, " must be at least ", kMinPassphraseSize, " characters long"));
  }
  return absl::OkStatus();
}

// Strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF): protobuf refuses to
// parse string fields that are not, so nothing else may reach the directory.
bool IsValidUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
    const uint8_t c = byte(i);
    size_t length;
    uint32_t min;
    uint32_t code;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      length = 2, min = 0x80, code = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      length = 3, min = 0x800, code = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      length = 4, min = 0x10000, code = c & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      if ((byte(i + k) & 0xc0) != 0x80) return false;
      code = (code << 6) | (byte(i + k) & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return false;
    i += length;
  }
  return true;
}

absl::Status CheckText(absl::string_view what, absl::string_view text, size_t max_size) {
  if (text.size() > max_size || !IsValidUtf8(text)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " must be valid UTF-8 of at most ", max_size, " bytes"));
  }
  return absl::OkStatus();
}

absl::Status CheckNetworkName(absl::string_view name) {
  bool ok = !name.empty() && name.size() <= kMaxNetworkNameSize;
  for (char c : name) {
    ok = ok && (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == ' ' || c == '-' ||
                c == '_' || c == '.');
  }
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("the network name must be 1 to ", kMaxNetworkNameSize,
                     " letters, digits, spaces, '-', '_' or '.' (e.g. \"CRM\")"));
  }
  return absl::OkStatus();
}

// Display names of the CRM members, and generic ones for other roles.
std::pair<std::string, std::string> DefaultDisplayNames(const ParticipantId& id) {
  static const auto* const kCountries =
      new std::map<std::string, std::pair<std::string, std::string>>{
          {"BZ", {"Belice", "Belize"}},
          {"CA", {"Canadá", "Canada"}},
          {"CR", {"Costa Rica", "Costa Rica"}},
          {"SV", {"El Salvador", "El Salvador"}},
          {"US", {"Estados Unidos", "United States"}},
          {"GT", {"Guatemala", "Guatemala"}},
          {"HN", {"Honduras", "Honduras"}},
          {"MX", {"México", "Mexico"}},
          {"NI", {"Nicaragua", "Nicaragua"}},
          {"PA", {"Panamá", "Panama"}},
          {"DO", {"República Dominicana", "Dominican Republic"}},
      };
  if (id.role() == Role::kHub) return {"Hub de la red", "Network hub"};
  if (id.role() == Role::kNode) {
    auto it = kCountries->find(std::string(id.name()));
    if (it != kCountries->end()) return it->second;
  }
  return {id.str(), id.str()};
}

// Who may be encrypted to: never the hub (it relays what it cannot read) nor auditors (they see
// metadata only).
bool HasEncryptionKey(Role role) { return role != Role::kHub && role != Role::kAuditor; }

int64_t Ms(absl::Time t) { return absl::ToUnixMillis(t); }

void SetInterval(absl::Time not_before, absl::Time not_after, v1::DirectoryKey* key) {
  key->set_not_before_ms(Ms(not_before));
  key->set_not_after_ms(Ms(not_after));
}

// An interval that starts kClockSkewAllowance ago, lasts `validity`, and ends no later than the
// root certificate.
std::pair<absl::Time, absl::Time> NewInterval(absl::Time now, absl::Duration validity,
                                              const Certificate& root) {
  return {now - kClockSkewAllowance, std::min(now + validity, root.not_after())};
}

absl::Status CheckValidity(absl::string_view what, absl::Duration validity) {
  if (validity < kAdminDay) {
    return absl::InvalidArgumentError(absl::StrCat(what, " must be at least one day"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Certificate> ReadCertificate(const std::string& path) {
  ASSIGN_OR_RETURN(std::string pem, ReadFile(path, kMaxCertificateInputSize));
  absl::StatusOr<Certificate> cert = Certificate::FromPem(pem);
  if (!cert.ok()) {
    return absl::Status(cert.status().code(), absl::StrCat(path, ": ", cert.status().message()));
  }
  return cert;
}

absl::StatusOr<CertificateAuthority> LoadCa(const std::string& dir, const SecretBytes& passphrase) {
  ASSIGN_OR_RETURN(Certificate root, ReadCertificate(Join(dir, kRootCert)));
  ASSIGN_OR_RETURN(EcdsaP256PrivateKey key, ReadEcdsaP256KeyFile(Join(dir, kRootKey), passphrase));
  return CertificateAuthority::FromParts(std::move(root), std::move(key));
}

std::string KeyFileName(absl::string_view prefix, const Bytes& key_id) {
  return absl::StrCat(prefix, "-", HexEncode(key_id), ".pem");
}

// bundle.json: what the bundle holds and for which time, for the participant's operator and
// for node configuration.
absl::Status WriteManifest(const std::string& bundle, const std::string& network_name,
                           const v1::DirectoryParticipant& p, const Bytes& tls_sha256) {
  auto keys = [](absl::string_view prefix, const auto& entries) {
    nlohmann::json list = nlohmann::json::array();
    for (const v1::DirectoryKey& key : entries) {
      list.push_back({{"key_id", HexEncode(key.key_id())},
                      {"file", KeyFileName(prefix, key.key_id())},
                      {"not_before", FormatUtc(absl::FromUnixMillis(key.not_before_ms()))},
                      {"not_after", FormatUtc(absl::FromUnixMillis(key.not_after_ms()))}});
    }
    return list;
  };
  const nlohmann::json manifest = {{"participant_id", p.id()},
                                   {"network_name", network_name},
                                   {"root_certificate", "root.pem"},
                                   {"tls_certificate", "tls.pem"},
                                   {"tls_private_key", "tls-key.pem"},
                                   {"tls_certificate_sha256", HexEncode(tls_sha256)},
                                   {"signing_keys", keys("signing", p.signing_keys())},
                                   {"encryption_keys", keys("encryption", p.encryption_keys())}};
  return WriteFileAtomically(
      Join(bundle, kBundleManifest),
      manifest.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

// What enrolment and rotation put into a bundle directory.
class BundleWriter {
 public:
  BundleWriter(std::string dir, const SecretBytes& passphrase, RandomSource* random,
               const KeyFileOptions& key_files, const std::string& crl_url)
      : dir_(std::move(dir)),
        passphrase_(passphrase),
        random_(random),
        key_files_(key_files),
        crl_url_(crl_url) {}

  // A new TLS key and certificate as tls.pem / tls-key.pem (an existing pair is kept as
  // tls-<sha256 prefix>.pem / -key.pem).
  absl::StatusOr<Certificate> IssueTls(const CertificateAuthority& ca, const ParticipantId& id,
                                       std::vector<std::string> dns_names, absl::Time now,
                                       absl::Duration validity) {
    const auto [not_before, not_after] = NewInterval(now, validity, ca.root());
    ASSIGN_OR_RETURN(CertificateProfile profile,
                     TlsCertificateProfile(id, not_before, not_after, std::move(dns_names)));
    profile.crl_url = crl_url_;
    ASSIGN_OR_RETURN(EcdsaP256PrivateKey key, EcdsaP256PrivateKey::Generate());
    ASSIGN_OR_RETURN(Bytes spki, key.PublicSpkiDer());
    ASSIGN_OR_RETURN(Certificate cert, ca.Issue(profile, spki, random_));
    if (fs::exists(Join(dir_, "tls.pem"))) {
      ASSIGN_OR_RETURN(Certificate old, ReadCertificate(Join(dir_, "tls.pem")));
      const std::string prefix = HexEncode(old.fingerprint()).substr(0, 16);
      RETURN_IF_ERROR(Rename("tls.pem", absl::StrCat("tls-", prefix, ".pem")));
      RETURN_IF_ERROR(Rename("tls-key.pem", absl::StrCat("tls-", prefix, "-key.pem")));
    }
    RETURN_IF_ERROR(WriteFileAtomically(Join(dir_, "tls.pem"), cert.Pem()));
    RETURN_IF_ERROR(
        WriteEcdsaP256KeyFile(Join(dir_, "tls-key.pem"), key, passphrase_, random_, key_files_));
    return cert;
  }

  // A new Ed25519 (Key = Ed25519PrivateKey) or X25519 key written as <prefix>-<key id>.pem.
  template <typename Key>
  absl::StatusOr<v1::DirectoryKey> NewKey(absl::string_view prefix, absl::Time now,
                                          absl::Duration validity, const Certificate& root) {
    ASSIGN_OR_RETURN(Key key, Key::Generate(random_));
    v1::DirectoryKey entry;
    entry.set_key_id(key.public_key().KeyId());
    entry.set_public_key(key.public_key().raw());
    const auto [not_before, not_after] = NewInterval(now, validity, root);
    SetInterval(not_before, not_after, &entry);
    RETURN_IF_ERROR(WriteEncryptedPrivateKeyFile(Join(dir_, KeyFileName(prefix, entry.key_id())),
                                                 key, passphrase_, random_, key_files_));
    return entry;
  }

 private:
  absl::Status Rename(absl::string_view from, absl::string_view to) {
    std::error_code error;
    fs::rename(Join(dir_, from), Join(dir_, to), error);
    if (error) {
      return absl::InternalError(
          absl::StrCat("cannot rename ", Join(dir_, from), ": ", error.message()));
    }
    return absl::OkStatus();
  }

  const std::string dir_;
  const SecretBytes& passphrase_;
  RandomSource* const random_;
  const KeyFileOptions& key_files_;
  const std::string& crl_url_;
};

void AddCertificateEntry(const Certificate& cert, v1::DirectoryParticipant* p) {
  v1::DirectoryCertificate* entry = p->add_tls_certificates();
  entry->set_sha256(cert.fingerprint());
  entry->set_not_before_ms(Ms(cert.not_before()));
  entry->set_not_after_ms(Ms(cert.not_after()));
}

// Ends every interval that runs past `end` at `end` (the overlap of a rotation).
template <typename Entries>
void EndBy(int64_t end_ms, Entries* entries) {
  for (auto& entry : *entries) {
    if (entry.not_after_ms() > end_ms)
      entry.set_not_after_ms(std::max(end_ms, entry.not_before_ms() + 1));
  }
}

}  // namespace

Workspace::Workspace(std::string dir, Env env, KeyFileOptions key_files, int lock_fd)
    : dir_(std::move(dir)), env_(env), key_files_(key_files), lock_fd_(lock_fd) {}

Workspace::~Workspace() {
  if (lock_fd_ >= 0) close(lock_fd_);  // releases the flock
}

namespace {

absl::StatusOr<int> LockWorkspace(const std::string& dir) {
  const std::string path = Join(dir, ".lock");
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    close(fd);
    if (err == EWOULDBLOCK) {
      return absl::FailedPreconditionError(absl::StrCat(
          "another enlace-admin is working on the workspace ", dir, "; wait for it to finish"));
    }
    return absl::InternalError(absl::StrCat("cannot lock ", path, ": ", std::strerror(err)));
  }
  return fd;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Workspace>> Workspace::Init(absl::string_view dir_view,
                                                           const NetworkOptions& options,
                                                           const SecretBytes& passphrase, Env env,
                                                           const KeyFileOptions& key_files) {
  const std::string dir(dir_view);
  RETURN_IF_ERROR(CheckNetworkName(options.network_name));
  RETURN_IF_ERROR(ValidateParticipantRules(options.rules));
  RETURN_IF_ERROR(CheckPassphrase("workspace passphrase", passphrase));
  RETURN_IF_ERROR(CheckValidity("the root's validity", options.root_validity));
  RETURN_IF_ERROR(CheckValidity("the directory signer's validity", options.signer_validity));
  if (!options.crl_url.empty()) RETURN_IF_ERROR(CheckCrlUrl(options.crl_url));
  std::error_code error;
  if (fs::exists(dir, error) && !fs::is_empty(dir, error)) {
    return absl::AlreadyExistsError(absl::StrCat(
        dir, " is not empty: init-network creates a new workspace in an empty directory"));
  }
  for (const char* sub : {"", "/ca", "/issued", "/bundles", "/directory", "/crl"}) {
    RETURN_IF_ERROR(MakeDirectories(absl::StrCat(dir, sub), 0700));
  }
  ASSIGN_OR_RETURN(int lock_fd, LockWorkspace(dir));
  std::unique_ptr<Workspace> ws(new Workspace(dir, env, key_files, lock_fd));
  ws->crl_url_ = options.crl_url;
  RETURN_IF_ERROR(ws->SaveCrlState());

  const absl::Time now = ws->Now();
  ASSIGN_OR_RETURN(CertificateAuthority ca,
                   CertificateAuthority::Create(options.network_name, now - kClockSkewAllowance,
                                                now + options.root_validity, env.random));
  RETURN_IF_ERROR(WriteFileAtomically(Join(dir, kRootCert), ca.root().Pem()));
  RETURN_IF_ERROR(
      WriteEcdsaP256KeyFile(Join(dir, kRootKey), ca.key(), passphrase, env.random, key_files));

  ASSIGN_OR_RETURN(Ed25519PrivateKey signer, Ed25519PrivateKey::Generate(env.random));
  const auto [not_before, not_after] = NewInterval(now, options.signer_validity, ca.root());
  CertificateProfile signer_profile = DirectorySignerProfile(not_before, not_after);
  signer_profile.crl_url = options.crl_url;
  ASSIGN_OR_RETURN(Certificate signer_cert,
                   ca.Issue(signer_profile, signer.public_key().SpkiDer(), env.random));
  RETURN_IF_ERROR(WriteFileAtomically(Join(dir, kSignerCert), signer_cert.Pem()));
  RETURN_IF_ERROR(WriteEncryptedPrivateKeyFile(Join(dir, kSignerKey), signer, passphrase,
                                               env.random, key_files));

  ws->registry_.set_version(0);
  ws->registry_.set_network_name(options.network_name);
  for (const std::string& country : options.rules.countries) ws->registry_.add_countries(country);
  ws->rules_ = options.rules;
  RETURN_IF_ERROR(ws->SaveRegistry());
  return ws;
}

absl::StatusOr<std::unique_ptr<Workspace>> Workspace::Open(absl::string_view dir_view, Env env,
                                                           const KeyFileOptions& key_files) {
  const std::string dir(dir_view);
  std::error_code error;
  if (!fs::exists(Join(dir, kRegistryFile), error)) {
    return absl::NotFoundError(absl::StrCat(dir, " is not an enlace-admin workspace (no ",
                                            kRegistryFile,
                                            "); create one with init-network or pass --workspace"));
  }
  ASSIGN_OR_RETURN(int lock_fd, LockWorkspace(dir));
  std::unique_ptr<Workspace> ws(new Workspace(dir, env, key_files, lock_fd));
  RETURN_IF_ERROR(ws->LoadRegistry());
  RETURN_IF_ERROR(ws->LoadCrlState());
  return ws;
}

absl::Status Workspace::LoadRegistry() {
  const std::string path = Join(dir_, kRegistryFile);
  ASSIGN_OR_RETURN(std::string text, ReadFile(path, kMaxRegistrySize));
  google::protobuf::util::JsonParseOptions options;
  if (auto status = google::protobuf::util::JsonStringToMessage(text, &registry_, options);
      !status.ok()) {
    return absl::DataLossError(absl::StrCat(path, " is damaged: ", status.ToString()));
  }
  rules_.countries.assign(registry_.countries().begin(), registry_.countries().end());
  if (absl::Status s = ValidateParticipantRules(rules_); !s.ok()) {
    return absl::DataLossError(absl::StrCat(path, ": ", s.message()));
  }
  return absl::OkStatus();
}

absl::Status Workspace::SaveRegistry() {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  std::string text;
  if (auto status = google::protobuf::util::MessageToJsonString(registry_, &text, options);
      !status.ok()) {
    return absl::InternalError(absl::StrCat("cannot write the registry: ", status.ToString()));
  }
  return WriteFileAtomically(Join(dir_, kRegistryFile), text, 0600);
}

// ca/crl.json: {"distribution_point": "http://..." or "", "last_number": N}. Workspaces made
// before CRLs existed have none: no distribution point, no CRL issued yet.
absl::Status Workspace::LoadCrlState() {
  const std::string path = Join(dir_, kCrlState);
  std::error_code error;
  if (!fs::exists(path, error)) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::string text, ReadFile(path, kMaxCrlStateSize));
  const nlohmann::json state = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  const bool ok = state.is_object() && state.contains("distribution_point") &&
                  state["distribution_point"].is_string() && state.contains("last_number") &&
                  state["last_number"].is_number_unsigned();
  if (!ok) {
    return absl::DataLossError(absl::StrCat(
        path, " is damaged: expected {\"distribution_point\": string, \"last_number\": n}"));
  }
  crl_url_ = state["distribution_point"].get<std::string>();
  last_crl_number_ = state["last_number"].get<uint64_t>();
  if (!crl_url_.empty()) {
    if (absl::Status s = CheckCrlUrl(crl_url_); !s.ok()) {
      return absl::DataLossError(absl::StrCat(path, ": ", s.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status Workspace::SaveCrlState() const {
  const nlohmann::json state = {{"distribution_point", crl_url_},
                                {"last_number", last_crl_number_}};
  return WriteFileAtomically(Join(dir_, kCrlState), state.dump(2) + "\n", 0600);
}

std::string Workspace::RootCertificatePath() const { return Join(dir_, kRootCert); }
std::string Workspace::BundlePath(const ParticipantId& id) const {
  return Join(dir_, absl::StrCat("bundles/", id.FileName()));
}
std::string Workspace::CurrentDirectoryPath() const { return Join(dir_, "directory/current.pb"); }

absl::StatusOr<v1::DirectoryParticipant*> Workspace::FindParticipant(const ParticipantId& id) {
  for (v1::DirectoryParticipant& p : *registry_.mutable_participants()) {
    if (p.id() == id.str()) return &p;
  }
  return absl::NotFoundError(absl::StrCat(id.str(), " is not enrolled in this workspace"));
}

bool Workspace::IsRevoked(const std::string& participant_id) const {
  return std::any_of(registry_.revocations().begin(), registry_.revocations().end(),
                     [&](const v1::Revocation& r) { return r.participant_id() == participant_id; });
}

absl::StatusOr<BundleResult> Workspace::Enrol(const ParticipantId& id, const EnrolOptions& options,
                                              const SecretBytes& ca_passphrase,
                                              const SecretBytes& bundle_passphrase) {
  if (FindParticipant(id).ok()) {
    return absl::AlreadyExistsError(
        absl::StrCat(id.str(), " is already enrolled",
                     IsRevoked(id.str()) ? " (and revoked: a revoked id cannot come back)" : "",
                     "; use rotate for new keys"));
  }
  RETURN_IF_ERROR(CheckPassphrase("bundle passphrase", bundle_passphrase));
  RETURN_IF_ERROR(CheckValidity("the TLS certificate's validity", options.tls_validity));
  RETURN_IF_ERROR(CheckValidity("the keys' validity", options.key_validity));
  RETURN_IF_ERROR(
      CheckText("the Spanish display name", options.display_name_es, kMaxDisplayNameSize));
  RETURN_IF_ERROR(
      CheckText("the English display name", options.display_name_en, kMaxDisplayNameSize));
  const std::string bundle = BundlePath(id);
  std::error_code error;
  if (fs::exists(bundle, error)) {
    return absl::AlreadyExistsError(
        absl::StrCat(bundle, " exists but ", id.str(), " is not in the registry: move it away"));
  }
  ASSIGN_OR_RETURN(CertificateAuthority ca, LoadCa(dir_, ca_passphrase));

  // Everything is written to a partial directory first, renamed into place once complete.
  const std::string partial = bundle + ".partial";
  fs::remove_all(partial, error);
  RETURN_IF_ERROR(MakeDirectories(partial, 0700));
  const absl::Time now = Now();
  BundleWriter writer(partial, bundle_passphrase, env_.random, key_files_, crl_url_);
  RETURN_IF_ERROR(WriteFileAtomically(Join(partial, "root.pem"), ca.root().Pem()));
  ASSIGN_OR_RETURN(Certificate cert,
                   writer.IssueTls(ca, id, options.dns_names, now, options.tls_validity));

  v1::DirectoryParticipant entry;
  entry.set_id(id.str());
  entry.set_role(RoleToProto(id.role()));
  entry.set_status(v1::PARTICIPANT_STATUS_ACTIVE);
  const auto [default_es, default_en] = DefaultDisplayNames(id);
  entry.set_display_name_es(options.display_name_es.empty() ? default_es : options.display_name_es);
  entry.set_display_name_en(options.display_name_en.empty() ? default_en : options.display_name_en);
  AddCertificateEntry(cert, &entry);

  BundleResult result;
  result.tls_certificate_sha256 = cert.fingerprint();
  ASSIGN_OR_RETURN(*entry.add_signing_keys(), writer.NewKey<Ed25519PrivateKey>(
                                                  "signing", now, options.key_validity, ca.root()));
  result.signing_key_id = entry.signing_keys(0).key_id();
  if (HasEncryptionKey(id.role())) {
    ASSIGN_OR_RETURN(
        *entry.add_encryption_keys(),
        writer.NewKey<X25519PrivateKey>("encryption", now, options.key_validity, ca.root()));
    result.encryption_key_id = entry.encryption_keys(0).key_id();
  }
  RETURN_IF_ERROR(WriteManifest(partial, registry_.network_name(), entry, cert.fingerprint()));
  fs::rename(partial, bundle, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot move ", partial, " to ", bundle, ": ", error.message()));
  }
  RETURN_IF_ERROR(WriteFileAtomically(
      Join(dir_, absl::StrCat("issued/", id.FileName(), "-",
                              HexEncode(cert.fingerprint()).substr(0, 16), ".pem")),
      cert.Pem()));
  *registry_.add_participants() = std::move(entry);
  if (absl::Status s = SaveRegistry(); !s.ok()) {
    fs::remove_all(bundle, error);  // not enrolled after all: leave nothing that says otherwise
    return s;
  }
  result.bundle_directory = bundle;
  return result;
}

absl::StatusOr<BundleResult> Workspace::Rotate(const ParticipantId& id,
                                               const RotateOptions& options,
                                               const SecretBytes& ca_passphrase,
                                               const SecretBytes& bundle_passphrase) {
  ASSIGN_OR_RETURN(v1::DirectoryParticipant * p, FindParticipant(id));
  if (IsRevoked(id.str())) {
    return absl::FailedPreconditionError(absl::StrCat(id.str(), " is revoked; nothing to rotate"));
  }
  RETURN_IF_ERROR(CheckPassphrase("bundle passphrase", bundle_passphrase));
  RETURN_IF_ERROR(CheckValidity("the keys' validity", options.key_validity));
  RETURN_IF_ERROR(CheckValidity("the TLS certificate's validity", options.tls_validity));
  if (options.overlap < absl::ZeroDuration() || options.overlap > options.key_validity) {
    return absl::InvalidArgumentError("the overlap must be between 0 and the keys' validity");
  }
  if (!options.tls && !options.dns_names.empty()) {
    return absl::InvalidArgumentError("DNS names only apply with a new TLS certificate (--tls)");
  }
  const std::string bundle = BundlePath(id);
  absl::StatusOr<Certificate> current_cert = ReadCertificate(Join(bundle, "tls.pem"));
  if (!current_cert.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the bundle of ", id.str(), " is incomplete (", current_cert.status().message(),
        "); restore ", bundle, " from a backup before rotating"));
  }
  ASSIGN_OR_RETURN(CertificateAuthority ca, LoadCa(dir_, ca_passphrase));
  const absl::Time now = Now();
  v1::DirectoryParticipant updated = *p;
  const int64_t overlap_end = Ms(now + options.overlap);
  EndBy(overlap_end, updated.mutable_signing_keys());
  EndBy(overlap_end, updated.mutable_encryption_keys());

  // Drop what ended long ago (and its revocations), so the directory stays bounded.
  const int64_t horizon = Ms(now - kPruneAfter);
  std::vector<Bytes> pruned;
  auto prune = [&](auto* entries, auto id_of) {
    for (int i = entries->size() - 1; i >= 0; --i) {
      if (entries->Get(i).not_after_ms() < horizon) {
        pruned.push_back(id_of(entries->Get(i)));
        entries->DeleteSubrange(i, 1);
      }
    }
  };
  prune(updated.mutable_signing_keys(), [](const v1::DirectoryKey& k) { return k.key_id(); });
  prune(updated.mutable_encryption_keys(), [](const v1::DirectoryKey& k) { return k.key_id(); });
  prune(updated.mutable_tls_certificates(),
        [](const v1::DirectoryCertificate& c) { return c.sha256(); });

  BundleWriter writer(bundle, bundle_passphrase, env_.random, key_files_, crl_url_);
  BundleResult result;
  result.tls_certificate_sha256 = current_cert->fingerprint();
  if (options.tls) {
    EndBy(overlap_end, updated.mutable_tls_certificates());
    ASSIGN_OR_RETURN(Certificate cert,
                     writer.IssueTls(ca, id, options.dns_names, now, options.tls_validity));
    AddCertificateEntry(cert, &updated);
    result.tls_certificate_sha256 = cert.fingerprint();
    RETURN_IF_ERROR(WriteFileAtomically(
        Join(dir_, absl::StrCat("issued/", id.FileName(), "-",
                                HexEncode(cert.fingerprint()).substr(0, 16), ".pem")),
        cert.Pem()));
  }
  ASSIGN_OR_RETURN(
      *updated.add_signing_keys(),
      writer.NewKey<Ed25519PrivateKey>("signing", now, options.key_validity, ca.root()));
  result.signing_key_id = updated.signing_keys(updated.signing_keys_size() - 1).key_id();
  if (HasEncryptionKey(id.role())) {
    ASSIGN_OR_RETURN(
        *updated.add_encryption_keys(),
        writer.NewKey<X25519PrivateKey>("encryption", now, options.key_validity, ca.root()));
    result.encryption_key_id = updated.encryption_keys(updated.encryption_keys_size() - 1).key_id();
  }
  if (updated.signing_keys_size() > kMaxKeysPerParticipant ||
      updated.encryption_keys_size() > kMaxKeysPerParticipant ||
      updated.tls_certificates_size() > kMaxKeysPerParticipant) {
    return absl::FailedPreconditionError(
        absl::StrCat(id.str(), " would hold more than ", kMaxKeysPerParticipant,
                     " keys of one kind; old ones leave the directory ",
                     absl::ToInt64Hours(kPruneAfter) / 24, " days after they end"));
  }
  RETURN_IF_ERROR(
      WriteManifest(bundle, registry_.network_name(), updated, result.tls_certificate_sha256));

  auto* revocations = registry_.mutable_revocations();
  for (int i = revocations->size() - 1; i >= 0; --i) {
    const v1::Revocation& r = revocations->Get(i);
    const Bytes& target = r.has_key_id() ? r.key_id() : r.certificate_sha256();
    if (std::find(pruned.begin(), pruned.end(), target) != pruned.end()) {
      revocations->DeleteSubrange(i, 1);
    }
  }
  *p = std::move(updated);
  RETURN_IF_ERROR(SaveRegistry());
  result.bundle_directory = bundle;
  return result;
}

absl::StatusOr<v1::Revocation> Workspace::Revoke(absl::string_view target, absl::string_view reason,
                                                 absl::optional<absl::Time> at) {
  if (reason.empty()) return absl::InvalidArgumentError("a revocation needs a reason");
  RETURN_IF_ERROR(CheckText("the reason", reason, kMaxReasonSize));
  const absl::Time now = Now();
  const absl::Time when = at.value_or(now);
  if (when > now) {
    return absl::InvalidArgumentError(
        absl::StrCat("the revocation time ", FormatUtc(when),
                     " is in the future; revoke when it happens, or rotate to end keys on a date"));
  }
  v1::Revocation revocation;
  revocation.set_revoked_at_ms(Ms(when));
  revocation.set_reason(std::string(reason));
  absl::StatusOr<ParticipantId> id = ParticipantId::Parse(target, rules_);
  absl::StatusOr<Bytes> raw = HexDecode(target);
  if (id.ok()) {
    RETURN_IF_ERROR(FindParticipant(*id).status());
    if (IsRevoked(id->str())) {
      return absl::AlreadyExistsError(absl::StrCat(id->str(), " is already revoked"));
    }
    revocation.set_participant_id(id->str());
  } else if (raw.ok() && (raw->size() == kKeyIdSize || raw->size() == kSha256Size)) {
    const bool is_key = raw->size() == kKeyIdSize;
    auto matches = [&](const auto& entries, auto id_of) {
      return std::any_of(entries.begin(), entries.end(),
                         [&](const auto& entry) { return id_of(entry) == *raw; });
    };
    auto key_id = [](const v1::DirectoryKey& key) { return key.key_id(); };
    auto sha256 = [](const v1::DirectoryCertificate& cert) { return cert.sha256(); };
    bool listed = false;
    for (const v1::DirectoryParticipant& p : registry_.participants()) {
      listed = listed ||
               (is_key ? matches(p.signing_keys(), key_id) || matches(p.encryption_keys(), key_id)
                       : matches(p.tls_certificates(), sha256));
    }
    if (!listed) {
      return absl::NotFoundError(absl::StrCat("no ", is_key ? "key" : "certificate", " ",
                                              HexEncode(*raw), " in the registry"));
    }
    for (const v1::Revocation& r : registry_.revocations()) {
      if ((is_key ? r.key_id() : r.certificate_sha256()) == *raw) {
        return absl::AlreadyExistsError(absl::StrCat(HexEncode(*raw), " is already revoked"));
      }
    }
    if (is_key) {
      revocation.set_key_id(*raw);
    } else {
      revocation.set_certificate_sha256(*raw);
    }
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", absl::CHexEscape(target.substr(0, 80)), "\" is neither a participant id (",
        id.status().message(),
        ") nor a key id (32 hex digits) nor a certificate fingerprint (64 hex digits)"));
  }
  *registry_.add_revocations() = revocation;
  RETURN_IF_ERROR(SaveRegistry());
  return revocation;
}

absl::Status Workspace::Suspend(const ParticipantId& id) {
  ASSIGN_OR_RETURN(v1::DirectoryParticipant * p, FindParticipant(id));
  if (IsRevoked(id.str())) return absl::FailedPreconditionError(id.str() + " is revoked");
  if (p->status() == v1::PARTICIPANT_STATUS_SUSPENDED) {
    return absl::FailedPreconditionError(id.str() + " is already suspended");
  }
  p->set_status(v1::PARTICIPANT_STATUS_SUSPENDED);
  return SaveRegistry();
}

absl::Status Workspace::Resume(const ParticipantId& id) {
  ASSIGN_OR_RETURN(v1::DirectoryParticipant * p, FindParticipant(id));
  if (IsRevoked(id.str())) return absl::FailedPreconditionError(id.str() + " is revoked");
  if (p->status() == v1::PARTICIPANT_STATUS_ACTIVE) {
    return absl::FailedPreconditionError(id.str() + " is not suspended");
  }
  p->set_status(v1::PARTICIPANT_STATUS_ACTIVE);
  return SaveRegistry();
}

absl::StatusOr<CrlResult> Workspace::IssueCrl(const SecretBytes& ca_passphrase,
                                              absl::Duration validity) {
  RETURN_IF_ERROR(CheckValidity("the CRL's validity", validity));
  // Certificate fingerprint -> when it was revoked (the earliest, if revoked twice over).
  std::map<Bytes, absl::Time> revoked;
  auto add = [&revoked](const Bytes& sha256, int64_t at_ms) {
    const absl::Time at = absl::FromUnixMillis(at_ms);
    auto [it, inserted] = revoked.emplace(sha256, at);
    if (!inserted) it->second = std::min(it->second, at);
  };
  // The participant holding each certificate, for its file under issued/.
  std::map<Bytes, std::string> holder;
  for (const v1::DirectoryParticipant& p : registry_.participants()) {
    for (const v1::DirectoryCertificate& c : p.tls_certificates()) holder[c.sha256()] = p.id();
  }
  for (const v1::Revocation& r : registry_.revocations()) {
    if (r.has_certificate_sha256()) add(r.certificate_sha256(), r.revoked_at_ms());
    if (!r.has_participant_id()) continue;
    ASSIGN_OR_RETURN(ParticipantId id, ParticipantId::Parse(r.participant_id(), rules_));
    ASSIGN_OR_RETURN(v1::DirectoryParticipant * p, FindParticipant(id));
    for (const v1::DirectoryCertificate& c : p->tls_certificates()) {
      add(c.sha256(), r.revoked_at_ms());
    }
  }
  std::vector<RevokedCertificate> entries;
  for (const auto& [sha256, at] : revoked) {
    auto it = holder.find(sha256);
    if (it == holder.end()) {
      return absl::DataLossError(absl::StrCat("the registry revokes certificate ",
                                              HexEncode(sha256), ", which no participant holds"));
    }
    ASSIGN_OR_RETURN(ParticipantId id, ParticipantId::Parse(it->second, rules_));
    const std::string file = Join(
        dir_, absl::StrCat("issued/", id.FileName(), "-", HexEncode(sha256).substr(0, 16), ".pem"));
    ASSIGN_OR_RETURN(Certificate cert, ReadCertificate(file));
    if (cert.fingerprint() != sha256) {
      return absl::DataLossError(absl::StrCat(file, " is not the certificate ", HexEncode(sha256),
                                              " the registry names: restore it from a backup"));
    }
    entries.push_back({cert.serial(), at});
  }
  ASSIGN_OR_RETURN(CertificateAuthority ca, LoadCa(dir_, ca_passphrase));
  const absl::Time now = Now();
  CrlResult result;
  result.next_update = std::min(now + validity, ca.root().not_after());
  ASSIGN_OR_RETURN(CertificateRevocationList crl,
                   ca.IssueCrl(entries, last_crl_number_ + 1, now, result.next_update));
  // What outside tools will do with it, done here first.
  RETURN_IF_ERROR(VerifyCrl(crl, ca.root(), now));

  // The number is taken before anything is written, as a directory version is (PublishDirectory).
  ++last_crl_number_;
  RETURN_IF_ERROR(SaveCrlState());
  RETURN_IF_ERROR(MakeDirectories(Join(dir_, "crl"), 0700));
  result.number = crl.number();
  result.revoked_count = entries.size();
  result.path = Join(dir_, absl::StrFormat("crl/crl-%06d.der", result.number));
  result.current_path = Join(dir_, "crl/current.crl");
  RETURN_IF_ERROR(WriteFileAtomically(result.path, crl.der()));
  RETURN_IF_ERROR(WriteFileAtomically(result.current_path, crl.der()));
  return result;
}

absl::StatusOr<PublishResult> Workspace::PublishDirectory(const SecretBytes& passphrase) {
  ASSIGN_OR_RETURN(Certificate root, ReadCertificate(Join(dir_, kRootCert)));
  ASSIGN_OR_RETURN(Certificate signer_cert, ReadCertificate(Join(dir_, kSignerCert)));
  ASSIGN_OR_RETURN(Ed25519PrivateKey signer, ReadEncryptedPrivateKeyFile<Ed25519PrivateKey>(
                                                 Join(dir_, kSignerKey), passphrase));
  const absl::Time now = Now();
  v1::Directory directory = registry_;
  directory.set_version(registry_.version() + 1);
  directory.set_issued_at_ms(Ms(now));
  PublishResult result;
  ASSIGN_OR_RETURN(result.signed_directory, SignDirectory(directory, signer, signer_cert));
  const std::string bytes = result.signed_directory.SerializeAsString();
  // What nodes will do with it, done here first: a directory they would refuse is not written.
  RETURN_IF_ERROR(VerifySignedDirectory(bytes, root, now).status());

  // The version is taken before anything is written: a failure below skips a version number
  // (harmless) rather than ever signing two different directories with the same one.
  registry_.set_version(directory.version());
  RETURN_IF_ERROR(SaveRegistry());
  result.version = directory.version();
  result.path = Join(dir_, absl::StrFormat("directory/directory-%06d.pb", result.version));
  result.current_path = CurrentDirectoryPath();
  RETURN_IF_ERROR(WriteFileAtomically(result.path, bytes));
  RETURN_IF_ERROR(WriteFileAtomically(result.current_path, bytes));
  return result;
}

}  // namespace enlace
