// souverain rerank --model F.gguf --query Q --passage P...: cross-encoder relevance scores of
// (query, passage) pairs from a reranker model (arch bert, pooling_type 4). Text output: the
// passages best first with their raw logits. --json: the pairs in input order with the token
// ids and token types the model read (what the reference check feeds to its own forward
// pass):
//   {"model", "query", "results": [{"index", "score", "tokens", "token_types", "truncated"}]}
#include <algorithm>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "engine/bert_model.h"

namespace souverain::cli {

namespace {

struct RerankCliOptions {
    std::string model_path;
    std::string query;
    std::vector<std::string> passages;
    bool json = false;
    int n_threads = 0;
};

int rerank_command(const RerankCliOptions& options) {
    if (options.passages.empty()) {
        return report_error(
            make_error(ErrorCode::INVALID_ARGUMENT, "rerank needs at least one --passage"));
    }
    Result<std::unique_ptr<BertModel>> model = BertModel::load(options.model_path);
    if (!model) {
        return report_error(
            make_error(model.error().code, options.model_path + ": " + model.error().message));
    }
    ThreadPool pool(options.n_threads);
    std::vector<RerankInput> inputs;
    Result<std::vector<float>> scores =
        (*model)->score(options.query, options.passages, pool, &inputs);
    if (!scores) {
        return report_error(
            make_error(scores.error().code, options.model_path + ": " + scores.error().message));
    }
    if (options.json) {
        nlohmann::json out = {{"model", std::string((*model)->name())},
                              {"query", options.query},
                              {"results", nlohmann::json::array()}};
        for (size_t idx = 0; idx < scores->size(); ++idx) {
            out["results"].push_back({{"index", idx},
                                      {"score", (*scores)[idx]},
                                      {"tokens", inputs[idx].tokens},
                                      {"token_types", inputs[idx].token_types},
                                      {"truncated", inputs[idx].truncated}});
        }
        std::printf("%s\n",
                    out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
        return 0;
    }
    std::vector<size_t> order(scores->size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return (*scores)[a] > (*scores)[b]; });
    for (size_t rank = 0; rank < order.size(); ++rank) {
        const size_t idx = order[rank];
        std::printf("%2zu. %9.5f  [%zu]%s %s\n", rank + 1, (*scores)[idx], idx,
                    inputs[idx].truncated ? " (truncated)" : "", options.passages[idx].c_str());
    }
    return 0;
}

}  // namespace

void register_rerank(CLI::App& app) {
    auto options = std::make_shared<RerankCliOptions>();
    CLI::App* cmd = app.add_subcommand(
        "rerank", "Relevance scores of (query, passage) pairs from a cross-encoder reranker");
    cmd->add_option("--model,-m", options->model_path, "GGUF reranker (bert, pooling_type 4)")
        ->required();
    cmd->add_option("--query,-q", options->query, "Query text")->required();
    cmd->add_option("--passage,-p", options->passages, "Passage to score (repeatable)");
    cmd->add_flag("--json", options->json,
                  "JSON in input order with token ids, token types and scores");
    cmd->add_option("--threads", options->n_threads, "Threads (0: all cores)");
    cmd->callback([options] { set_exit_code(rerank_command(*options)); });
}

}  // namespace souverain::cli
