#pragma once
// Text query → best chunks: query_builder + LexicalIndex::search under one configuration,
// whose defaults are the settings measured best on GerLayQA dev (src/retrieval/README.md).
//
// Thread-safety: like the LexicalIndex it reads.
#include <string>
#include <string_view>
#include <vector>

#include "retrieval/lexical_index.h"
#include "retrieval/query_builder.h"

namespace souverain::retrieval {

struct LexicalConfig {
    Bm25Params bm25;
    QueryOptions query;
};

LexicalConfig default_lexical_config();

Result<std::vector<ScoredChunk>> lexical_search(LexicalIndex& index, std::string_view text,
                                                const LexicalConfig& config,
                                                const SearchOptions& options);

}  // namespace souverain::retrieval
