// `souverain bench-retrieval --kb NAME --queries FILE`: query latency of a knowledge base in
// each search mode, measured inside one process with the lexical and dense indexes opened once
// (posting lists then cached as read), with the index sizes on disk and the peak resident
// memory. bench/retrieval_scale.sh
// drives it on synthetic corpora.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "retrieval/dense_base.h"
#include "retrieval/hybrid_search.h"
#include "retrieval/knowledge_base.h"
#include "storage/tenant_store.h"

namespace souverain::cli {

namespace {

struct BenchRetrievalOptions {
    std::string kb;
    std::string data_dir = "./souverain-data";
    std::string queries_path;
    std::vector<std::string> modes;
    size_t top_k = 10;
    int threads = 2;
    size_t ef_search = retrieval::HnswParams().ef_search;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const size_t index =
        std::min(values.size() - 1, (size_t)(p * (double)(values.size() - 1) + 0.5));
    return values[index];
}

uint64_t file_bytes(const std::filesystem::path& path) {
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(path, ec);
    return ec ? 0 : size;
}

int run_bench_retrieval(const BenchRetrievalOptions& options) {
    std::ifstream in(options.queries_path);
    if (!in) {
        return report_error(make_error(ErrorCode::NOT_FOUND,
                                       options.queries_path + ": cannot open the queries file"));
    }
    std::vector<std::string> queries;
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) queries.push_back(line);
    }
    if (queries.empty()) {
        return report_error(
            make_error(ErrorCode::INVALID_ARGUMENT, options.queries_path + ": no queries"));
    }
    std::vector<retrieval::SearchMode> modes;
    for (const std::string& name : options.modes) {
        Result<retrieval::SearchMode> mode = retrieval::parse_search_mode(name);
        if (!mode) return report_error(mode.error());
        modes.push_back(*mode);
    }
    Result<retrieval::KnowledgeBase> kb =
        retrieval::open_knowledge_base(options.data_dir, storage::kDefaultTenant, options.kb);
    if (!kb) return report_error(kb.error());
    retrieval::DenseOptions dense_options;
    dense_options.threads = options.threads;
    dense_options.hnsw.ef_search = options.ef_search;
    auto started = std::chrono::steady_clock::now();
    Result<std::optional<retrieval::DenseBase>> dense =
        retrieval::DenseBase::open(options.data_dir, kb->info.id, dense_options);
    if (!dense) return report_error(dense.error());
    retrieval::DenseBase* dense_base = dense->has_value() ? &**dense : nullptr;
    if (modes.empty()) {
        modes.push_back(retrieval::SearchMode::LEXICAL);
        if (dense_base != nullptr) {
            modes.push_back(retrieval::SearchMode::DENSE);
            modes.push_back(retrieval::SearchMode::HYBRID);
        }
    }
    nlohmann::json out = {
        {"knowledge_base", options.kb}, {"queries", queries.size()}, {"top_k", options.top_k}};
    if (dense_base != nullptr) {
        retrieval::VectorIndexReport report;
        if (Status opened = dense_base->update_index(&report); !opened) {
            return report_error(opened.error());
        }
        out["dense_index_open_s"] = seconds_since(started);
        out["dense_index_loaded"] = report.loaded;
        out["embedding_model"] = dense_base->model().name;
        out["ef_search"] = options.ef_search;
    }
    // The lexical index kept open like the dense one (a server would cache both).
    std::unique_ptr<retrieval::LexicalIndex> lexical;
    Result<std::unique_ptr<retrieval::LexicalIndex>> lexical_index =
        retrieval::LexicalIndex::open(*kb->store, kb->info.id);
    if (lexical_index) lexical = std::move(*lexical_index);
    retrieval::SearchOptions search_options;
    search_options.top_k = options.top_k;
    const retrieval::LexicalConfig config = retrieval::default_lexical_config();
    for (retrieval::SearchMode mode : modes) {
        // One query first, outside the timing: the first lexical query loads the index
        // metadata, which a long-running server does once.
        Result<retrieval::ModeSearchResult> warm =
            retrieval::search_by_mode(*kb->store, kb->info.id, dense_base, queries.front(), config,
                                      search_options, mode, lexical.get());
        if (!warm) return report_error(warm.error());
        std::vector<double> ms;
        ms.reserve(queries.size());
        size_t hits = 0;
        for (const std::string& query : queries) {
            const auto start = std::chrono::steady_clock::now();
            Result<retrieval::ModeSearchResult> result =
                retrieval::search_by_mode(*kb->store, kb->info.id, dense_base, query, config,
                                          search_options, mode, lexical.get());
            if (!result) return report_error(result.error());
            ms.push_back(seconds_since(start) * 1e3);
            hits += result->hits.size();
        }
        double sum = 0;
        for (double value : ms) sum += value;
        out["modes"][retrieval::search_mode_name(mode)] = {
            {"p50_ms", percentile(ms, 0.50)},
            {"p99_ms", percentile(ms, 0.99)},
            {"mean_ms", sum / (double)ms.size()},
            {"hits_per_query", (double)hits / (double)ms.size()}};
    }
    const std::filesystem::path data(options.data_dir);
    out["database_bytes"] =
        file_bytes(data / "souverain.db") + file_bytes(data / "souverain.db-wal");
    if (dense_base != nullptr) {
        out["hnsw_bytes"] = file_bytes(retrieval::vector_index_path(options.data_dir, kb->info.id));
    }
    struct rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    out["peak_rss_mb"] = (double)usage.ru_maxrss / 1024.0;
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
}

}  // namespace

void register_bench_retrieval(CLI::App& app) {
    auto options = std::make_shared<BenchRetrievalOptions>();
    CLI::App* cmd = app.add_subcommand(
        "bench-retrieval", "Query latency of a knowledge base per search mode (p50/p99, memory)");
    cmd->add_option("--kb", options->kb, "Knowledge base")->required();
    cmd->add_option("--queries", options->queries_path, "Queries, one per line")->required();
    cmd->add_option("--mode", options->modes,
                    "lexical, dense, hybrid (repeatable; default: all the base supports)");
    cmd->add_option("--top-k,-k", options->top_k, "Number of chunks (default 10)");
    cmd->add_option("--threads", options->threads, "Threads of the embedding model");
    cmd->add_option("--ef-search", options->ef_search,
                    "HNSW candidate list of a search (default 128)");
    cmd->add_option("--data", options->data_dir, "Data directory (default ./souverain-data)");
    cmd->callback([options]() { set_exit_code(run_bench_retrieval(*options)); });
}

}  // namespace souverain::cli
