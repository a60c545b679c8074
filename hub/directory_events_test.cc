#include "hub/directory_events.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace enlace::hub {
namespace {

using ::testing::ElementsAre;

v1::DirectoryParticipant* Add(v1::Directory* d, const std::string& id, const std::string& key) {
  v1::DirectoryParticipant* p = d->add_participants();
  p->set_id(id);
  p->set_status(v1::PARTICIPANT_STATUS_ACTIVE);
  p->add_signing_keys()->set_key_id(key);
  p->add_tls_certificates()->set_sha256("cert-" + id);
  return p;
}

std::vector<v1::AuditEventType> Types(const std::vector<v1::AuditEvent>& events) {
  std::vector<v1::AuditEventType> types;
  for (const auto& e : events) types.push_back(e.type());
  return types;
}

TEST(DirectoryEventsTest, TheFirstDirectoryEnrolsEveryone) {
  v1::Directory d;
  d.set_version(1);
  Add(&d, "node/MX", "k1");
  Add(&d, "node/GT", "k2")->set_status(v1::PARTICIPANT_STATUS_SUSPENDED);
  const auto events = DirectoryChangeEvents(nullptr, d, "admin/ops", 1000);
  EXPECT_THAT(Types(events),
              ElementsAre(v1::AUDIT_EVENT_ENROLLED, v1::AUDIT_EVENT_ENROLLED,
                          v1::AUDIT_EVENT_SUSPENDED, v1::AUDIT_EVENT_DIRECTORY_PUBLISHED));
  EXPECT_EQ(events[1].subject_id(), "node/GT");
  for (const auto& e : events) {
    EXPECT_EQ(e.actor_id(), "admin/ops");
    EXPECT_EQ(e.hub_time_ms(), 1000);
    EXPECT_EQ(e.directory_version(), 1u);
  }
}

TEST(DirectoryEventsTest, ChangesBecomeSuspensionsResumptionsRotationsAndRevocations) {
  v1::Directory before;
  before.set_version(4);
  Add(&before, "node/MX", "k1");
  Add(&before, "node/GT", "k2")->set_status(v1::PARTICIPANT_STATUS_SUSPENDED);
  Add(&before, "node/HN", "k3");
  Add(&before, "node/SV", "k4");
  v1::Revocation* old = before.add_revocations();
  old->set_key_id("k0");

  v1::Directory after;
  after.set_version(5);
  Add(&after, "node/MX", "k1")->add_signing_keys()->set_key_id("k1b");  // rotated
  Add(&after, "node/GT", "k2");                                         // resumed
  Add(&after, "node/HN", "k3")->set_status(v1::PARTICIPANT_STATUS_SUSPENDED);
  Add(&after, "observer/IOM", "k5");  // enrolled
  // node/SV is no longer listed.
  *after.add_revocations() = *old;  // not new: no event
  after.add_revocations()->set_key_id("k1");
  after.add_revocations()->set_certificate_sha256("cert-node/GT");
  after.add_revocations()->set_participant_id("node/HN");

  const auto events = DirectoryChangeEvents(&before, after, "admin/ops", 7);
  EXPECT_THAT(Types(events),
              ElementsAre(v1::AUDIT_EVENT_ROTATED, v1::AUDIT_EVENT_RESUMED,
                          v1::AUDIT_EVENT_SUSPENDED, v1::AUDIT_EVENT_ENROLLED,
                          v1::AUDIT_EVENT_REVOKED, v1::AUDIT_EVENT_REVOKED, v1::AUDIT_EVENT_REVOKED,
                          v1::AUDIT_EVENT_REVOKED, v1::AUDIT_EVENT_DIRECTORY_PUBLISHED));
  EXPECT_EQ(events[0].key_id(), "k1b");
  EXPECT_EQ(events[4].subject_id(), "node/SV");
  EXPECT_EQ(events[4].reason_code(), "removed_from_directory");
  EXPECT_EQ(events[5].subject_id(), "node/MX");
  EXPECT_EQ(events[5].key_id(), "k1");
  EXPECT_EQ(events[5].reason_code(), "key_revoked");
  EXPECT_EQ(events[6].subject_id(), "node/GT");
  EXPECT_EQ(events[6].reason_code(), "certificate_revoked");
  EXPECT_EQ(events[7].subject_id(), "node/HN");
  EXPECT_EQ(events[7].reason_code(), "participant_revoked");
}

}  // namespace
}  // namespace enlace::hub
