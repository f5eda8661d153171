// AVX-512 (F/BW/VL/DQ + VNNI) dot kernels of the legacy types: Q4_0, Q5_0, Q8_0 against Q8_0
// and Q4_1, Q5_1 against Q8_1, and their register-blocked prefill kernels. Semantics: the scalar
// twins (kernels/generic/dot_legacy_scalar.cpp); the per-block integer sums are the same, only
// the float accumulation order differs.
//
// Layout of the work: a zmm register holds a pair of blocks (64 elements, 128-bit lanes = block 0
// elements 0..15 | 16..31 | block 1 elements 0..15 | 16..31), which is the activation order, so
// activations load without shuffles. vpdpbusd multiplies unsigned by signed bytes and sums groups
// of four into 16 int32 lanes, 8 per block. Weight levels go in unsigned: the stored value
// u = w + OFFSET (Q4_0 nibble = w + 8, Q5_0 = w + 16, Q8_0 w ^ 0x80 = w + 128; Q4_1, Q5_1: the
// level, OFFSET 0), and OFFSET * sum(a), one more vpdpbusd against a constant, is subtracted:
// the block sums are exact. A weight pair is decoded once and multiplied with every column (up
// to kMaxDotCols).
//
// Scales: the fp16 fields of weights and activations sit 18..36 bytes apart. They are gathered
// with scalar loads into 64-bit words (the vector load ports are the busiest resource here) and
// converted by one vcvtph2ps per group of 16 blocks (see "Groups of 16 blocks" below for the
// float arithmetic, which is the same for every column count).
//
// A trailing odd block is a pair whose second block is absent: its loads cover the first block
// only and the second block's levels are zero, so nothing is read past the end of a row or column.
//
// Compiled with the AVX-512 flags; helpers stay in the anonymous namespace and no shared inline
// function is called (ODR note in CMakeLists.txt).
//
// GCC 12's AVX-512 headers initialise "undefined" vectors from themselves, which its own
// -Wuninitialized flags wherever they are inlined (GCC bug 105593, fixed in GCC 13).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/dot_impl.h"

namespace souverain::kernels {

namespace {

constexpr int QK = 32;

uint64_t load_u32(const uint8_t* p) {
    uint32_t bits;
    std::memcpy(&bits, p, 4);
    return bits;
}

uint64_t load_u16(const uint8_t* p) {
    uint16_t bits;
    std::memcpy(&bits, p, 2);
    return bits;
}

__m128i load_128(const uint8_t* p) {
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

__m256i load_256(const uint8_t* p) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

// Nibbles of two blocks' 16 packed bytes each (q0, q1; q1 absent when TAIL) in element order:
// [q0 low | q0 high | q1 low | q1 high].
template <bool TAIL>
__m512i nibbles_pair(const uint8_t* q0, const uint8_t* q1) {
    __m512i both = _mm512_broadcast_i32x4(load_128(q0));
    both = TAIL ? _mm512_maskz_mov_epi32(0x00FF, both)
                : _mm512_mask_broadcast_i32x4(both, 0xFF00, load_128(q1));
    both = _mm512_mask_srli_epi16(both, 0xFF00FF00, both, 4);
    return _mm512_and_si512(both, _mm512_set1_epi8(0x0F));
}

// ---- Weight kinds: BLOCK_BYTES, AFFINE (has an offset m at byte 2), OFFSET and
// levels<TAIL>(pair) ----
//
// levels() returns the weight levels of a pair as the unsigned operand of vpdpbusd: the stored
// unsigned value u = w + OFFSET of every element (symmetric types: Q4_0 nibble = w + 8, Q5_0 5-bit
// value = w + 16, Q8_0 w + 128 = w ^ 0x80; affine types: the level itself, OFFSET 0). The block
// sum of w * a is then sum(u * a) - OFFSET * sum(a), exact in int32.

struct Q4_0Kind {
    static constexpr size_t BLOCK_BYTES = sizeof(BlockQ4_0);
    static constexpr bool AFFINE = false;
    static constexpr int OFFSET = 8;
    template <bool TAIL>
    static __m512i levels(const uint8_t* p) {
        return nibbles_pair<TAIL>(p + 2, p + 20);
    }
};

struct Q5_0Kind {
    static constexpr size_t BLOCK_BYTES = sizeof(BlockQ5_0);
    static constexpr bool AFFINE = false;
    static constexpr int OFFSET = 16;
    template <bool TAIL>
    static __m512i levels(const uint8_t* p) {
        const __m512i nibbles = nibbles_pair<TAIL>(p + 6, p + 28);
        const uint64_t high = load_u32(p + 2) | (TAIL ? 0 : load_u32(p + 24) << 32);
        return _mm512_mask_add_epi8(nibbles, _cvtu64_mask64(high), nibbles, _mm512_set1_epi8(16));
    }
};

struct Q8_0Kind {
    static constexpr size_t BLOCK_BYTES = sizeof(BlockQ8_0);
    static constexpr bool AFFINE = false;
    static constexpr int OFFSET = 128;
    template <bool TAIL>
    static __m512i levels(const uint8_t* p) {
        const __m256i first = load_256(p + 2);
        const __m512i both =
            TAIL ? _mm512_zextsi256_si512(first)
                 : _mm512_inserti64x4(_mm512_castsi256_si512(first), load_256(p + 36), 1);
        // An absent second block stays 0 (not 128): its activations are 0 too.
        return _mm512_mask_xor_epi32(both, TAIL ? 0x00FF : 0xFFFF, both,
                                     _mm512_set1_epi8(int8_t(0x80)));
    }
};

struct Q4_1Kind {
    static constexpr size_t BLOCK_BYTES = sizeof(BlockQ4_1);
    static constexpr bool AFFINE = true;
    static constexpr int OFFSET = 0;
    template <bool TAIL>
    static __m512i levels(const uint8_t* p) {
        return nibbles_pair<TAIL>(p + 4, p + 24);
    }
};

struct Q5_1Kind {
    static constexpr size_t BLOCK_BYTES = sizeof(BlockQ5_1);
    static constexpr bool AFFINE = true;
    static constexpr int OFFSET = 0;
    template <bool TAIL>
    static __m512i levels(const uint8_t* p) {
        const __m512i nibbles = nibbles_pair<TAIL>(p + 8, p + 32);
        const uint64_t high = load_u32(p + 4) | (TAIL ? 0 : load_u32(p + 28) << 32);
        return _mm512_mask_add_epi8(nibbles, _cvtu64_mask64(high), nibbles, _mm512_set1_epi8(16));
    }
};

// ---- Activation pairs: Q8_0 (34-byte blocks: d, qs at 2), Q8_1 (36: d, s, qs at 4) ----

template <bool AFFINE>
struct ActLayout {
    static constexpr size_t BLOCK_BYTES = AFFINE ? sizeof(BlockQ8_1) : sizeof(BlockQ8_0);
    static constexpr size_t QS_OFFSET = AFFINE ? offsetof(BlockQ8_1, qs) : offsetof(BlockQ8_0, qs);
    template <bool TAIL>
    static __m512i levels(const uint8_t* p) {
        const __m256i first = load_256(p + QS_OFFSET);
        return TAIL ? _mm512_zextsi256_si512(first)
                    : _mm512_inserti64x4(_mm512_castsi256_si512(first),
                                         load_256(p + BLOCK_BYTES + QS_OFFSET), 1);
    }
};

// ---- Groups of 16 blocks ----
//
// The arithmetic of one (row, column) dot, the same for every column count (continuous batching,
// dot.h) and the one the register-blocked kernels below reproduce bit for bit: blocks are taken
// in groups of 16; per block b the exact int32 block sum isum_b and the float scale
// s_b = d_w * d_a; four float chains, chain k taking blocks 4k .. 4k + 3 of every group in order:
//   chain[k] = fma(float(isum_b), s_b, chain[k])          k = (b % 16) / 4
//   affine types: chain[k] = chain[k] + fma(float(isum_b), s_b, m_w * s_a)
// from +0; the result is (chain[0] + chain[2]) + (chain[1] + chain[3]). float(isum_b) is exact
// (|isum| < 2^20). Blocks past the end of a row change no chain.
//
// The block sums come out of vpdpbusd as 8 partial sums per block, two blocks per vector; three
// shuffle-and-add levels (integer, exact) turn 8 such vectors into one vector of the 16 block
// sums, lane 4g + k holding block 4k + g of the group: 128-bit lane g then holds one block of
// each chain, in chain order, so four 128-bit FMAs advance the four chains.
constexpr int group_block(int lane) {
    return 4 * (lane % 4) + lane / 4;
}
constexpr int GROUP_BLOCKS = 16;

// The sum of the four chains: (0 + 2) + (1 + 3).
float hsum_chains(__m128 chains) {
    const __m128 pairs = _mm_add_ps(chains, _mm_movehl_ps(chains, chains));
    return _mm_cvtss_f32(_mm_add_ss(pairs, _mm_movehdup_ps(pairs)));
}

// Two vectors of pair sums (v0: blocks 0, 1; v1: blocks 2, 3; 8 partial sums each) as one vector
// of 4 partial sums of blocks 0, 1, 2, 3 (one per 128-bit lane).
__m512i combine_pairs(__m512i v0, __m512i v1) {
    return _mm512_add_epi32(_mm512_shuffle_i32x4(v0, v1, 0x88), _mm512_shuffle_i32x4(v0, v1, 0xDD));
}

// Four vectors of combine_pairs (q holds blocks 4q .. 4q + 3) as the 16 block sums, lane 4g + k =
// block 4k + g.
__m512i combine_quads(__m512i q0, __m512i q1, __m512i q2, __m512i q3) {
    const __m512i r0 =
        _mm512_add_epi32(_mm512_unpacklo_epi32(q0, q1), _mm512_unpackhi_epi32(q0, q1));
    const __m512i r1 =
        _mm512_add_epi32(_mm512_unpacklo_epi32(q2, q3), _mm512_unpackhi_epi32(q2, q3));
    return _mm512_add_epi32(_mm512_unpacklo_epi64(r0, r1), _mm512_unpackhi_epi64(r0, r1));
}

// The fp16 field at `offset` of the group's blocks (block_bytes apart) in lane order, as float;
// blocks at or past n_valid read nothing and give 0. Scalar loads packed into 64-bit words:
// measured faster here than vpgatherdd or picking the words out of vector loads with vpermt2w.
template <bool FULL>
__m512 group_halves(const uint8_t* first, size_t block_bytes, size_t offset, int n_valid) {
    uint64_t packed[4] = {0, 0, 0, 0};
    for (int lane = 0; lane < GROUP_BLOCKS; ++lane) {
        const int block = group_block(lane);
        if (FULL || block < n_valid) {
            packed[lane / 4] |= load_u16(first + size_t(block) * block_bytes + offset)
                                << (16 * (lane % 4));
        }
    }
    return _mm512_cvtph_ps(_mm256_setr_epi64x(int64_t(packed[0]), int64_t(packed[1]),
                                              int64_t(packed[2]), int64_t(packed[3])));
}

template <typename Kind, int NCOLS>
struct GroupKernel {
    using Act = ActLayout<Kind::AFFINE>;

    const uint8_t* w;
    const uint8_t* act_cols[NCOLS];

    // int32 [16] partial sums of the blocks first_block, first_block + 1 (absent when SINGLE)
    // against every column.
    template <bool SINGLE>
    void pair_sums(int64_t first_block, __m512i* sums) const {
        const __m512i u = Kind::template levels<SINGLE>(w + first_block * Kind::BLOCK_BYTES);
        for (int col_idx = 0; col_idx < NCOLS; ++col_idx) {
            const __m512i a =
                Act::template levels<SINGLE>(act_cols[col_idx] + first_block * Act::BLOCK_BYTES);
            __m512i sum = _mm512_dpbusd_epi32(_mm512_setzero_si512(), u, a);
            if constexpr (Kind::OFFSET != 0) {
                sum = _mm512_sub_epi32(
                    sum, _mm512_dpbusd_epi32(_mm512_setzero_si512(),
                                             _mm512_set1_epi8(char(Kind::OFFSET)), a));
            }
            sums[col_idx] = sum;
        }
    }

    // Pair pair_in_group of the group at first_block, of which n_valid blocks exist.
    template <bool FULL>
    void group_pair(int64_t first_block, int pair_in_group, int n_valid, __m512i* sums) const {
        const int block = 2 * pair_in_group;
        if (FULL || block + 2 <= n_valid) {
            pair_sums<false>(first_block + block, sums);
        } else if (block + 1 == n_valid) {
            pair_sums<true>(first_block + block, sums);
        } else {
            for (int col_idx = 0; col_idx < NCOLS; ++col_idx)
                sums[col_idx] = _mm512_setzero_si512();
        }
    }

    template <bool FULL>
    // Always inlined into the loop over groups: the chains then stay in registers (otherwise they
    // go through memory once per group, which measurably slows the affine types).
    __attribute__((always_inline)) void group(int64_t first_block, int n_valid,
                                              __m128* chains) const {
        __m512i quads[4][NCOLS];
        for (int quad = 0; quad < 4; ++quad) {
            __m512i even[NCOLS];
            __m512i odd[NCOLS];
            group_pair<FULL>(first_block, 2 * quad, n_valid, even);
            group_pair<FULL>(first_block, 2 * quad + 1, n_valid, odd);
            for (int col_idx = 0; col_idx < NCOLS; ++col_idx)
                quads[quad][col_idx] = combine_pairs(even[col_idx], odd[col_idx]);
        }
        const uint8_t* w_group = w + first_block * Kind::BLOCK_BYTES;
        const __m512 w_d = group_halves<FULL>(w_group, Kind::BLOCK_BYTES, 0, n_valid);
        for (int col_idx = 0; col_idx < NCOLS; ++col_idx) {
            const __m512 x = _mm512_cvtepi32_ps(combine_quads(
                quads[0][col_idx], quads[1][col_idx], quads[2][col_idx], quads[3][col_idx]));
            const uint8_t* act_group = act_cols[col_idx] + first_block * Act::BLOCK_BYTES;
            const __m512 scale =
                _mm512_mul_ps(w_d, group_halves<FULL>(act_group, Act::BLOCK_BYTES, 0, n_valid));
            __m128 chain = chains[col_idx];
            if constexpr (Kind::AFFINE) {
                // The block's value first, then one add per block: the chains stay short.
                const __m512 w_m = group_halves<FULL>(w_group, Kind::BLOCK_BYTES, 2, n_valid);
                const __m512 act_s = group_halves<FULL>(act_group, Act::BLOCK_BYTES, 2, n_valid);
                const __m512 value = _mm512_fmadd_ps(x, scale, _mm512_mul_ps(w_m, act_s));
                chain = _mm_add_ps(chain, _mm512_castps512_ps128(value));
                chain = _mm_add_ps(chain, _mm512_extractf32x4_ps(value, 1));
                chain = _mm_add_ps(chain, _mm512_extractf32x4_ps(value, 2));
                chain = _mm_add_ps(chain, _mm512_extractf32x4_ps(value, 3));
            } else {
                chain =
                    _mm_fmadd_ps(_mm512_castps512_ps128(x), _mm512_castps512_ps128(scale), chain);
                chain = _mm_fmadd_ps(_mm512_extractf32x4_ps(x, 1), _mm512_extractf32x4_ps(scale, 1),
                                     chain);
                chain = _mm_fmadd_ps(_mm512_extractf32x4_ps(x, 2), _mm512_extractf32x4_ps(scale, 2),
                                     chain);
                chain = _mm_fmadd_ps(_mm512_extractf32x4_ps(x, 3), _mm512_extractf32x4_ps(scale, 3),
                                     chain);
            }
            // Lanes of absent blocks hold x = 0 and scale 0 (and m = s = 0): they add a zero to
            // their chain, which leaves it unchanged (a chain starts at +0 and, in round-to-
            // nearest, never becomes -0).
            chains[col_idx] = chain;
        }
    }
};

template <typename Kind, int NCOLS>
void dot_groups(int64_t n, const void* w_row, const void* act, size_t act_stride, float* out) {
    using Kernel = GroupKernel<Kind, NCOLS>;
    Kernel kernel;
    kernel.w = static_cast<const uint8_t*>(w_row);
    __m128 chains[NCOLS];  // F32 [4] per column: the four chains
    for (int col_idx = 0; col_idx < NCOLS; ++col_idx) {
        kernel.act_cols[col_idx] = static_cast<const uint8_t*>(act) + size_t(col_idx) * act_stride;
        chains[col_idx] = _mm_setzero_ps();
    }
    const int64_t n_blocks = n / QK;
    int64_t block_idx = 0;
    for (; block_idx + GROUP_BLOCKS <= n_blocks; block_idx += GROUP_BLOCKS) {
        kernel.template group<true>(block_idx, GROUP_BLOCKS, chains);
    }
    if (block_idx < n_blocks)
        kernel.template group<false>(block_idx, int(n_blocks - block_idx), chains);
    for (int col_idx = 0; col_idx < NCOLS; ++col_idx) out[col_idx] = hsum_chains(chains[col_idx]);
}

template <typename Kind>
void dot_cols(int64_t n, const void* w_row, const void* act, size_t act_stride, int n_cols,
              float* out) {
    switch (n_cols) {
        case 1:
            return dot_groups<Kind, 1>(n, w_row, act, act_stride, out);
        case 2:
            return dot_groups<Kind, 2>(n, w_row, act, act_stride, out);
        case 3:
            return dot_groups<Kind, 3>(n, w_row, act, act_stride, out);
        default:
            return dot_groups<Kind, 4>(n, w_row, act, act_stride, out);
    }
}

// ---- Register-blocked matmul (prefill) ----
//
// gemm_tile<Kind> computes every (row, column) of a tile with exactly the arithmetic of
// dot_groups<Kind, 1> ("Groups of 16 blocks" above), so each value is bit for bit the
// single-row, single-column dot; only the work is arranged differently:
//
// - Weights: 16 rows form a panel, packed once per call and reused by all its columns. Per
//   block, 8 vectors whose 32-bit lane r holds the unsigned levels u of elements 4j .. 4j + 3 of
//   row r (vector j), then d_w of the 16 rows as float (and m_w for the affine types): lane =
//   row, so one vpdpbusd advances 16 rows at once.
// - Activations stay where quantize_act wrote them; their levels are broadcast 4 bytes at a time
//   (the embedded-broadcast operand of vpdpbusd). A side table per column and block holds d_a
//   as float, the correction -OFFSET * sum(qs) that turns sum(u * a) into the exact block sum
//   (it seeds the integer sum), and s_a (affine types).
// - The microkernel takes 4 columns: 16 accumulators = 4 columns x 4 chains, each holding the
//   chain of 16 rows. Per block and column: 8 vpdpbusd give the 16 exact block sums, then one
//   convert, one multiply and one FMA (affine: one more multiply and an add) advance chain
//   (b % 16) / 4, as in the dot.

constexpr int PANEL_ROWS = 16;
constexpr int MICRO_COLS = 4;

// Per column and block (16 bytes, so that a column's table is 64-byte aligned).
struct ColumnSide {
    float d;       // d_a
    int32_t corr;  // -OFFSET * sum(qs)
    float s;       // s_a (affine types)
    int32_t unused;
};
static_assert(sizeof(ColumnSide) == 16);

template <typename Kind>
constexpr size_t PANEL_BLOCK_BYTES = 8 * 64 + 64 + (Kind::AFFINE ? 64 : 0);

template <typename Kind>
size_t gemm_scratch(int64_t n, int64_t n_cols) {
    const size_t n_blocks = size_t(n / QK);
    return 64 + n_blocks * PANEL_BLOCK_BYTES<Kind> + size_t(n_cols) * n_blocks * sizeof(ColumnSide);
}

template <typename Kind>
void prepare_side(const uint8_t* act_col, int64_t n_blocks, ColumnSide* side) {
    using Act = ActLayout<Kind::AFFINE>;
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        const uint8_t* block = act_col + block_idx * Act::BLOCK_BYTES;
        ColumnSide entry = {_cvtsh_ss(uint16_t(load_u16(block))), 0, 0.0f, 0};
        if constexpr (Kind::AFFINE) {
            entry.s = _cvtsh_ss(uint16_t(load_u16(block + 2)));
        } else {
            // sum(qs) through psadbw on qs + 128 (unsigned), minus 32 * 128.
            const __m256i biased =
                _mm256_xor_si256(load_256(block + Act::QS_OFFSET), _mm256_set1_epi8(char(0x80)));
            const __m256i sums = _mm256_sad_epu8(biased, _mm256_setzero_si256());
            const __m128i half =
                _mm_add_epi64(_mm256_castsi256_si128(sums), _mm256_extracti128_si256(sums, 1));
            const int64_t total =
                _mm_cvtsi128_si64(_mm_add_epi64(half, _mm_unpackhi_epi64(half, half)));
            entry.corr = -Kind::OFFSET * int32_t(total - 32 * 128);
        }
        side[block_idx] = entry;
    }
}

// 16 rows of 8 dwords as z[i] = [row i | row i + 8] (256 bits each) to out[j] = dword j of
// every row, lane r = row r.
void transpose_panel_block(const __m512i* z, uint8_t* out) {
    __m512i u[8];
    for (int half = 0; half < 2; ++half) {
        const __m512i* zz = z + 4 * half;
        const __m512i t0 = _mm512_unpacklo_epi32(zz[0], zz[1]);
        const __m512i t1 = _mm512_unpackhi_epi32(zz[0], zz[1]);
        const __m512i t2 = _mm512_unpacklo_epi32(zz[2], zz[3]);
        const __m512i t3 = _mm512_unpackhi_epi32(zz[2], zz[3]);
        // u[4 * half + e], 128-bit lane L: element e (L even) or 4 + e (L odd) of rows
        // 4 * half .. + 3 (L < 2) or 8 + 4 * half .. + 3 (L >= 2).
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
template <typename Kind>
void pack_panel(const uint8_t* w, size_t w_stride, int n_valid, int64_t n_blocks, uint8_t* panel) {
    constexpr size_t PBB = PANEL_BLOCK_BYTES<Kind>;
    const uint8_t* rows[PANEL_ROWS];
    alignas(64) int32_t row_offsets[PANEL_ROWS];
    for (int row = 0; row < PANEL_ROWS; ++row) {
        const int source = row < n_valid ? row : n_valid - 1;
        rows[row] = w + size_t(source) * w_stride;
        row_offsets[row] = int32_t(size_t(source) * w_stride);
    }
    for (int64_t block_idx = 0; block_idx < n_blocks; block_idx += 2) {
        const bool single = block_idx + 1 == n_blocks;
        __m512i levels[PANEL_ROWS];  // uint8 [64] per row: blocks block_idx, block_idx + 1
        for (int row = 0; row < PANEL_ROWS; ++row) {
            const uint8_t* pair = rows[row] + block_idx * Kind::BLOCK_BYTES;
            levels[row] =
                single ? Kind::template levels<true>(pair) : Kind::template levels<false>(pair);
        }
        for (int half = 0; half < (single ? 1 : 2); ++half) {
            __m512i z[8];
            for (int row = 0; row < 8; ++row) {
                z[row] = half == 0 ? _mm512_shuffle_i64x2(levels[row], levels[row + 8], 0x44)
                                   : _mm512_shuffle_i64x2(levels[row], levels[row + 8], 0xEE);
            }
            transpose_panel_block(z, panel + (block_idx + half) * PBB);
        }
    }
    const __m512i offsets = _mm512_load_si512(row_offsets);
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        const __m512i heads = _mm512_i32gather_epi32(offsets, w + block_idx * Kind::BLOCK_BYTES, 1);
        uint8_t* scales = panel + block_idx * PBB + 8 * 64;
        _mm512_store_ps(scales, _mm512_cvtph_ps(_mm512_cvtepi32_epi16(heads)));
        if constexpr (Kind::AFFINE) {
            _mm512_store_ps(scales + 64,
                            _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(heads, 16))));
        }
    }
}

// The chain order of dot_groups over a micro-kernel's blocks: groups of 16, block b advancing
// chain (b % 16) / 4 through micro.block<CHAIN>(b); then per column (chain 0 + chain 2) +
// (chain 1 + chain 3), as hsum_chains. Micro has acc[NCOLS][4] (F32 [16 rows] each).
template <int NCOLS, typename Micro>
__attribute__((always_inline)) inline void run_chains(Micro& micro, int64_t n_blocks,
                                                      __m512* result) {
    for (int col = 0; col < NCOLS; ++col)
        for (int chain = 0; chain < 4; ++chain) micro.acc[col][chain] = _mm512_setzero_ps();
    int64_t first = 0;
    for (; first + GROUP_BLOCKS <= n_blocks; first += GROUP_BLOCKS) {
        if constexpr (requires { micro.whole_group(first); }) {
            micro.whole_group(first);  // the same blocks and chains, in the Micro's own code
        } else {
            for (int i = 0; i < 4; ++i) micro.template block<0>(first + i);
            for (int i = 4; i < 8; ++i) micro.template block<1>(first + i);
            for (int i = 8; i < 12; ++i) micro.template block<2>(first + i);
            for (int i = 12; i < 16; ++i) micro.template block<3>(first + i);
        }
    }
    // The last, partial group: blocks [first, n_blocks), each in its chain.
    for (int64_t block_idx = first; block_idx < n_blocks; ++block_idx) {
        switch ((block_idx - first) / 4) {
            case 0:
                micro.template block<0>(block_idx);
                break;
            case 1:
                micro.template block<1>(block_idx);
                break;
            case 2:
                micro.template block<2>(block_idx);
                break;
            default:
                micro.template block<3>(block_idx);
                break;
        }
    }
    for (int col = 0; col < NCOLS; ++col) {
        result[col] = _mm512_add_ps(_mm512_add_ps(micro.acc[col][0], micro.acc[col][2]),
                                    _mm512_add_ps(micro.acc[col][1], micro.acc[col][3]));
    }
}

template <typename Kind>
struct MicroKernel {
    using Act = ActLayout<Kind::AFFINE>;
    static constexpr size_t PBB = PANEL_BLOCK_BYTES<Kind>;

    const uint8_t* panel;
    const uint8_t* act_qs[MICRO_COLS];  // qs of block 0 of each column
    const ColumnSide* side[MICRO_COLS];
    __m512 acc[MICRO_COLS][4];  // F32 [16 rows] per column and chain

    template <int CHAIN>
    __attribute__((always_inline)) void block(int64_t block_idx) {
        const uint8_t* packed = panel + block_idx * PBB;
        __m512i isum[MICRO_COLS];
        for (int col = 0; col < MICRO_COLS; ++col)
            isum[col] = _mm512_set1_epi32(side[col][block_idx].corr);
        for (int quad = 0; quad < 8; ++quad) {
            const __m512i u = _mm512_load_si512(packed + 64 * quad);
            for (int col = 0; col < MICRO_COLS; ++col) {
                const uint8_t* a = act_qs[col] + block_idx * Act::BLOCK_BYTES + 4 * quad;
                isum[col] =
                    _mm512_dpbusd_epi32(isum[col], u, _mm512_set1_epi32(int32_t(load_u32(a))));
            }
        }
        const __m512 w_d = _mm512_load_ps(packed + 8 * 64);
        for (int col = 0; col < MICRO_COLS; ++col) {
            const __m512 x = _mm512_cvtepi32_ps(isum[col]);
            const __m512 scale = _mm512_mul_ps(w_d, _mm512_set1_ps(side[col][block_idx].d));
            if constexpr (Kind::AFFINE) {
                const __m512 w_m = _mm512_load_ps(packed + 9 * 64);
                const __m512 value = _mm512_fmadd_ps(
                    x, scale, _mm512_mul_ps(w_m, _mm512_set1_ps(side[col][block_idx].s)));
                acc[col][CHAIN] = _mm512_add_ps(acc[col][CHAIN], value);
            } else {
                acc[col][CHAIN] = _mm512_fmadd_ps(x, scale, acc[col][CHAIN]);
            }
        }
    }

    void run(int64_t n_blocks, __m512* result) { run_chains<MICRO_COLS>(*this, n_blocks, result); }
};

template <typename Kind>
void gemm_tile(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act,
               size_t act_stride, int64_t n_cols, float* out, size_t out_stride, void* scratch) {
    using Act = ActLayout<Kind::AFFINE>;
    const int64_t n_blocks = n / QK;
    if (n_rows <= 0 || n_cols <= 0) return;
    uint8_t* panel =
        reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(scratch) + 63) & ~uintptr_t(63));
    ColumnSide* sides = reinterpret_cast<ColumnSide*>(panel + n_blocks * PANEL_BLOCK_BYTES<Kind>);
    const uint8_t* act_bytes = static_cast<const uint8_t*>(act);
    for (int64_t col = 0; col < n_cols; ++col)
        prepare_side<Kind>(act_bytes + col * act_stride, n_blocks, sides + col * n_blocks);

    MicroKernel<Kind> micro;
    micro.panel = panel;
    for (int64_t row_begin = 0; row_begin < n_rows; row_begin += PANEL_ROWS) {
        const int n_valid = int(n_rows - row_begin < PANEL_ROWS ? n_rows - row_begin : PANEL_ROWS);
        pack_panel<Kind>(static_cast<const uint8_t*>(w) + row_begin * w_stride, w_stride, n_valid,
                         n_blocks, panel);
        const __mmask16 store_mask = __mmask16((1u << n_valid) - 1);
        for (int64_t col_begin = 0; col_begin < n_cols; col_begin += MICRO_COLS) {
            const int n_micro =
                int(n_cols - col_begin < MICRO_COLS ? n_cols - col_begin : MICRO_COLS);
            for (int col = 0; col < MICRO_COLS; ++col) {
                // Missing columns repeat the last one; their results are not stored.
                const int64_t source = col_begin + (col < n_micro ? col : n_micro - 1);
                micro.act_qs[col] = act_bytes + source * act_stride + Act::QS_OFFSET;
                micro.side[col] = sides + source * n_blocks;
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

void dot_q4_0_q8_0_avx512(int64_t n, const void* w_row, const void* act, size_t act_stride,
                          int n_cols, float* out) {
    dot_cols<Q4_0Kind>(n, w_row, act, act_stride, n_cols, out);
}

void dot_q5_0_q8_0_avx512(int64_t n, const void* w_row, const void* act, size_t act_stride,
                          int n_cols, float* out) {
    dot_cols<Q5_0Kind>(n, w_row, act, act_stride, n_cols, out);
}

void dot_q8_0_q8_0_avx512(int64_t n, const void* w_row, const void* act, size_t act_stride,
                          int n_cols, float* out) {
    dot_cols<Q8_0Kind>(n, w_row, act, act_stride, n_cols, out);
}

void dot_q4_1_q8_1_avx512(int64_t n, const void* w_row, const void* act, size_t act_stride,
                          int n_cols, float* out) {
    dot_cols<Q4_1Kind>(n, w_row, act, act_stride, n_cols, out);
}

void dot_q5_1_q8_1_avx512(int64_t n, const void* w_row, const void* act, size_t act_stride,
                          int n_cols, float* out) {
    dot_cols<Q5_1Kind>(n, w_row, act, act_stride, n_cols, out);
}

#define SOUVERAIN_LEGACY_GEMM(NAME, KIND)                                                        \
    void NAME(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act,        \
              size_t act_stride, int64_t n_cols, float* out, size_t out_stride, void* scratch) { \
        gemm_tile<KIND>(n, w, w_stride, n_rows, act, act_stride, n_cols, out, out_stride,        \
                        scratch);                                                                \
    }                                                                                            \
    size_t NAME##_scratch(int64_t n, int64_t n_cols) {                                           \
        return gemm_scratch<KIND>(n, n_cols);                                                    \
    }

SOUVERAIN_LEGACY_GEMM(gemm_q4_0_q8_0_avx512, Q4_0Kind)
SOUVERAIN_LEGACY_GEMM(gemm_q5_0_q8_0_avx512, Q5_0Kind)
SOUVERAIN_LEGACY_GEMM(gemm_q8_0_q8_0_avx512, Q8_0Kind)
SOUVERAIN_LEGACY_GEMM(gemm_q4_1_q8_1_avx512, Q4_1Kind)
SOUVERAIN_LEGACY_GEMM(gemm_q5_1_q8_1_avx512, Q5_1Kind)

#undef SOUVERAIN_LEGACY_GEMM

// ---- Packed weights (PackedKernel, dot.h): Q4_0 and Q8_0 ----
//
// The panel layout of gemm_tile, made once at load instead of per call, at the file's size: a
// panel holds 16 rows; per block, vectors whose 32-bit lane r holds 4 bytes of row r, then the
// 16 rows' fp16 d. A panel is a run of block pairs, each [levels of block 2p][levels of block
// 2p + 1][d of both, 2 x 32 bytes]: as many bytes per row and block as the file (18 for Q4_0, 34
// for Q8_0), plus one zero block per panel when n_blocks is odd. A pair is a whole number of
// cache lines (9 for Q4_0, 17 for Q8_0), so decode reads each panel as a single sequential
// stream. An earlier layout put all the d after all the levels; that second stream, 32 bytes
// per block, held a decode pass (two threads, 600 MB) to 0.78-0.88 of the read bandwidth where
// this one reaches 1.0 of the same read loop.
//   Q4_0: 4 vectors; vector j holds qs[4j .. 4j + 3]. A byte's low nibble is element 4j + k, its
//         high nibble element 16 + 4j + k: one AND gives the levels u of quad j, a shift and an
//         AND those of quad j + 4.
//   Q8_0: 8 vectors; vector j holds qs[4j .. 4j + 3] + 128 (u = w + 128, stored so).
// These are exactly the u vectors gemm_tile's pack_panel builds, and the arithmetic per (row,
// column) is gemm_tile's, hence dot_groups<Kind, 1>'s, bit for bit.

#ifndef SOUVERAIN_PACKED_PREFETCH
#define SOUVERAIN_PACKED_PREFETCH 4096
#endif

namespace {

constexpr size_t PACKED_SCALE_BYTES = 2 * PANEL_ROWS;

struct PackedQ4_0 {
    using Kind = Q4_0Kind;
    static constexpr size_t LEVEL_BYTES = 4 * 64;
    static constexpr int N_VECTORS = 4;
    static constexpr bool NIBBLES = true;
    // u of quad `quad` (0..7) of the block at `levels`; with `high_in_place`, quads 4-7 give
    // 16 u (the high nibble where it lies).
    static __m512i quad_levels(const uint8_t* levels, int quad, bool high_in_place) {
        const __m512i both = _mm512_loadu_si512(levels + 64 * (quad & 3));
        if (quad < 4) return _mm512_and_si512(both, _mm512_set1_epi8(0x0F));
        if (high_in_place) return _mm512_and_si512(both, _mm512_set1_epi8(char(0xF0)));
        return _mm512_and_si512(_mm512_srli_epi16(both, 4), _mm512_set1_epi8(0x0F));
    }
    // Vector `vector` of a row's block: the bytes that go into its lane.
    static void lane_bytes(const uint8_t* block, int vector, uint8_t* dst) {
        std::memcpy(dst, block + offsetof(BlockQ4_0, qs) + 4 * vector, 4);
    }
};

struct PackedQ8_0 {
    using Kind = Q8_0Kind;
    static constexpr size_t LEVEL_BYTES = 8 * 64;
    static constexpr int N_VECTORS = 8;
    static constexpr bool NIBBLES = false;
    static __m512i quad_levels(const uint8_t* levels, int quad, bool /*high_in_place*/) {
        return _mm512_loadu_si512(levels + 64 * quad);
    }
    static void lane_bytes(const uint8_t* block, int vector, uint8_t* dst) {
        for (int byte = 0; byte < 4; ++byte)
            dst[byte] = uint8_t(block[offsetof(BlockQ8_0, qs) + 4 * vector + byte] ^ 0x80);
    }
};

template <typename Packed>
constexpr size_t PACKED_PAIR_BYTES = 2 * (Packed::LEVEL_BYTES + PACKED_SCALE_BYTES);

template <typename Packed>
size_t packed_panel_bytes(int64_t n) {
    return size_t((n / QK + 1) / 2) * PACKED_PAIR_BYTES<Packed>;
}

// Where a block's level vectors and its 16 d start, from the start of its panel.
template <typename Packed>
size_t packed_level_offset(int64_t block_idx) {
    return size_t(block_idx / 2) * PACKED_PAIR_BYTES<Packed> +
           size_t(block_idx % 2) * Packed::LEVEL_BYTES;
}
template <typename Packed>
size_t packed_scale_offset(int64_t block_idx) {
    return size_t(block_idx / 2) * PACKED_PAIR_BYTES<Packed> + 2 * Packed::LEVEL_BYTES +
           size_t(block_idx % 2) * PACKED_SCALE_BYTES;
}

// sum + u . (the 4 bytes at a, in every lane): vpdpbusd with its embedded-broadcast operand.
// GCC 12 keeps _mm512_set1_epi32(load) as a separate vpbroadcastd; folding it removes 8 of the
// ~40 instructions of a Q4_0 block, which with the other cuts here took one core's decode
// stream from 0.77-0.84 to 0.99-1.13 of the read loop. `a` needs no alignment.
__attribute__((always_inline)) inline __m512i dpbusd_broadcast(__m512i sum, __m512i u,
                                                               const uint8_t* a) {
    using Bytes4 = struct { uint8_t bytes[4]; };
    asm("vpdpbusd %2%{1to16%}, %1, %0"
        : "+v"(sum)
        : "v"(u), "m"(*reinterpret_cast<const Bytes4*>(a)));
    return sum;
}

template <typename Packed, int NCOLS>
struct PackedMicro {
    using Act = ActLayout<false>;
    // Q4_0 with one or two columns (decode): a quad's high nibbles enter vpdpbusd as they lie
    // in the byte (16 x the level, one AND instead of a shift and an AND) into sums of their
    // own, shifted right by 4 once per block; the integer sum is the same, exactly. With more
    // columns the extra shift and add per column would cost more than the shifts saved.
    static constexpr bool SPLIT_HIGH = Packed::NIBBLES && NCOLS <= 2;
    // One or two columns (decode, and decode of two sequences) stream the panel once for few
    // instructions per byte: groups unrolled with constant offsets, vpdpbusd with an embedded
    // broadcast. With 3 or 4 columns the same code ran out of registers (pointers spilled;
    // 210 against 270 GMAC/s at 64 columns), so prefill keeps run_chains' loops.
    static constexpr bool FEW_COLUMNS = NCOLS <= 2;
    // With one or two columns, one accumulator per column would chain 8 dependent vpdpbusd per
    // block, and decode streams weights behind that latency: the sums are split in two chains
    // of 4 (for Q4_0 the low and the high nibbles), then added (exact). Four chains cost more
    // zeroing and adds than they hid.
    static constexpr int PARTIALS = NCOLS <= 2 ? 2 : 1;
    // Software prefetch distance into the panel (0: none). Prefetching past the end of the
    // buffer is harmless (prefetches do not fault).
    static constexpr size_t PREFETCH_BYTES = SOUVERAIN_PACKED_PREFETCH;

    const uint8_t* panel;
    const uint8_t* act_qs[NCOLS];
    const ColumnSide* side[NCOLS];
    __m512 acc[NCOLS][4];  // F32 [16 rows] per column and chain

    // The block at `levels` (its d at `scales`): block `block_idx` of the panel, the second of
    // its pair when SECOND. Offsets are compile-time constants in the unrolled group loop.
    template <int CHAIN, bool SECOND>
    __attribute__((always_inline)) void block_at(const uint8_t* levels, const uint8_t* scales,
                                                 int64_t block_idx) {
        if (PREFETCH_BYTES > 0) {
            // The block's lines, PREFETCH_BYTES ahead; the second block of a pair also takes
            // the pair's line of d.
            constexpr size_t LINES = Packed::LEVEL_BYTES / 64 + (SECOND ? 1 : 0);
            for (size_t line = 0; line < LINES; ++line)
                _mm_prefetch(reinterpret_cast<const char*>(levels + PREFETCH_BYTES + 64 * line),
                             _MM_HINT_T0);
            // Keeps the prefetches with their block: left free, GCC hoists a whole group's 72
            // to its start, and that burst held one core's stream to 0.75 of the read loop.
            asm volatile("");
        }
        __m512i isum[NCOLS][PARTIALS];  // I32 [16 rows] partial sums per column
        for (int col = 0; col < NCOLS; ++col) {
            isum[col][0] = _mm512_set1_epi32(side[col][block_idx].corr);
            for (int part = 1; part < PARTIALS; ++part) isum[col][part] = _mm512_setzero_si512();
        }
        for (int quad = 0; quad < 8; ++quad) {
            const __m512i u = Packed::quad_levels(levels, quad, SPLIT_HIGH);
            for (int col = 0; col < NCOLS; ++col) {
                const uint8_t* a = act_qs[col] + block_idx * Act::BLOCK_BYTES + 4 * quad;
                // SPLIT_HIGH: the low nibbles (quads 0-3) into sum 0, the high ones into sum 1.
                const int part = SPLIT_HIGH ? quad / 4 : quad % PARTIALS;
                if constexpr (FEW_COLUMNS) {
                    isum[col][part] = dpbusd_broadcast(isum[col][part], u, a);
                } else {
                    isum[col][part] = _mm512_dpbusd_epi32(isum[col][part], u,
                                                          _mm512_set1_epi32(int32_t(load_u32(a))));
                }
            }
        }
        const __m512 w_d = _mm512_cvtph_ps(load_256(scales));
        for (int col = 0; col < NCOLS; ++col) {
            __m512i total;
            if constexpr (SPLIT_HIGH) {
                static_assert(PARTIALS == 2);
                total = _mm512_add_epi32(isum[col][0], _mm512_srai_epi32(isum[col][1], 4));
            } else {
                total = isum[col][0];
                for (int part = 1; part < PARTIALS; ++part)
                    total = _mm512_add_epi32(total, isum[col][part]);
            }
            const __m512 x = _mm512_cvtepi32_ps(total);
            const __m512 scale = _mm512_mul_ps(w_d, _mm512_set1_ps(side[col][block_idx].d));
            acc[col][CHAIN] = _mm512_fmadd_ps(x, scale, acc[col][CHAIN]);
        }
    }

    template <int CHAIN>
    __attribute__((always_inline)) void block(int64_t block_idx) {
        const uint8_t* levels = panel + packed_level_offset<Packed>(block_idx);
        const uint8_t* scales = panel + packed_scale_offset<Packed>(block_idx);
        if (block_idx % 2 == 0)
            block_at<CHAIN, false>(levels, scales, block_idx);
        else
            block_at<CHAIN, true>(levels, scales, block_idx);
    }

    // Block I (0..15) of the group starting at block `first` (a multiple of 16), whose pairs
    // start at `group`.
    template <int I>
    __attribute__((always_inline)) void group_block(const uint8_t* group, int64_t first) {
        constexpr size_t PAIR = PACKED_PAIR_BYTES<Packed>;
        constexpr size_t LEVELS = (I / 2) * PAIR + (I % 2) * Packed::LEVEL_BYTES;
        constexpr size_t SCALES =
            (I / 2) * PAIR + 2 * Packed::LEVEL_BYTES + (I % 2) * PACKED_SCALE_BYTES;
        block_at<I / 4, I % 2 == 1>(group + LEVELS, group + SCALES, first + I);
        if constexpr (I + 1 < GROUP_BLOCKS) group_block<I + 1>(group, first);
    }

    // With few columns run_chains takes whole groups here, unrolled, so that every offset into
    // the panel is a constant: block I of the group at `first` advances chain I / 4, as there.
    void whole_group(int64_t first) requires FEW_COLUMNS {
        group_block<0>(panel + size_t(first / 2) * PACKED_PAIR_BYTES<Packed>, first);
    }

    void run(int64_t n_blocks, __m512* result) { run_chains<NCOLS>(*this, n_blocks, result); }
};

// Columns [col_begin, col_begin + NCOLS) of one panel.
template <typename Packed, int NCOLS>
void packed_columns(const uint8_t* panel, int64_t n_blocks, const uint8_t* act_bytes,
                    size_t act_stride, const ColumnSide* sides, int64_t col_begin, float* out,
                    size_t out_stride, __mmask16 store_mask) {
    using Act = ActLayout<false>;
    PackedMicro<Packed, NCOLS> micro;
    micro.panel = panel;
    for (int col = 0; col < NCOLS; ++col) {
        micro.act_qs[col] = act_bytes + (col_begin + col) * act_stride + Act::QS_OFFSET;
        micro.side[col] = sides + (col_begin + col) * n_blocks;
    }
    __m512 result[NCOLS];
    micro.run(n_blocks, result);
    for (int col = 0; col < NCOLS; ++col)
        _mm512_mask_storeu_ps(out + (col_begin + col) * out_stride, store_mask, result[col]);
}

template <typename Packed>
void pack_rows(int64_t n, const void* w, size_t w_stride, int64_t n_rows, void* dst) {
    using Kind = typename Packed::Kind;
    const int64_t n_blocks = n / QK;
    const size_t panel_bytes = packed_panel_bytes<Packed>(n);
    const int64_t n_panels = (n_rows + PANEL_ROWS - 1) / PANEL_ROWS;
    for (int64_t panel_idx = 0; panel_idx < n_panels; ++panel_idx) {
        uint8_t* panel = static_cast<uint8_t*>(dst) + size_t(panel_idx) * panel_bytes;
        if (n_blocks % 2 == 1)  // the padding block: levels 0 and d = 0
            std::memset(panel + panel_bytes - PACKED_PAIR_BYTES<Packed>, 0,
                        PACKED_PAIR_BYTES<Packed>);
        for (int row = 0; row < PANEL_ROWS; ++row) {
            const int64_t row_idx = panel_idx * PANEL_ROWS + row;
            for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
                uint8_t* level_dst = panel + packed_level_offset<Packed>(block_idx) + 4 * row;
                uint8_t* scale_dst = panel + packed_scale_offset<Packed>(block_idx) + 2 * row;
                if (row_idx >= n_rows) {  // padding rows: d = 0 (their results are not stored)
                    for (int vector = 0; vector < Packed::N_VECTORS; ++vector)
                        std::memset(level_dst + 64 * vector, 0, 4);
                    std::memset(scale_dst, 0, 2);
                    continue;
                }
                const uint8_t* block = static_cast<const uint8_t*>(w) + size_t(row_idx) * w_stride +
                                       block_idx * Kind::BLOCK_BYTES;
                std::memcpy(scale_dst, block, 2);
                for (int vector = 0; vector < Packed::N_VECTORS; ++vector)
                    Packed::lane_bytes(block, vector, level_dst + 64 * vector);
            }
        }
    }
}

size_t packed_scratch(int64_t n, int64_t n_cols) {
    return size_t(n_cols) * size_t(n / QK) * sizeof(ColumnSide) + 64;
}

// The side table in a buffer of packed_scratch bytes: 64-byte aligned inside it.
ColumnSide* aligned_sides(const void* buffer) {
    return reinterpret_cast<ColumnSide*>((reinterpret_cast<uintptr_t>(buffer) + 63) &
                                         ~uintptr_t(63));
}

template <typename Packed>
void prepare_packed(int64_t n, const void* act, size_t act_stride, int64_t n_cols, void* side) {
    const int64_t n_blocks = n / QK;
    ColumnSide* sides = aligned_sides(side);
    const uint8_t* act_bytes = static_cast<const uint8_t*>(act);
    for (int64_t col = 0; col < n_cols; ++col) {
        prepare_side<typename Packed::Kind>(act_bytes + col * act_stride, n_blocks,
                                            sides + col * n_blocks);
    }
}

template <typename Packed>
void gemm_packed_prepared(int64_t n, const void* panels, int64_t n_rows, const void* act,
                          size_t act_stride, int64_t n_cols, const void* side, float* out,
                          size_t out_stride) {
    if (n_rows <= 0 || n_cols <= 0) return;
    const int64_t n_blocks = n / QK;
    const size_t panel_bytes = packed_panel_bytes<Packed>(n);
    const ColumnSide* sides = aligned_sides(side);
    const uint8_t* act_bytes = static_cast<const uint8_t*>(act);
    for (int64_t row_begin = 0; row_begin < n_rows; row_begin += PANEL_ROWS) {
        const uint8_t* panel =
            static_cast<const uint8_t*>(panels) + size_t(row_begin / PANEL_ROWS) * panel_bytes;
        const int64_t n_valid = n_rows - row_begin < PANEL_ROWS ? n_rows - row_begin : PANEL_ROWS;
        const __mmask16 store_mask = __mmask16((1u << n_valid) - 1);
        float* panel_out = out + row_begin;
        int64_t col_begin = 0;
        for (; col_begin + MICRO_COLS <= n_cols; col_begin += MICRO_COLS) {
            packed_columns<Packed, MICRO_COLS>(panel, n_blocks, act_bytes, act_stride, sides,
                                               col_begin, panel_out, out_stride, store_mask);
        }
        switch (n_cols - col_begin) {
            case 1:
                packed_columns<Packed, 1>(panel, n_blocks, act_bytes, act_stride, sides, col_begin,
                                          panel_out, out_stride, store_mask);
                break;
            case 2:
                packed_columns<Packed, 2>(panel, n_blocks, act_bytes, act_stride, sides, col_begin,
                                          panel_out, out_stride, store_mask);
                break;
            case 3:
                packed_columns<Packed, 3>(panel, n_blocks, act_bytes, act_stride, sides, col_begin,
                                          panel_out, out_stride, store_mask);
                break;
            default:
                break;
        }
    }
}

template <typename Packed>
void gemm_packed(int64_t n, const void* panels, int64_t n_rows, const void* act, size_t act_stride,
                 int64_t n_cols, float* out, size_t out_stride, void* scratch) {
    if (n_rows <= 0 || n_cols <= 0) return;
    prepare_packed<Packed>(n, act, act_stride, n_cols, scratch);
    gemm_packed_prepared<Packed>(n, panels, n_rows, act, act_stride, n_cols, scratch, out,
                                 out_stride);
}

}  // namespace

size_t packed_q4_0_avx512_panel_bytes(int64_t n) {
    return packed_panel_bytes<PackedQ4_0>(n);
}
void pack_q4_0_avx512(int64_t n, const void* w, size_t w_stride, int64_t n_rows, void* dst) {
    pack_rows<PackedQ4_0>(n, w, w_stride, n_rows, dst);
}
void gemm_packed_q4_0_q8_0_avx512(int64_t n, const void* panels, int64_t n_rows, const void* act,
                                  size_t act_stride, int64_t n_cols, float* out, size_t out_stride,
                                  void* scratch) {
    gemm_packed<PackedQ4_0>(n, panels, n_rows, act, act_stride, n_cols, out, out_stride, scratch);
}
size_t gemm_packed_q4_0_q8_0_avx512_scratch(int64_t n, int64_t n_cols) {
    return packed_scratch(n, n_cols);
}
void prepare_q4_0_avx512(int64_t n, const void* act, size_t act_stride, int64_t n_cols,
                         void* side) {
    prepare_packed<PackedQ4_0>(n, act, act_stride, n_cols, side);
}
void gemm_packed_q4_0_q8_0_avx512_prepared(int64_t n, const void* panels, int64_t n_rows,
                                           const void* act, size_t act_stride, int64_t n_cols,
                                           const void* side, float* out, size_t out_stride) {
    gemm_packed_prepared<PackedQ4_0>(n, panels, n_rows, act, act_stride, n_cols, side, out,
                                     out_stride);
}

size_t packed_q8_0_avx512_panel_bytes(int64_t n) {
    return packed_panel_bytes<PackedQ8_0>(n);
}
void pack_q8_0_avx512(int64_t n, const void* w, size_t w_stride, int64_t n_rows, void* dst) {
    pack_rows<PackedQ8_0>(n, w, w_stride, n_rows, dst);
}
void gemm_packed_q8_0_q8_0_avx512(int64_t n, const void* panels, int64_t n_rows, const void* act,
                                  size_t act_stride, int64_t n_cols, float* out, size_t out_stride,
                                  void* scratch) {
    gemm_packed<PackedQ8_0>(n, panels, n_rows, act, act_stride, n_cols, out, out_stride, scratch);
}
size_t gemm_packed_q8_0_q8_0_avx512_scratch(int64_t n, int64_t n_cols) {
    return packed_scratch(n, n_cols);
}
void prepare_q8_0_avx512(int64_t n, const void* act, size_t act_stride, int64_t n_cols,
                         void* side) {
    prepare_packed<PackedQ8_0>(n, act, act_stride, n_cols, side);
}
void gemm_packed_q8_0_q8_0_avx512_prepared(int64_t n, const void* panels, int64_t n_rows,
                                           const void* act, size_t act_stride, int64_t n_cols,
                                           const void* side, float* out, size_t out_stride) {
    gemm_packed_prepared<PackedQ8_0>(n, panels, n_rows, act, act_stride, n_cols, side, out,
                                     out_stride);
}

}  // namespace souverain::kernels
