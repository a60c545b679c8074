// Who may do what on a node (docs/user-guide.md, "Roles"): the one table every local API call
// consults. Roles come from the node config (proto/enlace/v1/node_config.proto).
//
//   kind                      focal point   case worker        investigator
//   VICTIM_REFERRAL, STATUS   send, read    send, read         -
//   SMUGGLING_ALERT, FEEDBACK send, read    with ALERTS        send, read
//   INFO_REQUEST, RESPONSE    send, read    send, read         send, read
//   BULLETIN, DOCUMENT        send, read    read (send with BULLETINS permission, both roles)
//   LEGISLATION_MATRIX_UPDATE send, read    -                  -
//   keys, audit               yes           -                  -
#ifndef ENLACE_NODE_ROLES_H_
#define ENLACE_NODE_ROLES_H_

#include <string>

#include "domain/labels.h"
#include "enlace/v1/envelope.pb.h"
#include "enlace/v1/node_config.pb.h"

namespace enlace::node {

bool MaySend(const v1::NodeUser& user, v1::MessageKind kind);
bool MayRead(const v1::NodeUser& user, v1::MessageKind kind);
// Keys and the node's audit view: the focal point only.
bool MayAdminister(const v1::NodeUser& user);

// "focal point" / "punto focal", ... for messages.
std::string RoleLabel(v1::NodeRole role, domain::Language language);

}  // namespace enlace::node

#endif  // ENLACE_NODE_ROLES_H_
