// AVX-512 (F/BW/VL/DQ + VNNI) K-quant dot kernels: Q4_K, Q5_K and Q6_K weight rows against up
// to kMaxDotCols Q8_K activation columns, and the register-blocked prefill kernels of the same
// types. Semantics: kernels/generic/dot_k_scalar.cpp (the oracle these match up to float
// rounding: the same exact integer sums per super-block, float sums in four chains, see "The
// float arithmetic of one (row, column) dot").
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
// save the maddubs but leave a per-sub-block int32 multiply by the scale, which costs more in
// the dot; the register-blocked kernel, which spreads rows over lanes, does exactly that.
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

inline int32_t load_u32(const uint8_t* p) {
    int32_t bits;
    std::memcpy(&bits, p, sizeof(bits));
    return bits;
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

// ---- The float arithmetic of one (row, column) dot ----
//
// The same for every column count (continuous batching, dot.h) and the one the register-
// blocked kernels below reproduce bit for bit: per super-block b the exact int32 sums of the
// scalar twin (sum_q, and sum_min for Q4_K/Q5_K), converted to float; four chains per
// quantity, chain g taking the super-blocks b = g (mod 4) in order, from +0:
//   chain_q[g]   = fma(float(sum_q), d * act_d, chain_q[g])
//   chain_min[g] = fma(float(sum_min), dmin * act_d, chain_min[g])
//   result = ((q[0] + q[2]) + (q[1] + q[3])) - ((min[0] + min[2]) + (min[1] + min[3]))
// (Q6_K: the q part only). The vector code's partial sums of four consecutive super-blocks are
// folded exactly in int32 in one go, so the folding costs about as much as converting and
// accumulating each super-block's partial sums in float did. Missing super-blocks at the end
// of a row (the last group of four) add 0 * 0, which leaves a chain unchanged (chains start
// at +0 and, in round-to-nearest, never become -0).

// Partial sums of super-blocks 0, 1 (v0, v1: 16 int32 lanes each) as 8 + 8 lanes:
// 128-bit lanes [v0, v0, v1, v1].
inline __m512i fold_two(__m512i v0, __m512i v1) {
    return _mm512_add_epi32(_mm512_shuffle_i32x4(v0, v1, 0x44), _mm512_shuffle_i32x4(v0, v1, 0xEE));
}

// Two fold_two results (super-blocks 0, 1 and 2, 3) as 128-bit lane g = 4 partial sums of
// super-block g.
inline __m512i fold_four(__m512i v01, __m512i v23) {
    return _mm512_add_epi32(_mm512_shuffle_i32x4(v01, v23, 0x88),
                            _mm512_shuffle_i32x4(v01, v23, 0xDD));
}

// 8-lane partial sums of super-blocks 0 .. 3 as 128-bit lane g = 4 partial sums of g.
inline __m512i fold_four_256(__m256i v0, __m256i v1, __m256i v2, __m256i v3) {
    return fold_four(_mm512_inserti64x4(_mm512_castsi256_si512(v0), v1, 1),
                     _mm512_inserti64x4(_mm512_castsi256_si512(v2), v3, 1));
}

// Four xmm as the 128-bit lanes of a zmm.
inline __m512 lanes_of(__m128 l0, __m128 l1, __m128 l2, __m128 l3) {
    const __m256 low = _mm256_insertf128_ps(_mm256_castps128_ps256(l0), l1, 1);
    const __m256 high = _mm256_insertf128_ps(_mm256_castps128_ps256(l2), l3, 1);
    return _mm512_insertf32x8(_mm512_castps256_ps512(low), high, 1);
}

// Four super-blocks of one column into chains (128-bit lane g = [chain_q[g], chain_min[g], -, -])
// from their partial sums and [d * act_d, dmin * act_d, 0, 0] scales.
inline __m512 fold_affine(const __m512i* sum_q, const __m256i* sum_min, const __m128* scales,
                          __m512 chains) {
    const __m512i q = fold_four(fold_two(sum_q[0], sum_q[1]), fold_two(sum_q[2], sum_q[3]));
    const __m512i m = fold_four_256(sum_min[0], sum_min[1], sum_min[2], sum_min[3]);
    // Per 128-bit lane: [q02, q13, m02, m13] -> [q, q, m, m] -> [q, m, q, m].
    __m512i t = _mm512_add_epi32(_mm512_unpacklo_epi64(q, m), _mm512_unpackhi_epi64(q, m));
    t = _mm512_add_epi32(t, _mm512_shuffle_epi32(t, _MM_PERM_CDAB));
    t = _mm512_shuffle_epi32(t, _MM_PERM_CACA);
    return _mm512_fmadd_ps(_mm512_cvtepi32_ps(t), lanes_of(scales[0], scales[1], scales[2], scales[3]),
                           chains);
}

// Four super-blocks of one column into chains (128-bit lane g: chain[g] in every element).
inline __m512 fold_q6(const __m512i* sum_q, const float* scales, __m512 chains) {
    __m512i q = fold_four(fold_two(sum_q[0], sum_q[1]), fold_two(sum_q[2], sum_q[3]));
    q = _mm512_add_epi32(q, _mm512_shuffle_epi32(q, _MM_PERM_CDAB));
    q = _mm512_add_epi32(q, _mm512_shuffle_epi32(q, _MM_PERM_BADC));
    return _mm512_fmadd_ps(_mm512_cvtepi32_ps(q),
                           lanes_of(_mm_set1_ps(scales[0]), _mm_set1_ps(scales[1]),
                                    _mm_set1_ps(scales[2]), _mm_set1_ps(scales[3])),
                           chains);
}

// (lane 0 + lane 2) + (lane 1 + lane 3) of the 128-bit lanes.
inline __m128 sum_chain_lanes(__m512 chains) {
    const __m256 half = _mm256_add_ps(_mm512_castps512_ps256(chains), _mm512_extractf32x8_ps(chains, 1));
    return _mm_add_ps(_mm256_castps256_ps128(half), _mm256_extractf128_ps(half, 1));
}

// Q4_K and Q5_K share the arithmetic once the levels are decoded. Block: the weight block type;
// LevelsFn: void(const uint8_t* block, KAffineLevels&).
template <int N_COLS, typename Block, size_t SCALES_OFFSET, typename LevelsFn>
void dot_k_affine_cols(int64_t n_blocks, const uint8_t* w_row, const uint8_t* act,
                       size_t act_stride, float* out, LevelsFn decode_levels) {
    __m512 chains[N_COLS];  // F32 [16] per column, 128-bit lane g: [chain_q[g], chain_min[g], -, -]
    for (int col_idx = 0; col_idx < N_COLS; ++col_idx) chains[col_idx] = _mm512_setzero_ps();

    for (int64_t first = 0; first < n_blocks; first += 4) {
        __m512i sum_q[N_COLS][4];    // int32 [16] partial sums per super-block
        __m256i sum_min[N_COLS][4];  // int32 [8]
        __m128 scales[N_COLS][4];    // [d * act d, dmin * act d, 0, 0]
        // Unrolled, so that the per-super-block sums stay in registers.
#pragma GCC unroll 4
        for (int in_group = 0; in_group < 4; ++in_group) {
            const int64_t block_idx = first + in_group;
            if (block_idx >= n_blocks) {
                for (int col_idx = 0; col_idx < N_COLS; ++col_idx) {
                    sum_q[col_idx][in_group] = _mm512_setzero_si512();
                    sum_min[col_idx][in_group] = _mm256_setzero_si256();
                    scales[col_idx][in_group] = _mm_setzero_ps();
                }
                continue;
            }
            const uint8_t* w_block = w_row + block_idx * sizeof(Block);
            prefetch_ahead(w_block, sizeof(Block));
            const __m128 d_dmin = load_fp16_pair(w_block);
            KAffineScales block_scales;
            load_k_affine_scales(w_block + SCALES_OFFSET, block_scales);
            KAffineLevels levels;
            decode_levels(w_block, levels);

            for (int col_idx = 0; col_idx < N_COLS; ++col_idx) {
                const uint8_t* a_block = act + col_idx * act_stride + block_idx * sizeof(BlockQ8_K);
                __m512i products[4];  // int16 [32] each
                for (int vec_idx = 0; vec_idx < 4; ++vec_idx) {
                    products[vec_idx] = _mm512_maddubs_epi16(
                        levels.levels[vec_idx], load_512(a_block + Q8K_QS + 64 * vec_idx));
                }
                __m512i q = _mm512_madd_epi16(products[0], block_scales.scales[0]);
                q = _mm512_dpwssd_epi32(q, products[1], block_scales.scales[1]);
                q = _mm512_dpwssd_epi32(q, products[2], block_scales.scales[2]);
                sum_q[col_idx][in_group] = _mm512_dpwssd_epi32(q, products[3], block_scales.scales[3]);
                sum_min[col_idx][in_group] =
                    _mm256_madd_epi16(load_256(a_block + Q8K_BSUMS), block_scales.mins);
                scales[col_idx][in_group] =
                    _mm_mul_ps(d_dmin, _mm_set1_ps(load_f32(a_block + Q8K_D)));
            }
        }
        for (int col_idx = 0; col_idx < N_COLS; ++col_idx) {
            chains[col_idx] =
                fold_affine(sum_q[col_idx], sum_min[col_idx], scales[col_idx], chains[col_idx]);
        }
    }
    for (int col_idx = 0; col_idx < N_COLS; ++col_idx) {
        const __m128 totals = sum_chain_lanes(chains[col_idx]);
        out[col_idx] = _mm_cvtss_f32(totals) - _mm_cvtss_f32(_mm_movehdup_ps(totals));
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
// The levels of one Q6_K super-block (vector c: elements 64c .. 64c + 63, uint8 0..63) and its
// scales as vpdpwssd operands.
struct Q6Block {
    __m512i levels[4];
    __m512i scales[4];      // int16: vector c gets sc[4c + k] in its 128-bit lane k
    __m512i offset_scales;  // int16 [16] -32 * sc_s (high half 0)
};

inline void decode_q6_k(const uint8_t* w_block, Q6Block& out) {
    const __m512i low_mask = _mm512_set1_epi8(0x0F);
    const __m512i high_mask = _mm512_set1_epi8(0x30);
    // Shifts that bring bits 2g, 2g + 1 of qh to bits 4, 5: groups 0 | 1 (left by 4 | 2) and
    // groups 2 | 3 (right by 0 | 2). 64-bit shifts move bits across bytes, but the 0x30 mask
    // keeps only bits that came from the same byte.
    const __m512i shift_left_01 = _mm512_setr_epi64(4, 4, 4, 4, 2, 2, 2, 2);
    const __m512i shift_right_23 = _mm512_setr_epi64(0, 0, 0, 0, 2, 2, 2, 2);
    // Ternary logic A | (B & C).
    constexpr int OR_AND = 0xF8;
    for (int half_idx = 0; half_idx < 2; ++half_idx) {
        const __m512i ql = load_512(w_block + Q6K_QL + 64 * half_idx);
        const __m512i qh = broadcast_256(w_block + Q6K_QH + 32 * half_idx);
        out.levels[2 * half_idx] =
            _mm512_ternarylogic_epi64(_mm512_and_si512(ql, low_mask),
                                      _mm512_sllv_epi64(qh, shift_left_01), high_mask, OR_AND);
        out.levels[2 * half_idx + 1] =
            _mm512_ternarylogic_epi64(_mm512_and_si512(_mm512_srli_epi16(ql, 4), low_mask),
                                      _mm512_srlv_epi64(qh, shift_right_23), high_mask, OR_AND);
    }
    // int16 [16] sign-extended scales; vector c gets sc[4c + k] in its lane k.
    const __m256i scales_16 = _mm256_cvtepi8_epi16(load_128(w_block + Q6K_SCALES));
    const __m512i scales_16_wide = _mm512_castsi256_si512(scales_16);
    for (int vec_idx = 0; vec_idx < 4; ++vec_idx) {
        const int word = 4 * vec_idx;
        const __m512i index =
            _mm512_setr_epi64(words_x4(uint16_t(word)), words_x4(uint16_t(word)),
                              words_x4(uint16_t(word + 1)), words_x4(uint16_t(word + 1)),
                              words_x4(uint16_t(word + 2)), words_x4(uint16_t(word + 2)),
                              words_x4(uint16_t(word + 3)), words_x4(uint16_t(word + 3)));
        out.scales[vec_idx] = _mm512_permutexvar_epi16(index, scales_16_wide);
    }
    // -32 * sc_s against bsums[s]; zero high half, like the zero-extended bsums.
    out.offset_scales = _mm512_zextsi256_si512(
        _mm256_sub_epi16(_mm256_setzero_si256(), _mm256_slli_epi16(scales_16, 5)));
}

template <int N_COLS>
void dot_q6_k_cols(int64_t n_blocks, const uint8_t* w_row, const uint8_t* act, size_t act_stride,
                   float* out) {
    __m512 chains[N_COLS];  // F32 [16] per column, 128-bit lane g: chain[g] in every element
    for (int col_idx = 0; col_idx < N_COLS; ++col_idx) chains[col_idx] = _mm512_setzero_ps();

    for (int64_t first = 0; first < n_blocks; first += 4) {
        __m512i sum_q[N_COLS][4];  // int32 [16] partial sums per super-block
        float scales[N_COLS][4];   // d * act d
        // Unrolled, so that the per-super-block sums stay in registers.
#pragma GCC unroll 4
        for (int in_group = 0; in_group < 4; ++in_group) {
            const int64_t block_idx = first + in_group;
            if (block_idx >= n_blocks) {
                for (int col_idx = 0; col_idx < N_COLS; ++col_idx) {
                    sum_q[col_idx][in_group] = _mm512_setzero_si512();
                    scales[col_idx][in_group] = 0.0f;
                }
                continue;
            }
            const uint8_t* w_block = w_row + block_idx * sizeof(BlockQ6_K);
            prefetch_ahead(w_block, sizeof(BlockQ6_K));
            const float d = load_fp16(w_block + Q6K_D);
            Q6Block block;
            decode_q6_k(w_block, block);

            for (int col_idx = 0; col_idx < N_COLS; ++col_idx) {
                const uint8_t* a_block = act + col_idx * act_stride + block_idx * sizeof(BlockQ8_K);
                __m512i products[4];  // int16 [32] each
                for (int vec_idx = 0; vec_idx < 4; ++vec_idx) {
                    products[vec_idx] = _mm512_maddubs_epi16(
                        block.levels[vec_idx], load_512(a_block + Q8K_QS + 64 * vec_idx));
                }
                __m512i q = _mm512_dpwssd_epi32(
                    _mm512_madd_epi16(_mm512_zextsi256_si512(load_256(a_block + Q8K_BSUMS)),
                                      block.offset_scales),
                    products[0], block.scales[0]);  // int32 [16]
                q = _mm512_dpwssd_epi32(q, products[1], block.scales[1]);
                q = _mm512_dpwssd_epi32(q, products[2], block.scales[2]);
                sum_q[col_idx][in_group] = _mm512_dpwssd_epi32(q, products[3], block.scales[3]);
                scales[col_idx][in_group] = d * load_f32(a_block + Q8K_D);
            }
        }
        for (int col_idx = 0; col_idx < N_COLS; ++col_idx)
            chains[col_idx] = fold_q6(sum_q[col_idx], scales[col_idx], chains[col_idx]);
    }
    for (int col_idx = 0; col_idx < N_COLS; ++col_idx)
        out[col_idx] = _mm_cvtss_f32(sum_chain_lanes(chains[col_idx]));
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

// ---- Register-blocked matmul (prefill) ----
//
// gemm_k_tile computes every (row, column) of a tile with exactly the arithmetic of the dot
// above (same exact super-block sums, same chains), so each value is bit for bit the single
// dot; only the work is arranged differently. 16 weight rows form a panel, packed once per call
// and reused by all the call's columns: per super-block, 64 vectors whose 32-bit lane r holds
// the unsigned levels of elements 4k .. 4k + 3 of row r (vector k), then the per-row sub-block
// scales as int32 (for the vpmulld that applies them to exact sub-block sums), the int16 pairs
// that meet the activation's bsums in one vpdpwssd (Q4_K/Q5_K: (m_j, m_j) against
// (bsums[2j], bsums[2j + 1]); Q6_K: (-32 sc_2i, -32 sc_2i+1) against (bsums[2i], bsums[2i + 1])),
// and d (and dmin) of the rows as float. Activations are read in place from their Q8_K blocks:
// levels and bsums broadcast 4 bytes at a time, d broadcast. The microkernel takes 4 columns;
// per super-block and column: 64 vpdpbusd, 8 (Q6_K: 16) vpmulld, 8 vpdpwssd, then the float
// steps of the dot for 16 rows at once.

constexpr int PANEL_ROWS = 16;
constexpr int MICRO_COLS = 4;

enum class KKind { Q4_K, Q5_K, Q6_K };

template <KKind KIND>
struct KGemm {
    static constexpr bool AFFINE = KIND != KKind::Q6_K;
    static constexpr size_t BLOCK_BYTES = KIND == KKind::Q4_K   ? sizeof(BlockQ4_K)
                                          : KIND == KKind::Q5_K ? sizeof(BlockQ5_K)
                                                                : sizeof(BlockQ6_K);
    static constexpr int N_SCALES = AFFINE ? 8 : 16;  // sub-blocks (32 or 16 elements)
    static constexpr int N_PAIRS = 8;                 // vpdpwssd operands
    // Panel bytes per super-block: levels, scales, pairs, d (and dmin).
    static constexpr size_t LEVELS_AT = 0;
    static constexpr size_t SCALES_AT = 64 * 64;
    static constexpr size_t PAIRS_AT = SCALES_AT + 64 * N_SCALES;
    static constexpr size_t D_AT = PAIRS_AT + 64 * N_PAIRS;
    static constexpr size_t BLOCK_PANEL_BYTES = D_AT + (AFFINE ? 128 : 64);

    // The 256 levels of one super-block of one row, in element order.
    static void levels(const uint8_t* w_block, __m512i* out) {
        if constexpr (KIND == KKind::Q6_K) {
            Q6Block block;
            decode_q6_k(w_block, block);
            for (int vec_idx = 0; vec_idx < 4; ++vec_idx) out[vec_idx] = block.levels[vec_idx];
        } else {
            KAffineLevels block;
            if constexpr (KIND == KKind::Q4_K) {
                decode_q4_k_levels(w_block + Q4K_QS, block);
            } else {
                decode_q5_k_levels(w_block + Q5K_QH, w_block + Q5K_QS, block);
            }
            for (int vec_idx = 0; vec_idx < 4; ++vec_idx) out[vec_idx] = block.levels[vec_idx];
        }
    }

    // 16 bytes of per-row scale information: Q4_K/Q5_K the unpacked [sc0..7 | m0..7], Q6_K the
    // 16 int8 scales.
    static __m128i scale_bytes(const uint8_t* w_block) {
        if constexpr (KIND == KKind::Q6_K) {
            return load_128(w_block + Q6K_SCALES);
        } else {
            return unpack_scales_mins(w_block + (KIND == KKind::Q4_K ? Q4K_SCALES : Q5K_SCALES));
        }
    }
};

// 16 rows of 8 dwords as z[i] = [row i | row i + 8] (256 bits each) to out[j] = dword j of
// every row, lane r = row r.
inline void transpose_16x8(const __m512i* z, uint8_t* out) {
    __m512i u[8];
    for (int half = 0; half < 2; ++half) {
        const __m512i* zz = z + 4 * half;
        const __m512i t0 = _mm512_unpacklo_epi32(zz[0], zz[1]);
        const __m512i t1 = _mm512_unpackhi_epi32(zz[0], zz[1]);
        const __m512i t2 = _mm512_unpacklo_epi32(zz[2], zz[3]);
        const __m512i t3 = _mm512_unpackhi_epi32(zz[2], zz[3]);
        u[4 * half + 0] = _mm512_unpacklo_epi64(t0, t2);
        u[4 * half + 1] = _mm512_unpackhi_epi64(t0, t2);
        u[4 * half + 2] = _mm512_unpacklo_epi64(t1, t3);
        u[4 * half + 3] = _mm512_unpackhi_epi64(t1, t3);
    }
    const __m512i low_dwords = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13);
    const __m512i high_dwords = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
    for (int e = 0; e < 4; ++e) {
        _mm512_store_si512(out + 64 * e, _mm512_permutex2var_epi64(u[e], low_dwords, u[4 + e]));
        _mm512_store_si512(out + 64 * (4 + e),
                           _mm512_permutex2var_epi64(u[e], high_dwords, u[4 + e]));
    }
}

// Packs rows [0, n_valid) (w_stride bytes apart) into panel; rows past n_valid repeat the last
// valid one (their results are not stored).
template <KKind KIND>
void pack_k_panel(const uint8_t* w, size_t w_stride, int n_valid, int64_t n_blocks, uint8_t* panel) {
    using G = KGemm<KIND>;
    alignas(64) uint8_t row_levels[PANEL_ROWS][256];
    alignas(64) uint8_t row_scales[PANEL_ROWS * 16 + 16] = {};  // + 16: gathers read 4 bytes
    alignas(64) int32_t row_offsets[PANEL_ROWS];
    for (int row = 0; row < PANEL_ROWS; ++row)
        row_offsets[row] = int32_t(size_t(row < n_valid ? row : n_valid - 1) * w_stride);
    const __m512i offsets = _mm512_load_si512(row_offsets);
    const __m512i scale_index = _mm512_mullo_epi32(
        _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), _mm512_set1_epi32(16));
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        uint8_t* out = panel + block_idx * G::BLOCK_PANEL_BYTES;
        for (int row = 0; row < PANEL_ROWS; ++row) {
            const uint8_t* w_block = w + size_t(row_offsets[row]) + block_idx * G::BLOCK_BYTES;
            __m512i levels[4];
            G::levels(w_block, levels);
            for (int vec_idx = 0; vec_idx < 4; ++vec_idx)
                _mm512_store_si512(row_levels[row] + 64 * vec_idx, levels[vec_idx]);
            _mm_store_si128(reinterpret_cast<__m128i*>(row_scales + 16 * row), G::scale_bytes(w_block));
        }
        for (int group = 0; group < 8; ++group) {  // 32 elements = 8 dwords
            __m512i z[8];
            for (int row = 0; row < 8; ++row) {
                z[row] = _mm512_inserti64x4(
                    _mm512_castsi256_si512(load_256(row_levels[row] + 32 * group)),
                    load_256(row_levels[row + 8] + 32 * group), 1);
            }
            transpose_16x8(z, out + G::LEVELS_AT + 64 * 8 * group);
        }
        const __m512i byte_mask = _mm512_set1_epi32(0xFF);
        for (int scale_idx = 0; scale_idx < G::N_SCALES; ++scale_idx) {
            __m512i v = _mm512_i32gather_epi32(
                _mm512_add_epi32(scale_index, _mm512_set1_epi32(scale_idx)), row_scales, 1);
            v = G::AFFINE ? _mm512_and_si512(v, byte_mask)
                          : _mm512_srai_epi32(_mm512_slli_epi32(v, 24), 24);
            _mm512_store_si512(out + G::SCALES_AT + 64 * scale_idx, v);
        }
        for (int pair = 0; pair < G::N_PAIRS; ++pair) {
            __m512i v;
            if constexpr (G::AFFINE) {
                // (m_j, m_j) as int16.
                const __m512i m = _mm512_and_si512(
                    _mm512_i32gather_epi32(_mm512_add_epi32(scale_index, _mm512_set1_epi32(8 + pair)),
                                           row_scales, 1),
                    byte_mask);
                v = _mm512_or_si512(m, _mm512_slli_epi32(m, 16));
            } else {
                // (-32 sc_2i, -32 sc_2i+1) as int16.
                const __m512i bytes = _mm512_i32gather_epi32(
                    _mm512_add_epi32(scale_index, _mm512_set1_epi32(2 * pair)), row_scales, 1);
                const __m512i low = _mm512_mullo_epi32(
                    _mm512_srai_epi32(_mm512_slli_epi32(bytes, 24), 24), _mm512_set1_epi32(-32));
                const __m512i high = _mm512_mullo_epi32(
                    _mm512_srai_epi32(_mm512_slli_epi32(bytes, 16), 24), _mm512_set1_epi32(-32));
                v = _mm512_or_si512(_mm512_and_si512(low, _mm512_set1_epi32(0xFFFF)),
                                    _mm512_slli_epi32(high, 16));
            }
            _mm512_store_si512(out + G::PAIRS_AT + 64 * pair, v);
        }
        if constexpr (G::AFFINE) {
            // d | dmin << 16 at the block's start.
            const __m512i heads = _mm512_i32gather_epi32(offsets, w + block_idx * G::BLOCK_BYTES, 1);
            _mm512_store_ps(out + G::D_AT, _mm512_cvtph_ps(_mm512_cvtepi32_epi16(heads)));
            _mm512_store_ps(out + G::D_AT + 64,
                            _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(heads, 16))));
        } else {
            // scales[14], scales[15], d: the 4 bytes before the block's end.
            const __m512i tails =
                _mm512_i32gather_epi32(offsets, w + block_idx * G::BLOCK_BYTES + Q6K_D - 2, 1);
            _mm512_store_ps(out + G::D_AT,
                            _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(tails, 16))));
        }
    }
}

template <KKind KIND>
struct KMicroKernel {
    using G = KGemm<KIND>;
    const uint8_t* panel;
    const uint8_t* act[MICRO_COLS];  // Q8_K block 0 of each column
    __m512 acc_q[MICRO_COLS][4];     // F32 [16 rows] per column and chain
    __m512 acc_min[MICRO_COLS][4];

    template <int CHAIN>
    __attribute__((always_inline)) void block(int64_t block_idx) {
        const uint8_t* packed = panel + block_idx * G::BLOCK_PANEL_BYTES;
        const uint8_t* a[MICRO_COLS];
        for (int col = 0; col < MICRO_COLS; ++col) a[col] = act[col] + block_idx * sizeof(BlockQ8_K);
        __m512i sum_q[MICRO_COLS];
        constexpr int DWORDS_PER_SCALE = 64 / G::N_SCALES;  // 8 (32 elements) or 4 (16)
        for (int scale_idx = 0; scale_idx < G::N_SCALES; ++scale_idx) {
            __m512i isum[MICRO_COLS];
            for (int col = 0; col < MICRO_COLS; ++col) isum[col] = _mm512_setzero_si512();
            for (int k = 0; k < DWORDS_PER_SCALE; ++k) {
                const int dword = scale_idx * DWORDS_PER_SCALE + k;
                const __m512i u = _mm512_load_si512(packed + G::LEVELS_AT + 64 * dword);
                for (int col = 0; col < MICRO_COLS; ++col) {
                    isum[col] = _mm512_dpbusd_epi32(
                        isum[col], u,
                        _mm512_set1_epi32((load_u32(a[col] + Q8K_QS + 4 * dword))));
                }
            }
            const __m512i scale = _mm512_load_si512(packed + G::SCALES_AT + 64 * scale_idx);
            for (int col = 0; col < MICRO_COLS; ++col) {
                const __m512i scaled = _mm512_mullo_epi32(isum[col], scale);
                sum_q[col] = scale_idx == 0 ? scaled : _mm512_add_epi32(sum_q[col], scaled);
            }
        }
        __m512i sum_pairs[MICRO_COLS];
        for (int col = 0; col < MICRO_COLS; ++col)
            sum_pairs[col] = G::AFFINE ? _mm512_setzero_si512() : sum_q[col];
        for (int pair = 0; pair < G::N_PAIRS; ++pair) {
            const __m512i weights = _mm512_load_si512(packed + G::PAIRS_AT + 64 * pair);
            for (int col = 0; col < MICRO_COLS; ++col) {
                sum_pairs[col] = _mm512_dpwssd_epi32(
                    sum_pairs[col], weights,
                    _mm512_set1_epi32((load_u32(a[col] + Q8K_BSUMS + 4 * pair))));
            }
        }
        const __m512 d = _mm512_load_ps(packed + G::D_AT);
        for (int col = 0; col < MICRO_COLS; ++col) {
            const __m512 act_d = _mm512_set1_ps(load_f32(a[col] + Q8K_D));
            if constexpr (G::AFFINE) {
                const __m512 dmin = _mm512_load_ps(packed + G::D_AT + 64);
                acc_q[col][CHAIN] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum_q[col]),
                                                    _mm512_mul_ps(d, act_d), acc_q[col][CHAIN]);
                acc_min[col][CHAIN] = _mm512_fmadd_ps(
                    _mm512_cvtepi32_ps(sum_pairs[col]), _mm512_mul_ps(dmin, act_d), acc_min[col][CHAIN]);
            } else {
                acc_q[col][CHAIN] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum_pairs[col]),
                                                    _mm512_mul_ps(d, act_d), acc_q[col][CHAIN]);
            }
        }
    }

    void run(int64_t n_blocks, __m512* result) {
        for (int col = 0; col < MICRO_COLS; ++col) {
            for (int chain = 0; chain < 4; ++chain) {
                acc_q[col][chain] = _mm512_setzero_ps();
                acc_min[col][chain] = _mm512_setzero_ps();
            }
        }
        int64_t first = 0;
        for (; first + 4 <= n_blocks; first += 4) {
            block<0>(first);
            block<1>(first + 1);
            block<2>(first + 2);
            block<3>(first + 3);
        }
        if (first < n_blocks) block<0>(first);
        if (first + 1 < n_blocks) block<1>(first + 1);
        if (first + 2 < n_blocks) block<2>(first + 2);
        // ((0 + 2) + (1 + 3)), as sum_chain_lanes; minus the same of the min chains.
        for (int col = 0; col < MICRO_COLS; ++col) {
            const __m512 q = _mm512_add_ps(_mm512_add_ps(acc_q[col][0], acc_q[col][2]),
                                           _mm512_add_ps(acc_q[col][1], acc_q[col][3]));
            if constexpr (G::AFFINE) {
                const __m512 m = _mm512_add_ps(_mm512_add_ps(acc_min[col][0], acc_min[col][2]),
                                               _mm512_add_ps(acc_min[col][1], acc_min[col][3]));
                result[col] = _mm512_sub_ps(q, m);
            } else {
                result[col] = q;
            }
        }
    }
};

template <KKind KIND>
size_t gemm_k_scratch(int64_t n, int64_t n_cols) {
    return 64 + size_t(n / QK_K) * KGemm<KIND>::BLOCK_PANEL_BYTES;
}

template <KKind KIND>
void gemm_k_tile(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act,
                 size_t act_stride, int64_t n_cols, float* out, size_t out_stride, void* scratch) {
    if (n_rows <= 0 || n_cols <= 0) return;
    const int64_t n_blocks = n / QK_K;
    uint8_t* panel = reinterpret_cast<uint8_t*>(
        (reinterpret_cast<uintptr_t>(scratch) + 63) & ~uintptr_t(63));
    const uint8_t* act_bytes = static_cast<const uint8_t*>(act);
    KMicroKernel<KIND> micro;
    micro.panel = panel;
    for (int64_t row_begin = 0; row_begin < n_rows; row_begin += PANEL_ROWS) {
        const int n_valid = int(n_rows - row_begin < PANEL_ROWS ? n_rows - row_begin : PANEL_ROWS);
        pack_k_panel<KIND>(static_cast<const uint8_t*>(w) + row_begin * w_stride, w_stride, n_valid,
                           n_blocks, panel);
        const __mmask16 store_mask = __mmask16((1u << n_valid) - 1);
        for (int64_t col_begin = 0; col_begin < n_cols; col_begin += MICRO_COLS) {
            const int n_micro = int(n_cols - col_begin < MICRO_COLS ? n_cols - col_begin : MICRO_COLS);
            for (int col = 0; col < MICRO_COLS; ++col) {
                // Missing columns repeat the last one; their results are not stored.
                micro.act[col] = act_bytes + (col_begin + (col < n_micro ? col : n_micro - 1)) * act_stride;
            }
            __m512 result[MICRO_COLS];
            micro.run(n_blocks, result);
            for (int col = 0; col < n_micro; ++col) {
                _mm512_mask_storeu_ps(out + (col_begin + col) * out_stride + row_begin, store_mask,
                                      result[col]);
            }
        }
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

#define SOUVERAIN_K_GEMM(NAME, KIND)                                                           \
    void NAME(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act,        \
              size_t act_stride, int64_t n_cols, float* out, size_t out_stride, void* scratch) { \
        assert(n >= 0 && n % QK_K == 0);                                                         \
        gemm_k_tile<KIND>(n, w, w_stride, n_rows, act, act_stride, n_cols, out, out_stride,       \
                          scratch);                                                              \
    }                                                                                            \
    size_t NAME##_scratch(int64_t n, int64_t n_cols) { return gemm_k_scratch<KIND>(n, n_cols); }

SOUVERAIN_K_GEMM(gemm_q4_k_q8_k_avx512, KKind::Q4_K)
SOUVERAIN_K_GEMM(gemm_q5_k_q8_k_avx512, KKind::Q5_K)
SOUVERAIN_K_GEMM(gemm_q6_k_q8_k_avx512, KKind::Q6_K)

#undef SOUVERAIN_K_GEMM

}  // namespace souverain::kernels
