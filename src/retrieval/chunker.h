#pragma once
// Cutting text into passages (chunks) at sentence boundaries, and the UTF-8 helpers that keep
// every offset on a character boundary.
//
// A span that fits in `max_bytes` stays one chunk. A longer one is cut at sentence ends
// (".", "!" or "?" followed by whitespace and then not a lower-case letter or a digit, so
// "Art. 12" and "z. B. der" do not end sentences; or a blank line), packing whole sentences
// up to `max_bytes`; consecutive chunks overlap by one sentence (the last sentence of a chunk
// starts the next) so a passage cut in two is still found whole. A single sentence longer than
// `max_bytes` is cut at the last whitespace before the limit.
//
// Thread-safety: pure functions.
#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace souverain::retrieval {

struct ChunkOptions {
    size_t max_bytes = 2000;
};

// Byte offset of the first invalid UTF-8 sequence or NUL byte, or npos when the text is
// clean. NUL is refused because text files never contain it (it marks a binary file).
size_t find_invalid_utf8(std::string_view text);

// Number of code points in valid UTF-8 `text`.
size_t count_code_points(std::string_view text);

// Shrinks [begin, end) so it neither starts nor ends with whitespace.
std::pair<size_t, size_t> trim_span(std::string_view text, size_t begin, size_t end);

// The chunks of text[begin, end) as byte spans, in order, trimmed, never empty.
std::vector<std::pair<size_t, size_t>> split_passages(std::string_view text, size_t begin,
                                                      size_t end, const ChunkOptions& options);

}  // namespace souverain::retrieval
