// AVX2 activation quantizers: Q8_0, Q8_1 and Q8_K, byte for byte the output of the scalar ones
// in kernels/dot.cpp (whose header states the semantics). Bit-exactness holds because every
// step is the same IEEE operation in the same order: the block maximum ignores NaN exactly as the
// scalar loop does (maxps returns its second operand when the first is NaN), scales are
// computed by the same scalar code, levels are x * id clamped with maxps/minps (NaN -> -127)
// and rounded to nearest even by cvtps2dq under the default rounding mode.
//
// Compiled with -mavx2 -mfma -mf16c; helpers stay in the anonymous namespace (ODR note in
// CMakeLists.txt).
#include <immintrin.h>

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

__m256 abs_ps(__m256 v) {
    return _mm256_and_ps(v, _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF)));
}

// max(|v|, acc), keeping acc where v is NaN.
__m256 abs_max(__m256 v, __m256 acc) {
    return _mm256_max_ps(abs_ps(v), acc);
}

float horizontal_max(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

int horizontal_sum_i32(__m256i v) {
    __m128i sum = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    sum = _mm_add_epi32(sum, _mm_unpackhi_epi64(sum, sum));
    sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, 1));
    return _mm_cvtsi128_si32(sum);
}

float capped(float amax) {
    return amax < FLT_MAX ? amax : FLT_MAX;
}

// 8 levels round_half_even(clamp(x * id, -127, 127)), NaN -> -127, as int32.
__m256i levels8(__m256 x, __m256 id) {
    __m256 scaled = _mm256_mul_ps(x, id);
    scaled = _mm256_max_ps(scaled, _mm256_set1_ps(-LEVEL_MAX));
    scaled = _mm256_min_ps(scaled, _mm256_set1_ps(LEVEL_MAX));
    return _mm256_cvtps_epi32(scaled);
}

// Four vectors of int32 levels (elements 0..31 in order) packed to 32 int8.
__m256i pack_levels(__m256i q0, __m256i q1, __m256i q2, __m256i q3) {
    const __m256i packed =
        _mm256_packs_epi16(_mm256_packs_epi32(q0, q1), _mm256_packs_epi32(q2, q3));
    // The packs work within 128-bit lanes: dwords hold levels q0[0..3], q1[0..3], q2[0..3],
    // q3[0..3], q0[4..7], q1[4..7], q2[4..7], q3[4..7]; put them back in element order.
    return _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

void store_u16(uint8_t* p, uint16_t bits) {
    std::memcpy(p, &bits, 2);
}

// Quantizes a 32-element block in the Q8_0 layout (fp16 d followed by 32 levels at qs);
// returns the sum of the levels.
int quantize_block_q8(const float* x, uint8_t* d_dst, uint8_t* qs_dst) {
    const __m256 v0 = _mm256_loadu_ps(x);
    const __m256 v1 = _mm256_loadu_ps(x + 8);
    const __m256 v2 = _mm256_loadu_ps(x + 16);
    const __m256 v3 = _mm256_loadu_ps(x + 24);
    __m256 amax = abs_max(v0, _mm256_setzero_ps());
    amax = abs_max(v1, amax);
    amax = abs_max(v2, amax);
    amax = abs_max(v3, amax);
    float d_wanted = capped(horizontal_max(amax)) / LEVEL_MAX;
    d_wanted = d_wanted < FP16_MAX ? d_wanted : FP16_MAX;
    const uint16_t d_bits = _cvtss_sh(d_wanted, _MM_FROUND_TO_NEAREST_INT);
    const float d = _cvtsh_ss(d_bits);
    const __m256 id = _mm256_set1_ps(d != 0.0f ? 1.0f / d : 0.0f);
    const __m256i q0 = levels8(v0, id);
    const __m256i q1 = levels8(v1, id);
    const __m256i q2 = levels8(v2, id);
    const __m256i q3 = levels8(v3, id);
    store_u16(d_dst, d_bits);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(qs_dst), pack_levels(q0, q1, q2, q3));
    return horizontal_sum_i32(_mm256_add_epi32(_mm256_add_epi32(q0, q1), _mm256_add_epi32(q2, q3)));
}

}  // namespace

void quantize_act_q8_0_avx2(const float* x, void* dst, int64_t n) {
    uint8_t* out = static_cast<uint8_t*>(dst);
    for (int64_t block_idx = 0; block_idx < n / QK; ++block_idx) {
        uint8_t* block = out + block_idx * sizeof(BlockQ8_0);
        quantize_block_q8(x + block_idx * QK, block + offsetof(BlockQ8_0, d),
                          block + offsetof(BlockQ8_0, qs));
    }
}

void quantize_act_q8_1_avx2(const float* x, void* dst, int64_t n) {
    uint8_t* out = static_cast<uint8_t*>(dst);
    for (int64_t block_idx = 0; block_idx < n / QK; ++block_idx) {
        uint8_t* block = out + block_idx * sizeof(BlockQ8_1);
        const int sum = quantize_block_q8(x + block_idx * QK, block + offsetof(BlockQ8_1, d),
                                          block + offsetof(BlockQ8_1, qs));
        uint16_t d_bits;
        std::memcpy(&d_bits, block + offsetof(BlockQ8_1, d), 2);
        float s = _cvtsh_ss(d_bits) * float(sum);
        s = s >= -FP16_MAX ? s : -FP16_MAX;
        s = s <= FP16_MAX ? s : FP16_MAX;
        store_u16(block + offsetof(BlockQ8_1, s), _cvtss_sh(s, _MM_FROUND_TO_NEAREST_INT));
    }
}

void quantize_act_q8_k_avx2(const float* x, void* dst, int64_t n) {
    constexpr int VECS = int(QK_K) / 8;
    uint8_t* out = static_cast<uint8_t*>(dst);
    for (int64_t block_idx = 0; block_idx < n / QK_K; ++block_idx) {
        const float* x_block = x + block_idx * QK_K;
        uint8_t* block = out + block_idx * sizeof(BlockQ8_K);
        __m256 amax = _mm256_setzero_ps();
        for (int vec_idx = 0; vec_idx < VECS; ++vec_idx) {
            amax = abs_max(_mm256_loadu_ps(x_block + 8 * vec_idx), amax);
        }
        float d = capped(horizontal_max(amax)) / LEVEL_MAX;
        if (d < FLT_MIN) d = 0.0f;
        std::memcpy(block + offsetof(BlockQ8_K, d), &d, sizeof(float));
        const __m256 id = _mm256_set1_ps(d != 0.0f ? 1.0f / d : 0.0f);
        int16_t bsums[QK_K / 16];
        for (int chunk_idx = 0; chunk_idx < int(QK_K) / QK; ++chunk_idx) {
            const float* x_chunk = x_block + QK * chunk_idx;
            const __m256i q0 = levels8(_mm256_loadu_ps(x_chunk), id);
            const __m256i q1 = levels8(_mm256_loadu_ps(x_chunk + 8), id);
            const __m256i q2 = levels8(_mm256_loadu_ps(x_chunk + 16), id);
            const __m256i q3 = levels8(_mm256_loadu_ps(x_chunk + 24), id);
            _mm256_storeu_si256(
                reinterpret_cast<__m256i*>(block + offsetof(BlockQ8_K, qs) + QK * chunk_idx),
                pack_levels(q0, q1, q2, q3));
            bsums[2 * chunk_idx] = int16_t(horizontal_sum_i32(_mm256_add_epi32(q0, q1)));
            bsums[2 * chunk_idx + 1] = int16_t(horizontal_sum_i32(_mm256_add_epi32(q2, q3)));
        }
        std::memcpy(block + offsetof(BlockQ8_K, bsums), bsums, sizeof(bsums));
    }
}

}  // namespace souverain::kernels
