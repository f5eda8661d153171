// Scalar kernels of the float types: F32, F16 and BF16 (one element per block).
#include <cassert>
#include <cmath>
#include <cstring>

#include "kernels/generic/fp16.h"
#include "kernels/generic/quants.h"

namespace souverain::kernels {

namespace {

// Products are summed in float over groups of this many elements, the groups in double: the
// same accumulation shape as the 32-element quantized blocks.
constexpr int64_t DOT_GROUP = 32;

// Element elem_idx of a row of 2-byte values (rows need not be aligned).
uint16_t load_u16(const void* row, int64_t elem_idx) {
    uint16_t bits;
    std::memcpy(&bits, static_cast<const uint8_t*>(row) + 2 * elem_idx, 2);
    return bits;
}

void store_u16(void* row, int64_t elem_idx, uint16_t bits) {
    std::memcpy(static_cast<uint8_t*>(row) + 2 * elem_idx, &bits, 2);
}

// ElementFn: float(const void* row, int64_t elem_idx).
template <typename ElementFn>
float dot_grouped(const void* row, const float* x, int64_t n, ElementFn element) {
    assert(n >= 0);
    double total = 0.0;
    for (int64_t group_start = 0; group_start < n; group_start += DOT_GROUP) {
        const int64_t group_end = group_start + DOT_GROUP < n ? group_start + DOT_GROUP : n;
        float group_sum = 0.0f;
        for (int64_t elem_idx = group_start; elem_idx < group_end; ++elem_idx) {
            group_sum += element(row, elem_idx) * x[elem_idx];
        }
        total += double(group_sum);
    }
    return float(total);
}

float f32_element(const void* row, int64_t elem_idx) {
    float value;
    std::memcpy(&value, static_cast<const uint8_t*>(row) + 4 * elem_idx, 4);
    return value;
}

float f16_element(const void* row, int64_t elem_idx) {
    return fp16_to_fp32(load_u16(row, elem_idx));
}

float bf16_element(const void* row, int64_t elem_idx) {
    return bf16_to_fp32(load_u16(row, elem_idx));
}

// Finite values beyond the largest finite half/bfloat16 clip to it instead of rounding to
// infinity (a weight must not become infinite by conversion); infinities and NaN pass through.
uint16_t fp16_clipped(float value) {
    return std::isfinite(value) ? detail::fp16_saturated(value) : fp32_to_fp16(value);
}

uint16_t bf16_clipped(float value) {
    const uint16_t bits = fp32_to_bf16(value);
    const bool rounded_to_inf = (bits & 0x7fff) == 0x7f80 && std::isfinite(value);
    return rounded_to_inf ? uint16_t((bits & 0x8000) | 0x7f7f) : bits;
}

}  // namespace

void f32_to_float(const void* src, float* dst, int64_t n) {
    assert(n >= 0);
    std::memmove(dst, src, size_t(n) * sizeof(float));
}

void f32_from_float(const float* src, void* dst, int64_t n) {
    assert(n >= 0);
    std::memmove(dst, src, size_t(n) * sizeof(float));
}

float f32_dot_f32(const void* row, const float* x, int64_t n) {
    return dot_grouped(row, x, n, f32_element);
}

void f16_to_float(const void* src, float* dst, int64_t n) {
    assert(n >= 0);
    for (int64_t elem_idx = 0; elem_idx < n; ++elem_idx) dst[elem_idx] = f16_element(src, elem_idx);
}

void f16_from_float(const float* src, void* dst, int64_t n) {
    assert(n >= 0);
    for (int64_t elem_idx = 0; elem_idx < n; ++elem_idx) {
        store_u16(dst, elem_idx, fp16_clipped(src[elem_idx]));
    }
}

float f16_dot_f32(const void* row, const float* x, int64_t n) {
    return dot_grouped(row, x, n, f16_element);
}

void bf16_to_float(const void* src, float* dst, int64_t n) {
    assert(n >= 0);
    for (int64_t elem_idx = 0; elem_idx < n; ++elem_idx) {
        dst[elem_idx] = bf16_element(src, elem_idx);
    }
}

void bf16_from_float(const float* src, void* dst, int64_t n) {
    assert(n >= 0);
    for (int64_t elem_idx = 0; elem_idx < n; ++elem_idx) {
        store_u16(dst, elem_idx, bf16_clipped(src[elem_idx]));
    }
}

float bf16_dot_f32(const void* row, const float* x, int64_t n) {
    return dot_grouped(row, x, n, bf16_element);
}

}  // namespace souverain::kernels
