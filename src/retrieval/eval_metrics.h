#pragma once
// Retrieval evaluation in the BEIR formats, with the standard metric definitions
// (BEIR / pytrec_eval, binary relevance: a qrels score > 0 is relevant):
//   recall@k  |relevant ∩ top k| / |relevant|
//   MRR@10    1 / rank of the first relevant document in the top 10 (0 when none)
//   MAP@10    (Σ precision@i over the ranks i ≤ 10 holding a relevant document) / |relevant|
//             (the GerLayQA authors' definition)
//   nDCG@10   Σ 1/log2(i+1) over relevant ranks i ≤ 10, divided by the same sum for an ideal
//             ranking of min(|relevant|, 10) relevant documents
// |relevant| counts every label, also those naming documents absent from the corpus; a query
// whose labels are all absent scores 0. Queries without qrels are not evaluated.
//
// Thread-safety: pure functions.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"

namespace souverain::retrieval {

struct BeirQuery {
    std::string id;
    std::string text;
};

// query id → (document id → relevance)
using Qrels = std::map<std::string, std::map<std::string, int>>;

Result<std::vector<BeirQuery>> read_beir_queries(const std::string& path);
// TSV "query-id, corpus-id, score" with an optional header line.
Result<Qrels> read_beir_qrels(const std::string& path);

struct RetrievalMetrics {
    double recall_10 = 0;
    double recall_100 = 0;
    double map_10 = 0;
    double mrr_10 = 0;
    double ndcg_10 = 0;
};

// Metrics of one ranking (document ids, best first, without duplicates).
RetrievalMetrics evaluate_ranking(const std::vector<std::string>& ranking,
                                  const std::map<std::string, int>& relevance);

// Mean over queries.
RetrievalMetrics mean_metrics(const std::vector<RetrievalMetrics>& per_query);

}  // namespace souverain::retrieval
