#pragma once
// IEEE half and bfloat16 conversions, bit exact, no hardware assumptions. Pure functions: safe
// from any thread. tests/kernels/fp16_test.cpp checks them exhaustively over all 16-bit patterns.
#include <cstdint>
#include <cstring>

namespace souverain::kernels {

inline uint32_t f32_bits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}
inline float f32_from_bits(uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

// F16 -> F32: exact for every input, including subnormals, infinities and NaN.
inline float fp16_to_fp32(uint16_t h) {
    const uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    const uint32_t exp = (h >> 10) & 0x1f;
    uint32_t mant = h & 0x3ff;
    if (exp == 0) {
        if (mant == 0) return f32_from_bits(sign);
        // Subnormal: value = mant * 2^-24.
        float v = (float)mant * (1.0f / 16777216.0f);
        return sign ? -v : v;
    }
    if (exp == 31) return f32_from_bits(sign | 0x7f800000u | (mant << 13));
    return f32_from_bits(sign | ((exp + 112) << 23) | (mant << 13));
}

// F32 -> F16 with round-to-nearest-even; overflow gives infinity, NaN stays NaN.
inline uint16_t fp32_to_fp16(float f) {
    const uint32_t x = f32_bits(f);
    const uint32_t sign = (x >> 16) & 0x8000;
    const uint32_t abs = x & 0x7fffffffu;
    if (abs > 0x7f800000u) return (uint16_t)(sign | 0x7e00);   // NaN
    if (abs >= 0x477ff000u) return (uint16_t)(sign | 0x7c00);  // rounds to >= 65536: inf
    if (abs < 0x38800000u) {
        // Result is subnormal (or zero) in half precision: value / 2^-24, rounded to even.
        if (abs < 0x33000000u) return (uint16_t)sign;  // below half of the smallest subnormal
        const uint32_t exp = abs >> 23;
        const uint32_t mant = (abs & 0x7fffff) | 0x800000;
        const uint32_t shift = 126 - exp;  // 14..24 for this range
        uint32_t half = mant >> shift;
        const uint32_t rem = mant & ((1u << shift) - 1);
        const uint32_t halfway = 1u << (shift - 1);
        if (rem > halfway || (rem == halfway && (half & 1))) half++;
        return (uint16_t)(sign | half);
    }
    uint32_t half = ((abs >> 13) - (112u << 10));
    const uint32_t rem = abs & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (half & 1))) half++;
    return (uint16_t)(sign | half);
}

inline float bf16_to_fp32(uint16_t h) {
    return f32_from_bits((uint32_t)h << 16);
}

// F32 -> BF16 with round-to-nearest-even; NaN stays a quiet NaN.
inline uint16_t fp32_to_bf16(float f) {
    const uint32_t x = f32_bits(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 64);
    return (uint16_t)((x + (0x7fff + ((x >> 16) & 1))) >> 16);
}

}  // namespace souverain::kernels
