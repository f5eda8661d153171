#include "retrieval/analyzer.h"

#include <libstemmer.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

namespace souverain::retrieval {

namespace {

bool is_word_char(UChar32 c) {
    if (c < 0x80) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
    if (u_isalnum(c)) return true;
    const int8_t type = u_charType(c);
    return type == U_NON_SPACING_MARK || type == U_COMBINING_SPACING_MARK;
}

bool is_ascii(std::string_view text) {
    for (char ch : text) {
        if ((unsigned char)ch >= 0x80) return false;
    }
    return true;
}

const char* stemmer_name(Language language) {
    switch (language) {
        case Language::FR:
            return "french";
        case Language::DE:
            return "german";
        case Language::EN:
            return "english";
        default:
            return nullptr;
    }
}

bool is_vowel(UChar32 c) {
    switch (c) {
        case 'a':
        case 'e':
        case 'i':
        case 'o':
        case 'u':
        case 'y':
        case 0xE4:
        case 0xE9:
        case 0xEB:
        case 0xE8:
        case 0xEA:
        case 0xF6:
        case 0xFC:
        case 0xE2:
            return true;
        default:
            return false;
    }
}

}  // namespace

void for_each_word(std::string_view text, const std::function<void(size_t, size_t)>& visit) {
    const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
    const int32_t length = (int32_t)text.size();
    int32_t pos = 0;
    int32_t word_begin = -1;
    while (pos < length) {
        const int32_t char_begin = pos;
        UChar32 c;
        if (bytes[pos] < 0x80) {
            c = bytes[pos++];
        } else {
            U8_NEXT(bytes, pos, length, c);
        }
        const bool word = c >= 0 && is_word_char(c);
        if (word && word_begin < 0) word_begin = char_begin;
        if (!word && word_begin >= 0) {
            if ((size_t)(char_begin - word_begin) <= kMaxWordBytes) visit(word_begin, char_begin);
            word_begin = -1;
        }
    }
    if (word_begin >= 0 && (size_t)(length - word_begin) <= kMaxWordBytes) {
        visit(word_begin, length);
    }
}

void fold_word(std::string_view word, std::string& out) {
    out.clear();
    if (is_ascii(word)) {
        out.reserve(word.size());
        for (char ch : word) out.push_back(ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch);
        return;
    }
    UErrorCode status = U_ZERO_ERROR;
    static const icu::Normalizer2* normalizer = icu::Normalizer2::getNFKCCasefoldInstance(status);
    status = U_ZERO_ERROR;
    const icu::UnicodeString source =
        icu::UnicodeString::fromUTF8(icu::StringPiece(word.data(), (int32_t)word.size()));
    const icu::UnicodeString folded = normalizer->normalize(source, status);
    if (U_FAILURE(status)) {
        out.assign(word);
        return;
    }
    folded.toUTF8String(out);
}

void strip_accents(std::string_view word, std::string& out) {
    out.clear();
    if (is_ascii(word)) {
        out.assign(word);
        return;
    }
    UErrorCode status = U_ZERO_ERROR;
    static const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(status);
    status = U_ZERO_ERROR;
    const icu::UnicodeString source =
        icu::UnicodeString::fromUTF8(icu::StringPiece(word.data(), (int32_t)word.size()));
    const icu::UnicodeString decomposed = nfd->normalize(source, status);
    if (U_FAILURE(status)) {
        out.assign(word);
        return;
    }
    icu::UnicodeString kept;
    for (int32_t i = 0; i < decomposed.length();) {
        const UChar32 c = decomposed.char32At(i);
        if (u_charType(c) != U_NON_SPACING_MARK) kept.append(c);
        i += U16_LENGTH(c);
    }
    kept.toUTF8String(out);
}

std::string normalize_luxembourgish(std::string_view folded_word) {
    // Walk back over the last two code points.
    const auto* bytes = reinterpret_cast<const uint8_t*>(folded_word.data());
    int32_t end = (int32_t)folded_word.size();
    if (end < 2 || folded_word.back() != 'n') return std::string(folded_word);
    int32_t before_n = end - 1;
    UChar32 previous;
    U8_PREV(bytes, 0, before_n, previous);
    if (!is_vowel(previous)) return std::string(folded_word);
    return std::string(folded_word.substr(0, folded_word.size() - 1));
}

Analyzer::Analyzer(Language language) : language_(language) {
    if (const char* name = stemmer_name(language)) stemmer_ = sb_stemmer_new(name, "UTF_8");
}

Analyzer::~Analyzer() {
    if (stemmer_ != nullptr) sb_stemmer_delete(stemmer_);
}

std::string Analyzer::term_of_folded(const std::string& folded) {
    if (is_stopword(language_, folded)) return std::string();
    std::string normalized;
    if (language_ == Language::LB) {
        std::string lb = normalize_luxembourgish(folded);
        if (is_stopword(language_, lb)) return std::string();
        strip_accents(lb, normalized);
        return normalized;
    }
    if (stemmer_ != nullptr) {
        const sb_symbol* stemmed = sb_stemmer_stem(
            stemmer_, reinterpret_cast<const sb_symbol*>(folded.data()), (int)folded.size());
        if (stemmed != nullptr) {
            const std::string_view stem(reinterpret_cast<const char*>(stemmed),
                                        (size_t)sb_stemmer_length(stemmer_));
            strip_accents(stem, normalized);
            return normalized;
        }
    }
    strip_accents(folded, normalized);
    return normalized;
}

std::string Analyzer::term(std::string_view word) {
    fold_word(word, folded_);
    return term_of_folded(folded_);
}

void Analyzer::analyze(std::string_view text, std::vector<std::string>& terms) {
    for_each_word(text, [&](size_t begin, size_t end) {
        std::string t = term(text.substr(begin, end - begin));
        if (!t.empty()) terms.push_back(std::move(t));
    });
}

}  // namespace souverain::retrieval
