#pragma once
// The plain text of a source whose bytes are markup or binary (HTML, DOCX, PDF), built while its
// parser walks the source, together with its line structure.
//
// That text is what ingestion stores as the document text, and what chunk offsets index: a
// passage cited from an HTML page is a span of its extracted text, not of the HTML bytes.
//
// TextBuilder normalizes as it goes, so that the stored text is the same whatever the source's
// whitespace: runs of whitespace (also no-break and narrow no-break spaces) become one space;
// breaks between blocks are one newline (a line) or a blank line (a paragraph), never at the
// start or the end of the text; invalid UTF-8 becomes U+FFFD, control characters, soft hyphens,
// zero-width spaces and byte-order marks are dropped. The result is always valid UTF-8 without
// NUL bytes.
//
// Thread-safety: a TextBuilder is used by one thread.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace souverain::retrieval {

enum class TextBreak { NONE, SPACE, LINE, PARAGRAPH };

// One line of extracted text: a byte span without newlines, never empty.
struct TextBlock {
    size_t begin = 0;
    size_t end = 0;
    int heading_level = -1;  // -1 body text, 0 the document's title style, 1-9 a heading
    // False for a line that continues the sentence of the line before it (a PDF line wrap), so
    // that "Art. 5" there is a cross-reference, not the start of an article.
    bool may_start_article = true;
};

struct ExtractedText {
    std::string text;
    std::vector<TextBlock> blocks;    // in text order
    std::vector<size_t> page_starts;  // PDF: byte offset where each page's text starts
    std::string title;                // from the source's metadata; empty when it has none
};

class TextBuilder {
public:
    // Appends `piece` (any bytes). Whitespace runs become one space unless `preserve_lines`
    // (<pre>): then spaces are kept inside a line and each newline breaks the line (two or
    // more: a paragraph).
    void append(std::string_view piece, bool preserve_lines = false);
    // A break before the next text; the strongest pending one wins.
    void request_break(TextBreak kind);
    // Text from now on belongs to a heading of `level` (-1: body text). A change of level is a
    // paragraph break; inside a heading, line breaks become spaces, so a heading is one block.
    void set_heading_level(int level);
    int heading_level() const { return heading_level_; }
    size_t block_count() const { return blocks_.size(); }
    const std::string& text() const { return out_; }

    ExtractedText finish() &&;

private:
    void put(std::string_view bytes);  // visible characters
    void flush_pending();

    std::string out_;
    std::vector<TextBlock> blocks_;
    TextBreak pending_ = TextBreak::NONE;
    std::string pending_spaces_;  // preserved indentation, written before the next text
    size_t preserved_newlines_ = 0;
    bool new_block_ = true;
    int heading_level_ = -1;
};

}  // namespace souverain::retrieval
