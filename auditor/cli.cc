#include "auditor/cli.h"

#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "auditor/fetch.h"
#include "auditor/report.h"
#include "auditor/verify.h"
#include "base/bytes.h"
#include "base/files.h"
#include "base/status_macros.h"
#include "base/time.h"
#include "crypto/key_files.h"
#include "identity/directory.h"
#include "identity/x509.h"
#include "net/tls.h"
#include "nlohmann/json.hpp"

namespace enlace::auditor {
namespace {

constexpr char kPassphraseVariable[] = "ENLACE_KEY_PASSPHRASE";

int CannotRun(const absl::Status& status, std::ostream& err) {
  err << "enlace-audit: " << status.message() << "\n";
  return kAuditCannotRun;
}

// --log-key: 64 hex digits (the raw key) or a PEM public key file.
absl::StatusOr<std::optional<Ed25519PublicKey>> ParseLogKey(const std::string& text) {
  if (text.empty()) return std::nullopt;
  if (text.size() == 2 * kEd25519PublicKeySize) {
    absl::StatusOr<Bytes> raw = HexDecode(text);
    if (raw.ok()) return Ed25519PublicKey::FromRaw(*raw);
  }
  absl::StatusOr<std::string> pem = ReadFile(text, 64 * 1024);
  if (!pem.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--log-key must be the key as 64 hex digits or a PEM public key file: ",
                     pem.status().message()));
  }
  absl::StatusOr<Ed25519PublicKey> key = ParsePublicKeyPem<Ed25519PublicKey>(*pem);
  if (!key.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(text, ": ", key.status().message()));
  }
  return *std::move(key);
}

// --directory FILE --root-cert ROOT: the network's signed directory, to check acknowledgements.
struct DirectoryFlags {
  std::string file;
  std::string root_cert;

  void AddTo(CLI::App* command) {
    CLI::Option* directory = command->add_option(
        "--directory", file,
        "Also check every acknowledgement's signature against this signed directory (a "
        "SignedDirectory file as the operator publishes it, e.g. enlace-admin's "
        "directory/current.pb); needs --root-cert");
    CLI::Option* root = command->add_option(
        "--root-cert", root_cert, "The network's root certificate (PEM), to verify --directory");
    directory->check(CLI::ExistingFile)->needs(root);
    root->check(CLI::ExistingFile)->needs(directory);
  }
};

// The directory of --directory, verified against --root-cert now; nullopt without the flags.
absl::StatusOr<std::optional<Directory>> LoadDirectory(const DirectoryFlags& flags) {
  if (flags.file.empty()) return std::nullopt;
  ASSIGN_OR_RETURN(std::string root_pem, ReadFile(flags.root_cert, 1 << 20));
  absl::StatusOr<Certificate> root = Certificate::FromPem(root_pem);
  if (!root.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--root-cert ", flags.root_cert, ": ", root.status().message()));
  }
  ASSIGN_OR_RETURN(std::string signed_directory, ReadFile(flags.file, kMaxSignedDirectorySize));
  absl::StatusOr<Directory> directory = VerifySignedDirectory(signed_directory, *root, absl::Now());
  if (!directory.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--directory ", flags.file,
                     " is not a directory signed for this root: ", directory.status().message()));
  }
  return *std::move(directory);
}

nlohmann::ordered_json DivergenceJson(const Divergence& d) {
  nlohmann::ordered_json out = {
      {"where", d.where}, {"what", d.what}, {"expected", d.expected}, {"found", d.found}};
  if (d.entry_index.has_value()) out["entry_index"] = *d.entry_index;
  return out;
}

struct FetchFlags {
  std::string hub;
  std::string root_cert;
  std::string cert;
  std::string key;
  std::string passphrase_file;
  std::string log_key;
  bool trust_hub_key = false;
  uint32_t page_size = 1000;
  std::string dir;
};

int RunFetch(const FetchFlags& flags, std::ostream& out, std::ostream& err) {
  TlsFiles files;
  files.root_certificate_path = flags.root_cert;
  files.certificate_path = flags.cert;
  files.private_key_path = flags.key;
  if (!flags.passphrase_file.empty()) {
    absl::Status private_file = CheckPrivateFile(flags.passphrase_file);
    if (!private_file.ok()) return CannotRun(private_file, err);
    absl::StatusOr<std::string> passphrase = ReadFile(flags.passphrase_file, 4096);
    if (!passphrase.ok()) return CannotRun(passphrase.status(), err);
    while (!passphrase->empty() && (passphrase->back() == '\n' || passphrase->back() == '\r')) {
      passphrase->pop_back();
    }
    files.passphrase = SecretBytes(*passphrase);
  } else if (const char* value = std::getenv(kPassphraseVariable); value != nullptr) {
    files.passphrase = SecretBytes(absl::string_view(value));
  }
  absl::StatusOr<TlsMaterial> material = LoadTlsMaterial(files, absl::Now());
  if (!material.ok()) return CannotRun(material.status(), err);
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      MakeChannelCredentials(*material, absl::Now());
  if (!credentials.ok()) return CannotRun(credentials.status(), err);
  absl::StatusOr<std::optional<Ed25519PublicKey>> log_key = ParseLogKey(flags.log_key);
  if (!log_key.ok()) return CannotRun(log_key.status(), err);

  FetchOptions options;
  options.log_key = *log_key;
  options.trust_on_first_use = flags.trust_hub_key;
  options.page_size = flags.page_size;
  std::unique_ptr<v1::AuditLog::Stub> stub = v1::AuditLog::NewStub(
      grpc::CreateCustomChannel(flags.hub, *credentials, HubChannelArguments()));
  absl::StatusOr<FetchResult> result = Fetch(stub.get(), flags.dir, options);
  if (!result.ok()) {
    err << "enlace-audit fetch: " << result.status().message() << "\n";
    return absl::IsDataLoss(result.status()) ? kAuditVerificationFailed : kAuditCannotRun;
  }
  if (result->pinned_key) {
    out << "pinned log key " << HexEncode(result->log_id)
        << (options.log_key.has_value() ? " (as given)"
                                        : " (trusted on first use: compare it with the "
                                          "id the operator published)")
        << "\n";
  }
  if (result->dropped_tail > 0) {
    out << "dropped " << result->dropped_tail
        << " unverified entries left by an interrupted fetch\n";
  }
  out << (result->new_head ? "saved" : "already had") << " tree head of size "
      << result->head.tree_size << " (signed "
      << FormatUtc(absl::FromUnixMillis(result->head.timestamp_ms)) << ", root "
      << HexEncode(auditlog::HashView(result->head.root_hash)) << "); " << result->entries_fetched
      << " entries fetched, " << result->entries_before + result->entries_fetched << " in "
      << flags.dir << "\n";
  return kAuditOk;
}

int RunVerify(const std::string& dir, const std::string& log_key_text,
              const DirectoryFlags& directory_flags, bool json, std::ostream& out,
              std::ostream& err) {
  absl::StatusOr<std::optional<Ed25519PublicKey>> log_key = ParseLogKey(log_key_text);
  if (!log_key.ok()) return CannotRun(log_key.status(), err);
  absl::StatusOr<std::optional<Directory>> directory = LoadDirectory(directory_flags);
  if (!directory.ok()) return CannotRun(directory.status(), err);
  absl::StatusOr<VerifyResult> result =
      VerifyExport(dir, *log_key, directory->has_value() ? &**directory : nullptr);
  if (!result.ok()) return CannotRun(result.status(), err);
  if (json) {
    nlohmann::ordered_json summary;
    summary["ok"] = result->ok();
    summary["entries"] = result->entries;
    summary["tree_heads"] = result->tree_heads;
    summary["covered_entries"] = result->covered_entries;
    if (result->log_key.has_value()) summary["log_id"] = HexEncode(result->log_key->KeyId());
    if (result->latest_head.has_value()) {
      summary["latest_tree_size"] = result->latest_head->tree_size;
    }
    if (result->divergence.has_value()) summary["divergence"] = DivergenceJson(*result->divergence);
    if (result->acks.has_value()) {
      const AckCheck& acks = *result->acks;
      summary["acknowledgements"] = {{"directory_version", (*directory)->version()},
                                     {"verified", acks.verified},
                                     {"key_not_listed", acks.key_not_listed},
                                     {"failed", acks.failed},
                                     {"failures", nlohmann::ordered_json::array()}};
      for (const Divergence& d : acks.failures) {
        summary["acknowledgements"]["failures"].push_back(DivergenceJson(d));
      }
    }
    out << summary.dump(2) << "\n";
  } else if (result->divergence.has_value()) {
    out << "FAILED: first divergence at " << result->divergence->ToString() << "\n"
        << "(before it, " << result->tree_heads << " tree heads and " << result->covered_entries
        << " entries they cover were verified)\n";
  } else if (result->uncovered_entries() > 0) {
    out << "INCOMPLETE: entries " << result->covered_entries << ".." << result->entries - 1
        << " are not covered by any saved tree head (an interrupted fetch?): run fetch "
           "again\n";
  } else if (!result->ok()) {
    out << "FAILED: " << result->acks->failed
        << " acknowledgements in the log do not hold (the log "
        << "itself verified: " << result->entries << " entries, " << result->tree_heads
        << " tree heads)";
    if (result->acks->failed > result->acks->failures.size()) {
      out << "; the first " << result->acks->failures.size() << ":";
    }
    out << "\n";
    for (const Divergence& d : result->acks->failures) out << d.ToString() << "\n";
  } else {
    out << "OK: " << result->entries << " entries and " << result->tree_heads
        << " tree heads of log " << HexEncode(result->log_key->KeyId()) << " verified";
    if (result->latest_head.has_value()) {
      out << " (latest: size " << result->latest_head->tree_size << ", signed "
          << FormatUtc(absl::FromUnixMillis(result->latest_head->timestamp_ms)) << ")";
    }
    out << "\n";
  }
  if (!json && result->acks.has_value()) {
    out << result->acks->Summary() << " (directory version " << (*directory)->version() << ")\n";
  }
  return result->ok() ? kAuditOk : kAuditVerificationFailed;
}

// `compare`: each head against the export; a fork is a finding, a head beyond the export or
// one that is not the log's cannot be judged.
int RunCompare(const std::string& dir, const std::vector<std::string>& heads, std::ostream& out,
               std::ostream& err) {
  int status = kAuditOk;
  for (const std::string& hex : heads) {
    absl::StatusOr<TreeHeadComparison> compared = CompareTreeHead(dir, hex);
    if (!compared.ok()) return CannotRun(compared.status(), err);
    const auditlog::TreeHead& head = compared->head;
    const std::string signed_at = FormatUtc(absl::FromUnixMillis(head.timestamp_ms));
    switch (compared->outcome) {
      case TreeHeadComparison::Outcome::kMatches:
        out << "OK: the head of size " << head.tree_size << " signed " << signed_at
            << " is the export's history (root " << HexEncode(auditlog::HashView(head.root_hash))
            << ")\n";
        break;
      case TreeHeadComparison::Outcome::kBeyondExport:
        out << "NOT CHECKED: the head of size " << head.tree_size << " signed " << signed_at
            << " is beyond the export (" << compared->export_size
            << " entries): fetch again, then compare\n";
        if (status == kAuditOk) status = kAuditCannotRun;
        break;
      case TreeHeadComparison::Outcome::kFork:
        out << "FORK: the hub signed two histories. The head of size " << head.tree_size
            << " signed " << signed_at << " has root "
            << HexEncode(auditlog::HashView(head.root_hash)) << ", but the export's first "
            << head.tree_size << " entries have root "
            << HexEncode(auditlog::HashView(compared->export_root))
            << ". Keep both (this head and the export): each is signed by the log key\n";
        status = kAuditVerificationFailed;
        break;
    }
  }
  return status;
}

struct ReportFlags {
  std::string dir;
  std::string from;
  std::string to;
  std::string as_of;
  std::string lang = "es";
  bool json = false;
  double immediate_hours = 24;
  double urgent_hours = 72;
  double routine_hours = 14 * 24;
  DirectoryFlags directory;
};

int RunReport(const ReportFlags& flags, std::ostream& out, std::ostream& err) {
  ReportOptions options;
  absl::StatusOr<absl::Time> from = ParseUtc(flags.from);
  if (!from.ok())
    return CannotRun(absl::InvalidArgumentError(absl::StrCat("--from: ", from.status().message())),
                     err);
  absl::StatusOr<absl::Time> to = ParseUtc(flags.to);
  if (!to.ok())
    return CannotRun(absl::InvalidArgumentError(absl::StrCat("--to: ", to.status().message())),
                     err);
  options.from = *from;
  options.to = *to;
  if (!flags.as_of.empty()) {
    absl::StatusOr<absl::Time> as_of = ParseUtc(flags.as_of);
    if (!as_of.ok())
      return CannotRun(
          absl::InvalidArgumentError(absl::StrCat("--as-of: ", as_of.status().message())), err);
    options.as_of = *as_of;
  }
  options.language = flags.lang == "en" ? domain::Language::kEnglish : domain::Language::kSpanish;
  options.ack_deadlines.immediate = absl::Hours(flags.immediate_hours);
  options.ack_deadlines.urgent = absl::Hours(flags.urgent_hours);
  options.ack_deadlines.routine = absl::Hours(flags.routine_hours);
  absl::StatusOr<std::optional<Directory>> directory = LoadDirectory(flags.directory);
  if (!directory.ok()) return CannotRun(directory.status(), err);
  if (directory->has_value()) options.directory = &**directory;
  absl::StatusOr<Report> report = BuildReport(flags.dir, options);
  if (!report.ok()) return CannotRun(report.status(), err);
  out << (flags.json ? ReportJson(*report).dump(2) + "\n" : ReportText(*report, options));
  return report->verified ? kAuditOk : kAuditVerificationFailed;
}

}  // namespace

int RunAuditCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "enlace-audit: fetch, verify and report on the enlace hub's audit log (metadata only: "
      "ids, parties, kinds, sizes, hashes and times; never content).\n"
      "Exit status: 0 everything holds, 1 a verification failed, 2 the tool could not run."};
  app.require_subcommand(1);

  FetchFlags fetch;
  CLI::App* fetch_cmd = app.add_subcommand(
      "fetch",
      "Fetch the log's entries and latest signed tree head into DIR (resumable). Before "
      "saving anything it checks that the hub's head extends the last one saved (consistency "
      "proof) and that the entries produce the head's root.");
  fetch_cmd->add_option("--hub", fetch.hub, "Hub address, e.g. hub.example.org:7443")->required();
  fetch_cmd->add_option("--root-cert", fetch.root_cert, "The network's root certificate (PEM)")
      ->required()
      ->check(CLI::ExistingFile);
  fetch_cmd->add_option("--cert", fetch.cert, "Your auditor certificate (PEM)")
      ->required()
      ->check(CLI::ExistingFile);
  fetch_cmd
      ->add_option("--key", fetch.key,
                   "Your private key: encrypted PKCS#8 PEM, or unencrypted with mode 0600")
      ->required()
      ->check(CLI::ExistingFile);
  fetch_cmd->add_option("--passphrase-file", fetch.passphrase_file,
                        std::string("File (mode 0600) holding the key's passphrase; else the "
                                    "environment variable ") +
                            kPassphraseVariable);
  fetch_cmd->add_option("--log-key", fetch.log_key,
                        "The log's public key as published by the operator: 64 hex digits or "
                        "a PEM public key file. Required for the first fetch into DIR unless "
                        "--trust-hub-key");
  fetch_cmd->add_flag("--trust-hub-key", fetch.trust_hub_key,
                      "First fetch only: pin the key the hub presents (trust on first use)");
  fetch_cmd->add_option("--page-size", fetch.page_size, "Entries per request (default 1000)")
      ->check(CLI::Range(1, 100000));
  fetch_cmd->add_option("DIR", fetch.dir, "Export directory (created if missing)")->required();

  std::string verify_dir;
  std::string verify_log_key;
  DirectoryFlags verify_directory;
  bool verify_json = false;
  CLI::App* verify_cmd = app.add_subcommand(
      "verify",
      "Verify DIR offline: every entry against its recorded hash, every tree head's signature, "
      "every head's root recomputed from the entries (so all heads are consistent). Prints the "
      "first divergence (where, expected, found). Exit 0 only when everything holds.");
  verify_cmd->add_option("--log-key", verify_log_key,
                         "Also require this log key (64 hex digits or a PEM file)");
  verify_directory.AddTo(verify_cmd);
  verify_cmd->add_flag("--json", verify_json, "Machine-readable output");
  verify_cmd->add_option("DIR", verify_dir, "Export directory")
      ->required()
      ->check(CLI::ExistingDirectory);

  std::string compare_dir;
  std::vector<std::string> compare_heads;
  CLI::App* compare_cmd = app.add_subcommand(
      "compare",
      "Compare signed tree heads that others were shown (a node's: `enlace audit` prints its "
      "latest as signed) with the export in DIR. Exit 1 if one is signed by the log key but "
      "disagrees with the export (a fork: the hub showed two histories), 2 if one cannot be "
      "judged (not the log's, or beyond the export: fetch first).");
  compare_cmd->add_option("DIR", compare_dir, "Export directory (verified first)")
      ->required()
      ->check(CLI::ExistingDirectory);
  compare_cmd
      ->add_option("--tree-head", compare_heads,
                   "A signed tree head in hex (repeatable), as `enlace audit` prints it")
      ->required();

  ReportFlags report;
  CLI::App* report_cmd = app.add_subcommand(
      "report",
      "Summarize the exchanges between --from and --to: messages per kind per country pair, "
      "delivery and acknowledgement times, items unacknowledged past their deadline. The "
      "export is verified first; the report says so.");
  report_cmd->add_option("DIR", report.dir, "Export directory")
      ->required()
      ->check(CLI::ExistingDirectory);
  report_cmd->add_option("--from", report.from, "Start (RFC 3339, e.g. 2026-01-01T00:00:00Z)")
      ->required();
  report_cmd->add_option("--to", report.to, "End, exclusive (RFC 3339)")->required();
  report_cmd->add_option("--as-of", report.as_of,
                         "When deadlines are judged (default: the latest tree head's time)");
  report_cmd->add_option("--lang", report.lang, "Language: es (default) or en")
      ->check(CLI::IsMember({"es", "en"}));
  report.directory.AddTo(report_cmd);
  report_cmd->add_flag("--json", report.json, "Machine-readable output (JSON)");
  report_cmd
      ->add_option("--deadline-immediate", report.immediate_hours,
                   "Hours to acknowledge an IMMEDIATE message (default 24)")
      ->check(CLI::PositiveNumber);
  report_cmd
      ->add_option("--deadline-urgent", report.urgent_hours,
                   "Hours to acknowledge an URGENT message (default 72)")
      ->check(CLI::PositiveNumber);
  report_cmd
      ->add_option("--deadline-routine", report.routine_hours,
                   "Hours to acknowledge a ROUTINE message (default 336)")
      ->check(CLI::PositiveNumber);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e, out, err);
    return code == 0 ? kAuditOk : kAuditCannotRun;
  }
  if (fetch_cmd->parsed()) return RunFetch(fetch, out, err);
  if (verify_cmd->parsed()) {
    return RunVerify(verify_dir, verify_log_key, verify_directory, verify_json, out, err);
  }
  if (compare_cmd->parsed()) return RunCompare(compare_dir, compare_heads, out, err);
  return RunReport(report, out, err);
}

}  // namespace enlace::auditor
