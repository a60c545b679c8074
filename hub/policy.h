// Who may send which kind of message to whom: the hub's routing rule, taken from the roles table
// of the shared design (domain.md, "Roles"; docs/hub.md, "Who may send what").
//
//   role      may send                                   may receive
//   node      every kind                                 every kind
//   admin     BULLETIN, DOCUMENT, INFO_REQUEST,          BULLETIN, DOCUMENT, INFO_REQUEST,
//             INFO_RESPONSE                              INFO_RESPONSE, LEGISLATION_MATRIX_UPDATE
//   observer  BULLETIN, DOCUMENT                         BULLETIN, DOCUMENT
//   auditor   nothing (metadata only)                    nothing
//   hub       nothing                                    nothing
#ifndef ENLACE_HUB_POLICY_H_
#define ENLACE_HUB_POLICY_H_

#include "enlace/v1/envelope.pb.h"
#include "identity/participant.h"

namespace enlace::hub {

bool MaySend(Role sender, v1::MessageKind kind);
bool MayReceive(Role recipient, v1::MessageKind kind);

}  // namespace enlace::hub

#endif  // ENLACE_HUB_POLICY_H_
