#include "retrieval/html_parser.h"

#include <gtest/gtest.h>

#include <string>

#include "retrieval/document_parser.h"
#include "retrieval/parsed_document_checks.h"

namespace souverain::retrieval {
namespace {

Result<std::vector<ParsedDocument>> parse_html(const std::string& html,
                                               const std::string& name = "/d/page.html",
                                               size_t max_bytes = 2000) {
    return parse_as(SourceFormat::HTML, html, name, max_bytes);
}

TEST(HtmlParserTest, VisibleTextHeadingSectionsAndArticles) {
    const std::string html =
        "<!DOCTYPE html><html><head><title>Loi  du 1er\n août 2024</title>"
        "<style>p { color: red }</style><script>var x = \"<p>hidden</p>\";</script></head>"
        "<body><nav><a href=\"/\">Accueil</a> | <a href=\"/lois\">Lois</a></nav>"
        "<header><p>Portail du gouvernement</p></header>"
        "<main><h1>Loi du 1er août 2024</h1><p>Préambule&nbsp;:   texte\n  suivi.</p>"
        "<h2>Chapitre 1<sup>er</sup></h2>"
        "<h3>Art. 1<sup>er</sup>.</h3><p>Le présent règlement<br>s'applique.</p>"
        "<h3>Art. 2.</h3><p>Il entre en <b>vigueur</b>.</p><ul><li>un</li><li>deux</li></ul>"
        "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>"
        "<div hidden>caché</div><p aria-hidden=\"true\">aussi caché</p></main>"
        "<footer>© 2024 État</footer></body></html>";
    Result<std::vector<ParsedDocument>> docs = parse_html(html);
    ASSERT_TRUE(docs) << docs.error().message;
    ASSERT_EQ(docs->size(), 1u);
    const ParsedDocument& doc = (*docs)[0];
    EXPECT_EQ(doc.id, "/d/page.html");
    EXPECT_EQ(doc.title, "Loi du 1er août 2024");
    EXPECT_EQ(doc.text,
              "Loi du 1er août 2024\n\nPréambule : texte suivi.\n\nChapitre 1er\n\nArt. 1er.\n\n"
              "Le présent règlement\ns'applique.\n\nArt. 2.\n\nIl entre en vigueur.\n\nun\ndeux"
              "\n\na b\nc d");
    expect_well_formed_chunks(doc);
    ASSERT_EQ(doc.chunks.size(), 3u);  // preamble, art. 1er, art. 2 (the chapter has no body)
    EXPECT_EQ(chunk_text(doc, doc.chunks[0]), "Loi du 1er août 2024\n\nPréambule : texte suivi.");
    EXPECT_EQ(doc.chunks[0].heading, "Loi du 1er août 2024");
    EXPECT_EQ(doc.chunks[0].article, "");
    EXPECT_EQ(chunk_text(doc, doc.chunks[1]), "Art. 1er.\n\nLe présent règlement\ns'applique.");
    EXPECT_EQ(doc.chunks[1].heading, "Loi du 1er août 2024 > Chapitre 1er > Art. 1er.");
    EXPECT_EQ(doc.chunks[1].article, "1er");
    EXPECT_EQ(chunk_text(doc, doc.chunks[2]),
              "Art. 2.\n\nIl entre en vigueur.\n\nun\ndeux\n\na b\nc d");
    EXPECT_EQ(doc.chunks[2].article, "2");
    EXPECT_EQ(doc.chunks[2].page, 0);
}

TEST(HtmlParserTest, TitleFallsBackToFirstH1ThenFileName) {
    Result<std::vector<ParsedDocument>> docs =
        parse_html("<body><p>Avant.</p><h1>Code  civil</h1><p>x</p></body>");
    ASSERT_TRUE(docs);
    EXPECT_EQ((*docs)[0].title, "Code civil");
    docs = parse_html("<p>Rien que du texte.</p>", "/d/notice.htm");
    ASSERT_TRUE(docs);
    EXPECT_EQ((*docs)[0].title, "notice");
}

TEST(HtmlParserTest, DeclaredCharsetsComeOutAsUtf8) {
    Result<std::vector<ParsedDocument>> docs = parse_html(
        "<html><head><meta charset=\"windows-1252\"><title>Caf\xe9</title></head>"
        "<body><p>Caf\xe9 \x80 5, \x93guillemets\x94</p></body></html>");
    ASSERT_TRUE(docs) << docs.error().message;
    EXPECT_EQ((*docs)[0].title, "Café");
    EXPECT_EQ((*docs)[0].text, "Café € 5, \u201cguillemets\u201d");

    docs = parse_html(
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; "
        "charset=iso-8859-1\"></head><body><p>Gr\xfc\xdf Gott, K\xfcndigung</p></body></html>");
    ASSERT_TRUE(docs) << docs.error().message;
    EXPECT_EQ((*docs)[0].text, "Grüß Gott, Kündigung");

    docs = parse_html(
        "<p>D\xc3\xa9j\xc3\xa0 en UTF-8 sans d\xc3\xa9"
        "claration</p>");
    ASSERT_TRUE(docs);
    EXPECT_EQ((*docs)[0].text, "Déjà en UTF-8 sans déclaration");

    // UTF-16 with a byte-order mark: its NUL bytes are not a binary file.
    std::string utf16 = "\xFF\xFE";
    for (char ch : std::string("<p>Moien</p>")) {
        utf16.push_back(ch);
        utf16.push_back('\0');
    }
    docs = parse_html(utf16);
    ASSERT_TRUE(docs) << docs.error().message;
    EXPECT_EQ((*docs)[0].text, "Moien");
}

TEST(HtmlParserTest, UnclosedTagsAreRecovered) {
    Result<std::vector<ParsedDocument>> docs = parse_html(
        "<html><body><div><p>Art. 3. Le bail<p>est <b>résilié <i>de plein droit"
        "<h2>Art. 4 Sanctions</h2>Amende.<p>Fin");
    ASSERT_TRUE(docs) << docs.error().message;
    const ParsedDocument& doc = (*docs)[0];
    EXPECT_EQ(doc.text,
              "Art. 3. Le bail\n\nest résilié de plein droit\n\nArt. 4 Sanctions\n\n"
              "Amende.\n\nFin");
    expect_well_formed_chunks(doc);
    ASSERT_EQ(doc.chunks.size(), 2u);
    EXPECT_EQ(doc.chunks[0].article, "3");  // a paragraph that opens an article
    EXPECT_EQ(doc.chunks[0].heading, "Art. 3.");
    EXPECT_EQ(chunk_text(doc, doc.chunks[0]), "Art. 3. Le bail\n\nest résilié de plein droit");
    EXPECT_EQ(doc.chunks[1].article, "4");
    EXPECT_EQ(doc.chunks[1].heading, "Art. 4 Sanctions");
    EXPECT_EQ(chunk_text(doc, doc.chunks[1]), "Art. 4 Sanctions\n\nAmende.\n\nFin");
}

TEST(HtmlParserTest, ParagraphsOpenArticlesButReferencesDoNot) {
    Result<std::vector<ParsedDocument>> docs = parse_html(
        "<p>Art. 1<sup>er</sup>. Le présent règlement s'applique.</p>"
        "<p>Article 5 de la loi modifiée du 3 mars reste applicable.</p>"
        "<p>art. 7 en minuscules.</p>"
        "<p><b>Art. 2.</b></p><p>Il entre en vigueur.</p>");
    ASSERT_TRUE(docs);
    const ParsedDocument& doc = (*docs)[0];
    expect_well_formed_chunks(doc);
    ASSERT_EQ(doc.chunks.size(), 2u);
    EXPECT_EQ(doc.chunks[0].article, "1er");
    EXPECT_EQ(chunk_text(doc, doc.chunks[0]),
              "Art. 1er. Le présent règlement s'applique.\n\nArticle 5 de la loi modifiée du 3 "
              "mars reste applicable.\n\nart. 7 en minuscules.");
    EXPECT_EQ(doc.chunks[1].article, "2");
    EXPECT_EQ(chunk_text(doc, doc.chunks[1]), "Art. 2.\n\nIl entre en vigueur.");
}

TEST(HtmlParserTest, PreKeepsItsLines) {
    Result<std::vector<ParsedDocument>> docs =
        parse_html("<p>Code :</p><pre>int x;\n  if (x)\n    y();\n\n\nfin</pre><p>Après.</p>");
    ASSERT_TRUE(docs);
    EXPECT_EQ((*docs)[0].text, "Code :\n\nint x;\n  if (x)\n    y();\n\nfin\n\nAprès.");
}

TEST(HtmlParserTest, LongSectionIsSplitAtSentencesWithExactOffsets) {
    std::string html = "<h2>Art. 9. Durée</h2><p>";
    for (int i = 0; i < 40; ++i) html += "Phrase num&eacute;ro " + std::to_string(i) + " du bail. ";
    html += "</p>";
    Result<std::vector<ParsedDocument>> docs = parse_html(html, "long.html", 200);
    ASSERT_TRUE(docs);
    const ParsedDocument& doc = (*docs)[0];
    expect_well_formed_chunks(doc);
    ASSERT_GT(doc.chunks.size(), 4u);
    EXPECT_EQ(chunk_text(doc, doc.chunks[0]).rfind("Art. 9. Durée\n\nPhrase numéro 0 du bail.", 0),
              0u);
    for (size_t i = 0; i < doc.chunks.size(); ++i) {
        EXPECT_EQ(doc.chunks[i].article, "9");
        EXPECT_LE(doc.chunks[i].end_byte - doc.chunks[i].start_byte, 200u);
        EXPECT_EQ(doc.text[doc.chunks[i].end_byte - 1], '.');
        if (i > 0) {
            EXPECT_LT(doc.chunks[i].start_byte, doc.chunks[i - 1].end_byte);  // overlap
        }
    }
    EXPECT_EQ(doc.chunks.back().end_byte, doc.text.size());
}

TEST(HtmlParserTest, BrokenAndEmptyFilesAreFormatErrors) {
    for (const std::string& bad :
         {std::string(),
          std::string("\x7f"
                      "ELF\0\0\x01\x02",
                      8),
          std::string("<html><head><script>x()</script></head></html>"),
          std::string("<p> &nbsp; </p><!-- only a comment -->"),
          // 0x81 has no character in windows-1252: libxml2 stops reading there.
          std::string("<meta charset=\"windows-1252\"><p>a\x81 b</p><p>Suite</p>")}) {
        testing::internal::CaptureStderr();
        Result<std::vector<ParsedDocument>> docs = parse_html(bad, "/d/bad.html");
        EXPECT_EQ(testing::internal::GetCapturedStderr(), "");  // libxml2 prints nothing
        ASSERT_FALSE(docs) << bad;
        EXPECT_EQ(docs.error().code, ErrorCode::FORMAT);
        EXPECT_NE(docs.error().message.find("bad.html"), std::string::npos);
    }
}

TEST(HtmlParserTest, NestingAndInvalidBytes) {
    std::string html;
    for (int i = 0; i < 100; ++i) html += "<div><span>";
    html += "Tief \x01 verschachtelt \xC3 \xEF\xBB\xBF.";
    Result<std::vector<ParsedDocument>> docs = parse_html(html);
    ASSERT_TRUE(docs) << docs.error().message;
    EXPECT_NE((*docs)[0].text.find("verschachtelt"), std::string::npos);
    expect_well_formed_chunks((*docs)[0]);

    // Deeper than libxml2 goes: refused rather than cut off where the parser stopped.
    html = "<p>Avant.</p>";
    for (int i = 0; i < 100000; ++i) html += "<div><span>";
    html += "Tief.";
    docs = parse_html(html, "/d/deep.html");
    ASSERT_FALSE(docs);
    EXPECT_EQ(docs.error().code, ErrorCode::FORMAT);
    EXPECT_EQ(docs.error().message, "/d/deep.html: elements nested more than 256 deep");
}

}  // namespace
}  // namespace souverain::retrieval
