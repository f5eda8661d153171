#include "common/thread_pool.h"

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
        stopping_ = true;
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
    uint64_t seen_generation = 0;
    for (;;) {
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || generation_ != seen_generation; });
            if (stopping_) return;
            seen_generation = generation_;
        }
        run_tasks(thread_idx);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (--n_busy_ == 0) done_.notify_one();
        }
    }
}

void ThreadPool::parallel_for(int64_t n_tasks, const std::function<void(int64_t, int)>& fn) {
    if (n_tasks <= 0) return;
    if (workers_.empty() || n_tasks == 1) {
        for (int64_t task_idx = 0; task_idx < n_tasks; ++task_idx) fn(task_idx, 0);
        return;
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        fn_ = &fn;
        n_tasks_ = n_tasks;
        next_task_.store(0, std::memory_order_relaxed);
        n_busy_ = (int)workers_.size();
        ++generation_;
    }
    wake_.notify_all();
    run_tasks(0);
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return n_busy_ == 0; });
    fn_ = nullptr;
}

}  // namespace souverain
