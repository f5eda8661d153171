#include "retrieval/document_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace souverain::retrieval {
namespace {

ChunkOptions small(size_t max_bytes) {
    ChunkOptions options;
    options.max_bytes = max_bytes;
    return options;
}

TEST(DocumentParserTest, FormatsByExtension) {
    EXPECT_EQ(source_format_of("/a/B.MD"), SourceFormat::MARKDOWN);
    EXPECT_EQ(source_format_of("x.txt"), SourceFormat::TEXT);
    EXPECT_EQ(source_format_of("corpus.jsonl"), SourceFormat::JSONL);
    EXPECT_EQ(source_format_of("a.PDF"), SourceFormat::PDF);
    EXPECT_EQ(source_format_of("page.htm"), SourceFormat::HTML);
    EXPECT_EQ(source_format_of("page.html"), SourceFormat::HTML);
    EXPECT_EQ(source_format_of("loi.docx"), SourceFormat::DOCX);
    EXPECT_EQ(source_format_of("loi.doc"), SourceFormat::UNSUPPORTED);
}

TEST(DocumentParserTest, ArticleNumbers) {
    EXPECT_EQ(article_number("Art. 12"), "12");
    EXPECT_EQ(article_number("Art. 1er."), "1er");
    EXPECT_EQ(article_number("Article 12"), "12");
    EXPECT_EQ(article_number("Artikel 3a"), "3a");
    EXPECT_EQ(article_number("Art. L. 121-1."), "L. 121-1");
    EXPECT_EQ(article_number("§ 573b"), "573b");
    EXPECT_EQ(article_number("Article premier"), "");
    EXPECT_EQ(article_number("Artisanat"), "");
    EXPECT_EQ(article_number("Chapitre 1"), "");
}

TEST(DocumentParserTest, MarkdownSectionsHeadingsAndArticles) {
    const std::string md =
        "# Loi du 1er août 2024\n\nPréambule é.\n\n## Chapitre 1\n\n<a id=\"art_1\"></a>\n\n"
        "### Art. 1er.\n\nLe présent règlement s'applique.\n\n<a id=\"art_2\"></a>\n\n"
        "### Art. 2.\n\nIl entre en vigueur.\n\n```\n# not a heading\n```\n";
    Result<std::vector<ParsedDocument>> docs =
        parse_source(md, SourceFormat::MARKDOWN, "/x/loi.md", ChunkOptions{});
    ASSERT_TRUE(docs) << docs.error().message;
    ASSERT_EQ(docs->size(), 1u);
    const ParsedDocument& doc = (*docs)[0];
    EXPECT_EQ(doc.title, "Loi du 1er août 2024");
    EXPECT_EQ(doc.text, md);
    ASSERT_EQ(doc.chunks.size(), 3u);  // préambule, art. 1er, art. 2 (chapter has no body)
    EXPECT_EQ(doc.chunks[0].heading, "Loi du 1er août 2024");
    EXPECT_EQ(doc.chunks[1].heading, "Loi du 1er août 2024 > Chapitre 1 > Art. 1er.");
    EXPECT_EQ(doc.chunks[1].article, "1er");
    EXPECT_EQ(doc.chunks[2].article, "2");
    const std::string art1 = doc.text.substr(doc.chunks[1].start_byte,
                                             doc.chunks[1].end_byte - doc.chunks[1].start_byte);
    EXPECT_EQ(art1, "### Art. 1er.\n\nLe présent règlement s'applique.");  // anchors trimmed
    const std::string art2 = doc.text.substr(doc.chunks[2].start_byte,
                                             doc.chunks[2].end_byte - doc.chunks[2].start_byte);
    EXPECT_NE(art2.find("# not a heading"), std::string::npos);  // fenced: body text
}

TEST(DocumentParserTest, LongArticleIsSplitWithOverlapAtSentences) {
    std::string md = "### Art. 5.\n\n";
    for (int i = 0; i < 30; ++i) md += "Satz Nummer " + std::to_string(i) + " über Verträge. ";
    Result<std::vector<ParsedDocument>> docs =
        parse_source(md, SourceFormat::MARKDOWN, "a.md", small(200));
    ASSERT_TRUE(docs);
    const auto& chunks = (*docs)[0].chunks;
    ASSERT_GT(chunks.size(), 3u);
    for (size_t i = 0; i < chunks.size(); ++i) {
        EXPECT_EQ(chunks[i].article, "5");
        EXPECT_LE(chunks[i].end_byte - chunks[i].start_byte, 200u);
        const char last = md[chunks[i].end_byte - 1];
        EXPECT_EQ(last, '.') << i;  // ends at a sentence end
        if (i > 0) {
            EXPECT_LT(chunks[i].start_byte, chunks[i - 1].end_byte);  // overlap
        }
    }
}

TEST(DocumentParserTest, TextChunksCoverNonAscii) {
    std::string text;
    for (int i = 0; i < 40; ++i) text += "Ça coûte cher à Lëtzebuerg, n'est-ce pas? ";
    Result<std::vector<ParsedDocument>> docs =
        parse_source(text, SourceFormat::TEXT, "/d/notes.txt", small(150));
    ASSERT_TRUE(docs);
    const ParsedDocument& doc = (*docs)[0];
    EXPECT_EQ(doc.title, "notes");
    ASSERT_GT(doc.chunks.size(), 5u);
    for (const ParsedChunk& chunk : doc.chunks) {
        const std::string passage =
            doc.text.substr(chunk.start_byte, chunk.end_byte - chunk.start_byte);
        EXPECT_EQ(find_invalid_utf8(passage), std::string_view::npos);
        EXPECT_EQ(passage.rfind("Ça", 0), 0u) << passage;
    }
}

TEST(DocumentParserTest, OverlongSentenceIsCutOnCharacterBoundaries) {
    std::string text;
    for (int i = 0; i < 200; ++i) text += "ëëëë";  // no space at all
    Result<std::vector<ParsedDocument>> docs =
        parse_source(text, SourceFormat::TEXT, "x.txt", small(101));
    ASSERT_TRUE(docs);
    size_t covered = 0;
    for (const ParsedChunk& chunk : (*docs)[0].chunks) {
        EXPECT_EQ(
            find_invalid_utf8(text.substr(chunk.start_byte, chunk.end_byte - chunk.start_byte)),
            std::string_view::npos);
        covered += chunk.end_byte - chunk.start_byte;
    }
    EXPECT_EQ(covered, text.size());
}

TEST(DocumentParserTest, BeirJsonl) {
    const std::string jsonl =
        "{\"_id\": \"§ 1\", \"title\": \"Beginn\", \"text\": \"Die Rechtsf\\u00e4higkeit "
        "beginnt.\"}\n"
        "\n{\"_id\": 7, \"text\": \"Zweites.\"}\n";
    Result<std::vector<ParsedDocument>> docs =
        parse_source(jsonl, SourceFormat::JSONL, "c.jsonl", ChunkOptions{});
    ASSERT_TRUE(docs) << docs.error().message;
    ASSERT_EQ(docs->size(), 2u);
    EXPECT_EQ((*docs)[0].id, "§ 1");
    EXPECT_EQ((*docs)[0].title, "Beginn");
    EXPECT_EQ((*docs)[0].text, "Die Rechtsfähigkeit beginnt.");
    EXPECT_EQ((*docs)[0].chunks[0].end_byte, (*docs)[0].text.size());
    EXPECT_EQ((*docs)[1].id, "7");
}

TEST(DocumentParserTest, BrokenSourcesFailWithTheirName) {
    const ChunkOptions options;
    Result<std::vector<ParsedDocument>> r =
        parse_source("ok\n\xC3(bad", SourceFormat::TEXT, "bad.txt", options);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::FORMAT);
    EXPECT_NE(r.error().message.find("bad.txt"), std::string::npos);
    EXPECT_NE(r.error().message.find("UTF-8"), std::string::npos);
    EXPECT_FALSE(parse_source("", SourceFormat::MARKDOWN, "empty.md", options));
    EXPECT_FALSE(parse_source("  \n", SourceFormat::TEXT, "blank.txt", options));
    EXPECT_FALSE(parse_source(std::string("\x7f"
                                          "ELF\0\0\x01\x02",
                                          8),
                              SourceFormat::TEXT, "garbage.txt", options));
    r = parse_source("{\"_id\": \"a\", \"text\": \"x\"}\n{\"_id\": \"b\", \"te",
                     SourceFormat::JSONL, "t.jsonl", options);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("t.jsonl:2"), std::string::npos);
    EXPECT_FALSE(parse_source("{\"_id\": \"a\"}\n", SourceFormat::JSONL, "notext.jsonl", options));
    EXPECT_FALSE(parse_source("[1, 2]\n", SourceFormat::JSONL, "array.jsonl", options));
    EXPECT_FALSE(parse_source("{\"_id\": \"a\", \"text\": \"\xff\"}\n", SourceFormat::JSONL,
                              "utf8.jsonl", options));
    EXPECT_FALSE(parse_source("", SourceFormat::JSONL, "empty.jsonl", options));
}

}  // namespace
}  // namespace souverain::retrieval
