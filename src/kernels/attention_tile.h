#pragma once
// The two inner loops of tiled attention (engine/attention.cpp), chosen at run time like the
// dot kernels (best_kernel_level(), SOUVERAIN_KERNELS). At long contexts they are most of a
// decode step outside the matmuls: a 7B model at 512 positions computes about 75 million
// query-key products and as many weighted value sums per token.
//
// A tile holds the keys or values of n_pos consecutive cache positions of one KV head as F32,
// one row of head_dim floats per position: F32 [head_dim, n_pos].
//
// Semantics: the portable twin (the plain loops below, which the compiler may vectorize), up to
// float rounding: the SIMD versions sum in another order. Every level computes a query row's
// result from that row alone, so a token's attention does not depend on the rows computed
// beside it (continuous batching). Pure functions: safe from any thread.
#include <cstdint>

#include "kernels/dot.h"

namespace souverain::kernels {

// scores[pos] = scale * (q . k_tile[pos]) for pos < n_pos; q F32 [head_dim].
using TileScoresFn = void (*)(const float* q, const float* k_tile, int64_t n_pos, int64_t head_dim,
                              float scale, float* scores);

// acc = acc * correction + sum over pos < n_pos of weights[pos] * v_tile[pos];
// acc F32 [head_dim].
using TileAccumulateFn = void (*)(float* acc, float correction, const float* weights,
                                  const float* v_tile, int64_t n_pos, int64_t head_dim);

// The same over keys or values kept as F16 (an F16 KV cache, read in place): row pos of the
// tile starts at rows + pos * row_stride (in halfs). At a level, each gives bit for bit what
// the F32 version gives for the widened tile (widening is exact).
using TileScoresF16Fn = void (*)(const float* q, const uint16_t* k_rows, size_t row_stride,
                                 int64_t n_pos, int64_t head_dim, float scale, float* scores);
using TileAccumulateF16Fn = void (*)(float* acc, float correction, const float* weights,
                                     const uint16_t* v_rows, size_t row_stride, int64_t n_pos,
                                     int64_t head_dim);

// One online-softmax step over a tile's n_pos >= 1 scores: the new maximum
// m = max(running_max, max(scores)), each score replaced in place by its weight
// exp(score - m), and the weights' sum.
struct TileSoftmax {
    float max;
    float sum;
};
using TileSoftmaxFn = TileSoftmax (*)(float* scores, int64_t n_pos, float running_max);

struct AttentionTileKernels {
    TileScoresFn scores;
    TileAccumulateFn accumulate;
    TileScoresF16Fn scores_f16;
    TileAccumulateF16Fn accumulate_f16;
    TileSoftmaxFn softmax;
};

// The kernels of a level (a level the CPU lacks must not be called). SCALAR and AVX2 share the
// portable twins (compiled for both instruction sets and picked by the loader).
const AttentionTileKernels& attention_tile_kernels(KernelLevel level);

// The kernels at best_kernel_level().
const AttentionTileKernels& attention_tile_kernels_best();

// The portable twins, and the test oracles of the SIMD versions.
void tile_scores_portable(const float* q, const float* k_tile, int64_t n_pos, int64_t head_dim,
                          float scale, float* scores);
void tile_accumulate_portable(float* acc, float correction, const float* weights,
                              const float* v_tile, int64_t n_pos, int64_t head_dim);
TileSoftmax tile_softmax_portable(float* scores, int64_t n_pos, float running_max);
void tile_scores_f16_portable(const float* q, const uint16_t* k_rows, size_t row_stride,
                              int64_t n_pos, int64_t head_dim, float scale, float* scores);
void tile_accumulate_f16_portable(float* acc, float correction, const float* weights,
                                  const uint16_t* v_rows, size_t row_stride, int64_t n_pos,
                                  int64_t head_dim);

}  // namespace souverain::kernels
