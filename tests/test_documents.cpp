#include "test_documents.h"

#include <zip.h>

#include <cstdio>
#include <stdexcept>

namespace souverain::test {

namespace {

// UTF-8 → one byte per character (Latin-1 range; anything else becomes '?'), with the
// characters a PDF literal string must escape.
std::string pdf_literal(const std::string& utf8) {
    std::string out = "(";
    for (size_t i = 0; i < utf8.size();) {
        const unsigned char lead = (unsigned char)utf8[i];
        unsigned code = lead;
        size_t length = 1;
        if (lead >= 0xC0 && lead < 0xE0 && i + 1 < utf8.size()) {
            code = ((lead & 0x1Fu) << 6) | ((unsigned char)utf8[i + 1] & 0x3Fu);
            length = 2;
        } else if (lead >= 0x80) {
            code = '?';
            length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 1;
        }
        i += length;
        if (code > 0xFF) code = '?';
        if (code == '(' || code == ')' || code == '\\') out.push_back('\\');
        out.push_back((char)code);
    }
    return out + ")";
}

std::string xml_escape(const std::string& text) {
    std::string out;
    for (char ch : text) {
        const char* entity = ch == '&'   ? "&amp;"
                             : ch == '<' ? "&lt;"
                             : ch == '>' ? "&gt;"
                                         : nullptr;
        if (entity != nullptr) {
            out += entity;
        } else {
            out.push_back(ch);
        }
    }
    return out;
}

class PdfWriter {
public:
    PdfWriter() { out_ = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n"; }

    // Object numbers are handed out in order, so the caller knows them in advance.
    void object(const std::string& body) {
        offsets_.push_back(out_.size());
        out_ += std::to_string(offsets_.size()) + " 0 obj\n" + body + "\nendobj\n";
    }

    std::string finish(int root, int info, bool encrypted) {
        const size_t xref = out_.size();
        char line[32];
        out_ += "xref\n0 " + std::to_string(offsets_.size() + 1) + "\n0000000000 65535 f \n";
        for (size_t offset : offsets_) {
            std::snprintf(line, sizeof(line), "%010zu 00000 n \n", offset);
            out_ += line;
        }
        out_ += "trailer\n<< /Size " + std::to_string(offsets_.size() + 1) + " /Root " +
                std::to_string(root) + " 0 R";
        if (info > 0) out_ += " /Info " + std::to_string(info) + " 0 R";
        if (encrypted) {
            out_ += " /Encrypt " + std::to_string(offsets_.size()) + " 0 R";
            out_ += " /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]";
        }
        out_ += " >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
        return out_;
    }

private:
    std::string out_;
    std::vector<size_t> offsets_;
};

}  // namespace

std::string make_pdf(const std::vector<std::vector<std::string>>& pages,
                     const PdfOptions& options) {
    // 1 catalog, 2 page tree, 3 font, then a page and its content stream per page, then the
    // Info and Encrypt dictionaries.
    const int first_page = 4;
    std::string kids;
    for (size_t i = 0; i < pages.size(); ++i) {
        kids += std::to_string(first_page + 2 * (int)i) + " 0 R ";
    }
    PdfWriter pdf;
    pdf.object("<< /Type /Catalog /Pages 2 0 R >>");
    pdf.object("<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(pages.size()) +
               " >>");
    pdf.object("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
    for (size_t i = 0; i < pages.size(); ++i) {
        const int page = first_page + 2 * (int)i;
        pdf.object(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << "
            "/F1 3 0 R >> >> /Contents " +
            std::to_string(page + 1) + " 0 R >>");
        std::string content = "BT\n/F1 11 Tf\n72 770 Td\n";
        for (const std::string& line : pages[i]) {
            if (!line.empty()) content += pdf_literal(line) + " Tj\n";
            content += "0 -16 Td\n";
        }
        content += "ET\n";
        pdf.object("<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content +
                   "\nendstream");
    }
    int info = 0;
    if (!options.title.empty()) {
        pdf.object("<< /Title " + pdf_literal(options.title) + " >>");
        info = first_page + 2 * (int)pages.size();
    }
    if (options.locked) {
        const std::string junk(64, 'a');  // 32 bytes in hex: no password opens it
        pdf.object("<< /Filter /Standard /V 1 /R 2 /P -4 /O <" + junk + "> /U <" + junk + "> >>");
    }
    return pdf.finish(1, info, options.locked);
}

std::string make_zip(const std::vector<std::pair<std::string, std::string>>& entries) {
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
    if (buffer == nullptr) throw std::runtime_error("zip_source_buffer_create failed");
    zip_source_keep(buffer);  // survives zip_close, which writes the archive into it
    zip_t* archive = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
    if (archive == nullptr) throw std::runtime_error("zip_open_from_source failed");
    for (const auto& [name, content] : entries) {
        zip_source_t* data = zip_source_buffer(archive, content.data(), content.size(), 0);
        if (data == nullptr || zip_file_add(archive, name.c_str(), data, ZIP_FL_ENC_UTF_8) < 0) {
            throw std::runtime_error("zip_file_add failed: " + name);
        }
    }
    if (zip_close(archive) != 0) throw std::runtime_error("zip_close failed");
    std::string out;
    if (zip_source_open(buffer) == 0) {
        char chunk[4096];
        for (zip_int64_t n; (n = zip_source_read(buffer, chunk, sizeof(chunk))) > 0;) {
            out.append(chunk, (size_t)n);
        }
        zip_source_close(buffer);
    }
    zip_source_free(buffer);
    return out;
}

std::string make_docx_document_xml(const std::vector<DocxParagraph>& paragraphs) {
    std::string xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
        "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
        "<w:body>";
    for (const DocxParagraph& paragraph : paragraphs) {
        xml += "<w:p>";
        if (!paragraph.style.empty()) {
            xml += "<w:pPr><w:pStyle w:val=\"" + paragraph.style + "\"/></w:pPr>";
        }
        size_t start = 0;
        while (start <= paragraph.text.size()) {
            size_t tab = paragraph.text.find('\t', start);
            if (tab == std::string::npos) tab = paragraph.text.size();
            if (tab > start) {
                xml += "<w:r><w:t xml:space=\"preserve\">" +
                       xml_escape(paragraph.text.substr(start, tab - start)) + "</w:t></w:r>";
            }
            if (tab < paragraph.text.size()) xml += "<w:r><w:tab/></w:r>";
            start = tab + 1;
        }
        xml += "</w:p>";
    }
    return xml + "</w:body></w:document>";
}

std::string make_docx(const std::vector<DocxParagraph>& paragraphs, const std::string& styles_xml) {
    std::vector<std::pair<std::string, std::string>> entries = {
        {"[Content_Types].xml",
         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
         "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
         "<Default Extension=\"rels\" "
         "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
         "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
         "<Override PartName=\"/word/document.xml\" "
         "ContentType=\"application/"
         "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>"
         "</Types>"},
        {"_rels/.rels",
         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
         "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
         "<Relationship Id=\"rId1\" "
         "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
         "officeDocument\" Target=\"word/document.xml\"/></Relationships>"},
        {"word/document.xml", make_docx_document_xml(paragraphs)},
    };
    if (!styles_xml.empty()) entries.emplace_back("word/styles.xml", styles_xml);
    return make_zip(entries);
}

}  // namespace souverain::test
