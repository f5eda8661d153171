#pragma once
// Documents the parser tests make themselves: small PDFs written object by object (so every
// byte offset in the xref table is known) and DOCX packages zipped with libzip.
#include <string>
#include <utility>
#include <vector>

namespace souverain::test {

struct PdfOptions {
    std::string title;  // the Info dictionary's /Title; none when empty
    // An /Encrypt dictionary whose user password is not empty: readers cannot open the file
    // without it (the content itself is left in the clear; only the lock matters).
    bool locked = false;
};

// A valid PDF with one page per entry of `pages`, each line of a page written with Helvetica
// (WinAnsiEncoding: UTF-8 input in the Latin-1 range is converted) 16 points below the previous
// one; an empty line leaves a gap of one line.
std::string make_pdf(const std::vector<std::vector<std::string>>& pages,
                     const PdfOptions& options = {});

// A zip archive (deflated) holding `entries` (name, content), in order.
std::string make_zip(const std::vector<std::pair<std::string, std::string>>& entries);

// One paragraph of a WordprocessingML body: `style` (a w:pStyle id, none when empty) and the
// text, written as one run per "\t"-free piece; a "\t" becomes <w:tab/>.
struct DocxParagraph {
    std::string style;
    std::string text;
};

// The word/document.xml of `paragraphs`.
std::string make_docx_document_xml(const std::vector<DocxParagraph>& paragraphs);

// A .docx package: [Content_Types].xml, _rels/.rels, word/document.xml and, when `styles_xml`
// is not empty, word/styles.xml.
std::string make_docx(const std::vector<DocxParagraph>& paragraphs,
                      const std::string& styles_xml = "");

}  // namespace souverain::test
