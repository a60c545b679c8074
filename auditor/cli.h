// enlace-audit's command line (CLI11): `fetch`, `verify`, `compare` and `report` over
// auditor/fetch.h, verify.h and report.h. Results go to `out`, problems to `err`; --help goes to
// `out`.
//
// Exit status: 0 everything holds; 1 a verification failed (the log or the export is not what
// it should be); 2 the tool could not do its job (bad flags, unreadable files, no connection).
#ifndef ENLACE_AUDITOR_CLI_H_
#define ENLACE_AUDITOR_CLI_H_

#include <ostream>

namespace enlace::auditor {

inline constexpr int kAuditOk = 0;
inline constexpr int kAuditVerificationFailed = 1;
inline constexpr int kAuditCannotRun = 2;

int RunAuditCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace enlace::auditor

#endif  // ENLACE_AUDITOR_CLI_H_
