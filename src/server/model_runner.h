#pragma once
// The inference loop of one model: continuous batching over a fixed set of slots.
//
// One thread owns the model's forward passes, the KV caches (one per slot) and the thread
// pool. HTTP threads hand it GenerationJobs through submit(); the only way back is each
// job's RequestChannel. At every step the loop
//   1. drops jobs whose client went away (their slots are free at once),
//   2. moves queued jobs into free slots (the one already holding the longest prefix of the
//      job's prompt, whose cached keys and values are then reused),
//   3. builds one batch: one token for every slot that is generating, plus prompt chunks of
//      slots still reading their prompt: up to `n_batch` tokens when nobody is generating,
//      `n_prefill_chunk` when somebody is (long prompts are cut into chunks so they never
//      stall the streams of the others),
//   4. runs one forward pass for the whole batch (weights read once for all sequences),
//   5. samples the next token of every slot that produced logits and pushes text events.
// Because every kernel computes each token's column independently of the others, a job's
// greedy output is bit for bit the same alone or beside any number of other jobs.
//
// Thread-safety: submit(), stats() and the lifecycle calls are safe from any thread.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/thread_pool.h"
#include "engine/llama_model.h"
#include "engine/sampling.h"
#include "server/metrics.h"
#include "server/request_channel.h"

namespace souverain::server {

// One sequence to generate: a choice of a request (a request with n choices submits n jobs
// sharing one channel).
struct GenerationJob {
    std::vector<int32_t> prompt;  // non-empty; prompt + max_tokens fit the slot context
    SamplingParams sampling;
    int32_t max_tokens = 16;  // >= 1
    std::vector<std::string> stop;
    bool logprobs = false;
    int32_t top_logprobs = 0;
    bool ignore_eos = false;  // end-of-generation tokens do not end the sequence
    int32_t choice = 0;
    std::shared_ptr<RequestChannel> channel;
    std::chrono::steady_clock::time_point submitted_at;
};

struct RunnerOptions {
    int32_t n_slots = 4;
    int64_t n_ctx = 4096;  // per slot
    KvCacheType cache_type = KvCacheType::F16;
    int32_t n_threads = 0;  // 0: one per hardware thread
    int32_t n_batch = 512;  // tokens per forward pass, prompt chunks included
    // While any slot is generating, prompt chunks are cut to this many tokens per step, so
    // that a long prompt delays the others' next tokens by one short step only.
    int32_t n_prefill_chunk = 64;
    int32_t max_queue = 64;  // jobs waiting beyond the free slots; then submit() refuses
    // A slot keeps the keys and values of its last sequence; a job whose prompt starts with
    // the same tokens goes to the free slot sharing the longest prefix and computes only the
    // rest (multi-turn chats resend the whole conversation; system prompts repeat). The kept
    // entries are bit for bit what recomputing them gives (the kernels are batch- and
    // chunk-invariant), so outputs do not change.
    bool reuse_prompt_prefix = true;
};

class ModelRunner {
public:
    // Allocates the slots' caches; fails when the cache type does not suit the model.
    static Result<std::unique_ptr<ModelRunner>> create(std::string name,
                                                       std::unique_ptr<LlamaModel> model,
                                                       const RunnerOptions& options,
                                                       Metrics& metrics);
    ~ModelRunner();  // stop()s
    ModelRunner(const ModelRunner&) = delete;
    ModelRunner& operator=(const ModelRunner&) = delete;

    const std::string& name() const { return name_; }
    const LlamaModel& model() const { return *model_; }
    int64_t n_ctx() const { return options_.n_ctx; }
    int64_t created_unix() const { return created_unix_; }

    // Queues the jobs of one request, all or none: false when the queue cannot take them all
    // (the caller answers 503) or the runner is draining.
    bool submit(std::vector<GenerationJob> jobs);

    RunnerStats stats() const;

    // Refuse new jobs from now on; jobs already queued or running go on.
    void begin_drain();
    // True when no job is queued or running.
    bool idle() const;
    // Ends every queued and running job with an error event and stops the loop thread.
    void stop();

private:
    struct Slot;
    ModelRunner(std::string name, std::unique_ptr<LlamaModel> model, const RunnerOptions& options,
                Metrics& metrics);
    void loop();
    void step(std::vector<Slot*>& active);
    void finish(Slot& slot, FinishReason reason);
    // Samples the slot's next token from its logits F32 [n_vocab] and reports it.
    void emit_token(Slot& slot, const float* logits);
    // Takes the job at the front of the queue into the best free slot; false when none is free.
    bool admit_front(std::vector<Slot*>& active);

    std::string name_;
    std::unique_ptr<LlamaModel> model_;
    RunnerOptions options_;
    Metrics& metrics_;
    int64_t created_unix_ = 0;
    ThreadPool pool_;
    std::vector<std::unique_ptr<Slot>> slots_;

    mutable std::mutex mutex_;  // guards queue_, draining_, stopping_, n_active_
    std::condition_variable wake_;
    std::deque<GenerationJob> queue_;
    bool draining_ = false;
    bool stopping_ = false;
    int32_t n_active_ = 0;
    std::vector<int64_t> slot_kv_used_;  // mirror of the caches' fill, for stats()
    std::thread thread_;
};

}  // namespace souverain::server
