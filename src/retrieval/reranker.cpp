#include "retrieval/reranker.h"

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <numeric>

#include "common/thread_pool.h"
#include "engine/bert_model.h"

namespace souverain::retrieval {

namespace {

// Owns the model and its pool; the mutex makes one forward pass at a time (a ThreadPool runs
// one loop at a time).
class ModelReranker final : public Reranker {
public:
    ModelReranker(std::unique_ptr<BertModel> model, std::string name, int n_threads)
        : model_(std::move(model)), name_(std::move(name)), pool_(n_threads) {}

    std::string model_name() const override { return name_; }
    Result<std::vector<double>> score(std::string_view query,
                                      std::span<const std::string> passages) override {
        std::lock_guard<std::mutex> lock(mutex_);
        Result<std::vector<float>> scores = model_->score(query, passages, pool_);
        if (!scores) return scores.error();
        return std::vector<double>(scores->begin(), scores->end());
    }

private:
    std::unique_ptr<BertModel> model_;
    std::string name_;
    std::mutex mutex_;
    ThreadPool pool_;
};

}  // namespace

Result<std::unique_ptr<Reranker>> open_reranker(const std::string& model_path, int n_threads) {
    Result<std::unique_ptr<BertModel>> model = BertModel::load(model_path);
    if (!model) {
        return make_error(model.error().code, model_path + ": " + model.error().message);
    }
    if (!(*model)->is_reranker()) {
        return make_error(ErrorCode::UNSUPPORTED,
                          model_path +
                              ": not a reranker (a cross-encoder has bert.pooling_type 4 and a "
                              "classification head; this is an embedding model)");
    }
    const std::string name = std::filesystem::path(model_path).stem().string();
    return std::unique_ptr<Reranker>(
        std::make_unique<ModelReranker>(std::move(*model), name, n_threads));
}

Result<std::vector<SearchHit>> rerank_hits(Reranker& reranker, std::string_view query,
                                           std::vector<SearchHit> hits, size_t top_k) {
    if (hits.empty()) return hits;
    std::vector<std::string> passages;
    passages.reserve(hits.size());
    for (const SearchHit& hit : hits) passages.push_back(hit.chunk.text);
    Result<std::vector<double>> scores = reranker.score(query, passages);
    if (!scores) return scores.error();
    if (scores->size() != hits.size()) {
        return make_error(ErrorCode::INTERNAL, "the reranker gave " +
                                                   std::to_string(scores->size()) + " scores for " +
                                                   std::to_string(hits.size()) + " passages");
    }
    std::vector<size_t> order(hits.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return (*scores)[a] > (*scores)[b]; });
    std::vector<SearchHit> out;
    out.reserve(std::min(top_k, hits.size()));
    for (size_t rank = 0; rank < order.size() && rank < top_k; ++rank) {
        SearchHit& hit = hits[order[rank]];
        hit.first_stage_score = hit.score;
        hit.score = (*scores)[order[rank]];
        out.push_back(std::move(hit));
    }
    return out;
}

Result<ModeSearchResult> search_reranked(storage::Store& store, int64_t kb_id, DenseBase* dense,
                                         std::string_view query, const LexicalConfig& config,
                                         const SearchOptions& options,
                                         std::optional<SearchMode> requested,
                                         const RerankRequest& rerank, LexicalIndex* lexical) {
    if (rerank.reranker == nullptr) {
        return search_by_mode(store, kb_id, dense, query, config, options, requested, lexical);
    }
    if (rerank.depth == 0 || rerank.depth > kMaxRerankDepth) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "rerank depth must be 1 to " +
                                                           std::to_string(kMaxRerankDepth) +
                                                           ", got " + std::to_string(rerank.depth));
    }
    SearchOptions first_stage = options;
    first_stage.top_k = std::max(options.top_k, rerank.depth);
    Result<ModeSearchResult> result =
        search_by_mode(store, kb_id, dense, query, config, first_stage, requested, lexical);
    if (!result) return result.error();
    const size_t n_candidates = result->hits.size();
    Result<std::vector<SearchHit>> reranked =
        rerank_hits(*rerank.reranker, query, std::move(result->hits), options.top_k);
    if (!reranked) return reranked.error();
    result->hits = std::move(*reranked);
    result->rerank = RerankInfo{rerank.reranker->model_name(), first_stage.top_k, n_candidates};
    return result;
}

nlohmann::json rerank_info_json(const RerankInfo& info) {
    return {{"model", info.model}, {"depth", info.depth}, {"candidates", info.candidates}};
}

}  // namespace souverain::retrieval
