#include "retrieval/chunker.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <tuple>

namespace souverain::retrieval {

namespace {

bool is_space(char ch) {
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

bool is_continuation(char ch) {
    return ((unsigned char)ch & 0xC0) == 0x80;
}

// Does a sentence end right after text[pos] (a '.', '!' or '?')?
bool sentence_ends_after(std::string_view text, size_t pos, size_t end) {
    size_t next = pos + 1;
    if (next >= end || !is_space(text[next])) return false;
    while (next < end && is_space(text[next])) ++next;
    if (next >= end) return true;
    const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
    int32_t i = (int32_t)next;
    UChar32 c;
    U8_NEXT(bytes, i, (int32_t)end, c);
    if (c < 0) return true;
    return !u_islower(c) && !u_isdigit(c);
}

// [begin, end) cut into sentences covering it (each one's end is the next one's start).
std::vector<std::pair<size_t, size_t>> sentences(std::string_view text, size_t begin, size_t end) {
    std::vector<std::pair<size_t, size_t>> spans;
    size_t start = begin;
    for (size_t pos = begin; pos < end; ++pos) {
        const char ch = text[pos];
        bool boundary = false;
        if (ch == '.' || ch == '!' || ch == '?') {
            boundary = sentence_ends_after(text, pos, end);
        } else if (ch == '\n' && pos + 1 < end && text[pos + 1] == '\n') {
            boundary = true;
        }
        if (boundary) {
            spans.emplace_back(start, pos + 1);
            start = pos + 1;
        }
    }
    if (start < end) spans.emplace_back(start, end);
    return spans;
}

// Cuts one over-long span at whitespace (or, failing that, at a character boundary).
void hard_split(std::string_view text, size_t begin, size_t end, size_t max_bytes,
                std::vector<std::pair<size_t, size_t>>& out) {
    while (begin < end) {
        auto [b, e] = trim_span(text, begin, end);
        if (b >= e) return;
        if (e - b <= max_bytes) {
            out.emplace_back(b, e);
            return;
        }
        size_t cut = b + max_bytes;
        size_t space = cut;
        while (space > b && !is_space(text[space])) --space;
        if (space > b + max_bytes / 2) {
            cut = space;
        } else {
            while (cut > b && is_continuation(text[cut])) --cut;
            if (cut == b) cut = b + max_bytes;  // cannot happen with valid UTF-8
        }
        auto [cb, ce] = trim_span(text, b, cut);
        if (cb < ce) out.emplace_back(cb, ce);
        begin = cut;
    }
}

}  // namespace

size_t find_invalid_utf8(std::string_view text) {
    const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
    const int32_t length = (int32_t)text.size();
    int32_t pos = 0;
    while (pos < length) {
        const int32_t start = pos;
        if (bytes[pos] < 0x80) {
            if (bytes[pos] == 0) return (size_t)start;
            ++pos;
            continue;
        }
        UChar32 c;
        U8_NEXT(bytes, pos, length, c);
        if (c < 0) return (size_t)start;
    }
    return std::string_view::npos;
}

size_t count_code_points(std::string_view text) {
    size_t count = 0;
    for (char ch : text) count += is_continuation(ch) ? 0 : 1;
    return count;
}

std::pair<size_t, size_t> trim_span(std::string_view text, size_t begin, size_t end) {
    while (begin < end && is_space(text[begin])) ++begin;
    while (end > begin && is_space(text[end - 1])) --end;
    return {begin, end};
}

std::vector<std::pair<size_t, size_t>> split_passages(std::string_view text, size_t begin,
                                                      size_t end, const ChunkOptions& options) {
    std::vector<std::pair<size_t, size_t>> chunks;
    std::tie(begin, end) = trim_span(text, begin, end);
    if (begin >= end) return chunks;
    const size_t max_bytes = options.max_bytes < 16 ? 16 : options.max_bytes;
    if (end - begin <= max_bytes) {
        chunks.emplace_back(begin, end);
        return chunks;
    }
    std::vector<std::pair<size_t, size_t>> spans;
    for (auto [b, e] : sentences(text, begin, end)) {
        std::tie(b, e) = trim_span(text, b, e);
        if (b < e) spans.emplace_back(b, e);
    }
    size_t i = 0;
    while (i < spans.size()) {
        const size_t chunk_start = spans[i].first;
        size_t j = i;
        while (j < spans.size() && spans[j].second - chunk_start <= max_bytes) ++j;
        if (j == i) {
            hard_split(text, spans[i].first, spans[i].second, max_bytes, chunks);
            ++i;
            continue;
        }
        chunks.emplace_back(chunk_start, spans[j - 1].second);
        if (j >= spans.size()) break;
        i = (j - 1 > i) ? j - 1 : j;  // one sentence of overlap
    }
    return chunks;
}

}  // namespace souverain::retrieval
