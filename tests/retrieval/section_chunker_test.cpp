#include "retrieval/section_chunker.h"

#include <gtest/gtest.h>

#include <string>

#include "retrieval/extracted_text.h"

namespace souverain::retrieval {
namespace {

std::string label_of(std::string_view line) {
    const std::optional<ArticleStart> start = find_article_start(line);
    return start ? std::string(line.substr(0, start->label_end)) + "|" + start->number : "-";
}

TEST(SectionChunkerTest, ArticleLinesAndReferences) {
    EXPECT_EQ(label_of("Art. 1er. Le présent règlement"), "Art. 1er.|1er");
    EXPECT_EQ(label_of("Art. 12"), "Art. 12|12");
    EXPECT_EQ(label_of("Article 5 (1) Le bailleur"), "Article 5|5");
    EXPECT_EQ(label_of("ARTICLE 7: Durée"), "ARTICLE 7|7");
    EXPECT_EQ(label_of("Artikel 3a Geltungsbereich"), "Artikel 3a|3a");
    EXPECT_EQ(label_of("§ 573 Ordentliche Kündigung"), "§ 573|573");
    EXPECT_EQ(label_of("Art. L. 121-1. Le code"), "Art. L. 121-1.|L. 121-1");
    EXPECT_EQ(label_of("Article 5 de la loi modifiée"), "-");  // a reference
    EXPECT_EQ(label_of("Art. 5, alinéa 2"), "-");
    EXPECT_EQ(label_of("Art. 5 2 3"), "-");
    EXPECT_EQ(label_of("art. 5. Le bail"), "-");  // not capitalized
    EXPECT_EQ(label_of("Artisanat 5"), "-");
    EXPECT_EQ(label_of("Annexe 1"), "-");
    EXPECT_EQ(label_of(""), "-");
}

TEST(SectionChunkerTest, HeadingPathsAndArticleLines) {
    const std::string text = "T\nH1\nA1 body\nArt. 2. body\nH2\nx";
    // T (title level 0), H1 (level 1), "A1" (level 2, body after), an article line, then a
    // new level-1 heading that drops the article from the path.
    SectionChunker sections(text, ChunkOptions{});
    sections.heading(0, "T", 0, 1);
    sections.heading(1, "H1", 2, 4);
    sections.heading(2, "Art. 1", 5, 7);
    sections.body(12);
    sections.article("Art. 2.", "2", 13, 20);
    sections.body(25);
    sections.heading(1, "H2", 26, 28);
    sections.body(30);
    const std::vector<ParsedChunk> chunks = sections.finish();
    ASSERT_EQ(chunks.size(), 3u);
    EXPECT_EQ(chunks[0].heading, "T > H1 > Art. 1");
    EXPECT_EQ(chunks[0].article, "1");
    EXPECT_EQ(text.substr(chunks[0].start_byte, chunks[0].end_byte - chunks[0].start_byte),
              "A1 body");
    EXPECT_EQ(chunks[1].heading, "T > H1 > Art. 2.");  // replaces the article heading
    EXPECT_EQ(chunks[1].article, "2");
    EXPECT_EQ(chunks[2].heading, "T > H2");
    EXPECT_EQ(chunks[2].article, "");
}

TEST(TextBuilderTest, WhitespaceBreaksAndBadBytesAreNormalized) {
    TextBuilder builder;
    builder.request_break(TextBreak::PARAGRAPH);  // nothing at the start
    builder.append(
        "  Un\t\ttexte\n avec\xC2\xA0"
        "espaces ");
    builder.request_break(TextBreak::LINE);
    builder.request_break(TextBreak::SPACE);
    builder.append("ligne\x01 \xFF suivante\xC2\xAD");
    builder.request_break(TextBreak::PARAGRAPH);
    builder.set_heading_level(2);
    builder.append("Titre");
    builder.request_break(TextBreak::LINE);  // a heading stays one line
    builder.append("suite");
    builder.set_heading_level(-1);
    builder.append("corps");
    builder.request_break(TextBreak::PARAGRAPH);  // nothing at the end
    const ExtractedText extracted = std::move(builder).finish();
    EXPECT_EQ(extracted.text,
              "Un texte avec espaces\nligne \xEF\xBF\xBD suivante\n\nTitre suite\n\ncorps");
    ASSERT_EQ(extracted.blocks.size(), 4u);
    const auto line = [&](size_t i) {
        const TextBlock& block = extracted.blocks[i];
        return extracted.text.substr(block.begin, block.end - block.begin);
    };
    EXPECT_EQ(line(0), "Un texte avec espaces");
    EXPECT_EQ(line(1), "ligne \xEF\xBF\xBD suivante");
    EXPECT_EQ(line(2), "Titre suite");
    EXPECT_EQ(extracted.blocks[2].heading_level, 2);
    EXPECT_EQ(line(3), "corps");
    EXPECT_EQ(extracted.blocks[3].heading_level, -1);
}

}  // namespace
}  // namespace souverain::retrieval
