#pragma once
// Checks the parser tests share: a chunk's text is its span of the document text.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "retrieval/chunker.h"
#include "retrieval/document_parser.h"

namespace souverain::retrieval {

inline Result<std::vector<ParsedDocument>> parse_as(SourceFormat format, const std::string& bytes,
                                                    const std::string& name,
                                                    size_t max_bytes = 2000) {
    ChunkOptions options;
    options.max_bytes = max_bytes;
    return parse_source(bytes, format, name, options);
}

// The passage a chunk cites: the document text at the chunk's offsets.
inline std::string chunk_text(const ParsedDocument& document, const ParsedChunk& chunk) {
    return document.text.substr(chunk.start_byte, chunk.end_byte - chunk.start_byte);
}

// Every chunk is a non-empty span inside the text, in order, trimmed, valid UTF-8.
inline void expect_well_formed_chunks(const ParsedDocument& document) {
    EXPECT_EQ(find_invalid_utf8(document.text), std::string::npos);
    size_t previous_start = 0;
    for (const ParsedChunk& chunk : document.chunks) {
        ASSERT_LT(chunk.start_byte, chunk.end_byte);
        ASSERT_LE(chunk.end_byte, document.text.size());
        EXPECT_GE(chunk.start_byte, previous_start);
        previous_start = chunk.start_byte;
        const std::string text = chunk_text(document, chunk);
        EXPECT_EQ(find_invalid_utf8(text), std::string::npos);
        EXPECT_EQ(trim_span(text, 0, text.size()), std::make_pair(size_t{0}, text.size()));
    }
}

}  // namespace souverain::retrieval
