// `souverain search --kb NAME --query TEXT`: the best chunks of a knowledge base (lexical BM25;
// dense and hybrid modes need an embedding model, which this step does not configure).
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/search_options.h"
#include "retrieval/knowledge_base.h"
#include "retrieval/lexical_search.h"

namespace souverain::cli {

namespace {

struct SearchCliOptions {
    std::string kb;
    std::string data_dir = "./souverain-data";
    std::string query;
    std::string mode = "lexical";
    size_t top_k = 10;
    bool json = false;
    std::vector<std::string> filters;
    retrieval::LexicalConfig config = retrieval::default_lexical_config();
};

int run_search(const SearchCliOptions& options) {
    if (options.mode == "dense" || options.mode == "hybrid") {
        return report_error(make_error(ErrorCode::UNSUPPORTED,
                                       "search mode '" + options.mode +
                                           "' needs an embedding model and none is configured; "
                                           "search is lexical (use --mode lexical)"));
    }
    if (options.mode != "lexical") {
        return report_error(make_error(
            ErrorCode::INVALID_ARGUMENT,
            "unknown search mode '" + options.mode + "' (lexical; dense and hybrid come later)"));
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
        retrieval::open_knowledge_base(options.data_dir, options.kb);
    if (!kb) return report_error(kb.error());
    Result<std::unique_ptr<retrieval::LexicalIndex>> index =
        retrieval::LexicalIndex::open(*kb->store, kb->info.id);
    if (!index) return report_error(index.error());
    Result<std::vector<retrieval::ScoredChunk>> hits =
        retrieval::lexical_search(**index, options.query, options.config, search_options);
    if (!hits) return report_error(hits.error());
    std::vector<int64_t> ids;
    for (const retrieval::ScoredChunk& hit : *hits) ids.push_back(hit.chunk_id);
    Result<std::vector<storage::ChunkRecord>> chunks = kb->store->load_chunks(kb->info.id, ids);
    if (!chunks) return report_error(chunks.error());
    if (options.json) {
        nlohmann::json out = {{"hits", nlohmann::json::array()}};
        for (size_t i = 0; i < chunks->size() && i < hits->size(); ++i) {
            const storage::ChunkRecord& chunk = (*chunks)[i];
            nlohmann::json metadata = nlohmann::json::parse(chunk.metadata_json, nullptr, false);
            if (metadata.is_discarded()) metadata = nlohmann::json::object();
            out["hits"].push_back({{"document_id", chunk.document_id},
                                   {"chunk_id", chunk.chunk_id},
                                   {"score", (*hits)[i].score},
                                   {"title", chunk.title},
                                   {"metadata", metadata},
                                   {"start", chunk.start},
                                   {"end", chunk.end},
                                   {"text", chunk.text}});
        }
        std::printf("%s\n",
                    out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
        return 0;
    }
    for (size_t i = 0; i < chunks->size() && i < hits->size(); ++i) {
        const storage::ChunkRecord& chunk = (*chunks)[i];
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
    cmd->add_option("--query,-q", options->query, "Query text")->required();
    cmd->add_option("--top-k,-k", options->top_k, "Number of chunks (default 10)");
    cmd->add_option("--mode", options->mode, "lexical (dense and hybrid need an embedding model)");
    cmd->add_flag("--json", options->json, "JSON output {\"hits\": [...]}");
    cmd->add_option("--data", options->data_dir, "Data directory (default ./souverain-data)");
    cmd->add_option("--filter", options->filters,
                    "Metadata filter KEY=VALUE (lang, article); repeatable, all must match");
    add_lexical_tuning_options(cmd, options->config);
    cmd->callback([options]() { set_exit_code(run_search(*options)); });
}

}  // namespace souverain::cli
