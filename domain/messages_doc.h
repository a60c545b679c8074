// Generates docs/messages.md from the domain schemas, so the reference can never drift from
// them: every message with every field (type, rules, and the comment written above it in the
// .proto), every enum with its values' Spanish and English labels, and every error code with its
// message templates. Comments come from a descriptor set compiled with --include_source_info
// (the build writes build/domain/domain_descriptors.pb); rules come from the compiled-in
// descriptors and labels from the catalogue. `enlace-messages-doc` runs this; messages_doc_test
// fails when the committed file differs from the output.
#ifndef ENLACE_DOMAIN_MESSAGES_DOC_H_
#define ENLACE_DOMAIN_MESSAGES_DOC_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.pb.h"

namespace enlace::domain {

// The Markdown document. INVALID_ARGUMENT when the set does not build or lacks a domain file
// that this binary was compiled with.
absl::StatusOr<std::string> GenerateMessagesDoc(
    const google::protobuf::FileDescriptorSet& descriptors);

// Reads a serialized FileDescriptorSet (at most 16 MiB) and generates the document.
absl::StatusOr<std::string> GenerateMessagesDocFromFile(absl::string_view descriptor_set_path);

}  // namespace enlace::domain

#endif  // ENLACE_DOMAIN_MESSAGES_DOC_H_
