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

struct Q4_0Kind {
    static constexpr size_t BLOCK_BYTES = sizeof(BlockQ4_0);
    static constexpr bool AFFINE = false;
    static __m256i levels(const uint8_t* block) {
        return _mm256_sub_epi8(nibbles_32(block + 2), _mm256_set1_epi8(8));
    }
};

struct Q5_0Kind {
    static constexpr size_t BLOCK_BYTES = sizeof(BlockQ5_0);
    static constexpr bool AFFINE = false;
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
    static __m256i levels(const uint8_t* block) { return load_256(block + 2); }
};

struct Q4_1Kind {
    static constexpr size_t BLOCK_BYTES = sizeof(BlockQ4_1);
    static constexpr bool AFFINE = true;
    static __m256i levels(const uint8_t* block) { return nibbles_32(block + 4); }
};

struct Q5_1Kind {
    static constexpr size_t BLOCK_BYTES = sizeof(BlockQ5_1);
    static constexpr bool AFFINE = true;
    static __m256i levels(const uint8_t* block) {
        const __m256i high = _mm256_and_si256(bits_to_bytes(block + 4), _mm256_set1_epi8(0x10));
        return _mm256_or_si256(nibbles_32(block + 8), high);
    }
};

// Blocks per step: the fp16 scales of a step's blocks fill one 8-float vector per column.
//
// The arithmetic of one (row, column) dot is the same for every column count (continuous
// batching, dot.h): block b is added to chain b % 2 as fma(float(isum lanes), d_w * d_a, chain),
// the affine offsets m_w * s_a to an 8-lane vector at lane b % 8 (fma, from +0), and the result
// is hsum(chain 0 + chain 1) + offset lanes 0..7 in order. Blocks past the end of a row add +0
// to the offsets (0 * 0), which leaves them unchanged.
constexpr int STEP = 8;

template <typename Kind, int NCOLS>
struct BlockKernel {
    static constexpr size_t ACT_BLOCK_BYTES = Kind::AFFINE ? Q8_1_BYTES : Q8_0_BYTES;
    static constexpr size_t ACT_QS_OFFSET = Kind::AFFINE ? 4 : 2;

    const uint8_t* w;
    const uint8_t* act_cols[NCOLS];

    // Adds N_BLOCKS (<= STEP) blocks from first_block on into acc[block % 2][col_idx] and, for
    // the affine types, offsets[col_idx] (lane = block % 8). Always inlined into the loop over
    // steps, so that the accumulators stay in registers.
    template <int N_BLOCKS>
    __attribute__((always_inline)) void accumulate(int64_t first_block, __m256 (*acc)[NCOLS],
                                                   __m256* offsets) const {
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
        alignas(32) float scales[NCOLS][STEP];  // F32 [8] per column, d_w * d_a per block
        const __m256 w_scale = halves_to_float(w_d);
        for (int col_idx = 0; col_idx < NCOLS; ++col_idx) {
            _mm256_store_ps(scales[col_idx], _mm256_mul_ps(halves_to_float(act_d[col_idx]), w_scale));
            if constexpr (Kind::AFFINE) {
                offsets[col_idx] = _mm256_fmadd_ps(halves_to_float(w_m),
                                                   halves_to_float(act_s[col_idx]), offsets[col_idx]);
            }
        }
        for (int block_in_step = 0; block_in_step < N_BLOCKS; ++block_in_step) {
            const int64_t block_idx = first_block + block_in_step;
            const __m256i levels = Kind::levels(w + block_idx * Kind::BLOCK_BYTES);
            const __m256i magnitude = _mm256_sign_epi8(levels, levels);  // symmetric kinds only
            for (int col_idx = 0; col_idx < NCOLS; ++col_idx) {
                const __m256i a =
                    load_256(act_cols[col_idx] + block_idx * ACT_BLOCK_BYTES + ACT_QS_OFFSET);
                __m256i isum;
                if constexpr (Kind::AFFINE) {
                    isum = dot_u8_s8(levels, a);
                } else {
                    isum = dot_u8_s8(magnitude, _mm256_sign_epi8(a, levels));
                }
                const __m256 scale = _mm256_broadcast_ss(&scales[col_idx][block_in_step]);
                __m256& sum = acc[block_in_step % 2][col_idx];
                sum = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), scale, sum);
            }
        }
    }

    // accumulate<n_rest> for a runtime n_rest in 1 .. STEP - 1.
    void accumulate_rest(int n_rest, int64_t first_block, __m256 (*acc)[NCOLS],
                         __m256* offsets) const {
        switch (n_rest) {
            case 1: return accumulate<1>(first_block, acc, offsets);
            case 2: return accumulate<2>(first_block, acc, offsets);
            case 3: return accumulate<3>(first_block, acc, offsets);
            case 4: return accumulate<4>(first_block, acc, offsets);
            case 5: return accumulate<5>(first_block, acc, offsets);
            case 6: return accumulate<6>(first_block, acc, offsets);
            default: return accumulate<7>(first_block, acc, offsets);
        }
    }
};

template <typename Kind, int NCOLS>
void dot_blocks(int64_t n, const void* w_row, const void* act, size_t act_stride, float* out) {
    using Kernel = BlockKernel<Kind, NCOLS>;
    Kernel kernel;
    kernel.w = static_cast<const uint8_t*>(w_row);
    // Two accumulators per column (even and odd blocks) hide the FMA latency.
    __m256 acc[2][NCOLS];     // F32 [8] lane partial sums of the scaled block sums
    __m256 offsets[NCOLS];    // F32 [8] partial sums of m * s, lane = block % 8
    for (int col_idx = 0; col_idx < NCOLS; ++col_idx) {
        kernel.act_cols[col_idx] = static_cast<const uint8_t*>(act) + size_t(col_idx) * act_stride;
        acc[0][col_idx] = _mm256_setzero_ps();
        acc[1][col_idx] = _mm256_setzero_ps();
        offsets[col_idx] = _mm256_setzero_ps();
    }
    const int64_t n_blocks = n / QK;
    int64_t block_idx = 0;
    for (; block_idx + STEP <= n_blocks; block_idx += STEP) {
        kernel.template accumulate<STEP>(block_idx, acc, offsets);
    }
    if (block_idx < n_blocks) kernel.accumulate_rest(int(n_blocks - block_idx), block_idx, acc, offsets);
    for (int col_idx = 0; col_idx < NCOLS; ++col_idx) {
        out[col_idx] = horizontal_sum(_mm256_add_ps(acc[0][col_idx], acc[1][col_idx]));
        if constexpr (Kind::AFFINE) {
            alignas(32) float offset_lanes[8];
            _mm256_store_ps(offset_lanes, offsets[col_idx]);
            for (int lane = 0; lane < 8; ++lane) out[col_idx] += offset_lanes[lane];
        }
    }
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

}  // namespace souverain::kernels
