#include "engine/generator.h"

#include <algorithm>

namespace souverain {

const char* finish_reason_name(FinishReason reason) {
    return reason == FinishReason::STOP ? "stop" : "length";
}

StopStringFilter::StopStringFilter(std::vector<std::string> stops) {
    for (std::string& stop : stops) {
        if (!stop.empty()) stops_.push_back(std::move(stop));
    }
}

std::string StopStringFilter::push(std::string_view text) {
    if (stopped_) return {};
    pending_ += text;
    // Earliest complete stop string wins.
    size_t stop_at = std::string::npos;
    for (const std::string& stop : stops_) stop_at = std::min(stop_at, pending_.find(stop));
    if (stop_at != std::string::npos) {
        stopped_ = true;
        std::string out = pending_.substr(0, stop_at);
        pending_.clear();
        return out;
    }
    // Keep the longest suffix that is a proper prefix of some stop string.
    size_t hold = 0;
    for (const std::string& stop : stops_) {
        const size_t max_len = std::min(stop.size() - 1, pending_.size());
        for (size_t len = max_len; len > hold; --len) {
            if (pending_.compare(pending_.size() - len, len, stop, 0, len) == 0) {
                hold = len;
                break;
            }
        }
    }
    // Never split a UTF-8 character: move the cut back to a character boundary.
    size_t cut = pending_.size() - hold;
    while (cut > 0 && cut < pending_.size() && ((unsigned char)pending_[cut] & 0xC0) == 0x80) --cut;
    std::string out = pending_.substr(0, cut);
    pending_.erase(0, cut);
    return out;
}

std::string StopStringFilter::flush() {
    std::string out;
    if (!stopped_) out.swap(pending_);
    pending_.clear();
    return out;
}

Result<GenerateResult> generate(const LlamaModel& model, ThreadPool& pool, KvCache& cache,
                                std::string_view prompt, const GenerateParams& params,
                                const std::function<bool(std::string_view)>& on_text) {
    return generate_from_tokens(
        model, pool, cache,
        model.vocab().tokenize(prompt, /*add_special=*/true, params.parse_special), params,
        on_text);
}

Result<GenerateResult> generate_from_tokens(const LlamaModel& model, ThreadPool& pool,
                                            KvCache& cache, std::vector<int32_t> history,
                                            const GenerateParams& params,
                                            const std::function<bool(std::string_view)>& on_text) {
    using Clock = std::chrono::steady_clock;
    const Vocab& vocab = model.vocab();
    GenerateResult result;
    if (history.empty()) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "the prompt produced no tokens");
    }
    result.n_prompt_tokens = (int32_t)history.size();
    cache.clear();
    if ((int64_t)history.size() >= cache.n_ctx()) {
        return make_error(ErrorCode::OUT_OF_RANGE,
                          "the prompt has " + std::to_string(history.size()) +
                              " tokens; the context holds " + std::to_string(cache.n_ctx()));
    }

    Sampler sampler(params.sampling);
    TokenDecoder decoder(vocab);
    StopStringFilter stop_filter(params.stop);
    std::vector<float> logits;
    bool cancelled = false;
    auto emit = [&](const std::string& text) {
        if (!text.empty() && on_text && !on_text(text)) cancelled = true;
        result.text += text;
    };

    const auto prefill_start = Clock::now();
    Status status = model.forward(history, cache, pool, /*all_logits=*/false, logits);
    if (!status) return status.error();
    const auto decode_start = Clock::now();
    result.prefill_seconds = std::chrono::duration<double>(decode_start - prefill_start).count();

    result.finish_reason = FinishReason::LENGTH;
    while (params.max_tokens < 0 || (int32_t)result.tokens.size() < params.max_tokens) {
        const int32_t token = sampler.sample(logits, history);
        if (vocab.is_eog(token)) {
            result.finish_reason = FinishReason::STOP;
            break;
        }
        result.tokens.push_back(token);
        history.push_back(token);
        emit(stop_filter.push(decoder.push(token)));
        if (stop_filter.stopped() || cancelled) {
            result.finish_reason = FinishReason::STOP;
            break;
        }
        if (cache.n_past() >= cache.n_ctx()) break;  // context full: LENGTH
        if (params.max_tokens >= 0 && (int32_t)result.tokens.size() >= params.max_tokens) break;
        const int32_t next[1] = {token};
        status = model.forward(next, cache, pool, /*all_logits=*/false, logits);
        if (!status) return status.error();
    }
    if (!stop_filter.stopped()) {
        emit(stop_filter.push(decoder.flush()));
        emit(stop_filter.flush());
    }
    result.decode_seconds = std::chrono::duration<double>(Clock::now() - decode_start).count();
    return result;
}

}  // namespace souverain
