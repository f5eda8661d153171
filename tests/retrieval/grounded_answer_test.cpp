// Grounded prompts, citations and extractive answers built from retrieved passages.
#include "retrieval/grounded_answer.h"

#include <gtest/gtest.h>

namespace souverain::retrieval {
namespace {

RetrievedPassage passage(const std::string& kb, const std::string& document, int64_t chunk_id,
                         const std::string& text, const std::string& language,
                         const std::string& heading = "") {
    RetrievedPassage out;
    out.knowledge_base = kb;
    out.hit.chunk.chunk_id = chunk_id;
    out.hit.chunk.document_id = document;
    out.hit.chunk.title = "Code du travail";
    out.hit.chunk.language = language;
    out.hit.chunk.metadata_json =
        heading.empty() ? R"({"language":")" + language + R"("})"
                        : R"({"language":")" + language + R"(","heading":")" + heading + R"("})";
    out.hit.chunk.start = chunk_id * 100;
    out.hit.chunk.end = chunk_id * 100 + (int64_t)text.size();
    out.hit.chunk.text = text;
    out.hit.score = 10.0 / (double)chunk_id;
    return out;
}

std::vector<RetrievedPassage> two_passages() {
    return {passage("laws", "travail.md", 1, "Le salarié a droit à un congé de 26 jours.", "fr",
                    "Code du travail > Art. 5"),
            passage("laws", "bail.md", 2, "Le bail est conclu par écrit.", "fr")};
}

TEST(GroundedAnswer, PromptNumbersTheSourcesInOrderAndEndsWithTheQuestion) {
    const GroundedPrompt prompt =
        build_grounded_prompt("Combien de jours de congé a le salarié ?", two_passages());
    EXPECT_EQ(prompt.language, Language::FR);
    EXPECT_NE(prompt.system.find("[1]"), std::string::npos);
    EXPECT_NE(prompt.system.find("uniquement"), std::string::npos);
    const std::string expected_user =
        "Sources:\n\n"
        "[1] Code du travail > Art. 5\nLe salarié a droit à un congé de 26 jours.\n\n"
        "[2] Code du travail\nLe bail est conclu par écrit.\n\n"
        "Question: Combien de jours de congé a le salarié ?";
    EXPECT_EQ(prompt.user, expected_user);
    ASSERT_EQ(prompt.citations.size(), 2u);
    EXPECT_EQ(prompt.citations[0].number, 1);
    EXPECT_EQ(prompt.citations[1].number, 2);
    EXPECT_EQ(prompt.citations[1].source.hit.chunk.document_id, "bail.md");
    EXPECT_EQ(merged_user_message(prompt), prompt.system + "\n\n" + prompt.user);
}

TEST(GroundedAnswer, InstructionsFollowTheQuestionLanguage) {
    const std::vector<RetrievedPassage> none;
    EXPECT_EQ(build_grounded_prompt("What does the law say about the notice period?", none)
                  .system.rfind("Answer the question using only", 0),
              0u);
    const GroundedPrompt german =
        build_grounded_prompt("Wie lange ist die Kündigungsfrist für die Wohnung?", none);
    EXPECT_EQ(german.language, Language::DE);
    EXPECT_EQ(german.system.rfind("Beantworte die Frage", 0), 0u);
    EXPECT_NE(german.user.find("Quellen:\n\n(keine)"), std::string::npos);
    EXPECT_NE(german.user.find("Frage: Wie lange"), std::string::npos);
    const GroundedPrompt luxembourgish =
        build_grounded_prompt("Wéi vill Deeg Congé huet een an där Firma?", none);
    EXPECT_EQ(luxembourgish.language, Language::LB);
    EXPECT_EQ(luxembourgish.system.rfind("Beäntwer d'Fro", 0), 0u);
}

TEST(GroundedAnswer, ShortQuestionsTakeTheLanguageOfThePassages) {
    // "Art. 5?" says nothing about its language; the passages are French.
    EXPECT_EQ(answer_language("Art. 5?", two_passages()), Language::FR);
    EXPECT_EQ(answer_language("Art. 5?", {}), Language::EN);
}

TEST(GroundedAnswer, ExtractiveAnswerQuotesThePassagesWithTheirMarkers) {
    const GroundedPrompt prompt = build_grounded_prompt("congé salarié", two_passages());
    EXPECT_EQ(
        extractive_answer(prompt),
        "Le salarié a droit à un congé de 26 jours. [1]\n\nLe bail est conclu par écrit. [2]");
    const GroundedPrompt empty = build_grounded_prompt("Quel est le délai de préavis ?", {});
    EXPECT_TRUE(empty.citations.empty());
    EXPECT_EQ(extractive_answer(empty),
              "La base de connaissances ne contient aucun passage qui corresponde à la question.");
}

TEST(GroundedAnswer, CitationsPointAtTheirPassages) {
    const GroundedPrompt prompt = build_grounded_prompt("congé", two_passages());
    const nlohmann::json citations = citations_json(prompt.citations);
    ASSERT_EQ(citations.size(), 2u);
    const nlohmann::json& first = citations[0];
    EXPECT_EQ(first["number"], 1);
    EXPECT_EQ(first["knowledge_base"], "laws");
    EXPECT_EQ(first["document_id"], "travail.md");
    EXPECT_EQ(first["chunk_id"], 1);
    EXPECT_EQ(first["start"], 100);
    EXPECT_EQ(first["end"], 100 + (int64_t)first["passage"].get<std::string>().size());
    EXPECT_EQ(first["passage"], "Le salarié a droit à un congé de 26 jours.");
    EXPECT_EQ(first["metadata"]["heading"], "Code du travail > Art. 5");
    EXPECT_DOUBLE_EQ(first["score"].get<double>(), 10.0);
    EXPECT_EQ(citations[1]["number"], 2);
}

}  // namespace
}  // namespace souverain::retrieval
