// `souverain search --kb NAME --query TEXT [--mode lexical|dense|hybrid] [--rerank F.gguf]`: the
// best chunks of a knowledge base; the mode rules are retrieval/hybrid_search.h's (default
// hybrid when the base has an embedding model, else lexical), the rerank stage
// retrieval/reranker.h's.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/search_options.h"
#include "retrieval/dense_base.h"
#include "retrieval/hybrid_search.h"
#include "retrieval/knowledge_base.h"
#include "retrieval/reranker.h"
#include "retrieval/search_hit.h"

namespace souverain::cli {

namespace {

struct SearchCliOptions {
    std::string kb;
    std::string tenant = "default";
    std::string data_dir = "./souverain-data";
    std::string query;
    std::string mode;  // empty: the default of hybrid_search.h
    std::string rerank;
    size_t rerank_depth = retrieval::kDefaultRerankDepth;
    int threads = 2;
    size_t top_k = 10;
    bool json = false;
    std::vector<std::string> filters;
    retrieval::LexicalConfig config = retrieval::default_lexical_config();
};

int run_search(const SearchCliOptions& options) {
    std::optional<retrieval::SearchMode> mode;
    if (!options.mode.empty()) {
        Result<retrieval::SearchMode> parsed = retrieval::parse_search_mode(options.mode);
        if (!parsed) return report_error(parsed.error());
        mode = *parsed;
    }
    retrieval::SearchOptions search_options;
    search_options.top_k = options.top_k;
    for (const std::string& filter : options.filters) {
        const size_t eq = filter.find('=');
        if (eq == std::string::npos || eq == 0) {
            return report_error(make_error(ErrorCode::INVALID_ARGUMENT,
                                           "--filter takes KEY=VALUE, got '" + filter + "'"));
        }
        search_options.filter_terms.push_back(
            retrieval::filter_term(filter.substr(0, eq), filter.substr(eq + 1)));
    }
    Result<retrieval::KnowledgeBase> kb =
        retrieval::open_knowledge_base(options.data_dir, options.tenant, options.kb);
    if (!kb) return report_error(kb.error());
    retrieval::DenseOptions dense_options;
    dense_options.threads = options.threads;
    Result<std::optional<retrieval::DenseBase>> dense =
        retrieval::DenseBase::open(options.data_dir, kb->info.id, dense_options);
    if (!dense) return report_error(dense.error());
    std::unique_ptr<retrieval::Reranker> reranker;
    if (!options.rerank.empty()) {
        Result<std::unique_ptr<retrieval::Reranker>> opened =
            retrieval::open_reranker(options.rerank, options.threads);
        if (!opened) return report_error(opened.error());
        reranker = std::move(*opened);
    }
    Result<retrieval::ModeSearchResult> result = retrieval::search_reranked(
        *kb->store, kb->info.id, dense->has_value() ? &**dense : nullptr, options.query,
        options.config, search_options, mode, {reranker.get(), options.rerank_depth});
    if (!result) return report_error(result.error());
    const std::vector<retrieval::SearchHit>* hits = &result->hits;
    if (options.json) {
        nlohmann::json out = {{"mode", retrieval::search_mode_name(result->mode)},
                              {"hits", nlohmann::json::array()}};
        if (!result->note.empty()) out["note"] = result->note;
        if (result->rerank) out["rerank"] = retrieval::rerank_info_json(*result->rerank);
        for (const retrieval::SearchHit& hit : *hits)
            out["hits"].push_back(retrieval::search_hit_json(hit));
        std::printf("%s\n",
                    out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
        return 0;
    }
    if (!result->note.empty()) std::fprintf(stderr, "note: %s\n", result->note.c_str());
    if (result->rerank) {
        std::fprintf(stderr, "note: %s search, %zu candidates reranked by %s\n",
                     retrieval::search_mode_name(result->mode), result->rerank->candidates,
                     result->rerank->model.c_str());
    }
    for (size_t i = 0; i < hits->size(); ++i) {
        const storage::ChunkRecord& chunk = (*hits)[i].chunk;
        std::string snippet = chunk.text.substr(0, 240);
        while (!snippet.empty() && ((unsigned char)snippet.back() & 0xC0) == 0x80)
            snippet.pop_back();
        if (!snippet.empty() && (unsigned char)snippet.back() >= 0xC0) snippet.pop_back();
        for (char& ch : snippet) ch = ch == '\n' ? ' ' : ch;
        std::printf("%2zu. %.3f  %s  [%s]  %s\n    %s\n", i + 1, (*hits)[i].score,
                    chunk.document_id.c_str(), chunk.title.c_str(), chunk.metadata_json.c_str(),
                    snippet.c_str());
    }
    return 0;
}

}  // namespace

void register_search(CLI::App& app) {
    auto options = std::make_shared<SearchCliOptions>();
    CLI::App* cmd = app.add_subcommand("search", "Search a knowledge base");
    cmd->add_option("--kb", options->kb, "Knowledge base")->required();
    cmd->add_option("--tenant", options->tenant,
                    "Tenant owning the knowledge base (default 'default')");
    cmd->add_option("--query,-q", options->query, "Query text")->required();
    cmd->add_option("--top-k,-k", options->top_k, "Number of chunks (default 10)");
    cmd->add_option("--mode", options->mode,
                    "lexical, dense or hybrid (default: hybrid when the knowledge base has an "
                    "embedding model and no --filter is given, else lexical)");
    cmd->add_option("--rerank", options->rerank,
                    "Cross-encoder reranker GGUF (bert, pooling_type 4): reorders the first "
                    "candidates; scores become its logits");
    cmd->add_option("--rerank-depth", options->rerank_depth,
                    "Candidates the reranker reads (default 50; at least --top-k)");
    cmd->add_option("--threads", options->threads, "Threads of the embedding model");
    cmd->add_flag("--json", options->json,
                  "JSON output {\"mode\": ..., [\"rerank\": {...},] \"hits\": [...]}");
    cmd->add_option("--data", options->data_dir, "Data directory (default ./souverain-data)");
    cmd->add_option("--filter", options->filters,
                    "Metadata filter KEY=VALUE (lang, article); repeatable, all must match");
    add_lexical_tuning_options(cmd, options->config);
    cmd->callback([options]() { set_exit_code(run_search(*options)); });
}

}  // namespace souverain::cli
