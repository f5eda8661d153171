#include "governance/pii_text.h"

#include <unicode/uchar.h>

#include "engine/unicode.h"

namespace souverain::governance::pii_text {

CharAt char_at(std::string_view text, size_t pos) {
    CharAt out;
    out.start = pos;
    if (pos >= text.size()) return out;
    const unicode::Utf8Step step = unicode::utf8_decode(text, pos);
    out.cpt = step.cpt;
    out.n_bytes = step.n_bytes;
    out.valid = step.valid;
    return out;
}

CharAt char_before(std::string_view text, size_t pos) {
    CharAt out;
    out.start = pos;
    if (pos == 0 || pos > text.size()) return out;
    // Walk back over up to three continuation bytes to the lead byte; the character is the
    // one that decodes from there and ends exactly at `pos`.
    for (size_t back = 1; back <= 4 && back <= pos; ++back) {
        const auto byte = static_cast<uint8_t>(text[pos - back]);
        if ((byte & 0xC0) == 0x80 && back < 4) continue;
        const unicode::Utf8Step step = unicode::utf8_decode(text, pos - back);
        if (step.valid && step.n_bytes == back) {
            out.cpt = step.cpt;
            out.start = pos - back;
            out.n_bytes = back;
            out.valid = true;
            return out;
        }
        break;
    }
    out.cpt = unicode::REPLACEMENT_CHARACTER;
    out.start = pos - 1;
    out.n_bytes = 1;
    return out;
}

bool is_word_codepoint(uint32_t cpt) {
    if (cpt < 0x80) return is_alnum_ascii(static_cast<char>(cpt)) || cpt == '_';
    const auto c = static_cast<UChar32>(cpt);
    return u_isalnum(c) || u_getIntPropertyValue(c, UCHAR_GENERAL_CATEGORY_MASK) & U_GC_M_MASK;
}

bool is_letter_codepoint(uint32_t cpt) {
    if (cpt < 0x80) return is_alpha_ascii(static_cast<char>(cpt));
    return u_isalpha(static_cast<UChar32>(cpt));
}

bool is_upper_codepoint(uint32_t cpt) {
    if (cpt < 0x80) return is_upper_ascii(static_cast<char>(cpt));
    return u_isupper(static_cast<UChar32>(cpt)) || u_istitle(static_cast<UChar32>(cpt));
}

bool is_lower_codepoint(uint32_t cpt) {
    if (cpt < 0x80) return cpt >= 'a' && cpt <= 'z';
    return u_islower(static_cast<UChar32>(cpt));
}

bool word_boundary_before(std::string_view text, size_t pos) {
    const CharAt c = char_before(text, pos);
    return !c.valid || !is_word_codepoint(c.cpt);
}

bool word_boundary_at(std::string_view text, size_t pos) {
    const CharAt c = char_at(text, pos);
    return !c.valid || !is_word_codepoint(c.cpt);
}

bool matches_ascii_ci(std::string_view text, size_t pos, std::string_view word) {
    if (pos > text.size() || text.size() - pos < word.size()) return false;
    for (size_t idx = 0; idx < word.size(); ++idx) {
        if (lower_ascii(text[pos + idx]) != lower_ascii(word[idx])) return false;
    }
    return true;
}

size_t skip_blanks(std::string_view text, size_t pos) {
    while (pos < text.size()) {
        if (text[pos] == ' ' || text[pos] == '\t') {
            ++pos;
            continue;
        }
        // No-break spaces (U+00A0, U+202F): French typography puts them before ':' and in dates.
        const CharAt c = char_at(text, pos);
        if (!c.valid || (c.cpt != 0xA0 && c.cpt != 0x202F)) break;
        pos += c.n_bytes;
    }
    return pos;
}

}  // namespace souverain::governance::pii_text
