// `souverain ingest --kb NAME PATH...`: files and folders into a knowledge base (text,
// Markdown, HTML, PDF, DOCX, BEIR JSONL); unchanged files are skipped by content hash, broken
// ones reported. In a knowledge base with an embedding model, the chunks that have no vector
// yet are then embedded and the dense (HNSW) index is brought up to date.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/progress.h"
#include "governance/pii_vault.h"
#include "retrieval/dense_base.h"
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
    int threads = 2;
};

// Embeds what has no vector yet and updates the HNSW index; prints one line. Returns the
// exit code (0 when the base has no embedding model).
int embed_and_index(const IngestCliOptions& options, int64_t kb_id) {
    retrieval::DenseOptions dense_options;
    dense_options.threads = options.threads;
    Result<std::optional<retrieval::DenseBase>> dense =
        retrieval::DenseBase::open(options.data_dir, kb_id, dense_options);
    if (!dense) return report_error(dense.error());
    if (!dense->has_value()) return 0;
    retrieval::DenseBase& base = **dense;
    const auto started = std::chrono::steady_clock::now();
    auto elapsed = [&]() {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    };
    Result<int64_t> pending = base.vectors().count_chunks_without_vectors(kb_id);
    if (!pending) return report_error(pending.error());
    ProgressLine progress("embed");
    Result<size_t> embedded = base.embed_pending([&](size_t done) {
        progress.update(done, (size_t)*pending, "chunks with " + base.model().name);
    });
    progress.finish();
    if (!embedded) return report_error(embedded.error());
    const double embed_seconds = elapsed();
    retrieval::VectorIndexReport report;
    if (Status index = base.update_index(&report); !index) return report_error(index.error());
    std::string how = report.loaded ? "updated (+" + std::to_string(report.added) + ", -" +
                                          std::to_string(report.removed) + ")"
                                    : "built (" + report.rebuild_why + ")";
    if (report.loaded && !report.rebuild_why.empty()) how = "rebuilt (" + report.rebuild_why + ")";
    std::printf("embedded %zu chunks with %s in %.2f s; dense index %s in %.2f s\n", *embedded,
                base.model().name.c_str(), embed_seconds, how.c_str(), elapsed() - embed_seconds);
    return 0;
}

int run_ingest(const IngestCliOptions& options) {
    Result<retrieval::KnowledgeBase> kb =
        retrieval::open_knowledge_base(options.data_dir, options.tenant, options.kb);
    if (!kb) return report_error(kb.error());
    retrieval::IngestOptions ingest_options;
    ingest_options.chunking.max_bytes = options.max_chunk_bytes;
    if (kb->info.pii == storage::PiiPolicy::PSEUDONYMIZE) {
        // The data directory's key and reversal table, shared with the server.
        Result<std::shared_ptr<governance::PiiVault>> vault =
            governance::PiiVault::open(options.data_dir);
        if (!vault) return report_error(vault.error());
        ingest_options.pii_vault = std::move(*vault);
    }
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
    if (report->failed > 0 && report->ingested == 0 && report->unchanged == 0) return 1;
    return embed_and_index(options, kb->info.id);
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
    cmd->add_option("--threads", options->threads,
                    "Threads of the embedding model and the dense index build (default 2)");
    cmd->add_option("paths", options->paths, "Files and folders (recursively)")->required();
    cmd->callback([options]() { set_exit_code(run_ingest(*options)); });
}

}  // namespace souverain::cli
