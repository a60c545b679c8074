// What a directory publication changes, as audit events: the hub logs them so that enrolment,
// suspension, revocation and key rotation are in the tamper-evident log, while the decisions
// themselves come signed in the directory (made offline with enlace-admin).
#ifndef ENLACE_HUB_DIRECTORY_EVENTS_H_
#define ENLACE_HUB_DIRECTORY_EVENTS_H_

#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "enlace/v1/audit.pb.h"
#include "enlace/v1/directory.pb.h"

namespace enlace::hub {

// The events for going from `previous` (null for the first directory) to `next`, in this order:
//   per participant of `next` (directory order): ENROLLED if new (then SUSPENDED if it starts
//     suspended); else SUSPENDED / RESUMED on a status change, and ROTATED for each signing or
//     encryption key id not listed before;
//   REVOKED (reason "removed_from_directory") per participant that `next` no longer lists;
//   REVOKED per revocation that is new in `next`: reason "participant_revoked", "key_revoked"
//     (with key_id) or "certificate_revoked", subject the participant concerned;
//   DIRECTORY_PUBLISHED last.
// Every event carries `actor_id`, `hub_time_ms` and next's version as directory_version.
// TLS certificate changes are not events of their own: the published directory records them.
std::vector<v1::AuditEvent> DirectoryChangeEvents(const v1::Directory* previous,
                                                  const v1::Directory& next,
                                                  absl::string_view actor_id, int64_t hub_time_ms);

}  // namespace enlace::hub

#endif  // ENLACE_HUB_DIRECTORY_EVENTS_H_
