#pragma once
// Private to src/kernels: every dot kernel by type and level, and the activation block
// layouts. dot.cpp assembles them into the dispatch table. Signatures follow DotFn (dot.h).
#include <cstddef>
#include <cstdint>

#include "kernels/dot.h"
#include "kernels/generic/quants.h"

namespace souverain::kernels {

// Q8_1: the activation partner of Q4_1/Q5_1, whose offset term m * sum(x) needs the block sum.
struct BlockQ8_1 {
    uint16_t d;  // fp16 scale
    uint16_t s;  // fp16, d * sum(qs)
    int8_t qs[QK_LEGACY];
};
static_assert(sizeof(BlockQ8_1) == 36, "Q8_1 block is 36 bytes");

#define SOUVERAIN_DECLARE_DOT(name)                                                         \
    void name(int64_t n, const void* w_row, const void* act, size_t act_stride, int n_cols, \
              float* out)

// Scalar twins (src/kernels/generic/dot_*.cpp): the semantics every SIMD kernel must match.
SOUVERAIN_DECLARE_DOT(dot_f32_f32_scalar);
SOUVERAIN_DECLARE_DOT(dot_f16_f32_scalar);
SOUVERAIN_DECLARE_DOT(dot_bf16_f32_scalar);
SOUVERAIN_DECLARE_DOT(dot_q4_0_q8_0_scalar);
SOUVERAIN_DECLARE_DOT(dot_q4_1_q8_1_scalar);
SOUVERAIN_DECLARE_DOT(dot_q5_0_q8_0_scalar);
SOUVERAIN_DECLARE_DOT(dot_q5_1_q8_1_scalar);
SOUVERAIN_DECLARE_DOT(dot_q8_0_q8_0_scalar);
SOUVERAIN_DECLARE_DOT(dot_q4_k_q8_k_scalar);
SOUVERAIN_DECLARE_DOT(dot_q5_k_q8_k_scalar);
SOUVERAIN_DECLARE_DOT(dot_q6_k_q8_k_scalar);

// AVX2 + FMA + F16C (src/kernels/x86/*_avx2.cpp, compiled with those flags only).
SOUVERAIN_DECLARE_DOT(dot_f32_f32_avx2);
SOUVERAIN_DECLARE_DOT(dot_f16_f32_avx2);
SOUVERAIN_DECLARE_DOT(dot_bf16_f32_avx2);
SOUVERAIN_DECLARE_DOT(dot_q4_0_q8_0_avx2);
SOUVERAIN_DECLARE_DOT(dot_q4_1_q8_1_avx2);
SOUVERAIN_DECLARE_DOT(dot_q5_0_q8_0_avx2);
SOUVERAIN_DECLARE_DOT(dot_q5_1_q8_1_avx2);
SOUVERAIN_DECLARE_DOT(dot_q8_0_q8_0_avx2);
SOUVERAIN_DECLARE_DOT(dot_q4_k_q8_k_avx2);
SOUVERAIN_DECLARE_DOT(dot_q5_k_q8_k_avx2);
SOUVERAIN_DECLARE_DOT(dot_q6_k_q8_k_avx2);

// AVX-512 F/BW/VL/DQ + VNNI + BF16 (src/kernels/x86/*_avx512.cpp). Optional per type: dot.cpp
// falls back to AVX2 for a type without an AVX-512 version.
SOUVERAIN_DECLARE_DOT(dot_f32_f32_avx512);
SOUVERAIN_DECLARE_DOT(dot_f16_f32_avx512);
SOUVERAIN_DECLARE_DOT(dot_bf16_f32_avx512);
SOUVERAIN_DECLARE_DOT(dot_q4_0_q8_0_avx512);
SOUVERAIN_DECLARE_DOT(dot_q4_1_q8_1_avx512);
SOUVERAIN_DECLARE_DOT(dot_q5_0_q8_0_avx512);
SOUVERAIN_DECLARE_DOT(dot_q5_1_q8_1_avx512);
SOUVERAIN_DECLARE_DOT(dot_q8_0_q8_0_avx512);
SOUVERAIN_DECLARE_DOT(dot_q4_k_q8_k_avx512);
SOUVERAIN_DECLARE_DOT(dot_q5_k_q8_k_avx512);
SOUVERAIN_DECLARE_DOT(dot_q6_k_q8_k_avx512);

#undef SOUVERAIN_DECLARE_DOT

// Register-blocked matmul kernels (GemmFn, dot.h) and their scratch sizes (GemmScratchFn).
#define SOUVERAIN_DECLARE_GEMM(name)                                                            \
    void name(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act,       \
              size_t act_stride, int64_t n_cols, float* out, size_t out_stride, void* scratch); \
    size_t name##_scratch(int64_t n, int64_t n_cols)

SOUVERAIN_DECLARE_GEMM(gemm_q4_0_q8_0_avx2);
SOUVERAIN_DECLARE_GEMM(gemm_q5_0_q8_0_avx2);
SOUVERAIN_DECLARE_GEMM(gemm_q8_0_q8_0_avx2);
SOUVERAIN_DECLARE_GEMM(gemm_q4_1_q8_1_avx2);
SOUVERAIN_DECLARE_GEMM(gemm_q5_1_q8_1_avx2);
SOUVERAIN_DECLARE_GEMM(gemm_q4_0_q8_0_avx512);
SOUVERAIN_DECLARE_GEMM(gemm_q5_0_q8_0_avx512);
SOUVERAIN_DECLARE_GEMM(gemm_q8_0_q8_0_avx512);
SOUVERAIN_DECLARE_GEMM(gemm_q4_1_q8_1_avx512);
SOUVERAIN_DECLARE_GEMM(gemm_q5_1_q8_1_avx512);
SOUVERAIN_DECLARE_GEMM(gemm_q4_k_q8_k_avx512);
SOUVERAIN_DECLARE_GEMM(gemm_q5_k_q8_k_avx512);
SOUVERAIN_DECLARE_GEMM(gemm_q6_k_q8_k_avx512);

#undef SOUVERAIN_DECLARE_GEMM

// Packed Q4_0 and Q8_0 for AVX-512 (PackedKernel, dot.h).
#define SOUVERAIN_DECLARE_PACKED(type, gemm_name)                                               \
    size_t packed_##type##_avx512_panel_bytes(int64_t n);                                       \
    void pack_##type##_avx512(int64_t n, const void* w, size_t w_stride, int64_t n_rows,        \
                              void* dst);                                                       \
    void gemm_name(int64_t n, const void* panels, int64_t n_rows, const void* act,              \
                   size_t act_stride, int64_t n_cols, float* out, size_t out_stride,            \
                   void* scratch);                                                              \
    size_t gemm_name##_scratch(int64_t n, int64_t n_cols);                                      \
    void prepare_##type##_avx512(int64_t n, const void* act, size_t act_stride, int64_t n_cols, \
                                 void* side);                                                   \
    void gemm_name##_prepared(int64_t n, const void* panels, int64_t n_rows, const void* act,   \
                              size_t act_stride, int64_t n_cols, const void* side, float* out,  \
                              size_t out_stride)

SOUVERAIN_DECLARE_PACKED(q4_0, gemm_packed_q4_0_q8_0_avx512);
SOUVERAIN_DECLARE_PACKED(q8_0, gemm_packed_q8_0_q8_0_avx512);

#undef SOUVERAIN_DECLARE_PACKED

// SIMD activation quantizers (src/kernels/x86/quantize_act_*.cpp): they write the same bytes as
// the scalar ones in dot.h, bit for bit, for every input.
void quantize_act_q8_0_avx2(const float* x, void* dst, int64_t n);
void quantize_act_q8_1_avx2(const float* x, void* dst, int64_t n);
void quantize_act_q8_k_avx2(const float* x, void* dst, int64_t n);
void quantize_act_q8_0_avx512(const float* x, void* dst, int64_t n);
void quantize_act_q8_1_avx512(const float* x, void* dst, int64_t n);
void quantize_act_q8_k_avx512(const float* x, void* dst, int64_t n);

}  // namespace souverain::kernels
