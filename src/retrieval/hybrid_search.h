#pragma once
// Search of one knowledge base by mode: lexical (BM25), dense (HNSW over the embedding
// model's vectors) or hybrid (reciprocal rank fusion of the two top lists), with the stored
// passages. The one place the CLI and the HTTP route choose a mode.
//
// Mode rules:
// - no mode asked: hybrid when the base has an embedding model and no filter is given, else
//   lexical;
// - hybrid asked of a base without an embedding model: lexical, with a note saying so;
// - dense asked of a base without an embedding model: UNSUPPORTED (there is nothing dense to
//   return, and a lexical answer under a dense label would mislead);
// - dense or hybrid with metadata filters: INVALID_ARGUMENT (filters are postings of the
//   lexical index; the HNSW graph cannot apply them).
//
// Hybrid: each side returns its best max(top_k, 100) chunks; a chunk's fused score is
// sum over the lists it is in of 1 / (60 + rank) (rank from 1; Cormack et al. 2009), so
// neither side's score scale matters. A hit's `score` is the fused score in hybrid mode,
// BM25 in lexical mode and the inner product (cosine) in dense mode.
//
// Thread-safety: as the Store and DenseBase given (one thread at a time).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "retrieval/dense_base.h"
#include "retrieval/lexical_search.h"
#include "retrieval/search_hit.h"
#include "storage/store.h"

namespace souverain::retrieval {

enum class SearchMode { LEXICAL, DENSE, HYBRID };

// "lexical", "dense", "hybrid"; INVALID_ARGUMENT otherwise.
Result<SearchMode> parse_search_mode(std::string_view name);
const char* search_mode_name(SearchMode mode);

constexpr double kRrfK = 60;
constexpr size_t kFusionDepth = 100;

struct FusedHit {
    int64_t chunk_id = 0;
    double score = 0;
};

// Reciprocal rank fusion of ranked chunk-id lists (best first): the `top_k` best, ties broken
// by the better best rank, then the smaller chunk id (deterministic).
std::vector<FusedHit> reciprocal_rank_fusion(std::span<const std::vector<int64_t>> lists, double k,
                                             size_t top_k);

// What the rerank stage (retrieval/reranker.h) did, when it ran.
struct RerankInfo {
    std::string model;      // the reranker's name
    size_t depth = 0;       // first-stage candidates asked for
    size_t candidates = 0;  // candidates the cross-encoder scored
};

struct ModeSearchResult {
    SearchMode mode = SearchMode::LEXICAL;  // the mode that ran
    std::string note;                       // set when it is not the mode asked
    std::vector<SearchHit> hits;
    std::optional<RerankInfo> rerank;  // set by search_reranked when a reranker ran
};

// `dense` is null for a base without an embedding model. `requested` nullopt: the default.
// `lexical`, when given, is the base's lexical index kept open by the caller (its metadata,
// vocabulary and posting lists cached across queries); else it is opened for this search.
Result<ModeSearchResult> search_by_mode(storage::Store& store, int64_t kb_id, DenseBase* dense,
                                        std::string_view query, const LexicalConfig& config,
                                        const SearchOptions& options,
                                        std::optional<SearchMode> requested,
                                        LexicalIndex* lexical = nullptr);

}  // namespace souverain::retrieval
