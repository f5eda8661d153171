#include "kernels/attention_tile.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/generic/fp16.h"

namespace souverain::kernels {

#if defined(__x86_64__)
// x86/attention_tile_avx512.cpp
void tile_scores_avx512(const float* q, const float* k_tile, int64_t n_pos, int64_t head_dim,
                        float scale, float* scores);
void tile_accumulate_avx512(float* acc, float correction, const float* weights, const float* v_tile,
                            int64_t n_pos, int64_t head_dim);
TileSoftmax tile_softmax_avx512(float* scores, int64_t n_pos, float running_max);
void tile_scores_f16_avx512(const float* q, const uint16_t* k_rows, size_t row_stride,
                            int64_t n_pos, int64_t head_dim, float scale, float* scores);
void tile_accumulate_f16_avx512(float* acc, float correction, const float* weights,
                                const uint16_t* v_rows, size_t row_stride, int64_t n_pos,
                                int64_t head_dim);
#endif

// Cloned for AVX2 and baseline x86-64 and picked by the loader (ifunc) from what the CPU
// reports; `omp simd` lets the compiler reorder the reductions.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SOUVERAIN_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SOUVERAIN_SIMD_CLONES
#endif

SOUVERAIN_SIMD_CLONES
void tile_scores_portable(const float* q, const float* k_tile, int64_t n_pos, int64_t head_dim,
                          float scale, float* scores) {
    for (int64_t pos = 0; pos < n_pos; ++pos) {
        const float* k_row = k_tile + pos * head_dim;
        float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
        for (int64_t dim_idx = 0; dim_idx < head_dim; ++dim_idx) sum += q[dim_idx] * k_row[dim_idx];
        scores[pos] = sum * scale;
    }
}

SOUVERAIN_SIMD_CLONES
void tile_accumulate_portable(float* acc, float correction, const float* weights,
                              const float* v_tile, int64_t n_pos, int64_t head_dim) {
#pragma omp simd
    for (int64_t dim_idx = 0; dim_idx < head_dim; ++dim_idx) acc[dim_idx] *= correction;
    for (int64_t pos = 0; pos < n_pos; ++pos) {
        const float weight = weights[pos];
        const float* v_row = v_tile + pos * head_dim;
#pragma omp simd
        for (int64_t dim_idx = 0; dim_idx < head_dim; ++dim_idx)
            acc[dim_idx] += weight * v_row[dim_idx];
    }
}

TileSoftmax tile_softmax_portable(float* scores, int64_t n_pos, float running_max) {
    float max = running_max;
    for (int64_t pos = 0; pos < n_pos; ++pos) max = std::max(max, scores[pos]);
    float sum = 0.0f;
    for (int64_t pos = 0; pos < n_pos; ++pos) {
        scores[pos] = std::exp(scores[pos] - max);
        sum += scores[pos];
    }
    return {max, sum};
}

namespace {

// The rows widened into an F32 tile (the portable F16 twins: exactly the F32 arithmetic).
const float* widen_rows(const uint16_t* rows, size_t row_stride, int64_t n_pos, int64_t head_dim) {
    thread_local std::vector<float> tile;
    tile.resize(size_t(n_pos * head_dim));
    for (int64_t pos = 0; pos < n_pos; ++pos) {
        for (int64_t dim_idx = 0; dim_idx < head_dim; ++dim_idx)
            tile[size_t(pos * head_dim + dim_idx)] = fp16_to_fp32(rows[pos * row_stride + dim_idx]);
    }
    return tile.data();
}

}  // namespace

void tile_scores_f16_portable(const float* q, const uint16_t* k_rows, size_t row_stride,
                              int64_t n_pos, int64_t head_dim, float scale, float* scores) {
    tile_scores_portable(q, widen_rows(k_rows, row_stride, n_pos, head_dim), n_pos, head_dim, scale,
                         scores);
}

void tile_accumulate_f16_portable(float* acc, float correction, const float* weights,
                                  const uint16_t* v_rows, size_t row_stride, int64_t n_pos,
                                  int64_t head_dim) {
    tile_accumulate_portable(acc, correction, weights,
                             widen_rows(v_rows, row_stride, n_pos, head_dim), n_pos, head_dim);
}

const AttentionTileKernels& attention_tile_kernels(KernelLevel level) {
    static const AttentionTileKernels portable{tile_scores_portable, tile_accumulate_portable,
                                               tile_scores_f16_portable,
                                               tile_accumulate_f16_portable, tile_softmax_portable};
#if defined(__x86_64__)
    static const AttentionTileKernels avx512{tile_scores_avx512, tile_accumulate_avx512,
                                             tile_scores_f16_avx512, tile_accumulate_f16_avx512,
                                             tile_softmax_avx512};
    if (level == KernelLevel::AVX512) return avx512;
#endif
    (void)level;
    return portable;
}

const AttentionTileKernels& attention_tile_kernels_best() {
    static const AttentionTileKernels& best = attention_tile_kernels(best_kernel_level());
    return best;
}

}  // namespace souverain::kernels
