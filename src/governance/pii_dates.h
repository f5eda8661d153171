#pragma once
// Calendar dates as people write them in French, German, English and Luxembourgish text:
// numeric (31/12/1985, 31.12.1985, 31-12-85, 1985-12-31) and written (1er janvier 1990,
// 12. März 1985, 12 March 1985, March 12, 1985, 3. Mäerz 1979). Used by the date-of-birth
// detector and to normalize a detected date for pseudonymization.
//
// Thread-safety: pure functions.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace souverain::governance {

struct ParsedDate {
    int year = 0;
    int month = 0;
    int day = 0;
    size_t length = 0;  // bytes of text the date spans from the position it was parsed at
};

// Parses a valid date starting exactly at `pos` and ending at a word boundary; nullopt when
// none does. Two-digit years (numeric forms only) are read as 19YY. Years 1800..2199.
std::optional<ParsedDate> parse_date_at(std::string_view text, size_t pos);

// "YYYY-MM-DD".
std::string format_iso_date(const ParsedDate& date);

}  // namespace souverain::governance
