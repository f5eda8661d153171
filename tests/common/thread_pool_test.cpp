#include "common/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace souverain {
namespace {

TEST(ThreadPool, RunsEveryTaskExactlyOnce) {
    for (int n_threads : {1, 2, 4}) {
        ThreadPool pool(n_threads);
        std::vector<std::atomic<int>> hits(1000);
        pool.parallel_for(1000, [&](int64_t task_idx, int) { hits[(size_t)task_idx]++; });
        for (auto& hit : hits) EXPECT_EQ(hit.load(), 1);
    }
}

TEST(ThreadPool, ThreadIndicesStayInRangeAndPoolIsReusable) {
    ThreadPool pool(3);
    for (int round = 0; round < 200; ++round) {
        std::atomic<int> bad{0};
        std::atomic<int64_t> sum{0};
        pool.parallel_for(round % 7, [&](int64_t task_idx, int thread_idx) {
            if (thread_idx < 0 || thread_idx >= pool.n_threads()) bad++;
            sum += task_idx;
        });
        const int64_t n = round % 7;
        EXPECT_EQ(sum.load(), n * (n - 1) / 2);
        EXPECT_EQ(bad.load(), 0);
    }
}

}  // namespace
}  // namespace souverain
