#include "retrieval/pdf_parser.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "retrieval/document_parser.h"
#include "retrieval/parsed_document_checks.h"
#include "test_documents.h"

namespace souverain::retrieval {
namespace {

using test::make_pdf;
using test::PdfOptions;

Result<std::vector<ParsedDocument>> parse_pdf(const std::string& pdf,
                                              const std::string& name = "/d/loi.pdf",
                                              size_t max_bytes = 2000) {
    return parse_as(SourceFormat::PDF, pdf, name, max_bytes);
}

// Two pages of a law: a heading line, articles that open lines, a wrapped sentence whose next
// line starts with a cross-reference, and an article that runs over the page break.
const std::vector<std::vector<std::string>> kLaw = {
    {
        "Loi du 1er août 2024 sur les baux",
        "Chapitre 1er - Dispositions générales",
        "Art. 1er. Le présent règlement s'applique à tous les baux à",
        "usage d'habitation conclus après son entrée en vigueur, selon le",
        "§ 573 Abs. 2 BGB et les règles générales du Code civil.",
        "Art. 2. Le bailleur remet au locataire un exemplaire signé",
    },
    {
        "du contrat de bail, même après la fin de la période d'essai.",
        "Art. 3. Les contrats en cours restent soumis à la loi ancienne.",
    },
};

TEST(PdfParserTest, PagesLinesArticlesAndOffsets) {
    Result<std::vector<ParsedDocument>> docs = parse_pdf(make_pdf(kLaw));
    ASSERT_TRUE(docs) << docs.error().message;
    ASSERT_EQ(docs->size(), 1u);
    const ParsedDocument& doc = (*docs)[0];
    EXPECT_EQ(doc.title, "loi");  // no Info dictionary: the file name
    EXPECT_EQ(doc.text,
              "Loi du 1er août 2024 sur les baux\nChapitre 1er - Dispositions générales\n"
              "Art. 1er. Le présent règlement s'applique à tous les baux à\n"
              "usage d'habitation conclus après son entrée en vigueur, selon le\n"
              "§ 573 Abs. 2 BGB et les règles générales du Code civil.\n"
              "Art. 2. Le bailleur remet au locataire un exemplaire signé\n\n"
              "du contrat de bail, même après la fin de la période d'essai.\n"
              "Art. 3. Les contrats en cours restent soumis à la loi ancienne.");
    expect_well_formed_chunks(doc);
    ASSERT_EQ(doc.chunks.size(), 4u);
    EXPECT_EQ(chunk_text(doc, doc.chunks[0]),
              "Loi du 1er août 2024 sur les baux\nChapitre 1er - Dispositions générales");
    EXPECT_EQ(doc.chunks[0].article, "");
    EXPECT_EQ(doc.chunks[0].page, 1);

    // "§ 573 Abs. 2" continues the wrapped sentence: no article of its own.
    EXPECT_EQ(chunk_text(doc, doc.chunks[1]),
              "Art. 1er. Le présent règlement s'applique à tous les baux à\n"
              "usage d'habitation conclus après son entrée en vigueur, selon le\n"
              "§ 573 Abs. 2 BGB et les règles générales du Code civil.");
    EXPECT_EQ(doc.chunks[1].article, "1er");
    EXPECT_EQ(doc.chunks[1].heading, "Art. 1er.");
    EXPECT_EQ(doc.chunks[1].page, 1);

    // Article 2 runs over the page break: one chunk, on the page where it starts.
    EXPECT_EQ(chunk_text(doc, doc.chunks[2]),
              "Art. 2. Le bailleur remet au locataire un exemplaire signé\n\n"
              "du contrat de bail, même après la fin de la période d'essai.");
    EXPECT_EQ(doc.chunks[2].article, "2");
    EXPECT_EQ(doc.chunks[2].page, 1);
    EXPECT_EQ(doc.chunks[3].article, "3");
    EXPECT_EQ(doc.chunks[3].page, 2);
}

TEST(PdfParserTest, InfoTitleAndPagesOfSplitChunks) {
    std::vector<std::vector<std::string>> pages;
    for (int page = 0; page < 3; ++page) {
        std::vector<std::string> lines;
        for (int line = 0; line < 20; ++line) {
            lines.push_back("Page " + std::to_string(page + 1) + ", phrase " +
                            std::to_string(line) + " sur la garantie locative.");
        }
        pages.push_back(lines);
    }
    PdfOptions options;
    options.title = "Règlement grand-ducal";
    Result<std::vector<ParsedDocument>> docs = parse_pdf(make_pdf(pages, options), "r.pdf", 300);
    ASSERT_TRUE(docs) << docs.error().message;
    const ParsedDocument& doc = (*docs)[0];
    EXPECT_EQ(doc.title, "Règlement grand-ducal");
    expect_well_formed_chunks(doc);
    ASSERT_GT(doc.chunks.size(), 6u);
    int previous_page = 1;
    for (const ParsedChunk& chunk : doc.chunks) {
        // Each chunk starts with the page it names.
        const std::string text = chunk_text(doc, chunk);
        EXPECT_EQ(text.rfind("Page " + std::to_string(chunk.page) + ",", 0), 0u) << text;
        EXPECT_GE(chunk.page, previous_page);
        previous_page = chunk.page;
    }
    EXPECT_EQ(previous_page, 3);
}

TEST(PdfParserTest, BrokenPdfsAreQuietFormatErrors) {
    const std::string good = make_pdf(kLaw);
    std::mt19937 rng(7);
    std::string random(4096, '\0');
    for (char& ch : random) ch = (char)(rng() & 0xFF);
    PdfOptions locked;
    locked.locked = true;
    const std::pair<std::string, std::string> cases[] = {
        {"truncated", good.substr(0, good.size() / 2)}, {"random bytes", random},
        {"header only", "%PDF-1.4\n%%EOF\n"},           {"empty", ""},
        {"encrypted", make_pdf(kLaw, locked)},          {"no text", make_pdf({{}, {}})},
    };
    for (const auto& [what, bytes] : cases) {
        testing::internal::CaptureStderr();
        Result<std::vector<ParsedDocument>> docs = parse_pdf(bytes, "/d/broken.pdf");
        const std::string stderr_text = testing::internal::GetCapturedStderr();
        ASSERT_FALSE(docs) << what;
        EXPECT_EQ(docs.error().code, ErrorCode::FORMAT) << what;
        EXPECT_NE(docs.error().message.find("broken.pdf"), std::string::npos) << what;
        EXPECT_EQ(stderr_text, "") << what;  // poppler's warnings are silenced
    }
    Result<std::vector<ParsedDocument>> docs = parse_pdf(make_pdf(kLaw, locked), "x.pdf");
    ASSERT_FALSE(docs);
    EXPECT_NE(docs.error().message.find("encrypted"), std::string::npos);
    docs = parse_pdf(make_pdf({{}}), "scan.pdf");
    ASSERT_FALSE(docs);
    EXPECT_NE(docs.error().message.find("no text"), std::string::npos);
}

}  // namespace
}  // namespace souverain::retrieval
