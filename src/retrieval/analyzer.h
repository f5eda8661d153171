#pragma once
// Text analysis for the lexical index: words → index terms.
//
//   word      a maximal run of letters, digits and combining marks (Unicode, via ICU); byte
//             offsets into the UTF-8 text. Invalid UTF-8 bytes separate words.
//   fold      NFKC normalization with case folding (ICU NFKC_Casefold: "Straße" → "strasse",
//             full-width and ligature forms unified).
//   stopword  dropped when it is in the language's list (language.h).
//   lb        Luxembourgish spelling normalization (the n-rule, see normalize_luxembourgish).
//   stem      Snowball stemmer (libstemmer) for French, German and English.
//   unaccent  diacritics removed after stemming (NFD, combining marks dropped), so "Gebäude"
//             and "Gebaude", "général" and "general" meet.
//
// Thread-safety: the free functions are pure. An Analyzer owns a Snowball stemmer, which
// keeps state: use one Analyzer per thread.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "retrieval/language.h"

struct sb_stemmer;

namespace souverain::retrieval {

// Calls `visit(begin, end)` (byte offsets) for every word of `text`. Words longer than
// kMaxWordBytes are skipped (they are garbage: base64, hashes) but still separate words.
inline constexpr size_t kMaxWordBytes = 64;
void for_each_word(std::string_view text, const std::function<void(size_t, size_t)>& visit);

// NFKC_Casefold of one word into `out` (ASCII fast path).
void fold_word(std::string_view word, std::string& out);
// Removes diacritics (NFD, then drops non-spacing marks); ASCII is returned unchanged.
void strip_accents(std::string_view word, std::string& out);

// Luxembourgish n-rule ("Eifeler Regel"): a word-final -n after a vowel is dropped before most
// consonants, so written Luxembourgish has both "den"/"de", "kënnen"/"kënne", "schéin"/
// "schéi". We index the form without it: a folded word that ends in a vowel followed by a
// single "n" loses that "n" (words of at least 2 code points; "nn" is kept: "wann", "kann").
std::string normalize_luxembourgish(std::string_view folded_word);

class Analyzer {
public:
    explicit Analyzer(Language language);
    ~Analyzer();
    Analyzer(const Analyzer&) = delete;
    Analyzer& operator=(const Analyzer&) = delete;

    Language language() const { return language_; }

    // The index term of one word, or "" when it is a stopword.
    std::string term(std::string_view word);
    // The term of an already folded word, or "" when it is a stopword.
    std::string term_of_folded(const std::string& folded);
    // Appends the terms of every word of `text` (stopwords left out).
    void analyze(std::string_view text, std::vector<std::string>& terms);

private:
    Language language_;
    sb_stemmer* stemmer_ = nullptr;
    std::string folded_;
};

}  // namespace souverain::retrieval
