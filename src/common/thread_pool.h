#pragma once
// A persistent pool of worker threads for data-parallel loops. Threads are created once,
// at construction; parallel_for() hands out task indices through an atomic counter, and
// the calling thread works too, so ThreadPool(1) runs everything on the caller.
//
// Decode issues hundreds of short parallel loops per token (a matmul of a small matrix
// takes tens of microseconds), so waking a sleeping thread through the kernel for each one
// would cost more than the loop. Workers therefore spin for a short while (kSpinMicros)
// after a loop before they sleep on a condition variable, and the caller spins while it
// waits for the others to finish.
//
// Thread-safety: parallel_for() must be called from one thread at a time (the inference
// loop owns the pool). The callback runs concurrently on every worker and must only write
// to memory that its task index owns.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace souverain {

class ThreadPool {
public:
    // n_threads counts the calling thread: n_threads - 1 workers are started. 0 means
    // one per hardware thread.
    explicit ThreadPool(int n_threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int n_threads() const { return (int)workers_.size() + 1; }

    // Calls fn(task_idx, thread_idx) for every task_idx in [0, n_tasks), spread over the
    // threads; returns when all tasks are done. thread_idx is in [0, n_threads()).
    void parallel_for(int64_t n_tasks, const std::function<void(int64_t, int)>& fn);

    // How long an idle worker spins before it sleeps.
    static constexpr int64_t kSpinMicros = 2000;

private:
    void worker_loop(int thread_idx);
    void run_tasks(int thread_idx);

    std::vector<std::thread> workers_;
    std::mutex mutex_;  // guards sleeping on wake_ (generation_ changes are also atomic)
    std::condition_variable wake_;
    std::atomic<uint64_t> generation_{0};  // bumped for each parallel_for
    std::atomic<bool> stopping_{false};
    std::atomic<int> n_busy_{0};  // workers still inside the current loop
    const std::function<void(int64_t, int)>* fn_ = nullptr;
    int64_t n_tasks_ = 0;
    alignas(64) std::atomic<int64_t> next_task_{0};  // own cache line: hammered by every thread
    char pad_[64 - sizeof(std::atomic<int64_t>)];
};

}  // namespace souverain
