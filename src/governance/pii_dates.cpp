#include "governance/pii_dates.h"

#include <cstdio>

#include "governance/pii_check_digits.h"
#include "governance/pii_text.h"

namespace souverain::governance {

namespace {

using namespace pii_text;

struct MonthName {
    std::string_view name;  // lower case; ASCII letters match either case
    int month;
};

// Full names and the usual abbreviations in French, German, English and Luxembourgish.
constexpr MonthName kMonthNames[] = {
    {"janvier", 1},   {"janv", 1},      {"january", 1},   {"januar", 1},    {"jänner", 1},
    {"jan", 1},       {"février", 2},   {"fevrier", 2},   {"févr", 2},      {"fevr", 2},
    {"february", 2},  {"februar", 2},   {"feb", 2},       {"mars", 3},      {"march", 3},
    {"märz", 3},      {"maerz", 3},     {"mäerz", 3},     {"mär", 3},       {"mar", 3},
    {"avril", 4},     {"avr", 4},       {"april", 4},     {"abrëll", 4},    {"apr", 4},
    {"mai", 5},       {"may", 5},       {"mee", 5},       {"juin", 6},      {"june", 6},
    {"juni", 6},      {"jun", 6},       {"juillet", 7},   {"juil", 7},      {"july", 7},
    {"juli", 7},      {"jul", 7},       {"août", 8},      {"aout", 8},      {"august", 8},
    {"aug", 8},       {"septembre", 9}, {"september", 9}, {"sept", 9},      {"sep", 9},
    {"octobre", 10},  {"october", 10},  {"oktober", 10},  {"oct", 10},      {"okt", 10},
    {"novembre", 11}, {"november", 11}, {"nov", 11},      {"décembre", 12}, {"decembre", 12},
    {"december", 12}, {"dezember", 12}, {"déc", 12},      {"dec", 12},      {"dez", 12},
};

// Reads 1..max_digits digits at `pos`; returns the count read (0 when none) and the value.
size_t read_number(std::string_view text, size_t pos, size_t max_digits, int& value) {
    size_t n = 0;
    value = 0;
    while (pos + n < text.size() && is_digit(text[pos + n])) {
        if (n == max_digits) return 0;  // a longer digit run is not this field
        value = value * 10 + (text[pos + n] - '0');
        ++n;
    }
    return n;
}

// The longest month name at `pos` followed by a non-letter; its length, or 0.
size_t read_month_name(std::string_view text, size_t pos, int& month) {
    size_t best = 0;
    for (const MonthName& candidate : kMonthNames) {
        if (candidate.name.size() <= best || !matches_ascii_ci(text, pos, candidate.name)) {
            continue;
        }
        if (!word_boundary_at(text, pos + candidate.name.size())) continue;
        best = candidate.name.size();
        month = candidate.month;
    }
    if (best > 0 && best < 6 && pos + best < text.size() && text[pos + best] == '.') {
        ++best;  // "janv.", "Dez."
    }
    return best;
}

bool valid_year(int year) {
    return year >= 1800 && year <= 2199;
}

std::optional<ParsedDate> finish(std::string_view text, size_t start, size_t end, int year,
                                 int month, int day) {
    if (!valid_year(year) || !is_valid_date(year, month, day)) return std::nullopt;
    if (!word_boundary_at(text, end)) return std::nullopt;
    return ParsedDate{year, month, day, end - start};
}

// YYYY-MM-DD or YYYY/MM/DD.
std::optional<ParsedDate> parse_iso(std::string_view text, size_t pos, int year, size_t n) {
    size_t at = pos + n;
    if (at >= text.size() || (text[at] != '-' && text[at] != '/')) return std::nullopt;
    const char sep = text[at++];
    int month = 0, day = 0;
    const size_t n_month = read_number(text, at, 2, month);
    if (n_month == 0) return std::nullopt;
    at += n_month;
    if (at >= text.size() || text[at] != sep) return std::nullopt;
    const size_t n_day = read_number(text, ++at, 2, day);
    if (n_day == 0) return std::nullopt;
    return finish(text, pos, at + n_day, year, month, day);
}

// D.M.YYYY, D/M/YYYY, D-M-YYYY (two-digit years allowed).
std::optional<ParsedDate> parse_numeric(std::string_view text, size_t pos, int day, size_t n) {
    size_t at = pos + n;
    if (at + 1 >= text.size()) return std::nullopt;
    const char sep = text[at];
    if (sep != '.' && sep != '/' && sep != '-') return std::nullopt;
    int month = 0, year = 0;
    const size_t n_month = read_number(text, ++at, 2, month);
    if (n_month == 0) return std::nullopt;
    at += n_month;
    if (at >= text.size() || text[at] != sep) return std::nullopt;
    const size_t n_year = read_number(text, ++at, 4, year);
    if (n_year != 4 && n_year != 2) return std::nullopt;
    if (n_year == 2) year += 1900;
    return finish(text, pos, at + n_year, year, month, day);
}

// "12 mars 1985", "1er janvier 1990", "12. März 1985", "3rd of May 1990".
std::optional<ParsedDate> parse_day_month_year(std::string_view text, size_t pos, int day,
                                               size_t n) {
    size_t at = pos + n;
    if (matches_ascii_ci(text, at, "er") || matches_ascii_ci(text, at, "st") ||
        matches_ascii_ci(text, at, "nd") || matches_ascii_ci(text, at, "rd") ||
        matches_ascii_ci(text, at, "th")) {
        at += 2;
    } else if (at < text.size() && text[at] == '.') {
        ++at;
    }
    size_t after = skip_blanks(text, at);
    if (after == at) return std::nullopt;
    at = after;
    if (matches_ascii_ci(text, at, "of ")) at = skip_blanks(text, at + 3);
    int month = 0;
    const size_t n_month = read_month_name(text, at, month);
    if (n_month == 0) return std::nullopt;
    at += n_month;
    after = skip_blanks(text, at);
    if (after == at) return std::nullopt;
    int year = 0;
    const size_t n_year = read_number(text, after, 4, year);
    if (n_year != 4) return std::nullopt;
    return finish(text, pos, after + n_year, year, month, day);
}

// "March 12, 1985", "March 12th 1985".
std::optional<ParsedDate> parse_month_day_year(std::string_view text, size_t pos) {
    int month = 0;
    const size_t n_month = read_month_name(text, pos, month);
    if (n_month == 0) return std::nullopt;
    size_t at = skip_blanks(text, pos + n_month);
    if (at == pos + n_month) return std::nullopt;
    int day = 0;
    const size_t n_day = read_number(text, at, 2, day);
    if (n_day == 0) return std::nullopt;
    at += n_day;
    if (matches_ascii_ci(text, at, "st") || matches_ascii_ci(text, at, "nd") ||
        matches_ascii_ci(text, at, "rd") || matches_ascii_ci(text, at, "th")) {
        at += 2;
    }
    if (at < text.size() && text[at] == ',') ++at;
    const size_t after = skip_blanks(text, at);
    if (after == at) return std::nullopt;
    int year = 0;
    const size_t n_year = read_number(text, after, 4, year);
    if (n_year != 4) return std::nullopt;
    return finish(text, pos, after + n_year, year, month, day);
}

}  // namespace

std::optional<ParsedDate> parse_date_at(std::string_view text, size_t pos) {
    if (pos >= text.size()) return std::nullopt;
    if (!is_digit(text[pos])) return parse_month_day_year(text, pos);
    int value = 0;
    size_t n = 0;
    while (pos + n < text.size() && is_digit(text[pos + n]) && n < 5) {
        value = value * 10 + (text[pos + n] - '0');
        ++n;
    }
    if (n == 4) return parse_iso(text, pos, value, n);
    if (n > 2) return std::nullopt;
    if (auto date = parse_numeric(text, pos, value, n)) return date;
    return parse_day_month_year(text, pos, value, n);
}

std::string format_iso_date(const ParsedDate& date) {
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02d", date.year, date.month, date.day);
    return buffer;
}

}  // namespace souverain::governance
