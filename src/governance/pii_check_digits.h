#pragma once
// Check-digit algorithms of the identifiers the PII detectors recognize. Inputs are ASCII
// digit strings (IBAN: digits and upper-case letters) without separators; a function given a
// character outside its alphabet returns false / -1 rather than guessing.
//
// Thread-safety: pure functions.
#include <string_view>

namespace souverain::governance {

// Luhn (ISO/IEC 7812-1): true when the last digit is the check digit of the others.
bool luhn_valid(std::string_view digits);
// The Luhn check digit to append to `digits`; -1 on a non-digit.
int luhn_check_digit(std::string_view digits);

// Verhoeff (dihedral group D5): the check digit to append to `digits`; -1 on a non-digit.
int verhoeff_check_digit(std::string_view digits);

// ISO 7064 MOD 11,10 (hybrid system): the check digit to append; -1 on a non-digit.
int iso7064_mod11_10_check_digit(std::string_view digits);

// ISO 13616 / ISO 7064 MOD 97-10 over an IBAN (country, check digits, BBAN; upper-case
// letters and digits only): true when the rearranged number mod 97 is 1.
bool iban_mod97_valid(std::string_view iban);

// Remainder of a decimal digit string modulo 97 (any length); -1 on a non-digit.
int decimal_mod97(std::string_view digits);

// A proleptic Gregorian calendar date check (month 1..12, day within that month).
bool is_valid_date(int year, int month, int day);

}  // namespace souverain::governance
