// `souverain eval retrieval --kb NAME --queries Q.jsonl --qrels QRELS.tsv [--mode M]
// [--rerank F.gguf]`: the standard retrieval metrics of search over BEIR files (documents
// ranked by their best chunk). Lexical without a reranker (the default) reads posting lists
// only; other modes and the rerank stage go through retrieval/reranker.h's search_reranked
// (the same path as `search`), with the mode rules of hybrid_search.h.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/search_options.h"
#include "retrieval/dense_base.h"
#include "retrieval/eval_metrics.h"
#include "retrieval/hybrid_search.h"
#include "retrieval/knowledge_base.h"
#include "retrieval/lexical_search.h"
#include "retrieval/reranker.h"

namespace souverain::cli {

namespace {

struct EvalCliOptions {
    std::string kb;
    std::string tenant = "default";
    std::string data_dir = "./souverain-data";
    std::string queries;
    std::string qrels;
    size_t k = 100;
    std::string mode = "lexical";
    std::string rerank;
    size_t rerank_depth = retrieval::kDefaultRerankDepth;
    int threads = 2;
    bool json = false;
    retrieval::LexicalConfig config = retrieval::default_lexical_config();
};

int run_eval(const EvalCliOptions& options) {
    Result<retrieval::SearchMode> mode = retrieval::parse_search_mode(options.mode);
    if (!mode) return report_error(mode.error());
    Result<std::vector<retrieval::BeirQuery>> queries =
        retrieval::read_beir_queries(options.queries);
    if (!queries) return report_error(queries.error());
    Result<retrieval::Qrels> qrels = retrieval::read_beir_qrels(options.qrels);
    if (!qrels) return report_error(qrels.error());
    Result<retrieval::KnowledgeBase> kb =
        retrieval::open_knowledge_base(options.data_dir, options.tenant, options.kb);
    if (!kb) return report_error(kb.error());
    Result<std::unique_ptr<retrieval::LexicalIndex>> index =
        retrieval::LexicalIndex::open(*kb->store, kb->info.id);
    if (!index) return report_error(index.error());
    Status preloaded = (*index)->preload();
    if (!preloaded) return report_error(preloaded.error());
    Result<std::vector<std::pair<int64_t, std::string>>> document_ids =
        kb->store->load_document_ids(kb->info.id);
    if (!document_ids) return report_error(document_ids.error());
    std::unordered_map<int64_t, std::string> external(document_ids->begin(), document_ids->end());
    std::optional<retrieval::DenseBase> dense;
    if (*mode != retrieval::SearchMode::LEXICAL) {
        retrieval::DenseOptions dense_options;
        dense_options.threads = options.threads;
        Result<std::optional<retrieval::DenseBase>> opened =
            retrieval::DenseBase::open(options.data_dir, kb->info.id, dense_options);
        if (!opened) return report_error(opened.error());
        dense = std::move(*opened);
    }
    std::unique_ptr<retrieval::Reranker> reranker;
    if (!options.rerank.empty()) {
        Result<std::unique_ptr<retrieval::Reranker>> opened =
            retrieval::open_reranker(options.rerank, options.threads);
        if (!opened) return report_error(opened.error());
        reranker = std::move(*opened);
    }
    const bool plain_lexical = *mode == retrieval::SearchMode::LEXICAL && !reranker;
    std::string mode_ran = retrieval::search_mode_name(*mode);
    std::string note;

    retrieval::SearchOptions search_options;
    search_options.top_k = options.k;
    search_options.one_per_document = true;
    std::vector<retrieval::RetrievalMetrics> per_query;
    std::vector<double> latencies_ms;
    const auto started = std::chrono::steady_clock::now();
    ProgressLine progress("eval");
    size_t done = 0;
    for (const retrieval::BeirQuery& query : *queries) {
        ++done;
        auto labels = qrels->find(query.id);
        if (labels == qrels->end()) continue;
        const auto query_started = std::chrono::steady_clock::now();
        std::vector<std::string> ranking;
        if (plain_lexical) {
            Result<std::vector<retrieval::ScoredChunk>> hits =
                retrieval::lexical_search(**index, query.text, options.config, search_options);
            if (!hits) return report_error(hits.error());
            for (const retrieval::ScoredChunk& hit : *hits)
                ranking.push_back(external[hit.document_id]);
        } else {
            Result<retrieval::ModeSearchResult> result = retrieval::search_reranked(
                *kb->store, kb->info.id, dense ? &*dense : nullptr, query.text, options.config,
                search_options, *mode, {reranker.get(), options.rerank_depth}, index->get());
            if (!result) return report_error(result.error());
            mode_ran = retrieval::search_mode_name(result->mode);
            note = result->note;
            // Dense hits are chunks: a document counts at its best chunk's rank.
            std::unordered_set<std::string> seen;
            for (const retrieval::SearchHit& hit : result->hits) {
                if (seen.insert(hit.chunk.document_id).second)
                    ranking.push_back(hit.chunk.document_id);
            }
        }
        latencies_ms.push_back(std::chrono::duration<double, std::milli>(
                                   std::chrono::steady_clock::now() - query_started)
                                   .count());
        per_query.push_back(retrieval::evaluate_ranking(ranking, labels->second));
        if (done % 64 == 0) progress.update(done, queries->size(), "queries");
    }
    progress.finish();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const retrieval::RetrievalMetrics mean = retrieval::mean_metrics(per_query);
    std::sort(latencies_ms.begin(), latencies_ms.end());
    auto percentile = [&](double p) {
        if (latencies_ms.empty()) return 0.0;
        return latencies_ms[std::min(latencies_ms.size() - 1,
                                     (size_t)(p * (double)latencies_ms.size()))];
    };
    if (options.json) {
        nlohmann::json out = {{"queries", per_query.size()},
                              {"mode", mode_ran},
                              {"reranker", reranker ? nlohmann::json(reranker->model_name())
                                                    : nlohmann::json(nullptr)},
                              {"recall@10", mean.recall_10},
                              {"recall@100", mean.recall_100},
                              {"map@10", mean.map_10},
                              {"mrr@10", mean.mrr_10},
                              {"ndcg@10", mean.ndcg_10},
                              {"seconds", seconds},
                              {"latency_p50_ms", percentile(0.50)},
                              {"latency_p99_ms", percentile(0.99)}};
        if (!note.empty()) out["note"] = note;
        std::printf("%s\n", out.dump().c_str());
        return 0;
    }
    if (!note.empty()) std::fprintf(stderr, "note: %s\n", note.c_str());
    std::printf("mode        %s%s%s\n", mode_ran.c_str(), reranker ? ", reranked by " : "",
                reranker ? reranker->model_name().c_str() : "");
    std::printf("queries     %zu (%.2f s; latency p50 %.2f ms, p99 %.2f ms)\n", per_query.size(),
                seconds, percentile(0.50), percentile(0.99));
    std::printf(
        "recall@10   %.4f\nrecall@100  %.4f\nMAP@10      %.4f\nMRR@10      %.4f\n"
        "nDCG@10     %.4f\n",
        mean.recall_10, mean.recall_100, mean.map_10, mean.mrr_10, mean.ndcg_10);
    return 0;
}

}  // namespace

void register_eval(CLI::App& app) {
    auto options = std::make_shared<EvalCliOptions>();
    CLI::App* eval = app.add_subcommand("eval", "Evaluate a subsystem");
    eval->require_subcommand(1);
    CLI::App* cmd =
        eval->add_subcommand("retrieval", "Recall, MAP, MRR, nDCG of search over BEIR files");
    cmd->add_option("--kb", options->kb, "Knowledge base")->required();
    cmd->add_option("--tenant", options->tenant,
                    "Tenant owning the knowledge base (default 'default')");
    cmd->add_option("--queries", options->queries, "BEIR queries JSONL")->required();
    cmd->add_option("--qrels", options->qrels, "BEIR qrels TSV")->required();
    cmd->add_option("--k", options->k, "Documents retrieved per query (default 100)");
    cmd->add_option("--data", options->data_dir, "Data directory (default ./souverain-data)");
    cmd->add_option("--mode", options->mode,
                    "lexical (default), dense or hybrid (the base needs an embedding model for "
                    "dense; hybrid without one runs lexical and says so)");
    cmd->add_option("--rerank", options->rerank, "Cross-encoder reranker GGUF");
    cmd->add_option("--rerank-depth", options->rerank_depth,
                    "Candidates the reranker reads (default 50; at least --k)");
    cmd->add_option("--threads", options->threads, "Threads of the encoder models");
    cmd->add_flag("--json", options->json, "One JSON object");
    add_lexical_tuning_options(cmd, options->config);
    cmd->callback([options]() { set_exit_code(run_eval(*options)); });
}

}  // namespace souverain::cli
