// AVX-512 (F/BW/VL/DQ + VNNI) dot kernels of the legacy types: Q4_0, Q5_0, Q8_0 against Q8_0
// and Q4_1, Q5_1 against Q8_1. Semantics: the scalar twins (kernels/generic/dot_legacy_scalar.cpp);
// the per-block integer sums are the same, only the float accumulation order differs.
//
// Layout of the work: a zmm register holds a pair of blocks (64 elements, 128-bit lanes = block 0
// elements 0..15 | 16..31 | block 1 elements 0..15 | 16..31), which is the activation order, so
// activations load without shuffles. vpdpbusd multiplies unsigned by signed bytes and sums groups
// of four into 16 int32 lanes, 8 per block: unsigned weight levels (Q4_1, Q5_1) go in directly;
// signed ones (Q4_0, Q5_0, Q8_0) as |w| against the activation negated where w < 0 (activation
// levels are never -128, see dot.cpp, so the negation is exact; |w| <= 128 fits a byte).
// A weight pair is decoded once and multiplied with every column (up to kMaxDotCols), which is
// what prefill needs.
//
// Scales: the fp16 fields of weights and activations sit 18..36 bytes apart. They are gathered
// with scalar loads into 64-bit words (the vector load ports are the busiest resource here: the
// unaligned activation pairs already cost about three load slots per pair and column) and
// converted by one vcvtph2ps for a whole step: one step fills an 8-float vector with the
// products d_w * d_a of every block and column it covers (4 pairs for one column, 2 for two, 1
// for three or four); one vpermps then spreads a pair's two scales over its 16 lanes.
//
// A trailing odd block is a pair whose second block is absent: its loads cover the first block
// only and the second block's levels and scales are zero, so nothing is read past the end of a
// row or column.
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

// The fp16 field at `offset` of both blocks of a pair (block 1 absent, 0, when TAIL), packed
// into 32 bits: block 0 in the low half.
template <bool TAIL>
uint64_t pair_halves(const uint8_t* pair, size_t block_bytes, size_t offset) {
    return load_u16(pair + offset) | (TAIL ? 0 : load_u16(pair + block_bytes + offset) << 16);
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

// The levels of a weight pair as the unsigned operand of vpdpbusd. Symmetric types: u = |w|
// and negative = the lanes where w < 0. Affine types: u = the unsigned levels.
struct WeightLevels {
    __m512i u;
    __mmask64 negative;
};

WeightLevels symmetric_levels(__m512i levels) {
    return {_mm512_abs_epi8(levels), _mm512_movepi8_mask(levels)};
}

// ---- Weight kinds: BLOCK_BYTES, AFFINE (has an offset m at byte 2) and levels<TAIL>(pair) ----

struct Q4_0Kind {
    static constexpr size_t BLOCK_BYTES = sizeof(BlockQ4_0);
    static constexpr bool AFFINE = false;
    template <bool TAIL>
    static WeightLevels levels(const uint8_t* p) {
        return symmetric_levels(
            _mm512_sub_epi8(nibbles_pair<TAIL>(p + 2, p + 20), _mm512_set1_epi8(8)));
    }
};

struct Q5_0Kind {
    static constexpr size_t BLOCK_BYTES = sizeof(BlockQ5_0);
    static constexpr bool AFFINE = false;
    template <bool TAIL>
    static WeightLevels levels(const uint8_t* p) {
        const __m512i nibbles = nibbles_pair<TAIL>(p + 6, p + 28);
        const uint64_t high = load_u32(p + 2) | (TAIL ? 0 : load_u32(p + 24) << 32);
        // level - 16: the nibble where bit 4 is set, nibble - 16 where it is not.
        return symmetric_levels(
            _mm512_mask_sub_epi8(nibbles, _cvtu64_mask64(~high), nibbles, _mm512_set1_epi8(16)));
    }
};

struct Q8_0Kind {
    static constexpr size_t BLOCK_BYTES = sizeof(BlockQ8_0);
    static constexpr bool AFFINE = false;
    template <bool TAIL>
    static WeightLevels levels(const uint8_t* p) {
        const __m256i first = load_256(p + 2);
        return symmetric_levels(
            TAIL ? _mm512_zextsi256_si512(first)
                 : _mm512_inserti64x4(_mm512_castsi256_si512(first), load_256(p + 36), 1));
    }
};

struct Q4_1Kind {
    static constexpr size_t BLOCK_BYTES = sizeof(BlockQ4_1);
    static constexpr bool AFFINE = true;
    template <bool TAIL>
    static WeightLevels levels(const uint8_t* p) {
        return {nibbles_pair<TAIL>(p + 4, p + 24), 0};
    }
};

struct Q5_1Kind {
    static constexpr size_t BLOCK_BYTES = sizeof(BlockQ5_1);
    static constexpr bool AFFINE = true;
    template <bool TAIL>
    static WeightLevels levels(const uint8_t* p) {
        const __m512i nibbles = nibbles_pair<TAIL>(p + 8, p + 32);
        const uint64_t high = load_u32(p + 4) | (TAIL ? 0 : load_u32(p + 28) << 32);
        return {_mm512_mask_add_epi8(nibbles, _cvtu64_mask64(high), nibbles, _mm512_set1_epi8(16)),
                0};
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

// Permutation indices [2k x8, 2k + 1 x8]: lanes 2k and 2k + 1 of a vector of block scales
// (block 0 and block 1 of one pair and column) spread over the two blocks' 8 lanes each.
__m512i pair_indices(int k) {
    return _mm512_add_epi32(_mm512_set1_epi32(2 * k),
                            _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1));
}

// Pairs handled per step: the per-block scales of a step fill one 8-float vector, converted and
// multiplied at once (4 pairs for one column, 2 for two, 1 for three or four).
template <int NCOLS>
constexpr int PAIRS_PER_STEP = NCOLS == 1   ? 4
                               : NCOLS == 2 ? 2
                                            : 1;

template <typename Kind, int NCOLS>
struct PairKernel {
    using Act = ActLayout<Kind::AFFINE>;
    static constexpr int PAIRS = PAIRS_PER_STEP<NCOLS>;

    const uint8_t* w;
    const uint8_t* act_cols[NCOLS];
    __m512i lane_indices[PAIRS * NCOLS];

    // Adds N_STEP_PAIRS pairs from first_pair on (N_STEP_PAIRS <= PAIRS; with TAIL, the last
    // one is a single block) into acc[pair_in_step % 2][col_idx] and, for the affine types, the
    // m * s terms into offsets.
    template <int N_STEP_PAIRS, bool TAIL>
    void accumulate(int64_t first_pair, __m512 (*acc)[NCOLS], __m256* offsets) const {
        // Lane 2 * (pair_in_step * NCOLS + col_idx) + block of the F32 [8] step vectors below
        // belongs to that block and column.
        uint64_t w_d[2] = {0, 0};
        uint64_t w_m[2] = {0, 0};
        uint64_t act_d[2] = {0, 0};
        uint64_t act_s[2] = {0, 0};
        for (int pair_in_step = 0; pair_in_step < N_STEP_PAIRS; ++pair_in_step) {
            const bool single = TAIL && pair_in_step == N_STEP_PAIRS - 1;
            const uint8_t* wp = w + 2 * (first_pair + pair_in_step) * Kind::BLOCK_BYTES;
            const uint64_t wd = single ? pair_halves<true>(wp, Kind::BLOCK_BYTES, 0)
                                       : pair_halves<false>(wp, Kind::BLOCK_BYTES, 0);
            uint64_t wm = 0;
            if constexpr (Kind::AFFINE) {
                wm = single ? pair_halves<true>(wp, Kind::BLOCK_BYTES, 2)
                            : pair_halves<false>(wp, Kind::BLOCK_BYTES, 2);
            }
            for (int col_idx = 0; col_idx < NCOLS; ++col_idx) {
                const int slot = pair_in_step * NCOLS + col_idx;
                const int shift = 32 * (slot % 2);
                const uint8_t* ap =
                    act_cols[col_idx] + 2 * (first_pair + pair_in_step) * Act::BLOCK_BYTES;
                w_d[slot / 2] |= wd << shift;
                act_d[slot / 2] |= (single ? pair_halves<true>(ap, Act::BLOCK_BYTES, 0)
                                           : pair_halves<false>(ap, Act::BLOCK_BYTES, 0))
                                   << shift;
                if constexpr (Kind::AFFINE) {
                    w_m[slot / 2] |= wm << shift;
                    act_s[slot / 2] |= (single ? pair_halves<true>(ap, Act::BLOCK_BYTES, 2)
                                               : pair_halves<false>(ap, Act::BLOCK_BYTES, 2))
                                       << shift;
                }
            }
        }
        const __m256 scales =
            _mm256_mul_ps(_mm256_cvtph_ps(_mm_set_epi64x(int64_t(act_d[1]), int64_t(act_d[0]))),
                          _mm256_cvtph_ps(_mm_set_epi64x(int64_t(w_d[1]), int64_t(w_d[0]))));
        if constexpr (Kind::AFFINE) {
            const __m256 sums =
                _mm256_cvtph_ps(_mm_set_epi64x(int64_t(act_s[1]), int64_t(act_s[0])));
            const __m256 mins = _mm256_cvtph_ps(_mm_set_epi64x(int64_t(w_m[1]), int64_t(w_m[0])));
            *offsets = _mm256_fmadd_ps(mins, sums, *offsets);
        }
        const __m512 scales_wide = _mm512_castps256_ps512(scales);  // upper half unused
        for (int pair_in_step = 0; pair_in_step < N_STEP_PAIRS; ++pair_in_step) {
            if (TAIL && pair_in_step == N_STEP_PAIRS - 1) {
                pair_columns<true>(first_pair + pair_in_step, pair_in_step, scales_wide,
                                   acc[pair_in_step % 2]);
            } else {
                pair_columns<false>(first_pair + pair_in_step, pair_in_step, scales_wide,
                                    acc[pair_in_step % 2]);
            }
        }
    }

    // One weight pair against every column.
    template <bool SINGLE>
    void pair_columns(int64_t pair_idx, int pair_in_step, __m512 scales_wide, __m512* acc) const {
        const WeightLevels levels =
            Kind::template levels<SINGLE>(w + 2 * pair_idx * Kind::BLOCK_BYTES);
        for (int col_idx = 0; col_idx < NCOLS; ++col_idx) {
            __m512i a =
                Act::template levels<SINGLE>(act_cols[col_idx] + 2 * pair_idx * Act::BLOCK_BYTES);
            if constexpr (!Kind::AFFINE) {
                a = _mm512_mask_sub_epi8(a, levels.negative, _mm512_setzero_si512(), a);
            }
            const __m512i isum = _mm512_dpbusd_epi32(_mm512_setzero_si512(), levels.u, a);
            const __m512 scale =
                _mm512_permutexvar_ps(lane_indices[pair_in_step * NCOLS + col_idx], scales_wide);
            acc[col_idx] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), scale, acc[col_idx]);
        }
    }
};

// kernel.accumulate<n_rest, TAIL> for a runtime n_rest in 0..Kernel::PAIRS.
template <typename Kernel, bool TAIL, typename Acc>
void accumulate_rest(const Kernel& kernel, int n_rest, int64_t first_pair, Acc acc,
                     __m256* offsets) {
    switch (n_rest) {
        case 1:
            return kernel.template accumulate<1, TAIL>(first_pair, acc, offsets);
        case 2:
            if constexpr (Kernel::PAIRS >= 2) {
                return kernel.template accumulate<2, TAIL>(first_pair, acc, offsets);
            }
            break;
        case 3:
            if constexpr (Kernel::PAIRS >= 3) {
                return kernel.template accumulate<3, TAIL>(first_pair, acc, offsets);
            }
            break;
        case 4:
            if constexpr (Kernel::PAIRS >= 4) {
                return kernel.template accumulate<4, TAIL>(first_pair, acc, offsets);
            }
            break;
        default:
            break;
    }
}

template <typename Kind, int NCOLS>
void dot_pairs(int64_t n, const void* w_row, const void* act, size_t act_stride, float* out) {
    using Kernel = PairKernel<Kind, NCOLS>;
    Kernel kernel;
    kernel.w = static_cast<const uint8_t*>(w_row);
    for (int slot = 0; slot < Kernel::PAIRS * NCOLS; ++slot)
        kernel.lane_indices[slot] = pair_indices(slot);
    // Two accumulator sets (even and odd pairs) hide the FMA latency when columns are few.
    __m512 acc[2][NCOLS];                  // F32 [16] lane partial sums of the scaled block sums
    __m256 offsets = _mm256_setzero_ps();  // F32 [8] partial sums of m * s (affine types)
    for (int col_idx = 0; col_idx < NCOLS; ++col_idx) {
        kernel.act_cols[col_idx] = static_cast<const uint8_t*>(act) + size_t(col_idx) * act_stride;
        acc[0][col_idx] = _mm512_setzero_ps();
        acc[1][col_idx] = _mm512_setzero_ps();
    }
    const int64_t n_blocks = n / QK;
    const int64_t n_pairs = n_blocks / 2;
    int64_t pair_idx = 0;
    for (; pair_idx + Kernel::PAIRS <= n_pairs; pair_idx += Kernel::PAIRS) {
        kernel.template accumulate<Kernel::PAIRS, false>(pair_idx, acc, &offsets);
    }
    // The remaining pairs and a trailing odd block (a pair whose second block is absent): at
    // most PAIRS of them.
    const int n_rest = int(n_pairs - pair_idx) + int(n_blocks % 2);
    if (n_blocks % 2 != 0) {
        accumulate_rest<Kernel, true>(kernel, n_rest, pair_idx, acc, &offsets);
    } else {
        accumulate_rest<Kernel, false>(kernel, n_rest, pair_idx, acc, &offsets);
    }
    alignas(32) float offset_lanes[8];
    _mm256_store_ps(offset_lanes, offsets);
    for (int col_idx = 0; col_idx < NCOLS; ++col_idx) {
        out[col_idx] = _mm512_reduce_add_ps(_mm512_add_ps(acc[0][col_idx], acc[1][col_idx]));
        if constexpr (Kind::AFFINE) {
            // Lanes 2 * (pair_in_step * NCOLS + col) + block of every step position.
            for (int pair_in_step = 0; pair_in_step < Kernel::PAIRS; ++pair_in_step) {
                const int slot = pair_in_step * NCOLS + col_idx;
                out[col_idx] += offset_lanes[2 * slot] + offset_lanes[2 * slot + 1];
            }
        }
    }
}

template <typename Kind>
void dot_cols(int64_t n, const void* w_row, const void* act, size_t act_stride, int n_cols,
              float* out) {
    switch (n_cols) {
        case 1:
            return dot_pairs<Kind, 1>(n, w_row, act, act_stride, out);
        case 2:
            return dot_pairs<Kind, 2>(n, w_row, act, act_stride, out);
        case 3:
            return dot_pairs<Kind, 3>(n, w_row, act, act_stride, out);
        default:
            return dot_pairs<Kind, 4>(n, w_row, act, act_stride, out);
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

}  // namespace souverain::kernels
