// AVX2 (+ FMA, F16C) K-quant dot kernels: Q4_K, Q5_K and Q6_K weight rows against up to
// kMaxDotCols Q8_K activation columns. Semantics: kernels/generic/dot_k_scalar.cpp (the oracle
// these match up to float rounding: integer sums per super-block, float sums across blocks in
// 8 lanes).
//
// Shape of every kernel: per 256-element super-block the weight levels are decoded once into
// 32-byte vectors (one 32-element sub-block, or two 16-element Q6_K sub-blocks, per vector) and
// then multiplied with each column: maddubs (unsigned level x signed activation, pairs summed
// to int16, which cannot saturate: 2 * 63 * 128 < 2^15), then madd against the sub-block scale
// broadcast to int16 (pairs summed to int32). The Q4_K/Q5_K mins and the Q6_K level offset come
// from the activation's bsums through one more madd, so they cost a few instructions per block.
//
// This file is compiled with -mavx2 -mfma -mf16c and called only on CPUs that have them. To keep
// AVX2 code out of functions that other files may call (ODR: the linker may keep any one of
// several copies of an inline function), it uses nothing but intrinsics and helpers with
// internal linkage; quants.h is included for the block layouts only.
#include <immintrin.h>

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/dot_impl.h"

namespace souverain::kernels {

namespace {

// Byte offsets inside the blocks (the structs of quants.h are read through raw pointers so that
// rows need no alignment).
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

inline float load_fp16(const uint8_t* p) {
    uint16_t bits;
    std::memcpy(&bits, p, sizeof(bits));
    return _cvtsh_ss(bits);
}

// The fp16 pair (d, dmin) of a Q4_K/Q5_K block at p as floats [d, -dmin] in lanes 0 and 1 (the
// sign bit of dmin is flipped before the conversion).
inline __m128 load_d_neg_dmin(const uint8_t* p) {
    uint32_t bits;
    std::memcpy(&bits, p, sizeof(bits));
    return _mm_cvtph_ps(_mm_cvtsi32_si128(int32_t(bits ^ 0x80000000u)));
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

inline __m256i load_256(const uint8_t* p) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

inline __m128i load_128(const uint8_t* p) {
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

inline float hsum_256(__m256 v) {
    __m128 sum = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
    sum = _mm_add_ss(sum, _mm_movehdup_ps(sum));
    return _mm_cvtss_f32(sum);
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
    const __m128i low =
        _mm_and_si128(low_src, _mm_setr_epi32(0x3F3F3F3F, 0x0F0F0F0F, 0x3F3F3F3F, 0x0F0F0F0F));
    const __m128i high_src = _mm_srli_epi32(_mm_shuffle_epi32(packed, _MM_SHUFFLE(1, 1, 0, 0)), 2);
    const __m128i high = _mm_and_si128(high_src, _mm_setr_epi32(0, 0x30303030, 0, 0x30303030));
    return _mm_or_si128(low, high);
}

// pshufb control that broadcasts int16 word `word_idx` of each 128-bit lane to the whole lane.
inline __m256i word_broadcast_control(int word_idx) {
    return _mm256_set1_epi16(int16_t(0x0100 + 0x0202 * word_idx));
}

// Per super-block of Q4_K/Q5_K: the eight sub-block scales as int16 in each 128-bit lane, and
// the mins as int16 pairs [m0, m0, m1, m1, ..., m7, m7] matching the 16 bsums.
struct KAffineScales {
    __m256i scales;  // int16 [8] per lane, both lanes equal
    __m256i mins;    // int16 [16]
};

inline KAffineScales load_k_affine_scales(const uint8_t* scales_bytes) {
    const __m128i scales_mins = unpack_scales_mins(scales_bytes);
    KAffineScales out;
    out.scales = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(scales_mins));
    const __m128i min_pairs = _mm_shuffle_epi8(
        scales_mins, _mm_setr_epi8(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15));
    out.mins = _mm256_cvtepu8_epi16(min_pairs);
    return out;
}

// The levels of one 64-element chunk c of a Q4_K/Q5_K block: sub-blocks 2c and 2c + 1.
struct ChunkLevels {
    __m256i low;   // uint8 [32], elements 64c .. 64c + 31
    __m256i high;  // uint8 [32], elements 64c + 32 .. 64c + 63
};

inline ChunkLevels decode_q4_k_chunk(const uint8_t* qs, int chunk_idx) {
    const __m256i low_mask = _mm256_set1_epi8(0x0F);
    const __m256i bytes = load_256(qs + 32 * chunk_idx);
    return {_mm256_and_si256(bytes, low_mask),
            _mm256_and_si256(_mm256_srli_epi16(bytes, 4), low_mask)};
}

// Q5_K: the fifth bit of element l of sub-block j is bit j of qh[l], moved to bit 4. The 16-bit
// shifts move bits across the two bytes of a word, but the 0x10 mask keeps only bits that came
// from the same byte.
inline ChunkLevels decode_q5_k_chunk(const uint8_t* qh_bytes, const uint8_t* qs, int chunk_idx) {
    const __m256i bit4 = _mm256_set1_epi8(0x10);
    ChunkLevels levels = decode_q4_k_chunk(qs, chunk_idx);
    // Bits 2c and 2c + 1 of qh at bits 0 and 1.
    const __m256i qh = _mm256_srli_epi16(load_256(qh_bytes), 2 * chunk_idx);
    levels.low = _mm256_or_si256(levels.low, _mm256_and_si256(_mm256_slli_epi16(qh, 4), bit4));
    levels.high = _mm256_or_si256(levels.high, _mm256_and_si256(_mm256_slli_epi16(qh, 3), bit4));
    return levels;
}

// Q4_K and Q5_K share the arithmetic once the levels are decoded. Block: the weight block type;
// ChunkFn: ChunkLevels(const uint8_t* block, int chunk_idx). The levels are decoded one chunk
// at a time, right before the columns use them, which keeps the live vectors within the 16
// registers for four columns.
template <int N_COLS, typename Block, size_t SCALES_OFFSET, typename ChunkFn>
void dot_k_affine_cols(int64_t n_blocks, const uint8_t* w_row, const uint8_t* act,
                       size_t act_stride, float* out, ChunkFn decode_chunk) {
    __m256 acc[N_COLS];  // F32 [8] per column: partial sums of the blocks
    for (int col_idx = 0; col_idx < N_COLS; ++col_idx) acc[col_idx] = _mm256_setzero_ps();
    const __m256i lane_1 = _mm256_set1_epi32(1);

    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        const uint8_t* w_block = w_row + block_idx * sizeof(Block);
        prefetch_ahead(w_block, sizeof(Block));
        const __m128 d_neg_dmin = load_d_neg_dmin(w_block);
        const KAffineScales scales = load_k_affine_scales(w_block + SCALES_OFFSET);

        __m256i sum_q[N_COLS];  // int32 [8] per column
        for (int col_idx = 0; col_idx < N_COLS; ++col_idx) sum_q[col_idx] = _mm256_setzero_si256();
        for (int chunk_idx = 0; chunk_idx < 4; ++chunk_idx) {
            const ChunkLevels levels = decode_chunk(w_block, chunk_idx);
            const __m256i scale_low =
                _mm256_shuffle_epi8(scales.scales, word_broadcast_control(2 * chunk_idx));
            const __m256i scale_high =
                _mm256_shuffle_epi8(scales.scales, word_broadcast_control(2 * chunk_idx + 1));
            for (int col_idx = 0; col_idx < N_COLS; ++col_idx) {
                const uint8_t* a_qs = act + col_idx * act_stride + block_idx * sizeof(BlockQ8_K) +
                                      Q8K_QS + 64 * chunk_idx;
                const __m256i products_low = _mm256_maddubs_epi16(levels.low, load_256(a_qs));
                const __m256i products_high =
                    _mm256_maddubs_epi16(levels.high, load_256(a_qs + 32));
                sum_q[col_idx] = _mm256_add_epi32(
                    sum_q[col_idx], _mm256_add_epi32(_mm256_madd_epi16(products_low, scale_low),
                                                     _mm256_madd_epi16(products_high, scale_high)));
            }
        }
        for (int col_idx = 0; col_idx < N_COLS; ++col_idx) {
            const uint8_t* a_block = act + col_idx * act_stride + block_idx * sizeof(BlockQ8_K);
            // [d, -dmin] * act d, then each broadcast.
            const __m128 block_scales =
                _mm_mul_ps(d_neg_dmin, _mm_set1_ps(load_f32(a_block + Q8K_D)));
            const __m256i sum_min = _mm256_madd_epi16(load_256(a_block + Q8K_BSUMS), scales.mins);
            const __m256 min_term = _mm256_mul_ps(
                _mm256_cvtepi32_ps(sum_min),
                _mm256_permutevar8x32_ps(_mm256_castps128_ps256(block_scales), lane_1));
            const __m256 block_sum = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum_q[col_idx]),
                                                     _mm256_broadcastss_ps(block_scales), min_term);
            acc[col_idx] = _mm256_add_ps(acc[col_idx], block_sum);
        }
    }
    for (int col_idx = 0; col_idx < N_COLS; ++col_idx) out[col_idx] = hsum_256(acc[col_idx]);
}

template <int N_COLS>
void dot_q4_k_cols(int64_t n_blocks, const uint8_t* w_row, const uint8_t* act, size_t act_stride,
                   float* out) {
    dot_k_affine_cols<N_COLS, BlockQ4_K, Q4K_SCALES>(
        n_blocks, w_row, act, act_stride, out, [](const uint8_t* w_block, int chunk_idx) {
            return decode_q4_k_chunk(w_block + Q4K_QS, chunk_idx);
        });
}

template <int N_COLS>
void dot_q5_k_cols(int64_t n_blocks, const uint8_t* w_row, const uint8_t* act, size_t act_stride,
                   float* out) {
    dot_k_affine_cols<N_COLS, BlockQ5_K, Q5K_SCALES>(
        n_blocks, w_row, act, act_stride, out, [](const uint8_t* w_block, int chunk_idx) {
            return decode_q5_k_chunk(w_block + Q5K_QH, w_block + Q5K_QS, chunk_idx);
        });
}

// Q6_K: vector (half h, group g) holds elements 128h + 32g .. + 31, i.e. the 16-element
// sub-blocks 8h + 2g (low lane) and 8h + 2g + 1 (high lane). Levels are 0..63 (q + 32); the
// offset is removed through bsums: sum_q -= 32 * sum_s sc_s * bsums[s].
template <int N_COLS>
void dot_q6_k_cols(int64_t n_blocks, const uint8_t* w_row, const uint8_t* act, size_t act_stride,
                   float* out) {
    const __m256i low_mask = _mm256_set1_epi8(0x0F);
    const __m256i high_mask = _mm256_set1_epi8(0x30);
    __m256 acc[N_COLS];  // F32 [8] per column
    for (int col_idx = 0; col_idx < N_COLS; ++col_idx) acc[col_idx] = _mm256_setzero_ps();

    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        const uint8_t* w_block = w_row + block_idx * sizeof(BlockQ6_K);
        prefetch_ahead(w_block, sizeof(BlockQ6_K));
        const float d = load_fp16(w_block + Q6K_D);
        const __m128i scales_i8 = load_128(w_block + Q6K_SCALES);
        // int16 [16]: -32 * sc_s, against the 16 bsums.
        const __m256i offset_scales = _mm256_sub_epi16(
            _mm256_setzero_si256(), _mm256_slli_epi16(_mm256_cvtepi8_epi16(scales_i8), 5));

        __m256i sum_q[N_COLS];  // int32 [8] per column
        for (int col_idx = 0; col_idx < N_COLS; ++col_idx) {
            const uint8_t* a_block = act + col_idx * act_stride + block_idx * sizeof(BlockQ8_K);
            sum_q[col_idx] = _mm256_madd_epi16(load_256(a_block + Q8K_BSUMS), offset_scales);
        }
        for (int half_idx = 0; half_idx < 2; ++half_idx) {
            const uint8_t* ql = w_block + Q6K_QL + 64 * half_idx;
            const __m256i ql_0 = load_256(ql);
            const __m256i ql_1 = load_256(ql + 32);
            const __m256i qh = load_256(w_block + Q6K_QH + 32 * half_idx);
            // The 16-bit shifts move the two high bits of group g to bits 4..5; the mask keeps
            // only bits that came from the same byte.
            __m256i levels[4];  // uint8 [32] per group
            levels[0] = _mm256_or_si256(_mm256_and_si256(ql_0, low_mask),
                                        _mm256_and_si256(_mm256_slli_epi16(qh, 4), high_mask));
            levels[1] = _mm256_or_si256(_mm256_and_si256(ql_1, low_mask),
                                        _mm256_and_si256(_mm256_slli_epi16(qh, 2), high_mask));
            levels[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql_0, 4), low_mask),
                                        _mm256_and_si256(qh, high_mask));
            levels[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql_1, 4), low_mask),
                                        _mm256_and_si256(_mm256_srli_epi16(qh, 2), high_mask));
            // int16 sc[8h .. 8h + 7] in each lane.
            const __m256i half_scales =
                _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(_mm_loadl_epi64(
                    reinterpret_cast<const __m128i*>(w_block + Q6K_SCALES + 8 * half_idx))));
            for (int group_idx = 0; group_idx < 4; ++group_idx) {
                // Low lane: word 2g, high lane: word 2g + 1.
                const __m256i control = _mm256_setr_m128i(
                    _mm_set1_epi16(int16_t(0x0100 + 0x0202 * (2 * group_idx))),
                    _mm_set1_epi16(int16_t(0x0100 + 0x0202 * (2 * group_idx + 1))));
                const __m256i scale = _mm256_shuffle_epi8(half_scales, control);
                for (int col_idx = 0; col_idx < N_COLS; ++col_idx) {
                    const uint8_t* a_qs = act + col_idx * act_stride +
                                          block_idx * sizeof(BlockQ8_K) + Q8K_QS + 128 * half_idx +
                                          32 * group_idx;
                    const __m256i products =
                        _mm256_maddubs_epi16(levels[group_idx], load_256(a_qs));
                    sum_q[col_idx] =
                        _mm256_add_epi32(sum_q[col_idx], _mm256_madd_epi16(products, scale));
                }
            }
        }
        for (int col_idx = 0; col_idx < N_COLS; ++col_idx) {
            const uint8_t* a_block = act + col_idx * act_stride + block_idx * sizeof(BlockQ8_K);
            const float a_d = load_f32(a_block + Q8K_D);
            acc[col_idx] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum_q[col_idx]),
                                           _mm256_set1_ps(d * a_d), acc[col_idx]);
        }
    }
    for (int col_idx = 0; col_idx < N_COLS; ++col_idx) out[col_idx] = hsum_256(acc[col_idx]);
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

void dot_q4_k_q8_k_avx2(int64_t n, const void* w_row, const void* act, size_t act_stride,
                        int n_cols, float* out) {
    assert(n >= 0 && n % QK_K == 0);
    dispatch_cols(n_cols, [&](auto cols) {
        dot_q4_k_cols<decltype(cols)::value>(n / QK_K, static_cast<const uint8_t*>(w_row),
                                             static_cast<const uint8_t*>(act), act_stride, out);
    });
}

void dot_q5_k_q8_k_avx2(int64_t n, const void* w_row, const void* act, size_t act_stride,
                        int n_cols, float* out) {
    assert(n >= 0 && n % QK_K == 0);
    dispatch_cols(n_cols, [&](auto cols) {
        dot_q5_k_cols<decltype(cols)::value>(n / QK_K, static_cast<const uint8_t*>(w_row),
                                             static_cast<const uint8_t*>(act), act_stride, out);
    });
}

void dot_q6_k_q8_k_avx2(int64_t n, const void* w_row, const void* act, size_t act_stride,
                        int n_cols, float* out) {
    assert(n >= 0 && n % QK_K == 0);
    dispatch_cols(n_cols, [&](auto cols) {
        dot_q6_k_cols<decltype(cols)::value>(n / QK_K, static_cast<const uint8_t*>(w_row),
                                             static_cast<const uint8_t*>(act), act_stride, out);
    });
}

}  // namespace souverain::kernels
