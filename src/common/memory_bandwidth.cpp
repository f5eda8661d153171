#include "common/memory_bandwidth.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace souverain {

namespace {

// Eight independent integer accumulators: no floating-point reassociation is needed for
// the compiler to vectorize it, and the loop is limited by loads, not by adds.
uint64_t sum_words(const uint64_t* words, size_t n) {
    uint64_t acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t idx = 0;
    for (; idx + 8 <= n; idx += 8) {
        for (int lane = 0; lane < 8; ++lane) acc[lane] += words[idx + (size_t)lane];
    }
    for (; idx < n; ++idx) acc[0] += words[idx];
    uint64_t total = 0;
    for (uint64_t value : acc) total += value;
    return total;
}

}  // namespace

BandwidthResult measure_read_bandwidth(ThreadPool& pool, size_t buffer_bytes, int passes) {
    const size_t n_words = buffer_bytes / sizeof(uint64_t);
    std::unique_ptr<uint64_t[]> buffer(new uint64_t[n_words]);
    const int64_t n_tasks = pool.n_threads();
    const size_t words_per_task = (n_words + (size_t)n_tasks - 1) / (size_t)n_tasks;
    // First touch from the threads that will read, so pages land near them.
    pool.parallel_for(n_tasks, [&](int64_t task_idx, int) {
        const size_t begin = (size_t)task_idx * words_per_task;
        const size_t end = std::min(n_words, begin + words_per_task);
        for (size_t idx = begin; idx < end; ++idx) buffer[idx] = idx * 0x9e3779b97f4a7c15ull;
    });
    std::atomic<uint64_t> sink{0};
    BandwidthResult result;
    result.buffer_bytes = n_words * sizeof(uint64_t);
    result.passes = passes;
    for (int pass = 0; pass < passes; ++pass) {
        const auto start = std::chrono::steady_clock::now();
        pool.parallel_for(n_tasks, [&](int64_t task_idx, int) {
            const size_t begin = (size_t)task_idx * words_per_task;
            const size_t end = std::min(n_words, begin + words_per_task);
            sink.fetch_add(sum_words(buffer.get() + begin, end - begin), std::memory_order_relaxed);
        });
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        result.bytes_per_second =
            std::max(result.bytes_per_second, (double)result.buffer_bytes / seconds);
    }
    return result;
}

}  // namespace souverain
