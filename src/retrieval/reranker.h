#pragma once
// The rerank stage: the first `depth` candidates of a search (any mode) reordered by a
// cross-encoder's relevance score for (query, passage). The passage is the chunk's text (the
// title is not prepended: a heading path repeated in every chunk of a section would weigh the
// same for all of them).
//
// After reranking, a hit's `score` is the cross-encoder's raw logit (higher is more relevant,
// comparable between hits of one query, not across models) and `first_stage_score` keeps the
// score of the mode that found it (BM25, cosine or RRF). Ties keep the first-stage order.
//
// Ownership: callers own the Reranker. Thread-safety: a Reranker from open_reranker may be
// called from several threads; calls are serialized (one forward pass at a time on its own
// pool), so the server can share one.
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include "common/error.h"

#include "retrieval/hybrid_search.h"

namespace souverain::retrieval {

constexpr size_t kDefaultRerankDepth = 50;
constexpr size_t kMaxRerankDepth = 1000;

class Reranker {
public:
    virtual ~Reranker() = default;
    virtual std::string model_name() const = 0;  // the file name without .gguf
    // One relevance score per passage, in order.
    virtual Result<std::vector<double>> score(std::string_view query,
                                              std::span<const std::string> passages) = 0;
};

// Opens a reranker GGUF (arch bert, pooling_type 4: engine/bert_model.h); its forward passes
// run on its own pool of `n_threads`. An embedding model is refused (UNSUPPORTED).
Result<std::unique_ptr<Reranker>> open_reranker(const std::string& model_path, int n_threads);

// Reorders `hits` (the first-stage candidates, best first) by the reranker and keeps the
// `top_k` best; sets each kept hit's first_stage_score.
Result<std::vector<SearchHit>> rerank_hits(Reranker& reranker, std::string_view query,
                                           std::vector<SearchHit> hits, size_t top_k);

struct RerankRequest {
    Reranker* reranker = nullptr;
    size_t depth = kDefaultRerankDepth;  // candidates read by the cross-encoder
};

// search_by_mode, then (when `rerank.reranker` is set) the rerank stage: the first stage
// returns max(top_k, depth) candidates, the reranker scores all of them (so every returned
// hit carries a cross-encoder score), the top_k best are kept, and the result's `rerank`
// says so (depth there is the max(top_k, depth) that was used). INVALID_ARGUMENT for a depth of 0
// or over kMaxRerankDepth.
Result<ModeSearchResult> search_reranked(storage::Store& store, int64_t kb_id, DenseBase* dense,
                                         std::string_view query, const LexicalConfig& config,
                                         const SearchOptions& options,
                                         std::optional<SearchMode> requested,
                                         const RerankRequest& rerank,
                                         LexicalIndex* lexical = nullptr);

// The `rerank` member of a search's JSON: {"model", "depth", "candidates"}.
nlohmann::json rerank_info_json(const RerankInfo& info);

}  // namespace souverain::retrieval
