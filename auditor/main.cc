// enlace-audit: the auditor's tool (auditor/cli.h; docs/auditor-guide.md).
#include <iostream>

#include "auditor/cli.h"

int main(int argc, char** argv) {
  return enlace::auditor::RunAuditCli(argc, argv, std::cout, std::cerr);
}
