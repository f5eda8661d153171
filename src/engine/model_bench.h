#pragma once
// `souverain bench`: load time, prefill and decode speed of one model on this machine, with
// the memory read bandwidth measured in the same run so that decode speed can be judged
// against its roofline (every weight byte is read once per generated token).
#include <cstdint>
#include <functional>
#include <string>

#include "common/error.h"

namespace souverain {

struct ModelBenchOptions {
    std::string model_path;
    int n_threads = 0;  // 0: all cores
    int32_t prompt_tokens = 512;
    int32_t gen_tokens = 128;
    int64_t n_ctx = 0;  // 0: prompt_tokens + gen_tokens
    std::string cache_type = "f16";
    bool measure_bandwidth = true;
    uint64_t seed = 1;  // for the random prompt
    // > 1: also decode this many sequences together (continuous batching's steady state):
    // each gets a short prompt, then gen_tokens steps of one token per sequence.
    int32_t n_sequences = 1;
};

struct ModelBenchResult {
    std::string model_path;
    int n_threads = 0;
    int32_t prompt_tokens = 0;
    int32_t gen_tokens = 0;
    uint64_t model_bytes = 0;  // bytes of all tensors
    double load_seconds = 0.0;
    double prefill_seconds = 0.0;
    double decode_seconds = 0.0;
    double prefill_tokens_per_s = 0.0;
    double decode_tokens_per_s = 0.0;
    double time_to_first_token_s = 0.0;  // load + prefill: the first token is sampled then
    uint64_t kv_cache_bytes = 0;
    uint64_t peak_rss_bytes = 0;  // VmHWM of the run, the bandwidth probe's buffer left out
    // Read bandwidth: the median of the samples taken between decode steps (0 when not
    // measured), and their range.
    double bandwidth_bytes_per_s = 0.0;
    double bandwidth_min_bytes_per_s = 0.0;
    double bandwidth_max_bytes_per_s = 0.0;
    int32_t bandwidth_samples = 0;
    double roofline_fraction = 0.0;  // model_bytes * decode tok/s / bandwidth (the median)
    std::string kernel_level;
    int32_t n_sequences = 1;
    double batch_decode_tokens_per_s = 0.0;  // all sequences together; 0 when n_sequences 1
};

// Progress: a short description of the current stage ("decode 12/128").
Result<ModelBenchResult> run_model_bench(const ModelBenchOptions& options,
                                         const std::function<void(const std::string&)>& progress);

// Peak resident set size of this process in bytes (VmHWM), 0 if unknown.
uint64_t peak_rss_bytes();
// Resident set size now (VmRSS), 0 if unknown.
uint64_t current_rss_bytes();

}  // namespace souverain
