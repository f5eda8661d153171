#pragma once
// Byte-level helpers shared by the PII detectors: character classes and word boundaries on
// UTF-8 text that may be invalid. Word characters are Unicode letters and digits (ICU), so an
// identifier glued to "é" or "ß" is not at a boundary; an invalid byte counts as a boundary.
//
// Thread-safety: pure functions.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace souverain::governance::pii_text {

inline bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
inline bool is_upper_ascii(char c) {
    return c >= 'A' && c <= 'Z';
}
inline bool is_alpha_ascii(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
inline bool is_alnum_ascii(char c) {
    return is_digit(c) || is_alpha_ascii(c);
}
inline char lower_ascii(char c) {
    return is_upper_ascii(c) ? static_cast<char>(c - 'A' + 'a') : c;
}

// A decoded character: its code point, where it starts and how many bytes it spans.
// `valid` is false for an invalid byte (then n_bytes is 1) and at the ends of the text.
struct CharAt {
    uint32_t cpt = 0;
    size_t start = 0;
    size_t n_bytes = 0;
    bool valid = false;
};

// The character that starts at `pos` (none when pos >= text.size()).
CharAt char_at(std::string_view text, size_t pos);
// The character that ends just before `pos` (none when pos == 0).
CharAt char_before(std::string_view text, size_t pos);

bool is_word_codepoint(uint32_t cpt);  // letter, digit or mark (ICU), or '_'
bool is_letter_codepoint(uint32_t cpt);
bool is_upper_codepoint(uint32_t cpt);  // upper or title case letter
bool is_lower_codepoint(uint32_t cpt);

// True when the character before `pos` is not a word character (or there is none).
bool word_boundary_before(std::string_view text, size_t pos);
// True when the character at `pos` is not a word character (or there is none).
bool word_boundary_at(std::string_view text, size_t pos);

// Case-insensitive (ASCII letters only) comparison of `word` with the text at `pos`.
bool matches_ascii_ci(std::string_view text, size_t pos, std::string_view word);

// Skips spaces, tabs and no-break spaces (not newlines) from `pos`; returns the first other
// position.
size_t skip_blanks(std::string_view text, size_t pos);

}  // namespace souverain::governance::pii_text
