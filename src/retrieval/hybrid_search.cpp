#include "retrieval/hybrid_search.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <unordered_map>

namespace souverain::retrieval {

namespace {

// Lexical top list as chunk ids with scores ({} when nothing is indexed yet).
Result<std::vector<ScoredChunk>> lexical_top(storage::Store& store, int64_t kb_id,
                                             LexicalIndex* open_index, std::string_view query,
                                             const LexicalConfig& config,
                                             const SearchOptions& options) {
    if (open_index != nullptr) return lexical_search(*open_index, query, config, options);
    Result<std::optional<std::string>> meta = store.load_index_meta(kb_id);
    if (!meta) return meta.error();
    if (!meta->has_value()) return std::vector<ScoredChunk>();
    Result<std::unique_ptr<LexicalIndex>> index = LexicalIndex::open(store, kb_id);
    if (!index) return index.error();
    return lexical_search(**index, query, config, options);
}

// The stored chunks of `scored` (id, score) in that order; ids the store no longer has are
// left out.
Result<std::vector<SearchHit>> with_passages(
    storage::Store& store, int64_t kb_id, const std::vector<std::pair<int64_t, double>>& scored) {
    std::vector<int64_t> ids;
    ids.reserve(scored.size());
    for (const auto& [id, score] : scored) ids.push_back(id);
    Result<std::vector<storage::ChunkRecord>> chunks = store.load_chunks(kb_id, ids);
    if (!chunks) return chunks.error();
    std::unordered_map<int64_t, double> score_of(scored.begin(), scored.end());
    std::vector<SearchHit> hits;
    hits.reserve(chunks->size());
    for (storage::ChunkRecord& chunk : *chunks) {
        const double score = score_of[chunk.chunk_id];
        hits.push_back(SearchHit{std::move(chunk), score, std::nullopt});
    }
    return hits;
}

}  // namespace

Result<SearchMode> parse_search_mode(std::string_view name) {
    if (name == "lexical") return SearchMode::LEXICAL;
    if (name == "dense") return SearchMode::DENSE;
    if (name == "hybrid") return SearchMode::HYBRID;
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      "unknown search mode '" + std::string(name) + "' (lexical, dense or hybrid)");
}

const char* search_mode_name(SearchMode mode) {
    switch (mode) {
        case SearchMode::DENSE:
            return "dense";
        case SearchMode::HYBRID:
            return "hybrid";
        case SearchMode::LEXICAL:
            break;
    }
    return "lexical";
}

std::vector<FusedHit> reciprocal_rank_fusion(std::span<const std::vector<int64_t>> lists, double k,
                                             size_t top_k) {
    struct Entry {
        double score = 0;
        size_t best_rank = SIZE_MAX;
    };
    std::unordered_map<int64_t, Entry> fused;
    for (const std::vector<int64_t>& list : lists) {
        for (size_t rank = 0; rank < list.size(); ++rank) {
            Entry& entry = fused[list[rank]];
            entry.score += 1.0 / (k + (double)(rank + 1));
            entry.best_rank = std::min(entry.best_rank, rank);
        }
    }
    std::vector<std::pair<int64_t, Entry>> all(fused.begin(), fused.end());
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
        if (a.second.score != b.second.score) return a.second.score > b.second.score;
        if (a.second.best_rank != b.second.best_rank)
            return a.second.best_rank < b.second.best_rank;
        return a.first < b.first;
    });
    std::vector<FusedHit> out;
    for (size_t i = 0; i < all.size() && i < top_k; ++i) {
        out.push_back(FusedHit{all[i].first, all[i].second.score});
    }
    return out;
}

Result<ModeSearchResult> search_by_mode(storage::Store& store, int64_t kb_id, DenseBase* dense,
                                        std::string_view query, const LexicalConfig& config,
                                        const SearchOptions& options,
                                        std::optional<SearchMode> requested,
                                        LexicalIndex* lexical_index) {
    ModeSearchResult result;
    const bool filtered = !options.filter_terms.empty();
    if (!requested) {
        result.mode = dense != nullptr && !filtered ? SearchMode::HYBRID : SearchMode::LEXICAL;
    } else {
        result.mode = *requested;
    }
    if (result.mode != SearchMode::LEXICAL && dense == nullptr) {
        if (result.mode == SearchMode::DENSE) {
            return make_error(ErrorCode::UNSUPPORTED,
                              "this knowledge base has no embedding model, so dense search is "
                              "not possible (create it with --embedding-model, or use mode "
                              "lexical)");
        }
        result.mode = SearchMode::LEXICAL;
        result.note = "no embedding model: search is lexical";
    }
    if (result.mode != SearchMode::LEXICAL && filtered) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          std::string("filters apply to lexical search only (mode ") +
                              search_mode_name(result.mode) + " was asked)");
    }

    std::vector<std::pair<int64_t, double>> ranked;
    if (result.mode == SearchMode::LEXICAL) {
        Result<std::vector<ScoredChunk>> lexical =
            lexical_top(store, kb_id, lexical_index, query, config, options);
        if (!lexical) return lexical.error();
        for (const ScoredChunk& hit : *lexical) ranked.emplace_back(hit.chunk_id, hit.score);
    } else if (result.mode == SearchMode::DENSE) {
        Result<std::vector<DenseHit>> hits = dense->search(query, options.top_k);
        if (!hits) return hits.error();
        for (const DenseHit& hit : *hits) ranked.emplace_back(hit.chunk_id, hit.score);
    } else {
        const size_t depth = std::max(options.top_k, kFusionDepth);
        SearchOptions deep = options;
        deep.top_k = depth;
        Result<std::vector<ScoredChunk>> lexical =
            lexical_top(store, kb_id, lexical_index, query, config, deep);
        if (!lexical) return lexical.error();
        Result<std::vector<DenseHit>> semantic = dense->search(query, depth);
        if (!semantic) return semantic.error();
        std::vector<std::vector<int64_t>> lists(2);
        for (const ScoredChunk& hit : *lexical) lists[0].push_back(hit.chunk_id);
        for (const DenseHit& hit : *semantic) lists[1].push_back(hit.chunk_id);
        for (const FusedHit& hit : reciprocal_rank_fusion(lists, kRrfK, options.top_k)) {
            ranked.emplace_back(hit.chunk_id, hit.score);
        }
    }
    Result<std::vector<SearchHit>> hits = with_passages(store, kb_id, ranked);
    if (!hits) return hits.error();
    result.hits = std::move(*hits);
    return result;
}

}  // namespace souverain::retrieval
