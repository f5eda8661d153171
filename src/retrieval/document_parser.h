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
//
// Offsets: a chunk's [start_byte, end_byte) is a span of its document's `text`; for TEXT and
// MARKDOWN that text is the file's bytes, for JSONL the decoded "text" field.
// Failures (FORMAT): invalid UTF-8, NUL bytes, an empty file, a JSONL line that is not a JSON
// object with a string `text` (the message names the line). The whole source fails: a
// half-ingested file would be silently incomplete.
//
// Thread-safety: pure functions.
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "retrieval/chunker.h"

namespace souverain::retrieval {

enum class SourceFormat { TEXT, MARKDOWN, JSONL, UNSUPPORTED };

const char* source_format_name(SourceFormat format);
// By file extension (case-insensitive).
SourceFormat source_format_of(std::string_view path);

struct ParsedChunk {
    size_t start_byte = 0;
    size_t end_byte = 0;
    std::string heading;  // heading path, Markdown only
    std::string article;  // article number, when a heading names one
};

struct ParsedDocument {
    std::string id;
    std::string title;
    std::string text;
    std::vector<ParsedChunk> chunks;
};

// `name` identifies the source in error messages and is the id/title of TEXT and MARKDOWN
// documents (their title falls back to its file stem).
Result<std::vector<ParsedDocument>> parse_source(std::string_view bytes, SourceFormat format,
                                                 const std::string& name,
                                                 const ChunkOptions& options);

// "Art. 12." → "12", "Article 1er" → "1er", "Art. L. 121-1." → "L. 121-1", "§ 573b" → "573b";
// "" when the heading does not name an article.
std::string article_number(std::string_view heading);

}  // namespace souverain::retrieval
