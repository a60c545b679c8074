#include "domain/labels.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "domain/content.h"
#include "enlace/v1/domain_issues.pb.h"
#include "enlace/v1/envelope.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace enlace::domain {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;

void CollectEnums(const Descriptor& message, std::vector<const EnumDescriptor*>* out) {
  for (int i = 0; i < message.enum_type_count(); ++i) out->push_back(message.enum_type(i));
  for (int i = 0; i < message.nested_type_count(); ++i) CollectEnums(*message.nested_type(i), out);
}

// Every enum of every domain schema file, plus the envelope's MessageKind and Priority (shown
// to users), found through the descriptors: a new enum or value is covered automatically.
std::vector<const EnumDescriptor*> LabelledEnums() {
  std::vector<const EnumDescriptor*> enums = {v1::MessageKind_descriptor(),
                                              v1::Priority_descriptor()};
  for (const google::protobuf::FileDescriptor* file : DomainSchemaFiles()) {
    for (int i = 0; i < file->enum_type_count(); ++i) enums.push_back(file->enum_type(i));
    for (int i = 0; i < file->message_type_count(); ++i) {
      CollectEnums(*file->message_type(i), &enums);
    }
  }
  return enums;
}

TEST(LabelsTest, EveryDomainEnumValueHasSpanishAndEnglish) {
  int values = 0;
  for (const EnumDescriptor* type : LabelledEnums()) {
    for (int i = 0; i < type->value_count(); ++i) {
      const auto& value = *type->value(i);
      EXPECT_FALSE(Label(value, Language::kSpanish).empty()) << value.full_name() << " lacks es";
      EXPECT_FALSE(Label(value, Language::kEnglish).empty()) << value.full_name() << " lacks en";
      ++values;
    }
  }
  EXPECT_GT(values, 400);  // the walk really reached the schemas
}

TEST(LabelsTest, CatalogueNamesOnlyExistingValuesOnce) {
  std::set<std::string> existing;
  for (const EnumDescriptor* type : LabelledEnums()) {
    for (int i = 0; i < type->value_count(); ++i) existing.insert(type->value(i)->name());
  }
  std::set<std::string> seen;
  for (absl::string_view key : CatalogueKeys()) {
    EXPECT_TRUE(existing.count(std::string(key))) << key << " is not an enum value (stale label?)";
    EXPECT_TRUE(seen.insert(std::string(key)).second) << key << " is in the catalogue twice";
  }
}

// A message template must use the same placeholders in every language.
TEST(LabelsTest, ErrorTemplatesHaveTheSamePlaceholdersInEveryLanguage) {
  const auto placeholders = [](absl::string_view text) {
    std::set<char> found;
    for (size_t i = 0; i + 1 < text.size(); ++i) {
      if (text[i] == '$' && absl::ascii_isdigit(text[i + 1])) found.insert(text[i + 1]);
    }
    return found;
  };
  const EnumDescriptor& errors = *v1::DomainError_descriptor();
  for (int i = 0; i < errors.value_count(); ++i) {
    const auto& value = *errors.value(i);
    const absl::string_view french = Label(value, Language::kFrench);
    EXPECT_EQ(placeholders(Label(value, Language::kSpanish)),
              placeholders(Label(value, Language::kEnglish)))
        << value.name();
    if (!french.empty()) {
      EXPECT_EQ(placeholders(french), placeholders(Label(value, Language::kEnglish)))
          << value.name();
    }
  }
}

TEST(LabelsTest, LookupsAndFallbacks) {
  EXPECT_EQ(LabelOf(v1::URGENCY_IMMEDIATE, Language::kSpanish), "Inmediata (< 24 h)");
  EXPECT_EQ(LabelOf(v1::URGENCY_IMMEDIATE, Language::kEnglish), "Immediate (< 24 h)");
  EXPECT_EQ(LabelOf(v1::URGENCY_IMMEDIATE, Language::kFrench), "Immédiate (< 24 h)");
  // No French yet: English is shown.
  EXPECT_EQ(LabelOf(v1::GENDER_FEMALE, Language::kFrench), "Female");
  EXPECT_EQ(LabelOf(static_cast<v1::Urgency>(42), Language::kSpanish), "(valor desconocido 42)");
  EXPECT_EQ(LabelOf(static_cast<v1::Urgency>(42), Language::kEnglish), "(unknown value 42)");
}

TEST(LabelsTest, LanguageTags) {
  EXPECT_EQ(LanguageFromTag("es"), Language::kSpanish);
  EXPECT_EQ(LanguageFromTag("es-MX"), Language::kSpanish);
  EXPECT_EQ(LanguageFromTag("EN-us"), Language::kEnglish);
  EXPECT_EQ(LanguageFromTag("fr-CA"), Language::kFrench);
  EXPECT_EQ(LanguageFromTag("pt"), absl::nullopt);
  EXPECT_EQ(LanguageFromTag(""), absl::nullopt);
  EXPECT_EQ(LanguageTag(Language::kEnglish), "en");
}

}  // namespace
}  // namespace enlace::domain
