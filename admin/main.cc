// enlace-admin: see admin/cli.h and docs/operator-guide.md.
#include "admin/cli.h"

int main(int argc, char** argv) { return enlace::RunAdminCli(argc, argv); }
