#pragma once
// Source files → documents → chunks, for the formats ingestion reads:
//
//   TEXT      (.txt, .text) one document, the whole file; chunked at sentence boundaries.
//   MARKDOWN  (.md, .markdown) one document; a chunk per section (a heading and the text up
//             to the next heading; headings inside ``` fences do not count). The heading path
//             ("Titre I > Chapitre 2 > Art. 12.") is kept as chunk metadata; a heading "Art. 12",
//             "Article 12", "Artikel 12" or "§ 12" also sets `article` ("12"). Anchor-only
//             lines (`<a id="..."></a>`) are trimmed from section ends. Long sections are cut
//             like text. The title is the first level-1 heading, else the file name.
//   JSONL     BEIR corpus: one document per non-empty line `{"_id", "title", "text"}`; `_id`
//             (a string or an integer) is the document id; the text is chunked like TEXT.
//   HTML      (.html, .htm; html_parser.h) one document: the visible text, block structure kept
//             as line and paragraph breaks; h1-h6 are headings, chunked like Markdown's. The
//             title is <title>, else the first h1, else the file name.
//   PDF       (.pdf; pdf_parser.h) one document: the text of each page in reading order;
//             lines that open an article ("Art. 5.", "Article 1er", "§ 573 ...") start a chunk
//             with that article number. Each chunk carries the page it starts on. The title is
//             the Info dictionary's, else the file name.
//   DOCX      (.docx; docx_parser.h) one document: the paragraphs of word/document.xml;
//             paragraphs of a heading or title style (or an outline level) are headings.
//   In HTML and DOCX too, a paragraph that opens an article starts a chunk with its number
//   (section_chunker.h has the rule).
//
// Offsets: a chunk's [start_byte, end_byte) is a span of its document's `text`; for TEXT and
// MARKDOWN that text is the file's bytes, for JSONL the decoded "text" field, for HTML, PDF and
// DOCX the extracted plain text (extracted_text.h), which is what ingestion stores: a chunk's
// text is always text.substr(start_byte, end_byte - start_byte).
// Failures (FORMAT): invalid UTF-8, NUL bytes, an empty file, a JSONL line that is not a JSON
// object with a string `text` (the message names the line); for HTML, PDF and DOCX a file their
// library cannot read, an encrypted PDF, a DOCX without word/document.xml or over the size
// caps, and a file with no text at all. The whole source fails: a half-ingested file would be
// silently incomplete.
//
// Thread-safety: pure functions (PDF: see pdf_parser.h).
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "retrieval/chunker.h"

namespace souverain::retrieval {

enum class SourceFormat { TEXT, MARKDOWN, JSONL, HTML, PDF, DOCX, UNSUPPORTED };

const char* source_format_name(SourceFormat format);
// By file extension (case-insensitive).
SourceFormat source_format_of(std::string_view path);
// The extensions source_format_of knows, for messages: ".txt, .text, .md, ...".
const char* supported_extensions();

struct ParsedChunk {
    size_t start_byte = 0;
    size_t end_byte = 0;
    std::string heading;  // heading path (Markdown, HTML, DOCX; article lines in PDF)
    std::string article;  // article number, when a heading or article line names one
    int page = 0;         // PDF: 1-based page the chunk starts on; 0 for other formats
};

struct ParsedDocument {
    std::string id;
    std::string title;
    std::string text;
    std::vector<ParsedChunk> chunks;
};

// `name` identifies the source in error messages and is the id of every format but JSONL (the
// title falls back to its file stem).
Result<std::vector<ParsedDocument>> parse_source(std::string_view bytes, SourceFormat format,
                                                 const std::string& name,
                                                 const ChunkOptions& options);

// "Art. 12." → "12", "Article 1er" → "1er", "Art. L. 121-1." → "L. 121-1", "§ 573b" → "573b";
// "" when the heading does not name an article.
std::string article_number(std::string_view heading);

}  // namespace souverain::retrieval
