#pragma once
// The one crossing point between an HTTP thread and the inference loop for one request:
// the loop pushes events (text pieces, the end, an error), the HTTP thread pops them and
// writes them to the client; the HTTP thread cancels when its client goes away, and the
// loop frees the request's slots at its next step.
//
// Thread-safety: push() and cancel() may be called from any thread, pop() from one consumer.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "common/error.h"
#include "engine/generator.h"

namespace souverain::server {

struct TopLogprob {
    int32_t id = 0;
    std::string text;  // the token's bytes (may be part of a UTF-8 character)
    float logprob = 0.0f;
};

// The log-probability of one generated token and of the most likely alternatives.
struct TokenLogprob {
    int32_t id = 0;
    std::string text;
    float logprob = 0.0f;
    std::vector<TopLogprob> top;
};

struct GenerationEvent {
    enum class Kind { TEXT, DONE, ERROR };
    Kind kind = Kind::TEXT;
    int32_t choice = 0;                  // which of the request's n choices
    std::string text;                    // TEXT: complete UTF-8 characters, stop strings withheld
    std::vector<TokenLogprob> logprobs;  // TEXT: the tokens behind `text`, when asked for
    FinishReason finish_reason = FinishReason::STOP;  // DONE
    int32_t n_prompt_tokens = 0;                      // DONE
    int32_t n_completion_tokens = 0;                  // DONE
    Error error{ErrorCode::INTERNAL, ""};             // ERROR
};

class RequestChannel {
public:
    void push(GenerationEvent event) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            events_.push_back(std::move(event));
        }
        ready_.notify_one();
    }

    // Waits up to `timeout` for an event; false when none came.
    bool pop(GenerationEvent& out, std::chrono::milliseconds timeout) {
        std::unique_lock<std::mutex> lock(mutex_);
        if (!ready_.wait_for(lock, timeout, [&] { return !events_.empty(); })) return false;
        out = std::move(events_.front());
        events_.pop_front();
        return true;
    }

    void cancel() { cancelled_.store(true, std::memory_order_relaxed); }
    bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

private:
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<GenerationEvent> events_;
    std::atomic<bool> cancelled_{false};
};

}  // namespace souverain::server
