#include "retrieval/analyzer.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "retrieval/decompounder.h"
#include "retrieval/language.h"

namespace souverain::retrieval {
namespace {

std::vector<std::string> words(std::string_view text) {
    std::vector<std::string> out;
    for_each_word(text, [&](size_t b, size_t e) { out.emplace_back(text.substr(b, e - b)); });
    return out;
}

TEST(AnalyzerTest, WordsAreLettersDigitsAndMarks) {
    EXPECT_EQ(words("Art. 12b, l'été — Straße!"),
              (std::vector<std::string>{"Art", "12b", "l", "été", "Straße"}));
    // Invalid UTF-8 separates words and never crashes.
    EXPECT_EQ(words("ab\xff\xfe"
                    "cd"),
              (std::vector<std::string>{"ab", "cd"}));
    EXPECT_TRUE(words(std::string(100, 'x')).empty());  // longer than kMaxWordBytes
}

TEST(AnalyzerTest, FoldingNormalizesCaseWidthAndSharpS) {
    std::string out;
    fold_word("STRASSE", out);
    EXPECT_EQ(out, "strasse");
    fold_word("Straße", out);
    EXPECT_EQ(out, "strasse");
    fold_word("ＡＢＣ", out);  // full-width
    EXPECT_EQ(out, "abc");
    strip_accents("général", out);
    EXPECT_EQ(out, "general");
    strip_accents("kënnen", out);
    EXPECT_EQ(out, "kennen");
}

TEST(AnalyzerTest, LuxembourgishNRule) {
    EXPECT_EQ(normalize_luxembourgish("den"), "de");
    EXPECT_EQ(normalize_luxembourgish("kënnen"), "kënne");
    EXPECT_EQ(normalize_luxembourgish("schéin"), "schéi");
    EXPECT_EQ(normalize_luxembourgish("wann"), "wann");  // "nn" is kept
    EXPECT_EQ(normalize_luxembourgish("haus"), "haus");
    EXPECT_EQ(normalize_luxembourgish("n"), "n");
    Analyzer lb(Language::LB);
    EXPECT_EQ(lb.term("Kënnen"), lb.term("kënne"));
    EXPECT_EQ(lb.term("kënnen"), "kenne");
    EXPECT_EQ(lb.term("schéin"), lb.term("Schéi"));
    EXPECT_EQ(lb.term("Gemengen"), lb.term("Gemenge"));
    // "den"/"de" are both articles: both are stopwords, so both vanish alike.
    EXPECT_EQ(lb.term("den"), "");
    EXPECT_EQ(lb.term("de"), "");
}

TEST(AnalyzerTest, StemmingPerLanguage) {
    Analyzer de(Language::DE);
    EXPECT_EQ(de.term("Kündigung"), de.term("kündigungen"));
    EXPECT_EQ(de.term("und"), "");                    // stopword
    EXPECT_EQ(de.term("Häuser"), de.term("hauser"));  // accents folded after stemming
    Analyzer fr(Language::FR);
    EXPECT_EQ(fr.term("contrats"), fr.term("contrat"));
    EXPECT_EQ(fr.term("les"), "");
    Analyzer en(Language::EN);
    EXPECT_EQ(en.term("running"), en.term("runs"));
}

TEST(AnalyzerTest, DetectsLanguages) {
    EXPECT_EQ(detect_language("Der Mieter kann den Vertrag mit einer Frist von drei Monaten "
                              "kündigen, wenn die Wohnung nicht bewohnbar ist."),
              Language::DE);
    EXPECT_EQ(detect_language("Le présent règlement sera publié au Mémorial et entre en vigueur "
                              "le jour de sa publication."),
              Language::FR);
    EXPECT_EQ(detect_language("The tenant may terminate the contract if the flat is not fit to "
                              "live in."),
              Language::EN);
    EXPECT_EQ(detect_language("D'Gemeng huet décidéiert, dass de Bus net méi an d'Duerf fiert, "
                              "well et ze wéineg Leit sinn."),
              Language::LB);
    EXPECT_EQ(detect_language("1234 5678 %%%"), Language::OTHER);
}

}  // namespace
}  // namespace souverain::retrieval

namespace souverain::retrieval {
namespace {

TEST(DecompounderTest, SplitsAgainstTheVocabulary) {
    Analyzer de(Language::DE);
    const std::unordered_map<std::string, size_t> vocabulary = {{de.term("Kündigung"), 30},
                                                                {de.term("Frist"), 50},
                                                                {de.term("Miete"), 40},
                                                                {de.term("Vertrag"), 60}};
    std::optional<CompoundSplit> split = split_compound("kündigungsfrist", de, vocabulary);
    ASSERT_TRUE(split);  // the linking "s" is dropped from the head
    EXPECT_EQ(split->head, de.term("Kündigung"));
    EXPECT_EQ(split->tail, de.term("Frist"));
    split = split_compound("mietvertrag", de, vocabulary);
    ASSERT_TRUE(split);
    EXPECT_EQ(split->head, de.term("Miete"));
    EXPECT_FALSE(split_compound("vertrag", de, vocabulary));         // too short
    EXPECT_FALSE(split_compound("hausverwaltung", de, vocabulary));  // parts unknown
}

}  // namespace
}  // namespace souverain::retrieval
