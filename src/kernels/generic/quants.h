#pragma once
// Scalar kernels for every tensor type the engine reads or writes: dequantize a row to F32
// (`<type>_to_float`), quantize F32 into blocks (`<type>_from_float`) and the dot product of
// one row with an F32 vector (`<type>_dot_f32`). They are the reference ("oracle") that later
// SIMD kernels are tested against: plain, readable, and exact in the semantics stated below.
// engine/tensor_type.cpp publishes them through TensorTypeTraits.
//
// Block layouts are bit-exact with ggml's, so files written here are read by llama.cpp and the
// other way round. Multi-byte fields are little-endian (the only byte order we build for).
//
// Contracts shared by every function here:
// - n is a whole number of blocks (asserted: passing anything else is a programmer error).
// - Block pointers need no particular alignment: blocks are read and written byte-wise, so a
//   row may start anywhere inside a mapped file.
// - Decoding is defined for every bit pattern: any bytes decode without undefined behaviour
//   (NaN or infinite fp16 values or scales decode to NaN or infinity).
// - Quantizing finite input always yields finite decoded values: fp16 scales saturate at the
//   largest finite half (65504), so inputs beyond a type's range clip instead of becoming
//   infinity. Non-finite input yields valid blocks with unspecified values in its own block
//   only (no undefined behaviour, other blocks unaffected).
// - fp16 scales are rounded away from zero, never towards it, so levels never overflow the
//   range they were computed for; the error stays at the table's level down to block
//   magnitudes of ~1e-4. Far below the fp16 range (magnitudes ~1e-8) values flush to zero or
//   to the nearest fp16 step: the absolute error stays below 1e-7.
// - Thread-safety: pure functions of their arguments; any number of threads may call them.
//
// Dot products: `<type>_dot_f32(row, x, n)` dequantizes the row block by block exactly as
// `<type>_to_float` does, sums the products of a block in float (in index order), and sums the
// block sums in double; the result is rounded to float once at the end. The float types use
// 32-element groups as their "blocks".
//
// Quantization error, relative RMS ||dequant(quant(x)) - x|| / ||x|| over 64 Ki seeded values
// (the same for N(0, 0.02) and N(0, 1e-4) within 2%; tests/kernels/quants_test.cpp enforces
// bounds 3-6% above the N(0,1) column):
//   type   N(0,1)    U(-1e4,1e4)     type   N(0,1)    U(-1e4,1e4)
//   F32    0         0               Q5_1   3.78e-2   2.93e-2
//   F16    2.08e-4   2.19e-4         Q5_0   4.27e-2   3.12e-2
//   BF16   1.66e-3   1.74e-3         Q5_K   3.46e-2   2.64e-2
//   Q8_0   5.37e-3   3.76e-3         Q4_1   7.86e-2   6.06e-2
//   Q8_K   7.02e-3   3.91e-3         Q4_0   8.63e-2   6.48e-2
//   Q6_K   1.66e-2   1.24e-2         Q4_K   7.02e-2   5.37e-2
#include <bit>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/generic/fp16.h"

namespace souverain::kernels {

static_assert(std::endian::native == std::endian::little,
              "block layouts are read as little-endian; a big-endian port needs byte swaps");

// Elements per block of the legacy types and of the K-quants (super-blocks).
inline constexpr int64_t QK_LEGACY = 32;
inline constexpr int64_t QK_K = 256;
// Bytes of packed 6-bit scales and mins in Q4_K/Q5_K.
inline constexpr int K_SCALE_BYTES = 12;

// x = (q - 8) * d, q the 4-bit nibble. Element j (0..15) is the low nibble of qs[j], element
// j + 16 its high nibble.
struct BlockQ4_0 {
    uint16_t d;  // fp16
    uint8_t qs[QK_LEGACY / 2];
};
// x = q * d + m, nibbles ordered as in Q4_0.
struct BlockQ4_1 {
    uint16_t d;  // fp16
    uint16_t m;  // fp16
    uint8_t qs[QK_LEGACY / 2];
};
// x = (q - 16) * d with q = nibble | (bit e of the little-endian uint32 qh) << 4, where the
// nibble is ordered as in Q4_0 and e is the element index.
struct BlockQ5_0 {
    uint16_t d;  // fp16
    uint8_t qh[4];
    uint8_t qs[QK_LEGACY / 2];
};
// x = q * d + m, q as in Q5_0 without the offset.
struct BlockQ5_1 {
    uint16_t d;  // fp16
    uint16_t m;  // fp16
    uint8_t qh[4];
    uint8_t qs[QK_LEGACY / 2];
};
// x = q * d.
struct BlockQ8_0 {
    uint16_t d;  // fp16
    int8_t qs[QK_LEGACY];
};
// Eight sub-blocks of 32 with 6-bit scale sc and 6-bit min m each (packing: see
// k_scale_min()); x = d * sc * q - dmin * m. Chunk c (0..3) of 64 elements uses qs[32c..32c+31]:
// its first 32 elements are the low nibbles (sub-block 2c), the next 32 the high nibbles
// (sub-block 2c + 1).
struct BlockQ4_K {
    uint16_t d;     // fp16, scale of the sub-block scales
    uint16_t dmin;  // fp16, scale of the sub-block mins
    uint8_t scales[K_SCALE_BYTES];
    uint8_t qs[QK_K / 2];
};
// As Q4_K with a fifth bit: element l (0..31) of sub-block s takes bit s of qh[l] as bit 4.
struct BlockQ5_K {
    uint16_t d;     // fp16
    uint16_t dmin;  // fp16
    uint8_t scales[K_SCALE_BYTES];
    uint8_t qh[QK_K / 8];
    uint8_t qs[QK_K / 2];
};
// Sixteen sub-blocks of 16 with an int8 scale each; x = d * scales[e / 16] * (q - 32) with a
// 6-bit q. In half h (128 elements), for l = 0..31 and group g = 0..3 (element 128h + 32g + l):
// the low 4 bits come from ql[64h + l] (g = 0: low nibble, g = 2: high nibble) or
// ql[64h + 32 + l] (g = 1: low, g = 3: high); the top 2 bits are bits 2g..2g+1 of qh[32h + l].
struct BlockQ6_K {
    uint8_t ql[QK_K / 2];
    uint8_t qh[QK_K / 4];
    int8_t scales[QK_K / 16];
    uint16_t d;  // fp16
};
// Activation type for K-quant dot products: x = d * qs; bsums[g] = sum of qs[16g..16g+15].
struct BlockQ8_K {
    float d;
    int8_t qs[QK_K];
    int16_t bsums[QK_K / 16];
};

static_assert(sizeof(BlockQ4_0) == 18 && sizeof(BlockQ4_1) == 20);
static_assert(sizeof(BlockQ5_0) == 22 && sizeof(BlockQ5_1) == 24);
static_assert(sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ4_K) == 144 && sizeof(BlockQ5_K) == 176);
static_assert(sizeof(BlockQ6_K) == 210 && sizeof(BlockQ8_K) == 292);

// Sub-block `sub_idx` (0..7) of the 12 packed scale bytes of Q4_K/Q5_K: bytes 0..3 hold the
// 6-bit scales of sub-blocks 0..3, bytes 4..7 their mins; the top 2 bits of bytes 0..3 (4..7)
// are the high bits of the scales (mins) of sub-blocks 4..7, whose low 4 bits are the low
// (high) nibbles of bytes 8..11.
struct KScaleMin {
    uint8_t scale;
    uint8_t min;
};
inline KScaleMin k_scale_min(const uint8_t* scales, int sub_idx) {
    if (sub_idx < 4) {
        return {uint8_t(scales[sub_idx] & 63), uint8_t(scales[sub_idx + 4] & 63)};
    }
    return {uint8_t((scales[sub_idx + 4] & 0xF) | ((scales[sub_idx - 4] >> 6) << 4)),
            uint8_t((scales[sub_idx + 4] >> 4) | ((scales[sub_idx] >> 6) << 4))};
}

// F32, F16, BF16: one element per "block".
void f32_to_float(const void* src, float* dst, int64_t n);
void f32_from_float(const float* src, void* dst, int64_t n);
float f32_dot_f32(const void* row, const float* x, int64_t n);
void f16_to_float(const void* src, float* dst, int64_t n);
// F16/BF16 from_float round to nearest even; finite values beyond the type's largest finite
// value clip to it (they would round to infinity), infinities and NaN pass through.
void f16_from_float(const float* src, void* dst, int64_t n);
float f16_dot_f32(const void* row, const float* x, int64_t n);
void bf16_to_float(const void* src, float* dst, int64_t n);
void bf16_from_float(const float* src, void* dst, int64_t n);
float bf16_dot_f32(const void* row, const float* x, int64_t n);

// Legacy 32-element blocks. Quantizers: Q4_0/Q5_0 use the signed absmax scheme (the element
// of largest magnitude maps to the most negative level, so the whole range is used), Q8_0
// symmetric absmax, Q4_1/Q5_1 the block's min and max. Scales are rounded to fp16 before the
// elements are quantized against them.
void q4_0_to_float(const void* src, float* dst, int64_t n);
void q4_0_from_float(const float* src, void* dst, int64_t n);
float q4_0_dot_f32(const void* row, const float* x, int64_t n);
void q4_1_to_float(const void* src, float* dst, int64_t n);
void q4_1_from_float(const float* src, void* dst, int64_t n);
float q4_1_dot_f32(const void* row, const float* x, int64_t n);
void q5_0_to_float(const void* src, float* dst, int64_t n);
void q5_0_from_float(const float* src, void* dst, int64_t n);
float q5_0_dot_f32(const void* row, const float* x, int64_t n);
void q5_1_to_float(const void* src, float* dst, int64_t n);
void q5_1_from_float(const float* src, void* dst, int64_t n);
float q5_1_dot_f32(const void* row, const float* x, int64_t n);
void q8_0_to_float(const void* src, float* dst, int64_t n);
void q8_0_from_float(const float* src, void* dst, int64_t n);
float q8_0_dot_f32(const void* row, const float* x, int64_t n);

// K-quants, 256-element super-blocks. Q4_K/Q5_K quantizers fit each sub-block's scale and min
// by least squares over a set of candidate scales, quantize the scales and mins to 6 bits
// against the super-block maxima (choosing between the two nearest codes by the error they
// give), then requantize the elements. Q6_K starts each 16-element sub-block from its signed
// absmax step and keeps a least-squares step over a few candidate grids when that is better;
// the int8 scale codes are relative to the largest step (code -128), again choosing between
// the two nearest codes. Q8_K is symmetric absmax with a float scale.
void q4_k_to_float(const void* src, float* dst, int64_t n);
void q4_k_from_float(const float* src, void* dst, int64_t n);
float q4_k_dot_f32(const void* row, const float* x, int64_t n);
void q5_k_to_float(const void* src, float* dst, int64_t n);
void q5_k_from_float(const float* src, void* dst, int64_t n);
float q5_k_dot_f32(const void* row, const float* x, int64_t n);
void q6_k_to_float(const void* src, float* dst, int64_t n);
void q6_k_from_float(const float* src, void* dst, int64_t n);
float q6_k_dot_f32(const void* row, const float* x, int64_t n);
void q8_k_to_float(const void* src, float* dst, int64_t n);
void q8_k_from_float(const float* src, void* dst, int64_t n);
float q8_k_dot_f32(const void* row, const float* x, int64_t n);

// Building blocks shared by the kernel files; not an API for callers outside kernels/.
namespace detail {

// Nearest integer to v (ties to even), clamped to [lo, hi]; NaN gives lo. The clamp happens in
// float so that the conversion to int is always defined.
inline int round_clamped(float v, int lo, int hi) {
    // Comparisons rather than fmin/fmax (libm calls in a hot loop); NaN fails both and
    // clamps to lo.
    v = v >= float(lo) ? v : float(lo);
    v = v <= float(hi) ? v : float(hi);
    // Round to nearest, ties to even, without a libm call: adding and removing 1.5 * 2^23
    // leaves the float rounded to an integer (exact for |v| < 2^22, which the clamp ensures
    // for the small level ranges this is used with).
    constexpr float kMagic = 12582912.0f;
    return int((v + kMagic) - kMagic);
}

// The element of largest magnitude, with its sign (the first one on ties; 0 when every element
// is zero or NaN). Signed-absmax quantizers map it to their most negative level.
inline float signed_absmax(const float* x, int n) {
    float abs_max = 0.0f;
    float max = 0.0f;
    for (int elem_idx = 0; elem_idx < n; ++elem_idx) {
        if (std::fabs(x[elem_idx]) > abs_max) {
            abs_max = std::fabs(x[elem_idx]);
            max = x[elem_idx];
        }
    }
    return max;
}

// fp16 bits of v rounded to nearest, saturated to the largest finite half so that finite input
// never decodes to infinity.
inline uint16_t fp16_saturated(float v) {
    constexpr float FP16_MAX = 65504.0f;
    return fp32_to_fp16(std::fmin(std::fmax(v, -FP16_MAX), FP16_MAX));
}

// fp16 bits of a block scale: the nearest half at least as large in magnitude as v (saturated
// as above). Levels computed against it then never exceed the range that v was chosen for,
// which matters where fp16 is coarse (subnormal scales of blocks with small values).
inline uint16_t fp16_scale_away(float v) {
    uint16_t bits = fp16_saturated(v);
    const bool smaller = std::fabs(fp16_to_fp32(bits)) < std::fabs(v);
    if (smaller && (bits & 0x7FFF) < 0x7BFF) ++bits;  // next magnitude, same sign
    return bits;
}

// Block block_idx of a row, copied out byte-wise (rows need not be aligned).
template <typename Block>
Block load_block(const void* row, int64_t block_idx) {
    Block block;
    std::memcpy(&block, static_cast<const uint8_t*>(row) + block_idx * sizeof(Block),
                sizeof(Block));
    return block;
}

template <typename Block>
void store_block(void* row, int64_t block_idx, const Block& block) {
    std::memcpy(static_cast<uint8_t*>(row) + block_idx * sizeof(Block), &block, sizeof(Block));
}

// Row drivers over a per-block decoder `void(const Block&, float* y)` (y: F32 [block_size]) and
// encoder `void(const float* x, Block&)`.
template <typename Block, int64_t BLOCK_SIZE, typename DecodeFn>
void to_float_blockwise(const void* src, float* dst, int64_t n, DecodeFn decode) {
    assert(n >= 0 && n % BLOCK_SIZE == 0);
    for (int64_t block_idx = 0; block_idx < n / BLOCK_SIZE; ++block_idx) {
        decode(load_block<Block>(src, block_idx), dst + block_idx * BLOCK_SIZE);
    }
}

template <typename Block, int64_t BLOCK_SIZE, typename EncodeFn>
void from_float_blockwise(const float* src, void* dst, int64_t n, EncodeFn encode) {
    assert(n >= 0 && n % BLOCK_SIZE == 0);
    for (int64_t block_idx = 0; block_idx < n / BLOCK_SIZE; ++block_idx) {
        Block block{};
        encode(src + block_idx * BLOCK_SIZE, block);
        store_block(dst, block_idx, block);
    }
}

// The dot-product semantics stated at the top of this file: decode a block exactly as
// to_float does, sum its products in float, sum the blocks in double.
template <typename Block, int64_t BLOCK_SIZE, typename DecodeFn>
float dot_blockwise(const void* row, const float* x, int64_t n, DecodeFn decode) {
    assert(n >= 0 && n % BLOCK_SIZE == 0);
    double total = 0.0;
    float values[BLOCK_SIZE];  // F32 [BLOCK_SIZE], the current block dequantized
    for (int64_t block_idx = 0; block_idx < n / BLOCK_SIZE; ++block_idx) {
        decode(load_block<Block>(row, block_idx), values);
        const float* x_block = x + block_idx * BLOCK_SIZE;
        float block_sum = 0.0f;
        for (int64_t elem_idx = 0; elem_idx < BLOCK_SIZE; ++elem_idx) {
            block_sum += values[elem_idx] * x_block[elem_idx];
        }
        total += double(block_sum);
    }
    return float(total);
}

}  // namespace detail

}  // namespace souverain::kernels
