#include "retrieval/docx_parser.h"

#include <gtest/gtest.h>

#include <string>

#include "retrieval/document_parser.h"
#include "retrieval/parsed_document_checks.h"
#include "test_documents.h"

namespace souverain::retrieval {
namespace {

using test::DocxParagraph;
using test::make_docx;
using test::make_zip;

constexpr const char* kWordNs = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

Result<std::vector<ParsedDocument>> parse_docx(const std::string& docx,
                                               const std::string& name = "/d/loi.docx") {
    return parse_as(SourceFormat::DOCX, docx, name);
}

// Styles as German Word writes them: translated ids, English names of built-in styles.
std::string german_styles() {
    return std::string("<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:styles xmlns:w=\"") + kWordNs +
           "\">"
           "<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Standard\">"
           "<w:name w:val=\"Normal\"/></w:style>"
           "<w:style w:type=\"paragraph\" w:styleId=\"Titel\"><w:name w:val=\"Title\"/>"
           "<w:basedOn w:val=\"Standard\"/></w:style>"
           "<w:style w:type=\"paragraph\" w:styleId=\"berschrift1\"><w:name w:val=\"heading 1\"/>"
           "<w:basedOn w:val=\"Standard\"/><w:pPr><w:outlineLvl w:val=\"0\"/></w:pPr></w:style>"
           "<w:style w:type=\"paragraph\" w:styleId=\"berschrift3\"><w:name w:val=\"heading 3\"/>"
           "</w:style>"
           "<w:style w:type=\"paragraph\" w:styleId=\"ArtikelUeberschrift\">"
           "<w:name w:val=\"Artikel Überschrift\"/><w:basedOn w:val=\"berschrift3\"/></w:style>"
           "<w:style w:type=\"paragraph\" w:styleId=\"Loop\"><w:name w:val=\"Loop\"/>"
           "<w:basedOn w:val=\"Loop\"/></w:style>"
           "</w:styles>";
}

TEST(DocxParserTest, StylesMakeHeadingsAndArticles) {
    const std::string docx = make_docx(
        {
            {"Titel", "Loi du 1er août 2024"},
            {"", "Préambule."},
            {"berschrift1", "Chapitre 1er"},
            {"ArtikelUeberschrift", "Art. 1er."},
            {"", "Le présent règlement\ts'applique."},
            {"ArtikelUeberschrift", "Art. 2."},
            {"Loop", "Il entre en vigueur."},
            {"Unbekannt", "Art. 3. Dispositions finales."},
        },
        german_styles());
    Result<std::vector<ParsedDocument>> docs = parse_docx(docx);
    ASSERT_TRUE(docs) << docs.error().message;
    ASSERT_EQ(docs->size(), 1u);
    const ParsedDocument& doc = (*docs)[0];
    EXPECT_EQ(doc.title, "Loi du 1er août 2024");
    EXPECT_EQ(doc.text,
              "Loi du 1er août 2024\n\nPréambule.\n\nChapitre 1er\n\nArt. 1er.\n\nLe présent "
              "règlement s'applique.\n\nArt. 2.\n\nIl entre en vigueur.\n\nArt. 3. Dispositions "
              "finales.");
    expect_well_formed_chunks(doc);
    ASSERT_EQ(doc.chunks.size(), 4u);
    EXPECT_EQ(chunk_text(doc, doc.chunks[0]), "Loi du 1er août 2024\n\nPréambule.");
    EXPECT_EQ(doc.chunks[0].heading, "Loi du 1er août 2024");
    EXPECT_EQ(chunk_text(doc, doc.chunks[1]), "Art. 1er.\n\nLe présent règlement s'applique.");
    EXPECT_EQ(doc.chunks[1].heading, "Loi du 1er août 2024 > Chapitre 1er > Art. 1er.");
    EXPECT_EQ(doc.chunks[1].article, "1er");
    EXPECT_EQ(chunk_text(doc, doc.chunks[2]), "Art. 2.\n\nIl entre en vigueur.");
    EXPECT_EQ(doc.chunks[2].article, "2");
    // A body paragraph opening an article replaces the article heading before it.
    EXPECT_EQ(chunk_text(doc, doc.chunks[3]), "Art. 3. Dispositions finales.");
    EXPECT_EQ(doc.chunks[3].heading, "Loi du 1er août 2024 > Chapitre 1er > Art. 3.");
    EXPECT_EQ(doc.chunks[3].article, "3");
}

TEST(DocxParserTest, RunsBreaksTablesTrackedChangesAndOutlineLevels) {
    const std::string xml =
        std::string(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
            "<w:document xmlns:w=\"") +
        kWordNs +
        "\" xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\">"
        "<w:body>"
        "<w:p><w:pPr><w:pStyle w:val=\"Title\"/></w:pPr><w:r><w:t>Gesetz über</w:t></w:r>"
        "<w:r><w:t xml:space=\"preserve\"> Mietverhältnisse</w:t></w:r></w:p>"
        "<w:p><w:pPr><w:outlineLvl w:val=\"0\"/></w:pPr><w:r><w:t>Abschnitt 1</w:t></w:r></w:p>"
        "<w:p><w:pPr><w:pStyle w:val=\"berschrift2\"/></w:pPr>"
        "<w:r><w:t>§ 573 Ordentliche Kündigung</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>Der Vermieter kann</w:t></w:r>"
        "<w:del><w:r><w:delText> nicht</w:delText></w:r></w:del>"
        "<w:ins><w:r><w:t xml:space=\"preserve\"> nur</w:t></w:r></w:ins>"
        "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText> PAGE </w:instrText>"
        "</w:r><w:r><w:t xml:space=\"preserve\"> k&#252;ndigen.</w:t><w:br/>"
        "<w:t>Zweite Zeile</w:t><w:tab/><w:t>mit Tab, 1</w:t><w:noBreakHyphen/><w:t>2.</w:t>"
        "</w:r></w:p>"
        "<w:tbl><w:tblPr><w:tblW w:w=\"0\"/></w:tblPr><w:tr><w:tc><w:p><w:r><w:t>Zelle A</w:t>"
        "</w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Zelle B</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
        "<w:p><w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing><w:txbxContent>"
        "<w:p><w:r><w:t>Im Textfeld</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice>"
        "<mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>Im Textfeld</w:t></w:r></w:p>"
        "</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>"
        "<w:p><w:pPr><w:pStyle w:val=\"Heading3\"/><w:outlineLvl w:val=\"9\"/></w:pPr>"
        "<w:r><w:t>Nur Text</w:t></w:r></w:p>"
        "<w:sectPr><w:pgSz w:w=\"11906\"/></w:sectPr></w:body></w:document>";
    Result<std::vector<ParsedDocument>> docs =
        parse_docx(make_zip({{"word/document.xml", xml}}), "/d/bgb.docx");
    ASSERT_TRUE(docs) << docs.error().message;
    const ParsedDocument& doc = (*docs)[0];
    EXPECT_EQ(doc.title, "Gesetz über Mietverhältnisse");  // id "Title", no styles.xml
    EXPECT_EQ(doc.text,
              "Gesetz über Mietverhältnisse\n\nAbschnitt 1\n\n§ 573 Ordentliche Kündigung\n\n"
              "Der Vermieter kann nur kündigen.\nZweite Zeile mit Tab, 1-2.\n\nZelle A\n\n"
              "Zelle B\n\nIm Textfeld\n\nNur Text");
    expect_well_formed_chunks(doc);
    ASSERT_EQ(doc.chunks.size(), 1u);  // the title and the section heading have no body
    EXPECT_EQ(doc.chunks[0].heading,
              "Gesetz über Mietverhältnisse > Abschnitt 1 > § 573 Ordentliche Kündigung");
    EXPECT_EQ(doc.chunks[0].article, "573");
    EXPECT_EQ(chunk_text(doc, doc.chunks[0]), doc.text.substr(doc.text.find("§ 573")));
}

TEST(DocxParserTest, BrokenPackagesAreFormatErrors) {
    const std::string good = make_docx({{"", "Un paragraphe."}});
    const std::string open = std::string("<w:document xmlns:w=\"") + kWordNs + "\"><w:body>";
    const std::pair<std::string, std::string> cases[] = {
        {"not a zip", "PK\x03\x04 this is not really a zip archive at all"},
        {"truncated", good.substr(0, good.size() / 2)},
        {"empty", ""},
        {"no word/document.xml", make_zip({{"word/other.xml", "<x/>"}})},
        {"not well-formed XML",
         make_zip({{"word/document.xml", open + "<w:p><w:r><w:t>x</w:r></w:p></w:body>"}})},
        {"DOCTYPE",
         make_zip({{"word/document.xml",
                    "<!DOCTYPE lol [<!ENTITY a \"aaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>" + open +
                        "<w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>"}})},
        {"malformed styles", make_zip({{"word/document.xml", open + "</w:body></w:document>"},
                                       {"word/styles.xml", "<w:styles"}})},
        {"no text", make_zip({{"word/document.xml", open + "<w:p/></w:body></w:document>"}})},
    };
    for (const auto& [what, bytes] : cases) {
        Result<std::vector<ParsedDocument>> docs = parse_docx(bytes, "/d/broken.docx");
        ASSERT_FALSE(docs) << what;
        EXPECT_EQ(docs.error().code, ErrorCode::FORMAT) << what;
        EXPECT_NE(docs.error().message.find("broken.docx"), std::string::npos) << what;
    }
    Result<std::vector<ParsedDocument>> docs = parse_docx(cases[4].second);
    ASSERT_FALSE(docs);
    EXPECT_NE(docs.error().message.find("word/document.xml: not well-formed XML (line 1"),
              std::string::npos)
        << docs.error().message;
}

TEST(DocxParserTest, ZipBombIsRefusedWhileReading) {
    // 65 MiB of spaces compress to a few dozen KiB.
    std::string xml =
        std::string("<w:document xmlns:w=\"") + kWordNs + "\"><w:body><w:p><w:r><w:t>";
    xml.append(kMaxDocxPartBytes + (1 << 20), ' ');
    xml += "</w:t></w:r></w:p></w:body></w:document>";
    const std::string bomb = make_zip({{"word/document.xml", xml}});
    ASSERT_LT(bomb.size(), 1u << 20);
    Result<std::vector<ParsedDocument>> docs = parse_docx(bomb, "bomb.docx");
    ASSERT_FALSE(docs);
    EXPECT_EQ(docs.error().code, ErrorCode::FORMAT);
    EXPECT_NE(docs.error().message.find("larger than 64 MiB"), std::string::npos)
        << docs.error().message;
}

}  // namespace
}  // namespace souverain::retrieval
