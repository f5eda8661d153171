// Identifiers with check digits: IBAN, payment cards, Luxembourg national identification
// numbers, French NIR (social security numbers) and German tax identification numbers.
#include <array>
#include <string>

#include "governance/pii_check_digits.h"
#include "governance/pii_detectors.h"
#include "governance/pii_text.h"

namespace souverain::governance {

namespace {

using namespace pii_text;

bool is_number_separator(char c) {
    return c == ' ' || c == '-' || c == '.';
}

// A maximal number: digit groups joined by one kind of single separator (or none), with a
// word boundary on both sides and no other separator-and-digit glued to either end.
struct DigitRun {
    size_t start = 0;
    size_t end = 0;
    std::string digits;
    std::vector<size_t> group_sizes;
};

size_t read_run(std::string_view text, size_t start, DigitRun& run) {
    run = DigitRun{};
    run.start = start;
    char separator = 0;
    size_t pos = start;
    size_t group = 0;
    while (pos < text.size()) {
        const char c = text[pos];
        if (is_digit(c)) {
            run.digits.push_back(c);
            ++group;
            ++pos;
            continue;
        }
        if (is_number_separator(c) && pos + 1 < text.size() && is_digit(text[pos + 1]) &&
            (separator == 0 || separator == c) && run.digits.size() < 64) {
            separator = c;
            run.group_sizes.push_back(group);
            group = 0;
            ++pos;
            continue;
        }
        break;
    }
    run.group_sizes.push_back(group);
    run.end = pos;
    return pos;
}

bool run_is_isolated(std::string_view text, const DigitRun& run) {
    const size_t s = run.start, e = run.end;
    if (!word_boundary_before(text, s) || !word_boundary_at(text, e)) return false;
    if (s >= 1 && text[s - 1] == '+') return false;  // a phone number's country code
    if (s >= 2 && is_number_separator(text[s - 1]) && is_digit(text[s - 2])) return false;
    if (e + 1 < text.size() && (is_number_separator(text[e]) || text[e] == '/') &&
        is_digit(text[e + 1])) {
        return false;
    }
    if (s >= 2 && text[s - 1] == '/' && is_digit(text[s - 2])) return false;
    return true;
}

// Calls `visit` with every isolated digit run of the text.
template <typename Visit>
void for_each_digit_run(std::string_view text, Visit&& visit) {
    DigitRun run;
    size_t pos = 0;
    while (pos < text.size()) {
        if (!is_digit(text[pos])) {
            ++pos;
            continue;
        }
        pos = read_run(text, pos, run);
        if (run_is_isolated(text, run)) visit(run);
    }
}

PiiEntity entity(PiiType type, std::string_view text, size_t start, size_t end) {
    return PiiEntity{type, start, end, std::string(text.substr(start, end - start))};
}

struct IbanLength {
    char country[3];
    int length;
};

// ISO 13616 registry lengths (SWIFT IBAN registry).
constexpr IbanLength kIbanLengths[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22},
    {"BH", 22}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24}, {"DE", 22},
    {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FO", 18}, {"FR", 27},
    {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28},
    {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20},
    {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21}, {"MC", 27}, {"MD", 24},
    {"ME", 22}, {"MK", 19}, {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NL", 18}, {"NO", 15}, {"PK", 24},
    {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"SA", 24}, {"SC", 31},
    {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"ST", 25}, {"SV", 28}, {"TL", 23}, {"TN", 24},
    {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20},
};

int iban_length(char a, char b) {
    for (const IbanLength& entry : kIbanLengths) {
        if (entry.country[0] == a && entry.country[1] == b) return entry.length;
    }
    return 0;
}

// An IBAN starting at `start`, in the electronic form or printed in groups of four separated
// by single spaces; the end offset, or 0. With `check` false, the shape alone is matched.
size_t match_iban(std::string_view text, size_t start, bool check) {
    if (start + 4 > text.size()) return 0;
    if (!is_upper_ascii(text[start]) || !is_upper_ascii(text[start + 1]) ||
        !is_digit(text[start + 2]) || !is_digit(text[start + 3])) {
        return 0;
    }
    const int length = iban_length(text[start], text[start + 1]);
    if (length == 0) return 0;
    std::string compact;
    size_t pos = start;
    const bool grouped = start + 5 < text.size() && text[start + 4] == ' ';
    while (compact.size() < static_cast<size_t>(length)) {
        if (pos >= text.size()) return 0;
        if (grouped && compact.size() % 4 == 0 && !compact.empty()) {
            if (text[pos] != ' ') return 0;
            ++pos;
            if (pos >= text.size()) return 0;
        }
        const char c = text[pos];
        if (!is_digit(c) && !is_upper_ascii(c)) return 0;
        compact.push_back(c);
        ++pos;
    }
    if (!word_boundary_at(text, pos)) return 0;
    if (check && !iban_mod97_valid(compact)) return 0;
    return pos;
}

bool card_grouping_ok(const DigitRun& run) {
    const auto& groups = run.group_sizes;
    if (groups.size() == 1) return true;
    if (groups[0] != 4) return false;
    for (size_t idx = 1; idx < groups.size(); ++idx) {
        const bool last = idx + 1 == groups.size();
        if (groups[idx] > 6 || (!last && groups[idx] < 4)) return false;
    }
    return true;
}

// Issuer prefixes by length: 13 digits only Visa (4), 14 Diners (30, 36, 38, 39), 15 Amex
// (34, 37); 16-19 any major network (2 and 5 Mastercard, 3 JCB, 4 Visa, 6 Discover/Maestro).
// This keeps 13- and 15-digit national identifiers (starting 1 or 2) from reading as cards.
bool card_issuer_ok(std::string_view d) {
    const char first = d[0], second = d[1];
    switch (d.size()) {
        case 13:
            return first == '4';
        case 14:
            return first == '3' &&
                   (second == '0' || second == '6' || second == '8' || second == '9');
        case 15:
            return first == '3' && (second == '4' || second == '7');
        default:
            return first >= '2' && first <= '6';
    }
}

// The Steuer-IdNr rule since 2016: among the first ten digits exactly one digit occurs two or
// three times (three never in a row), every other digit at most once.
bool de_tax_id_repetition_ok(std::string_view digits) {
    std::array<int, 10> counts{};
    for (size_t idx = 0; idx < 10; ++idx) ++counts[digits[idx] - '0'];
    int repeated = -1;
    for (int d = 0; d < 10; ++d) {
        if (counts[d] <= 1) continue;
        if (counts[d] > 3 || repeated >= 0) return false;
        repeated = d;
    }
    if (repeated < 0) return false;
    if (counts[repeated] == 3) {
        for (size_t idx = 0; idx + 2 < 10; ++idx) {
            const char r = static_cast<char>('0' + repeated);
            if (digits[idx] == r && digits[idx + 1] == r && digits[idx + 2] == r) return false;
        }
    }
    return true;
}

int two_digits(std::string_view digits, size_t pos) {
    return (digits[pos] - '0') * 10 + (digits[pos + 1] - '0');
}

bool lu_national_id_valid(std::string_view d) {
    if (d.size() != 13) return false;
    const int year = two_digits(d, 0) * 100 + two_digits(d, 2);
    if (year < 1850 || year > 2199) return false;
    if (!is_valid_date(year, two_digits(d, 4), two_digits(d, 6))) return false;
    const std::string_view body = d.substr(0, 11);
    return luhn_check_digit(body) == d[11] - '0' && verhoeff_check_digit(body) == d[12] - '0';
}

}  // namespace

void detect_ibans(std::string_view text, std::vector<PiiEntity>& out) {
    for (size_t pos = 0; pos + 4 <= text.size(); ++pos) {
        if (!is_upper_ascii(text[pos]) || !word_boundary_before(text, pos)) continue;
        const size_t end = match_iban(text, pos, true);
        if (end != 0) {
            out.push_back(entity(PiiType::IBAN, text, pos, end));
            pos = end - 1;
        }
    }
}

std::vector<std::pair<size_t, size_t>> find_invalid_iban_shapes(std::string_view text) {
    std::vector<std::pair<size_t, size_t>> spans;
    for (size_t pos = 0; pos + 4 <= text.size(); ++pos) {
        if (!is_upper_ascii(text[pos]) || !word_boundary_before(text, pos)) continue;
        const size_t end = match_iban(text, pos, false);
        if (end != 0 && match_iban(text, pos, true) == 0) {
            spans.emplace_back(pos, end);
            pos = end - 1;
        }
    }
    return spans;
}

void detect_payment_cards(std::string_view text, std::vector<PiiEntity>& out) {
    for_each_digit_run(text, [&](const DigitRun& run) {
        const size_t n = run.digits.size();
        if (n < 13 || n > 19) return;
        if (!card_issuer_ok(run.digits)) return;
        if (!card_grouping_ok(run) || !luhn_valid(run.digits)) return;
        out.push_back(entity(PiiType::PAYMENT_CARD, text, run.start, run.end));
    });
}

void detect_lu_national_ids(std::string_view text, std::vector<PiiEntity>& out) {
    for_each_digit_run(text, [&](const DigitRun& run) {
        if (!lu_national_id_valid(run.digits)) return;
        out.push_back(entity(PiiType::LU_NATIONAL_ID, text, run.start, run.end));
    });
}

void detect_de_tax_ids(std::string_view text, std::vector<PiiEntity>& out) {
    for_each_digit_run(text, [&](const DigitRun& run) {
        const std::string& d = run.digits;
        if (d.size() != 11 || d[0] == '0' || !de_tax_id_repetition_ok(d)) return;
        if (iso7064_mod11_10_check_digit(std::string_view(d).substr(0, 10)) != d[10] - '0') {
            return;
        }
        out.push_back(entity(PiiType::DE_TAX_ID, text, run.start, run.end));
    });
}

// NIR: sex (1|2) year(2) month(2) department(2: digits, 2A, 2B) commune(3) order(3) key(2),
// fields optionally separated by single spaces. The key is 97 - (the 13-digit number mod 97),
// with Corsica's 2A and 2B counted as 19 and 18.
void detect_fr_nirs(std::string_view text, std::vector<PiiEntity>& out) {
    static constexpr size_t kFieldSizes[] = {1, 2, 2, 2, 3, 3, 2};
    for (size_t start = 0; start < text.size(); ++start) {
        const char first = text[start];
        if ((first != '1' && first != '2') || !word_boundary_before(text, start)) continue;
        if (start >= 1 && text[start - 1] == '+') continue;
        if (start >= 2 && is_number_separator(text[start - 1]) && is_digit(text[start - 2])) {
            continue;
        }
        std::string chars;  // the 15 characters without separators
        size_t pos = start;
        bool ok = true;
        for (size_t field = 0; field < 7 && ok; ++field) {
            if (field > 0 && pos + 1 < text.size() && text[pos] == ' ') ++pos;
            for (size_t idx = 0; idx < kFieldSizes[field]; ++idx, ++pos) {
                if (pos >= text.size()) {
                    ok = false;
                    break;
                }
                const char c = text[pos];
                const bool corsica =
                    field == 3 && idx == 1 && (c == 'A' || c == 'B') && chars.back() == '2';
                if (!is_digit(c) && !corsica) {
                    ok = false;
                    break;
                }
                chars.push_back(c);
            }
        }
        if (!ok || !word_boundary_at(text, pos)) continue;
        if (pos + 1 < text.size() && is_number_separator(text[pos]) && is_digit(text[pos + 1])) {
            continue;
        }
        const int month = two_digits(chars, 3);
        if (!((month >= 1 && month <= 12) || (month >= 20 && month <= 42) || month >= 50)) {
            continue;
        }
        std::string number = chars.substr(0, 13);
        if (number[6] == 'A') number.replace(5, 2, "19");
        if (number[6] == 'B') number.replace(5, 2, "18");
        if (number.substr(5, 2) == "00") continue;  // no department 00
        const int key = two_digits(chars, 13);
        if (key != 97 - decimal_mod97(number)) continue;
        out.push_back(entity(PiiType::FR_NIR, text, start, pos));
        start = pos - 1;
    }
}

}  // namespace souverain::governance
