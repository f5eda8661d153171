#pragma once
// Our inverted index and BM25 ranking.
//
// Persistence (through storage::Store, encodings in term_codec.h): one posting list per term
// (chunk ordinals, delta-coded, with body and title frequencies) and one metadata blob (per
// chunk ordinal: chunk id, document id, field lengths). `rebuild_lexical_index` rewrites both
// from the chunks' stored term vectors after an ingestion changed something. In a knowledge base
// that is at least one fifth German, a compound term's postings also count for its two parts
// (decompounder.h), so "Mietvertrag" matches "Miete" and "Vertrag".
//
// Querying: `LexicalIndex::open` reads the metadata once; posting lists are read per term on
// first use and cached (a B-tree lookup each), or all at once with `preload` (evaluation).
//
// Ranking: BM25 with two fields (BM25F-style): per term,
//   tfn   = body / (1 - b + b * body_len / avg_body) + w_title * title / (1 - b + b * title_len /
//   avg_title) score = weight * idf * tfn * (k1 + 1) / (k1 + tfn),   idf = ln(1 + (N - df + 0.5) /
//   (df + 0.5))
// with w_title = 0 this is plain BM25 (Robertson/Lucene idf) over the body.
//
// Thread-safety: a LexicalIndex is used by one thread at a time (its cache and the Store).
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/error.h"
#include "retrieval/language.h"
#include "retrieval/term_codec.h"
#include "storage/store.h"

namespace souverain::retrieval {

struct Bm25Params {
    double k1 = 1.2;
    double b = 0.75;
    double title_weight = 0.0;
};

struct WeightedTerm {
    std::string term;
    double weight = 1.0;
};

struct SearchOptions {
    size_t top_k = 10;
    Bm25Params bm25;
    std::vector<std::string> filter_terms;  // filter_term(key, value); all must match
    bool one_per_document = false;          // keep only each document's best chunk
};

struct ScoredChunk {
    uint32_t ordinal = 0;
    int64_t chunk_id = 0;
    int64_t document_id = 0;
    double score = 0;
};

Status rebuild_lexical_index(storage::Store& store, int64_t kb_id);

class LexicalIndex {
public:
    // Fails with NOT_FOUND when the knowledge base has no index yet. `store` must outlive it.
    static Result<std::unique_ptr<LexicalIndex>> open(storage::Store& store, int64_t kb_id);

    size_t chunk_count() const { return meta_.chunk_ids.size(); }
    const IndexMeta& meta() const { return meta_; }
    // Languages of at least 2% of the chunks (queries are analyzed in each).
    std::vector<Language> languages() const;

    // Posting list of a term (empty when absent); the pointer stays valid while this lives.
    Result<const std::vector<Posting>*> postings(const std::string& term);
    // Document frequency (0 when absent) and the idf used in scoring.
    Result<size_t> document_frequency(const std::string& term);
    double idf(size_t df) const;
    // Reads every posting list into the cache.
    Status preload();
    // Every term with its document frequency (loaded once).
    Result<const std::unordered_map<std::string, size_t>*> vocabulary();

    Result<std::vector<ScoredChunk>> search(const std::vector<WeightedTerm>& query,
                                            const SearchOptions& options);

private:
    LexicalIndex(storage::Store& store, int64_t kb_id) : store_(store), kb_id_(kb_id) {}

    storage::Store& store_;
    int64_t kb_id_;
    IndexMeta meta_;
    double avg_body_ = 1;
    double avg_title_ = 1;
    std::unordered_map<std::string, std::vector<Posting>> cache_;
    std::unique_ptr<std::unordered_map<std::string, size_t>> vocabulary_;
};

}  // namespace souverain::retrieval
