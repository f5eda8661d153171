// AVX-512 (F/BW/VL/DQ + VNNI) K-quant dot kernels: Q4_K, Q5_K and Q6_K weight rows against up
// to kMaxDotCols Q8_K activation columns. Semantics: kernels/generic/dot_k_scalar.cpp (the
// oracle these match up to float rounding: integer sums per super-block, float sums across
// blocks in 16 lanes).
//
// Per 256-element super-block the weight levels are decoded once into four 64-byte vectors
// holding 64 consecutive elements each, in activation order, so the activations are read with
// plain contiguous loads; then each column costs per vector one maddubs (unsigned level x signed
// activation, pairs summed to int16; 2 * 63 * 128 < 2^15, so no saturation) and one VNNI
// vpdpwssd against the sub-block scales broadcast to int16 (pairs summed into int32). The
// Q4_K/Q5_K mins and the Q6_K level offset come from the activation's bsums through one more
// multiply-add per block.
//
// Q4_K/Q5_K keep elements 64c .. 64c + 63 (sub-blocks 2c and 2c + 1) in the low and high
// nibbles of the same 32 bytes qs[32c ..]: the 32 bytes are broadcast to both halves of a vector
// and shifted by 0 or 4 per half. vpdpbusd (unsigned x signed bytes straight into int32) would
// save the maddubs but leave a per-sub-block int32 multiply by the scale, which costs more.
//
// This file is compiled with AVX-512 flags and called only on CPUs that have them. To keep
// AVX-512 code out of functions that other files may call (ODR: the linker may keep any one of
// several copies of an inline function), it uses nothing but intrinsics and helpers with
// internal linkage; quants.h is included for the block layouts only.

// GCC 12's AVX-512 headers initialise their "undefined" vectors from themselves (GCC PR 105593),
// which -Wall reports as uninitialised use at every broadcast, cast and extract. The warning is
// about the header, not this code.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/dot_impl.h"

namespace souverain::kernels {

namespace {

// Byte offsets inside the blocks (rows are read through raw pointers: no alignment needed).
constexpr size_t Q8K_D = offsetof(BlockQ8_K, d);
constexpr size_t Q8K_QS = offsetof(BlockQ8_K, qs);
constexpr size_t Q8K_BSUMS = offsetof(BlockQ8_K, bsums);
constexpr size_t Q4K_SCALES = offsetof(BlockQ4_K, scales);
constexpr size_t Q4K_QS = offsetof(BlockQ4_K, qs);
constexpr size_t Q5K_SCALES = offsetof(BlockQ5_K, scales);
constexpr size_t Q5K_QH = offsetof(BlockQ5_K, qh);
constexpr size_t Q5K_QS = offsetof(BlockQ5_K, qs);
constexpr size_t Q6K_QL = offsetof(BlockQ6_K, ql);
constexpr size_t Q6K_QH = offsetof(BlockQ6_K, qh);
constexpr size_t Q6K_SCALES = offsetof(BlockQ6_K, scales);
constexpr size_t Q6K_D = offsetof(BlockQ6_K, d);
static_assert(offsetof(BlockQ4_K, d) == 0 && offsetof(BlockQ4_K, dmin) == 2);
static_assert(offsetof(BlockQ5_K, d) == 0 && offsetof(BlockQ5_K, dmin) == 2);
// The scale unpacking loads 16 bytes at the scales: they must stay inside the block.
static_assert(Q4K_SCALES + 16 <= sizeof(BlockQ4_K) && Q5K_SCALES + 16 <= sizeof(BlockQ5_K));

// A 64-bit lane pattern repeating the 16-bit word `word` four times.
constexpr int64_t words_x4(uint16_t word) {
    return int64_t(uint64_t(word) * 0x0001000100010001ull);
}
// A 64-bit lane pattern repeating the byte `byte` eight times.
constexpr int64_t bytes_x8(uint8_t byte) {
    return int64_t(uint64_t(byte) * 0x0101010101010101ull);
}

inline float load_fp16(const uint8_t* p) {
    uint16_t bits;
    std::memcpy(&bits, p, sizeof(bits));
    return _cvtsh_ss(bits);
}

// The two fp16 values at p (Q4_K/Q5_K: d, dmin) as floats in lanes 0 and 1.
inline __m128 load_fp16_pair(const uint8_t* p) {
    int32_t bits;
    std::memcpy(&bits, p, sizeof(bits));
    return _mm_cvtph_ps(_mm_cvtsi32_si128(bits));
}

inline float load_f32(const uint8_t* p) {
    float value;
    std::memcpy(&value, p, sizeof(value));
    return value;
}

// Weights are streamed once per call while the activation columns are re-read for every row;
// with several columns (or long rows) the activations no longer fit L1 and the hardware
// prefetchers lose track of the weight stream (2-3x slower on Zen 5 for 2-4 columns of 14336).
// So the kernels prefetch the weights themselves, this many bytes ahead of the block in use
// (past the end of the row is harmless: prefetches never fault, and the next row usually
// follows).
constexpr size_t PREFETCH_BYTES = 8192;

// Prefetches the cache lines of the block of `block_bytes` that lies PREFETCH_BYTES ahead of p.
// Consecutive blocks together touch every line.
inline void prefetch_ahead(const uint8_t* p, size_t block_bytes) {
    // Integer arithmetic: the address may lie outside any object.
    const uintptr_t ahead = reinterpret_cast<uintptr_t>(p) + PREFETCH_BYTES;
    for (size_t offset = 0; offset < block_bytes; offset += 64) {
        _mm_prefetch(reinterpret_cast<const char*>(ahead + offset), _MM_HINT_T0);
    }
}

inline __m512i load_512(const uint8_t* p) {
    return _mm512_loadu_si512(p);
}

inline __m256i load_256(const uint8_t* p) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

inline __m128i load_128(const uint8_t* p) {
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

// 32 bytes at p in both halves of a vector.
inline __m512i broadcast_256(const uint8_t* p) {
    return _mm512_broadcast_i64x4(load_256(p));
}

inline float hsum_256(__m256 v) {
    __m128 sum = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
    sum = _mm_add_ss(sum, _mm_movehdup_ps(sum));
    return _mm_cvtss_f32(sum);
}

inline float hsum_512(__m512 v) {
    return hsum_256(_mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1)));
}

// The 12 packed scale bytes of Q4_K/Q5_K (at p; 16 bytes are read) as bytes 0..7 = the 6-bit
// scales of sub-blocks 0..7 and bytes 8..15 = their mins. As little-endian words w0, w1, w2 of
// the packed bytes (layout: k_scale_min in quants.h):
//   scales 0..3 = w0 & 0x3F..,  scales 4..7 = (w2 & 0x0F..) | ((w0 >> 2) & 0x30..)
//   mins 0..3   = w1 & 0x3F..,  mins 4..7   = ((w2 >> 4) & 0x0F..) | ((w1 >> 2) & 0x30..)
inline __m128i unpack_scales_mins(const uint8_t* p) {
    const __m128i packed = load_128(p);
    const __m128i low_src = _mm_srlv_epi32(_mm_shuffle_epi32(packed, _MM_SHUFFLE(2, 1, 2, 0)),
                                           _mm_setr_epi32(0, 0, 0, 4));  // [w0, w2, w1, w2 >> 4]
    const __m128i high_src = _mm_srli_epi32(_mm_shuffle_epi32(packed, _MM_SHUFFLE(1, 1, 0, 0)), 2);
    const __m128i low =
        _mm_and_si128(low_src, _mm_setr_epi32(0x3F3F3F3F, 0x0F0F0F0F, 0x3F3F3F3F, 0x0F0F0F0F));
    const __m128i high = _mm_and_si128(high_src, _mm_setr_epi32(0, 0x30303030, 0, 0x30303030));
    return _mm_or_si128(low, high);
}

// Per super-block of Q4_K/Q5_K: for vector c (sub-blocks 2c, 2c + 1), the sub-block scales as
// int16 (lanes 0-1: scale 2c, lanes 2-3: scale 2c + 1), and the mins as int16 pairs
// [m0, m0, m1, m1, ..., m7, m7] matching the 16 bsums.
struct KAffineScales {
    __m512i scales[4];
    __m256i mins;
};

inline void load_k_affine_scales(const uint8_t* scales_bytes, KAffineScales& out) {
    const __m128i scales_mins = unpack_scales_mins(scales_bytes);
    const __m512i all = _mm512_broadcast_i32x4(scales_mins);
    for (int vec_idx = 0; vec_idx < 4; ++vec_idx) {
        // pshufb: low byte = scale byte, high byte zeroed (0x80).
        const int64_t lo = words_x4(uint16_t(0x8000 | (2 * vec_idx)));
        const int64_t hi = words_x4(uint16_t(0x8000 | (2 * vec_idx + 1)));
        out.scales[vec_idx] =
            _mm512_shuffle_epi8(all, _mm512_setr_epi64(lo, lo, lo, lo, hi, hi, hi, hi));
    }
    const __m128i min_pairs = _mm_shuffle_epi8(
        scales_mins, _mm_setr_epi8(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15));
    out.mins = _mm256_cvtepu8_epi16(min_pairs);
}

// Levels of one Q4_K/Q5_K super-block: vector c holds elements 64c .. 64c + 63.
struct KAffineLevels {
    __m512i levels[4];  // uint8 [64] each
};

inline void decode_q4_k_levels(const uint8_t* qs, KAffineLevels& out) {
    const __m512i low_mask = _mm512_set1_epi8(0x0F);
    const __m512i nibble_shift = _mm512_setr_epi64(0, 0, 0, 0, 4, 4, 4, 4);
    for (int vec_idx = 0; vec_idx < 4; ++vec_idx) {
        const __m512i bytes = broadcast_256(qs + 32 * vec_idx);
        out.levels[vec_idx] = _mm512_and_si512(_mm512_srlv_epi64(bytes, nibble_shift), low_mask);
    }
}

// Q5_K: the fifth bit of element l of sub-block j is bit j of qh[l]; vector c needs bit 2c of
// qh in its low half and bit 2c + 1 in its high half.
inline void decode_q5_k_levels(const uint8_t* qh_bytes, const uint8_t* qs, KAffineLevels& out) {
    decode_q4_k_levels(qs, out);
    const __m512i qh = broadcast_256(qh_bytes);
    const __m512i bit4 = _mm512_set1_epi8(0x10);
    for (int vec_idx = 0; vec_idx < 4; ++vec_idx) {
        const int64_t lo = bytes_x8(uint8_t(1u << (2 * vec_idx)));
        const int64_t hi = bytes_x8(uint8_t(1u << (2 * vec_idx + 1)));
        const __mmask64 high_set =
            _mm512_test_epi8_mask(qh, _mm512_setr_epi64(lo, lo, lo, lo, hi, hi, hi, hi));
        out.levels[vec_idx] =
            _mm512_mask_add_epi8(out.levels[vec_idx], high_set, out.levels[vec_idx], bit4);
    }
}

// Q4_K and Q5_K share the arithmetic once the levels are decoded. Block: the weight block type;
// LevelsFn: void(const uint8_t* block, KAffineLevels&).
template <int N_COLS, typename Block, size_t SCALES_OFFSET, typename LevelsFn>
void dot_k_affine_cols(int64_t n_blocks, const uint8_t* w_row, const uint8_t* act,
                       size_t act_stride, float* out, LevelsFn decode_levels) {
    __m512 acc[N_COLS];      // F32 [16] per column: the sum_q terms
    __m256 acc_min[N_COLS];  // F32 [8] per column: the min terms (subtracted at the end)
    for (int col_idx = 0; col_idx < N_COLS; ++col_idx) {
        acc[col_idx] = _mm512_setzero_ps();
        acc_min[col_idx] = _mm256_setzero_ps();
    }

    const __m256i lane_1 = _mm256_set1_epi32(1);
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        const uint8_t* w_block = w_row + block_idx * sizeof(Block);
        prefetch_ahead(w_block, sizeof(Block));
        const __m128 d_dmin = load_fp16_pair(w_block);
        KAffineScales scales;
        load_k_affine_scales(w_block + SCALES_OFFSET, scales);
        KAffineLevels levels;
        decode_levels(w_block, levels);

        for (int col_idx = 0; col_idx < N_COLS; ++col_idx) {
            const uint8_t* a_block = act + col_idx * act_stride + block_idx * sizeof(BlockQ8_K);
            __m512i products[4];  // int16 [32] each
            for (int vec_idx = 0; vec_idx < 4; ++vec_idx) {
                products[vec_idx] = _mm512_maddubs_epi16(levels.levels[vec_idx],
                                                         load_512(a_block + Q8K_QS + 64 * vec_idx));
            }
            __m512i sum_q = _mm512_madd_epi16(products[0], scales.scales[0]);  // int32 [16]
            sum_q = _mm512_dpwssd_epi32(sum_q, products[1], scales.scales[1]);
            sum_q = _mm512_dpwssd_epi32(sum_q, products[2], scales.scales[2]);
            sum_q = _mm512_dpwssd_epi32(sum_q, products[3], scales.scales[3]);
            const __m256i sum_min = _mm256_madd_epi16(load_256(a_block + Q8K_BSUMS), scales.mins);

            // [d, dmin] * act d, then each broadcast.
            const __m128 block_scales = _mm_mul_ps(d_dmin, _mm_set1_ps(load_f32(a_block + Q8K_D)));
            acc[col_idx] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum_q),
                                           _mm512_broadcastss_ps(block_scales), acc[col_idx]);
            acc_min[col_idx] = _mm256_fmadd_ps(
                _mm256_cvtepi32_ps(sum_min),
                _mm256_permutevar8x32_ps(_mm256_castps128_ps256(block_scales), lane_1),
                acc_min[col_idx]);
        }
    }
    for (int col_idx = 0; col_idx < N_COLS; ++col_idx) {
        out[col_idx] = hsum_512(acc[col_idx]) - hsum_256(acc_min[col_idx]);
    }
}

template <int N_COLS>
void dot_q4_k_cols(int64_t n_blocks, const uint8_t* w_row, const uint8_t* act, size_t act_stride,
                   float* out) {
    dot_k_affine_cols<N_COLS, BlockQ4_K, Q4K_SCALES>(
        n_blocks, w_row, act, act_stride, out, [](const uint8_t* w_block, KAffineLevels& levels) {
            decode_q4_k_levels(w_block + Q4K_QS, levels);
        });
}

template <int N_COLS>
void dot_q5_k_cols(int64_t n_blocks, const uint8_t* w_row, const uint8_t* act, size_t act_stride,
                   float* out) {
    dot_k_affine_cols<N_COLS, BlockQ5_K, Q5K_SCALES>(
        n_blocks, w_row, act, act_stride, out, [](const uint8_t* w_block, KAffineLevels& levels) {
            decode_q5_k_levels(w_block + Q5K_QH, w_block + Q5K_QS, levels);
        });
}

// Q6_K: vector c = 2h + p holds elements 64c .. 64c + 63 (groups 2p and 2p + 1 of half h), i.e.
// the 16-element sub-blocks 4c .. 4c + 3, one per 128-bit lane. Low half of the vector: low
// (p = 0) or high (p = 1) nibbles of ql[64h .. 64h + 31], high half: of ql[64h + 32 ..]; the two
// top bits of group g are bits 2g, 2g + 1 of qh[32h + l]. Levels are 0..63 (q + 32); the offset
// is removed through bsums: sum_q -= 32 * sum_s sc_s * bsums[s].
template <int N_COLS>
void dot_q6_k_cols(int64_t n_blocks, const uint8_t* w_row, const uint8_t* act, size_t act_stride,
                   float* out) {
    const __m512i low_mask = _mm512_set1_epi8(0x0F);
    const __m512i high_mask = _mm512_set1_epi8(0x30);
    // Shifts that bring bits 2g, 2g + 1 of qh to bits 4, 5: groups 0 | 1 (left by 4 | 2) and
    // groups 2 | 3 (right by 0 | 2). 64-bit shifts move bits across bytes, but the 0x30 mask
    // keeps only bits that came from the same byte.
    const __m512i shift_left_01 = _mm512_setr_epi64(4, 4, 4, 4, 2, 2, 2, 2);
    const __m512i shift_right_23 = _mm512_setr_epi64(0, 0, 0, 0, 2, 2, 2, 2);
    // Ternary logic A | (B & C).
    constexpr int OR_AND = 0xF8;
    __m512 acc[N_COLS];  // F32 [16] per column
    for (int col_idx = 0; col_idx < N_COLS; ++col_idx) acc[col_idx] = _mm512_setzero_ps();

    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        const uint8_t* w_block = w_row + block_idx * sizeof(BlockQ6_K);
        prefetch_ahead(w_block, sizeof(BlockQ6_K));
        const float d = load_fp16(w_block + Q6K_D);

        __m512i levels[4];  // uint8 [64] each
        for (int half_idx = 0; half_idx < 2; ++half_idx) {
            const __m512i ql = load_512(w_block + Q6K_QL + 64 * half_idx);
            const __m512i qh = broadcast_256(w_block + Q6K_QH + 32 * half_idx);
            levels[2 * half_idx] =
                _mm512_ternarylogic_epi64(_mm512_and_si512(ql, low_mask),
                                          _mm512_sllv_epi64(qh, shift_left_01), high_mask, OR_AND);
            levels[2 * half_idx + 1] =
                _mm512_ternarylogic_epi64(_mm512_and_si512(_mm512_srli_epi16(ql, 4), low_mask),
                                          _mm512_srlv_epi64(qh, shift_right_23), high_mask, OR_AND);
        }
        // int16 [16] sign-extended scales; vector c gets sc[4c + k] in its lane k.
        const __m256i scales_16 = _mm256_cvtepi8_epi16(load_128(w_block + Q6K_SCALES));
        const __m512i scales_16_wide = _mm512_castsi256_si512(scales_16);
        __m512i scales[4];
        for (int vec_idx = 0; vec_idx < 4; ++vec_idx) {
            const int word = 4 * vec_idx;
            const __m512i index =
                _mm512_setr_epi64(words_x4(uint16_t(word)), words_x4(uint16_t(word)),
                                  words_x4(uint16_t(word + 1)), words_x4(uint16_t(word + 1)),
                                  words_x4(uint16_t(word + 2)), words_x4(uint16_t(word + 2)),
                                  words_x4(uint16_t(word + 3)), words_x4(uint16_t(word + 3)));
            scales[vec_idx] = _mm512_permutexvar_epi16(index, scales_16_wide);
        }
        // -32 * sc_s against bsums[s]; zero high half, like the zero-extended bsums.
        const __m512i offset_scales = _mm512_zextsi256_si512(
            _mm256_sub_epi16(_mm256_setzero_si256(), _mm256_slli_epi16(scales_16, 5)));

        for (int col_idx = 0; col_idx < N_COLS; ++col_idx) {
            const uint8_t* a_block = act + col_idx * act_stride + block_idx * sizeof(BlockQ8_K);
            __m512i products[4];  // int16 [32] each
            for (int vec_idx = 0; vec_idx < 4; ++vec_idx) {
                products[vec_idx] = _mm512_maddubs_epi16(levels[vec_idx],
                                                         load_512(a_block + Q8K_QS + 64 * vec_idx));
            }
            __m512i sum_q = _mm512_dpwssd_epi32(
                _mm512_madd_epi16(_mm512_zextsi256_si512(load_256(a_block + Q8K_BSUMS)),
                                  offset_scales),
                products[0], scales[0]);  // int32 [16]
            sum_q = _mm512_dpwssd_epi32(sum_q, products[1], scales[1]);
            sum_q = _mm512_dpwssd_epi32(sum_q, products[2], scales[2]);
            sum_q = _mm512_dpwssd_epi32(sum_q, products[3], scales[3]);

            const float a_d = load_f32(a_block + Q8K_D);
            acc[col_idx] =
                _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum_q), _mm512_set1_ps(d * a_d), acc[col_idx]);
        }
    }
    for (int col_idx = 0; col_idx < N_COLS; ++col_idx) out[col_idx] = hsum_512(acc[col_idx]);
}

// Calls kernel(ColsTag<N>{}) with N = n_cols, so that every column count gets a kernel whose
// per-column state lives in registers.
template <int N>
struct ColsTag {
    static constexpr int value = N;
};

template <typename KernelFn>
void dispatch_cols(int n_cols, KernelFn kernel) {
    assert(n_cols >= 1 && n_cols <= kMaxDotCols);
    switch (n_cols) {
        case 1:
            kernel(ColsTag<1>{});
            break;
        case 2:
            kernel(ColsTag<2>{});
            break;
        case 3:
            kernel(ColsTag<3>{});
            break;
        default:
            kernel(ColsTag<4>{});
            break;
    }
}

}  // namespace

void dot_q4_k_q8_k_avx512(int64_t n, const void* w_row, const void* act, size_t act_stride,
                          int n_cols, float* out) {
    assert(n >= 0 && n % QK_K == 0);
    dispatch_cols(n_cols, [&](auto cols) {
        dot_q4_k_cols<decltype(cols)::value>(n / QK_K, static_cast<const uint8_t*>(w_row),
                                             static_cast<const uint8_t*>(act), act_stride, out);
    });
}

void dot_q5_k_q8_k_avx512(int64_t n, const void* w_row, const void* act, size_t act_stride,
                          int n_cols, float* out) {
    assert(n >= 0 && n % QK_K == 0);
    dispatch_cols(n_cols, [&](auto cols) {
        dot_q5_k_cols<decltype(cols)::value>(n / QK_K, static_cast<const uint8_t*>(w_row),
                                             static_cast<const uint8_t*>(act), act_stride, out);
    });
}

void dot_q6_k_q8_k_avx512(int64_t n, const void* w_row, const void* act, size_t act_stride,
                          int n_cols, float* out) {
    assert(n >= 0 && n % QK_K == 0);
    dispatch_cols(n_cols, [&](auto cols) {
        dot_q6_k_cols<decltype(cols)::value>(n / QK_K, static_cast<const uint8_t*>(w_row),
                                             static_cast<const uint8_t*>(act), act_stride, out);
    });
}

}  // namespace souverain::kernels
