// Telephone numbers of Luxembourg, France, Germany and Belgium, and international numbers.
//
// Accepted shapes (groups of digits joined by single separators: space, '-', '.', '/'; after
// the first separator all others are the same one, so "030/123 45 67" is one number but a
// date followed by a time is not):
//   international  "+" or "00", then 8..15 digits (country code included), an optional "(0)"
//                  after the country code: +352 621 123 456, 00352 26 12 34 56,
//                  +49 (0)30 1234567, +33612345678
//   national       "0" then a non-zero digit, 9..12 digits in all (FR 10, BE 9-10, DE 9-12):
//                  06 12 34 56 78, 030 1234567, 0470 12 34 56, 02 123 45 67
//   Luxembourg     no trunk prefix: mobile 6X1 234 567 (9 digits, grouped 3-3-3 or
//                  unbroken with a mobile operator prefix), fixed 2X XX XX XX (grouped 2-2-2-2)
#include <algorithm>
#include <initializer_list>
#include <string>
#include <vector>

#include "governance/pii_detectors.h"
#include "governance/pii_text.h"

namespace souverain::governance {

namespace {

using namespace pii_text;

bool is_phone_separator(char c) {
    return c == ' ' || c == '-' || c == '.' || c == '/';
}

struct PhoneRun {
    size_t end = 0;
    std::string digits;  // without the "+"/"00" prefix and without "(0)"
    std::vector<size_t> groups;
    bool bad_end = false;  // cut by a separator of another kind followed by a digit
};

// Reads digit groups from `pos`; `allow_trunk_zero` accepts one "(0)" after the first group.
PhoneRun read_phone_groups(std::string_view text, size_t pos, bool allow_trunk_zero) {
    PhoneRun run;
    char separator = 0;
    size_t n_separators = 0;
    size_t group = 0;
    bool trunk_seen = !allow_trunk_zero;
    while (pos < text.size()) {
        const char c = text[pos];
        if (is_digit(c)) {
            run.digits.push_back(c);
            ++group;
            ++pos;
            if (run.digits.size() > 16) break;
            continue;
        }
        // "(0)" right after the country code, with or without a space before it.
        size_t paren = pos;
        if (!trunk_seen && run.groups.empty() && c == ' ') ++paren;
        if (!trunk_seen && run.groups.empty() && text.substr(paren, 3) == "(0)") {
            trunk_seen = true;
            run.groups.push_back(group);
            group = 0;
            pos = paren + 3;
            if (pos < text.size() && text[pos] == ' ') ++pos;
            continue;
        }
        if (is_phone_separator(c) && pos + 1 < text.size() && is_digit(text[pos + 1])) {
            if (n_separators >= 2 && c != separator) {
                run.bad_end = true;
                break;
            }
            // The first separator may differ from the rest ("030/123 45 67").
            if (n_separators <= 1) separator = c;
            ++n_separators;
            if (group > 0) run.groups.push_back(group);
            group = 0;
            ++pos;
            continue;
        }
        break;
    }
    if (group > 0) run.groups.push_back(group);
    run.end = pos;
    return run;
}

bool all_groups(const std::vector<size_t>& groups, std::initializer_list<size_t> sizes) {
    return groups.size() == sizes.size() && std::equal(groups.begin(), groups.end(), sizes.begin());
}

bool lu_mobile_prefix(std::string_view digits) {
    static constexpr std::string_view kPrefixes[] = {"621", "628", "651", "661",
                                                     "671", "681", "691", "698"};
    for (std::string_view prefix : kPrefixes) {
        if (digits.substr(0, 3) == prefix) return true;
    }
    return false;
}

// The end of a phone number starting at `start`, or 0.
size_t match_phone(std::string_view text, size_t start) {
    const char c = text[start];
    if (c == '+' || (c == '0' && start + 2 < text.size() && text[start + 1] == '0' &&
                     text[start + 2] >= '1' && text[start + 2] <= '9')) {
        const size_t prefix = c == '+' ? 1 : 2;
        if (start + prefix >= text.size() || !is_digit(text[start + prefix]) ||
            text[start + prefix] == '0') {
            return 0;
        }
        const PhoneRun run = read_phone_groups(text, start + prefix, true);
        if (run.bad_end || run.digits.size() < 8 || run.digits.size() > 15) return 0;
        return run.end;
    }
    if (!is_digit(c)) return 0;
    const PhoneRun run = read_phone_groups(text, start, false);
    if (run.bad_end) return 0;
    const std::string& d = run.digits;
    if (d[0] == '0') {
        if (d.size() < 9 || d.size() > 12 || d[1] == '0') return 0;
        // French numbers are written in pairs: "06 12 34 56 78" never has more pairs.
        if (run.groups.size() > 5 && run.groups[0] == 2) return 0;
        return run.end;
    }
    if (d[0] == '6' && d.size() == 9 &&
        (all_groups(run.groups, {3, 3, 3}) || (run.groups.size() == 1 && lu_mobile_prefix(d)))) {
        return run.end;
    }
    if ((d[0] == '2' || d[0] == '4') && d.size() == 8 && all_groups(run.groups, {2, 2, 2, 2})) {
        return run.end;
    }
    return 0;
}

}  // namespace

void detect_phones(std::string_view text, std::vector<PiiEntity>& out) {
    for (size_t pos = 0; pos < text.size(); ++pos) {
        const char c = text[pos];
        if (c != '+' && !is_digit(c)) continue;
        if (!word_boundary_before(text, pos)) continue;
        if (pos >= 1 && (text[pos - 1] == '+' || is_digit(text[pos - 1]))) continue;
        if (pos >= 2 && is_phone_separator(text[pos - 1]) && is_digit(text[pos - 2])) continue;
        const size_t end = match_phone(text, pos);
        if (end == 0) {
            // Skip the rest of this number: a suffix of it is not a phone number either.
            while (pos + 1 < text.size() && is_digit(text[pos + 1])) ++pos;
            continue;
        }
        if (!word_boundary_at(text, end)) continue;
        if (end + 1 < text.size() && is_phone_separator(text[end]) && is_digit(text[end + 1])) {
            continue;
        }
        out.push_back(
            PiiEntity{PiiType::PHONE, pos, end, std::string(text.substr(pos, end - pos))});
        pos = end - 1;
    }
}

}  // namespace souverain::governance
