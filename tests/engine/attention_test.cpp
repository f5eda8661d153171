#include "engine/attention.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace souverain {
namespace {

// Direct softmax attention in double precision over the cache's stored (F32) rows.
std::vector<float> naive_attention(const std::vector<float>& q, int64_t n_tokens, int64_t pos0,
                                   const KvCache& cache, const AttentionShape& shape) {
    const int64_t n_embd = shape.n_head * shape.head_dim;
    const int64_t group = shape.n_head / shape.n_head_kv;
    std::vector<float> out((size_t)(n_embd * n_tokens));
    std::vector<float> k((size_t)cache.n_embd_kv()), v((size_t)cache.n_embd_kv());
    for (int64_t token_idx = 0; token_idx < n_tokens; ++token_idx) {
        const int64_t n_kv = pos0 + token_idx + 1;
        for (int64_t head_idx = 0; head_idx < shape.n_head; ++head_idx) {
            const int64_t kv_offset = (head_idx / group) * shape.head_dim;
            std::vector<double> scores((size_t)n_kv);
            double max_score = -1e300;
            for (int64_t pos = 0; pos < n_kv; ++pos) {
                cache.load_k(0, pos, k.data());
                double s = 0.0;
                for (int64_t dim = 0; dim < shape.head_dim; ++dim) {
                    s += (double)q[(size_t)(token_idx * n_embd + head_idx * shape.head_dim + dim)] *
                         k[(size_t)(kv_offset + dim)];
                }
                scores[(size_t)pos] = s / std::sqrt((double)shape.head_dim);
                max_score = std::max(max_score, scores[(size_t)pos]);
            }
            double sum = 0.0;
            for (double& s : scores) sum += (s = std::exp(s - max_score));
            for (int64_t dim = 0; dim < shape.head_dim; ++dim) {
                double value = 0.0;
                for (int64_t pos = 0; pos < n_kv; ++pos) {
                    cache.load_v(0, pos, v.data());
                    value += scores[(size_t)pos] / sum * v[(size_t)(kv_offset + dim)];
                }
                out[(size_t)(token_idx * n_embd + head_idx * shape.head_dim + dim)] = (float)value;
            }
        }
    }
    return out;
}

void check_against_naive(int64_t n_tokens, int64_t pos0, int n_threads,
                         KvCacheType cache_type = KvCacheType::F32) {
    const AttentionShape shape{8, 2, 32};
    const int64_t n_embd = shape.n_head * shape.head_dim;
    const int64_t n_embd_kv = shape.n_head_kv * shape.head_dim;
    KvCache cache(1, pos0 + n_tokens, n_embd_kv, cache_type);
    std::mt19937 rng((uint32_t)(n_tokens * 31 + pos0));
    std::normal_distribution<float> normal(0.0f, 2.0f);  // wide scores exercise rescaling
    std::vector<float> k((size_t)n_embd_kv), v((size_t)n_embd_kv);
    for (int64_t pos = 0; pos < pos0 + n_tokens; ++pos) {
        for (float& x : k) x = normal(rng);
        for (float& x : v) x = normal(rng);
        cache.store(0, pos, k.data(), v.data());
    }
    std::vector<float> q((size_t)(n_embd * n_tokens));
    for (float& x : q) x = normal(rng);
    std::vector<float> out(q.size());
    ThreadPool pool(n_threads);
    causal_attention(q.data(), out.data(), n_tokens, pos0, cache, 0, shape, pool);
    std::vector<float> expected = naive_attention(q, n_tokens, pos0, cache, shape);
    for (size_t idx = 0; idx < out.size(); ++idx) {
        ASSERT_NEAR(out[idx], expected[idx], 2e-5f * (1.0f + std::fabs(expected[idx])))
            << "n_tokens " << n_tokens << " pos0 " << pos0 << " idx " << idx << " cache "
            << int(cache_type);
    }
}

TEST(Attention, TiledOnlineSoftmaxMatchesDirectSoftmax) {
    check_against_naive(1, 0, 1);     // first token attends only to itself
    check_against_naive(1, 200, 2);   // decode over several tiles
    check_against_naive(37, 0, 2);    // prefill spanning query blocks
    check_against_naive(20, 100, 2);  // a chunk appended to an existing context
}

// The reference reads the cache back as F32 (F16 and Q8_0 rounding included), so it checks how
// attention reads each type: an F16 cache in place for one token's heads (decode), widened per
// tile for a prefill block; Q8_0 always widened.
TEST(Attention, EveryCacheTypeMatchesDirectSoftmaxOverItsStoredValues) {
    for (KvCacheType type : {KvCacheType::F16, KvCacheType::Q8_0}) {
        check_against_naive(1, 0, 1, type);
        check_against_naive(1, 200, 2, type);
        check_against_naive(37, 0, 2, type);
        check_against_naive(20, 100, 2, type);
    }
}

}  // namespace
}  // namespace souverain
