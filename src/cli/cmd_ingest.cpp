// `souverain ingest --kb NAME PATH...`: files and folders into a knowledge base (text,
// Markdown, HTML, PDF, DOCX, BEIR JSONL); unchanged files are skipped by content hash, broken
// ones reported.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/progress.h"
#include "retrieval/ingest.h"
#include "retrieval/knowledge_base.h"

namespace souverain::cli {

namespace {

struct IngestCliOptions {
    std::string kb;
    std::string tenant = "default";
    std::string data_dir = "./souverain-data";
    std::vector<std::string> paths;
    size_t max_chunk_bytes = 2000;
};

int run_ingest(const IngestCliOptions& options) {
    Result<retrieval::KnowledgeBase> kb =
        retrieval::open_knowledge_base(options.data_dir, options.tenant, options.kb);
    if (!kb) return report_error(kb.error());
    retrieval::IngestOptions ingest_options;
    ingest_options.chunking.max_bytes = options.max_chunk_bytes;
    const auto started = std::chrono::steady_clock::now();
    auto elapsed = [&]() {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    };
    ProgressLine progress("ingest");
    Result<retrieval::IngestReport> report = retrieval::ingest_paths(
        *kb->store, kb->info, options.paths, ingest_options,
        [&](const retrieval::IngestProgress& state) {
            const double seconds = elapsed();
            const double rate = seconds > 0 ? (double)state.bytes_done / seconds : 0;
            const double eta = rate > 0 ? (double)(state.bytes_total - state.bytes_done) / rate : 0;
            char detail[96];
            std::snprintf(detail, sizeof(detail), "files, %.1f MB/s, ETA %.0f s", rate / 1e6, eta);
            progress.update(state.files_done, state.files_total, detail);
        });
    progress.finish();
    if (!report) return report_error(report.error());
    for (const std::string& error : report->errors)
        std::fprintf(stderr, "skipped: %s\n", error.c_str());
    const double seconds = elapsed();
    std::printf(
        "ingested %zu files (%zu documents, %zu chunks, %zu with an article number), %zu "
        "unchanged, %zu failed, %zu removed; "
        "%.1f MB in %.2f s (%.1f MB/s)%s\n",
        report->ingested, report->documents, report->chunks, report->chunks_with_article,
        report->unchanged, report->failed, report->removed, (double)report->bytes / 1e6, seconds,
        seconds > 0 ? (double)report->bytes / 1e6 / seconds : 0.0,
        report->index_rebuilt ? "; index rebuilt" : "");
    return report->failed > 0 && report->ingested == 0 && report->unchanged == 0 ? 1 : 0;
}

}  // namespace

void register_ingest(CLI::App& app) {
    auto options = std::make_shared<IngestCliOptions>();
    CLI::App* cmd = app.add_subcommand(
        "ingest",
        "Add files and folders (.txt, .md, .html, .pdf, .docx, BEIR .jsonl) to a knowledge base");
    cmd->add_option("--kb", options->kb, "Knowledge base")->required();
    cmd->add_option("--tenant", options->tenant,
                    "Tenant owning the knowledge base (default 'default')");
    cmd->add_option("--data", options->data_dir, "Data directory (default ./souverain-data)");
    cmd->add_option("--max-chunk-bytes", options->max_chunk_bytes,
                    "Longest chunk before it is split at sentence boundaries (default 2000)");
    cmd->add_option("paths", options->paths, "Files and folders (recursively)")->required();
    cmd->callback([options]() { set_exit_code(run_ingest(*options)); });
}

}  // namespace souverain::cli
