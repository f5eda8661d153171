#include "engine/kv_cache.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace souverain {
namespace {

std::vector<float> random_row(int64_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal;
    std::vector<float> row((size_t)n);
    for (float& v : row) v = normal(rng);
    return row;
}

double relative_error(const std::vector<float>& a, const std::vector<float>& b) {
    double diff = 0.0, norm = 0.0;
    for (size_t idx = 0; idx < a.size(); ++idx) {
        diff += (a[idx] - b[idx]) * (double)(a[idx] - b[idx]);
        norm += (double)b[idx] * b[idx];
    }
    return std::sqrt(diff / norm);
}

TEST(KvCache, RowsReadBackExactlyForF32AndCloselyForF16AndQ8) {
    const int64_t n_embd_kv = 128;
    struct Case {
        KvCacheType type;
        double max_error;
    };
    for (Case c : {Case{KvCacheType::F32, 0.0}, Case{KvCacheType::F16, 1e-3},
                   Case{KvCacheType::Q8_0, 1e-2}}) {
        KvCache cache(2, 8, n_embd_kv, c.type);
        std::vector<float> k = random_row(n_embd_kv, 1), v = random_row(n_embd_kv, 2);
        cache.store(1, 5, k.data(), v.data());
        std::vector<float> k_back((size_t)n_embd_kv), v_back((size_t)n_embd_kv);
        cache.load_k(1, 5, k_back.data());
        cache.load_v(1, 5, v_back.data());
        EXPECT_LE(relative_error(k_back, k), c.max_error);
        EXPECT_LE(relative_error(v_back, v), c.max_error);
        // A head slice reads the same values as the full row.
        std::vector<float> part(32);
        cache.load_k_part(1, 5, 64, 32, part.data());
        for (int idx = 0; idx < 32; ++idx) EXPECT_EQ(part[(size_t)idx], k_back[(size_t)(64 + idx)]);
    }
}

TEST(KvCache, SizesFollowTheElementType) {
    EXPECT_EQ(KvCache(2, 16, 64, KvCacheType::F32).bytes(), 2u * 2u * 16u * 64u * 4u);
    EXPECT_EQ(KvCache(2, 16, 64, KvCacheType::F16).bytes(), 2u * 2u * 16u * 64u * 2u);
    EXPECT_EQ(KvCache(2, 16, 64, KvCacheType::Q8_0).bytes(), 2u * 2u * 16u * 2u * 34u);
}

TEST(KvCache, Q8NeedsWholeBlocksPerHead) {
    EXPECT_TRUE(KvCache::supports_type(KvCacheType::Q8_0, 1024, 128));
    EXPECT_FALSE(KvCache::supports_type(KvCacheType::Q8_0, 80, 40));
    EXPECT_TRUE(KvCache::supports_type(KvCacheType::F16, 80, 40));
}

TEST(KvCache, ParsesTypeNames) {
    EXPECT_EQ(*parse_kv_cache_type("q8_0"), KvCacheType::Q8_0);
    EXPECT_FALSE(parse_kv_cache_type("q4_0").ok());
}

}  // namespace
}  // namespace souverain
