#include "kernels/convert.h"

#include "kernels/generic/fp16.h"

namespace souverain::kernels {

#if defined(__x86_64__)
void f16_to_f32_avx2(const uint16_t* src, float* dst, int64_t n);    // x86/convert_avx2.cpp
void f16_to_f32_avx512(const uint16_t* src, float* dst, int64_t n);  // x86/convert_avx512.cpp
#endif

void f16_to_f32_scalar(const uint16_t* src, float* dst, int64_t n) {
    for (int64_t idx = 0; idx < n; ++idx) dst[idx] = fp16_to_fp32(src[idx]);
}

F16ToF32Fn f16_to_f32_kernel(KernelLevel level) {
#if defined(__x86_64__)
    if (level == KernelLevel::AVX512) return f16_to_f32_avx512;
    if (level == KernelLevel::AVX2) return f16_to_f32_avx2;
#endif
    (void)level;
    return f16_to_f32_scalar;
}

void f16_to_f32_row(const uint16_t* src, float* dst, int64_t n) {
    static const F16ToF32Fn convert = f16_to_f32_kernel(best_kernel_level());
    convert(src, dst, n);
}

}  // namespace souverain::kernels
