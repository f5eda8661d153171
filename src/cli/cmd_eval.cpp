// `souverain eval retrieval --kb NAME --queries Q.jsonl --qrels QRELS.tsv`: the standard
// retrieval metrics of the lexical search over BEIR files (documents ranked by their best
// chunk).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/search_options.h"
#include "retrieval/eval_metrics.h"
#include "retrieval/knowledge_base.h"
#include "retrieval/lexical_search.h"

namespace souverain::cli {

namespace {

struct EvalCliOptions {
    std::string kb;
    std::string tenant = "default";
    std::string data_dir = "./souverain-data";
    std::string queries;
    std::string qrels;
    size_t k = 100;
    bool json = false;
    retrieval::LexicalConfig config = retrieval::default_lexical_config();
};

int run_eval(const EvalCliOptions& options) {
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
        Result<std::vector<retrieval::ScoredChunk>> hits =
            retrieval::lexical_search(**index, query.text, options.config, search_options);
        if (!hits) return report_error(hits.error());
        latencies_ms.push_back(std::chrono::duration<double, std::milli>(
                                   std::chrono::steady_clock::now() - query_started)
                                   .count());
        std::vector<std::string> ranking;
        for (const retrieval::ScoredChunk& hit : *hits)
            ranking.push_back(external[hit.document_id]);
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
                              {"recall@10", mean.recall_10},
                              {"recall@100", mean.recall_100},
                              {"map@10", mean.map_10},
                              {"mrr@10", mean.mrr_10},
                              {"ndcg@10", mean.ndcg_10},
                              {"seconds", seconds},
                              {"latency_p50_ms", percentile(0.50)},
                              {"latency_p99_ms", percentile(0.99)}};
        std::printf("%s\n", out.dump().c_str());
        return 0;
    }
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
    cmd->add_flag("--json", options->json, "One JSON object");
    add_lexical_tuning_options(cmd, options->config);
    cmd->callback([options]() { set_exit_code(run_eval(*options)); });
}

}  // namespace souverain::cli
