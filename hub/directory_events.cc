#include "hub/directory_events.h"

#include <map>
#include <set>
#include <string>

namespace enlace::hub {
namespace {

std::set<std::string> KeyIds(const v1::DirectoryParticipant& participant) {
  std::set<std::string> ids;
  for (const v1::DirectoryKey& key : participant.signing_keys()) ids.insert(key.key_id());
  for (const v1::DirectoryKey& key : participant.encryption_keys()) ids.insert(key.key_id());
  return ids;
}

// A revocation's identity: its target, whatever its reason or time.
std::string RevocationTarget(const v1::Revocation& revocation) {
  switch (revocation.target_case()) {
    case v1::Revocation::kParticipantId:
      return "p:" + revocation.participant_id();
    case v1::Revocation::kKeyId:
      return "k:" + revocation.key_id();
    case v1::Revocation::kCertificateSha256:
      return "c:" + revocation.certificate_sha256();
    case v1::Revocation::TARGET_NOT_SET:
      break;
  }
  return "";
}

// The participant that holds `key_id` (a signing or encryption key) or the certificate
// `certificate_sha256`; empty if none does.
std::string Owner(const v1::Directory& directory, const std::string& key_id,
                  const std::string& certificate_sha256) {
  for (const v1::DirectoryParticipant& p : directory.participants()) {
    if (!key_id.empty() && KeyIds(p).count(key_id) > 0) return p.id();
    for (const v1::DirectoryCertificate& cert : p.tls_certificates()) {
      if (!certificate_sha256.empty() && cert.sha256() == certificate_sha256) return p.id();
    }
  }
  return "";
}

}  // namespace

std::vector<v1::AuditEvent> DirectoryChangeEvents(const v1::Directory* previous,
                                                  const v1::Directory& next,
                                                  absl::string_view actor_id, int64_t hub_time_ms) {
  std::vector<v1::AuditEvent> events;
  auto add = [&](v1::AuditEventType type, absl::string_view subject) -> v1::AuditEvent& {
    v1::AuditEvent& event = events.emplace_back();
    event.set_type(type);
    event.set_hub_time_ms(hub_time_ms);
    event.set_actor_id(std::string(actor_id));
    event.set_subject_id(std::string(subject));
    event.set_directory_version(next.version());
    return event;
  };

  std::map<std::string, const v1::DirectoryParticipant*> before;
  if (previous != nullptr) {
    for (const v1::DirectoryParticipant& p : previous->participants()) before[p.id()] = &p;
  }
  std::set<std::string> listed;
  for (const v1::DirectoryParticipant& p : next.participants()) {
    listed.insert(p.id());
    const bool suspended = p.status() == v1::PARTICIPANT_STATUS_SUSPENDED;
    auto old = before.find(p.id());
    if (old == before.end()) {
      add(v1::AUDIT_EVENT_ENROLLED, p.id());
      if (suspended) add(v1::AUDIT_EVENT_SUSPENDED, p.id());
      continue;
    }
    const bool was_suspended = old->second->status() == v1::PARTICIPANT_STATUS_SUSPENDED;
    if (suspended && !was_suspended) add(v1::AUDIT_EVENT_SUSPENDED, p.id());
    if (!suspended && was_suspended) add(v1::AUDIT_EVENT_RESUMED, p.id());
    const std::set<std::string> old_keys = KeyIds(*old->second);
    for (const auto* keys : {&p.signing_keys(), &p.encryption_keys()}) {
      for (const v1::DirectoryKey& key : *keys) {
        if (old_keys.count(key.key_id()) == 0) {
          add(v1::AUDIT_EVENT_ROTATED, p.id()).set_key_id(key.key_id());
        }
      }
    }
  }
  for (const auto& [id, participant] : before) {
    if (listed.count(id) == 0) {
      add(v1::AUDIT_EVENT_REVOKED, id).set_reason_code("removed_from_directory");
    }
  }

  std::set<std::string> old_revocations;
  if (previous != nullptr) {
    for (const v1::Revocation& r : previous->revocations()) {
      old_revocations.insert(RevocationTarget(r));
    }
  }
  for (const v1::Revocation& r : next.revocations()) {
    if (old_revocations.count(RevocationTarget(r)) > 0) continue;
    switch (r.target_case()) {
      case v1::Revocation::kParticipantId:
        add(v1::AUDIT_EVENT_REVOKED, r.participant_id()).set_reason_code("participant_revoked");
        break;
      case v1::Revocation::kKeyId: {
        v1::AuditEvent& event = add(v1::AUDIT_EVENT_REVOKED, Owner(next, r.key_id(), ""));
        event.set_key_id(r.key_id());
        event.set_reason_code("key_revoked");
        break;
      }
      case v1::Revocation::kCertificateSha256:
        add(v1::AUDIT_EVENT_REVOKED, Owner(next, "", r.certificate_sha256()))
            .set_reason_code("certificate_revoked");
        break;
      case v1::Revocation::TARGET_NOT_SET:
        break;
    }
  }
  add(v1::AUDIT_EVENT_DIRECTORY_PUBLISHED, "");
  return events;
}

}  // namespace enlace::hub
