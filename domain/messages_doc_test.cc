// docs/messages.md is generated from the schemas; this fails when the committed file is stale.
#include "domain/messages_doc.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "domain/content.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace enlace::domain {
namespace {

using ::testing::HasSubstr;

TEST(MessagesDocTest, CommittedDocumentIsUpToDate) {
  ASSERT_OK_AND_ASSIGN(const std::string generated,
                       GenerateMessagesDocFromFile(ENLACE_DOMAIN_DESCRIPTOR_SET));
  ASSERT_OK_AND_ASSIGN(const std::string committed,
                       ReadFile(absl::StrCat(ENLACE_SOURCE_DIR, "/docs/messages.md"), 16 << 20));
  EXPECT_TRUE(generated == committed) << "docs/messages.md is out of date: run "
                                         "build/bin/enlace-messages-doc --out docs/messages.md";
}

TEST(MessagesDocTest, EveryFieldAndValueIsDocumentedWithItsComment) {
  ASSERT_OK_AND_ASSIGN(const std::string doc,
                       GenerateMessagesDocFromFile(ENLACE_DOMAIN_DESCRIPTOR_SET));
  for (const google::protobuf::FileDescriptor* file : DomainSchemaFiles()) {
    for (int m = 0; m < file->message_type_count(); ++m) {
      const google::protobuf::Descriptor& message = *file->message_type(m);
      EXPECT_THAT(doc, HasSubstr(absl::StrCat("\n### ", message.name(), "\n")));
      for (int f = 0; f < message.field_count(); ++f) {
        EXPECT_THAT(doc, HasSubstr(absl::StrCat("| `", message.field(f)->name(), "` |")))
            << message.full_name();
      }
    }
    for (int e = 0; e < file->enum_type_count(); ++e) {
      const google::protobuf::EnumDescriptor& type = *file->enum_type(e);
      for (int v = 0; v < type.value_count(); ++v) {
        EXPECT_THAT(doc, HasSubstr(absl::StrCat("| `", type.value(v)->name(), "` | ",
                                                type.value(v)->number(), " | ")));
      }
    }
  }
  // Comments from the .proto files and labels from the catalogue are in it.
  EXPECT_THAT(doc, HasSubstr("Pseudonymous case reference: random, the same on both sides"));
  EXPECT_THAT(doc,
              HasSubstr("| `URGENCY_IMMEDIATE` | 1 | Inmediata (< 24 h) | Immediate (< 24 h) |"));
  EXPECT_THAT(doc, HasSubstr("**required**; ≤ 3 items; ISO 3166-1 alpha-2 country code"));
}

TEST(MessagesDocTest, BadDescriptorSetIsRefused) {
  google::protobuf::FileDescriptorSet empty;
  EXPECT_THAT(GenerateMessagesDoc(empty),
              enlace::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("missing from the descriptor set")));
  EXPECT_FALSE(GenerateMessagesDocFromFile("/nonexistent/descriptors.pb").ok());
}

}  // namespace
}  // namespace enlace::domain
