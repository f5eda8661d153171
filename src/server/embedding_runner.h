#pragma once
// The inference loop of one encoder model (arch bert): embeddings for /v1/embeddings.
//
// One thread owns the model's forward passes and the thread pool. HTTP threads tokenize and
// validate their inputs, then hand an EmbeddingJob to submit(); the queue is the only way in,
// and the job's promise the only way back. At every step the loop takes every queued job whose
// tokens fit in `max_batch_tokens` together (at least one), runs them in one forward pass
// (each weight matrix read once for all their inputs) and fulfils their promises. A vector does
// not depend on what else was in its batch: the kernels compute every token's column
// independently and attention stays within each input (bert_model.h), so batching changes
// speed, never results.
//
// Thread-safety: submit(), stats and the lifecycle calls are safe from any thread.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/thread_pool.h"
#include "engine/bert_model.h"

namespace souverain::server {

// The inputs of one request, as token ids the model can take (non-empty, at most
// max_tokens() each, ids inside the vocabulary: checked by the HTTP thread).
struct EmbeddingJob {
    std::vector<std::vector<int32_t>> inputs;
    std::promise<Result<std::vector<std::vector<float>>>> result;
};

struct EmbeddingRunnerOptions {
    int32_t n_threads = 0;            // 0: one per hardware thread
    int64_t max_batch_tokens = 8192;  // tokens per forward pass (a single job may exceed it)
    int32_t max_queue = 64;           // jobs waiting; then submit() refuses
};

class EmbeddingRunner {
public:
    EmbeddingRunner(std::string name, std::unique_ptr<BertModel> model,
                    const EmbeddingRunnerOptions& options);
    ~EmbeddingRunner();  // stop()s
    EmbeddingRunner(const EmbeddingRunner&) = delete;
    EmbeddingRunner& operator=(const EmbeddingRunner&) = delete;

    const std::string& name() const { return name_; }
    const BertModel& model() const { return *model_; }
    int64_t created_unix() const { return created_unix_; }

    // Queues a job; false (the job untouched) when the queue is full or the runner draining:
    // the caller answers 503.
    bool submit(EmbeddingJob& job);

    // Forward passes run so far and the inputs they embedded (batching is visible in tests).
    int64_t n_batches() const;
    int64_t n_inputs() const;

    // Refuse new jobs from now on; queued ones go on.
    void begin_drain();
    // True when no job is queued or running.
    bool idle() const;
    // Fails every queued job ("the server is shutting down") and stops the loop thread.
    void stop();

private:
    void loop();

    std::string name_;
    std::unique_ptr<BertModel> model_;
    EmbeddingRunnerOptions options_;
    int64_t created_unix_ = 0;
    ThreadPool pool_;

    mutable std::mutex mutex_;  // guards everything below but thread_
    std::condition_variable wake_;
    std::deque<EmbeddingJob> queue_;
    bool draining_ = false;
    bool stopping_ = false;
    bool running_ = false;  // the loop holds jobs outside the queue
    int64_t n_batches_ = 0;
    int64_t n_inputs_ = 0;
    std::thread thread_;
};

}  // namespace souverain::server
