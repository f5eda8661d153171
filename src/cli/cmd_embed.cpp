// souverain embed --model F.gguf --text T...: sentence embeddings from an encoder model (arch
// bert), one unit vector per text. --json adds each input's token ids (what the reference
// check feeds to its own forward pass); --bench times the embedding of all the texts.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "engine/bert_model.h"

namespace souverain::cli {

namespace {

struct EmbedOptions {
    std::string model_path;
    std::vector<std::string> texts;
    std::string lines_path;
    bool json = false;
    bool bench = false;
    int batch = 32;
    int n_threads = 0;
};

Result<std::vector<std::string>> read_lines(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(ErrorCode::IO, "cannot open '" + path + "'");
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty()) lines.push_back(std::move(line));
    }
    if (in.bad()) return make_error(ErrorCode::IO, "cannot read '" + path + "'");
    return lines;
}

// JSON string literal of arbitrary bytes (control characters escaped; bytes >= 0x80 copied).
std::string json_string(const std::string& text) {
    std::string out = "\"";
    char buf[8];
    for (unsigned char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += (char)c;
        } else if (c < 0x20) {
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += (char)c;
        }
    }
    return out + "\"";
}

std::string format_vector(const std::vector<float>& values, const char* separator) {
    std::string out;
    char buf[32];
    for (size_t idx = 0; idx < values.size(); ++idx) {
        if (idx) out += separator;
        std::snprintf(buf, sizeof buf, "%.9g", values[idx]);
        out += buf;
    }
    return out;
}

int embed_command(const EmbedOptions& options) {
    std::vector<std::string> texts = options.texts;
    if (!options.lines_path.empty()) {
        Result<std::vector<std::string>> lines = read_lines(options.lines_path);
        if (!lines) return report_error(lines.error());
        texts.insert(texts.end(), lines->begin(), lines->end());
    }
    if (texts.empty()) {
        return report_error(make_error(ErrorCode::INVALID_ARGUMENT,
                                       "embed needs at least one --text or a --lines file"));
    }
    if (options.batch < 1) {
        return report_error(make_error(ErrorCode::INVALID_ARGUMENT, "--batch must be >= 1"));
    }
    Result<std::unique_ptr<BertModel>> model = BertModel::load(options.model_path);
    if (!model) {
        return report_error(
            make_error(model.error().code, options.model_path + ": " + model.error().message));
    }
    ThreadPool pool(options.n_threads);

    std::vector<std::vector<float>> embeddings;
    std::vector<EmbedInputInfo> infos;
    const auto start = std::chrono::steady_clock::now();
    for (size_t begin = 0; begin < texts.size(); begin += (size_t)options.batch) {
        const size_t count = std::min(texts.size() - begin, (size_t)options.batch);
        std::vector<EmbedInputInfo> batch_info;
        Result<std::vector<std::vector<float>>> batch = (*model)->embed(
            std::span<const std::string>(texts.data() + begin, count), pool, &batch_info);
        if (!batch) return report_error(batch.error());
        for (auto& embedding : *batch) embeddings.push_back(std::move(embedding));
        infos.insert(infos.end(), batch_info.begin(), batch_info.end());
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    size_t n_truncated = 0;
    for (const EmbedInputInfo& info : infos) n_truncated += info.truncated ? 1 : 0;
    if (n_truncated > 0) {
        std::fprintf(stderr, "note: %zu text(s) truncated to %lld tokens\n", n_truncated,
                     (long long)(*model)->max_tokens());
    }
    if (options.bench) {
        size_t n_bytes = 0;
        int64_t n_tokens = 0;
        for (const std::string& text : texts) n_bytes += text.size();
        for (const EmbedInputInfo& info : infos) n_tokens += info.n_tokens;
        std::printf(
            "%zu texts, %zu bytes, %lld tokens in %.3f s with %d threads (batch %d): "
            "%.1f texts/s, %.3f MB/s, %.0f tokens/s\n",
            texts.size(), n_bytes, (long long)n_tokens, seconds, pool.n_threads(), options.batch,
            (double)texts.size() / seconds, (double)n_bytes / 1e6 / seconds,
            (double)n_tokens / seconds);
        return 0;
    }
    std::string out;
    if (options.json) {
        out = "{\"model\": " + json_string(std::string((*model)->name())) +
              ", \"dimension\": " + std::to_string((*model)->dimension()) + ", \"data\": [";
        for (size_t idx = 0; idx < embeddings.size(); ++idx) {
            std::vector<int32_t> tokens = (*model)->tokenize(texts[idx]);
            std::string token_list;
            for (size_t tok_idx = 0; tok_idx < tokens.size(); ++tok_idx) {
                if (tok_idx) token_list += ",";
                token_list += std::to_string(tokens[tok_idx]);
            }
            out += std::string(idx ? ",\n" : "\n") + "{\"index\": " + std::to_string(idx) +
                   ", \"text\": " + json_string(texts[idx]) + ", \"tokens\": [" + token_list +
                   "], \"truncated\": " + (infos[idx].truncated ? "true" : "false") +
                   ", \"embedding\": [" + format_vector(embeddings[idx], ",") + "]}";
        }
        out += "]}\n";
    } else {
        for (const std::vector<float>& embedding : embeddings)
            out += format_vector(embedding, " ") + "\n";
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}

}  // namespace

void register_embed(CLI::App& app) {
    auto options = std::make_shared<EmbedOptions>();
    CLI::App* cmd =
        app.add_subcommand("embed", "Sentence embeddings from an encoder model (arch bert)");
    cmd->add_option("--model,-m", options->model_path, "GGUF encoder model")->required();
    cmd->add_option("--text,-t", options->texts, "Text to embed (repeatable)");
    cmd->add_option("--lines", options->lines_path, "File with one text per non-empty line");
    cmd->add_flag("--json", options->json, "JSON with token ids and embeddings");
    cmd->add_flag("--bench", options->bench, "Print throughput (texts/s, MB/s) instead");
    cmd->add_option("--batch", options->batch, "Texts per forward pass")->capture_default_str();
    cmd->add_option("--threads", options->n_threads, "Threads (0: all cores)");
    cmd->callback([options] { set_exit_code(embed_command(*options)); });
}

}  // namespace souverain::cli
