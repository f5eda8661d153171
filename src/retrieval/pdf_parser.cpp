#include "retrieval/pdf_parser.h"

#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <vector>

#include "retrieval/chunker.h"

namespace souverain::retrieval {

namespace {

void silence_poppler() {
    static const bool done =
        (poppler::set_debug_error_function([](const std::string& /*message*/, void* /*closure*/) {},
                                           nullptr),
         true);
    (void)done;
}

bool ends_clause(std::string_view line) {
    if (line.empty()) return true;
    for (std::string_view end :
         {".", ":", ";", "!", "?", ")", "]", "\"", "\xC2\xBB", "\xE2\x80\x9D"}) {
        if (line.size() >= end.size() && line.substr(line.size() - end.size()) == end) return true;
    }
    return false;
}

struct PageLine {
    std::string_view text;  // trimmed; empty for a blank line
    size_t length = 0;      // code points
};

std::vector<PageLine> page_lines(std::string_view text) {
    std::vector<PageLine> lines;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        auto [begin, end] = trim_span(text, pos, nl);
        const std::string_view line = text.substr(begin, end - begin);
        lines.push_back(PageLine{line, count_code_points(line)});
        pos = nl + 1;
    }
    return lines;
}

// Appends one page's lines; `runs_on` gets, per block added, whether its line continues the
// sentence of the line before it.
void add_page(TextBuilder& builder, std::string_view text, std::vector<bool>& runs_on) {
    const std::vector<PageLine> lines = page_lines(text);
    size_t longest = 0;
    for (const PageLine& line : lines) longest = std::max(longest, line.length);
    const PageLine* previous = nullptr;
    for (const PageLine& line : lines) {
        if (line.text.empty()) {
            builder.request_break(TextBreak::PARAGRAPH);
            previous = nullptr;
            continue;
        }
        const size_t blocks = builder.block_count();
        builder.append(line.text);
        builder.request_break(TextBreak::LINE);
        if (builder.block_count() == blocks) continue;  // nothing visible on the line
        runs_on.push_back(previous != nullptr && !ends_clause(previous->text) &&
                          3 * previous->length >= 2 * longest);
        previous = &line;
    }
}

}  // namespace

Result<ExtractedText> extract_pdf(std::string_view bytes, const std::string& name) {
    if (bytes.empty()) return make_error(ErrorCode::FORMAT, name + ": empty file");
    if (bytes.size() > (size_t)INT_MAX) {
        return make_error(ErrorCode::FORMAT, name + ": larger than 2 GiB");
    }
    silence_poppler();
    // poppler reads the bytes in place: they outlive `document`.
    std::unique_ptr<poppler::document> document(
        poppler::document::load_from_raw_data(bytes.data(), (int)bytes.size()));
    if (!document) {
        return make_error(ErrorCode::FORMAT,
                          name + ": not a readable PDF (damaged, truncated or not a PDF)");
    }
    // Nothing but is_locked() may be asked of a locked document.
    if (document->is_locked()) {
        return make_error(ErrorCode::FORMAT, name + ": encrypted PDF: it needs a password");
    }
    const int pages = document->pages();
    if (pages <= 0) return make_error(ErrorCode::FORMAT, name + ": PDF without pages");

    TextBuilder builder;
    std::vector<size_t> first_block;  // per page
    std::vector<bool> runs_on;        // per block
    for (int i = 0; i < pages; ++i) {
        std::unique_ptr<poppler::page> page(document->create_page(i));
        if (!page) {
            return make_error(ErrorCode::FORMAT,
                              name + ": page " + std::to_string(i + 1) + " cannot be read");
        }
        const poppler::byte_array utf8 =
            page->text(poppler::rectf(), poppler::page::non_raw_non_physical_layout).to_utf8();
        first_block.push_back(builder.block_count());
        add_page(builder, std::string_view(utf8.data(), utf8.size()), runs_on);
        builder.request_break(TextBreak::PARAGRAPH);
    }
    ExtractedText extracted = std::move(builder).finish();
    if (extracted.text.empty()) {
        return make_error(ErrorCode::FORMAT,
                          name + ": no text in the PDF (a scan? OCR is not supported)");
    }
    for (size_t i = 0; i < extracted.blocks.size() && i < runs_on.size(); ++i) {
        extracted.blocks[i].may_start_article = !runs_on[i];
    }
    for (size_t block : first_block) {
        extracted.page_starts.push_back(block < extracted.blocks.size()
                                            ? extracted.blocks[block].begin
                                            : extracted.text.size());
    }
    const poppler::byte_array title = document->info_key("Title").to_utf8();
    TextBuilder title_builder;
    title_builder.append(std::string_view(title.data(), title.size()));
    extracted.title = std::move(title_builder).finish().text;
    return extracted;
}

}  // namespace souverain::retrieval
