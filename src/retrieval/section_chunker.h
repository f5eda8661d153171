#pragma once
// Sections → chunks: the part of chunking every structured format shares (Markdown headings,
// HTML h1-h6, DOCX heading styles, article lines of PDFs).
//
// A section runs from its heading (or article line) to the next one; its chunk span starts at
// the heading and ends at the last body text, and is cut at sentence boundaries when long
// (chunker.h). A section without body text gives no chunk (a chapter heading directly followed
// by an article heading). Text before the first heading is a section with no heading.
//
// Each chunk carries the heading path ("Titre I > Chapitre 2 > Art. 12."): a heading drops the
// path's entries of its level and deeper, then joins it; an article line joins the path below
// the headings and replaces the previous article (an article line, or a heading naming one).
// `article` is the article number of the heading (article_number) or of the article line.
//
// Thread-safety: a SectionChunker is used by one thread; the functions are pure.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "retrieval/chunker.h"
#include "retrieval/document_parser.h"
#include "retrieval/extracted_text.h"

namespace souverain::retrieval {

class SectionChunker {
public:
    // `text` must outlive the chunker.
    SectionChunker(std::string_view text, const ChunkOptions& options);

    // A heading of `level` (0-9; lower is outer) at text[begin, end), `title` its text.
    void heading(int level, std::string_view title, size_t begin, size_t end);
    // An article start that is not a heading: `label` ("Art. 5.") at text[begin, end).
    void article(std::string_view label, std::string_view number, size_t begin, size_t end);
    // Body text of the open section, up to `end`.
    void body(size_t end);
    // Closes the last section; the chunks in text order.
    std::vector<ParsedChunk> finish();

private:
    struct PathPart {
        int level;
        std::string title;
        bool names_article;  // an article line, or a heading such as "Art. 5"
    };
    void close_section();
    void open_section(size_t begin, size_t end);

    std::string_view text_;
    ChunkOptions options_;
    std::vector<PathPart> path_;
    std::string heading_;
    std::string article_;
    size_t section_begin_ = 0;
    size_t content_end_ = 0;
    bool has_body_ = false;
    std::vector<ParsedChunk> chunks_;
};

struct ArticleStart {
    size_t label_end = 0;  // bytes of the line that form the label ("Art. 1er.")
    std::string number;    // "1er"
};

// Does `line` open an article? It must start with a capitalized marker ("Art.", "Article",
// "Artikel", "ARTICLE", "§") and a number (article_number), followed by the end of the line, by
// '.', ':' or ')', or by a space and then a character that is not a lower-case letter, a digit,
// ',' or ';' — so "Art. 1er. Le présent" and "§ 573 Ordentliche Kündigung" open articles while
// "Article 5 de la loi" and "art. 5, alinéa 2" are references.
std::optional<ArticleStart> find_article_start(std::string_view line);

// The chunks of extracted text: heading blocks are headings, a body block that may start an
// article and opens one (find_article_start) is an article line, the rest is body text.
std::vector<ParsedChunk> chunk_extracted(const ExtractedText& extracted,
                                         const ChunkOptions& options);

}  // namespace souverain::retrieval
