// F16 -> F32 rows with AVX-512 (kernels/convert.h); compiled with the AVX-512 flags and called
// only when the CPU has them. The last n % 16 values use masked loads and stores: nothing is
// read or written past the row.
// GCC 12's AVX-512 headers trip its own -Wuninitialized (GCC bug 105593, fixed in GCC 13).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstdint>

namespace souverain::kernels {

void f16_to_f32_avx512(const uint16_t* src, float* dst, int64_t n) {
    int64_t idx = 0;
    for (; idx + 32 <= n; idx += 32) {
        const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + idx));
        const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + idx + 16));
        _mm512_storeu_ps(dst + idx, _mm512_cvtph_ps(lo));
        _mm512_storeu_ps(dst + idx + 16, _mm512_cvtph_ps(hi));
    }
    for (; idx < n; idx += 16) {
        const int64_t left = n - idx;
        const __mmask16 valid = left >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1);
        const __m256i half = _mm256_maskz_loadu_epi16(valid, src + idx);
        _mm512_mask_storeu_ps(dst + idx, valid, _mm512_cvtph_ps(half));
    }
}

}  // namespace souverain::kernels
