// souverain logits --model F.gguf --tokens "1 2 3": raw logits as JSON, for checking the
// engine against an independent reference.
#include <cstdio>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "engine/llama_model.h"

namespace souverain::cli {

namespace {

struct LogitsOptions {
    std::string model_path;
    std::string tokens;
    bool one_by_one = false;
    int n_threads = 0;
    std::string cache_type = "f32";
};

Result<std::vector<int32_t>> parse_token_list(const std::string& text) {
    std::vector<int32_t> tokens;
    std::istringstream in(text);
    std::string word;
    while (in >> word) {
        char* end = nullptr;
        const long long value = std::strtoll(word.c_str(), &end, 10);
        if (*end != '\0' || value < 0 || value > INT32_MAX) {
            return make_error(ErrorCode::INVALID_ARGUMENT,
                              "--tokens: '" + word + "' is not a token id");
        }
        tokens.push_back((int32_t)value);
    }
    if (tokens.empty()) return make_error(ErrorCode::INVALID_ARGUMENT, "--tokens: no token ids");
    return tokens;
}

void print_rows(const std::vector<std::vector<float>>& rows) {
    std::string out = "{\"logits\": [";
    char buf[32];
    for (size_t row_idx = 0; row_idx < rows.size(); ++row_idx) {
        out += row_idx ? ",\n[" : "\n[";
        for (size_t idx = 0; idx < rows[row_idx].size(); ++idx) {
            std::snprintf(buf, sizeof buf, idx ? ",%.9g" : "%.9g", rows[row_idx][idx]);
            out += buf;
        }
        out += "]";
    }
    out += "]}\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
}

int logits_command(const LogitsOptions& options) {
    Result<std::vector<int32_t>> tokens = parse_token_list(options.tokens);
    if (!tokens) return report_error(tokens.error());
    Result<KvCacheType> cache_type = parse_kv_cache_type(options.cache_type);
    if (!cache_type) return report_error(cache_type.error());
    Result<std::unique_ptr<LlamaModel>> model = LlamaModel::load(options.model_path);
    if (!model) return report_error(model.error());
    const int64_t n_vocab = (*model)->hparams().n_vocab;
    Result<std::unique_ptr<KvCache>> cache =
        (*model)->make_cache((int64_t)tokens->size(), *cache_type);
    if (!cache) return report_error(cache.error());
    ThreadPool pool(options.n_threads);
    std::vector<std::vector<float>> rows;
    std::vector<float> logits;
    if (options.one_by_one) {
        for (int32_t token : *tokens) {
            const int32_t one[1] = {token};
            Status status = (*model)->forward(one, **cache, pool, /*all_logits=*/false, logits);
            if (!status) return report_error(status.error());
            rows.emplace_back(logits.begin(), logits.end());
        }
    } else {
        Status status = (*model)->forward(*tokens, **cache, pool, /*all_logits=*/true, logits);
        if (!status) return report_error(status.error());
        for (size_t row_idx = 0; row_idx < tokens->size(); ++row_idx) {
            rows.emplace_back(logits.begin() + (ptrdiff_t)(row_idx * n_vocab),
                              logits.begin() + (ptrdiff_t)((row_idx + 1) * n_vocab));
        }
    }
    print_rows(rows);
    return 0;
}

}  // namespace

void register_logits(CLI::App& app) {
    auto options = std::make_shared<LogitsOptions>();
    CLI::App* cmd = app.add_subcommand("logits", "Print the logits of a token sequence as JSON");
    cmd->add_option("-m,--model", options->model_path, "GGUF model")->required();
    cmd->add_option("--tokens", options->tokens, "Token ids separated by spaces")->required();
    cmd->add_flag("--one-by-one", options->one_by_one,
                  "Feed tokens one at a time through the KV cache (one row per step)");
    cmd->add_option("-t,--threads", options->n_threads, "Threads (0: all cores)");
    cmd->add_option("--cache-type", options->cache_type, "KV cache type: f32, f16 or q8_0")
        ->capture_default_str();
    cmd->callback([options] { set_exit_code(logits_command(*options)); });
}

}  // namespace souverain::cli
