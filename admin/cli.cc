#include "admin/cli.h"

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "admin/hub_admin.h"
#include "admin/passphrase.h"
#include "admin/workspace.h"
#include "base/bytes.h"
#include "base/status_macros.h"
#include "base/time.h"
#include "nlohmann/json.hpp"

namespace enlace {
namespace {

constexpr char kWorkspacePassphraseEnv[] = "ENLACE_ADMIN_PASSPHRASE";
constexpr char kBundlePassphraseEnv[] = "ENLACE_BUNDLE_PASSPHRASE";

// Everything the command line sets, filled by CLI11 and read by the command that runs.
struct Flags {
  std::string workspace;
  bool json = false;
  std::string passphrase_file;
  std::string bundle_passphrase_file;
  // init-network
  std::string network_name = "CRM";
  std::string countries;
  int root_validity_days = 3650;
  int signer_validity_days = 730;
  std::string crl_url;
  // crl issue
  int crl_validity_days = 30;
  // enrol, rotate, revoke, suspend, resume
  std::string participant;
  std::string target;
  std::string name_es;
  std::string name_en;
  std::vector<std::string> dns_names;
  int tls_validity_days = 365;
  int key_validity_days = 365;
  int overlap_days = 14;
  bool rotate_tls = false;
  std::string reason;
  std::string at;
  // directory push, backup: calls to a running hub
  std::string hub;
  std::string bundle;
  std::string directory_file;
};

// What a command prints: `text` for people, `json` with --json.
struct Output {
  std::string text;
  nlohmann::json json;
};

absl::StatusOr<SecretBytes> WorkspacePassphrase(const Flags& flags, bool confirm) {
  return ReadPassphrase(
      {flags.passphrase_file, kWorkspacePassphraseEnv, "workspace passphrase", confirm});
}

absl::StatusOr<SecretBytes> BundlePassphrase(const Flags& flags) {
  return ReadPassphrase(
      {flags.bundle_passphrase_file, kBundlePassphraseEnv, "bundle passphrase", true});
}

absl::StatusOr<ParticipantId> ParseId(const Workspace& ws, const std::string& text) {
  return ParticipantId::Parse(text, ws.rules());
}

absl::Duration Days(int days) { return days * kAdminDay; }

Output DescribeBundle(const ParticipantId& id, const BundleResult& r, absl::string_view verb) {
  Output out;
  out.json = {{"participant_id", id.str()},
              {"bundle", r.bundle_directory},
              {"tls_certificate_sha256", HexEncode(r.tls_certificate_sha256)},
              {"signing_key_id", HexEncode(r.signing_key_id)},
              {"encryption_key_id", HexEncode(r.encryption_key_id)}};
  out.text = absl::StrCat(verb, " ", id.str(), "\n  bundle:              ", r.bundle_directory,
                          "\n  TLS certificate:     ", HexEncode(r.tls_certificate_sha256),
                          "\n  signing key id:      ", HexEncode(r.signing_key_id));
  if (!r.encryption_key_id.empty()) {
    absl::StrAppend(&out.text, "\n  encryption key id:   ", HexEncode(r.encryption_key_id));
  }
  absl::StrAppend(&out.text,
                  "\nRun `enlace-admin directory publish` to put the change in the directory.\n");
  return out;
}

absl::StatusOr<Output> InitNetwork(const Flags& flags) {
  NetworkOptions options;
  options.network_name = flags.network_name;
  if (!flags.countries.empty()) {
    options.rules.countries = absl::StrSplit(flags.countries, ',', absl::SkipWhitespace());
  }
  options.root_validity = Days(flags.root_validity_days);
  options.signer_validity = Days(flags.signer_validity_days);
  options.crl_url = flags.crl_url;
  ASSIGN_OR_RETURN(SecretBytes passphrase, WorkspacePassphrase(flags, /*confirm=*/true));
  ASSIGN_OR_RETURN(std::unique_ptr<Workspace> ws,
                   Workspace::Init(flags.workspace, options, passphrase, Env()));
  Output out;
  out.json = {{"workspace", ws->path()},
              {"network_name", options.network_name},
              {"root_certificate", ws->RootCertificatePath()},
              {"countries", options.rules.countries},
              {"crl_url", options.crl_url}};
  out.text = absl::StrCat(
      "Created the ", options.network_name, " network in ", ws->path(),
      "\n  root certificate: ", ws->RootCertificatePath(),
      "\n  CRL distribution point: ", options.crl_url.empty() ? "none" : options.crl_url,
      "\nKeep the workspace and its passphrase offline; next: enrol the hub.\n");
  return out;
}

absl::StatusOr<Output> Enrol(Workspace& ws, const Flags& flags) {
  ASSIGN_OR_RETURN(ParticipantId id, ParseId(ws, flags.participant));
  EnrolOptions options;
  options.display_name_es = flags.name_es;
  options.display_name_en = flags.name_en;
  options.dns_names = flags.dns_names;
  options.tls_validity = Days(flags.tls_validity_days);
  options.key_validity = Days(flags.key_validity_days);
  ASSIGN_OR_RETURN(SecretBytes ca_passphrase, WorkspacePassphrase(flags, false));
  ASSIGN_OR_RETURN(SecretBytes bundle_passphrase, BundlePassphrase(flags));
  ASSIGN_OR_RETURN(BundleResult result, ws.Enrol(id, options, ca_passphrase, bundle_passphrase));
  return DescribeBundle(id, result, "Enrolled");
}

absl::StatusOr<Output> Rotate(Workspace& ws, const Flags& flags) {
  ASSIGN_OR_RETURN(ParticipantId id, ParseId(ws, flags.participant));
  RotateOptions options;
  options.overlap = Days(flags.overlap_days);
  options.tls = flags.rotate_tls;
  options.dns_names = flags.dns_names;
  options.tls_validity = Days(flags.tls_validity_days);
  options.key_validity = Days(flags.key_validity_days);
  ASSIGN_OR_RETURN(SecretBytes ca_passphrase, WorkspacePassphrase(flags, false));
  ASSIGN_OR_RETURN(SecretBytes bundle_passphrase, BundlePassphrase(flags));
  ASSIGN_OR_RETURN(BundleResult result, ws.Rotate(id, options, ca_passphrase, bundle_passphrase));
  return DescribeBundle(id, result, "Rotated");
}

absl::StatusOr<Output> Revoke(Workspace& ws, const Flags& flags) {
  absl::optional<absl::Time> at;
  if (!flags.at.empty()) {
    absl::StatusOr<absl::Time> parsed = ParseUtc(flags.at);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--at: ", parsed.status().message(), " (e.g. 2027-03-01T08:00:00Z)"));
    }
    at = *parsed;
  }
  ASSIGN_OR_RETURN(v1::Revocation r, ws.Revoke(flags.target, flags.reason, at));
  const std::string target = r.has_participant_id() ? r.participant_id()
                             : r.has_key_id()       ? HexEncode(r.key_id())
                                                    : HexEncode(r.certificate_sha256());
  const std::string kind = r.has_participant_id() ? "participant"
                           : r.has_key_id()       ? "key"
                                                  : "certificate";
  const std::string when = FormatUtc(absl::FromUnixMillis(r.revoked_at_ms()));
  Output out;
  out.json = {{"kind", kind}, {"target", target}, {"revoked_at", when}, {"reason", r.reason()}};
  out.text = absl::StrCat("Revoked ", kind, " ", target, " from ", when,
                          "\nRun `enlace-admin directory publish` to publish the revocation (and "
                          "`enlace-admin crl issue` for a new CRL).\n");
  return out;
}

absl::StatusOr<Output> SetSuspended(Workspace& ws, const Flags& flags, bool suspend) {
  ASSIGN_OR_RETURN(ParticipantId id, ParseId(ws, flags.participant));
  RETURN_IF_ERROR(suspend ? ws.Suspend(id) : ws.Resume(id));
  Output out;
  out.json = {{"participant_id", id.str()}, {"status", suspend ? "suspended" : "active"}};
  out.text = absl::StrCat(suspend ? "Suspended " : "Resumed ", id.str(),
                          "\nRun `enlace-admin directory publish` to publish the change.\n");
  return out;
}

absl::StatusOr<Output> Publish(Workspace& ws, const Flags& flags) {
  ASSIGN_OR_RETURN(SecretBytes passphrase, WorkspacePassphrase(flags, false));
  ASSIGN_OR_RETURN(PublishResult result, ws.PublishDirectory(passphrase));
  Output out;
  out.json = {{"version", result.version},
              {"path", result.path},
              {"current", result.current_path},
              {"participants", ws.registry().participants_size()},
              {"revocations", ws.registry().revocations_size()}};
  out.text = absl::StrCat("Published directory version ", result.version, " (",
                          ws.registry().participants_size(), " participants, ",
                          ws.registry().revocations_size(), " revocations)\n  ", result.path,
                          "\n  ", result.current_path, "\n");
  return out;
}

absl::StatusOr<Output> IssueCrl(Workspace& ws, const Flags& flags) {
  ASSIGN_OR_RETURN(SecretBytes passphrase, WorkspacePassphrase(flags, false));
  ASSIGN_OR_RETURN(CrlResult result, ws.IssueCrl(passphrase, Days(flags.crl_validity_days)));
  const std::string next = FormatUtc(result.next_update);
  Output out;
  out.json = {{"number", result.number},
              {"revoked_certificates", result.revoked_count},
              {"next_update", next},
              {"path", result.path},
              {"current", result.current_path},
              {"distribution_point", ws.crl_url()}};
  out.text = absl::StrCat(
      "Issued CRL number ", result.number, " (", result.revoked_count,
      " revoked certificates), valid until ", next, "\n  ", result.path, "\n  ",
      result.current_path, "\n",
      ws.crl_url().empty()
          ? "The network has no CRL distribution point: hand the file to those who check it.\n"
          : absl::StrCat("Serve it (DER) at ", ws.crl_url(), " before ", next, ".\n"));
  return out;
}

absl::StatusOr<HubAdminConnection> HubConnection(const Flags& flags) {
  HubAdminConnection hub;
  hub.address = flags.hub;
  hub.bundle_dir = flags.bundle;
  ASSIGN_OR_RETURN(hub.passphrase, ReadPassphrase({flags.bundle_passphrase_file,
                                                   kBundlePassphraseEnv, "bundle passphrase",
                                                   /*confirm=*/false}));
  return hub;
}

absl::StatusOr<Output> Push(const Flags& flags) {
  ASSIGN_OR_RETURN(HubAdminConnection hub, HubConnection(flags));
  const std::string file = flags.directory_file.empty()
                               ? absl::StrCat(flags.workspace, "/directory/current.pb")
                               : flags.directory_file;
  ASSIGN_OR_RETURN(v1::PublishDirectoryResponse r, PushDirectory(hub, file));
  Output out;
  out.json = {{"hub", flags.hub},
              {"version", r.version()},
              {"first_log_index", r.first_log_index()},
              {"events_logged", r.events_logged()}};
  out.text =
      absl::StrCat("The hub at ", flags.hub, " now serves directory version ", r.version(), " (",
                   r.events_logged(), " events logged from index ", r.first_log_index(), ")\n");
  return out;
}

absl::StatusOr<Output> Backup(const Flags& flags) {
  ASSIGN_OR_RETURN(HubAdminConnection hub, HubConnection(flags));
  ASSIGN_OR_RETURN(v1::CreateBackupResponse r, CreateHubBackup(hub));
  const std::string when = FormatUtc(absl::FromUnixMillis(r.created_at_ms()));
  Output out;
  out.json = {{"hub", flags.hub},           {"path", r.path()},
              {"created_at", when},         {"sequence_number", r.sequence_number()},
              {"tree_size", r.tree_size()}, {"root_hash", HexEncode(r.root_hash())}};
  out.text =
      absl::StrCat("Backup of the hub at ", flags.hub, " written on the hub's host:\n  ", r.path(),
                   "\n  taken ", when, "; it holds the signed tree head of size ", r.tree_size(),
                   " (root ", HexEncode(r.root_hash()),
                   ")\nRestore: see docs/operator-guide.md, \"Backing up and restoring\".\n");
  return out;
}

absl::StatusOr<Output> List(Workspace& ws) {
  const v1::Directory& r = ws.registry();
  Output out;
  out.json = {{"network_name", r.network_name()},
              {"last_published_version", r.version()},
              {"participants", nlohmann::json::array()},
              {"revocations", nlohmann::json::array()}};
  out.text = absl::StrCat(r.network_name(), " network, last published directory version ",
                          r.version(), "\n");
  for (const v1::DirectoryParticipant& p : r.participants()) {
    const bool suspended = p.status() == v1::PARTICIPANT_STATUS_SUSPENDED;
    out.json["participants"].push_back({{"id", p.id()},
                                        {"display_name_es", p.display_name_es()},
                                        {"display_name_en", p.display_name_en()},
                                        {"status", suspended ? "suspended" : "active"},
                                        {"tls_certificates", p.tls_certificates_size()},
                                        {"signing_keys", p.signing_keys_size()},
                                        {"encryption_keys", p.encryption_keys_size()}});
    absl::StrAppend(&out.text, "  ", p.id(), "  ", p.display_name_en(),
                    suspended ? "  [suspended]" : "", "  (", p.signing_keys_size(), " signing, ",
                    p.encryption_keys_size(), " encryption keys)\n");
  }
  for (const v1::Revocation& rev : r.revocations()) {
    const std::string target = rev.has_participant_id() ? rev.participant_id()
                               : rev.has_key_id()       ? HexEncode(rev.key_id())
                                                        : HexEncode(rev.certificate_sha256());
    const std::string when = FormatUtc(absl::FromUnixMillis(rev.revoked_at_ms()));
    out.json["revocations"].push_back(
        {{"target", target}, {"revoked_at", when}, {"reason", rev.reason()}});
    absl::StrAppend(&out.text, "  revoked ", target, " at ", when, ": ", rev.reason(), "\n");
  }
  return out;
}

}  // namespace

int RunAdminCli(int argc, char** argv) {
  Flags flags;
  const char* env_workspace = std::getenv("ENLACE_WORKSPACE");
  flags.workspace = env_workspace != nullptr ? env_workspace : ".";

  CLI::App app(
      "enlace-admin: the network operator's tool. Creates the network's root CA, enrols "
      "participants (TLS certificate, signing and encryption keys, a bundle to hand over), "
      "revokes, suspends, rotates keys and publishes the signed directory.\n"
      "Passphrases: the workspace's from --passphrase-file, $ENLACE_ADMIN_PASSPHRASE or a "
      "prompt; a bundle's from --bundle-passphrase-file, $ENLACE_BUNDLE_PASSPHRASE or a prompt. "
      "Files holding passphrases must be mode 0600.\n"
      "See docs/operator-guide.md.",
      "enlace-admin");
  app.require_subcommand(1);
  app.fallthrough();  // global options (--json, --workspace, ...) may follow the command
  app.add_option("-w,--workspace", flags.workspace,
                 "Workspace directory (default: $ENLACE_WORKSPACE, else the current directory)");
  app.add_flag("--json", flags.json, "Print the result as JSON");
  app.add_option("--passphrase-file", flags.passphrase_file,
                 "File (mode 0600) holding the workspace passphrase");

  CLI::App* init = app.add_subcommand(
      "init-network", "Create a workspace: the root CA (ECDSA P-256) and the directory signer");
  init->add_option("--name", flags.network_name, "Network name, in the root's name (default CRM)");
  init->add_option("--countries", flags.countries,
                   "Comma-separated ISO 3166-1 alpha-2 codes allowed as node/<country> "
                   "(default: the CRM members BZ,CA,CR,SV,US,GT,HN,MX,NI,PA,DO)");
  init->add_option("--root-validity-days", flags.root_validity_days, "Root CA lifetime")
      ->capture_default_str();
  init->add_option("--signer-validity-days", flags.signer_validity_days,
                   "Directory signer certificate lifetime")
      ->capture_default_str();
  init->add_option("--crl-url", flags.crl_url,
                   "http:// URL where the network's CRL will be served, written into every "
                   "certificate as its CRL distribution point (default: none)");

  auto add_bundle_options = [&flags](CLI::App* cmd) {
    cmd->add_option("--bundle-passphrase-file", flags.bundle_passphrase_file,
                    "File (mode 0600) holding the passphrase that encrypts the bundle's keys");
    cmd->add_option("--dns-name", flags.dns_names,
                    "Extra DNS name for the hub's TLS certificate (repeatable; hub only)");
    cmd->add_option("--tls-validity-days", flags.tls_validity_days, "TLS certificate lifetime")
        ->capture_default_str();
    cmd->add_option("--key-validity-days", flags.key_validity_days,
                    "Signing and encryption key lifetime")
        ->capture_default_str();
  };
  CLI::App* enrol = app.add_subcommand(
      "enrol", "Enrol a participant: TLS certificate, keys, and its bundle under bundles/");
  enrol
      ->add_option("participant-id", flags.participant,
                   "hub, node/<country>, admin/<name>, auditor/<name> or observer/<org>")
      ->required();
  enrol->add_option("--name-es", flags.name_es, "Display name in Spanish");
  enrol->add_option("--name-en", flags.name_en, "Display name in English");
  add_bundle_options(enrol);

  CLI::App* rotate =
      app.add_subcommand("rotate",
                         "New signing and encryption keys (and with --tls a new certificate) for a "
                         "participant; the old ones stay valid for the overlap");
  rotate->add_option("participant-id", flags.participant, "The participant")->required();
  rotate
      ->add_option("--overlap-days", flags.overlap_days,
                   "How long the old keys stay valid beside the new ones")
      ->capture_default_str();
  rotate->add_flag("--tls", flags.rotate_tls, "Also issue a new TLS certificate");
  add_bundle_options(rotate);

  CLI::App* revoke = app.add_subcommand(
      "revoke",
      "Revoke a participant (for good), a key (32 hex digits) or a TLS certificate "
      "(64 hex digits)");
  revoke->add_option("target", flags.target, "participant id, key id or certificate SHA-256")
      ->required();
  revoke->add_option("--reason", flags.reason, "Why (kept in the directory)")->required();
  revoke->add_option("--at", flags.at,
                     "Revocation time, RFC 3339 UTC (default now; may be in the past, e.g. when "
                     "a key was lost)");

  CLI::App* suspend =
      app.add_subcommand("suspend", "Suspend a participant: the hub refuses its calls");
  suspend->add_option("participant-id", flags.participant, "The participant")->required();
  CLI::App* resume = app.add_subcommand("resume", "Resume a suspended participant");
  resume->add_option("participant-id", flags.participant, "The participant")->required();

  CLI::App* directory = app.add_subcommand("directory", "The signed directory");
  directory->require_subcommand(1);
  CLI::App* publish = directory->add_subcommand(
      "publish", "Sign the registry as the next directory version (directory/current.pb)");
  auto add_hub_options = [&flags](CLI::App* cmd) {
    cmd->add_option("--hub", flags.hub, "The hub's host:port")->required();
    cmd->add_option("--bundle", flags.bundle,
                    "An admin participant's bundle folder (e.g. bundles/admin-secretariat): its "
                    "TLS certificate and key identify you to the hub")
        ->required();
    cmd->add_option("--bundle-passphrase-file", flags.bundle_passphrase_file,
                    "File (mode 0600) holding the bundle's passphrase (default: "
                    "$ENLACE_BUNDLE_PASSPHRASE, else a prompt)");
  };
  CLI::App* push = directory->add_subcommand(
      "push",
      "Send a published directory to a running hub (Admin.PublishDirectory, as an admin): the "
      "hub verifies it against the root, logs the changes and serves it to the nodes");
  add_hub_options(push);
  push->add_option("--file", flags.directory_file,
                   "The signed directory (default: <workspace>/directory/current.pb)");

  CLI::App* crl = app.add_subcommand("crl", "The X.509 CRL of revoked TLS certificates");
  crl->require_subcommand(1);
  CLI::App* crl_issue = crl->add_subcommand(
      "issue",
      "Sign a CRL (root key) listing every revoked TLS certificate, as crl/current.crl (DER); "
      "for TLS tools outside enlace (the hub checks the directory on every call)");
  crl_issue
      ->add_option("--validity-days", flags.crl_validity_days,
                   "Days until the CRL's next update (issue a new one before)")
      ->capture_default_str();

  CLI::App* list = app.add_subcommand("list", "Show the participants and revocations");

  CLI::App* backup = app.add_subcommand(
      "backup",
      "Make an online backup of a running hub (Admin.CreateBackup, as an admin): a RocksDB "
      "checkpoint written under the hub's backup_dir on its host, while it keeps serving");
  add_hub_options(backup);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  absl::StatusOr<Output> output = absl::InternalError("no command ran");
  if (init->parsed()) {
    output = InitNetwork(flags);
  } else if (push->parsed()) {
    output = Push(flags);  // the workspace is not opened: the hub may be reached from elsewhere
  } else if (backup->parsed()) {
    output = Backup(flags);
  } else {
    absl::StatusOr<std::unique_ptr<Workspace>> ws = Workspace::Open(flags.workspace, Env());
    if (!ws.ok()) {
      output = ws.status();
    } else if (enrol->parsed()) {
      output = Enrol(**ws, flags);
    } else if (rotate->parsed()) {
      output = Rotate(**ws, flags);
    } else if (revoke->parsed()) {
      output = Revoke(**ws, flags);
    } else if (suspend->parsed() || resume->parsed()) {
      output = SetSuspended(**ws, flags, suspend->parsed());
    } else if (publish->parsed()) {
      output = Publish(**ws, flags);
    } else if (crl_issue->parsed()) {
      output = IssueCrl(**ws, flags);
    } else if (list->parsed()) {
      output = List(**ws);
    }
  }
  if (!output.ok()) {
    if (flags.json) {
      std::cout << nlohmann::json({{"error", std::string(output.status().message())},
                                   {"code", absl::StatusCodeToString(output.status().code())}})
                       .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                << std::endl;
    }
    std::cerr << "enlace-admin: error: " << output.status().message() << std::endl;
    return 1;
  }
  if (flags.json) {
    std::cout << output->json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
              << std::endl;
  } else {
    std::cout << output->text;
  }
  return 0;
}

}  // namespace enlace
