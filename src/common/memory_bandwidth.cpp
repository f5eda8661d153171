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

ReadBandwidthProbe::ReadBandwidthProbe(ThreadPool& pool, size_t buffer_bytes)
    : pool_(pool),
      n_words_(buffer_bytes / sizeof(uint64_t)),
      buffer_(new uint64_t[buffer_bytes / sizeof(uint64_t)]) {
    const int64_t n_tasks = pool_.n_threads();
    const size_t words_per_task = (n_words_ + (size_t)n_tasks - 1) / (size_t)n_tasks;
    // First touch from the threads that will read, so pages land near them.
    pool_.parallel_for(n_tasks, [&](int64_t task_idx, int) {
        const size_t begin = (size_t)task_idx * words_per_task;
        const size_t end = std::min(n_words_, begin + words_per_task);
        for (size_t idx = begin; idx < end; ++idx) buffer_[idx] = idx * 0x9e3779b97f4a7c15ull;
    });
}

double ReadBandwidthProbe::sample() {
    const int64_t n_tasks = pool_.n_threads();
    const size_t words_per_task = (n_words_ + (size_t)n_tasks - 1) / (size_t)n_tasks;
    std::atomic<uint64_t> sink{0};
    const auto start = std::chrono::steady_clock::now();
    pool_.parallel_for(n_tasks, [&](int64_t task_idx, int) {
        const size_t begin = (size_t)task_idx * words_per_task;
        const size_t end = std::min(n_words_, begin + words_per_task);
        sink.fetch_add(sum_words(buffer_.get() + begin, end - begin), std::memory_order_relaxed);
    });
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    sink_ += sink.load(std::memory_order_relaxed);
    return (double)buffer_bytes() / seconds;
}

BandwidthResult measure_read_bandwidth(ThreadPool& pool, size_t buffer_bytes, int passes) {
    ReadBandwidthProbe probe(pool, buffer_bytes);
    BandwidthResult result;
    result.buffer_bytes = probe.buffer_bytes();
    result.passes = passes;
    for (int pass = 0; pass < passes; ++pass) {
        result.bytes_per_second = std::max(result.bytes_per_second, probe.sample());
    }
    return result;
}

}  // namespace souverain
