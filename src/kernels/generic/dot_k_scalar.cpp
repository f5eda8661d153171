// Scalar twins of the K-quant dot kernels: Q4_K, Q5_K and Q6_K weight rows against Q8_K
// activation columns. They define the semantics that the AVX2 and AVX-512 versions
// (kernels/x86/dot_k_*.cpp) reproduce up to float rounding, and are their test oracle.
//
// Per 256-element super-block b, with the weight levels q (unsigned: 0..15 for Q4_K, 0..31 for
// Q5_K, 0..63 for Q6_K, decoded exactly as <type>_to_float does) and the activation's int8 qs
// and bsums, everything in exact int32 arithmetic:
//
//   Q4_K, Q5_K (8 sub-blocks j of 32 elements, 6-bit scale sc_j and min m_j):
//     sum_q   = sum_j sc_j * sum_{e in j} q_e * qs_e
//     sum_min = sum_j m_j * (bsums[2j] + bsums[2j + 1])
//     block   = (d * act_d) * float(sum_q) - (dmin * act_d) * float(sum_min)
//   Q6_K (16 sub-blocks s of 16 elements, int8 scale sc_s, level offset 32):
//     sum_q   = sum_s sc_s * (sum_{e in s} q_e * qs_e - 32 * bsums[s])
//     block   = (d * act_d) * float(sum_q)
//
// where d and dmin are the weight block's fp16 scales as float and act_d the activation block's
// float d; the products of scales are formed in float. The blocks are summed in float in block
// order. The activation's bsums are trusted to be the sums of its 16-element qs groups (as the
// Q8_K quantizers write them): the kernels take the min and offset terms from bsums instead of
// summing qs again, which is what makes those terms nearly free in the SIMD versions. With
// consistent bsums the result equals the dot product of the dequantized weight row with the
// dequantized activation (d * qs) up to float rounding.
//
// Overflow: for every weight bit pattern and activations whose bsums are consistent with their
// qs, every partial sum above (and in the SIMD versions) stays below 256 * 63 * 128 * 128 <
// 2^29 in magnitude, well inside int32.
#include <cassert>
#include <cstdint>

#include "kernels/dot_impl.h"
#include "kernels/generic/fp16.h"
#include "kernels/generic/quants.h"

namespace souverain::kernels {

namespace {

using detail::load_block;

// Column col_idx of the activations (rows of Q8_K blocks, col_idx * act_stride bytes apart).
const void* act_column(const void* act, size_t act_stride, int col_idx) {
    return static_cast<const uint8_t*>(act) + size_t(col_idx) * act_stride;
}

// The 0..15 level of element elem_idx (0..255) of a Q4_K block: chunk elem_idx / 64 uses
// qs[32 * chunk ..], low nibbles for its first 32 elements, high nibbles for the next 32.
int q4_k_level(const uint8_t* qs, int elem_idx) {
    const int chunk_idx = elem_idx / 64;
    const int within = elem_idx % 64;
    const uint8_t byte = qs[32 * chunk_idx + within % 32];
    return within < 32 ? (byte & 0xF) : (byte >> 4);
}

// The 0..63 level of element elem_idx of a Q6_K block (layout: see BlockQ6_K).
int q6_k_level(const BlockQ6_K& block, int elem_idx) {
    const int half_idx = elem_idx / 128;
    const int group_idx = (elem_idx % 128) / 32;
    const int l = elem_idx % 32;
    const uint8_t low_byte = block.ql[64 * half_idx + 32 * (group_idx & 1) + l];
    const int low = group_idx >= 2 ? (low_byte >> 4) : (low_byte & 0xF);
    const int high = (block.qh[32 * half_idx + l] >> (2 * group_idx)) & 3;
    return low | high << 4;
}

// Q4_K and Q5_K share everything but the levels; LevelFn: int(const Block&, int elem_idx).
template <typename Block, typename LevelFn>
void dot_k_affine(int64_t n, const void* w_row, const void* act, size_t act_stride, int n_cols,
                  float* out, LevelFn level) {
    assert(n >= 0 && n % QK_K == 0);
    assert(n_cols >= 1 && n_cols <= kMaxDotCols);
    const int64_t n_blocks = n / QK_K;
    for (int col_idx = 0; col_idx < n_cols; ++col_idx) {
        const void* act_col = act_column(act, act_stride, col_idx);
        float sum = 0.0f;
        for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
            const Block w = load_block<Block>(w_row, block_idx);
            const BlockQ8_K a = load_block<BlockQ8_K>(act_col, block_idx);
            int32_t sum_q = 0;
            int32_t sum_min = 0;
            for (int sub_idx = 0; sub_idx < 8; ++sub_idx) {
                const KScaleMin scale_min = k_scale_min(w.scales, sub_idx);
                int32_t sub_sum = 0;
                for (int elem_idx = 32 * sub_idx; elem_idx < 32 * sub_idx + 32; ++elem_idx) {
                    sub_sum += level(w, elem_idx) * a.qs[elem_idx];
                }
                sum_q += scale_min.scale * sub_sum;
                sum_min += scale_min.min * (a.bsums[2 * sub_idx] + a.bsums[2 * sub_idx + 1]);
            }
            const float d = fp16_to_fp32(w.d) * a.d;
            const float dmin = fp16_to_fp32(w.dmin) * a.d;
            sum += d * float(sum_q) - dmin * float(sum_min);
        }
        out[col_idx] = sum;
    }
}

}  // namespace

void dot_q4_k_q8_k_scalar(int64_t n, const void* w_row, const void* act, size_t act_stride,
                          int n_cols, float* out) {
    dot_k_affine<BlockQ4_K>(
        n, w_row, act, act_stride, n_cols, out,
        [](const BlockQ4_K& w, int elem_idx) { return q4_k_level(w.qs, elem_idx); });
}

void dot_q5_k_q8_k_scalar(int64_t n, const void* w_row, const void* act, size_t act_stride,
                          int n_cols, float* out) {
    // The fifth bit of element l of sub-block j is bit j of qh[l].
    dot_k_affine<BlockQ5_K>(n, w_row, act, act_stride, n_cols, out,
                            [](const BlockQ5_K& w, int elem_idx) {
                                const int high = (w.qh[elem_idx % 32] >> (elem_idx / 32)) & 1;
                                return q4_k_level(w.qs, elem_idx) | high << 4;
                            });
}

void dot_q6_k_q8_k_scalar(int64_t n, const void* w_row, const void* act, size_t act_stride,
                          int n_cols, float* out) {
    assert(n >= 0 && n % QK_K == 0);
    assert(n_cols >= 1 && n_cols <= kMaxDotCols);
    const int64_t n_blocks = n / QK_K;
    for (int col_idx = 0; col_idx < n_cols; ++col_idx) {
        const void* act_col = act_column(act, act_stride, col_idx);
        float sum = 0.0f;
        for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
            const BlockQ6_K w = load_block<BlockQ6_K>(w_row, block_idx);
            const BlockQ8_K a = load_block<BlockQ8_K>(act_col, block_idx);
            int32_t sum_q = 0;
            for (int sub_idx = 0; sub_idx < 16; ++sub_idx) {
                int32_t sub_sum = 0;
                for (int elem_idx = 16 * sub_idx; elem_idx < 16 * sub_idx + 16; ++elem_idx) {
                    sub_sum += q6_k_level(w, elem_idx) * a.qs[elem_idx];
                }
                // Levels are stored as q + 32: bsums removes the offset from the whole group.
                sum_q += w.scales[sub_idx] * (sub_sum - 32 * a.bsums[sub_idx]);
            }
            sum += (fp16_to_fp32(w.d) * a.d) * float(sum_q);
        }
        out[col_idx] = sum;
    }
}

}  // namespace souverain::kernels
