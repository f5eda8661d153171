#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "governance/pii_scan.h"

namespace souverain::governance {
namespace {

using Found = std::vector<std::pair<std::string, std::string>>;

// (type, text) of every entity scan_pii reports, in order.
Found found(std::string_view text) {
    Found out;
    for (const PiiEntity& entity : scan_pii(text)) {
        EXPECT_EQ(text.substr(entity.start, entity.end - entity.start), entity.text);
        out.emplace_back(pii_type_name(entity.type), entity.text);
    }
    return out;
}

Found one(const char* type, const char* text) {
    return {{type, text}};
}

TEST(PiiDetectors, Email) {
    EXPECT_EQ(found("Écrivez à jean.schmit@etat.lu, merci."), one("EMAIL", "jean.schmit@etat.lu"));
    EXPECT_EQ(found("<a.b+rh@mail.example.be>"), one("EMAIL", "a.b+rh@mail.example.be"));
    EXPECT_EQ(found("Fin de phrase: anne@uni.lu."), one("EMAIL", "anne@uni.lu"));
    EXPECT_TRUE(found("not an address: user@localhost or @example.lu or a@b.c").empty());
}

TEST(PiiDetectors, PhoneFormats) {
    for (const char* phone :
         {"+352 621 123 456", "00352 26 12 34 56", "+352 26 12 34 56", "621 123 456", "691123456",
          "26 12 34 56", "06 12 34 56 78", "06.12.34.56.78", "+33 6 12 34 56 78", "+33612345678",
          "030 1234567", "030/1234567", "+49 30 1234567", "+49 (0)30 1234567", "0151 12345678",
          "0470 12 34 56", "+32 470 12 34 56", "+32 2 123 45 67", "02 123 45 67"}) {
        SCOPED_TRACE(phone);
        EXPECT_EQ(found(std::string("Tél. : ") + phone + ", merci."), one("PHONE", phone));
    }
}

TEST(PiiDetectors, PhoneNegatives) {
    for (const char* text :
         {"le 12.03.1985 à 10.30", "Version 1.2.3.4.5", "1234567 habitants", "Code 123 456",
          "ticket 06 12 34 56 78 90 12", "x+352 621 123 456", "page 621 123 4567"}) {
        SCOPED_TRACE(text);
        EXPECT_TRUE(found(text).empty());
    }
}

TEST(PiiDetectors, Iban) {
    for (const char* iban :
         {"LU28 0019 4006 4475 0000", "LU280019400644750000", "FR14 2004 1010 0505 0001 3M02 606",
          "DE89 3704 0044 0532 0130 00", "DE89370400440532013000", "BE68 5390 0754 7034",
          "NL91 ABNA 0417 1643 00", "GB82 WEST 1234 5698 7654 32"}) {
        SCOPED_TRACE(iban);
        EXPECT_EQ(found(std::string("IBAN: ") + iban + "."), one("IBAN", iban));
    }
    EXPECT_TRUE(found("IBAN LU28 0019 4006 4475 0001").empty());  // wrong check
    EXPECT_TRUE(found("IBAN LU29 0019 4006 4475 0000").empty());
    EXPECT_TRUE(found("XLU280019400644750000").empty());     // inside a word
    EXPECT_TRUE(found("LU2800194006447500001").empty());     // too long for LU
    EXPECT_TRUE(found("LU28 00194 006 4475 0000").empty());  // groups not of four
    EXPECT_TRUE(found("QQ28 0019 4006 4475 0000").empty());  // no such country
    // A mistyped IBAN is nothing, not a phone number made of its last groups.
    EXPECT_TRUE(found("IBAN NL91 UGTG 0334 2237 16 merci").empty());
}

TEST(PiiDetectors, PaymentCard) {
    for (const char* card : {"4111 1111 1111 1111", "4111111111111111", "4111-1111-1111-1111",
                             "5555 5555 5555 4444", "3782 822463 10005", "378282246310005"}) {
        SCOPED_TRACE(card);
        EXPECT_EQ(found(std::string("Carte ") + card + " ok"), one("PAYMENT_CARD", card));
    }
    EXPECT_TRUE(found("Carte 4111 1111 1111 1112").empty());  // Luhn fails
    EXPECT_TRUE(found("n° 14111111111111111").empty());       // longer digit run
    EXPECT_TRUE(found("n° 4111111111111111x").empty());
    EXPECT_TRUE(found("n° 4111 1111 1111 1111 2").empty());    // part of a longer number
    EXPECT_TRUE(found("n° 41 11 11 11 11 11 11 11").empty());  // not a card grouping
}

TEST(PiiDetectors, IpAddress) {
    for (const char* ip : {"192.168.1.10", "8.8.8.8", "2001:db8::1", "fe80::1ff:fe23:4567:890a",
                           "2001:0db8:85a3:0000:0000:8a2e:0370:7334", "::ffff:192.0.2.128"}) {
        SCOPED_TRACE(ip);
        EXPECT_EQ(found(std::string("from ") + ip + "."), one("IP_ADDRESS", ip));
    }
    for (const char* text : {"256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "at 12:30:45",
                             "std::vector", "a::b::c", "1:2:3:4:5:6:7:8:9"}) {
        SCOPED_TRACE(text);
        EXPECT_TRUE(found(text).empty());
    }
}

TEST(PiiDetectors, LuNationalId) {
    EXPECT_EQ(found("Matricule 1985031212307."), one("LU_NATIONAL_ID", "1985031212307"));
    EXPECT_EQ(found("Matricule 1985 0312 123 07"), one("LU_NATIONAL_ID", "1985 0312 123 07"));
    EXPECT_EQ(found("né en 2000: 2000022900505"), one("LU_NATIONAL_ID", "2000022900505"));
    EXPECT_TRUE(found("Matricule 1985031212317").empty());  // wrong Luhn digit
    EXPECT_TRUE(found("Matricule 1985031212308").empty());  // wrong Verhoeff digit
    EXPECT_TRUE(found("Matricule 1985023012399").empty());  // both right, 30 February
    EXPECT_TRUE(found("Matricule 19850312123070").empty());
}

TEST(PiiDetectors, FrNir) {
    EXPECT_EQ(found("NIR 185037512345641."), one("FR_NIR", "185037512345641"));
    EXPECT_EQ(found("NIR 1 85 03 75 123 456 41"), one("FR_NIR", "1 85 03 75 123 456 41"));
    EXPECT_EQ(found("NIR 2 90 05 2A 123 456 29"), one("FR_NIR", "2 90 05 2A 123 456 29"));
    EXPECT_TRUE(found("NIR 185037512345642").empty());  // wrong key
    EXPECT_TRUE(found("NIR 2 90 05 2A 123 456 28").empty());
    EXPECT_TRUE(found("NIR 385037512345641").empty());  // sex digit
    EXPECT_TRUE(found("NIR 1850375123456410").empty());
}

TEST(PiiDetectors, DeTaxId) {
    EXPECT_EQ(found("Steuer-IdNr. 86095742719"), one("DE_TAX_ID", "86095742719"));
    EXPECT_EQ(found("IdNr 65 929 970 489."), one("DE_TAX_ID", "65 929 970 489"));
    EXPECT_EQ(found("IdNr 11213456783"), one("DE_TAX_ID", "11213456783"));  // 1 thrice, apart
    EXPECT_TRUE(found("IdNr 86095742718").empty());                         // wrong check digit
    EXPECT_TRUE(found("IdNr 12345678903").empty());  // right check, no repeated digit
    EXPECT_TRUE(found("IdNr 11123456786").empty());  // right check, three 1s in a row
    // A leading zero is no tax ID (it reads as a German phone number instead).
    EXPECT_EQ(found("IdNr 01234567888"), one("PHONE", "01234567888"));
}

TEST(PiiDetectors, DateOfBirthNeedsContext) {
    EXPECT_EQ(found("Il est né le 12 mars 1985 à Esch."), one("DATE_OF_BIRTH", "12 mars 1985"));
    EXPECT_EQ(found("Elle est née le 1er janvier 1990."), one("DATE_OF_BIRTH", "1er janvier 1990"));
    EXPECT_EQ(found("Date de naissance : 03/04/1979"), one("DATE_OF_BIRTH", "03/04/1979"));
    EXPECT_EQ(found("geboren am 3. März 1990 in Trier"), one("DATE_OF_BIRTH", "3. März 1990"));
    EXPECT_EQ(found("geb. 24.12.1961, Trier"), one("DATE_OF_BIRTH", "24.12.1961"));
    EXPECT_EQ(found("born on March 12, 1985 in Metz"), one("DATE_OF_BIRTH", "March 12, 1985"));
    EXPECT_EQ(found("DOB: 1985-03-12"), one("DATE_OF_BIRTH", "1985-03-12"));
    EXPECT_EQ(found("Hien ass gebuer den 12. Mäerz 1985."), one("DATE_OF_BIRTH", "12. Mäerz 1985"));
    EXPECT_EQ(found("Si ass gebuer de 5. Abrëll 2001"), one("DATE_OF_BIRTH", "5. Abrëll 2001"));
    EXPECT_EQ(found("née à Esch-sur-Alzette le 3 mars 1980"), one("DATE_OF_BIRTH", "3 mars 1980"));
    EXPECT_EQ(found("geboren in Trier am 3.4.1990"), one("DATE_OF_BIRTH", "3.4.1990"));
    EXPECT_EQ(found("born in Metz, on 12 May 1985"), one("DATE_OF_BIRTH", "12 May 1985"));
    EXPECT_TRUE(found("né à Paris. Le 12 mars 1985, il part.").empty());
    EXPECT_TRUE(found("La réunion du 12 mars 2024 est reportée.").empty());
    EXPECT_TRUE(found("Termin am 03.04.2024").empty());
    EXPECT_TRUE(found("né le 30/02/1990").empty());  // no such day
    EXPECT_TRUE(found("né le 12/03/19851").empty());
}

TEST(PiiDetectors, PersonAfterTitle) {
    EXPECT_EQ(found("Monsieur Jean Dupont a signé."), one("PERSON", "Jean Dupont"));
    EXPECT_EQ(found("Madame Anne-Marie Schmit"), one("PERSON", "Anne-Marie Schmit"));
    EXPECT_EQ(found("M. Jérôme Lefèvre est absent."), one("PERSON", "Jérôme Lefèvre"));
    EXPECT_EQ(found("Sehr geehrte Frau Müller,"), one("PERSON", "Müller"));
    EXPECT_EQ(found("Frau Dr. Groß ist da."), one("PERSON", "Groß"));
    EXPECT_EQ(found("Här Jang Weber huet"), one("PERSON", "Jang Weber"));
    EXPECT_EQ(found("Madamm Josée Thill"), one("PERSON", "Josée Thill"));
    EXPECT_EQ(found("Dear Mrs O'Neill, thanks"), one("PERSON", "O'Neill"));
    EXPECT_EQ(found("Mr Jean Paul DUPONT signed"), one("PERSON", "Jean Paul DUPONT"));
    EXPECT_EQ(found("Mme Zoé Łukasz Da Silva"), one("PERSON", "Zoé Łukasz Da"));  // 3 words at most
    EXPECT_EQ(found("Monsieur Jean de la Fontaine écrit"), one("PERSON", "Jean de la Fontaine"));
    EXPECT_EQ(found("Frau Ursula von der Leyen sagt"), one("PERSON", "Ursula von der Leyen"));
    EXPECT_EQ(found("Monsieur de Villepin a dit"), one("PERSON", "de Villepin"));
    EXPECT_EQ(found("Monsieur Jean de la ville"), one("PERSON", "Jean"));
    EXPECT_TRUE(found("Madame la Ministre et Monsieur le Président").empty());
    EXPECT_TRUE(found("Le Conseil d'État et Jean Dupont").empty());
    EXPECT_TRUE(found("Hermann Frauke Mme.X").empty());
}

TEST(PiiDetectors, ByteOffsetsWithNonAsciiAround) {
    const std::string text =
        "Ça, c’est «anne@uni.lu» — tél. +352 621 123 456 ; Zoë: 4111 1111 1111 1111 ✓";
    const std::vector<PiiEntity> entities = scan_pii(text);
    ASSERT_EQ(entities.size(), 3u);
    EXPECT_EQ(entities[0].type, PiiType::EMAIL);
    EXPECT_EQ(entities[0].start, text.find("anne@"));
    EXPECT_EQ(entities[0].end, text.find("»"));
    EXPECT_EQ(entities[1].type, PiiType::PHONE);
    EXPECT_EQ(entities[1].start, text.find("+352"));
    EXPECT_EQ(entities[2].type, PiiType::PAYMENT_CARD);
    EXPECT_EQ(entities[2].end, text.find(" ✓"));
    for (const PiiEntity& entity : entities) {
        EXPECT_EQ(text.substr(entity.start, entity.end - entity.start), entity.text);
    }
}

TEST(PiiDetectors, NoMatchGluedToLetters) {
    EXPECT_TRUE(found("é4111111111111111").empty());
    EXPECT_TRUE(found("4111111111111111ß").empty());
    EXPECT_TRUE(found("ab86095742719").empty());
    EXPECT_TRUE(found("Herrmann Weber").empty());
}

TEST(PiiScan, OverlapRule) {
    // A check-digit type beats a pattern type; then the longer span; then the type order.
    std::vector<PiiEntity> candidates = {
        {PiiType::PHONE, 0, 14, "x"},   {PiiType::DE_TAX_ID, 3, 14, "y"},
        {PiiType::PERSON, 20, 30, "p"}, {PiiType::DATE_OF_BIRTH, 25, 35, "d"},
        {PiiType::EMAIL, 40, 50, "e"},  {PiiType::IP_ADDRESS, 40, 50, "i"},
    };
    const std::vector<PiiEntity> kept = resolve_pii_overlaps(candidates);
    ASSERT_EQ(kept.size(), 3u);
    EXPECT_EQ(kept[0].type, PiiType::DE_TAX_ID);
    EXPECT_EQ(kept[1].type, PiiType::DATE_OF_BIRTH);
    EXPECT_EQ(kept[2].type, PiiType::EMAIL);
    std::reverse(candidates.begin(), candidates.end());
    EXPECT_EQ(resolve_pii_overlaps(candidates), kept);
}

TEST(PiiScan, TypeNames) {
    for (PiiType type : kAllPiiTypes) EXPECT_EQ(parse_pii_type(pii_type_name(type)), type);
    EXPECT_FALSE(parse_pii_type("NAME").has_value());
}

}  // namespace
}  // namespace souverain::governance
