// souverain run --model F.gguf --prompt TEXT: generate text and print it as it comes.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "engine/generator.h"
#include "engine/llama_model.h"

namespace souverain::cli {

namespace {

struct RunOptions {
    std::string model_path;
    std::string prompt;
    GenerateParams generate;
    int n_threads = 0;
    int64_t n_ctx = 4096;
    std::string cache_type = "f16";
    bool verbose = false;
};

int run_command(const RunOptions& options) {
    Result<KvCacheType> cache_type = parse_kv_cache_type(options.cache_type);
    if (!cache_type) return report_error(cache_type.error());
    Result<std::unique_ptr<LlamaModel>> model = LlamaModel::load(options.model_path);
    if (!model) return report_error(model.error());
    const int64_t n_ctx = std::min<int64_t>(options.n_ctx, (*model)->hparams().n_ctx_train);
    Result<std::unique_ptr<KvCache>> cache = (*model)->make_cache(n_ctx, *cache_type);
    if (!cache) return report_error(cache.error());
    ThreadPool pool(options.n_threads);
    Result<GenerateResult> result = generate(**model, pool, **cache, options.prompt,
                                             options.generate, [](std::string_view text) {
                                                 std::fwrite(text.data(), 1, text.size(), stdout);
                                                 std::fflush(stdout);
                                                 return true;
                                             });
    if (!result) return report_error(result.error());
    std::fputc('\n', stdout);
    std::fflush(stdout);  // the text ends before the timings on stderr
    if (options.verbose) {
        const double n_prompt = result->n_prompt_tokens;
        const double n_gen = (double)result->tokens.size();
        std::fprintf(stderr,
                     "prompt: %d tokens in %.3f s (%.1f tok/s); generated: %zu tokens in %.3f s "
                     "(%.1f tok/s); finish: %s\n",
                     result->n_prompt_tokens, result->prefill_seconds,
                     n_prompt / std::max(result->prefill_seconds, 1e-9), result->tokens.size(),
                     result->decode_seconds, n_gen / std::max(result->decode_seconds, 1e-9),
                     finish_reason_name(result->finish_reason));
    }
    return 0;
}

}  // namespace

void register_run(CLI::App& app) {
    auto options = std::make_shared<RunOptions>();
    SamplingParams& sampling = options->generate.sampling;
    CLI::App* cmd = app.add_subcommand("run", "Generate text from a prompt");
    cmd->add_option("-m,--model", options->model_path, "GGUF model")->required();
    cmd->add_option("-p,--prompt", options->prompt, "Prompt text")->required();
    cmd->add_option("-n,--n-predict", options->generate.max_tokens,
                    "Tokens to generate (-1: until the context is full)")
        ->capture_default_str();
    cmd->add_option("--temp", sampling.temperature, "Temperature (0: greedy)")
        ->capture_default_str();
    cmd->add_option("--seed", sampling.seed, "Sampling seed")->capture_default_str();
    cmd->add_option("--top-k", sampling.top_k, "Top-k (0: off)")->capture_default_str();
    cmd->add_option("--top-p", sampling.top_p, "Top-p (1: off)")->capture_default_str();
    cmd->add_option("--min-p", sampling.min_p, "Min-p (0: off)")->capture_default_str();
    cmd->add_option("--repeat-penalty", sampling.repeat_penalty, "Repetition penalty (1: off)")
        ->capture_default_str();
    cmd->add_option("--repeat-last-n", sampling.repeat_last_n, "Window of the penalties")
        ->capture_default_str();
    cmd->add_option("--frequency-penalty", sampling.frequency_penalty)->capture_default_str();
    cmd->add_option("--presence-penalty", sampling.presence_penalty)->capture_default_str();
    cmd->add_option("--stop", options->generate.stop, "Stop string (repeatable)");
    cmd->add_option("-t,--threads", options->n_threads, "Threads (0: all cores)");
    cmd->add_option("-c,--ctx", options->n_ctx, "Context length")->capture_default_str();
    cmd->add_option("--cache-type", options->cache_type, "KV cache type: f16, f32 or q8_0")
        ->capture_default_str();
    cmd->add_flag("-v,--verbose", options->verbose, "Print timings on stderr");
    cmd->callback([options] { set_exit_code(run_command(*options)); });
}

}  // namespace souverain::cli
