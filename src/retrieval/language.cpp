#include "retrieval/language.h"

#include <algorithm>
#include <string>
#include <unordered_set>
#include <vector>

#include "retrieval/analyzer.h"

namespace souverain::retrieval {

namespace {

// Function words, case-folded. Written for this project (short lists of the most frequent
// articles, pronouns, prepositions, conjunctions and auxiliaries of each language).
constexpr const char* kFrench[] = {
    "a",    "à",     "au",    "aux",   "avec",  "ce",    "ces",   "cet",    "cette", "d",
    "dans", "de",    "des",   "du",    "elle",  "elles", "en",    "est",    "et",    "été",
    "être", "eux",   "il",    "ils",   "je",    "j",     "l",     "la",     "le",    "les",
    "leur", "leurs", "lui",   "m",     "ma",    "mais",  "me",    "mes",    "moi",   "mon",
    "n",    "ne",    "nos",   "notre", "nous",  "on",    "ont",   "ou",     "où",    "par",
    "pas",  "pour",  "qu",    "que",   "qui",   "s",     "sa",    "sans",   "se",    "ses",
    "son",  "sont",  "sur",   "t",     "ta",    "te",    "tes",   "toi",    "ton",   "tu",
    "un",   "une",   "vos",   "votre", "vous",  "y",     "sera",  "seront", "sous",  "entre",
    "lors", "dont",  "ainsi", "si",    "tout",  "tous",  "toute", "toutes", "peut",  "peuvent",
    "fait", "être",  "avoir", "été",   "était", "sont",  "cas",   "même",   "autre", "autres",
    "ci",   "celui", "celle",
};
constexpr const char* kGerman[] = {
    "aber",   "alle",   "allem",  "allen",   "aller",   "alles",   "als",    "also",   "am",
    "an",     "ander",  "andere", "anderen", "anderer", "auch",    "auf",    "aus",    "bei",
    "beim",   "bin",    "bis",    "bist",    "da",      "dabei",   "damit",  "dann",   "das",
    "dass",   "daß",    "dein",   "deine",   "dem",     "den",     "denn",   "der",    "des",
    "dessen", "dich",   "die",    "dies",    "diese",   "diesem",  "diesen", "dieser", "dieses",
    "dir",    "doch",   "dort",   "du",      "durch",   "ein",     "eine",   "einem",  "einen",
    "einer",  "eines",  "er",     "es",      "etwas",   "euch",    "euer",   "für",    "gegen",
    "hab",    "habe",   "haben",  "hat",     "hatte",   "hätte",   "ich",    "ihm",    "ihn",
    "ihnen",  "ihr",    "ihre",   "ihrem",   "ihren",   "ihrer",   "im",     "in",     "ins",
    "ist",    "ja",     "jede",   "jedem",   "jeden",   "jeder",   "jedoch", "kann",   "kein",
    "keine",  "können", "könnte", "man",     "mein",    "meine",   "meinem", "meinen", "meiner",
    "mich",   "mir",    "mit",    "muss",    "nach",    "nicht",   "noch",   "nun",    "nur",
    "ob",     "oder",   "ohne",   "sehr",    "sein",    "seine",   "seinem", "seinen", "seiner",
    "sich",   "sie",    "sind",   "so",      "soll",    "sondern", "um",     "und",    "uns",
    "unser",  "unter",  "vom",    "von",     "vor",     "war",     "waren",  "was",    "weil",
    "wenn",   "wer",    "werde",  "werden",  "wie",     "wieder",  "will",   "wir",    "wird",
    "wo",     "wurde",  "würde",  "zu",      "zum",     "zur",     "zwar",   "über",   "einen",
    "habe",   "mal",    "schon",  "wäre",    "hier",    "bzw",     "z",      "b",      "ca",
    "sowie",  "selbst", "sollte", "dürfen",  "darf",    "meines",  "mehr",   "diesem", "wurden",
    "worden", "gibt",   "geht",   "wollte",
};
constexpr const char* kEnglish[] = {
    "a",    "about", "after", "all",    "also", "an",    "and",   "any",   "are",  "as",    "at",
    "be",   "been",  "but",   "by",     "can",  "could", "did",   "do",    "does", "for",   "from",
    "had",  "has",   "have",  "he",     "her",  "his",   "how",   "i",     "if",   "in",    "into",
    "is",   "it",    "its",   "may",    "me",   "my",    "no",    "not",   "of",   "on",    "or",
    "our",  "shall", "she",   "should", "so",   "such",  "than",  "that",  "the",  "their", "them",
    "then", "there", "these", "they",   "this", "those", "to",    "under", "was",  "we",    "were",
    "what", "when",  "which", "who",    "will", "with",  "would", "you",   "your",
};
constexpr const char* kLuxembourgish[] = {
    "an",   "ass",   "als",   "awer",  "bei", "bis",   "d",     "dat", "de",     "dee",  "déi",
    "dem",  "den",   "der",   "des",   "dës", "dësen", "dëser", "do",  "duerch", "eis",  "ech",
    "een",  "eng",   "enger", "engem", "et",  "fir",   "gëtt",  "hei", "hien",   "hatt", "hunn",
    "huet", "iech",  "hir",   "hire",  "ier", "kann",  "keen",  "kee", "mam",    "mat",  "mech",
    "mir",  "mer",   "net",   "nach",  "och", "ob",    "oder",  "op",  "sech",   "si",   "sinn",
    "sou",  "vum",   "vun",   "wann",  "wéi", "wat",   "war",   "ze",  "zu",     "ginn", "gi",
    "ginn", "waren", "eisen", "eiser", "äis", "dann",  "elo",
};
// Luxembourgish words that French, German and English do not use.
constexpr const char* kLuxembourgishMarkers[] = {
    "ass",   "net",   "mat",  "vun", "vum",  "gëtt", "huet",  "hunn", "och", "ech", "dat", "eng",
    "enger", "engem", "awer", "wéi", "sinn", "dës",  "dësen", "iech", "déi", "mam", "elo", "hei",
};

using WordSet = std::unordered_set<std::string_view>;

template <size_t N>
WordSet make_set(const char* const (&words)[N]) {
    WordSet set;
    for (const char* word : words) set.insert(word);
    return set;
}

const WordSet& stopwords(Language language) {
    static const WordSet french = make_set(kFrench);
    static const WordSet german = make_set(kGerman);
    static const WordSet english = make_set(kEnglish);
    static const WordSet luxembourgish = make_set(kLuxembourgish);
    // Text of no detected language: any of the four lists (so that "de", "la", "the" never
    // become rare, highly weighted terms of a few unstemmed chunks).
    static const WordSet any = [] {
        WordSet all = make_set(kFrench);
        for (const WordSet* set : {&german, &english, &luxembourgish})
            all.insert(set->begin(), set->end());
        return all;
    }();
    switch (language) {
        case Language::FR:
            return french;
        case Language::DE:
            return german;
        case Language::EN:
            return english;
        case Language::LB:
            return luxembourgish;
        case Language::OTHER:
            return any;
    }
    return any;
}

}  // namespace

const char* language_code(Language language) {
    switch (language) {
        case Language::FR:
            return "fr";
        case Language::DE:
            return "de";
        case Language::EN:
            return "en";
        case Language::LB:
            return "lb";
        case Language::OTHER:
            return "other";
    }
    return "other";
}

Language language_from_code(std::string_view code) {
    if (code == "fr") return Language::FR;
    if (code == "de") return Language::DE;
    if (code == "en") return Language::EN;
    if (code == "lb") return Language::LB;
    return Language::OTHER;
}

bool is_stopword(Language language, std::string_view folded_word) {
    return stopwords(language).count(folded_word) > 0;
}

Language detect_language(std::string_view text) {
    static const WordSet markers = make_set(kLuxembourgishMarkers);
    constexpr Language kCandidates[] = {Language::DE, Language::FR, Language::EN, Language::LB};
    int hits[4] = {0, 0, 0, 0};
    int words = 0;
    std::string folded;
    std::unordered_set<std::string> seen;  // each stopword counts once
    for_each_word(text, [&](size_t begin, size_t end) {
        if (words >= 300) return;
        ++words;
        fold_word(text.substr(begin, end - begin), folded);
        if (!seen.insert(folded).second) return;
        for (int i = 0; i < 4; ++i) {
            if (is_stopword(kCandidates[i], folded)) ++hits[i];
        }
        if (markers.count(folded) > 0) hits[3] += 3;
    });
    const int best = (int)(std::max_element(hits, hits + 4) - hits);
    const int needed = std::max(words < 8 ? 1 : 2, std::min(words / 10, 5));
    if (hits[best] < needed) return Language::OTHER;
    return kCandidates[best];
}

}  // namespace souverain::retrieval
