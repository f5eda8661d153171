// The continuous-batching contract of the dot kernels: the value computed for one weight row and
// one activation column must not depend on which other columns share the call. A request's
// greedy output is then the same whether it is decoded alone (one column) or in a batch beside
// other requests (up to kMaxDotCols columns per call), bit for bit. The register-blocked
// kernels (DotKernel::gemm) are held to the same value: every (row, column) of a tile equals the
// single-row, single-column dot.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>
#include <random>
#include <vector>

#include "engine/tensor_type.h"
#include "kernels/dot.h"

namespace souverain::kernels {
namespace {

constexpr TensorType KERNEL_TYPES[] = {TensorType::F32,  TensorType::F16,  TensorType::BF16,
                                       TensorType::Q4_0, TensorType::Q4_1, TensorType::Q5_0,
                                       TensorType::Q5_1, TensorType::Q8_0, TensorType::Q4_K,
                                       TensorType::Q5_K, TensorType::Q6_K};

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
                            << " n_cols=" << n_cols << " col=" << col << ": " << alone << " vs "
                            << batched[col];
                    }
                }
            }
        }
    }
}

// Bytes that end exactly at the end of their allocation (AddressSanitizer sees any over-read),
// starting `offset` bytes past a 64-byte boundary.
class TightBuffer {
public:
    TightBuffer(size_t size, size_t offset)
        : base_(static_cast<uint8_t*>(::operator new(size + offset, std::align_val_t(64)))),
          data_(base_ + offset) {}
    ~TightBuffer() { ::operator delete(base_, std::align_val_t(64)); }
    TightBuffer(const TightBuffer&) = delete;
    TightBuffer& operator=(const TightBuffer&) = delete;
    uint8_t* data() { return data_; }

private:
    uint8_t* base_;
    uint8_t* data_;
};

TEST(DotColumnIndependence, GemmTilesEqualSingleDotsBitForBit) {
    std::mt19937 rng(4321);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    int n_checked_kernels = 0;
    for (KernelLevel level : {KernelLevel::SCALAR, KernelLevel::AVX2, KernelLevel::AVX512}) {
        if (level > best_kernel_level()) continue;
        for (TensorType type : KERNEL_TYPES) {
            const DotKernel* kernel = dot_kernel(type, level);
            ASSERT_NE(kernel, nullptr);
            if (kernel->gemm == nullptr) continue;
            ASSERT_NE(kernel->gemm_scratch_bytes, nullptr);
            ++n_checked_kernels;
            const TensorTypeTraits* traits = tensor_type_traits(type);
            const int64_t block = traits->block_size == 1 ? 32 : traits->block_size;
            struct Shape {
                int64_t n_blocks, n_rows, n_cols;
            };
            for (Shape shape : {Shape{1, 1, 1}, Shape{2, 16, 4}, Shape{3, 17, 5}, Shape{5, 5, 3},
                                Shape{11, 33, 9}, Shape{16, 16, 8}, Shape{17, 31, 1},
                                Shape{33, 20, 6}, Shape{40, 3, 13}}) {
                const int64_t n = shape.n_blocks * block;
                const size_t row_bytes = *tensor_row_bytes(type, n);
                // Rows with a gap between them (w_stride > row_bytes), the last one flush with
                // the end of the buffer.
                const size_t w_stride = row_bytes + 3;
                TightBuffer weights(w_stride * (shape.n_rows - 1) + row_bytes, 5);
                std::vector<float> w_f32((size_t)n);
                for (int64_t row = 0; row < shape.n_rows; ++row) {
                    for (float& value : w_f32) value = normal(rng);
                    traits->from_float(w_f32.data(), weights.data() + row * w_stride, n);
                }
                const size_t act_bytes = act_row_bytes(kernel->act_type, n);
                const size_t act_stride = act_bytes + 7;
                TightBuffer act(act_stride * (shape.n_cols - 1) + act_bytes, 3);
                for (int64_t col = 0; col < shape.n_cols; ++col) {
                    std::vector<float> x((size_t)n);
                    for (float& value : x) value = normal(rng);
                    kernel->quantize_act(x.data(), act.data() + col * act_stride, n);
                }
                const size_t out_stride = (size_t)shape.n_rows + 2;
                std::vector<float> out(out_stride * shape.n_cols, -1.0f);
                TightBuffer scratch(kernel->gemm_scratch_bytes(n, shape.n_cols), 1);
                kernel->gemm(n, weights.data(), w_stride, shape.n_rows, act.data(), act_stride,
                             shape.n_cols, out.data(), out_stride, scratch.data());
                for (int64_t col = 0; col < shape.n_cols; ++col) {
                    for (int64_t row = 0; row < shape.n_rows; ++row) {
                        float alone;
                        kernel->dot(n, weights.data() + row * w_stride,
                                    act.data() + col * act_stride, act_stride, 1, &alone);
                        const float tiled = out[col * out_stride + row];
                        EXPECT_EQ(std::memcmp(&alone, &tiled, sizeof(float)), 0)
                            << kernel_level_name(level) << " " << traits->name << " n=" << n
                            << " rows=" << shape.n_rows << " cols=" << shape.n_cols
                            << " row=" << row << " col=" << col << ": " << alone << " vs " << tiled;
                    }
                    // The gap between a column's rows in out is left alone.
                    for (size_t pad = shape.n_rows; pad < out_stride; ++pad)
                        EXPECT_EQ(out[col * out_stride + pad], -1.0f);
                }
            }
        }
    }
    if (best_kernel_level() == KernelLevel::AVX512) {
        EXPECT_GE(n_checked_kernels, 5);
    }
}

// Repacked weights (PackedKernel) give every (row, column) exactly the single-row, single-column
// dot of the same level, for row counts that leave a partial panel and any column count.
TEST(DotColumnIndependence, PackedPanelsEqualSingleDotsBitForBit) {
    std::mt19937 rng(2468);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    int n_checked_kernels = 0;
    for (KernelLevel level : {KernelLevel::SCALAR, KernelLevel::AVX2, KernelLevel::AVX512}) {
        if (level > best_kernel_level()) continue;
        for (TensorType type : KERNEL_TYPES) {
            const PackedKernel* packed = packed_kernel(type, level);
            if (packed == nullptr) continue;
            const DotKernel* kernel = dot_kernel(type, level);
            ASSERT_NE(kernel, nullptr);
            ++n_checked_kernels;
            const TensorTypeTraits* traits = tensor_type_traits(type);
            struct Shape {
                int64_t n_blocks, n_rows, n_cols;
            };
            for (Shape shape : {Shape{1, 1, 1}, Shape{2, 16, 4}, Shape{3, 17, 5}, Shape{5, 5, 3},
                                Shape{11, 33, 9}, Shape{16, 16, 8}, Shape{17, 31, 1},
                                Shape{33, 20, 6}, Shape{40, 3, 13}, Shape{64, 48, 2}}) {
                const int64_t n = shape.n_blocks * traits->block_size;
                const size_t row_bytes = *tensor_row_bytes(type, n);
                std::vector<uint8_t> weights(row_bytes * shape.n_rows);
                std::vector<float> w_f32((size_t)n);
                for (int64_t row = 0; row < shape.n_rows; ++row) {
                    for (float& value : w_f32) value = normal(rng);
                    traits->from_float(w_f32.data(), weights.data() + row * row_bytes, n);
                }
                const int64_t n_panels =
                    (shape.n_rows + packed->panel_rows - 1) / packed->panel_rows;
                TightBuffer panels(n_panels * packed->panel_bytes(n), 0);
                packed->pack(n, weights.data(), row_bytes, shape.n_rows, panels.data());

                const size_t act_bytes = act_row_bytes(kernel->act_type, n);
                const size_t act_stride = act_bytes + 7;
                TightBuffer act(act_stride * (shape.n_cols - 1) + act_bytes, 3);
                for (int64_t col = 0; col < shape.n_cols; ++col) {
                    std::vector<float> x((size_t)n);
                    for (float& value : x) value = normal(rng);
                    kernel->quantize_act(x.data(), act.data() + col * act_stride, n);
                }
                const size_t out_stride = (size_t)shape.n_rows + 2;
                std::vector<float> out(out_stride * shape.n_cols, -1.0f);
                TightBuffer scratch(packed->scratch_bytes(n, shape.n_cols), 1);
                packed->gemm(n, panels.data(), shape.n_rows, act.data(), act_stride, shape.n_cols,
                             out.data(), out_stride, scratch.data());
                // The two-step form (decode: side data once, rows in chunks) gives the same bits
                // for every split of the panels.
                TightBuffer side(packed->side_bytes(n, shape.n_cols), 2);
                packed->prepare(n, act.data(), act_stride, shape.n_cols, side.data());
                const int64_t n_panels_total =
                    (shape.n_rows + packed->panel_rows - 1) / packed->panel_rows;
                for (int64_t chunk_panels = 1; chunk_panels <= n_panels_total; ++chunk_panels) {
                    std::vector<float> chunked(out_stride * shape.n_cols, -1.0f);
                    for (int64_t first = 0; first < n_panels_total; first += chunk_panels) {
                        const int64_t row_begin = first * packed->panel_rows;
                        const int64_t n_rows_chunk =
                            std::min(shape.n_rows, row_begin + chunk_panels * packed->panel_rows) -
                            row_begin;
                        packed->gemm_prepared(n, panels.data() + first * packed->panel_bytes(n),
                                              n_rows_chunk, act.data(), act_stride, shape.n_cols,
                                              side.data(), chunked.data() + row_begin, out_stride);
                    }
                    ASSERT_EQ(
                        std::memcmp(chunked.data(), out.data(), chunked.size() * sizeof(float)), 0)
                        << traits->name << " n=" << n << " rows=" << shape.n_rows
                        << " cols=" << shape.n_cols << " chunk=" << chunk_panels;
                }
                for (int64_t col = 0; col < shape.n_cols; ++col) {
                    for (int64_t row = 0; row < shape.n_rows; ++row) {
                        float alone;
                        kernel->dot(n, weights.data() + row * row_bytes,
                                    act.data() + col * act_stride, act_stride, 1, &alone);
                        const float from_panels = out[col * out_stride + row];
                        EXPECT_EQ(std::memcmp(&alone, &from_panels, sizeof(float)), 0)
                            << kernel_level_name(level) << " " << traits->name << " n=" << n
                            << " rows=" << shape.n_rows << " cols=" << shape.n_cols
                            << " row=" << row << " col=" << col << ": " << alone << " vs "
                            << from_panels;
                    }
                    for (size_t pad = shape.n_rows; pad < out_stride; ++pad)
                        EXPECT_EQ(out[col * out_stride + pad], -1.0f);
                }
            }
        }
    }
    if (best_kernel_level() == KernelLevel::AVX512) {
        EXPECT_GE(n_checked_kernels, 1);
    }
}

}  // namespace
}  // namespace souverain::kernels
