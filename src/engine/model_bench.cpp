#include "engine/model_bench.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>
#include <fstream>
#include <random>
#include <sstream>

#include "common/memory_bandwidth.h"
#include "common/thread_pool.h"
#include "engine/llama_model.h"
#include "engine/sampling.h"
#include "kernels/dot.h"

namespace souverain {

namespace {

// 512 MiB: sixteen times the last-level cache of the machines we bench on, so a pass reads DRAM.
constexpr size_t kBandwidthProbeBytes = size_t(512) << 20;

uint64_t proc_status_bytes(const char* field) {
    std::ifstream status("/proc/self/status");
    const std::string prefix = std::string(field) + ":";
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind(prefix, 0) == 0) {
            std::istringstream fields(line.substr(prefix.size()));
            uint64_t kib = 0;
            fields >> kib;
            return kib * 1024;
        }
    }
    return 0;
}

}  // namespace

uint64_t peak_rss_bytes() { return proc_status_bytes("VmHWM"); }

uint64_t current_rss_bytes() { return proc_status_bytes("VmRSS"); }

Result<ModelBenchResult> run_model_bench(const ModelBenchOptions& options,
                                         const std::function<void(const std::string&)>& progress) {
    using Clock = std::chrono::steady_clock;
    auto seconds_since = [](Clock::time_point start) {
        return std::chrono::duration<double>(Clock::now() - start).count();
    };
    if (options.prompt_tokens < 1 || options.gen_tokens < 1) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "bench: prompt and gen tokens must be >= 1");
    }
    Result<KvCacheType> cache_type = parse_kv_cache_type(options.cache_type);
    if (!cache_type) return cache_type.error();

    ModelBenchResult result;
    result.model_path = options.model_path;
    result.prompt_tokens = options.prompt_tokens;
    result.gen_tokens = options.gen_tokens;
    result.kernel_level = kernels::kernel_level_name(kernels::best_kernel_level());
    ThreadPool pool(options.n_threads);
    result.n_threads = pool.n_threads();

    if (progress) progress("loading " + options.model_path);
    const auto load_start = Clock::now();
    Result<std::unique_ptr<LlamaModel>> loaded = LlamaModel::load(options.model_path);
    if (!loaded) return loaded.error();
    const LlamaModel& model = **loaded;
    result.load_seconds = seconds_since(load_start);
    for (const GgufTensorInfo& info : model.gguf().tensors()) result.model_bytes += info.n_bytes;

    const int64_t n_ctx =
        options.n_ctx > 0 ? options.n_ctx : (int64_t)options.prompt_tokens + options.gen_tokens;
    if (n_ctx < (int64_t)options.prompt_tokens + options.gen_tokens) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "bench: --ctx is smaller than prompt + gen tokens");
    }
    Result<std::unique_ptr<KvCache>> made = model.make_cache(n_ctx, *cache_type);
    if (!made) return made.error();
    std::unique_ptr<KvCache> cache = std::move(*made);
    result.kv_cache_bytes = cache->bytes();

    // A random prompt: speed does not depend on which tokens are fed.
    std::mt19937_64 rng(options.seed);
    std::vector<int32_t> prompt((size_t)options.prompt_tokens);
    for (int32_t& token : prompt) token = (int32_t)(rng() % (uint64_t)model.hparams().n_vocab);

    if (progress) progress("prefill " + std::to_string(options.prompt_tokens) + " tokens");
    std::vector<float> logits;
    const auto prefill_start = Clock::now();
    Status status = model.forward(prompt, *cache, pool, /*all_logits=*/false, logits);
    if (!status) return status.error();
    result.prefill_seconds = seconds_since(prefill_start);
    result.time_to_first_token_s = result.load_seconds + result.prefill_seconds;

    // Decode, with the read bandwidth sampled before the first step and after every
    // kBandwidthEvery steps (ReadBandwidthProbe): the roofline divides by the median of samples
    // taken while decode ran, not by one taken minutes apart. The median, because other
    // tenants' bursts make single samples fall to a fifth of the rest. The samples are not
    // timed as decode; they evict the caches, which only makes decode slower.
    constexpr int32_t kBandwidthEvery = 8;
    const uint64_t peak_rss_before_probe = peak_rss_bytes();
    std::unique_ptr<ReadBandwidthProbe> probe;
    std::vector<double> bandwidth_samples;
    if (options.measure_bandwidth) {
        if (progress) progress("allocating the bandwidth probe");
        probe = std::make_unique<ReadBandwidthProbe>(pool, kBandwidthProbeBytes);
        bandwidth_samples.push_back(probe->sample());
    }
    double decode_seconds = 0.0;
    for (int32_t step = 0; step < options.gen_tokens; ++step) {
        if (progress && (step % 8 == 0)) {
            progress("decode " + std::to_string(step) + "/" + std::to_string(options.gen_tokens));
        }
        const int32_t next[1] = {argmax(logits)};
        const auto step_start = Clock::now();
        status = model.forward(next, *cache, pool, /*all_logits=*/false, logits);
        decode_seconds += seconds_since(step_start);
        if (!status) return status.error();
        if (probe && ((step + 1) % kBandwidthEvery == 0 || step + 1 == options.gen_tokens)) {
            bandwidth_samples.push_back(probe->sample());
        }
    }
    result.decode_seconds = decode_seconds;
    result.prefill_tokens_per_s = options.prompt_tokens / result.prefill_seconds;
    result.decode_tokens_per_s = options.gen_tokens / result.decode_seconds;
    if (probe) {
        // The probe's buffer is resident but is not the model's: peak RSS is the larger of the
        // peak before it and the resident size now without it.
        const uint64_t rss_now = current_rss_bytes();
        const uint64_t rss_without_probe =
            rss_now > probe->buffer_bytes() ? rss_now - probe->buffer_bytes() : 0;
        result.peak_rss_bytes = std::max(peak_rss_before_probe, rss_without_probe);
        probe.reset();
        std::sort(bandwidth_samples.begin(), bandwidth_samples.end());
        const size_t n_samples = bandwidth_samples.size();
        result.bandwidth_bytes_per_s =
            n_samples % 2 == 1 ? bandwidth_samples[n_samples / 2]
                               : 0.5 * (bandwidth_samples[n_samples / 2 - 1] +
                                        bandwidth_samples[n_samples / 2]);
        result.bandwidth_min_bytes_per_s = bandwidth_samples.front();
        result.bandwidth_max_bytes_per_s = bandwidth_samples.back();
        result.bandwidth_samples = (int32_t)bandwidth_samples.size();
        result.roofline_fraction =
            (double)result.model_bytes * result.decode_tokens_per_s / result.bandwidth_bytes_per_s;
    } else {
        result.peak_rss_bytes = peak_rss_bytes();
    }

    result.n_sequences = options.n_sequences;
    if (options.n_sequences > 1) {
        constexpr int32_t kShortPrompt = 16;
        std::vector<std::unique_ptr<KvCache>> caches;
        std::vector<int32_t> next((size_t)options.n_sequences);
        for (int32_t seq_idx = 0; seq_idx < options.n_sequences; ++seq_idx) {
            if (progress) progress("batch: prefill sequence " + std::to_string(seq_idx + 1));
            Result<std::unique_ptr<KvCache>> seq_cache =
                model.make_cache(kShortPrompt + options.gen_tokens, *cache_type);
            if (!seq_cache) return seq_cache.error();
            caches.push_back(std::move(*seq_cache));
            std::vector<int32_t> short_prompt(prompt.begin() + seq_idx % 8,
                                              prompt.begin() + seq_idx % 8 + kShortPrompt);
            status = model.forward(short_prompt, *caches.back(), pool, false, logits);
            if (!status) return status.error();
            next[(size_t)seq_idx] = argmax(logits);
        }
        const int64_t n_vocab = model.hparams().n_vocab;
        const auto batch_start = Clock::now();
        for (int32_t step = 0; step < options.gen_tokens; ++step) {
            if (progress && (step % 8 == 0)) {
                progress("batch decode " + std::to_string(step) + "/" +
                         std::to_string(options.gen_tokens) + " x " +
                         std::to_string(options.n_sequences));
            }
            std::vector<SequenceBatch> batch;
            for (int32_t seq_idx = 0; seq_idx < options.n_sequences; ++seq_idx) {
                batch.push_back({caches[(size_t)seq_idx].get(),
                                 std::span<const int32_t>(&next[(size_t)seq_idx], 1),
                                 LogitsWanted::LAST});
            }
            status = model.forward_batch(batch, pool, logits);
            if (!status) return status.error();
            for (int32_t seq_idx = 0; seq_idx < options.n_sequences; ++seq_idx) {
                next[(size_t)seq_idx] = argmax(
                    std::span<const float>(logits.data() + seq_idx * n_vocab, (size_t)n_vocab));
            }
        }
        result.batch_decode_tokens_per_s =
            (double)options.gen_tokens * options.n_sequences / seconds_since(batch_start);
    }
    if (options.n_sequences > 1) {
        // VmHWM still holds the probe's buffer: after it, what is resident now is the measure.
        result.peak_rss_bytes = std::max(
            result.peak_rss_bytes, options.measure_bandwidth ? current_rss_bytes() : peak_rss_bytes());
    }
    return result;
}

}  // namespace souverain
