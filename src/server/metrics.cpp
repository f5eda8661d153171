#include "server/metrics.h"

#include <cstdio>

namespace souverain::server {

namespace {

// Label values are escaped as the text format asks: backslash, quote, newline.
std::string label_value(const std::string& value) {
    std::string out;
    for (char c : value) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

std::string number(double value) {
    char buffer[64];
    std::snprintf(buffer, sizeof(buffer), "%.17g", value);
    return buffer;
}

void header(std::string& out, const char* name, const char* type, const char* help) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)), counts_(upper_bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
    size_t bucket = 0;
    while (bucket < upper_bounds_.size() && value > upper_bounds_[bucket]) ++bucket;
    ++counts_[bucket];
    sum_ += value;
    ++count_;
}

void Histogram::render(const std::string& name, const std::string& labels, std::string& out) const {
    const std::string sep = labels.empty() ? "" : ",";
    uint64_t cumulative = 0;
    for (size_t bucket = 0; bucket < upper_bounds_.size(); ++bucket) {
        cumulative += counts_[bucket];
        out += name + "_bucket{" + labels + sep + "le=\"" + number(upper_bounds_[bucket]) + "\"} " +
               std::to_string(cumulative) + "\n";
    }
    out += name + "_bucket{" + labels + sep + "le=\"+Inf\"} " + std::to_string(count_) + "\n";
    const std::string braces = labels.empty() ? "" : "{" + labels + "}";
    out += name + "_sum" + braces + " " + number(sum_) + "\n";
    out += name + "_count" + braces + " " + std::to_string(count_) + "\n";
}

Metrics::ModelSeries& Metrics::series(const std::string& model) {
    return models_[model];
}

void Metrics::count_request(const std::string& endpoint, int status) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++requests_[{endpoint, status}];
}

void Metrics::count_tokens(const std::string& model, int64_t n_prompt, int64_t n_completion) {
    std::lock_guard<std::mutex> lock(mutex_);
    ModelSeries& s = series(model);
    s.prompt_tokens += (uint64_t)n_prompt;
    s.completion_tokens += (uint64_t)n_completion;
}

void Metrics::count_cached_prompt_tokens(const std::string& model, int64_t n_cached) {
    std::lock_guard<std::mutex> lock(mutex_);
    series(model).cached_prompt_tokens += (uint64_t)n_cached;
}

void Metrics::observe_time_to_first_token(const std::string& model, double seconds) {
    std::lock_guard<std::mutex> lock(mutex_);
    series(model).ttft.observe(seconds);
}

void Metrics::observe_time_per_output_token(const std::string& model, double seconds) {
    std::lock_guard<std::mutex> lock(mutex_);
    series(model).tpot.observe(seconds);
}

std::string Metrics::render(const std::vector<RunnerGauges>& gauges) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string out;
    header(out, "souverain_requests_total", "counter",
           "HTTP requests answered, by endpoint and status.");
    for (const auto& [key, count] : requests_) {
        out += "souverain_requests_total{endpoint=\"" + label_value(key.first) + "\",status=\"" +
               std::to_string(key.second) + "\"} " + std::to_string(count) + "\n";
    }
    header(out, "souverain_prompt_tokens_total", "counter", "Prompt tokens processed.");
    for (const auto& [model, s] : models_) {
        out += "souverain_prompt_tokens_total{model=\"" + label_value(model) + "\"} " +
               std::to_string(s.prompt_tokens) + "\n";
    }
    header(out, "souverain_prompt_tokens_cached_total", "counter",
           "Prompt tokens not computed again: a slot kept them from its previous request.");
    for (const auto& [model, s] : models_) {
        out += "souverain_prompt_tokens_cached_total{model=\"" + label_value(model) + "\"} " +
               std::to_string(s.cached_prompt_tokens) + "\n";
    }
    header(out, "souverain_generation_tokens_total", "counter", "Tokens generated.");
    for (const auto& [model, s] : models_) {
        out += "souverain_generation_tokens_total{model=\"" + label_value(model) + "\"} " +
               std::to_string(s.completion_tokens) + "\n";
    }
    header(out, "souverain_time_to_first_token_seconds", "histogram",
           "From a request's arrival to its first generated token.");
    for (const auto& [model, s] : models_) {
        s.ttft.render("souverain_time_to_first_token_seconds",
                      "model=\"" + label_value(model) + "\"", out);
    }
    header(out, "souverain_time_per_output_token_seconds", "histogram",
           "Time between consecutive generated tokens of one sequence.");
    for (const auto& [model, s] : models_) {
        s.tpot.render("souverain_time_per_output_token_seconds",
                      "model=\"" + label_value(model) + "\"", out);
    }
    struct Gauge {
        const char* name;
        const char* help;
        double (*value)(const RunnerGauges&);
    };
    const Gauge kGauges[] = {
        {"souverain_queue_depth", "Sequences waiting for a free slot.",
         [](const RunnerGauges& g) { return (double)g.stats.queued; }},
        {"souverain_active_slots", "Slots generating or reading a prompt.",
         [](const RunnerGauges& g) { return (double)g.stats.active_slots; }},
        {"souverain_slots", "Slots (--parallel).",
         [](const RunnerGauges& g) { return (double)g.stats.n_slots; }},
        {"souverain_kv_cache_used_tokens", "KV cache positions in use, all slots.",
         [](const RunnerGauges& g) { return (double)g.stats.kv_tokens_used; }},
        {"souverain_kv_cache_usage_ratio", "KV cache positions in use over capacity.",
         [](const RunnerGauges& g) {
             return g.stats.kv_tokens_total
                        ? (double)g.stats.kv_tokens_used / (double)g.stats.kv_tokens_total
                        : 0.0;
         }},
    };
    for (const Gauge& gauge : kGauges) {
        header(out, gauge.name, "gauge", gauge.help);
        for (const RunnerGauges& g : gauges) {
            out += std::string(gauge.name) + "{model=\"" + label_value(g.model) + "\"} " +
                   number(gauge.value(g)) + "\n";
        }
    }
    return out;
}

}  // namespace souverain::server
