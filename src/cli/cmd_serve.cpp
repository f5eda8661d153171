// souverain serve --model NAME=PATH.gguf [...]: the OpenAI-compatible HTTP server.
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "cli/commands.h"
#include "engine/bert_model.h"
#include "governance/api_keys.h"
#include "governance/audit_log.h"
#include "governance/model_card.h"
#include "governance/pii_vault.h"
#include "governance/sha256.h"
#include "retrieval/reranker.h"
#include "server/http_server.h"
#include "server/server_governance.h"

namespace souverain::cli {

namespace {

struct ServeOptions {
    std::vector<std::string> models;  // NAME=PATH or PATH
    std::string host = "127.0.0.1";
    int port = 8080;
    int32_t parallel = 4;
    int64_t n_ctx = 4096;
    int32_t n_threads = 0;
    int32_t n_batch = 512;
    int32_t n_prefill_chunk = 64;
    int32_t max_queue = 64;
    bool no_prompt_reuse = false;
    std::string cache_type = "f16";
    std::vector<std::string> api_keys;
    std::string api_keys_file;
    size_t max_body_bytes = 4 * 1024 * 1024;
    std::string data_dir = "souverain-data";
    double shutdown_grace = 10.0;
    bool audit_keep_texts = false;
    bool disclosure_notice = false;
    std::string reranker;  // a cross-encoder GGUF for knowledge-base searches
};

// "NAME=PATH" or "PATH" (the name is then the file name without .gguf).
std::pair<std::string, std::string> split_model_arg(const std::string& arg) {
    const size_t eq = arg.find('=');
    if (eq != std::string::npos && eq > 0) return {arg.substr(0, eq), arg.substr(eq + 1)};
    return {std::filesystem::path(arg).stem().string(), arg};
}

// The server log's line when a served file's SHA-256 is known (for its model card).
void log_model_hash(const std::string& name, const governance::FileHash& hash) {
    std::fprintf(stderr, "souverain: %s: SHA-256 %s (%.0f MiB in %.1f s, %.0f MiB/s)\n",
                 name.c_str(), hash.sha256.c_str(), (double)hash.bytes / (1024.0 * 1024.0),
                 hash.seconds, hash.mib_per_second());
}

Result<std::vector<std::string>> read_keys_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return make_error(ErrorCode::IO, "cannot read the API keys file " + path);
    std::vector<std::string> keys;
    std::string line;
    while (std::getline(in, line)) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (line.empty() || line[0] == '#') continue;
        keys.push_back(line);
    }
    return keys;
}

int serve_command(const ServeOptions& options) {
    // SIGINT and SIGTERM are taken by one thread with sigwait (below), so they are blocked
    // before any other thread starts; SIGPIPE from a vanished client must not kill us.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    signal(SIGPIPE, SIG_IGN);

    Result<KvCacheType> cache_type = parse_kv_cache_type(options.cache_type);
    if (!cache_type) return report_error(cache_type.error());
    server::ServerOptions server_options;
    server_options.host = options.host;
    server_options.port = options.port;
    server_options.api_keys = options.api_keys;
    server_options.max_body_bytes = options.max_body_bytes;
    server_options.shutdown_grace_seconds = options.shutdown_grace;
    if (!options.api_keys_file.empty()) {
        auto keys = read_keys_file(options.api_keys_file);
        if (!keys) return report_error(keys.error());
        server_options.api_keys.insert(server_options.api_keys.end(), keys->begin(), keys->end());
    }
    // The knowledge bases of the data directory (created when absent) are served beside the
    // models; opening it first means a bad --data fails before minutes of model loading.
    // The data directory's pseudonym key and reversal table: ingestion into bases whose
    // policy pseudonymizes and the audit log's kept texts share them.
    auto pii_vault = governance::PiiVault::open(options.data_dir);
    if (!pii_vault) return report_error(pii_vault.error());
    retrieval::IngestOptions ingest_options;
    ingest_options.pii_vault = *pii_vault;
    auto knowledge_bases = retrieval::KnowledgeBaseService::open(options.data_dir, ingest_options);
    if (!knowledge_bases) return report_error(knowledge_bases.error());
    // The audit log and the signing key of the same directory; open() refuses a log that was
    // altered, so the server never extends one (souverain audit verify names the record).
    auto signing_key = governance::SigningKey::load_or_create(options.data_dir);
    if (!signing_key) return report_error(signing_key.error());
    auto audit_log = governance::AuditLog::open(options.data_dir);
    if (!audit_log) return report_error(audit_log.error());
    // Tenants and their API keys; without any key the server runs open, as tenant "default".
    auto api_keys = governance::ApiKeys::open(options.data_dir);
    if (!api_keys) return report_error(api_keys.error());
    auto governance = std::make_unique<server::ServerGovernance>(
        server::ServerGovernance{nullptr,
                                 *signing_key,
                                 {},
                                 std::nullopt,
                                 options.audit_keep_texts,
                                 options.disclosure_notice,
                                 nullptr,
                                 nullptr});
    // Loaded even when the server's flag is off: a tenant's policy may keep texts.
    governance->pseudonym_key = (*pii_vault)->master_key();
    governance->pii_vault = *pii_vault;
    governance->tenant_policy = [keys = api_keys->get()](const std::string& tenant) {
        Result<std::optional<storage::TenantRow>> row = keys->find_tenant(tenant);
        // Unreadable or unknown (the implicit "default"): the server's flags.
        if (!row || !row->has_value()) return storage::TenantPolicy{};
        return (*row)->policy;
    };
    governance->audit = std::make_unique<server::AuditWriter>(std::move(*audit_log));

    // The register (and the model cards' admin fields) lives in the data directory; opened
    // first so that a bad --data fails before the models load.
    auto register_endpoints = server::RegisterEndpoints::open(options.data_dir);
    if (!register_endpoints) return report_error(register_endpoints.error());

    if (!options.reranker.empty()) {
        std::fprintf(stderr, "souverain: loading the reranker %s\n", options.reranker.c_str());
        auto reranker = retrieval::open_reranker(options.reranker, options.n_threads);
        if (!reranker) return report_error(reranker.error());
        (*knowledge_bases)->set_reranker(std::move(*reranker));
    }

    server::Metrics metrics;
    std::vector<server::ServedModel> models;
    std::vector<governance::ServedModelFile> served_files;  // for the model cards
    std::vector<std::unique_ptr<server::EmbeddingRunner>> encoders;
    std::vector<std::string> model_names;
    for (const std::string& arg : options.models) {
        auto [name, path] = split_model_arg(arg);
        if (std::find(model_names.begin(), model_names.end(), name) != model_names.end()) {
            return report_error(
                {ErrorCode::INVALID_ARGUMENT, "two models are named '" + name + "'"});
        }
        model_names.push_back(name);
        std::fprintf(stderr, "souverain: loading %s from %s\n", name.c_str(), path.c_str());
        auto gguf = GgufFile::open(path);
        if (!gguf) return report_error(gguf.error());
        // Encoders (arch bert) get their own loop and serve /v1/embeddings only.
        std::unique_ptr<BertModel> encoder;
        std::unique_ptr<LlamaModel> model;
        if ((*gguf)->get_string("general.architecture") ==
            std::optional<std::string_view>("bert")) {
            auto loaded = BertModel::from_gguf(std::move(*gguf));
            if (!loaded) {
                return report_error(
                    make_error(loaded.error().code, path + ": " + loaded.error().message));
            }
            encoder = std::move(*loaded);
            if (encoder->is_reranker()) {
                return report_error(make_error(
                    ErrorCode::INVALID_ARGUMENT,
                    path + " is a reranker (cross-encoder); give it with --reranker, not --model"));
            }
        } else {
            auto loaded = LlamaModel::from_gguf(std::move(*gguf));
            if (!loaded) return report_error(loaded.error());
            model = std::move(*loaded);
        }
        const GgufFile& file = encoder ? encoder->gguf() : model->gguf();
        // The weights' SHA-256 goes into every record and receipt. It is computed here, before
        // listening: a request never waits for it, and /health answers only once it is known
        // (a 4 GB file takes a few seconds; the time is printed).
        const auto hash_start = std::chrono::steady_clock::now();
        auto weights_sha256 = governance::sha256_file(path);
        if (!weights_sha256) return report_error(weights_sha256.error());
        governance->model_sha256[name] = governance::to_hex(*weights_sha256);
        std::fprintf(
            stderr, "souverain: %s weights SHA-256 %s (%.2f s)\n", name.c_str(),
            governance->model_sha256[name].c_str(),
            std::chrono::duration<double>(std::chrono::steady_clock::now() - hash_start).count());
        served_files.push_back({name, path, governance::read_model_facts(file, path)});
        served_files.back().facts.sha256 = governance->model_sha256[name];  // read once only
        if (encoder) {
            // Bases created over HTTP may use this encoder, by name (kb_routes.h).
            (*knowledge_bases)->allow_embedding_model(name, path);
            server::EmbeddingRunnerOptions encoder_options;
            encoder_options.n_threads = options.n_threads;
            encoder_options.max_queue = std::max<int32_t>(options.max_queue, 1);
            encoders.push_back(std::make_unique<server::EmbeddingRunner>(name, std::move(encoder),
                                                                         encoder_options));
            continue;
        }
        server::ServedModel served;
        auto chat_template = model->gguf().get_string("tokenizer.chat_template");
        if (chat_template) {
            auto parsed = server::ChatTemplate::parse(*chat_template);
            if (parsed) {
                served.chat_template = std::move(*parsed);
                served.template_from_model = true;
            } else {
                std::fprintf(stderr,
                             "souverain: warning: the chat template of %s cannot be used (%s); "
                             "using the fallback template\n",
                             name.c_str(), parsed.error().message.c_str());
            }
        }
        if (!served.template_from_model) served.chat_template = server::ChatTemplate::fallback();
        server::RunnerOptions runner_options;
        runner_options.n_slots = options.parallel;
        runner_options.n_ctx = std::min<int64_t>(options.n_ctx, model->hparams().n_ctx_train);
        runner_options.cache_type = *cache_type;
        runner_options.n_threads = options.n_threads;
        runner_options.n_batch = std::max(options.n_batch, options.parallel);
        runner_options.n_prefill_chunk = options.n_prefill_chunk;
        runner_options.max_queue = options.max_queue;
        runner_options.reuse_prompt_prefix = !options.no_prompt_reuse;
        auto runner = server::ModelRunner::create(name, std::move(model), runner_options, metrics);
        if (!runner) return report_error(runner.error());
        served.runner = std::move(*runner);
        models.push_back(std::move(served));
    }

    // The files' SHA-256 (for the model cards) is computed in the background: start-up does
    // not wait for it.
    (*register_endpoints)->serve_model_cards(std::move(served_files), log_model_hash);
    Result<bool> keys_exist = (*api_keys)->keys_exist();
    if (!keys_exist) return report_error(keys_exist.error());
    if (!*keys_exist && server_options.api_keys.empty()) {
        std::fprintf(stderr,
                     "souverain: WARNING: no API key exists in %s: every request is served "
                     "without authentication as tenant 'default'. Create an admin key to "
                     "require keys (see README, \"Tenants and keys\").\n",
                     options.data_dir.c_str());
    }
    server::HttpServer server(server_options, std::move(models), metrics,
                              std::move(*knowledge_bases), std::move(governance),
                              std::move(*register_endpoints), std::move(*api_keys),
                              std::move(encoders));
    Status bound = server.bind();
    if (!bound) return report_error(bound.error());
    std::printf("souverain: listening on http://%s:%d\n", options.host.c_str(), server.port());
    std::fflush(stdout);

    std::atomic<bool> stopped{false};
    std::thread signal_thread([&] {
        const timespec poll = {0, 200 * 1000 * 1000};
        while (!stopped) {
            const int sig = sigtimedwait(&signals, nullptr, &poll);
            if (sig == SIGINT || sig == SIGTERM) {
                std::fprintf(stderr, "souverain: %s received, shutting down\n",
                             sig == SIGINT ? "SIGINT" : "SIGTERM");
                server.shutdown();
                return;
            }
        }
    });
    server.run();
    stopped = true;
    signal_thread.join();
    std::fprintf(stderr, "souverain: stopped\n");
    return 0;
}

}  // namespace

void register_serve(CLI::App& app) {
    auto options = std::make_shared<ServeOptions>();
    CLI::App* cmd = app.add_subcommand("serve", "Serve models over an OpenAI-compatible HTTP API");
    cmd->add_option("--model,-m", options->models,
                    "NAME=PATH.gguf (repeatable); PATH alone names the model after its file")
        ->required();
    cmd->add_option("--reranker", options->reranker,
                    "Cross-encoder GGUF (bert, pooling_type 4) for knowledge-base searches that "
                    "ask \"rerank\": true");
    cmd->add_option("--host", options->host, "Address to listen on")->capture_default_str();
    cmd->add_option("--port", options->port, "Port (0: any free port)")->capture_default_str();
    cmd->add_option("--parallel", options->parallel, "Sequences decoded together (slots) per model")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    cmd->add_option("--ctx", options->n_ctx, "Context length of each slot (capped at the model's)")
        ->check(CLI::Range(16, 1 << 20))
        ->capture_default_str();
    cmd->add_option("--threads", options->n_threads, "Threads per model (0: one per core)")
        ->check(CLI::Range(0, 1024))
        ->capture_default_str();
    cmd->add_option("--batch", options->n_batch, "Tokens per forward pass, prompt chunks included")
        ->check(CLI::Range(1, 1 << 16))
        ->capture_default_str();
    cmd->add_option("--prefill-chunk", options->n_prefill_chunk,
                    "Prompt tokens per step while other requests are generating")
        ->check(CLI::Range(1, 1 << 16))
        ->capture_default_str();
    cmd->add_flag("--no-prompt-reuse", options->no_prompt_reuse,
                  "Compute every prompt from scratch (by default a slot reuses the keys and "
                  "values of the prompt prefix it shares with its previous request)");
    cmd->add_option("--max-queue", options->max_queue,
                    "Sequences that may wait for a slot before 503")
        ->check(CLI::Range(0, 1 << 20))
        ->capture_default_str();
    cmd->add_option("--cache-type", options->cache_type, "KV cache type: f16, f32 or q8_0")
        ->capture_default_str();
    cmd->add_option("--api-key", options->api_keys,
                    "Static API key, admin of tenant 'default' (repeatable); keys made with "
                    "`souverain admin key create` need no flag");
    cmd->add_option("--api-keys-file", options->api_keys_file, "File with one API key per line");
    cmd->add_option("--max-body-bytes", options->max_body_bytes, "Largest request body accepted")
        ->capture_default_str();
    cmd->add_option("--data", options->data_dir,
                    "Data directory (knowledge bases, the audit log, the signing key)")
        ->capture_default_str();
    cmd->add_flag(
        "--audit-keep-texts", options->audit_keep_texts,
        "Keep prompts and answers in the audit log, pseudonymized (default: hashes only)");
    cmd->add_flag("--disclosure-notice", options->disclosure_notice,
                  "Append a visible AI-generated notice, in the user's language, to every answer");
    cmd->add_option("--shutdown-grace", options->shutdown_grace,
                    "Seconds running requests may take to finish on SIGINT/SIGTERM")
        ->capture_default_str();
    cmd->callback([options] { set_exit_code(serve_command(*options)); });
}

}  // namespace souverain::cli
