// Checks of the text formats named in FieldRules (domain_common.proto): countries, languages,
// references, digests, media types, participant ids, and the characters a text may contain.
// All functions are pure and thread-safe.
#ifndef ENLACE_DOMAIN_FORMATS_H_
#define ENLACE_DOMAIN_FORMATS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace enlace::domain {

// An officially assigned ISO 3166-1 alpha-2 code, in capitals ("GT"; not "gt", "XX" or "UK").
bool IsIsoCountryCode(absl::string_view code);

// The CRM's eleven member states (BZ CA CR DO GT HN MX NI PA SV US): the default network list.
std::vector<std::string> CrmMemberCountries();

// A well-formed BCP 47 tag made of a 2-3 letter language, then optionally a 4-letter script,
// a 2-letter or 3-digit region, and 5-8 character variants ("es", "es-419", "zh-Hant-TW").
// Extensions and private-use subtags are not accepted. Case-insensitive; at most 35 characters.
bool IsLanguageTag(absl::string_view tag);

// 32 lowercase hexadecimal digits (a random 128-bit reference).
bool IsReference(absl::string_view text);

// 64 lowercase hexadecimal digits.
bool IsSha256Hex(absl::string_view text);

// "type/subtype" in lowercase, each part 1-127 characters of RFC 6838's restricted names,
// without parameters (e.g. "application/pdf", "image/jpeg").
bool IsMediaType(absl::string_view text);

// "node/<ISO country>", "admin/<name>", "auditor/<name>" or "hub"; a name is 1-64 characters
// of letters, digits, '.', '_' and '-'.
bool IsParticipantId(absl::string_view text);

// What a scan of a text found.
struct TextScan {
  bool valid_utf8 = true;
  // Unicode code points (only meaningful when valid_utf8).
  size_t code_points = 0;
  // The first forbidden character, if any: its code point and 1-based position.
  absl::optional<uint32_t> bad_code_point;
  size_t bad_position = 0;
};

// Scans UTF-8 text. Forbidden: C0 and C1 control characters (tab, LF and CR are allowed when
// `allow_line_breaks`), and the bidirectional overrides that can disguise text on a screen
// (U+202A-U+202E, U+2066-U+2069).
TextScan ScanText(absl::string_view text, bool allow_line_breaks);

}  // namespace enlace::domain

#endif  // ENLACE_DOMAIN_FORMATS_H_
