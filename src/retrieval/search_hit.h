#pragma once
// A search hit as callers outside retrieval see it: the stored chunk (document, offsets,
// passage) with its score, and its JSON form
//   {"document_id", "chunk_id", "score", "title", "metadata", "start", "end", "text"}
// (+ "first_stage_score" after a rerank stage)
// which `souverain search --json`, POST /v1/knowledge-bases/{name}/search and the citations
// of grounded answers share.
//
// Thread-safety: search_knowledge_base uses the Store (one thread at a time, as storage::Store);
// search_hit_json is a pure function.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "retrieval/lexical_search.h"
#include "storage/store.h"

namespace souverain::retrieval {

struct SearchHit {
    storage::ChunkRecord chunk;
    double score = 0;
    // Set by the rerank stage (retrieval/reranker.h): `score` is then the cross-encoder's and
    // this the first stage's (BM25, cosine or RRF); JSON "first_stage_score".
    std::optional<double> first_stage_score;
};

// A hit with the name of the knowledge base it came from (retrieval over several bases).
struct RetrievedPassage {
    std::string knowledge_base;
    SearchHit hit;
    std::string mode;  // the search mode that found it: lexical, dense or hybrid
};

// Lexical search of one knowledge base, best first, with the stored passages. A knowledge base
// that has no index yet (nothing ingested) gives no hits rather than an error.
Result<std::vector<SearchHit>> search_knowledge_base(storage::Store& store, int64_t kb_id,
                                                     std::string_view query,
                                                     const LexicalConfig& config,
                                                     const SearchOptions& options);

// The hit's metadata as a JSON object ({} when the stored text is not an object).
nlohmann::json hit_metadata(const SearchHit& hit);
nlohmann::json search_hit_json(const SearchHit& hit);

}  // namespace souverain::retrieval
