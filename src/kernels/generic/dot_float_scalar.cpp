// Scalar twins of the float-type dot kernels: F32, F16 and BF16 weight rows against F32
// activation columns. They define the semantics that the AVX2 and AVX-512 versions
// (kernels/x86/dot_float_*.cpp) reproduce up to float rounding, and are their test oracle.
//
// Each weight is widened to float exactly (fp16_to_fp32, bf16_to_fp32), multiplied by the
// activation in float, the products summed in float over groups of 32 elements (the last group
// may be shorter: n is any element count) and the group sums summed in float in order. That is
// the accumulation shape of the 32-element quantized blocks; SIMD versions sum in lanes instead.
//
// Rows and columns need no alignment: elements are read byte-wise.
#include <cassert>
#include <cstdint>
#include <cstring>

#include "kernels/dot_impl.h"
#include "kernels/generic/fp16.h"

namespace souverain::kernels {

namespace {

constexpr int64_t DOT_GROUP = 32;

float load_f32(const void* row, int64_t elem_idx) {
    float value;
    std::memcpy(&value, static_cast<const uint8_t*>(row) + 4 * elem_idx, 4);
    return value;
}

uint16_t load_u16(const void* row, int64_t elem_idx) {
    uint16_t bits;
    std::memcpy(&bits, static_cast<const uint8_t*>(row) + 2 * elem_idx, 2);
    return bits;
}

// WeightFn: float(const void* w_row, int64_t elem_idx), the weight widened to float.
template <typename WeightFn>
void dot_float(int64_t n, const void* w_row, const void* act, size_t act_stride, int n_cols,
               float* out, WeightFn weight) {
    assert(n >= 0);
    assert(n_cols >= 1 && n_cols <= kMaxDotCols);
    for (int col_idx = 0; col_idx < n_cols; ++col_idx) {
        const void* act_col = static_cast<const uint8_t*>(act) + size_t(col_idx) * act_stride;
        float sum = 0.0f;
        for (int64_t group_start = 0; group_start < n; group_start += DOT_GROUP) {
            const int64_t group_end = group_start + DOT_GROUP < n ? group_start + DOT_GROUP : n;
            float group_sum = 0.0f;
            for (int64_t elem_idx = group_start; elem_idx < group_end; ++elem_idx) {
                group_sum += weight(w_row, elem_idx) * load_f32(act_col, elem_idx);
            }
            sum += group_sum;
        }
        out[col_idx] = sum;
    }
}

}  // namespace

void dot_f32_f32_scalar(int64_t n, const void* w_row, const void* act, size_t act_stride,
                        int n_cols, float* out) {
    dot_float(n, w_row, act, act_stride, n_cols, out, load_f32);
}

void dot_f16_f32_scalar(int64_t n, const void* w_row, const void* act, size_t act_stride,
                        int n_cols, float* out) {
    dot_float(n, w_row, act, act_stride, n_cols, out, [](const void* row, int64_t elem_idx) {
        return fp16_to_fp32(load_u16(row, elem_idx));
    });
}

void dot_bf16_f32_scalar(int64_t n, const void* w_row, const void* act, size_t act_stride,
                         int n_cols, float* out) {
    dot_float(n, w_row, act, act_stride, n_cols, out, [](const void* row, int64_t elem_idx) {
        return bf16_to_fp32(load_u16(row, elem_idx));
    });
}

}  // namespace souverain::kernels
