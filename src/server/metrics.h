#pragma once
// Counters and histograms for GET /metrics, in the Prometheus text format (version 0.0.4).
// Gauges that describe the present (queue depth, active slots, KV cache use) are not stored
// here: the caller reads them from the runners when it renders.
//
// Thread-safety: every method may be called from any thread (one mutex; the updates are a
// few additions per request or token).
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace souverain::server {

class Histogram {
public:
    explicit Histogram(std::vector<double> upper_bounds);
    void observe(double value);
    // Appends the _bucket, _sum and _count lines of `name` with the given label text
    // (`model="x"` or empty).
    void render(const std::string& name, const std::string& labels, std::string& out) const;

private:
    std::vector<double> upper_bounds_;
    std::vector<uint64_t> counts_;  // per bucket, not cumulative
    double sum_ = 0.0;
    uint64_t count_ = 0;
};

// What a model's runner reports about the present (model_runner.h fills it).
struct RunnerStats {
    int32_t n_slots = 0;
    int32_t active_slots = 0;
    int32_t queued = 0;
    int64_t kv_tokens_used = 0;
    int64_t kv_tokens_total = 0;
};

struct RunnerGauges {
    std::string model;
    RunnerStats stats;
};

class Metrics {
public:
    void count_request(const std::string& endpoint, int status);
    void count_tokens(const std::string& model, int64_t n_prompt, int64_t n_completion);
    // Prompt tokens whose keys and values a slot already held from its previous request.
    void count_cached_prompt_tokens(const std::string& model, int64_t n_cached);
    void observe_time_to_first_token(const std::string& model, double seconds);
    void observe_time_per_output_token(const std::string& model, double seconds);

    std::string render(const std::vector<RunnerGauges>& gauges) const;

private:
    struct ModelSeries {
        uint64_t prompt_tokens = 0;
        uint64_t completion_tokens = 0;
        uint64_t cached_prompt_tokens = 0;
        Histogram ttft{{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}};
        Histogram tpot{{0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56}};
    };
    ModelSeries& series(const std::string& model);

    mutable std::mutex mutex_;
    std::map<std::pair<std::string, int>, uint64_t> requests_;  // (endpoint, status)
    std::map<std::string, ModelSeries> models_;
};

}  // namespace souverain::server
