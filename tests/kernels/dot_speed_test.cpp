// Kernel speed probes, disabled by default (they time, they do not check): run with
//   ./build/tests/souverain_tests --gtest_also_run_disabled_tests --gtest_filter='*DotSpeed*'
// One thread, random weights. "decode": one column against a weight matrix larger than the
// caches (every weight byte streamed once per pass, like decoding one token); "batch": 64
// columns against a matrix that fits L2, through the matmul entry point of the level (prefill).
// SOUVERAIN_KERNELS selects the level as everywhere else; SOUVERAIN_SPEED_TYPE=q4_K (a type
// name) limits the probes to one type.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "engine/tensor_type.h"
#include "kernels/dot.h"

namespace souverain::kernels {
namespace {

constexpr TensorType SPEED_TYPES[] = {TensorType::Q4_0, TensorType::Q8_0, TensorType::Q4_K,
                                      TensorType::Q6_K, TensorType::Q4_1, TensorType::Q5_0,
                                      TensorType::F16};

struct SpeedSetup {
    const DotKernel* kernel;
    std::vector<uint8_t> weights;  // [row_bytes, n_rows]
    std::vector<uint8_t> act;      // [act_stride, n_cols]
    size_t row_bytes;
    size_t act_stride;
};

SpeedSetup make_setup(TensorType type, int64_t n, int64_t n_rows, int64_t n_cols) {
    SpeedSetup setup;
    setup.kernel = dot_kernel(type, best_kernel_level());
    const TensorTypeTraits* traits = tensor_type_traits(type);
    setup.row_bytes = *tensor_row_bytes(type, n);
    std::mt19937 rng(7);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> row((size_t)n);
    std::vector<uint8_t> first_rows(setup.row_bytes * 16);
    for (int row_idx = 0; row_idx < 16; ++row_idx) {
        for (float& value : row) value = normal(rng);
        traits->from_float(row.data(), first_rows.data() + row_idx * setup.row_bytes, n);
    }
    // Quantizing every row would take longer than the timing: repeat 16 distinct rows.
    setup.weights.resize(setup.row_bytes * (size_t)n_rows);
    for (int64_t row_idx = 0; row_idx < n_rows; ++row_idx) {
        std::memcpy(setup.weights.data() + row_idx * setup.row_bytes,
                    first_rows.data() + (row_idx % 16) * setup.row_bytes, setup.row_bytes);
    }
    setup.act_stride = act_row_bytes(setup.kernel->act_type, n);
    setup.act.resize(setup.act_stride * (size_t)n_cols);
    for (int64_t col_idx = 0; col_idx < n_cols; ++col_idx) {
        for (float& value : row) value = normal(rng);
        if (setup.kernel->quantize_act) {
            setup.kernel->quantize_act(row.data(), setup.act.data() + col_idx * setup.act_stride,
                                       n);
        } else {
            std::memcpy(setup.act.data() + col_idx * setup.act_stride, row.data(), n * 4);
        }
    }
    return setup;
}

bool wanted(TensorType type) {
    const char* only = std::getenv("SOUVERAIN_SPEED_TYPE");
    return only == nullptr || std::strcmp(only, tensor_type_traits(type)->name) == 0;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST(DotSpeed, DISABLED_Decode) {
    constexpr int64_t n = 4096;
    constexpr int64_t n_rows = 8192;
    for (TensorType type : SPEED_TYPES) {
        if (!wanted(type)) continue;
        SpeedSetup setup = make_setup(type, n, n_rows, 1);
        std::vector<float> out((size_t)n_rows);
        double best = 1e30;
        for (int rep = 0; rep < 7; ++rep) {
            const auto start = std::chrono::steady_clock::now();
            for (int64_t row_idx = 0; row_idx < n_rows; ++row_idx) {
                setup.kernel->dot(n, setup.weights.data() + row_idx * setup.row_bytes,
                                  setup.act.data(), setup.act_stride, 1, &out[row_idx]);
            }
            best = std::min(best, seconds_since(start));
        }
        std::printf("decode %-6s %-6s %7.2f GB/s  %7.1f GMAC/s", tensor_type_traits(type)->name,
                    kernel_level_name(best_kernel_level()),
                    double(setup.weights.size()) / best / 1e9, double(n * n_rows) / best / 1e9);
        if (const PackedKernel* packed = packed_kernel(type, best_kernel_level())) {
            std::vector<uint8_t> panels((n_rows / packed->panel_rows) * packed->panel_bytes(n));
            packed->pack(n, setup.weights.data(), setup.row_bytes, n_rows, panels.data());
            std::vector<uint8_t> scratch(packed->scratch_bytes(n, 1));
            best = 1e30;
            for (int rep = 0; rep < 7; ++rep) {
                const auto start = std::chrono::steady_clock::now();
                packed->gemm(n, panels.data(), n_rows, setup.act.data(), setup.act_stride, 1,
                             out.data(), n_rows, scratch.data());
                best = std::min(best, seconds_since(start));
            }
            std::printf("   packed %7.2f GB/s", double(panels.size()) / best / 1e9);
        }
        std::printf("\n");
    }
}

TEST(DotSpeed, DISABLED_Batch) {
    constexpr int64_t n = 4096;
    constexpr int64_t n_rows = 128;
    constexpr int64_t n_cols = 64;
    for (TensorType type : SPEED_TYPES) {
        if (!wanted(type)) continue;
        SpeedSetup setup = make_setup(type, n, n_rows, n_cols);
        std::vector<float> out((size_t)(n_rows * n_cols));
        double best = 1e30;
        for (int rep = 0; rep < 7; ++rep) {
            const auto start = std::chrono::steady_clock::now();
            for (int64_t row_idx = 0; row_idx < n_rows; ++row_idx) {
                for (int64_t col_idx = 0; col_idx < n_cols; col_idx += kMaxDotCols) {
                    setup.kernel->dot(n, setup.weights.data() + row_idx * setup.row_bytes,
                                      setup.act.data() + col_idx * setup.act_stride,
                                      setup.act_stride, kMaxDotCols,
                                      &out[row_idx * n_cols + col_idx]);
                }
            }
            best = std::min(best, seconds_since(start));
        }
        std::printf("batch  %-6s %-6s dot x4: %7.1f GMAC/s", tensor_type_traits(type)->name,
                    kernel_level_name(best_kernel_level()),
                    double(n * n_rows * n_cols) / best / 1e9);
        if (setup.kernel->gemm) {
            std::vector<uint8_t> scratch(setup.kernel->gemm_scratch_bytes(n, n_cols));
            best = 1e30;
            for (int rep = 0; rep < 7; ++rep) {
                const auto start = std::chrono::steady_clock::now();
                setup.kernel->gemm(n, setup.weights.data(), setup.row_bytes, n_rows,
                                   setup.act.data(), setup.act_stride, n_cols, out.data(), n_rows,
                                   scratch.data());
                best = std::min(best, seconds_since(start));
            }
            std::printf("   gemm: %7.1f GMAC/s", double(n * n_rows * n_cols) / best / 1e9);
        }
        std::printf("\n");
    }
}

// Small batches (continuous batching decodes a few sequences per step): the row-layout gemm,
// which packs its panels on every call, against weights repacked once (PackedKernel), for
// 1 to 16 columns. The matrix (2048 x 2048) stays in L3, so this compares arithmetic.
TEST(DotSpeed, DISABLED_SmallBatch) {
    constexpr int64_t n = 2048;
    constexpr int64_t n_rows = 2048;
    for (TensorType type : SPEED_TYPES) {
        if (!wanted(type)) continue;
        const PackedKernel* packed = packed_kernel(type, best_kernel_level());
        for (int64_t n_cols : {1, 2, 4, 8, 16, 64}) {
            SpeedSetup setup = make_setup(type, n, n_rows, n_cols);
            if (!setup.kernel->gemm) continue;
            std::vector<float> out((size_t)(n_rows * n_cols));
            auto best_of = [&](auto&& run) {
                double best = 1e30;
                for (int rep = 0; rep < 15; ++rep) {
                    const auto start = std::chrono::steady_clock::now();
                    run();
                    best = std::min(best, seconds_since(start));
                }
                return double(n * n_rows * n_cols) / best / 1e9;
            };
            std::vector<uint8_t> scratch(setup.kernel->gemm_scratch_bytes(n, n_cols));
            const double gemm_rate = best_of([&] {
                setup.kernel->gemm(n, setup.weights.data(), setup.row_bytes, n_rows,
                                   setup.act.data(), setup.act_stride, n_cols, out.data(), n_rows,
                                   scratch.data());
            });
            std::printf("small  %-6s %-6s cols %3lld  gemm %7.1f GMAC/s",
                        tensor_type_traits(type)->name, kernel_level_name(best_kernel_level()),
                        (long long)n_cols, gemm_rate);
            if (packed) {
                std::vector<uint8_t> panels((n_rows / packed->panel_rows) * packed->panel_bytes(n));
                packed->pack(n, setup.weights.data(), setup.row_bytes, n_rows, panels.data());
                std::vector<uint8_t> packed_scratch(packed->scratch_bytes(n, n_cols));
                const double packed_rate = best_of([&] {
                    packed->gemm(n, panels.data(), n_rows, setup.act.data(), setup.act_stride,
                                 n_cols, out.data(), n_rows, packed_scratch.data());
                });
                std::printf("   packed %7.1f GMAC/s", packed_rate);
            }
            std::printf("\n");
        }
    }
}

}  // namespace
}  // namespace souverain::kernels
