#include "governance/pii_pseudonymizer.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>

#include "governance/pii_scan.h"
#include "test_paths.h"

namespace souverain::governance {
namespace {

PseudonymKey key_of(char fill) {
    std::array<uint8_t, PseudonymKey::kSize> bytes;
    bytes.fill(static_cast<uint8_t>(fill));
    return PseudonymKey(bytes);
}

const char* kLetter =
    "Madame Anne Schmit (anne.schmit@etat.lu, +352 621 123 456) a écrit à "
    "M. Jérôme Lefèvre. IBAN LU28 0019 4006 4475 0000. Copie: anne.schmit@etat.lu";

TEST(PiiPseudonymizer, TypedPseudonymsReplaceEveryEntity) {
    const PseudonymizedText result = pseudonymize(kLetter, key_of(1));
    ASSERT_EQ(result.entities.size(), 6u);
    EXPECT_EQ(result.text.find("anne.schmit"), std::string::npos);
    EXPECT_EQ(result.text.find("621"), std::string::npos);
    EXPECT_EQ(result.text.find("Lefèvre"), std::string::npos);
    const std::regex pseudonym("<(EMAIL|PHONE|PERSON|IBAN)_[0-9a-f]{4,64}>");
    size_t n = 0;
    for (auto it = std::sregex_iterator(result.text.begin(), result.text.end(), pseudonym);
         it != std::sregex_iterator(); ++it) {
        ++n;
    }
    EXPECT_EQ(n, 6u);
    // The same e-mail twice gives one pseudonym; the mapping has one entry per value.
    EXPECT_EQ(result.pseudonyms[1], result.pseudonyms[5]);
    EXPECT_EQ(result.mapping.size(), 5u);
    EXPECT_EQ(result.mapping.at(result.pseudonyms[1]), "anne.schmit@etat.lu");
    EXPECT_TRUE(scan_pii(result.text).empty()) << result.text;
}

TEST(PiiPseudonymizer, ReverseRoundTrip) {
    const PseudonymizedText result = pseudonymize(kLetter, key_of(7));
    EXPECT_EQ(reverse(result.text, result.mapping), kLetter);
    // Unknown and malformed pseudonym-like text is left alone.
    EXPECT_EQ(reverse("<EMAIL_0000> <<x> <", result.mapping), "<EMAIL_0000> <<x> <");
    const std::string nested = "<" + result.pseudonyms[0];
    EXPECT_EQ(reverse(nested, result.mapping), "<" + result.entities[0].text);
}

TEST(PiiPseudonymizer, StableWithinTenantSeparateAcrossTenants) {
    const PseudonymKey tenant_a = key_of(1), tenant_b = key_of(2);
    const std::string a1 = pseudonymize("Mail: jean@example.lu", tenant_a).pseudonyms.at(0);
    const std::string a2 =
        pseudonymize("Autre texte, même adresse JEAN@Example.lu !", tenant_a).pseudonyms.at(0);
    const std::string b1 = pseudonymize("Mail: jean@example.lu", tenant_b).pseudonyms.at(0);
    EXPECT_EQ(a1, a2);  // normalized: e-mail case does not matter
    EXPECT_NE(a1, b1);
    EXPECT_EQ(a1.substr(0, 7), "<EMAIL_");
    // Formats of one phone number share a pseudonym.
    EXPECT_EQ(pseudonym_digest(tenant_a, PiiType::PHONE, "+352 621 123 456"),
              pseudonym_digest(tenant_a, PiiType::PHONE, "00352621123456"));
    EXPECT_EQ(pseudonym_digest(tenant_a, PiiType::DATE_OF_BIRTH, "12 mars 1985"),
              pseudonym_digest(tenant_a, PiiType::DATE_OF_BIRTH, "12.03.1985"));
    // The same string under two types does not share a digest.
    EXPECT_NE(pseudonym_digest(tenant_a, PiiType::PHONE, "0612345678"),
              pseudonym_digest(tenant_a, PiiType::DE_TAX_ID, "0612345678"));
}

TEST(PiiPseudonymizer, CollisionsWidenTheHex) {
    // Many distinct e-mails in one text: 4 hex characters collide among a few thousand
    // values, and colliding values must still get distinct pseudonyms.
    std::string text;
    for (int idx = 0; idx < 3000; ++idx) text += "u" + std::to_string(idx) + "@example.lu ";
    const PseudonymizedText result = pseudonymize(text, key_of(3));
    ASSERT_EQ(result.entities.size(), 3000u);
    std::set<std::string> distinct(result.pseudonyms.begin(), result.pseudonyms.end());
    EXPECT_EQ(distinct.size(), 3000u);
    bool widened = false;
    for (const std::string& p : result.pseudonyms)
        widened |= p.size() > std::string("<EMAIL_xxxx>").size();
    EXPECT_TRUE(widened);
    EXPECT_EQ(reverse(result.text, result.mapping), text);
}

TEST(PiiPseudonymizer, KeyFromHexAndFile) {
    const std::string hex(64, 'a');
    auto key = PseudonymKey::from_hex("  " + hex + "\n");
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(key->bytes()[0], 0xaa);
    EXPECT_FALSE(PseudonymKey::from_hex(hex.substr(1)).ok());
    EXPECT_FALSE(PseudonymKey::from_hex(std::string(63, 'a') + "g").ok());
    const std::string path = test::make_temp_dir("pii_key") + "/tenant.key";
    std::ofstream(path) << hex << "\n";
    auto from_file = PseudonymKey::from_file(path);
    ASSERT_TRUE(from_file.ok());
    EXPECT_EQ(from_file->bytes(), key->bytes());
    EXPECT_EQ(PseudonymKey::from_file(path + ".missing").error().code, ErrorCode::IO);
    EXPECT_NE(PseudonymKey::generate().bytes(), PseudonymKey::generate().bytes());
}

}  // namespace
}  // namespace souverain::governance
