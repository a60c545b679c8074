#include "domain/formats.h"

#include <algorithm>
#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace enlace::domain {
namespace {

// ISO 3166-1 alpha-2, officially assigned codes (249), sorted.
constexpr std::array<const char*, 249> kIsoCountries = {
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW"};

bool AllOf(absl::string_view s, bool (*pred)(unsigned char)) {
  return std::all_of(s.begin(), s.end(),
                     [pred](char c) { return pred(static_cast<unsigned char>(c)); });
}
bool IsAlpha(unsigned char c) { return absl::ascii_isalpha(c); }
bool IsDigit(unsigned char c) { return absl::ascii_isdigit(c); }
bool IsAlnum(unsigned char c) { return absl::ascii_isalnum(c); }
bool IsLowerHex(unsigned char c) { return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f'); }

bool IsLowerHexOfLength(absl::string_view text, size_t length) {
  return text.size() == length && AllOf(text, IsLowerHex);
}

// RFC 6838 restricted-name, lowercase.
bool IsRestrictedName(absl::string_view name) {
  if (name.empty() || name.size() > 127) return false;
  if (!absl::ascii_isdigit(name[0]) && !absl::ascii_islower(name[0])) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_isdigit(c) || absl::ascii_islower(c) ||
           absl::string_view("!#$&-^_.+").find(c) != absl::string_view::npos;
  });
}

// Decodes one UTF-8 sequence at text[*i]; advances *i. Refuses overlong forms, surrogates and
// values above U+10FFFF.
absl::optional<uint32_t> DecodeUtf8(absl::string_view text, size_t* i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b0 = byte(*i);
  if (b0 < 0x80) {
    ++*i;
    return b0;
  }
  size_t length;
  uint32_t cp;
  uint32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    length = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    length = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    length = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return absl::nullopt;
  }
  if (*i + length > text.size()) return absl::nullopt;
  for (size_t k = 1; k < length; ++k) {
    const unsigned char b = byte(*i + k);
    if ((b & 0xC0) != 0x80) return absl::nullopt;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return absl::nullopt;
  *i += length;
  return cp;
}

bool IsForbiddenCodePoint(uint32_t cp, bool allow_line_breaks) {
  if (allow_line_breaks && (cp == '\t' || cp == '\n' || cp == '\r')) return false;
  if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return true;
  return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

}  // namespace

bool IsIsoCountryCode(absl::string_view code) {
  return std::binary_search(kIsoCountries.begin(), kIsoCountries.end(), code,
                            [](absl::string_view a, absl::string_view b) { return a < b; });
}

std::vector<std::string> CrmMemberCountries() {
  return {"BZ", "CA", "CR", "DO", "GT", "HN", "MX", "NI", "PA", "SV", "US"};
}

bool IsLanguageTag(absl::string_view tag) {
  if (tag.empty() || tag.size() > 35) return false;
  std::vector<absl::string_view> parts = absl::StrSplit(tag, '-');
  const absl::string_view language = parts[0];
  if (language.size() < 2 || language.size() > 3 || !AllOf(language, IsAlpha)) return false;
  // After the language: script, region, variants, each at most once and in this order.
  enum { kScript, kRegion, kVariant } next = kScript;
  for (size_t i = 1; i < parts.size(); ++i) {
    const absl::string_view p = parts[i];
    if (next == kScript && p.size() == 4 && AllOf(p, IsAlpha)) {
      next = kRegion;
    } else if (next != kVariant &&
               ((p.size() == 2 && AllOf(p, IsAlpha)) || (p.size() == 3 && AllOf(p, IsDigit)))) {
      next = kVariant;
    } else if (((p.size() >= 5 && p.size() <= 8) || (p.size() == 4 && absl::ascii_isdigit(p[0]))) &&
               AllOf(p, IsAlnum)) {
      next = kVariant;
    } else {
      return false;
    }
  }
  return true;
}

bool IsReference(absl::string_view text) { return IsLowerHexOfLength(text, 32); }

bool IsSha256Hex(absl::string_view text) { return IsLowerHexOfLength(text, 64); }

bool IsMediaType(absl::string_view text) {
  const size_t slash = text.find('/');
  if (slash == absl::string_view::npos) return false;
  return IsRestrictedName(text.substr(0, slash)) && IsRestrictedName(text.substr(slash + 1));
}

bool IsParticipantId(absl::string_view text) {
  if (text == "hub") return true;
  const size_t slash = text.find('/');
  if (slash == absl::string_view::npos) return false;
  const absl::string_view role = text.substr(0, slash);
  const absl::string_view name = text.substr(slash + 1);
  if (role == "node") return IsIsoCountryCode(name);
  if (role != "admin" && role != "auditor") return false;
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_isalnum(c) || c == '.' || c == '_' || c == '-';
  });
}

TextScan ScanText(absl::string_view text, bool allow_line_breaks) {
  TextScan scan;
  size_t i = 0;
  while (i < text.size()) {
    const absl::optional<uint32_t> cp = DecodeUtf8(text, &i);
    if (!cp.has_value()) {
      scan.valid_utf8 = false;
      return scan;
    }
    ++scan.code_points;
    if (!scan.bad_code_point.has_value() && IsForbiddenCodePoint(*cp, allow_line_breaks)) {
      scan.bad_code_point = *cp;
      scan.bad_position = scan.code_points;
    }
  }
  return scan;
}

}  // namespace enlace::domain
