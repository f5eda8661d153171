#include "server/embedding_runner.h"

#include <ctime>

namespace souverain::server {

EmbeddingRunner::EmbeddingRunner(std::string name, std::unique_ptr<BertModel> model,
                                 const EmbeddingRunnerOptions& options)
    : name_(std::move(name)),
      model_(std::move(model)),
      options_(options),
      created_unix_((int64_t)std::time(nullptr)),
      pool_(options.n_threads) {
    thread_ = std::thread([this] { loop(); });
}

EmbeddingRunner::~EmbeddingRunner() {
    stop();
}

bool EmbeddingRunner::submit(EmbeddingJob& job) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (draining_ || stopping_ || queue_.size() >= (size_t)options_.max_queue) return false;
        queue_.push_back(std::move(job));
    }
    wake_.notify_one();
    return true;
}

int64_t EmbeddingRunner::n_batches() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return n_batches_;
}

int64_t EmbeddingRunner::n_inputs() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return n_inputs_;
}

void EmbeddingRunner::begin_drain() {
    std::lock_guard<std::mutex> lock(mutex_);
    draining_ = true;
}

bool EmbeddingRunner::idle() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return queue_.empty() && !running_;
}

void EmbeddingRunner::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    std::lock_guard<std::mutex> lock(mutex_);
    for (EmbeddingJob& job : queue_) {
        job.result.set_value(make_error(ErrorCode::INTERNAL, "the server is shutting down"));
    }
    queue_.clear();
}

void EmbeddingRunner::loop() {
    for (;;) {
        std::vector<EmbeddingJob> batch;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            // Whole jobs while they fit the token budget; the first always goes, so a job
            // larger than the budget still runs (alone).
            int64_t n_tokens = 0;
            while (!queue_.empty()) {
                int64_t job_tokens = 0;
                for (const auto& input : queue_.front().inputs) job_tokens += (int64_t)input.size();
                if (!batch.empty() && n_tokens + job_tokens > options_.max_batch_tokens) break;
                n_tokens += job_tokens;
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
            running_ = true;
        }
        std::vector<std::vector<int32_t>> inputs;
        for (EmbeddingJob& job : batch) {
            for (auto& input : job.inputs) inputs.push_back(std::move(input));
        }
        // Inputs were checked by the HTTP threads, so a failure here is a bug; every job of
        // the batch then gets it.
        Result<std::vector<std::vector<float>>> vectors = model_->embed_tokens(inputs, pool_);
        {
            // Counted before the answers go out, so that a client holding its answer sees them.
            std::lock_guard<std::mutex> lock(mutex_);
            running_ = false;
            n_batches_ += 1;
            n_inputs_ += (int64_t)inputs.size();
        }
        size_t next = 0;
        for (EmbeddingJob& job : batch) {
            const size_t count = job.inputs.size();
            if (!vectors) {
                job.result.set_value(vectors.error());
            } else {
                std::vector<std::vector<float>> own(count);
                for (size_t idx = 0; idx < count; ++idx)
                    own[idx] = std::move((*vectors)[next + idx]);
                job.result.set_value(std::move(own));
            }
            next += count;
        }
    }
}

}  // namespace souverain::server
