// enlace-messages-doc: writes docs/messages.md from the domain schemas (see
// domain/messages_doc.h).
//
//   build/bin/enlace-messages-doc --out docs/messages.md
//   build/bin/enlace-messages-doc --check docs/messages.md   # exit 1 when out of date
#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "base/files.h"
#include "domain/messages_doc.h"

int main(int argc, char** argv) {
  CLI::App app{
      "Generate docs/messages.md from the domain schemas (proto/enlace/v1/domain_*.proto)."};
  std::string descriptor_set = ENLACE_DOMAIN_DESCRIPTOR_SET;
  std::string out = "-";
  std::string check;
  app.add_option("--descriptor-set", descriptor_set,
                 "FileDescriptorSet compiled with --include_source_info")
      ->capture_default_str();
  app.add_option("--out", out, "where to write the document ('-' for standard output)")
      ->capture_default_str();
  app.add_option("--check", check,
                 "compare with this file instead of writing; exit 1 when it differs");
  CLI11_PARSE(app, argc, argv);

  const auto doc = enlace::domain::GenerateMessagesDocFromFile(descriptor_set);
  if (!doc.ok()) {
    std::cerr << "enlace-messages-doc: " << doc.status() << "\n";
    return 2;
  }
  if (!check.empty()) {
    const auto committed = enlace::ReadFile(check, 16 << 20);
    if (!committed.ok()) {
      std::cerr << "enlace-messages-doc: " << committed.status() << "\n";
      return 2;
    }
    if (*committed != *doc) {
      std::cerr << check << " is out of date: run enlace-messages-doc --out " << check << "\n";
      return 1;
    }
    return 0;
  }
  if (out == "-") {
    std::cout << *doc;
    return 0;
  }
  if (const auto status = enlace::WriteFileAtomically(out, *doc); !status.ok()) {
    std::cerr << "enlace-messages-doc: " << status << "\n";
    return 2;
  }
  return 0;
}
