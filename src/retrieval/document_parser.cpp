#include "retrieval/document_parser.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "retrieval/docx_parser.h"
#include "retrieval/html_parser.h"
#include "retrieval/pdf_parser.h"
#include "retrieval/section_chunker.h"

namespace souverain::retrieval {

namespace {

std::string lower_ascii(std::string_view text) {
    std::string out(text);
    for (char& ch : out) ch = (char)std::tolower((unsigned char)ch);
    return out;
}

bool starts_with_ci(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    return lower_ascii(text.substr(0, prefix.size())) == prefix;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && std::isspace((unsigned char)text.front())) text.remove_prefix(1);
    while (!text.empty() && std::isspace((unsigned char)text.back())) text.remove_suffix(1);
    return text;
}

Status check_text(std::string_view bytes, const std::string& name) {
    if (trim(bytes).empty()) {
        return make_error(ErrorCode::FORMAT, name + ": empty file");
    }
    const size_t bad = find_invalid_utf8(bytes);
    if (bad != std::string_view::npos) {
        return make_error(ErrorCode::FORMAT,
                          name + ": " +
                              (bytes[bad] == 0 ? "binary file (NUL byte)" : "not valid UTF-8") +
                              " at byte " + std::to_string(bad));
    }
    return Status::success();
}

std::string file_stem(const std::string& name) {
    return std::filesystem::path(name).stem().string();
}

// The chunks of a text without structure.
std::vector<ParsedChunk> plain_chunks(const std::string& text, const ChunkOptions& options) {
    SectionChunker sections(text, options);
    sections.body(text.size());
    return sections.finish();
}

struct Line {
    size_t begin;
    size_t end;  // excluding the newline
    size_t next;
};

std::vector<Line> split_lines(std::string_view text) {
    std::vector<Line> lines;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) {
            lines.push_back(Line{pos, text.size(), text.size()});
            break;
        }
        lines.push_back(Line{pos, nl, nl + 1});
        pos = nl + 1;
    }
    return lines;
}

// Heading level (1-6) of a Markdown line, 0 when it is not a heading; `title` gets its text.
int heading_level(std::string_view line, std::string_view& title) {
    size_t level = 0;
    while (level < line.size() && line[level] == '#') ++level;
    if (level == 0 || level > 6) return 0;
    if (level < line.size() && line[level] != ' ' && line[level] != '\t') return 0;
    std::string_view rest = trim(line.substr(level));
    while (!rest.empty() && rest.back() == '#') rest.remove_suffix(1);  // closing hashes
    title = trim(rest);
    return (int)level;
}

bool is_ignorable_line(std::string_view line) {
    line = trim(line);
    if (line.empty()) return true;
    // An HTML anchor alone on its line: `<a id="art_2"></a>` marks the next heading.
    return starts_with_ci(line, "<a ") && line.size() >= 8 &&
           lower_ascii(line.substr(line.size() - 4)) == "</a>" && line.find('>') == line.size() - 5;
}

Result<std::vector<ParsedDocument>> parse_text(std::string_view bytes, const std::string& name,
                                               const ChunkOptions& options) {
    SOUVERAIN_TRY(check_text(bytes, name));
    ParsedDocument document;
    document.id = name;
    document.title = file_stem(name);
    document.text.assign(bytes);
    document.chunks = plain_chunks(document.text, options);
    std::vector<ParsedDocument> documents;
    documents.push_back(std::move(document));
    return documents;
}

Result<std::vector<ParsedDocument>> parse_markdown(std::string_view bytes, const std::string& name,
                                                   const ChunkOptions& options) {
    SOUVERAIN_TRY(check_text(bytes, name));
    ParsedDocument document;
    document.id = name;
    document.text.assign(bytes);
    const std::string& text = document.text;
    const std::vector<Line> lines = split_lines(text);

    SectionChunker sections(text, options);
    bool in_fence = false;
    for (const Line& line : lines) {
        const std::string_view content(text.data() + line.begin, line.end - line.begin);
        const std::string_view stripped = trim(content);
        if (stripped.rfind("```", 0) == 0 || stripped.rfind("~~~", 0) == 0) in_fence = !in_fence;
        std::string_view title;
        const int level = in_fence ? 0 : heading_level(content, title);
        if (level > 0) {
            sections.heading(level, title, line.begin, line.end);
            if (level == 1 && document.title.empty()) document.title = std::string(title);
        } else if (!is_ignorable_line(content)) {
            sections.body(line.end);
        }
    }
    document.chunks = sections.finish();
    if (document.title.empty()) document.title = file_stem(name);
    std::vector<ParsedDocument> documents;
    documents.push_back(std::move(document));
    return documents;
}

Result<std::vector<ParsedDocument>> parse_jsonl(std::string_view bytes, const std::string& name,
                                                const ChunkOptions& options) {
    if (trim(bytes).empty()) return make_error(ErrorCode::FORMAT, name + ": empty file");
    std::vector<ParsedDocument> documents;
    size_t line_number = 0;
    size_t pos = 0;
    while (pos < bytes.size()) {
        size_t nl = bytes.find('\n', pos);
        if (nl == std::string_view::npos) nl = bytes.size();
        const std::string_view line = trim(bytes.substr(pos, nl - pos));
        pos = nl + 1;
        ++line_number;
        if (line.empty()) continue;
        const std::string where = name + ":" + std::to_string(line_number) + ": ";
        nlohmann::json object = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (object.is_discarded() || !object.is_object()) {
            return make_error(ErrorCode::FORMAT,
                              where + "not a JSON object (truncated line or invalid UTF-8)");
        }
        ParsedDocument document;
        const auto id = object.find("_id");
        if (id == object.end() || !(id->is_string() || id->is_number_integer())) {
            return make_error(ErrorCode::FORMAT, where + "missing \"_id\" (string)");
        }
        document.id = id->is_string() ? id->get<std::string>() : std::to_string(id->get<int64_t>());
        const auto text = object.find("text");
        if (text == object.end() || !text->is_string()) {
            return make_error(ErrorCode::FORMAT, where + "missing \"text\" (string)");
        }
        document.text = text->get<std::string>();
        const auto title = object.find("title");
        if (title != object.end() && title->is_string()) document.title = title->get<std::string>();
        if (find_invalid_utf8(document.text) != std::string_view::npos ||
            find_invalid_utf8(document.title) != std::string_view::npos) {
            return make_error(ErrorCode::FORMAT, where + "NUL character in text");
        }
        document.chunks = plain_chunks(document.text, options);
        documents.push_back(std::move(document));
    }
    if (documents.empty()) return make_error(ErrorCode::FORMAT, name + ": no documents");
    return documents;
}

// HTML, PDF and DOCX: the extracted text is the document text.
Result<std::vector<ParsedDocument>> parse_extracted(Result<ExtractedText> extracted,
                                                    const std::string& name,
                                                    const ChunkOptions& options) {
    if (!extracted) return extracted.error();
    if (extracted->text.empty()) return make_error(ErrorCode::FORMAT, name + ": no text found");
    ParsedDocument document;
    document.id = name;
    document.title = extracted->title;
    for (int level : {0, 1}) {  // else the title style (DOCX), else the first level-1 heading
        for (const TextBlock& block : extracted->blocks) {
            if (!document.title.empty()) break;
            if (block.heading_level == level) {
                document.title = extracted->text.substr(block.begin, block.end - block.begin);
            }
        }
    }
    if (document.title.empty()) document.title = file_stem(name);
    document.chunks = chunk_extracted(*extracted, options);
    const std::vector<size_t>& pages = extracted->page_starts;
    for (ParsedChunk& chunk : document.chunks) {
        const auto after = std::upper_bound(pages.begin(), pages.end(), chunk.start_byte);
        chunk.page = (int)(after - pages.begin());  // 0 when the format has no pages
    }
    document.text = std::move(extracted->text);
    std::vector<ParsedDocument> documents;
    documents.push_back(std::move(document));
    return documents;
}

}  // namespace

const char* source_format_name(SourceFormat format) {
    switch (format) {
        case SourceFormat::TEXT:
            return "text";
        case SourceFormat::MARKDOWN:
            return "markdown";
        case SourceFormat::JSONL:
            return "jsonl";
        case SourceFormat::HTML:
            return "html";
        case SourceFormat::PDF:
            return "pdf";
        case SourceFormat::DOCX:
            return "docx";
        case SourceFormat::UNSUPPORTED:
            return "unsupported";
    }
    return "unsupported";
}

SourceFormat source_format_of(std::string_view path) {
    const std::string extension = lower_ascii(std::filesystem::path(path).extension().string());
    if (extension == ".txt" || extension == ".text") return SourceFormat::TEXT;
    if (extension == ".md" || extension == ".markdown") return SourceFormat::MARKDOWN;
    if (extension == ".jsonl") return SourceFormat::JSONL;
    if (extension == ".html" || extension == ".htm") return SourceFormat::HTML;
    if (extension == ".pdf") return SourceFormat::PDF;
    if (extension == ".docx") return SourceFormat::DOCX;
    return SourceFormat::UNSUPPORTED;
}

const char* supported_extensions() {
    // Keep in step with source_format_of above.
    return ".txt, .text, .md, .markdown, .jsonl (BEIR), .html, .htm, .pdf, .docx";
}

std::string article_number(std::string_view heading) {
    std::string_view rest = trim(heading);
    bool matched = false;
    for (std::string_view prefix : {"article", "artikel", "art.", "art ", "\xC2\xA7"}) {
        if (starts_with_ci(rest, prefix)) {
            rest.remove_prefix(prefix.size());
            matched = true;
            break;
        }
    }
    if (!matched) return std::string();
    rest = trim(rest);
    // The number may carry a code prefix ("L. 121-1", "R. 3"): a capital and a dot.
    std::string_view prefix;
    if (rest.size() >= 3 && std::isupper((unsigned char)rest[0]) && rest[1] == '.' &&
        rest[2] == ' ') {
        prefix = rest.substr(0, 3);
        rest.remove_prefix(3);
        rest = trim(rest);
    }
    size_t n = 0;
    while (n < rest.size() &&
           (std::isalnum((unsigned char)rest[n]) || rest[n] == '-' ||
            (rest[n] == '.' && n + 1 < rest.size() && std::isdigit((unsigned char)rest[n + 1])))) {
        ++n;
    }
    if (n == 0 || !std::isdigit((unsigned char)rest[0])) return std::string();
    return std::string(prefix) + std::string(rest.substr(0, n));
}

Result<std::vector<ParsedDocument>> parse_source(std::string_view bytes, SourceFormat format,
                                                 const std::string& name,
                                                 const ChunkOptions& options) {
    switch (format) {
        case SourceFormat::TEXT:
            return parse_text(bytes, name, options);
        case SourceFormat::MARKDOWN:
            return parse_markdown(bytes, name, options);
        case SourceFormat::JSONL:
            return parse_jsonl(bytes, name, options);
        case SourceFormat::HTML:
            return parse_extracted(extract_html(bytes, name), name, options);
        case SourceFormat::PDF:
            return parse_extracted(extract_pdf(bytes, name), name, options);
        case SourceFormat::DOCX:
            return parse_extracted(extract_docx(bytes, name), name, options);
        case SourceFormat::UNSUPPORTED:
            break;
    }
    return make_error(ErrorCode::UNSUPPORTED, name + ": unsupported file type");
}

}  // namespace souverain::retrieval
