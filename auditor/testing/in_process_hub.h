// Test support: the hub's AuditLog service without a network. A gMock stub whose calls are
// answered by AuditLogAccess (auditlog/access.h) over a real log, as a given caller. Tests make
// the "hub" misbehave by overriding single calls with ON_CALL on stub().
#ifndef ENLACE_AUDITOR_TESTING_IN_PROCESS_HUB_H_
#define ENLACE_AUDITOR_TESTING_IN_PROCESS_HUB_H_

#include "auditlog/access.h"
#include "enlace/v1/auditlog_service_mock.grpc.pb.h"
#include "gmock/gmock.h"
#include "identity/participant.h"

namespace enlace::auditor::testing {

class InProcessHub {
 public:
  // `log` is not owned and must outlive this object.
  InProcessHub(const auditlog::AuditLog* log, ParticipantId caller);

  ::testing::NiceMock<v1::MockAuditLogStub>& stub() { return stub_; }

 private:
  auditlog::AuditLogAccess access_;
  ParticipantId caller_;
  ::testing::NiceMock<v1::MockAuditLogStub> stub_;
};

}  // namespace enlace::auditor::testing

#endif  // ENLACE_AUDITOR_TESTING_IN_PROCESS_HUB_H_
