#pragma once
// Measures the machine's memory read bandwidth the way decode uses memory: every thread of
// the pool streams its share of a large buffer once per pass. This is the roofline against
// which decode speed is judged (model bytes x tokens/s / bandwidth).
#include <cstddef>
#include <cstdint>
#include <memory>

#include "common/thread_pool.h"

namespace souverain {

struct BandwidthResult {
    double bytes_per_second = 0.0;  // best of the passes
    size_t buffer_bytes = 0;
    int passes = 0;
};

// Sums a buffer of `buffer_bytes` (default 1 GiB) `passes` times with all pool threads and
// returns the best pass. The buffer is touched once before timing (page faults excluded).
BandwidthResult measure_read_bandwidth(ThreadPool& pool, size_t buffer_bytes = size_t(1) << 30,
                                       int passes = 5);

// A buffer kept resident so that the bandwidth can be sampled between other work (the bench
// samples it between decode steps): on a shared machine the bandwidth moves by a factor of two
// from one minute to the next, so a roofline is only fair against samples taken while the
// measured work ran. Each sample is one pass with all pool threads.
//
// Thread-safety: one thread calls sample() at a time (it runs the pool). The buffer
// (`buffer_bytes`, resident from construction) is freed with the probe.
class ReadBandwidthProbe {
public:
    ReadBandwidthProbe(ThreadPool& pool, size_t buffer_bytes);
    ReadBandwidthProbe(const ReadBandwidthProbe&) = delete;
    ReadBandwidthProbe& operator=(const ReadBandwidthProbe&) = delete;

    // One pass over the buffer; returns bytes per second.
    double sample();
    size_t buffer_bytes() const { return n_words_ * sizeof(uint64_t); }

private:
    ThreadPool& pool_;
    size_t n_words_ = 0;
    std::unique_ptr<uint64_t[]> buffer_;
    uint64_t sink_ = 0;  // keeps the sums alive
};

}  // namespace souverain
