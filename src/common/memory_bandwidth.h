#pragma once
// Measures the machine's memory read bandwidth the way decode uses memory: every thread of
// the pool streams its share of a large buffer once per pass. This is the roofline against
// which decode speed is judged (model bytes x tokens/s / bandwidth).
#include <cstddef>

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

}  // namespace souverain
