#include "engine/sampling.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace souverain {

int32_t argmax(std::span<const float> logits) {
    int32_t best = 0;
    for (size_t idx = 1; idx < logits.size(); ++idx) {
        if (logits[idx] > logits[(size_t)best]) best = (int32_t)idx;
    }
    return best;
}

Sampler::Sampler(const SamplingParams& params) : params_(params), rng_(params.seed) {}

double Sampler::next_uniform() {
    return (double)(rng_() >> 11) * (1.0 / 9007199254740992.0);
}

int32_t Sampler::sample(std::span<const float> logits, std::span<const int32_t> history) {
    const int32_t n_vocab = (int32_t)logits.size();
    candidates_.resize((size_t)n_vocab);
    for (int32_t id = 0; id < n_vocab; ++id)
        candidates_[(size_t)id] = {id, logits[(size_t)id], 0.0f};

    // Penalties over the recent window.
    const bool any_penalty = params_.repeat_penalty != 1.0f || params_.frequency_penalty != 0.0f ||
                             params_.presence_penalty != 0.0f;
    if (any_penalty && params_.repeat_last_n != 0 && !history.empty()) {
        const size_t window = params_.repeat_last_n < 0
                                  ? history.size()
                                  : std::min(history.size(), (size_t)params_.repeat_last_n);
        std::unordered_map<int32_t, int> counts;
        for (size_t idx = history.size() - window; idx < history.size(); ++idx)
            counts[history[idx]]++;
        for (const auto& [id, count] : counts) {
            if (id < 0 || id >= n_vocab) continue;
            float& logit = candidates_[(size_t)id].logit;
            if (params_.repeat_penalty != 1.0f) {
                logit =
                    logit > 0.0f ? logit / params_.repeat_penalty : logit * params_.repeat_penalty;
            }
            logit -= (float)count * params_.frequency_penalty + params_.presence_penalty;
        }
    }

    if (params_.temperature <= 0.0f) {
        auto best = std::max_element(
            candidates_.begin(), candidates_.end(), [](const Candidate& a, const Candidate& b) {
                return a.logit < b.logit || (a.logit == b.logit && a.id > b.id);
            });
        return best->id;
    }

    // Sort by logit (descending, ties by id) so every later filter is a prefix cut.
    auto by_logit = [](const Candidate& a, const Candidate& b) {
        return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
    };
    size_t n_keep = candidates_.size();
    if (params_.top_k > 0 && (size_t)params_.top_k < n_keep) {
        n_keep = (size_t)params_.top_k;
        std::partial_sort(candidates_.begin(), candidates_.begin() + (ptrdiff_t)n_keep,
                          candidates_.end(), by_logit);
    } else {
        std::sort(candidates_.begin(), candidates_.end(), by_logit);
    }
    candidates_.resize(n_keep);

    // Softmax with temperature.
    const float max_logit = candidates_[0].logit;
    double sum = 0.0;
    for (Candidate& c : candidates_) {
        c.p = (float)std::exp((double)(c.logit - max_logit) / params_.temperature);
        sum += c.p;
    }
    for (Candidate& c : candidates_) c.p = (float)(c.p / sum);

    if (params_.top_p < 1.0f) {
        double cumulative = 0.0;
        size_t cut = candidates_.size();
        for (size_t idx = 0; idx < candidates_.size(); ++idx) {
            cumulative += candidates_[idx].p;
            if (cumulative >= params_.top_p) {
                cut = idx + 1;
                break;
            }
        }
        candidates_.resize(cut);
    }
    if (params_.min_p > 0.0f) {
        const float threshold = params_.min_p * candidates_[0].p;
        size_t cut = 1;
        while (cut < candidates_.size() && candidates_[cut].p >= threshold) ++cut;
        candidates_.resize(cut);
    }

    double total = 0.0;
    for (const Candidate& c : candidates_) total += c.p;
    double target = next_uniform() * total;
    for (const Candidate& c : candidates_) {
        target -= c.p;
        if (target < 0.0) return c.id;
    }
    return candidates_.back().id;
}

}  // namespace souverain
