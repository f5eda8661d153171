#pragma once
// Languages of the knowledge bases (French, German, English, Luxembourgish) and a small,
// explainable detector: count the words of the text that are stopwords of each language, plus
// a few words that only Luxembourgish uses, and take the language with the most hits.
//
// Method: the first 300 words of the text are case-folded; each language scores one point per
// distinct word in its stopword list (distinct, so that a run of one artefact such as "er er
// er" cannot decide); Luxembourgish scores 3 more per distinct word of its marker list (words
// such as "ass", "net", "mat", "vun", "gëtt" that the other three languages do not have), so
// that its overlap with German ("der", "an", "den") does not make it German. The winner needs
// at least 2 hits (1 for texts under 8 words) and min(5, 10% of the words); otherwise
// "other". Text of language "other" is analyzed without stemming, with the stopwords of all
// four lists removed.
//
// Thread-safety: pure functions over immutable tables.
#include <string_view>

namespace souverain::retrieval {

enum class Language { FR, DE, EN, LB, OTHER };

const char* language_code(Language language);        // "fr", "de", "en", "lb", "other"
Language language_from_code(std::string_view code);  // unknown codes give OTHER

// `folded_word` must be case-folded (analyzer.h fold_word).
bool is_stopword(Language language, std::string_view folded_word);

Language detect_language(std::string_view text);

}  // namespace souverain::retrieval
