#include "governance/pii_check_digits.h"

namespace souverain::governance {

namespace {

bool all_digits(std::string_view text) {
    for (char c : text) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

// Luhn sum of `digits` where the rightmost digit has weight `double_rightmost ? 2 : 1`.
int luhn_sum(std::string_view digits, bool double_rightmost) {
    int sum = 0;
    bool doubled = double_rightmost;
    for (size_t idx = digits.size(); idx-- > 0;) {
        int d = digits[idx] - '0';
        if (doubled) {
            d *= 2;
            if (d > 9) d -= 9;
        }
        sum += d;
        doubled = !doubled;
    }
    return sum;
}

}  // namespace

bool luhn_valid(std::string_view digits) {
    if (digits.size() < 2 || !all_digits(digits)) return false;
    return luhn_sum(digits, false) % 10 == 0;
}

int luhn_check_digit(std::string_view digits) {
    if (digits.empty() || !all_digits(digits)) return -1;
    return (10 - luhn_sum(digits, true) % 10) % 10;
}

int verhoeff_check_digit(std::string_view digits) {
    if (digits.empty() || !all_digits(digits)) return -1;
    // Multiplication table of D5, the permutation applied at each position, and inverses.
    static const int kMul[10][10] = {
        {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
        {2, 3, 4, 0, 1, 7, 8, 9, 5, 6}, {3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
        {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
        {6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
        {8, 7, 6, 5, 9, 3, 2, 1, 0, 4}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}};
    static const int kPerm[8][10] = {
        {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
        {5, 8, 0, 3, 7, 9, 6, 1, 4, 2}, {8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
        {9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
        {2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8}};
    static const int kInv[10] = {0, 4, 3, 2, 1, 5, 6, 7, 8, 9};
    int check = 0;
    // Position 0 is the (future) check digit, so the rightmost input digit is position 1.
    size_t position = 1;
    for (size_t idx = digits.size(); idx-- > 0; ++position) {
        check = kMul[check][kPerm[position % 8][digits[idx] - '0']];
    }
    return kInv[check];
}

int iso7064_mod11_10_check_digit(std::string_view digits) {
    if (digits.empty() || !all_digits(digits)) return -1;
    int product = 10;
    for (char c : digits) {
        int sum = (c - '0' + product) % 10;
        if (sum == 0) sum = 10;
        product = (sum * 2) % 11;
    }
    const int check = 11 - product;
    return check == 10 ? 0 : check;
}

int decimal_mod97(std::string_view digits) {
    if (!all_digits(digits)) return -1;
    int remainder = 0;
    for (char c : digits) remainder = (remainder * 10 + (c - '0')) % 97;
    return remainder;
}

bool iban_mod97_valid(std::string_view iban) {
    if (iban.size() < 5) return false;
    int remainder = 0;
    // The first four characters move to the end; letters count as 10..35 (two digits).
    for (size_t step = 0; step < iban.size(); ++step) {
        const char c = iban[(step + 4) % iban.size()];
        if (c >= '0' && c <= '9') {
            remainder = (remainder * 10 + (c - '0')) % 97;
        } else if (c >= 'A' && c <= 'Z') {
            remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
        } else {
            return false;
        }
    }
    return remainder == 1;
}

bool is_valid_date(int year, int month, int day) {
    if (month < 1 || month > 12 || day < 1) return false;
    static const int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    const int limit = month == 2 && leap ? 29 : kDays[month - 1];
    return day <= limit;
}

}  // namespace souverain::governance
