// Scalar kernels of the K-quants: Q4_K, Q5_K, Q6_K (weights) and Q8_K (activations), all in
// 256-element super-blocks. Layouts: see the block structs in quants.h.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/generic/fp16.h"
#include "kernels/generic/quants.h"

namespace souverain::kernels {

namespace {

using detail::fp16_scale_away;
using detail::round_clamped;
using detail::signed_absmax;

constexpr int SUPER = int(QK_K);
// Q4_K/Q5_K: 8 sub-blocks of 32 with 6-bit scales and mins.
constexpr int SUB_4_5 = 32;
constexpr int N_SUB_4_5 = SUPER / SUB_4_5;
constexpr int SCALE_CODE_MAX = 63;
// Q6_K: 16 sub-blocks of 16 with int8 scales.
constexpr int SUB_6 = 16;
constexpr int N_SUB_6 = SUPER / SUB_6;
constexpr float FLT_MAX_VALUE = std::numeric_limits<float>::max();

// ---- Scale and min fitting for Q4_K/Q5_K ----

// A sub-block's affine code: x ~ scale * q - min with integer q in [0, q_max]. Both are >= 0
// because the format stores them unsigned: the min is subtracted, so a sub-block whose values
// are all positive is fitted with min = 0.
struct ScaleMin {
    float scale;
    float min;
};

// Nearest level of x under (scale, min); 0 for a zero scale.
int affine_level(float x, float scale, float min, int q_max) {
    return scale > 0.0f ? round_clamped((x + min) / scale, 0, q_max) : 0;
}

// Squared error of coding x[0..n) with (scale, min) and the nearest level for each element
// (which is the best level choice for a given scale and min).
double affine_error(const float* x, int n, int q_max, float scale, float min) {
    double err = 0.0;
    for (int elem_idx = 0; elem_idx < n; ++elem_idx) {
        const int q = affine_level(x[elem_idx], scale, min, q_max);
        const double diff = double(scale) * q - min - x[elem_idx];
        err += diff * diff;
    }
    return err;
}

// Least-squares (scale, min) for fixed levels q, with min kept >= 0. False when the levels
// cannot determine a positive scale (all equal, or anti-correlated with x).
bool solve_scale_min(const float* x, const int* q, int n, ScaleMin& fit) {
    double sum_q = 0, sum_qq = 0, sum_x = 0, sum_qx = 0;
    for (int elem_idx = 0; elem_idx < n; ++elem_idx) {
        sum_q += q[elem_idx];
        sum_qq += double(q[elem_idx]) * q[elem_idx];
        sum_x += x[elem_idx];
        sum_qx += double(q[elem_idx]) * x[elem_idx];
    }
    const double det = n * sum_qq - sum_q * sum_q;
    if (!(det > 0)) return false;
    double scale = (n * sum_qx - sum_q * sum_x) / det;
    double offset = (sum_qq * sum_x - sum_q * sum_qx) / det;  // x ~ scale * q + offset
    if (offset > 0) {
        // The format cannot add a positive offset: refit the scale alone through zero.
        offset = 0;
        scale = sum_qx / sum_qq;
    }
    if (!(scale > 0) || !std::isfinite(scale) || !std::isfinite(offset)) return false;
    fit = {float(scale), float(-offset)};
    return true;
}

// Candidate inverse scales are (q_max + t) / (max - min) for t = T_FIRST + T_STEP * k,
// k < T_COUNT: stretching or shrinking the grid slightly around the min/max fit lets the least
// squares solve trade clipping at the ends for finer steps in the bulk.
constexpr float T_FIRST = -2.0f;
constexpr float T_STEP = 0.2f;
constexpr int T_COUNT = 21;  // up to t = +2.0
constexpr int REFINE_ITERATIONS = 4;

// Best (scale, min) for one sub-block x: F32 [32]: candidate grids, each followed by a
// least-squares solve for its level assignment, then a few rounds of reassigning levels and
// solving again.
ScaleMin fit_scale_min(const float* x, int q_max) {
    constexpr int n = SUB_4_5;
    float x_min = 0.0f;  // min is clamped at 0 (see ScaleMin)
    float x_max = x[0];
    for (int elem_idx = 0; elem_idx < n; ++elem_idx) {
        x_min = std::fmin(x_min, x[elem_idx]);
        x_max = std::fmax(x_max, x[elem_idx]);
    }
    if (!(x_max > x_min)) return {0.0f, -x_min};  // constant non-positive sub-block

    ScaleMin best{(x_max - x_min) / float(q_max), -x_min};
    if (!std::isfinite(best.scale)) return best;  // range overflows float: keep min/max fit
    double best_err = affine_error(x, n, q_max, best.scale, best.min);
    int q[SUB_4_5];  // levels of the current candidate

    for (int t_idx = 0; t_idx < T_COUNT; ++t_idx) {
        const float inv_scale = (float(q_max) + T_FIRST + T_STEP * t_idx) / (x_max - x_min);
        for (int elem_idx = 0; elem_idx < n; ++elem_idx) {
            q[elem_idx] = round_clamped((x[elem_idx] - x_min) * inv_scale, 0, q_max);
        }
        ScaleMin fit;
        if (!solve_scale_min(x, q, n, fit)) continue;
        const double err = affine_error(x, n, q_max, fit.scale, fit.min);
        if (err < best_err) {
            best_err = err;
            best = fit;
        }
    }
    for (int iter = 0; iter < REFINE_ITERATIONS; ++iter) {
        for (int elem_idx = 0; elem_idx < n; ++elem_idx) {
            q[elem_idx] = affine_level(x[elem_idx], best.scale, best.min, q_max);
        }
        ScaleMin fit;
        if (!solve_scale_min(x, q, n, fit)) break;
        const double err = affine_error(x, n, q_max, fit.scale, fit.min);
        if (!(err < best_err)) break;
        best_err = err;
        best = fit;
    }
    return best;
}

// The 6-bit scale and min codes of one sub-block given the super-block's fp16 steps d and
// dmin: the two nearest codes of each are tried and the pair with the least error is kept.
struct ScaleMinCodes {
    int scale;
    int min;
};

ScaleMinCodes choose_codes(const float* x, int q_max, ScaleMin fit, float d, float dmin) {
    const int scale_lo = d > 0.0f ? round_clamped(std::floor(fit.scale / d), 0, SCALE_CODE_MAX) : 0;
    const int min_lo =
        dmin > 0.0f ? round_clamped(std::floor(fit.min / dmin), 0, SCALE_CODE_MAX) : 0;
    ScaleMinCodes best{scale_lo, min_lo};
    double best_err = std::numeric_limits<double>::infinity();
    for (int scale_code = scale_lo; scale_code <= std::min(scale_lo + 1, SCALE_CODE_MAX);
         ++scale_code) {
        for (int min_code = min_lo; min_code <= std::min(min_lo + 1, SCALE_CODE_MAX); ++min_code) {
            // The same float products the decoder forms.
            const double err =
                affine_error(x, SUB_4_5, q_max, d * float(scale_code), dmin * float(min_code));
            if (err < best_err) {
                best_err = err;
                best = {scale_code, min_code};
            }
        }
    }
    return best;
}

// Everything Q4_K and Q5_K share: d, dmin, the packed scales and the 0..q_max level of each
// element. levels: [256].
struct KAffineCode {
    uint16_t d;
    uint16_t dmin;
    uint8_t scales[K_SCALE_BYTES];
};

KAffineCode encode_k_affine(const float* x, int q_max, uint8_t* levels) {
    ScaleMin fits[N_SUB_4_5];
    float scale_max = 0.0f;
    float min_max = 0.0f;
    for (int sub_idx = 0; sub_idx < N_SUB_4_5; ++sub_idx) {
        fits[sub_idx] = fit_scale_min(x + sub_idx * SUB_4_5, q_max);
        scale_max = std::fmax(scale_max, fits[sub_idx].scale);
        min_max = std::fmax(min_max, fits[sub_idx].min);
    }
    KAffineCode code{};
    code.d = fp16_scale_away(scale_max / float(SCALE_CODE_MAX));
    code.dmin = fp16_scale_away(min_max / float(SCALE_CODE_MAX));
    const float d = fp16_to_fp32(code.d);
    const float dmin = fp16_to_fp32(code.dmin);

    int scale_codes[N_SUB_4_5];
    int min_codes[N_SUB_4_5];
    for (int sub_idx = 0; sub_idx < N_SUB_4_5; ++sub_idx) {
        const float* x_sub = x + sub_idx * SUB_4_5;
        const ScaleMinCodes codes = choose_codes(x_sub, q_max, fits[sub_idx], d, dmin);
        scale_codes[sub_idx] = codes.scale;
        min_codes[sub_idx] = codes.min;
        const float scale = d * float(codes.scale);
        const float min = dmin * float(codes.min);
        for (int elem_idx = 0; elem_idx < SUB_4_5; ++elem_idx) {
            levels[sub_idx * SUB_4_5 + elem_idx] =
                uint8_t(affine_level(x_sub[elem_idx], scale, min, q_max));
        }
    }
    // Inverse of k_scale_min(): low 6 bits of sub-blocks 0..3 in bytes 0..7, sub-blocks 4..7
    // split into a nibble in bytes 8..11 and 2 high bits on top of bytes 0..7.
    for (int sub_idx = 0; sub_idx < 4; ++sub_idx) {
        const int hi_sub = sub_idx + 4;
        code.scales[sub_idx] = uint8_t(scale_codes[sub_idx] | (scale_codes[hi_sub] >> 4) << 6);
        code.scales[sub_idx + 4] = uint8_t(min_codes[sub_idx] | (min_codes[hi_sub] >> 4) << 6);
        code.scales[sub_idx + 8] =
            uint8_t((scale_codes[hi_sub] & 0xF) | (min_codes[hi_sub] & 0xF) << 4);
    }
    return code;
}

// ---- Q4_K ----

void decode_q4_k(const BlockQ4_K& block, float* y) {
    const float d = fp16_to_fp32(block.d);
    const float dmin = fp16_to_fp32(block.dmin);
    for (int chunk_idx = 0; chunk_idx < 4; ++chunk_idx) {
        const uint8_t* qs = block.qs + 32 * chunk_idx;
        const KScaleMin lo = k_scale_min(block.scales, 2 * chunk_idx);
        const KScaleMin hi = k_scale_min(block.scales, 2 * chunk_idx + 1);
        const float scale_lo = d * float(lo.scale), min_lo = dmin * float(lo.min);
        const float scale_hi = d * float(hi.scale), min_hi = dmin * float(hi.min);
        float* y_chunk = y + 64 * chunk_idx;
        for (int l = 0; l < 32; ++l) {
            y_chunk[l] = scale_lo * float(qs[l] & 0xF) - min_lo;
            y_chunk[l + 32] = scale_hi * float(qs[l] >> 4) - min_hi;
        }
    }
}

void encode_q4_k(const float* x, BlockQ4_K& block) {
    uint8_t levels[SUPER];  // 0..15 per element
    const KAffineCode code = encode_k_affine(x, 15, levels);
    block.d = code.d;
    block.dmin = code.dmin;
    std::copy(code.scales, code.scales + K_SCALE_BYTES, block.scales);
    for (int chunk_idx = 0; chunk_idx < 4; ++chunk_idx) {
        const uint8_t* levels_chunk = levels + 64 * chunk_idx;
        for (int l = 0; l < 32; ++l) {
            block.qs[32 * chunk_idx + l] = uint8_t(levels_chunk[l] | levels_chunk[l + 32] << 4);
        }
    }
}

// ---- Q5_K ----

void decode_q5_k(const BlockQ5_K& block, float* y) {
    const float d = fp16_to_fp32(block.d);
    const float dmin = fp16_to_fp32(block.dmin);
    for (int chunk_idx = 0; chunk_idx < 4; ++chunk_idx) {
        const uint8_t* qs = block.qs + 32 * chunk_idx;
        const int sub_lo = 2 * chunk_idx, sub_hi = 2 * chunk_idx + 1;
        const KScaleMin lo = k_scale_min(block.scales, sub_lo);
        const KScaleMin hi = k_scale_min(block.scales, sub_hi);
        const float scale_lo = d * float(lo.scale), min_lo = dmin * float(lo.min);
        const float scale_hi = d * float(hi.scale), min_hi = dmin * float(hi.min);
        float* y_chunk = y + 64 * chunk_idx;
        for (int l = 0; l < 32; ++l) {
            const int q_lo = (qs[l] & 0xF) | ((block.qh[l] >> sub_lo) & 1) << 4;
            const int q_hi = (qs[l] >> 4) | ((block.qh[l] >> sub_hi) & 1) << 4;
            y_chunk[l] = scale_lo * float(q_lo) - min_lo;
            y_chunk[l + 32] = scale_hi * float(q_hi) - min_hi;
        }
    }
}

void encode_q5_k(const float* x, BlockQ5_K& block) {
    uint8_t levels[SUPER];  // 0..31 per element
    const KAffineCode code = encode_k_affine(x, 31, levels);
    block.d = code.d;
    block.dmin = code.dmin;
    std::copy(code.scales, code.scales + K_SCALE_BYTES, block.scales);
    std::fill(block.qh, block.qh + QK_K / 8, uint8_t(0));
    for (int chunk_idx = 0; chunk_idx < 4; ++chunk_idx) {
        const uint8_t* levels_chunk = levels + 64 * chunk_idx;
        for (int l = 0; l < 32; ++l) {
            const int q_lo = levels_chunk[l], q_hi = levels_chunk[l + 32];
            block.qs[32 * chunk_idx + l] = uint8_t((q_lo & 0xF) | (q_hi & 0xF) << 4);
            block.qh[l] |= uint8_t((q_lo >> 4) << (2 * chunk_idx));
            block.qh[l] |= uint8_t((q_hi >> 4) << (2 * chunk_idx + 1));
        }
    }
}

// ---- Q6_K ----

void decode_q6_k(const BlockQ6_K& block, float* y) {
    const float d = fp16_to_fp32(block.d);
    for (int half_idx = 0; half_idx < 2; ++half_idx) {
        const uint8_t* ql = block.ql + 64 * half_idx;
        const uint8_t* qh = block.qh + 32 * half_idx;
        const int8_t* scales = block.scales + 8 * half_idx;
        float* y_half = y + 128 * half_idx;
        for (int l = 0; l < 32; ++l) {
            const int sub = l / 16;  // sub-block within each 32-element group
            const int q1 = ((ql[l] & 0xF) | ((qh[l] >> 0) & 3) << 4) - 32;
            const int q2 = ((ql[l + 32] & 0xF) | ((qh[l] >> 2) & 3) << 4) - 32;
            const int q3 = ((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32;
            const int q4 = ((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32;
            y_half[l] = d * float(scales[sub + 0]) * float(q1);
            y_half[l + 32] = d * float(scales[sub + 2]) * float(q2);
            y_half[l + 64] = d * float(scales[sub + 4]) * float(q3);
            y_half[l + 96] = d * float(scales[sub + 6]) * float(q4);
        }
    }
}

// Squared error of coding x[0..16) with step `scale` and levels -32..31.
double q6_error(const float* x, float scale) {
    double err = 0.0;
    for (int elem_idx = 0; elem_idx < SUB_6; ++elem_idx) {
        const int q = scale != 0.0f ? round_clamped(x[elem_idx] / scale, -32, 31) : 0;
        const double diff = double(scale) * q - x[elem_idx];
        err += diff * diff;
    }
    return err;
}

// Candidate grids for a Q6_K sub-block map its largest-magnitude element to level -32 + t,
// t in [Q6_T_FIRST, Q6_T_FIRST + Q6_T_STEP * (Q6_T_COUNT - 1)] (below -32 it clips).
constexpr float Q6_T_FIRST = -4.0f;
constexpr float Q6_T_STEP = 0.5f;
constexpr int Q6_T_COUNT = 17;

// Step of one Q6_K sub-block (x ~ step * q, q in -32..31): the signed absmax step (largest
// magnitude element at -32), or a least-squares step over a candidate grid when that gives
// a smaller error.
float fit_q6_step(const float* x) {
    const float max = signed_absmax(x, SUB_6);
    float best = max / -32.0f;
    if (max == 0.0f) return best;
    double best_err = q6_error(x, best);
    for (int t_idx = 0; t_idx < Q6_T_COUNT; ++t_idx) {
        const float inv_step = (-32.0f + Q6_T_FIRST + Q6_T_STEP * float(t_idx)) / max;
        double sum_qx = 0, sum_qq = 0;
        for (int elem_idx = 0; elem_idx < SUB_6; ++elem_idx) {
            const int q = round_clamped(x[elem_idx] * inv_step, -32, 31);
            sum_qx += double(q) * x[elem_idx];
            sum_qq += double(q) * q;
        }
        if (!(sum_qq > 0)) continue;
        const float step = float(sum_qx / sum_qq);
        const double err = q6_error(x, step);
        if (err < best_err) {
            best_err = err;
            best = step;
        }
    }
    return best;
}

void encode_q6_k(const float* x, BlockQ6_K& block) {
    // The sub-block step of largest magnitude maps to scale code -128.
    float steps[N_SUB_6];
    for (int sub_idx = 0; sub_idx < N_SUB_6; ++sub_idx) {
        steps[sub_idx] = fit_q6_step(x + sub_idx * SUB_6);
    }
    block.d = fp16_scale_away(signed_absmax(steps, N_SUB_6) / -128.0f);
    const float d = fp16_to_fp32(block.d);

    uint8_t levels[SUPER];  // 0..63 per element (q + 32)
    for (int sub_idx = 0; sub_idx < N_SUB_6; ++sub_idx) {
        const float* x_sub = x + sub_idx * SUB_6;
        // Of the two nearest int8 codes keep the one with the smaller error.
        const int code_lo =
            d != 0.0f ? round_clamped(std::floor(steps[sub_idx] / d), -128, 127) : 0;
        const int code_hi = std::min(code_lo + 1, 127);
        const float scale_lo = d * float(code_lo), scale_hi = d * float(code_hi);
        const bool use_hi = q6_error(x_sub, scale_hi) < q6_error(x_sub, scale_lo);
        block.scales[sub_idx] = int8_t(use_hi ? code_hi : code_lo);
        // The same float product the decoder forms (before multiplying by q).
        const float scale = d * float(block.scales[sub_idx]);
        for (int elem_idx = 0; elem_idx < SUB_6; ++elem_idx) {
            const int q = scale != 0.0f ? round_clamped(x_sub[elem_idx] / scale, -32, 31) : 0;
            levels[sub_idx * SUB_6 + elem_idx] = uint8_t(q + 32);
        }
    }
    // Element 128h + 32g + l: low nibble in ql[64h + 32(g & 1) + l] (high half of the byte
    // for g >= 2), top 2 bits at bit 2g of qh[32h + l].
    std::fill(block.ql, block.ql + QK_K / 2, uint8_t(0));
    std::fill(block.qh, block.qh + QK_K / 4, uint8_t(0));
    for (int half_idx = 0; half_idx < 2; ++half_idx) {
        for (int group_idx = 0; group_idx < 4; ++group_idx) {
            for (int l = 0; l < 32; ++l) {
                const int level = levels[128 * half_idx + 32 * group_idx + l];
                const int ql_idx = 64 * half_idx + 32 * (group_idx & 1) + l;
                block.ql[ql_idx] |= uint8_t((level & 0xF) << (group_idx >= 2 ? 4 : 0));
                block.qh[32 * half_idx + l] |= uint8_t((level >> 4) << (2 * group_idx));
            }
        }
    }
}

// ---- Q8_K ----

void decode_q8_k(const BlockQ8_K& block, float* y) {
    for (int elem_idx = 0; elem_idx < SUPER; ++elem_idx) {
        y[elem_idx] = block.d * float(block.qs[elem_idx]);
    }
}

void encode_q8_k(const float* x, BlockQ8_K& block) {
    // Symmetric absmax with a float scale: no fp16 range limits. Dividing (rather than
    // multiplying by 1/d) stays finite when d is subnormal.
    const float abs_max = std::fmin(std::fabs(signed_absmax(x, SUPER)), FLT_MAX_VALUE);
    float d = abs_max / 127.0f;
    // Near FLT_MAX, d * 127 can round up to infinity: step d down (an ulp or two) until the top
    // level is finite.
    while (std::isinf(d * 127.0f)) d = std::nextafter(d, 0.0f);
    block.d = d;
    for (int elem_idx = 0; elem_idx < SUPER; ++elem_idx) {
        block.qs[elem_idx] = int8_t(d != 0.0f ? round_clamped(x[elem_idx] / d, -127, 127) : 0);
    }
    for (int group_idx = 0; group_idx < SUPER / 16; ++group_idx) {
        int sum = 0;
        for (int elem_idx = 0; elem_idx < 16; ++elem_idx) {
            sum += block.qs[16 * group_idx + elem_idx];
        }
        block.bsums[group_idx] = int16_t(sum);
    }
}

}  // namespace

void q4_k_to_float(const void* src, float* dst, int64_t n) {
    detail::to_float_blockwise<BlockQ4_K, QK_K>(src, dst, n, decode_q4_k);
}
void q4_k_from_float(const float* src, void* dst, int64_t n) {
    detail::from_float_blockwise<BlockQ4_K, QK_K>(src, dst, n, encode_q4_k);
}
float q4_k_dot_f32(const void* row, const float* x, int64_t n) {
    return detail::dot_blockwise<BlockQ4_K, QK_K>(row, x, n, decode_q4_k);
}

void q5_k_to_float(const void* src, float* dst, int64_t n) {
    detail::to_float_blockwise<BlockQ5_K, QK_K>(src, dst, n, decode_q5_k);
}
void q5_k_from_float(const float* src, void* dst, int64_t n) {
    detail::from_float_blockwise<BlockQ5_K, QK_K>(src, dst, n, encode_q5_k);
}
float q5_k_dot_f32(const void* row, const float* x, int64_t n) {
    return detail::dot_blockwise<BlockQ5_K, QK_K>(row, x, n, decode_q5_k);
}

void q6_k_to_float(const void* src, float* dst, int64_t n) {
    detail::to_float_blockwise<BlockQ6_K, QK_K>(src, dst, n, decode_q6_k);
}
void q6_k_from_float(const float* src, void* dst, int64_t n) {
    detail::from_float_blockwise<BlockQ6_K, QK_K>(src, dst, n, encode_q6_k);
}
float q6_k_dot_f32(const void* row, const float* x, int64_t n) {
    return detail::dot_blockwise<BlockQ6_K, QK_K>(row, x, n, decode_q6_k);
}

void q8_k_to_float(const void* src, float* dst, int64_t n) {
    detail::to_float_blockwise<BlockQ8_K, QK_K>(src, dst, n, decode_q8_k);
}
void q8_k_from_float(const float* src, void* dst, int64_t n) {
    detail::from_float_blockwise<BlockQ8_K, QK_K>(src, dst, n, encode_q8_k);
}
float q8_k_dot_f32(const void* row, const float* x, int64_t n) {
    return detail::dot_blockwise<BlockQ8_K, QK_K>(row, x, n, decode_q8_k);
}

}  // namespace souverain::kernels
