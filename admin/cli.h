// enlace-admin's command line (CLI11): parses the arguments, runs the command on a Workspace
// (admin/workspace.h), prints text or --json, and returns the process exit code (0 success,
// 1 error with "enlace-admin: error: ..." on stderr, other values from CLI11 for bad usage).
#ifndef ENLACE_ADMIN_CLI_H_
#define ENLACE_ADMIN_CLI_H_

namespace enlace {

int RunAdminCli(int argc, char** argv);

}  // namespace enlace

#endif  // ENLACE_ADMIN_CLI_H_
