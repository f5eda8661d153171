// F16 -> F32 rows with F16C (kernels/convert.h); compiled with -mavx2 -mf16c and called only
// when the CPU has them. vcvtph2ps widens exactly, subnormals included.
#include <immintrin.h>

#include <cstdint>

#include "kernels/generic/fp16.h"

namespace souverain::kernels {

void f16_to_f32_avx2(const uint16_t* src, float* dst, int64_t n) {
    int64_t idx = 0;
    for (; idx + 8 <= n; idx += 8) {
        const __m128i half = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + idx));
        _mm256_storeu_ps(dst + idx, _mm256_cvtph_ps(half));
    }
    for (; idx < n; ++idx) dst[idx] = fp16_to_fp32(src[idx]);  // the last n % 8
}

}  // namespace souverain::kernels
