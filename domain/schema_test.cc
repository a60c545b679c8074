// Checks the domain schemas themselves: every text and list is bounded (so validation bounds
// what a node accepts), and enum values carry their enum's prefix.
#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "domain/content.h"
#include "enlace/v1/domain_common.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace enlace::domain {
namespace {

using google::protobuf::FieldDescriptor;

// Formats whose values have a fixed or small bounded length.
bool FormatBoundsLength(v1::TextFormat format) {
  switch (format) {
    case v1::TEXT_FORMAT_COUNTRY:
    case v1::TEXT_FORMAT_NETWORK_COUNTRY:
    case v1::TEXT_FORMAT_REFERENCE:
    case v1::TEXT_FORMAT_SHA256_HEX:
    case v1::TEXT_FORMAT_PARTICIPANT_ID:
      return true;
    default:
      return false;
  }
}

// "ReferralState" -> "REFERRAL_STATE_".
std::string EnumPrefix(absl::string_view name) {
  std::string prefix;
  for (size_t i = 0; i < name.size(); ++i) {
    if (i > 0 && absl::ascii_isupper(name[i])) prefix += '_';
    prefix += absl::ascii_toupper(name[i]);
  }
  return prefix + "_";
}

// Every message a Content can hold, once.
void CollectReachable(const google::protobuf::Descriptor& message,
                      std::set<const google::protobuf::Descriptor*>* out) {
  if (!out->insert(&message).second) return;
  for (int f = 0; f < message.field_count(); ++f) {
    const google::protobuf::Descriptor* type = message.field(f)->message_type();
    if (type != nullptr && type->file()->package() == "enlace.v1") CollectReachable(*type, out);
  }
}

TEST(SchemaTest, EveryTextAndListInContentIsBounded) {
  std::set<const google::protobuf::Descriptor*> messages;
  CollectReachable(*v1::Content::descriptor(), &messages);
  EXPECT_GT(messages.size(), 25u);
  for (const google::protobuf::Descriptor* message : messages) {
    for (int f = 0; f < message->field_count(); ++f) {
      const FieldDescriptor& field = *message->field(f);
      const v1::FieldRules& rules = field.options().GetExtension(v1::rules);
      if (field.cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
        EXPECT_TRUE(rules.max_length() > 0 || FormatBoundsLength(rules.format()))
            << field.full_name() << " has no max_length";
      }
      if (field.is_repeated()) {
        EXPECT_GT(rules.max_items(), 0u) << field.full_name() << " has no max_items";
      }
    }
  }
}

TEST(SchemaTest, EnumValuesCarryTheirPrefix) {
  for (const google::protobuf::FileDescriptor* file : DomainSchemaFiles()) {
    for (int e = 0; e < file->enum_type_count(); ++e) {
      const google::protobuf::EnumDescriptor& type = *file->enum_type(e);
      const std::string prefix = EnumPrefix(type.name());
      for (int v = 0; v < type.value_count(); ++v) {
        EXPECT_TRUE(absl::StartsWith(type.value(v)->name(), prefix))
            << type.value(v)->name() << " lacks " << prefix;
      }
    }
  }
}

// Personal data may only be marked inside a referral, where the consent is.
TEST(SchemaTest, PersonalDataOnlyInReferrals) {
  for (const google::protobuf::FileDescriptor* file : DomainSchemaFiles()) {
    for (int m = 0; m < file->message_type_count(); ++m) {
      const google::protobuf::Descriptor& message = *file->message_type(m);
      for (int f = 0; f < message.field_count(); ++f) {
        const v1::FieldRules& rules = message.field(f)->options().GetExtension(v1::rules);
        if (rules.personal_data() != v1::PERSONAL_DATA_NONE) {
          EXPECT_EQ(file->name(), "enlace/v1/domain_referral.proto")
              << message.field(f)->full_name();
        }
      }
    }
  }
}

}  // namespace
}  // namespace enlace::domain
