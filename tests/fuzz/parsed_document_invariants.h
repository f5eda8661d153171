#pragma once
// What every document parser promises, checked by the parser fuzz targets: the text is valid
// UTF-8 and every chunk a non-empty span of it, in order, on character boundaries. A broken
// promise aborts, which libFuzzer reports as a crash.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "retrieval/chunker.h"
#include "retrieval/document_parser.h"

namespace souverain::fuzz {

inline void check(bool condition) {
    if (!condition) std::abort();
}

// Calls `visit(passage)` for every chunk after checking it.
template <typename Visit>
void check_documents(const std::vector<retrieval::ParsedDocument>& documents, Visit&& visit) {
    for (const retrieval::ParsedDocument& document : documents) {
        check(retrieval::find_invalid_utf8(document.text) == std::string_view::npos);
        size_t previous_start = 0;
        for (const retrieval::ParsedChunk& chunk : document.chunks) {
            check(chunk.start_byte < chunk.end_byte);
            check(chunk.end_byte <= document.text.size());
            check(chunk.start_byte >= previous_start);
            check(chunk.page >= 0);
            previous_start = chunk.start_byte;
            const std::string_view passage(document.text.data() + chunk.start_byte,
                                           chunk.end_byte - chunk.start_byte);
            check(retrieval::find_invalid_utf8(passage) == std::string_view::npos);
            visit(passage, chunk);
        }
    }
}

// Parses `bytes` as `format` with chunks of at most `max_bytes` and checks the result.
inline void parse_and_check(std::string_view bytes, retrieval::SourceFormat format,
                            size_t max_bytes) {
    retrieval::ChunkOptions options;
    options.max_bytes = max_bytes;
    Result<std::vector<retrieval::ParsedDocument>> documents =
        retrieval::parse_source(bytes, format, "fuzz", options);
    if (!documents) {
        check(!documents.error().message.empty());
        return;
    }
    check_documents(*documents, [](std::string_view, const retrieval::ParsedChunk& chunk) {
        (void)retrieval::article_number(chunk.heading);
    });
}

// The same for a fuzz input whose first byte picks a small chunk size (many splits).
inline void parse_and_check(const uint8_t* data, size_t size, retrieval::SourceFormat format) {
    if (size == 0) return;
    parse_and_check(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1), format,
                    16 + data[0] * 8);
}

}  // namespace souverain::fuzz
