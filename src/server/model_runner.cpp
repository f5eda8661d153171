#include "server/model_runner.h"

#include <algorithm>
#include <cmath>
#include <ctime>

namespace souverain::server {

using Clock = std::chrono::steady_clock;

struct ModelRunner::Slot {
    std::unique_ptr<KvCache> cache;
    bool active = false;
    GenerationJob job;
    size_t n_prompt_fed = 0;  // prompt tokens already in the cache
    int32_t next_token = -1;  // sampled, fed at the next step; -1 while reading the prompt
    int32_t n_generated = 0;
    std::vector<int32_t> history;  // prompt and generated tokens (for the penalties)
    // The tokens whose keys and values the cache holds, in order (kept after the job ends).
    std::vector<int32_t> cached;
    std::optional<Sampler> sampler;
    std::optional<TokenDecoder> decoder;
    std::optional<StopStringFilter> stop_filter;
    Clock::time_point last_token_at;
};

namespace {

// log-softmax of the chosen token and the `n_top` most likely tokens, from raw logits (the
// model's distribution before sampling parameters, as OpenAI reports it).
TokenLogprob token_logprob(const Vocab& vocab, std::span<const float> logits, int32_t chosen,
                           int32_t n_top) {
    float max_logit = -INFINITY;
    for (float logit : logits) max_logit = std::max(max_logit, logit);
    double sum = 0.0;
    for (float logit : logits) sum += std::exp((double)(logit - max_logit));
    const float log_z = max_logit + (float)std::log(sum);
    TokenLogprob out;
    out.id = chosen;
    out.text = vocab.token_to_piece(chosen);
    out.logprob = logits[(size_t)chosen] - log_z;
    if (n_top > 0) {
        std::vector<int32_t> ids((size_t)logits.size());
        for (size_t idx = 0; idx < ids.size(); ++idx) ids[idx] = (int32_t)idx;
        const size_t n = std::min<size_t>((size_t)n_top, ids.size());
        std::partial_sort(ids.begin(), ids.begin() + (ptrdiff_t)n, ids.end(),
                          [&](int32_t a, int32_t b) {
                              return logits[(size_t)a] > logits[(size_t)b] ||
                                     (logits[(size_t)a] == logits[(size_t)b] && a < b);
                          });
        for (size_t idx = 0; idx < n; ++idx) {
            out.top.push_back(
                {ids[idx], vocab.token_to_piece(ids[idx]), logits[(size_t)ids[idx]] - log_z});
        }
    }
    return out;
}

GenerationEvent error_event(int32_t choice, Error error) {
    GenerationEvent event;
    event.kind = GenerationEvent::Kind::ERROR;
    event.choice = choice;
    event.error = std::move(error);
    return event;
}

}  // namespace

Result<std::unique_ptr<ModelRunner>> ModelRunner::create(std::string name,
                                                         std::unique_ptr<LlamaModel> model,
                                                         const RunnerOptions& options,
                                                         Metrics& metrics) {
    if (options.n_slots < 1) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "--parallel must be at least 1");
    }
    if (options.n_batch < options.n_slots) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "the batch size must be at least the number of slots");
    }
    std::unique_ptr<ModelRunner> runner(
        new ModelRunner(std::move(name), std::move(model), options, metrics));
    for (int32_t slot_idx = 0; slot_idx < options.n_slots; ++slot_idx) {
        auto cache = runner->model_->make_cache(options.n_ctx, options.cache_type);
        if (!cache) return cache.error();
        runner->slots_.push_back(std::make_unique<Slot>());
        runner->slots_.back()->cache = std::move(*cache);
    }
    runner->slot_kv_used_.assign((size_t)options.n_slots, 0);
    runner->thread_ = std::thread([r = runner.get()] { r->loop(); });
    return runner;
}

ModelRunner::ModelRunner(std::string name, std::unique_ptr<LlamaModel> model,
                         const RunnerOptions& options, Metrics& metrics)
    : name_(std::move(name)),
      model_(std::move(model)),
      options_(options),
      metrics_(metrics),
      created_unix_((int64_t)std::time(nullptr)),
      pool_(options.n_threads) {}

ModelRunner::~ModelRunner() {
    stop();
}

bool ModelRunner::submit(std::vector<GenerationJob> jobs) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (draining_ || stopping_) return false;
        const size_t free_slots = (size_t)(options_.n_slots - n_active_);
        if (queue_.size() + jobs.size() > free_slots + (size_t)options_.max_queue) return false;
        for (GenerationJob& job : jobs) queue_.push_back(std::move(job));
    }
    wake_.notify_one();
    return true;
}

RunnerStats ModelRunner::stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    RunnerStats stats;
    stats.n_slots = options_.n_slots;
    stats.active_slots = n_active_;
    stats.queued = (int32_t)queue_.size();
    for (int64_t used : slot_kv_used_) stats.kv_tokens_used += used;
    stats.kv_tokens_total = options_.n_ctx * options_.n_slots;
    return stats;
}

void ModelRunner::begin_drain() {
    std::lock_guard<std::mutex> lock(mutex_);
    draining_ = true;
}

bool ModelRunner::idle() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return queue_.empty() && n_active_ == 0;
}

void ModelRunner::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_ && !thread_.joinable()) return;
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    const Error shutting_down{ErrorCode::INTERNAL, "the server is shutting down"};
    for (auto& slot : slots_) {
        if (slot->active) slot->job.channel->push(error_event(slot->job.choice, shutting_down));
        slot->active = false;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    for (GenerationJob& job : queue_) job.channel->push(error_event(job.choice, shutting_down));
    queue_.clear();
    n_active_ = 0;
}

void ModelRunner::loop() {
    std::vector<Slot*> active;
    for (;;) {
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty() || n_active_ > 0; });
            if (stopping_) return;
            // Jobs whose client left while they waited never take a slot.
            std::erase_if(queue_,
                          [](const GenerationJob& job) { return job.channel->cancelled(); });
            while (!queue_.empty() && admit_front(active)) {
            }
        }
        step(active);
        std::lock_guard<std::mutex> lock(mutex_);
        n_active_ = (int32_t)active.size();
        for (size_t slot_idx = 0; slot_idx < slots_.size(); ++slot_idx) {
            slot_kv_used_[slot_idx] =
                slots_[slot_idx]->active ? slots_[slot_idx]->cache->n_past() : 0;
        }
    }
}

bool ModelRunner::admit_front(std::vector<Slot*>& active) {
    const std::vector<int32_t>& prompt = queue_.front().prompt;
    Slot* best = nullptr;
    size_t best_common = 0;
    for (auto& slot : slots_) {
        if (slot->active) continue;
        size_t common = 0;
        if (options_.reuse_prompt_prefix) {
            const size_t limit = std::min(slot->cached.size(), prompt.size());
            while (common < limit && slot->cached[common] == prompt[common]) ++common;
        }
        if (best == nullptr || common > best_common) {
            best = slot.get();
            best_common = common;
        }
    }
    if (best == nullptr) return false;
    Slot& s = *best;
    s.job = std::move(queue_.front());
    queue_.pop_front();
    // At least the prompt's last token is computed again: its logits give the first token.
    const size_t n_reused = std::min(best_common, s.job.prompt.size() - 1);
    s.active = true;
    s.cache->set_n_past((int64_t)n_reused);
    s.cached.resize(n_reused);
    s.n_prompt_fed = n_reused;
    s.next_token = -1;
    s.n_generated = 0;
    s.history = s.job.prompt;
    s.sampler.emplace(s.job.sampling);
    s.decoder.emplace(model_->vocab());
    s.stop_filter.emplace(s.job.stop);
    if (n_reused > 0) metrics_.count_cached_prompt_tokens(name_, (int64_t)n_reused);
    active.push_back(&s);
    ++n_active_;
    return true;
}

void ModelRunner::step(std::vector<Slot*>& active) {
    // A client that went away frees its slot now, before any more work is done for it.
    std::erase_if(active, [](Slot* slot) {
        if (!slot->job.channel->cancelled()) return false;
        slot->active = false;
        return true;
    });
    if (active.empty()) return;

    // Decoding slots first (one token each), then prompt chunks in admission order.
    std::vector<SequenceBatch> batch;
    std::vector<Slot*> batch_slots;
    int64_t budget = options_.n_batch;
    for (Slot* slot : active) {
        if (slot->next_token < 0) continue;
        batch.push_back({slot->cache.get(), std::span<const int32_t>(&slot->next_token, 1),
                         LogitsWanted::LAST});
        batch_slots.push_back(slot);
        --budget;
    }
    if (!batch.empty()) budget = std::min<int64_t>(budget, options_.n_prefill_chunk);
    for (Slot* slot : active) {
        if (slot->next_token >= 0 || budget <= 0) continue;
        const size_t remaining = slot->job.prompt.size() - slot->n_prompt_fed;
        const size_t n = std::min<size_t>(remaining, (size_t)budget);
        batch.push_back({slot->cache.get(),
                         std::span<const int32_t>(slot->job.prompt.data() + slot->n_prompt_fed, n),
                         n == remaining ? LogitsWanted::LAST : LogitsWanted::NONE});
        batch_slots.push_back(slot);
        budget -= (int64_t)n;
    }

    std::vector<float> logits;  // F32 [n_vocab, n_out]
    Status status = model_->forward_batch(batch, pool_, logits);
    if (!status.ok()) {
        // Requests are validated before they reach the loop, so this is a bug; the batch's
        // jobs end with the error and the others go on.
        for (Slot* slot : batch_slots) {
            slot->job.channel->push(error_event(slot->job.choice, status.error()));
            slot->active = false;
            slot->cached.clear();
        }
        std::erase_if(active, [](Slot* slot) { return !slot->active; });
        return;
    }

    for (size_t batch_idx = 0; batch_idx < batch.size(); ++batch_idx) {
        std::vector<int32_t>& cached = batch_slots[batch_idx]->cached;
        cached.insert(cached.end(), batch[batch_idx].tokens.begin(), batch[batch_idx].tokens.end());
    }
    const int64_t n_vocab = model_->hparams().n_vocab;
    int64_t out_idx = 0;
    for (size_t batch_idx = 0; batch_idx < batch.size(); ++batch_idx) {
        Slot& slot = *batch_slots[batch_idx];
        if (slot.next_token < 0) {
            slot.n_prompt_fed += batch[batch_idx].tokens.size();
            if (batch[batch_idx].logits == LogitsWanted::NONE) continue;
        }
        emit_token(slot, logits.data() + out_idx * n_vocab);
        ++out_idx;
    }
    std::erase_if(active, [](Slot* slot) { return !slot->active; });
}

void ModelRunner::emit_token(Slot& slot, const float* logits_row) {
    const Vocab& vocab = model_->vocab();
    const std::span<const float> logits(logits_row, (size_t)model_->hparams().n_vocab);
    const int32_t token = slot.sampler->sample(logits, slot.history);
    const Clock::time_point now = Clock::now();
    if (slot.n_generated == 0) {
        metrics_.observe_time_to_first_token(
            name_, std::chrono::duration<double>(now - slot.job.submitted_at).count());
    } else {
        metrics_.observe_time_per_output_token(
            name_, std::chrono::duration<double>(now - slot.last_token_at).count());
    }
    slot.last_token_at = now;
    ++slot.n_generated;
    slot.history.push_back(token);

    if (vocab.is_eog(token) && !slot.job.ignore_eos) return finish(slot, FinishReason::STOP);

    GenerationEvent event;
    event.choice = slot.job.choice;
    event.text = slot.stop_filter->push(slot.decoder->push(token));
    if (slot.job.logprobs) {
        event.logprobs.push_back(token_logprob(vocab, logits, token, slot.job.top_logprobs));
    }
    if (!event.text.empty() || !event.logprobs.empty()) slot.job.channel->push(std::move(event));

    if (slot.stop_filter->stopped()) return finish(slot, FinishReason::STOP);
    if (slot.n_generated >= slot.job.max_tokens) return finish(slot, FinishReason::LENGTH);
    if (slot.cache->n_past() >= slot.cache->n_ctx()) return finish(slot, FinishReason::LENGTH);
    slot.next_token = token;
}

void ModelRunner::finish(Slot& slot, FinishReason reason) {
    GenerationEvent tail;
    tail.choice = slot.job.choice;
    if (!slot.stop_filter->stopped()) {
        tail.text = slot.stop_filter->push(slot.decoder->flush());
        if (!slot.stop_filter->stopped()) tail.text += slot.stop_filter->flush();
    }
    if (!tail.text.empty()) slot.job.channel->push(std::move(tail));

    GenerationEvent done;
    done.kind = GenerationEvent::Kind::DONE;
    done.choice = slot.job.choice;
    done.finish_reason = reason;
    done.n_prompt_tokens = (int32_t)slot.job.prompt.size();
    done.n_completion_tokens = slot.n_generated;
    metrics_.count_tokens(name_, done.n_prompt_tokens, done.n_completion_tokens);
    slot.job.channel->push(std::move(done));
    slot.active = false;
}

}  // namespace souverain::server
