#include "retrieval/section_chunker.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cstdint>

namespace souverain::retrieval {

SectionChunker::SectionChunker(std::string_view text, const ChunkOptions& options)
    : text_(text), options_(options) {}

void SectionChunker::close_section() {
    if (!has_body_) return;
    for (auto [begin, end] : split_passages(text_, section_begin_, content_end_, options_)) {
        chunks_.push_back(ParsedChunk{begin, end, heading_, article_});
    }
}

void SectionChunker::open_section(size_t begin, size_t end) {
    heading_.clear();
    for (const PathPart& part : path_) {
        if (part.title.empty()) continue;
        if (!heading_.empty()) heading_ += " > ";
        heading_ += part.title;
    }
    section_begin_ = begin;
    content_end_ = end;
    has_body_ = false;
}

void SectionChunker::heading(int level, std::string_view title, size_t begin, size_t end) {
    close_section();
    while (!path_.empty() && path_.back().level >= level) path_.pop_back();
    article_ = article_number(title);
    path_.push_back(PathPart{level, std::string(title), !article_.empty()});
    open_section(begin, end);
}

void SectionChunker::article(std::string_view label, std::string_view number, size_t begin,
                             size_t end) {
    // Deeper than any heading level, so that the next heading of any level replaces it.
    constexpr int kArticleLevel = 1000;
    close_section();
    while (!path_.empty() && path_.back().names_article) path_.pop_back();
    path_.push_back(PathPart{kArticleLevel, std::string(label), true});
    article_ = std::string(number);
    open_section(begin, end);
}

void SectionChunker::body(size_t end) {
    content_end_ = end;
    has_body_ = true;
}

std::vector<ParsedChunk> SectionChunker::finish() {
    close_section();
    has_body_ = false;
    return std::move(chunks_);
}

std::optional<ArticleStart> find_article_start(std::string_view line) {
    constexpr std::string_view kSection = "\xC2\xA7";
    if (line.empty() || (line[0] != 'A' && line.substr(0, kSection.size()) != kSection)) {
        return std::nullopt;
    }
    std::string number = article_number(line);
    if (number.empty()) return std::nullopt;
    const size_t at = line.find(number, 1);
    if (at == std::string_view::npos) return std::nullopt;  // spacing article_number evened out
    const size_t end = at + number.size();
    const std::string_view after = line.substr(end);
    if (after.empty()) return ArticleStart{end, std::move(number)};
    if (after[0] == '.') return ArticleStart{end + 1, std::move(number)};
    if (after[0] == ':' || after[0] == ')') return ArticleStart{end, std::move(number)};
    if (after[0] != ' ' && after[0] != '\t') return std::nullopt;
    size_t next = 1;
    while (next < after.size() && (after[next] == ' ' || after[next] == '\t')) ++next;
    if (next == after.size()) return ArticleStart{end, std::move(number)};
    const auto* bytes = reinterpret_cast<const uint8_t*>(after.data());
    auto pos = (int32_t)next;
    UChar32 c;
    U8_NEXT(bytes, pos, (int32_t)std::min<size_t>(after.size(), INT32_MAX), c);
    if (c < 0 || u_islower(c) || u_isdigit(c) || c == ',' || c == ';') return std::nullopt;
    return ArticleStart{end, std::move(number)};
}

std::vector<ParsedChunk> chunk_extracted(const ExtractedText& extracted,
                                         const ChunkOptions& options) {
    const std::string_view text = extracted.text;
    SectionChunker sections(text, options);
    for (const TextBlock& block : extracted.blocks) {
        const std::string_view line = text.substr(block.begin, block.end - block.begin);
        if (block.heading_level >= 0) {
            sections.heading(block.heading_level, line, block.begin, block.end);
            continue;
        }
        std::optional<ArticleStart> start;
        if (block.may_start_article) start = find_article_start(line);
        if (!start) {
            sections.body(block.end);
            continue;
        }
        const size_t label_end = block.begin + start->label_end;
        sections.article(line.substr(0, start->label_end), start->number, block.begin, label_end);
        if (trim_span(text, label_end, block.end).first < block.end) sections.body(block.end);
    }
    return sections.finish();
}

}  // namespace souverain::retrieval
