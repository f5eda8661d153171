// Scalar twins of the legacy-type dot kernels: Q4_0, Q5_0, Q8_0 weight rows against Q8_0
// activation columns, Q4_1 and Q5_1 rows against Q8_1 columns. They define the semantics that
// the AVX2 and AVX-512 versions (kernels/x86/dot_legacy_*.cpp) reproduce up to float rounding,
// and are their test oracle.
//
// Per 32-element block b, with the weight levels w_e decoded exactly as <type>_to_float does
// (Q4_0: nibble - 8, Q5_0: 5-bit value - 16, Q8_0: the int8; Q4_1/Q5_1: the unsigned nibble or
// 5-bit value) and the activation's int8 qs_e:
//
//   isum  = sum_e w_e * qs_e                                (exact in int32)
//   Q4_0, Q5_0, Q8_0:  block = float(isum) * (d_w * d_a)
//   Q4_1, Q5_1:        block = float(isum) * (d_w * d_a) + m_w * s_a
//
// where d_w, m_w are the weight block's fp16 scale and offset as float, d_a and s_a the
// activation block's fp16 scale and sum field (s_a = d_a * sum(qs), see quantize_act_q8_1) as
// float; the product of the scales is formed in float. Blocks are summed in float in block order.
// With s_a exact, this is the dot product of the dequantized weight row with the dequantized
// activation (d_a * qs) up to float rounding.
#include <cassert>
#include <cstdint>

#include "kernels/dot_impl.h"
#include "kernels/generic/fp16.h"
#include "kernels/generic/quants.h"

namespace souverain::kernels {

namespace {

using detail::load_block;

constexpr int QK = int(QK_LEGACY);
constexpr int HALF = QK / 2;

// Column col_idx of the activations (rows of blocks, col_idx * act_stride bytes apart).
const void* act_column(const void* act, size_t act_stride, int col_idx) {
    return static_cast<const uint8_t*>(act) + size_t(col_idx) * act_stride;
}

// Element e (0..15) of a 4-bit block is the low nibble of qs[e], element e + 16 its high nibble.
int nibble(const uint8_t* qs, int elem_idx) {
    return elem_idx < HALF ? (qs[elem_idx] & 0xF) : (qs[elem_idx - HALF] >> 4);
}

// Bit 4 of element elem_idx of a 5-bit block: bit elem_idx of the little-endian uint32 qh.
int high_bit(const uint8_t* qh, int elem_idx) {
    return (qh[elem_idx / 8] >> (elem_idx % 8)) & 1;
}

int32_t int_dot(const int* levels, const int8_t* qs) {
    int32_t sum = 0;
    for (int elem_idx = 0; elem_idx < QK; ++elem_idx) sum += levels[elem_idx] * qs[elem_idx];
    return sum;
}

// Weights against Q8_0. LevelFn: void(const Block&, int* levels) writes the 32 signed levels.
template <typename Block, typename LevelFn>
void dot_symmetric(int64_t n, const void* w_row, const void* act, size_t act_stride, int n_cols,
                   float* out, LevelFn decode_levels) {
    assert(n >= 0 && n % QK_LEGACY == 0);
    assert(n_cols >= 1 && n_cols <= kMaxDotCols);
    for (int col_idx = 0; col_idx < n_cols; ++col_idx) {
        const void* act_col = act_column(act, act_stride, col_idx);
        float sum = 0.0f;
        for (int64_t block_idx = 0; block_idx < n / QK_LEGACY; ++block_idx) {
            const Block w = load_block<Block>(w_row, block_idx);
            const BlockQ8_0 a = load_block<BlockQ8_0>(act_col, block_idx);
            int levels[QK];
            decode_levels(w, levels);
            const float scale = fp16_to_fp32(w.d) * fp16_to_fp32(a.d);
            sum += float(int_dot(levels, a.qs)) * scale;
        }
        out[col_idx] = sum;
    }
}

// Weights with an offset m against Q8_1; LevelFn writes the 32 unsigned levels.
template <typename Block, typename LevelFn>
void dot_affine(int64_t n, const void* w_row, const void* act, size_t act_stride, int n_cols,
                float* out, LevelFn decode_levels) {
    assert(n >= 0 && n % QK_LEGACY == 0);
    assert(n_cols >= 1 && n_cols <= kMaxDotCols);
    for (int col_idx = 0; col_idx < n_cols; ++col_idx) {
        const void* act_col = act_column(act, act_stride, col_idx);
        float sum = 0.0f;
        for (int64_t block_idx = 0; block_idx < n / QK_LEGACY; ++block_idx) {
            const Block w = load_block<Block>(w_row, block_idx);
            const BlockQ8_1 a = load_block<BlockQ8_1>(act_col, block_idx);
            int levels[QK];
            decode_levels(w, levels);
            const float scale = fp16_to_fp32(w.d) * fp16_to_fp32(a.d);
            sum += float(int_dot(levels, a.qs)) * scale + fp16_to_fp32(w.m) * fp16_to_fp32(a.s);
        }
        out[col_idx] = sum;
    }
}

}  // namespace

void dot_q4_0_q8_0_scalar(int64_t n, const void* w_row, const void* act, size_t act_stride,
                          int n_cols, float* out) {
    dot_symmetric<BlockQ4_0>(n, w_row, act, act_stride, n_cols, out,
                             [](const BlockQ4_0& w, int* levels) {
                                 for (int elem_idx = 0; elem_idx < QK; ++elem_idx)
                                     levels[elem_idx] = nibble(w.qs, elem_idx) - 8;
                             });
}

void dot_q5_0_q8_0_scalar(int64_t n, const void* w_row, const void* act, size_t act_stride,
                          int n_cols, float* out) {
    dot_symmetric<BlockQ5_0>(
        n, w_row, act, act_stride, n_cols, out, [](const BlockQ5_0& w, int* levels) {
            for (int elem_idx = 0; elem_idx < QK; ++elem_idx) {
                levels[elem_idx] = (nibble(w.qs, elem_idx) | high_bit(w.qh, elem_idx) << 4) - 16;
            }
        });
}

void dot_q8_0_q8_0_scalar(int64_t n, const void* w_row, const void* act, size_t act_stride,
                          int n_cols, float* out) {
    dot_symmetric<BlockQ8_0>(n, w_row, act, act_stride, n_cols, out,
                             [](const BlockQ8_0& w, int* levels) {
                                 for (int elem_idx = 0; elem_idx < QK; ++elem_idx)
                                     levels[elem_idx] = w.qs[elem_idx];
                             });
}

void dot_q4_1_q8_1_scalar(int64_t n, const void* w_row, const void* act, size_t act_stride,
                          int n_cols, float* out) {
    dot_affine<BlockQ4_1>(n, w_row, act, act_stride, n_cols, out,
                          [](const BlockQ4_1& w, int* levels) {
                              for (int elem_idx = 0; elem_idx < QK; ++elem_idx)
                                  levels[elem_idx] = nibble(w.qs, elem_idx);
                          });
}

void dot_q5_1_q8_1_scalar(int64_t n, const void* w_row, const void* act, size_t act_stride,
                          int n_cols, float* out) {
    dot_affine<BlockQ5_1>(
        n, w_row, act, act_stride, n_cols, out, [](const BlockQ5_1& w, int* levels) {
            for (int elem_idx = 0; elem_idx < QK; ++elem_idx) {
                levels[elem_idx] = nibble(w.qs, elem_idx) | high_bit(w.qh, elem_idx) << 4;
            }
        });
}

}  // namespace souverain::kernels
