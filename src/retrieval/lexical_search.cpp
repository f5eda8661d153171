#include "retrieval/lexical_search.h"

namespace souverain::retrieval {

LexicalConfig default_lexical_config() {
    // Measured on GerLayQA dev (src/retrieval/README.md): counting each query term once,
    // weighting the title field twice and adding German compound parts at half weight each
    // helped, and so did k1 2.0 (long questions: many matching terms, less saturation); idf
    // cut-offs and query-length caps did not help.
    LexicalConfig config;
    config.bm25.k1 = 2.0;
    config.bm25.b = 0.75;
    config.bm25.title_weight = 2.0;
    config.query.binary_tf = true;
    config.query.decompound_weight = 0.5;
    return config;
}

Result<std::vector<ScoredChunk>> lexical_search(LexicalIndex& index, std::string_view text,
                                                const LexicalConfig& config,
                                                const SearchOptions& options) {
    Result<std::vector<WeightedTerm>> query = build_query(text, index, config.query);
    if (!query) return query.error();
    SearchOptions with_config = options;
    with_config.bm25 = config.bm25;
    return index.search(*query, with_config);
}

}  // namespace souverain::retrieval
