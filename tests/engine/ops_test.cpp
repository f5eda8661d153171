#include "engine/ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "engine/weight_packing.h"

namespace souverain {
namespace {

TEST(Ops, RopeNormMatchesComplexRotationOfAdjacentPairs) {
    const int64_t n_head = 3, head_dim = 8, n_rot = 6, pos = 5;
    const float base = 10000.0f;
    std::mt19937 rng(1);
    std::normal_distribution<float> normal;
    std::vector<float> x((size_t)(n_head * head_dim));
    for (float& v : x) v = normal(rng);
    std::vector<float> expected = x;
    for (int64_t head_idx = 0; head_idx < n_head; ++head_idx) {
        for (int64_t pair_idx = 0; pair_idx < n_rot / 2; ++pair_idx) {
            const double theta = pos * std::pow(base, -2.0 * pair_idx / n_rot);
            float* pair = expected.data() + head_idx * head_dim + 2 * pair_idx;
            std::complex<double> z(pair[0], pair[1]);
            z *= std::polar(1.0, theta);
            pair[0] = (float)z.real();
            pair[1] = (float)z.imag();
        }
    }
    rope_norm(x.data(), n_head, head_dim, n_rot, pos, base);
    for (size_t idx = 0; idx < x.size(); ++idx) EXPECT_NEAR(x[idx], expected[idx], 1e-5f) << idx;
}

TEST(Ops, SoftmaxSumsToOneAndSurvivesLargeInputs) {
    std::vector<float> x = {1000.0f, 999.0f, -1000.0f};
    softmax(x.data(), 3);
    EXPECT_NEAR(x[0] + x[1] + x[2], 1.0f, 1e-6f);
    EXPECT_NEAR(x[0] / x[1], std::exp(1.0f), 1e-4f);
    EXPECT_EQ(x[2], 0.0f);
}

TEST(Ops, RmsNormScalesToUnitRootMeanSquare) {
    std::vector<float> x = {3.0f, -4.0f};
    std::vector<float> w = {1.0f, 2.0f};
    std::vector<float> out(2);
    rms_norm(x.data(), w.data(), out.data(), 2, 0.0f);
    const float rms = std::sqrt((9.0f + 16.0f) / 2.0f);
    EXPECT_NEAR(out[0], 3.0f / rms, 1e-6f);
    EXPECT_NEAR(out[1], -8.0f / rms, 1e-6f);
}

TEST(Ops, SiluMulMatchesDefinition) {
    std::vector<float> gate = {-2.0f, 0.0f, 3.0f};
    std::vector<float> up = {1.0f, 5.0f, 0.5f};
    silu_mul(gate.data(), up.data(), 3);
    EXPECT_NEAR(gate[0], -2.0f / (1.0f + std::exp(2.0f)), 1e-6f);
    EXPECT_EQ(gate[1], 0.0f);
    EXPECT_NEAR(gate[2], 3.0f / (1.0f + std::exp(-3.0f)) * 0.5f, 1e-6f);
}

TEST(Ops, MatmulBatchEqualsPerTokenProducts) {
    // F32 weights [n_in=5, n_out=37], 3 tokens: the batched path and the single-token
    // path must both equal a plain double-precision product.
    const int64_t n_in = 5, n_out = 37, n_tokens = 3;
    std::mt19937 rng(3);
    std::normal_distribution<float> normal;
    std::vector<float> w((size_t)(n_in * n_out)), x((size_t)(n_in * n_tokens));
    for (float& v : w) v = normal(rng);
    for (float& v : x) v = normal(rng);
    WeightMatrix matrix;
    matrix.traits = tensor_type_traits(TensorType::F32);
    ASSERT_NE(matrix.traits, nullptr);
    matrix.n_in = n_in;
    matrix.n_out = n_out;
    matrix.row_bytes = (size_t)n_in * 4;
    matrix.data = reinterpret_cast<const uint8_t*>(w.data());
    ThreadPool pool(2);
    std::vector<float> y((size_t)(n_out * n_tokens)), y1((size_t)n_out);
    matmul(matrix, x.data(), y.data(), n_tokens, pool);
    for (int64_t token_idx = 0; token_idx < n_tokens; ++token_idx) {
        matmul(matrix, x.data() + token_idx * n_in, y1.data(), 1, pool);
        for (int64_t row_idx = 0; row_idx < n_out; ++row_idx) {
            double expected = 0.0;
            for (int64_t idx = 0; idx < n_in; ++idx)
                expected += (double)w[row_idx * n_in + idx] * x[token_idx * n_in + idx];
            EXPECT_NEAR(y[token_idx * n_out + row_idx], expected, 1e-5);
            EXPECT_NEAR(y1[row_idx], expected, 1e-5);
        }
    }
}

TEST(Ops, MatmulOfABatchEqualsTokenByTokenBitForBit) {
    // Continuous batching: a token's output must not depend on the tokens computed beside it,
    // whichever kernel path (dot per row for one token, register-blocked tiles for a batch) and
    // whatever the tile edges (n_out and n_tokens not multiples of the tiles).
    const int64_t n_in = 512, n_out = 300, n_tokens = 70;
    std::mt19937 rng(5);
    std::normal_distribution<float> normal;
    std::vector<float> x((size_t)(n_in * n_tokens));
    for (float& v : x) v = normal(rng);
    ThreadPool pool(2);
    for (TensorType type : {TensorType::Q4_0, TensorType::Q8_0, TensorType::Q5_1, TensorType::Q4_K,
                            TensorType::Q6_K, TensorType::F16}) {
        const TensorTypeTraits* traits = tensor_type_traits(type);
        ASSERT_NE(traits, nullptr);
        const size_t row_bytes = *tensor_row_bytes(type, n_in);
        std::vector<uint8_t> weights(row_bytes * n_out);
        std::vector<float> row((size_t)n_in);
        for (int64_t row_idx = 0; row_idx < n_out; ++row_idx) {
            for (float& v : row) v = normal(rng);
            traits->from_float(row.data(), weights.data() + row_idx * row_bytes, n_in);
        }
        WeightMatrix matrix;
        matrix.traits = traits;
        matrix.kernel = kernels::dot_kernel(type, kernels::best_kernel_level());
        matrix.n_in = n_in;
        matrix.n_out = n_out;
        matrix.row_bytes = row_bytes;
        matrix.data = weights.data();
        std::vector<float> y((size_t)(n_out * n_tokens)), y1((size_t)n_out);
        matmul(matrix, x.data(), y.data(), n_tokens, pool);
        for (int64_t token_idx = 0; token_idx < n_tokens; ++token_idx) {
            matmul(matrix, x.data() + token_idx * n_in, y1.data(), 1, pool);
            EXPECT_EQ(std::memcmp(y.data() + token_idx * n_out, y1.data(), n_out * sizeof(float)),
                      0)
                << traits->name << " token " << token_idx;
        }
    }
}

// Decode splits a matrix into chunks of about 64 KB, one contiguous part per thread, and lets an
// idle thread take chunks from the back of the others' parts. With many chunks and more threads
// than cores (so threads do get descheduled mid-part and their parts get taken), every output
// row must still be written, once, with exactly the row kernel's value; repacked panels too.
TEST(Ops, DecodeMatmulWritesEveryRowOnceWithTheRowKernelsValue) {
    const int64_t n_in = 4096, n_out = 1000;  // Q4_0: 2,304 bytes a row, ~28 rows a chunk
    std::mt19937 rng(11);
    std::normal_distribution<float> normal;
    std::vector<float> x((size_t)n_in);
    for (float& v : x) v = normal(rng);
    for (TensorType type : {TensorType::Q4_0, TensorType::Q4_K, TensorType::Q8_0}) {
        const TensorTypeTraits* traits = tensor_type_traits(type);
        ASSERT_NE(traits, nullptr);
        const size_t row_bytes = *tensor_row_bytes(type, n_in);
        std::vector<uint8_t> weights(row_bytes * n_out);
        std::vector<float> row((size_t)n_in);
        for (int64_t row_idx = 0; row_idx < n_out; ++row_idx) {
            for (float& v : row) v = normal(rng);
            traits->from_float(row.data(), weights.data() + row_idx * row_bytes, n_in);
        }
        WeightMatrix matrix;
        matrix.traits = traits;
        matrix.kernel = kernels::dot_kernel(type, kernels::best_kernel_level());
        ASSERT_NE(matrix.kernel, nullptr);
        matrix.n_in = n_in;
        matrix.n_out = n_out;
        matrix.row_bytes = row_bytes;
        matrix.data = weights.data();

        std::vector<uint8_t> act(kernels::act_row_bytes(matrix.kernel->act_type, n_in));
        matrix.kernel->quantize_act(x.data(), act.data(), n_in);
        std::vector<float> expected((size_t)n_out);
        for (int64_t row_idx = 0; row_idx < n_out; ++row_idx) {
            matrix.kernel->dot(n_in, matrix.row(row_idx), act.data(), act.size(), 1,
                               &expected[(size_t)row_idx]);
        }
        PackedWeights packed;  // leaves `matrix` as it is where the type has no packed layout
        packed.pack({&matrix}, {false}, 2);
        for (int n_threads : {1, 2, 3, 8}) {
            ThreadPool pool(n_threads);
            for (int rep = 0; rep < 8; ++rep) {
                std::vector<float> y((size_t)n_out, std::numeric_limits<float>::quiet_NaN());
                matmul(matrix, x.data(), y.data(), 1, pool);
                ASSERT_EQ(std::memcmp(y.data(), expected.data(), n_out * sizeof(float)), 0)
                    << traits->name << ", " << n_threads << " threads, packed "
                    << (matrix.packed != nullptr);
            }
        }
    }
}

}  // namespace
}  // namespace souverain
