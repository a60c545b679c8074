// The one catalogue of human-readable labels: Spanish and English (French where given) for every
// value of every domain enum, the envelope's MessageKind and Priority, and the message template
// of every DomainError. labels_test iterates all of them through the protobuf descriptors and
// fails when any value lacks es or en, or when the catalogue names a value that does not exist.
//
//   std::string text = LabelOf(v1::URGENCY_IMMEDIATE, Language::kSpanish);  // "Inmediata (< 24 h)"
//
// Thread-safe; the catalogue is immutable.
#ifndef ENLACE_DOMAIN_LABELS_H_
#define ENLACE_DOMAIN_LABELS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/generated_enum_reflection.h"

namespace enlace::domain {

enum class Language { kSpanish, kEnglish, kFrench };

// "es", "en", "fr".
absl::string_view LanguageTag(Language language);

// The catalogue language for a BCP 47 tag ("es", "es-MX", "en-US", "fr-CA"), or nullopt.
absl::optional<Language> LanguageFromTag(absl::string_view tag);

// The catalogue's label of `value` in `language`; empty when the catalogue has none (only
// French may be missing).
absl::string_view Label(const google::protobuf::EnumValueDescriptor& value, Language language);

// For display: the label of `number` in `type`, falling back to English when French is missing,
// and to "(valor desconocido N)" / "(unknown value N)" for a number the enum does not define.
std::string LabelOrFallback(const google::protobuf::EnumDescriptor& type, int number,
                            Language language);

template <typename E>
std::string LabelOf(E value, Language language) {
  return LabelOrFallback(*google::protobuf::GetEnumDescriptor<E>(), static_cast<int>(value),
                         language);
}

// The enum value names the catalogue holds (e.g. "URGENCY_IMMEDIATE"), for the completeness test.
std::vector<absl::string_view> CatalogueKeys();

}  // namespace enlace::domain

#endif  // ENLACE_DOMAIN_LABELS_H_
