#include "domain/formats.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace enlace::domain {
namespace {

TEST(FormatsTest, CountryCodes) {
  for (const std::string& code : CrmMemberCountries()) EXPECT_TRUE(IsIsoCountryCode(code)) << code;
  EXPECT_EQ(CrmMemberCountries().size(), 11u);
  for (const char* good : {"AD", "BR", "VE", "ZW", "SS", "CW"}) EXPECT_TRUE(IsIsoCountryCode(good));
  for (const char* bad : {"", "G", "gt", "Gt", "GTM", "XX", "UK", "EU", "AA", "ZZ", "G1"}) {
    EXPECT_FALSE(IsIsoCountryCode(bad)) << bad;
  }
}

TEST(FormatsTest, LanguageTags) {
  for (const char* good : {"es", "en", "fr", "es-419", "en-US", "fr-CA", "mam", "zh-Hant-TW",
                           "sl-rozaj", "de-CH-1996", "ES-mx"}) {
    EXPECT_TRUE(IsLanguageTag(good)) << good;
  }
  for (const char* bad : {"", "e", "spanish", "es_MX", "es-", "-es", "es-MX-MX", "en-US-x-a",
                          "es-12", "1s", "es--MX", "es-Latn-Latn"}) {
    EXPECT_FALSE(IsLanguageTag(bad)) << bad;
  }
  EXPECT_FALSE(IsLanguageTag(std::string(36, 'a')));
}

TEST(FormatsTest, ReferencesAndDigests) {
  EXPECT_TRUE(IsReference("832ba50914912644152e930d378ece66"));
  EXPECT_FALSE(IsReference("832BA50914912644152E930D378ECE66"));
  EXPECT_FALSE(IsReference("832ba50914912644152e930d378ece6"));
  EXPECT_FALSE(IsReference("832ba50914912644152e930d378ece6g"));
  EXPECT_TRUE(IsSha256Hex(std::string(64, 'a')));
  EXPECT_FALSE(IsSha256Hex(std::string(63, 'a')));
}

TEST(FormatsTest, MediaTypes) {
  for (const char* good :
       {"application/pdf", "image/jpeg",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/plain"}) {
    EXPECT_TRUE(IsMediaType(good)) << good;
  }
  for (const char* bad : {"", "pdf", "application/", "/pdf", "Application/PDF",
                          "text/plain; charset=utf-8", "a/b/c", "text/pl ain"}) {
    EXPECT_FALSE(IsMediaType(bad)) << bad;
  }
}

TEST(FormatsTest, ParticipantIds) {
  for (const char* good : {"node/GT", "node/US", "admin/secretariat", "auditor/dpo-1", "hub"}) {
    EXPECT_TRUE(IsParticipantId(good)) << good;
  }
  for (const char* bad : {"", "GT", "node/gt", "node/XX", "node/", "admin/", "root/x", "admin/a b",
                          "hub/x", "auditor/ñ"}) {
    EXPECT_FALSE(IsParticipantId(bad)) << bad;
  }
}

TEST(FormatsTest, ScanCountsCharactersAndFindsControls) {
  TextScan scan = ScanText("Ñandú", false);
  EXPECT_TRUE(scan.valid_utf8);
  EXPECT_EQ(scan.code_points, 5u);
  EXPECT_FALSE(scan.bad_code_point.has_value());

  scan = ScanText("a\nb", false);
  EXPECT_EQ(scan.bad_code_point, 0x0Au);
  EXPECT_EQ(scan.bad_position, 2u);
  EXPECT_FALSE(ScanText("a\nb\tc\r\n", true).bad_code_point.has_value());
  EXPECT_EQ(ScanText("x\x7f", true).bad_code_point, 0x7Fu);
  EXPECT_EQ(ScanText("x\xC2\x85", true).bad_code_point, 0x85u);        // C1 NEL
  EXPECT_EQ(ScanText("\xE2\x81\xA6x", true).bad_code_point, 0x2066u);  // bidi isolate
  EXPECT_EQ(ScanText(std::string("a\0b", 3), true).bad_code_point, 0u);
}

TEST(FormatsTest, ScanRefusesInvalidUtf8) {
  for (const char* bad : {"\x80", "\xC3", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80",
                          "\xF4\x90\x80\x80", "\xF8\x88\x80\x80\x80", "ok\xFF"}) {
    EXPECT_FALSE(ScanText(bad, true).valid_utf8) << ::testing::PrintToString(bad);
  }
  EXPECT_TRUE(ScanText("\xF0\x9F\x98\x80", true).valid_utf8);  // an emoji
}

}  // namespace
}  // namespace enlace::domain
