// The continuous-batching contract of the dot kernels: the value computed for one weight row and
// one activation column must not depend on which other columns share the call. A request's
// greedy output is then the same whether it is decoded alone (one column) or in a batch beside
// other requests (up to kMaxDotCols columns per call), bit for bit.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "engine/tensor_type.h"
#include "kernels/dot.h"

namespace souverain::kernels {
namespace {

constexpr TensorType KERNEL_TYPES[] = {
    TensorType::F32,  TensorType::F16,  TensorType::BF16, TensorType::Q4_0, TensorType::Q4_1,
    TensorType::Q5_0, TensorType::Q5_1, TensorType::Q8_0, TensorType::Q4_K, TensorType::Q5_K,
    TensorType::Q6_K};

TEST(DotColumnIndependence, EachColumnEqualsItsSingleColumnCallBitForBit) {
    std::mt19937 rng(1234);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (KernelLevel level : {KernelLevel::SCALAR, KernelLevel::AVX2, KernelLevel::AVX512}) {
        if (level > best_kernel_level()) continue;
        for (TensorType type : KERNEL_TYPES) {
            const DotKernel* kernel = dot_kernel(type, level);
            ASSERT_NE(kernel, nullptr);
            const TensorTypeTraits* traits = tensor_type_traits(type);
            for (int64_t n_blocks : {1, 2, 3, 5, 8, 11}) {
                const int64_t n = n_blocks * (traits->block_size == 1 ? 32 : traits->block_size);
                std::vector<float> w_f32((size_t)n);
                for (float& value : w_f32) value = normal(rng);
                std::vector<uint8_t> w_row(*tensor_row_bytes(type, n));
                traits->from_float(w_f32.data(), w_row.data(), n);

                const size_t stride = act_row_bytes(kernel->act_type, n);
                std::vector<uint8_t> act(stride * kMaxDotCols);
                for (int col = 0; col < kMaxDotCols; ++col) {
                    std::vector<float> x((size_t)n);
                    for (float& value : x) value = normal(rng);
                    if (kernel->quantize_act) {
                        kernel->quantize_act(x.data(), act.data() + col * stride, n);
                    } else {
                        std::memcpy(act.data() + col * stride, x.data(), stride);
                    }
                }
                for (int n_cols = 2; n_cols <= kMaxDotCols; ++n_cols) {
                    float batched[kMaxDotCols];
                    kernel->dot(n, w_row.data(), act.data(), stride, n_cols, batched);
                    for (int col = 0; col < n_cols; ++col) {
                        float alone;
                        kernel->dot(n, w_row.data(), act.data() + col * stride, stride, 1, &alone);
                        EXPECT_EQ(std::memcmp(&alone, &batched[col], sizeof(float)), 0)
                            << kernel_level_name(level) << " " << traits->name << " n=" << n
                            << " n_cols=" << n_cols << " col=" << col << ": " << alone
                            << " vs " << batched[col];
                    }
                }
            }
        }
    }
}

}  // namespace
}  // namespace souverain::kernels
