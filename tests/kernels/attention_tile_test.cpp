// The attention tile loops of every level against their portable twins (kernels/attention_tile.h)
// on random tiles of many shapes: head sizes with and without a 16-float vector path, tiles of
// every position count around the 16-position groups, exactly sized buffers (AddressSanitizer
// catches a read or write past them in the Debug suite).
#include "kernels/attention_tile.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/generic/fp16.h"

namespace souverain::kernels {
namespace {

std::vector<KernelLevel> supported_levels() {
    std::vector<KernelLevel> levels;
    for (KernelLevel level : {KernelLevel::SCALAR, KernelLevel::AVX2, KernelLevel::AVX512}) {
        if (level <= best_kernel_level()) levels.push_back(level);
    }
    return levels;
}

std::vector<float> random_floats(std::mt19937& rng, size_t n) {
    std::normal_distribution<float> normal;
    std::vector<float> values(n);
    for (float& value : values) value = normal(rng);
    return values;
}

constexpr int64_t HEAD_DIMS[] = {8, 16, 20, 32, 48, 64, 80, 96, 112, 128, 160, 256};

TEST(AttentionTile, ScoresEqualThePortableTwinUpToRounding) {
    std::mt19937 rng(7);
    for (KernelLevel level : supported_levels()) {
        SCOPED_TRACE(kernel_level_name(level));
        const TileScoresFn scores_fn = attention_tile_kernels(level).scores;
        for (int64_t head_dim : HEAD_DIMS) {
            for (int64_t n_pos = 1; n_pos <= 66; ++n_pos) {
                const std::vector<float> q = random_floats(rng, (size_t)head_dim);
                const std::vector<float> k = random_floats(rng, (size_t)(head_dim * n_pos));
                const float scale = 1.0f / std::sqrt((float)head_dim);
                std::vector<float> expected((size_t)n_pos), got((size_t)n_pos);
                tile_scores_portable(q.data(), k.data(), n_pos, head_dim, scale, expected.data());
                scores_fn(q.data(), k.data(), n_pos, head_dim, scale, got.data());
                for (int64_t pos = 0; pos < n_pos; ++pos) {
                    // Bound of the reordering error: a few ulps of the sum of |terms|.
                    double magnitude = 0.0;
                    for (int64_t dim = 0; dim < head_dim; ++dim)
                        magnitude += std::fabs(q[(size_t)dim] * k[(size_t)(pos * head_dim + dim)]);
                    ASSERT_NEAR(got[(size_t)pos], expected[(size_t)pos],
                                4e-7 * magnitude * scale + 1e-30)
                        << "head_dim=" << head_dim << " n_pos=" << n_pos << " pos=" << pos;
                }
            }
        }
    }
}

TEST(AttentionTile, AccumulationEqualsThePortableTwinUpToRounding) {
    std::mt19937 rng(11);
    std::uniform_real_distribution<float> unit(0.0f, 1.0f);
    for (KernelLevel level : supported_levels()) {
        SCOPED_TRACE(kernel_level_name(level));
        const TileAccumulateFn accumulate_fn = attention_tile_kernels(level).accumulate;
        for (int64_t head_dim : HEAD_DIMS) {
            for (int64_t n_pos = 1; n_pos <= 66; ++n_pos) {
                std::vector<float> weights((size_t)n_pos);
                for (float& weight : weights) weight = unit(rng);
                const std::vector<float> v = random_floats(rng, (size_t)(head_dim * n_pos));
                const std::vector<float> start = random_floats(rng, (size_t)head_dim);
                const float correction = n_pos % 3 == 0 ? 0.0f : unit(rng);
                std::vector<float> expected = start, got = start;
                tile_accumulate_portable(expected.data(), correction, weights.data(), v.data(),
                                         n_pos, head_dim);
                accumulate_fn(got.data(), correction, weights.data(), v.data(), n_pos, head_dim);
                for (int64_t dim = 0; dim < head_dim; ++dim) {
                    double magnitude = std::fabs(start[(size_t)dim] * correction);
                    for (int64_t pos = 0; pos < n_pos; ++pos)
                        magnitude +=
                            std::fabs(weights[(size_t)pos] * v[(size_t)(pos * head_dim + dim)]);
                    ASSERT_NEAR(got[(size_t)dim], expected[(size_t)dim], 4e-7 * magnitude + 1e-30)
                        << "head_dim=" << head_dim << " n_pos=" << n_pos << " dim=" << dim;
                }
            }
        }
    }
}

TEST(AttentionTile, SoftmaxStepEqualsThePortableTwinUpToRounding) {
    std::mt19937 rng(19);
    std::normal_distribution<float> normal(0.0f, 30.0f);  // wide: weights down to underflow
    for (KernelLevel level : supported_levels()) {
        SCOPED_TRACE(kernel_level_name(level));
        const TileSoftmaxFn softmax_fn = attention_tile_kernels(level).softmax;
        for (int64_t n_pos = 1; n_pos <= 66; ++n_pos) {
            for (float running_max : {-INFINITY, 0.0f, 200.0f}) {
                std::vector<float> expected((size_t)n_pos);
                for (float& score : expected) score = normal(rng);
                std::vector<float> got = expected;
                const TileSoftmax want = tile_softmax_portable(expected.data(), n_pos, running_max);
                const TileSoftmax have = softmax_fn(got.data(), n_pos, running_max);
                ASSERT_EQ(have.max, want.max) << n_pos;
                for (int64_t pos = 0; pos < n_pos; ++pos) {
                    ASSERT_NEAR(got[(size_t)pos], expected[(size_t)pos],
                                3e-7f * expected[(size_t)pos] + 1e-44f)
                        << "n_pos=" << n_pos << " pos=" << pos;
                }
                ASSERT_NEAR(have.sum, want.sum, 1e-6f * want.sum) << n_pos;
            }
        }
    }
}

// exp over its whole useful range, against std::exp: within 2 ulp, 0 where std::exp underflows
// to 0 (or to a denormal too small to matter for a softmax weight).
TEST(AttentionTile, SoftmaxWeightsFollowExpOverTheWholeRange) {
    for (KernelLevel level : supported_levels()) {
        SCOPED_TRACE(kernel_level_name(level));
        const TileSoftmaxFn softmax_fn = attention_tile_kernels(level).softmax;
        std::vector<float> scores;
        for (float x = -110.0f; x <= 0.0f; x += 0.0137f) scores.push_back(x);
        std::vector<float> weights = scores;
        softmax_fn(weights.data(), (int64_t)weights.size(), 0.0f);
        for (size_t idx = 0; idx < scores.size(); ++idx) {
            const float want = std::exp(scores[idx]);
            if (want < 1e-37f) {
                ASSERT_LE(weights[idx], 2e-37f) << scores[idx];
                continue;
            }
            ASSERT_NEAR(weights[idx], want, 2.5e-7f * want) << scores[idx];
        }
    }
}

// A query row's scores do not depend on where its tile sits in a longer one: the first n_pos
// positions of a 64-position tile score as the n_pos-position tile alone (the 16-position
// groups and the tail are the same code for every row).
TEST(AttentionTile, ScoresOfAPrefixTileAreTheLongTilesFirstScores) {
    std::mt19937 rng(13);
    for (KernelLevel level : supported_levels()) {
        SCOPED_TRACE(kernel_level_name(level));
        const TileScoresFn scores_fn = attention_tile_kernels(level).scores;
        const int64_t head_dim = 128;
        const std::vector<float> q = random_floats(rng, head_dim);
        const std::vector<float> k = random_floats(rng, head_dim * 64);
        std::vector<float> full(64);
        scores_fn(q.data(), k.data(), 64, head_dim, 0.5f, full.data());
        for (int64_t n_pos = 1; n_pos <= 64; ++n_pos) {
            std::vector<float> prefix((size_t)n_pos);
            scores_fn(q.data(), k.data(), n_pos, head_dim, 0.5f, prefix.data());
            for (int64_t pos = 0; pos < n_pos; ++pos)
                ASSERT_EQ(prefix[(size_t)pos], full[(size_t)pos]) << n_pos << " " << pos;
        }
    }
}

// F16 rows read in place (an F16 KV cache: rows of a head sit n_embd_kv halfs apart) give, at
// each level, bit for bit what the F32 kernels give on the widened tile.
TEST(AttentionTile, F16RowsInPlaceEqualTheWidenedTileBitForBit) {
    std::mt19937 rng(17);
    for (KernelLevel level : supported_levels()) {
        SCOPED_TRACE(kernel_level_name(level));
        const AttentionTileKernels& kernels = attention_tile_kernels(level);
        for (int64_t head_dim : HEAD_DIMS) {
            for (int64_t n_pos : {1, 5, 15, 16, 17, 31, 32, 33, 47, 64}) {
                const size_t stride = size_t(head_dim * 3 + 5);  // other heads between rows
                std::vector<uint16_t> rows(stride * size_t(n_pos - 1) + size_t(head_dim));
                for (uint16_t& half : rows)
                    half = fp32_to_fp16(std::normal_distribution<float>()(rng));
                std::vector<float> tile(size_t(head_dim * n_pos));
                for (int64_t pos = 0; pos < n_pos; ++pos)
                    for (int64_t dim = 0; dim < head_dim; ++dim)
                        tile[size_t(pos * head_dim + dim)] = fp16_to_fp32(rows[pos * stride + dim]);
                const std::vector<float> q = random_floats(rng, (size_t)head_dim);
                std::vector<float> from_tile((size_t)n_pos), in_place((size_t)n_pos);
                kernels.scores(q.data(), tile.data(), n_pos, head_dim, 0.125f, from_tile.data());
                kernels.scores_f16(q.data(), rows.data(), stride, n_pos, head_dim, 0.125f,
                                   in_place.data());
                ASSERT_EQ(from_tile, in_place) << head_dim << " " << n_pos;
                std::vector<float> weights = random_floats(rng, (size_t)n_pos);
                std::vector<float> acc_tile = random_floats(rng, (size_t)head_dim);
                std::vector<float> acc_in_place = acc_tile;
                kernels.accumulate(acc_tile.data(), 0.75f, weights.data(), tile.data(), n_pos,
                                   head_dim);
                kernels.accumulate_f16(acc_in_place.data(), 0.75f, weights.data(), rows.data(),
                                       stride, n_pos, head_dim);
                ASSERT_EQ(acc_tile, acc_in_place) << head_dim << " " << n_pos;
            }
        }
    }
}

}  // namespace
}  // namespace souverain::kernels
