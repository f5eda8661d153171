// AVX2 (+ FMA, F16C) dot kernels of the legacy types: Q4_0, Q5_0, Q8_0 against Q8_0 and Q4_1,
// Q5_1 against Q8_1. Semantics: the scalar twins (kernels/generic/dot_legacy_scalar.cpp); the
// per-block integer sums are the same, only the float accumulation order differs.
//
// One block (32 elements) fills a ymm register. Signed weight levels are multiplied with the
// "sign trick": maddubs(|w|, sign(a, w)) equals w * a pairwise, because |w| <= 128 fits the
// unsigned operand and -a fits int8 (activation levels are never -128, see dot.cpp); the pairs
// (at most 2 * 128 * 127 in magnitude) never saturate int16. Unsigned levels (Q4_1, Q5_1) go to
// maddubs directly.
//
// Scales: a step of 8 blocks gathers the fp16 fields of its blocks with scalar loads into 64-bit
// words and converts them with one vcvtph2ps per field and column; each block and column then
// broadcasts its d_w * d_a from memory.
//
// This file is compiled with -mavx2 -mfma -mf16c and called only on CPUs that have them; it
// defines nothing inline outside its anonymous namespace and calls no shared inline function
// (see the ODR note in CMakeLists.txt), so no AVX2 copy of a shared function can leak out.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/dot_impl.h"

namespace souverain::kernels {

namespace {

constexpr int QK = 32;
constexpr size_t Q8_0_BYTES = sizeof(BlockQ8_0);
constexpr size_t Q8_1_BYTES = sizeof(BlockQ8_1);

uint64_t load_u16(const uint8_t* p) {
    uint16_t bits;
    std::memcpy(&bits, p, 2);
    return bits;
}

uint32_t load_u32(const uint8_t* p) {
    uint32_t bits;
    std::memcpy(&bits, p, 4);
    return bits;
}

__m256i load_256(const uint8_t* p) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

// The 32 nibbles of 16 packed bytes in element order: low nibbles, then high nibbles.
__m256i nibbles_32(const uint8_t* qs) {
    const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
    const __m256i both = _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed);
    return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

// 0xFF in byte e where bit e of the little-endian 32-bit qh is set, 0 elsewhere.
__m256i bits_to_bytes(const uint8_t* qh) {
    const __m256i spread = _mm256_shuffle_epi8(
        _mm256_set1_epi32(int(load_u32(qh))),
        _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0));
    // Byte e now holds qh byte e / 8; set every bit but bit e % 8 and compare with all-ones.
    const __m256i others = _mm256_set1_epi64x(int64_t(0x7FBFDFEFF7FBFDFEull));
    return _mm256_cmpeq_epi8(_mm256_or_si256(spread, others), _mm256_set1_epi8(-1));
}

float horizontal_sum(__m256 v) {
    __m128 sum = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
    sum = _mm_add_ss(sum, _mm_movehdup_ps(sum));
    return _mm_cvtss_f32(sum);
}

// Eight packed fp16 values (four per uint64, lowest first) as float.
__m256 halves_to_float(const uint64_t* packed) {
    return _mm256_cvtph_ps(_mm_set_epi64x(int64_t(packed[1]), int64_t(packed[0])));
}

// 8 int32 partial sums of u8 x s8 products (4 adjacent pairs each).
__m256i dot_u8_s8(__m256i u, __m256i s) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

// ---- Weight kinds: BLOCK_BYTES, AFFINE (offset m at byte 2) and levels(block) ----
// Symmetric kinds return the signed levels w (applied with the sign trick), affine kinds the
// unsigned levels.

// OFFSET: the register-blocked kernel multiplies u = w + OFFSET (unsigned) and corrects with
// OFFSET * sum(a); 0 means the sign trick there too (Q8_0: w + 128 would overflow maddubs).
// MADDUBS_GROUP: how many maddubs results of u in [0, 2 * OFFSET) may be summed in int16
// (2 * 15 * 127 * 8 and 2 * 31 * 127 * 4 stay below 2^15).
struct Q4_0Kind {
    static constexpr size_t BLOCK_BYTES = sizeof(BlockQ4_0);
    static constexpr bool AFFINE = false;
    static constexpr int OFFSET = 8;
    static constexpr int MADDUBS_GROUP = 8;
    static __m256i levels(const uint8_t* block) {
        return _mm256_sub_epi8(nibbles_32(block + 2), _mm256_set1_epi8(8));
    }
};

struct Q5_0Kind {
    static constexpr size_t BLOCK_BYTES = sizeof(BlockQ5_0);
    static constexpr bool AFFINE = false;
    static constexpr int OFFSET = 16;
    static constexpr int MADDUBS_GROUP = 4;
    static __m256i levels(const uint8_t* block) {
        // level - 16 = nibble where bit 4 is set, nibble - 16 (nibble | 0xF0 as int8) where not.
        const __m256i high_clear =
            _mm256_andnot_si256(bits_to_bytes(block + 2), _mm256_set1_epi8(int8_t(0xF0)));
        return _mm256_or_si256(nibbles_32(block + 6), high_clear);
    }
};

struct Q8_0Kind {
    static constexpr size_t BLOCK_BYTES = sizeof(BlockQ8_0);
    static constexpr bool AFFINE = false;
    static constexpr int OFFSET = 0;
    static constexpr int MADDUBS_GROUP = 1;
    static __m256i levels(const uint8_t* block) { return load_256(block + 2); }
};

struct Q4_1Kind {
    static constexpr size_t BLOCK_BYTES = sizeof(BlockQ4_1);
    static constexpr bool AFFINE = true;
    static constexpr int OFFSET = 0;
    static constexpr int MADDUBS_GROUP = 8;
    static __m256i levels(const uint8_t* block) { return nibbles_32(block + 4); }
};

struct Q5_1Kind {
    static constexpr size_t BLOCK_BYTES = sizeof(BlockQ5_1);
    static constexpr bool AFFINE = true;
    static constexpr int OFFSET = 0;
    static constexpr int MADDUBS_GROUP = 4;
    static __m256i levels(const uint8_t* block) {
        const __m256i high = _mm256_and_si256(bits_to_bytes(block + 4), _mm256_set1_epi8(0x10));
        return _mm256_or_si256(nibbles_32(block + 8), high);
    }
};

// Blocks per step: the fp16 scales of a step's blocks fill one 8-float vector per column.
//
// The arithmetic of one (row, column) dot, the same for every column count (continuous
// batching, dot.h) and the one the register-blocked kernels below reproduce bit for bit: per
// block b the exact int32 block sum isum_b and s_b = d_w * d_a; eight float chains, chain
// b % 8 taking the blocks in order, from +0:
//   chain = fma(float(isum_b), s_b, chain)                      symmetric types
//   chain = chain + fma(float(isum_b), s_b, m_w * s_a)          affine types
// and the result is ((c0 + c4) + (c2 + c6)) + ((c1 + c5) + (c3 + c7)). The 8 partial sums per
// block that maddubs/madd leave are folded exactly (vphaddd) into one vector of the step's
// 8 block sums, lane = block, which meets the step's scale vector in one FMA. Blocks past the
// end of a row add 0 * 0, which leaves a chain unchanged (chains start at +0 and, in round-to-
// nearest, never become -0).
constexpr int STEP = 8;

// The exact sums of 8 vectors of 8 int32 partial sums (v[b]: block b) as lane b.
__m256i fold_blocks(const __m256i* v) {
    const __m256i h01 = _mm256_hadd_epi32(v[0], v[1]);
    const __m256i h23 = _mm256_hadd_epi32(v[2], v[3]);
    const __m256i h45 = _mm256_hadd_epi32(v[4], v[5]);
    const __m256i h67 = _mm256_hadd_epi32(v[6], v[7]);
    const __m256i g0 = _mm256_hadd_epi32(h01, h23);  // [b0..b3 low halves | b0..b3 high halves]
    const __m256i g1 = _mm256_hadd_epi32(h45, h67);
    return _mm256_add_epi32(_mm256_permute2x128_si256(g0, g1, 0x20),
                            _mm256_permute2x128_si256(g0, g1, 0x31));
}

template <typename Kind, int NCOLS>
struct BlockKernel {
    static constexpr size_t ACT_BLOCK_BYTES = Kind::AFFINE ? Q8_1_BYTES : Q8_0_BYTES;
    static constexpr size_t ACT_QS_OFFSET = Kind::AFFINE ? 4 : 2;

    const uint8_t* w;
    const uint8_t* act_cols[NCOLS];

    // Adds N_BLOCKS (<= STEP) blocks from first_block on into chains[col_idx]. Always inlined
    // into the loop over steps, so that the chains stay in registers.
    template <int N_BLOCKS>
    __attribute__((always_inline)) void accumulate(int64_t first_block, __m256* chains) const {
        // Lane block of these vectors belongs to that block; the fp16 fields are gathered with
        // scalar loads and converted by one vcvtph2ps per field and column.
        uint64_t w_d[2] = {0, 0};
        uint64_t w_m[2] = {0, 0};
        uint64_t act_d[NCOLS][2] = {};
        uint64_t act_s[NCOLS][2] = {};
        for (int block_in_step = 0; block_in_step < N_BLOCKS; ++block_in_step) {
            const int shift = 16 * (block_in_step % 4);
            const uint8_t* wb = w + (first_block + block_in_step) * Kind::BLOCK_BYTES;
            w_d[block_in_step / 4] |= load_u16(wb) << shift;
            if constexpr (Kind::AFFINE) w_m[block_in_step / 4] |= load_u16(wb + 2) << shift;
            for (int col_idx = 0; col_idx < NCOLS; ++col_idx) {
                const uint8_t* ab =
                    act_cols[col_idx] + (first_block + block_in_step) * ACT_BLOCK_BYTES;
                act_d[col_idx][block_in_step / 4] |= load_u16(ab) << shift;
                if constexpr (Kind::AFFINE) act_s[col_idx][block_in_step / 4] |= load_u16(ab + 2) << shift;
            }
        }
        __m256i sums[NCOLS][STEP];  // int32 [8] partial sums per column and block
        for (int block_in_step = 0; block_in_step < STEP; ++block_in_step) {
            if (block_in_step >= N_BLOCKS) {
                for (int col_idx = 0; col_idx < NCOLS; ++col_idx)
                    sums[col_idx][block_in_step] = _mm256_setzero_si256();
                continue;
            }
            const int64_t block_idx = first_block + block_in_step;
            const __m256i levels = Kind::levels(w + block_idx * Kind::BLOCK_BYTES);
            const __m256i magnitude = _mm256_sign_epi8(levels, levels);  // symmetric kinds only
            for (int col_idx = 0; col_idx < NCOLS; ++col_idx) {
                const __m256i a =
                    load_256(act_cols[col_idx] + block_idx * ACT_BLOCK_BYTES + ACT_QS_OFFSET);
                if constexpr (Kind::AFFINE) {
                    sums[col_idx][block_in_step] = dot_u8_s8(levels, a);
                } else {
                    sums[col_idx][block_in_step] = dot_u8_s8(magnitude, _mm256_sign_epi8(a, levels));
                }
            }
        }
        const __m256 w_scale = halves_to_float(w_d);
        for (int col_idx = 0; col_idx < NCOLS; ++col_idx) {
            const __m256 x = _mm256_cvtepi32_ps(fold_blocks(sums[col_idx]));
            const __m256 scale = _mm256_mul_ps(w_scale, halves_to_float(act_d[col_idx]));
            if constexpr (Kind::AFFINE) {
                const __m256 value = _mm256_fmadd_ps(
                    x, scale, _mm256_mul_ps(halves_to_float(w_m), halves_to_float(act_s[col_idx])));
                chains[col_idx] = _mm256_add_ps(chains[col_idx], value);
            } else {
                chains[col_idx] = _mm256_fmadd_ps(x, scale, chains[col_idx]);
            }
        }
    }

    // accumulate<n_rest> for a runtime n_rest in 1 .. STEP - 1.
    void accumulate_rest(int n_rest, int64_t first_block, __m256* chains) const {
        switch (n_rest) {
            case 1: return accumulate<1>(first_block, chains);
            case 2: return accumulate<2>(first_block, chains);
            case 3: return accumulate<3>(first_block, chains);
            case 4: return accumulate<4>(first_block, chains);
            case 5: return accumulate<5>(first_block, chains);
            case 6: return accumulate<6>(first_block, chains);
            default: return accumulate<7>(first_block, chains);
        }
    }
};

template <typename Kind, int NCOLS>
void dot_blocks(int64_t n, const void* w_row, const void* act, size_t act_stride, float* out) {
    using Kernel = BlockKernel<Kind, NCOLS>;
    Kernel kernel;
    kernel.w = static_cast<const uint8_t*>(w_row);
    __m256 chains[NCOLS];  // F32 [8] per column: chain b % 8 in lane b % 8
    for (int col_idx = 0; col_idx < NCOLS; ++col_idx) {
        kernel.act_cols[col_idx] = static_cast<const uint8_t*>(act) + size_t(col_idx) * act_stride;
        chains[col_idx] = _mm256_setzero_ps();
    }
    const int64_t n_blocks = n / QK;
    int64_t block_idx = 0;
    for (; block_idx + STEP <= n_blocks; block_idx += STEP) {
        kernel.template accumulate<STEP>(block_idx, chains);
    }
    if (block_idx < n_blocks) kernel.accumulate_rest(int(n_blocks - block_idx), block_idx, chains);
    for (int col_idx = 0; col_idx < NCOLS; ++col_idx) out[col_idx] = horizontal_sum(chains[col_idx]);
}

template <int N>
struct Cols {
    static constexpr int value = N;
};

// Calls fn(Cols<n_cols>{}) so that kernels are instantiated per column count (1..kMaxDotCols).
template <typename Fn>
void with_cols(int n_cols, Fn&& fn) {
    switch (n_cols) {
        case 1:
            return fn(Cols<1>{});
        case 2:
            return fn(Cols<2>{});
        case 3:
            return fn(Cols<3>{});
        default:
            return fn(Cols<4>{});
    }
}

// ---- Register-blocked matmul (prefill) ----
//
// gemm_tile<Kind> computes every (row, column) of a tile with exactly the arithmetic of the dot
// above, so each value is bit for bit the single-row, single-column dot; only the work is
// arranged differently. 8 weight rows form a panel (lane = row), packed once per call and reused
// by all its columns: per block, 8 vectors whose lane r holds the 4 unsigned levels
// u = w + OFFSET of elements 4j .. 4j + 3 of row r (vector j) - Q8_0: |w|, then 8 more with w
// itself for the sign trick - then d_w (and m_w) of the 8 rows as float. Activations stay in
// place (4 levels broadcast at a time); a side table per column and block holds d_a, the
// -OFFSET * sum(qs) correction and s_a. The microkernel takes 4 columns; each block's 8 chains
// of the 8 rows x 4 columns live in memory (one load and store per block and column).

constexpr int PANEL_ROWS = 8;
constexpr int MICRO_COLS = 4;

// Per column and block.
struct ColumnSide {
    float d;       // d_a
    int32_t corr;  // -OFFSET * sum(qs)
    float s;       // s_a (affine types)
    int32_t unused;
};

template <typename Kind>
constexpr bool SIGN_TRICK = !Kind::AFFINE && Kind::OFFSET == 0;

template <typename Kind>
constexpr size_t PANEL_BLOCK_BYTES = (SIGN_TRICK<Kind> ? 16 : 8) * 32 + 32 + (Kind::AFFINE ? 32 : 0);

template <typename Kind>
size_t gemm_scratch(int64_t n, int64_t n_cols) {
    const size_t n_blocks = size_t(n / QK);
    return 32 + n_blocks * PANEL_BLOCK_BYTES<Kind> + size_t(n_cols) * n_blocks * sizeof(ColumnSide);
}

template <typename Kind>
void prepare_side(const uint8_t* act_col, int64_t n_blocks, ColumnSide* side) {
    constexpr size_t ACT_BLOCK_BYTES = Kind::AFFINE ? Q8_1_BYTES : Q8_0_BYTES;
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        const uint8_t* block = act_col + block_idx * ACT_BLOCK_BYTES;
        ColumnSide entry = {_cvtsh_ss(uint16_t(load_u16(block))), 0, 0.0f, 0};
        if constexpr (Kind::AFFINE) entry.s = _cvtsh_ss(uint16_t(load_u16(block + 2)));
        if constexpr (Kind::OFFSET != 0) {
            // sum(qs) through psadbw on qs + 128 (unsigned), minus 32 * 128.
            const __m256i sums = _mm256_sad_epu8(
                _mm256_xor_si256(load_256(block + 2), _mm256_set1_epi8(char(0x80))),
                _mm256_setzero_si256());
            const __m128i half = _mm_add_epi64(_mm256_castsi256_si128(sums),
                                               _mm256_extracti128_si256(sums, 1));
            const int64_t total =
                _mm_cvtsi128_si64(_mm_add_epi64(half, _mm_unpackhi_epi64(half, half)));
            entry.corr = -Kind::OFFSET * int32_t(total - 32 * 128);
        }
        side[block_idx] = entry;
    }
}

// 8 rows of 8 dwords (r[i]) to out[j] = dword j of every row, lane i = row i.
void transpose_8x8(const __m256i* r, uint8_t* out) {
    const __m256i t0 = _mm256_unpacklo_epi32(r[0], r[1]);
    const __m256i t1 = _mm256_unpackhi_epi32(r[0], r[1]);
    const __m256i t2 = _mm256_unpacklo_epi32(r[2], r[3]);
    const __m256i t3 = _mm256_unpackhi_epi32(r[2], r[3]);
    const __m256i t4 = _mm256_unpacklo_epi32(r[4], r[5]);
    const __m256i t5 = _mm256_unpackhi_epi32(r[4], r[5]);
    const __m256i t6 = _mm256_unpacklo_epi32(r[6], r[7]);
    const __m256i t7 = _mm256_unpackhi_epi32(r[6], r[7]);
    // u[e] (e < 4), 128-bit lane L: dword 4L + e of rows 0..3; u[4 + e]: of rows 4..7.
    const __m256i u[8] = {
        _mm256_unpacklo_epi64(t0, t2), _mm256_unpackhi_epi64(t0, t2),
        _mm256_unpacklo_epi64(t1, t3), _mm256_unpackhi_epi64(t1, t3),
        _mm256_unpacklo_epi64(t4, t6), _mm256_unpackhi_epi64(t4, t6),
        _mm256_unpacklo_epi64(t5, t7), _mm256_unpackhi_epi64(t5, t7)};
    for (int e = 0; e < 4; ++e) {
        _mm256_store_si256(reinterpret_cast<__m256i*>(out + 32 * e),
                           _mm256_permute2x128_si256(u[e], u[4 + e], 0x20));
        _mm256_store_si256(reinterpret_cast<__m256i*>(out + 32 * (4 + e)),
                           _mm256_permute2x128_si256(u[e], u[4 + e], 0x31));
    }
}

// Packs rows [0, n_valid) (w_stride bytes apart) into panel; rows past n_valid repeat the last
// valid one (their results are not stored).
template <typename Kind>
void pack_panel(const uint8_t* w, size_t w_stride, int n_valid, int64_t n_blocks, uint8_t* panel) {
    constexpr size_t PBB = PANEL_BLOCK_BYTES<Kind>;
    constexpr size_t LEVEL_BYTES = (SIGN_TRICK<Kind> ? 16 : 8) * 32;
    const uint8_t* rows[PANEL_ROWS];
    for (int row = 0; row < PANEL_ROWS; ++row)
        rows[row] = w + size_t(row < n_valid ? row : n_valid - 1) * w_stride;
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        uint8_t* out = panel + block_idx * PBB;
        __m256i levels[PANEL_ROWS];
        for (int row = 0; row < PANEL_ROWS; ++row) {
            levels[row] = Kind::levels(rows[row] + block_idx * Kind::BLOCK_BYTES);
            if constexpr (Kind::OFFSET != 0) {
                levels[row] = _mm256_add_epi8(levels[row], _mm256_set1_epi8(char(Kind::OFFSET)));
            }
        }
        if constexpr (SIGN_TRICK<Kind>) {
            __m256i magnitudes[PANEL_ROWS];
            for (int row = 0; row < PANEL_ROWS; ++row)
                magnitudes[row] = _mm256_sign_epi8(levels[row], levels[row]);
            transpose_8x8(magnitudes, out);
            transpose_8x8(levels, out + 8 * 32);
        } else {
            transpose_8x8(levels, out);
        }
        alignas(32) float d[PANEL_ROWS];
        alignas(32) float m[PANEL_ROWS];
        for (int row = 0; row < PANEL_ROWS; ++row) {
            const uint8_t* block = rows[row] + block_idx * Kind::BLOCK_BYTES;
            d[row] = _cvtsh_ss(uint16_t(load_u16(block)));
            if constexpr (Kind::AFFINE) m[row] = _cvtsh_ss(uint16_t(load_u16(block + 2)));
        }
        _mm256_store_ps(reinterpret_cast<float*>(out + LEVEL_BYTES), _mm256_load_ps(d));
        if constexpr (Kind::AFFINE) {
            _mm256_store_ps(reinterpret_cast<float*>(out + LEVEL_BYTES + 32), _mm256_load_ps(m));
        }
    }
}

template <typename Kind>
struct MicroKernel {
    static constexpr size_t ACT_BLOCK_BYTES = Kind::AFFINE ? Q8_1_BYTES : Q8_0_BYTES;
    static constexpr size_t ACT_QS_OFFSET = Kind::AFFINE ? 4 : 2;
    static constexpr size_t PBB = PANEL_BLOCK_BYTES<Kind>;
    static constexpr size_t LEVEL_BYTES = (SIGN_TRICK<Kind> ? 16 : 8) * 32;

    const uint8_t* panel;
    const uint8_t* act[MICRO_COLS];
    const ColumnSide* side[MICRO_COLS];
    __m256 chains[MICRO_COLS][STEP];  // F32 [8 rows] per column and chain

    __attribute__((always_inline)) void block(int64_t block_idx, int chain) {
        const uint8_t* packed = panel + block_idx * PBB;
        const __m256i ones = _mm256_set1_epi16(1);
        __m256i isum[MICRO_COLS];
        for (int col = 0; col < MICRO_COLS; ++col)
            isum[col] = _mm256_set1_epi32(side[col][block_idx].corr);
        for (int first = 0; first < 8; first += Kind::MADDUBS_GROUP) {
            __m256i pairs[MICRO_COLS];  // int16 sums of MADDUBS_GROUP maddubs results
            for (int quad = first; quad < first + Kind::MADDUBS_GROUP; ++quad) {
                const __m256i u = _mm256_load_si256(reinterpret_cast<const __m256i*>(packed + 32 * quad));
                __m256i signs = _mm256_setzero_si256();
                if constexpr (SIGN_TRICK<Kind>) {
                    signs = _mm256_load_si256(reinterpret_cast<const __m256i*>(packed + 32 * (8 + quad)));
                }
                for (int col = 0; col < MICRO_COLS; ++col) {
                    __m256i a = _mm256_set1_epi32(int(load_u32(
                        act[col] + block_idx * ACT_BLOCK_BYTES + ACT_QS_OFFSET + 4 * quad)));
                    if constexpr (SIGN_TRICK<Kind>) a = _mm256_sign_epi8(a, signs);
                    const __m256i products = _mm256_maddubs_epi16(u, a);
                    pairs[col] = quad == first ? products : _mm256_add_epi16(pairs[col], products);
                }
            }
            for (int col = 0; col < MICRO_COLS; ++col)
                isum[col] = _mm256_add_epi32(isum[col], _mm256_madd_epi16(pairs[col], ones));
        }
        const __m256 w_d = _mm256_load_ps(reinterpret_cast<const float*>(packed + LEVEL_BYTES));
        for (int col = 0; col < MICRO_COLS; ++col) {
            const __m256 x = _mm256_cvtepi32_ps(isum[col]);
            const __m256 scale = _mm256_mul_ps(w_d, _mm256_set1_ps(side[col][block_idx].d));
            if constexpr (Kind::AFFINE) {
                const __m256 w_m =
                    _mm256_load_ps(reinterpret_cast<const float*>(packed + LEVEL_BYTES + 32));
                const __m256 value = _mm256_fmadd_ps(
                    x, scale, _mm256_mul_ps(w_m, _mm256_set1_ps(side[col][block_idx].s)));
                chains[col][chain] = _mm256_add_ps(chains[col][chain], value);
            } else {
                chains[col][chain] = _mm256_fmadd_ps(x, scale, chains[col][chain]);
            }
        }
    }

    void run(int64_t n_blocks, __m256* result) {
        for (int col = 0; col < MICRO_COLS; ++col)
            for (int chain = 0; chain < STEP; ++chain) chains[col][chain] = _mm256_setzero_ps();
        for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx)
            block(block_idx, int(block_idx % STEP));
        // ((c0 + c4) + (c2 + c6)) + ((c1 + c5) + (c3 + c7)), as horizontal_sum.
        for (int col = 0; col < MICRO_COLS; ++col) {
            const __m256* c = chains[col];
            result[col] = _mm256_add_ps(
                _mm256_add_ps(_mm256_add_ps(c[0], c[4]), _mm256_add_ps(c[2], c[6])),
                _mm256_add_ps(_mm256_add_ps(c[1], c[5]), _mm256_add_ps(c[3], c[7])));
        }
    }
};

template <typename Kind>
void gemm_tile(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act,
               size_t act_stride, int64_t n_cols, float* out, size_t out_stride, void* scratch) {
    constexpr size_t ACT_BLOCK_BYTES = Kind::AFFINE ? Q8_1_BYTES : Q8_0_BYTES;
    (void)ACT_BLOCK_BYTES;
    if (n_rows <= 0 || n_cols <= 0) return;
    const int64_t n_blocks = n / QK;
    uint8_t* panel = reinterpret_cast<uint8_t*>(
        (reinterpret_cast<uintptr_t>(scratch) + 31) & ~uintptr_t(31));
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
        for (int64_t col_begin = 0; col_begin < n_cols; col_begin += MICRO_COLS) {
            const int n_micro = int(n_cols - col_begin < MICRO_COLS ? n_cols - col_begin : MICRO_COLS);
            for (int col = 0; col < MICRO_COLS; ++col) {
                // Missing columns repeat the last one; their results are not stored.
                const int64_t source = col_begin + (col < n_micro ? col : n_micro - 1);
                micro.act[col] = act_bytes + source * act_stride;
                micro.side[col] = sides + source * n_blocks;
            }
            __m256 result[MICRO_COLS];
            micro.run(n_blocks, result);
            for (int col = 0; col < n_micro; ++col) {
                alignas(32) float values[PANEL_ROWS];
                _mm256_store_ps(values, result[col]);
                float* dst = out + (col_begin + col) * out_stride + row_begin;
                for (int row = 0; row < n_valid; ++row) dst[row] = values[row];
            }
        }
    }
}

}  // namespace

#define SOUVERAIN_LEGACY_KERNEL(NAME, KIND)                                                 \
    void NAME(int64_t n, const void* w_row, const void* act, size_t act_stride, int n_cols, \
              float* out) {                                                                 \
        with_cols(n_cols, [&](auto cols) {                                                  \
            dot_blocks<KIND, decltype(cols)::value>(n, w_row, act, act_stride, out);        \
        });                                                                                 \
    }

SOUVERAIN_LEGACY_KERNEL(dot_q4_0_q8_0_avx2, Q4_0Kind)
SOUVERAIN_LEGACY_KERNEL(dot_q5_0_q8_0_avx2, Q5_0Kind)
SOUVERAIN_LEGACY_KERNEL(dot_q8_0_q8_0_avx2, Q8_0Kind)
SOUVERAIN_LEGACY_KERNEL(dot_q4_1_q8_1_avx2, Q4_1Kind)
SOUVERAIN_LEGACY_KERNEL(dot_q5_1_q8_1_avx2, Q5_1Kind)

#undef SOUVERAIN_LEGACY_KERNEL

#define SOUVERAIN_LEGACY_GEMM(NAME, KIND)                                                      \
    void NAME(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act,        \
              size_t act_stride, int64_t n_cols, float* out, size_t out_stride, void* scratch) { \
        gemm_tile<KIND>(n, w, w_stride, n_rows, act, act_stride, n_cols, out, out_stride,         \
                        scratch);                                                                \
    }                                                                                            \
    size_t NAME##_scratch(int64_t n, int64_t n_cols) { return gemm_scratch<KIND>(n, n_cols); }

SOUVERAIN_LEGACY_GEMM(gemm_q4_0_q8_0_avx2, Q4_0Kind)
SOUVERAIN_LEGACY_GEMM(gemm_q5_0_q8_0_avx2, Q5_0Kind)
SOUVERAIN_LEGACY_GEMM(gemm_q8_0_q8_0_avx2, Q8_0Kind)
SOUVERAIN_LEGACY_GEMM(gemm_q4_1_q8_1_avx2, Q4_1Kind)
SOUVERAIN_LEGACY_GEMM(gemm_q5_1_q8_1_avx2, Q5_1Kind)

#undef SOUVERAIN_LEGACY_GEMM

}  // namespace souverain::kernels
