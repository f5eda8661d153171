#include "common/thread_pool.h"

#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SOUVERAIN_CPU_RELAX() _mm_pause()
#else
#define SOUVERAIN_CPU_RELAX() std::this_thread::yield()
#endif

namespace souverain {

ThreadPool::ThreadPool(int n_threads) {
    if (n_threads <= 0) n_threads = (int)std::max(1u, std::thread::hardware_concurrency());
    for (int thread_idx = 1; thread_idx < n_threads; ++thread_idx) {
        workers_.emplace_back([this, thread_idx] { worker_loop(thread_idx); });
    }
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_.store(true);
    }
    wake_.notify_all();
    for (auto& worker : workers_) worker.join();
}

void ThreadPool::run_tasks(int thread_idx) {
    for (;;) {
        const int64_t task_idx = next_task_.fetch_add(1, std::memory_order_relaxed);
        if (task_idx >= n_tasks_) break;
        (*fn_)(task_idx, thread_idx);
    }
}

void ThreadPool::worker_loop(int thread_idx) {
    using Clock = std::chrono::steady_clock;
    uint64_t seen_generation = 0;
    for (;;) {
        // Spin first: the next loop usually starts within microseconds.
        const auto spin_until = Clock::now() + std::chrono::microseconds(kSpinMicros);
        uint64_t generation = generation_.load(std::memory_order_acquire);
        for (int spins = 0;
             generation == seen_generation && !stopping_.load(std::memory_order_relaxed); ++spins) {
            SOUVERAIN_CPU_RELAX();
            if ((spins & 255) == 255 && Clock::now() > spin_until) break;
            generation = generation_.load(std::memory_order_acquire);
        }
        if (generation == seen_generation) {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [&] {
                return stopping_.load() ||
                       generation_.load(std::memory_order_acquire) != seen_generation;
            });
            generation = generation_.load(std::memory_order_acquire);
        }
        if (stopping_.load()) return;
        seen_generation = generation;
        run_tasks(thread_idx);
        n_busy_.fetch_sub(1, std::memory_order_release);
    }
}

void ThreadPool::parallel_for(int64_t n_tasks, const std::function<void(int64_t, int)>& fn) {
    if (n_tasks <= 0) return;
    if (workers_.empty() || n_tasks == 1) {
        for (int64_t task_idx = 0; task_idx < n_tasks; ++task_idx) fn(task_idx, 0);
        return;
    }
    fn_ = &fn;
    n_tasks_ = n_tasks;
    next_task_.store(0, std::memory_order_relaxed);
    n_busy_.store((int)workers_.size(), std::memory_order_relaxed);
    {
        // Publishing under the mutex means a worker that is about to sleep either sees the
        // new generation in its wait predicate or is already waiting and gets the notify.
        std::lock_guard<std::mutex> lock(mutex_);
        generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    run_tasks(0);
    while (n_busy_.load(std::memory_order_acquire) != 0) SOUVERAIN_CPU_RELAX();
    fn_ = nullptr;
}

}  // namespace souverain
