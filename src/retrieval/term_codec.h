#pragma once
// Binary encodings of what the lexical index persists through the storage layer, all built on
// LEB128 varints: a chunk's term vector, a term's posting list, and the index metadata (the
// per-chunk lengths and ids that BM25 needs). Decoders never read past their input: a short
// or corrupted blob is a FORMAT error, not undefined behaviour.
//
// Thread-safety: pure functions.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace souverain::retrieval {

void put_varint(std::string& out, uint64_t value);
// Reads a varint at `pos`, advancing it; false when the input ends first or it overflows.
bool get_varint(std::string_view in, size_t& pos, uint64_t& value);

// Per field term frequencies of one term in one chunk.
struct TermFrequency {
    std::string term;
    uint32_t body = 0;
    uint32_t title = 0;
};

// A chunk's analyzed content: field lengths (in terms, after stopwords) and its terms.
// Terms starting with kFilterTermPrefix are metadata filter terms (not scored).
struct TermVector {
    uint32_t body_length = 0;
    uint32_t title_length = 0;
    std::vector<TermFrequency> terms;
};
inline constexpr char kFilterTermPrefix = '\x1f';
std::string filter_term(std::string_view key, std::string_view value);

std::string encode_term_vector(const TermVector& vector);
Result<TermVector> decode_term_vector(std::string_view blob);

// One entry of a posting list: the chunk's dense ordinal in the index and its frequencies.
struct Posting {
    uint32_t ordinal = 0;
    uint32_t body = 0;
    uint32_t title = 0;
};
// Ordinals must be strictly increasing.
std::string encode_postings(const std::vector<Posting>& postings);
Result<std::vector<Posting>> decode_postings(std::string_view blob);

// What the index knows about every chunk, by dense ordinal.
struct IndexMeta {
    std::vector<int64_t> chunk_ids;     // increasing
    std::vector<int64_t> document_ids;  // internal document id of each chunk
    std::vector<uint32_t> body_lengths;
    std::vector<uint32_t> title_lengths;
    std::vector<std::pair<std::string, uint64_t>> languages;  // chunk count per language
};
std::string encode_index_meta(const IndexMeta& meta);
Result<IndexMeta> decode_index_meta(std::string_view blob);

}  // namespace souverain::retrieval
