#include "governance/pii_check_digits.h"

#include <gtest/gtest.h>

namespace souverain::governance {
namespace {

TEST(PiiCheckDigits, Luhn) {
    EXPECT_EQ(luhn_check_digit("7992739871"), 3);  // the textbook example
    EXPECT_TRUE(luhn_valid("79927398713"));
    EXPECT_FALSE(luhn_valid("79927398714"));
    EXPECT_TRUE(luhn_valid("4111111111111111"));
    EXPECT_FALSE(luhn_valid("4111111111111112"));
    EXPECT_FALSE(luhn_valid("41111a1111111111"));
    EXPECT_EQ(luhn_check_digit(""), -1);
}

TEST(PiiCheckDigits, Verhoeff) {
    EXPECT_EQ(verhoeff_check_digit("236"), 3);  // Verhoeff's own example
    EXPECT_EQ(verhoeff_check_digit("12345"), 1);
    EXPECT_EQ(verhoeff_check_digit("142857"), 0);
    EXPECT_EQ(verhoeff_check_digit("12x"), -1);
}

TEST(PiiCheckDigits, Iso7064Mod11_10) {
    EXPECT_EQ(iso7064_mod11_10_check_digit("8609574271"), 9);  // 86095742719
    EXPECT_EQ(iso7064_mod11_10_check_digit("6592997048"), 9);  // 65929970489
    EXPECT_EQ(iso7064_mod11_10_check_digit(""), -1);
}

TEST(PiiCheckDigits, IbanMod97) {
    EXPECT_TRUE(iban_mod97_valid("LU280019400644750000"));
    EXPECT_TRUE(iban_mod97_valid("GB82WEST12345698765432"));
    EXPECT_TRUE(iban_mod97_valid("FR1420041010050500013M02606"));
    EXPECT_FALSE(iban_mod97_valid("LU280019400644750001"));
    EXPECT_FALSE(iban_mod97_valid("LU28 0019"));
    EXPECT_EQ(decimal_mod97("1850375123456"), 97 - 41);
}

TEST(PiiCheckDigits, Dates) {
    EXPECT_TRUE(is_valid_date(2000, 2, 29));
    EXPECT_FALSE(is_valid_date(1900, 2, 29));
    EXPECT_TRUE(is_valid_date(2024, 2, 29));
    EXPECT_FALSE(is_valid_date(2023, 2, 29));
    EXPECT_FALSE(is_valid_date(2023, 4, 31));
    EXPECT_FALSE(is_valid_date(2023, 13, 1));
    EXPECT_FALSE(is_valid_date(2023, 1, 0));
}

}  // namespace
}  // namespace souverain::governance
