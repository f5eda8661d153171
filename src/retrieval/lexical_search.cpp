#include "retrieval/lexical_search.h"

namespace souverain::retrieval {

LexicalConfig default_lexical_config() {
    LexicalConfig config;
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
