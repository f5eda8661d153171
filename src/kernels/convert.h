#pragma once
// Row conversions between the cache's storage types and F32, chosen at run time like the dot
// kernels (best_kernel_level(), SOUVERAIN_KERNELS). Attention widens every F16 key and value it
// reads: for a 7B model at 512 positions that is about 34 million values per token, so the
// widening must run at vector speed, not one branchy scalar conversion per value.
//
// Semantics: fp16_to_fp32 (kernels/generic/fp16.h) for every value, bit for bit; NaN stays NaN
// (the hardware sets the quiet bit of a signalling NaN, which the scalar twin keeps as it is).
// Pure functions: safe from any thread.
#include <cstdint>

#include "kernels/dot.h"

namespace souverain::kernels {

// dst[i] = widen(src[i]) for i < n. Reads exactly n values and writes exactly n floats.
using F16ToF32Fn = void (*)(const uint16_t* src, float* dst, int64_t n);

// The conversion of a level (SCALAR, AVX2 with F16C, AVX512).
F16ToF32Fn f16_to_f32_kernel(KernelLevel level);

// The conversion at best_kernel_level().
void f16_to_f32_row(const uint16_t* src, float* dst, int64_t n);

// The plain twin of every level, and their test oracle.
void f16_to_f32_scalar(const uint16_t* src, float* dst, int64_t n);

}  // namespace souverain::kernels
