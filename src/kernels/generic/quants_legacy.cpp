// Scalar kernels of the legacy 32-element block types: Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0.
// Layouts: see the block structs in quants.h.
#include <cmath>
#include <cstdint>

#include "kernels/generic/fp16.h"
#include "kernels/generic/quants.h"

namespace souverain::kernels {

namespace {

using detail::fp16_saturated;
using detail::fp16_scale_away;
using detail::round_clamped;
using detail::signed_absmax;

constexpr int QK = int(QK_LEGACY);
constexpr int HALF = QK / 2;

struct MinMax {
    float min;
    float max;
};

MinMax min_max(const float* x, int n) {
    MinMax range{x[0], x[0]};
    for (int elem_idx = 1; elem_idx < n; ++elem_idx) {
        range.min = std::fmin(range.min, x[elem_idx]);
        range.max = std::fmax(range.max, x[elem_idx]);
    }
    return range;
}

// x / d, or 0 when the scale rounded to zero (the block then decodes to zeros or to m).
float scaled(float x, float d) {
    return d != 0.0f ? x / d : 0.0f;
}

// The 5-bit types keep bit 4 of element e in bit e of a little-endian uint32.
uint32_t load_qh(const uint8_t* qh) {
    return uint32_t(qh[0]) | uint32_t(qh[1]) << 8 | uint32_t(qh[2]) << 16 | uint32_t(qh[3]) << 24;
}

void store_qh(uint8_t* qh, uint32_t bits) {
    for (int byte_idx = 0; byte_idx < 4; ++byte_idx) qh[byte_idx] = uint8_t(bits >> (8 * byte_idx));
}

// ---- Q4_0 ----

void decode_q4_0(const BlockQ4_0& block, float* y) {
    const float d = fp16_to_fp32(block.d);
    for (int j = 0; j < HALF; ++j) {
        y[j] = float((block.qs[j] & 0xF) - 8) * d;
        y[j + HALF] = float((block.qs[j] >> 4) - 8) * d;
    }
}

void encode_q4_0(const float* x, BlockQ4_0& block) {
    block.d = fp16_scale_away(signed_absmax(x, QK) / -8.0f);
    const float d = fp16_to_fp32(block.d);
    for (int j = 0; j < HALF; ++j) {
        const int q_lo = round_clamped(scaled(x[j], d), -8, 7) + 8;
        const int q_hi = round_clamped(scaled(x[j + HALF], d), -8, 7) + 8;
        block.qs[j] = uint8_t(q_lo | q_hi << 4);
    }
}

// ---- Q4_1 ----

void decode_q4_1(const BlockQ4_1& block, float* y) {
    const float d = fp16_to_fp32(block.d);
    const float m = fp16_to_fp32(block.m);
    for (int j = 0; j < HALF; ++j) {
        y[j] = float(block.qs[j] & 0xF) * d + m;
        y[j + HALF] = float(block.qs[j] >> 4) * d + m;
    }
}

void encode_q4_1(const float* x, BlockQ4_1& block) {
    const MinMax range = min_max(x, QK);
    block.d = fp16_scale_away((range.max - range.min) / 15.0f);
    block.m = fp16_saturated(range.min);
    const float d = fp16_to_fp32(block.d);
    const float m = fp16_to_fp32(block.m);
    for (int j = 0; j < HALF; ++j) {
        const int q_lo = round_clamped(scaled(x[j] - m, d), 0, 15);
        const int q_hi = round_clamped(scaled(x[j + HALF] - m, d), 0, 15);
        block.qs[j] = uint8_t(q_lo | q_hi << 4);
    }
}

// ---- Q5_0 ----

void decode_q5_0(const BlockQ5_0& block, float* y) {
    const float d = fp16_to_fp32(block.d);
    const uint32_t qh = load_qh(block.qh);
    for (int j = 0; j < HALF; ++j) {
        const int q_lo = (block.qs[j] & 0xF) | int((qh >> j) & 1) << 4;
        const int q_hi = (block.qs[j] >> 4) | int((qh >> (j + HALF)) & 1) << 4;
        y[j] = float(q_lo - 16) * d;
        y[j + HALF] = float(q_hi - 16) * d;
    }
}

void encode_q5_0(const float* x, BlockQ5_0& block) {
    block.d = fp16_scale_away(signed_absmax(x, QK) / -16.0f);
    const float d = fp16_to_fp32(block.d);
    uint32_t qh = 0;
    for (int j = 0; j < HALF; ++j) {
        const int q_lo = round_clamped(scaled(x[j], d), -16, 15) + 16;
        const int q_hi = round_clamped(scaled(x[j + HALF], d), -16, 15) + 16;
        block.qs[j] = uint8_t((q_lo & 0xF) | (q_hi & 0xF) << 4);
        qh |= uint32_t(q_lo >> 4) << j;
        qh |= uint32_t(q_hi >> 4) << (j + HALF);
    }
    store_qh(block.qh, qh);
}

// ---- Q5_1 ----

void decode_q5_1(const BlockQ5_1& block, float* y) {
    const float d = fp16_to_fp32(block.d);
    const float m = fp16_to_fp32(block.m);
    const uint32_t qh = load_qh(block.qh);
    for (int j = 0; j < HALF; ++j) {
        const int q_lo = (block.qs[j] & 0xF) | int((qh >> j) & 1) << 4;
        const int q_hi = (block.qs[j] >> 4) | int((qh >> (j + HALF)) & 1) << 4;
        y[j] = float(q_lo) * d + m;
        y[j + HALF] = float(q_hi) * d + m;
    }
}

void encode_q5_1(const float* x, BlockQ5_1& block) {
    const MinMax range = min_max(x, QK);
    block.d = fp16_scale_away((range.max - range.min) / 31.0f);
    block.m = fp16_saturated(range.min);
    const float d = fp16_to_fp32(block.d);
    const float m = fp16_to_fp32(block.m);
    uint32_t qh = 0;
    for (int j = 0; j < HALF; ++j) {
        const int q_lo = round_clamped(scaled(x[j] - m, d), 0, 31);
        const int q_hi = round_clamped(scaled(x[j + HALF] - m, d), 0, 31);
        block.qs[j] = uint8_t((q_lo & 0xF) | (q_hi & 0xF) << 4);
        qh |= uint32_t(q_lo >> 4) << j;
        qh |= uint32_t(q_hi >> 4) << (j + HALF);
    }
    store_qh(block.qh, qh);
}

// ---- Q8_0 ----

void decode_q8_0(const BlockQ8_0& block, float* y) {
    const float d = fp16_to_fp32(block.d);
    for (int j = 0; j < QK; ++j) y[j] = float(block.qs[j]) * d;
}

void encode_q8_0(const float* x, BlockQ8_0& block) {
    block.d = fp16_scale_away(std::fabs(signed_absmax(x, QK)) / 127.0f);
    const float d = fp16_to_fp32(block.d);
    for (int j = 0; j < QK; ++j) block.qs[j] = int8_t(round_clamped(scaled(x[j], d), -127, 127));
}

}  // namespace

void q4_0_to_float(const void* src, float* dst, int64_t n) {
    detail::to_float_blockwise<BlockQ4_0, QK_LEGACY>(src, dst, n, decode_q4_0);
}
void q4_0_from_float(const float* src, void* dst, int64_t n) {
    detail::from_float_blockwise<BlockQ4_0, QK_LEGACY>(src, dst, n, encode_q4_0);
}
float q4_0_dot_f32(const void* row, const float* x, int64_t n) {
    return detail::dot_blockwise<BlockQ4_0, QK_LEGACY>(row, x, n, decode_q4_0);
}

void q4_1_to_float(const void* src, float* dst, int64_t n) {
    detail::to_float_blockwise<BlockQ4_1, QK_LEGACY>(src, dst, n, decode_q4_1);
}
void q4_1_from_float(const float* src, void* dst, int64_t n) {
    detail::from_float_blockwise<BlockQ4_1, QK_LEGACY>(src, dst, n, encode_q4_1);
}
float q4_1_dot_f32(const void* row, const float* x, int64_t n) {
    return detail::dot_blockwise<BlockQ4_1, QK_LEGACY>(row, x, n, decode_q4_1);
}

void q5_0_to_float(const void* src, float* dst, int64_t n) {
    detail::to_float_blockwise<BlockQ5_0, QK_LEGACY>(src, dst, n, decode_q5_0);
}
void q5_0_from_float(const float* src, void* dst, int64_t n) {
    detail::from_float_blockwise<BlockQ5_0, QK_LEGACY>(src, dst, n, encode_q5_0);
}
float q5_0_dot_f32(const void* row, const float* x, int64_t n) {
    return detail::dot_blockwise<BlockQ5_0, QK_LEGACY>(row, x, n, decode_q5_0);
}

void q5_1_to_float(const void* src, float* dst, int64_t n) {
    detail::to_float_blockwise<BlockQ5_1, QK_LEGACY>(src, dst, n, decode_q5_1);
}
void q5_1_from_float(const float* src, void* dst, int64_t n) {
    detail::from_float_blockwise<BlockQ5_1, QK_LEGACY>(src, dst, n, encode_q5_1);
}
float q5_1_dot_f32(const void* row, const float* x, int64_t n) {
    return detail::dot_blockwise<BlockQ5_1, QK_LEGACY>(row, x, n, decode_q5_1);
}

void q8_0_to_float(const void* src, float* dst, int64_t n) {
    detail::to_float_blockwise<BlockQ8_0, QK_LEGACY>(src, dst, n, decode_q8_0);
}
void q8_0_from_float(const float* src, void* dst, int64_t n) {
    detail::from_float_blockwise<BlockQ8_0, QK_LEGACY>(src, dst, n, encode_q8_0);
}
float q8_0_dot_f32(const void* row, const float* x, int64_t n) {
    return detail::dot_blockwise<BlockQ8_0, QK_LEGACY>(row, x, n, decode_q8_0);
}

}  // namespace souverain::kernels
