#include "engine/unicode.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <array>

namespace souverain::unicode {

namespace {

bool is_continuation(uint8_t byte) {
    return (byte & 0xC0) == 0x80;
}

// Allowed range of the second byte of a sequence: narrower than 80..BF after some lead bytes,
// which is how strict UTF-8 excludes overlong forms, surrogates and values past U+10FFFF.
void second_byte_range(uint8_t lead, uint8_t* lo, uint8_t* hi) {
    *lo = 0x80;
    *hi = 0xBF;
    if (lead == 0xE0) *lo = 0xA0;
    if (lead == 0xED) *hi = 0x9F;
    if (lead == 0xF0) *lo = 0x90;
    if (lead == 0xF4) *hi = 0x8F;
}

// True when `rest` is a proper prefix of some well-formed sequence (more bytes could finish it).
bool is_unfinished_sequence(std::string_view rest) {
    const uint8_t lead = static_cast<uint8_t>(rest[0]);
    const size_t n_needed = utf8_sequence_length(lead);
    if (n_needed <= 1 || rest.size() >= n_needed) return false;
    for (size_t byte_idx = 1; byte_idx < rest.size(); ++byte_idx) {
        const uint8_t byte = static_cast<uint8_t>(rest[byte_idx]);
        if (byte_idx == 1) {
            uint8_t lo = 0;
            uint8_t hi = 0;
            second_byte_range(lead, &lo, &hi);
            if (byte < lo || byte > hi) return false;
        } else if (!is_continuation(byte)) {
            return false;
        }
    }
    return true;
}

struct Gpt2Tables {
    std::array<uint32_t, 256> byte_to_cpt{};
    std::array<int16_t, 0x144> cpt_to_byte{};  // stand-ins never exceed U+0143
};

Gpt2Tables make_gpt2_tables() {
    Gpt2Tables tables;
    tables.cpt_to_byte.fill(-1);
    uint32_t n_shifted = 0;
    for (uint32_t byte = 0; byte < 256; ++byte) {
        const bool printable = (byte >= 0x21 && byte <= 0x7E) || (byte >= 0xA1 && byte <= 0xAC) ||
                               (byte >= 0xAE && byte <= 0xFF);
        const uint32_t cpt = printable ? byte : 0x100 + n_shifted++;
        tables.byte_to_cpt[byte] = cpt;
        tables.cpt_to_byte[cpt] = static_cast<int16_t>(byte);
    }
    return tables;
}

const Gpt2Tables& gpt2_tables() {
    static const Gpt2Tables tables = make_gpt2_tables();
    return tables;
}

}  // namespace

size_t utf8_sequence_length(uint8_t lead) {
    if (lead < 0x80) return 1;
    if (lead >= 0xC2 && lead <= 0xDF) return 2;
    if (lead >= 0xE0 && lead <= 0xEF) return 3;
    if (lead >= 0xF0 && lead <= 0xF4) return 4;
    return 0;
}

Utf8Step utf8_decode(std::string_view text, size_t pos) {
    Utf8Step step;
    step.cpt = REPLACEMENT_CHARACTER;
    const uint8_t lead = static_cast<uint8_t>(text[pos]);
    const size_t n_bytes = utf8_sequence_length(lead);
    if (n_bytes == 1) return Utf8Step{lead, 1, true};
    if (n_bytes == 0 || pos + n_bytes > text.size()) return step;
    uint8_t lo = 0;
    uint8_t hi = 0;
    second_byte_range(lead, &lo, &hi);
    const uint8_t second = static_cast<uint8_t>(text[pos + 1]);
    if (second < lo || second > hi) return step;
    uint32_t cpt = lead & (0xFF >> (n_bytes + 1));
    for (size_t byte_idx = 1; byte_idx < n_bytes; ++byte_idx) {
        const uint8_t byte = static_cast<uint8_t>(text[pos + byte_idx]);
        if (!is_continuation(byte)) return step;
        cpt = (cpt << 6) | (byte & 0x3F);
    }
    return Utf8Step{cpt, static_cast<uint32_t>(n_bytes), true};
}

void utf8_append(std::string& out, uint32_t cpt) {
    if (cpt > 0x10FFFF || (cpt >= 0xD800 && cpt <= 0xDFFF)) cpt = REPLACEMENT_CHARACTER;
    if (cpt < 0x80) {
        out.push_back(static_cast<char>(cpt));
    } else if (cpt < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cpt >> 6)));
        out.push_back(static_cast<char>(0x80 | (cpt & 0x3F)));
    } else if (cpt < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cpt >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cpt >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cpt & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cpt >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cpt >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cpt >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cpt & 0x3F)));
    }
}

std::string utf8_encode(uint32_t cpt) {
    std::string out;
    utf8_append(out, cpt);
    return out;
}

std::vector<uint32_t> utf8_to_codepoints(std::string_view text) {
    std::vector<uint32_t> cpts;
    cpts.reserve(text.size());
    for (size_t pos = 0; pos < text.size();) {
        const Utf8Step step = utf8_decode(text, pos);
        cpts.push_back(step.cpt);
        pos += step.n_bytes;
    }
    return cpts;
}

size_t utf8_complete_prefix(std::string_view bytes) {
    size_t pos = 0;
    while (pos < bytes.size()) {
        const Utf8Step step = utf8_decode(bytes, pos);
        if (!step.valid && is_unfinished_sequence(bytes.substr(pos))) return pos;
        pos += step.n_bytes;
    }
    return pos;
}

std::string utf8_sanitize(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    for (size_t pos = 0; pos < bytes.size();) {
        const Utf8Step step = utf8_decode(bytes, pos);
        if (step.valid) {
            out.append(bytes.substr(pos, step.n_bytes));
        } else {
            utf8_append(out, REPLACEMENT_CHARACTER);
        }
        pos += step.n_bytes;
    }
    return out;
}

CodepointFlags codepoint_flags(uint32_t cpt) {
    CodepointFlags flags;
    if (cpt > 0x10FFFF) {
        flags.is_control = true;
        return flags;
    }
    const auto c = static_cast<UChar32>(cpt);
    switch (static_cast<UCharCategory>(u_charType(c))) {
        case U_UPPERCASE_LETTER:
        case U_LOWERCASE_LETTER:
        case U_TITLECASE_LETTER:
        case U_MODIFIER_LETTER:
        case U_OTHER_LETTER:
            flags.is_letter = true;
            break;
        case U_DECIMAL_DIGIT_NUMBER:
        case U_LETTER_NUMBER:
        case U_OTHER_NUMBER:
            flags.is_number = true;
            break;
        case U_NON_SPACING_MARK:
        case U_ENCLOSING_MARK:
        case U_COMBINING_SPACING_MARK:
            flags.is_mark = true;
            break;
        case U_DASH_PUNCTUATION:
        case U_START_PUNCTUATION:
        case U_END_PUNCTUATION:
        case U_CONNECTOR_PUNCTUATION:
        case U_OTHER_PUNCTUATION:
        case U_INITIAL_PUNCTUATION:
        case U_FINAL_PUNCTUATION:
            flags.is_punctuation = true;
            break;
        case U_MATH_SYMBOL:
        case U_CURRENCY_SYMBOL:
        case U_MODIFIER_SYMBOL:
        case U_OTHER_SYMBOL:
            flags.is_symbol = true;
            break;
        case U_SPACE_SEPARATOR:
        case U_LINE_SEPARATOR:
        case U_PARAGRAPH_SEPARATOR:
            flags.is_separator = true;
            break;
        default:  // Cc Cf Cs Co Cn
            flags.is_control = true;
            break;
    }
    flags.is_whitespace = u_isUWhiteSpace(c) != 0;
    return flags;
}

uint32_t to_lower(uint32_t cpt) {
    if (cpt > 0x10FFFF) return cpt;
    return static_cast<uint32_t>(u_tolower(static_cast<UChar32>(cpt)));
}

std::vector<uint32_t> normalize_nfd(const std::vector<uint32_t>& cpts) {
    icu::UnicodeString source;
    for (uint32_t cpt : cpts) {
        source.append(static_cast<UChar32>(cpt > 0x10FFFF ? REPLACEMENT_CHARACTER : cpt));
    }
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(status);
    if (U_FAILURE(status) || nfd == nullptr) return cpts;  // ICU data missing: leave as is
    const icu::UnicodeString normalized = nfd->normalize(source, status);
    if (U_FAILURE(status)) return cpts;
    std::vector<uint32_t> out;
    out.reserve(static_cast<size_t>(normalized.length()));
    for (int32_t idx = 0; idx < normalized.length();) {
        const UChar32 c = normalized.char32At(idx);
        out.push_back(static_cast<uint32_t>(c));
        idx += U16_LENGTH(c);
    }
    return out;
}

uint32_t gpt2_byte_to_codepoint(uint8_t byte) {
    return gpt2_tables().byte_to_cpt[byte];
}

int gpt2_codepoint_to_byte(uint32_t cpt) {
    const auto& tables = gpt2_tables();
    if (cpt >= tables.cpt_to_byte.size()) return -1;
    return tables.cpt_to_byte[cpt];
}

}  // namespace souverain::unicode
