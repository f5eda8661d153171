// souverain bench --model F.gguf: prefill and decode speed, load time, memory, and the
// decode speed as a share of the memory-bandwidth roofline measured in the same run.
#include <unistd.h>

#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "engine/model_bench.h"

namespace souverain::cli {

namespace {

int bench_command(const ModelBenchOptions& options, bool json) {
    // On a terminal one line is redrawn; otherwise (logs, CI) each stage is printed once.
    const bool tty = isatty(STDERR_FILENO) != 0;
    std::string last_stage;
    Result<ModelBenchResult> result = run_model_bench(options, [&](const std::string& stage) {
        if (tty) {
            std::fprintf(stderr, "\r\033[Kbench: %s", stage.c_str());
        } else {
            const std::string kind = stage.substr(0, stage.find(' '));
            if (json || kind == last_stage) return;
            last_stage = kind;
            std::fprintf(stderr, "bench: %s\n", stage.c_str());
        }
        std::fflush(stderr);
    });
    if (tty) std::fprintf(stderr, "\r\033[K");
    if (!result) return report_error(result.error());
    const ModelBenchResult& r = *result;
    if (json) {
        nlohmann::json out = {
            {"model", r.model_path},
            {"threads", r.n_threads},
            {"kernel_level", r.kernel_level},
            {"prompt_tokens", r.prompt_tokens},
            {"gen_tokens", r.gen_tokens},
            {"model_bytes", r.model_bytes},
            {"load_seconds", r.load_seconds},
            {"prefill_tokens_per_s", r.prefill_tokens_per_s},
            {"decode_tokens_per_s", r.decode_tokens_per_s},
            {"time_to_first_token_s", r.time_to_first_token_s},
            {"kv_cache_bytes", r.kv_cache_bytes},
            {"peak_rss_bytes", r.peak_rss_bytes},
            {"bandwidth_bytes_per_s", r.bandwidth_bytes_per_s},
            {"bandwidth_min_bytes_per_s", r.bandwidth_min_bytes_per_s},
            {"bandwidth_max_bytes_per_s", r.bandwidth_max_bytes_per_s},
            {"bandwidth_samples", r.bandwidth_samples},
            {"roofline_fraction", r.roofline_fraction},
            {"sequences", r.n_sequences},
            {"batch_decode_tokens_per_s", r.batch_decode_tokens_per_s},
        };
        std::printf("%s\n", out.dump().c_str());
        return 0;
    }
    std::printf("model            %s\n", r.model_path.c_str());
    std::printf("threads          %d (kernels: %s)\n", r.n_threads, r.kernel_level.c_str());
    std::printf("model bytes      %.3f GB\n", (double)r.model_bytes / 1e9);
    std::printf("load             %.3f s\n", r.load_seconds);
    std::printf("prefill          %.2f tok/s (%d tokens in %.3f s)\n", r.prefill_tokens_per_s,
                r.prompt_tokens, r.prefill_seconds);
    std::printf("decode           %.2f tok/s (%d tokens in %.3f s)\n", r.decode_tokens_per_s,
                r.gen_tokens, r.decode_seconds);
    if (r.n_sequences > 1) {
        std::printf("batch decode     %.2f tok/s (%d sequences together: %.2fx one sequence)\n",
                    r.batch_decode_tokens_per_s, r.n_sequences,
                    r.batch_decode_tokens_per_s / r.decode_tokens_per_s);
    }
    std::printf("first token      %.3f s after start of load\n", r.time_to_first_token_s);
    std::printf("kv cache         %.1f MB\n", (double)r.kv_cache_bytes / 1e6);
    std::printf("peak rss         %.1f MB\n", (double)r.peak_rss_bytes / 1e6);
    if (r.bandwidth_bytes_per_s > 0) {
        std::printf("read bandwidth   %.1f GB/s (median of %d samples between decode steps, %.1f-%.1f)\n",
                    r.bandwidth_bytes_per_s / 1e9, r.bandwidth_samples,
                    r.bandwidth_min_bytes_per_s / 1e9, r.bandwidth_max_bytes_per_s / 1e9);
        std::printf("decode roofline  %.2f (model bytes x decode tok/s / bandwidth)\n",
                    r.roofline_fraction);
    }
    return 0;
}

}  // namespace

void register_bench(CLI::App& app) {
    auto options = std::make_shared<ModelBenchOptions>();
    auto json = std::make_shared<bool>(false);
    auto no_bandwidth = std::make_shared<bool>(false);
    CLI::App* cmd = app.add_subcommand("bench", "Measure prefill and decode speed of a model");
    cmd->add_option("-m,--model", options->model_path, "GGUF model")->required();
    cmd->add_option("-t,--threads", options->n_threads, "Threads (0: all cores)");
    cmd->add_option("-p,--prompt-tokens", options->prompt_tokens, "Prompt tokens")
        ->capture_default_str();
    cmd->add_option("-g,--gen-tokens", options->gen_tokens, "Generated tokens")
        ->capture_default_str();
    cmd->add_option("-c,--ctx", options->n_ctx, "Context (KV cache) length; default prompt + gen");
    cmd->add_option("--cache-type", options->cache_type, "KV cache type: f16, f32 or q8_0")
        ->capture_default_str();
    cmd->add_option("--sequences", options->n_sequences,
                    "Also decode this many sequences together (continuous batching)")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    cmd->add_flag("--json", *json, "Print one JSON object");
    cmd->add_flag("--no-bandwidth", *no_bandwidth, "Skip the memory bandwidth measurement");
    cmd->callback([options, json, no_bandwidth] {
        options->measure_bandwidth = !*no_bandwidth;
        set_exit_code(bench_command(*options, *json));
    });
}

}  // namespace souverain::cli
