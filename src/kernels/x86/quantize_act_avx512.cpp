// AVX-512 activation quantizers: Q8_0, Q8_1 and Q8_K, byte for byte the output of the scalar
// ones in kernels/dot.cpp (whose header states the semantics). Bit-exactness holds for the same
// reasons as in quantize_act_avx2.cpp: the same IEEE operations in the same order, maxps keeping
// its second operand when the first is NaN, and cvtps2dq rounding to nearest even.
//
// Compiled with the AVX-512 flags; helpers stay in the anonymous namespace (ODR note in
// CMakeLists.txt).
// GCC 12's AVX-512 headers initialise "undefined" vectors from themselves, which its own
// -Wuninitialized flags wherever they are inlined (GCC bug 105593, fixed in GCC 13).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cfloat>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/dot_impl.h"

namespace souverain::kernels {

namespace {

constexpr int QK = 32;
constexpr float FP16_MAX = 65504.0f;
constexpr float LEVEL_MAX = 127.0f;

// max(|v|, acc), keeping acc where v is NaN.
__m512 abs_max(__m512 v, __m512 acc) {
    return _mm512_max_ps(_mm512_abs_ps(v), acc);
}

float capped(float amax) {
    return amax < FLT_MAX ? amax : FLT_MAX;
}

// 16 levels round_half_even(clamp(x * id, -127, 127)), NaN -> -127, as int32.
__m512i levels16(__m512 x, __m512 id) {
    __m512 scaled = _mm512_mul_ps(x, id);
    scaled = _mm512_max_ps(scaled, _mm512_set1_ps(-LEVEL_MAX));
    scaled = _mm512_min_ps(scaled, _mm512_set1_ps(LEVEL_MAX));
    return _mm512_cvtps_epi32(scaled);
}

void store_levels16(uint8_t* p, __m512i levels) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm512_cvtepi32_epi8(levels));
}

void store_u16(uint8_t* p, uint16_t bits) {
    std::memcpy(p, &bits, 2);
}

// Quantizes a 32-element block in the Q8_0 layout (fp16 d at d_dst, 32 levels at qs_dst);
// returns the sum of the levels and the decoded d.
struct BlockResult {
    int sum;
    float d;
};

BlockResult quantize_block_q8(const float* x, uint8_t* d_dst, uint8_t* qs_dst) {
    const __m512 v0 = _mm512_loadu_ps(x);
    const __m512 v1 = _mm512_loadu_ps(x + 16);
    const __m512 amax = abs_max(v1, abs_max(v0, _mm512_setzero_ps()));
    float d_wanted = capped(_mm512_reduce_max_ps(amax)) / LEVEL_MAX;
    d_wanted = d_wanted < FP16_MAX ? d_wanted : FP16_MAX;
    const uint16_t d_bits = _cvtss_sh(d_wanted, _MM_FROUND_TO_NEAREST_INT);
    const float d = _cvtsh_ss(d_bits);
    const __m512 id = _mm512_set1_ps(d != 0.0f ? 1.0f / d : 0.0f);
    const __m512i q0 = levels16(v0, id);
    const __m512i q1 = levels16(v1, id);
    store_u16(d_dst, d_bits);
    store_levels16(qs_dst, q0);
    store_levels16(qs_dst + 16, q1);
    return {_mm512_reduce_add_epi32(_mm512_add_epi32(q0, q1)), d};
}

}  // namespace

void quantize_act_q8_0_avx512(const float* x, void* dst, int64_t n) {
    uint8_t* out = static_cast<uint8_t*>(dst);
    for (int64_t block_idx = 0; block_idx < n / QK; ++block_idx) {
        uint8_t* block = out + block_idx * sizeof(BlockQ8_0);
        quantize_block_q8(x + block_idx * QK, block + offsetof(BlockQ8_0, d),
                          block + offsetof(BlockQ8_0, qs));
    }
}

void quantize_act_q8_1_avx512(const float* x, void* dst, int64_t n) {
    uint8_t* out = static_cast<uint8_t*>(dst);
    for (int64_t block_idx = 0; block_idx < n / QK; ++block_idx) {
        uint8_t* block = out + block_idx * sizeof(BlockQ8_1);
        const BlockResult result = quantize_block_q8(
            x + block_idx * QK, block + offsetof(BlockQ8_1, d), block + offsetof(BlockQ8_1, qs));
        float s = result.d * float(result.sum);
        s = s >= -FP16_MAX ? s : -FP16_MAX;
        s = s <= FP16_MAX ? s : FP16_MAX;
        store_u16(block + offsetof(BlockQ8_1, s), _cvtss_sh(s, _MM_FROUND_TO_NEAREST_INT));
    }
}

void quantize_act_q8_k_avx512(const float* x, void* dst, int64_t n) {
    constexpr int VECS = int(QK_K) / 16;
    uint8_t* out = static_cast<uint8_t*>(dst);
    for (int64_t block_idx = 0; block_idx < n / QK_K; ++block_idx) {
        const float* x_block = x + block_idx * QK_K;
        uint8_t* block = out + block_idx * sizeof(BlockQ8_K);
        __m512 amax = _mm512_setzero_ps();
        for (int vec_idx = 0; vec_idx < VECS; ++vec_idx) {
            amax = abs_max(_mm512_loadu_ps(x_block + 16 * vec_idx), amax);
        }
        float d = capped(_mm512_reduce_max_ps(amax)) / LEVEL_MAX;
        if (d < FLT_MIN) d = 0.0f;
        std::memcpy(block + offsetof(BlockQ8_K, d), &d, sizeof(float));
        const __m512 id = _mm512_set1_ps(d != 0.0f ? 1.0f / d : 0.0f);
        int16_t bsums[QK_K / 16];
        for (int vec_idx = 0; vec_idx < VECS; ++vec_idx) {
            const __m512i q = levels16(_mm512_loadu_ps(x_block + 16 * vec_idx), id);
            store_levels16(block + offsetof(BlockQ8_K, qs) + 16 * vec_idx, q);
            bsums[vec_idx] = int16_t(_mm512_reduce_add_epi32(q));
        }
        std::memcpy(block + offsetof(BlockQ8_K, bsums), bsums, sizeof(bsums));
    }
}

}  // namespace souverain::kernels
