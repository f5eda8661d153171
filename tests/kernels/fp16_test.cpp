// IEEE half and bfloat16 conversions (kernels/generic/fp16.h): exhaustive over every 16-bit
// pattern, exhaustive over every rounding tie, and the special cases by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>

#include "kernels/generic/fp16.h"

namespace souverain::kernels {
namespace {

bool half_is_nan(uint16_t h) {
    return (h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0;
}

// Value of a finite half computed from the IEEE definition in double, independently of
// fp16_to_fp32. Magnitude bits 0x7C00 (just past the largest finite) give 65536 so that the
// rounding checks can treat infinity as the next step.
double half_value(uint16_t h) {
    const int exponent = (h >> 10) & 0x1F;
    const int mantissa = h & 0x3FF;
    const double magnitude = exponent == 0 ? std::ldexp(double(mantissa), -24)
                                           : std::ldexp(double(1024 + mantissa), exponent - 25);
    return (h & 0x8000) ? -magnitude : magnitude;
}

TEST(Fp16, DecodesEveryFiniteHalfToItsExactValue) {
    for (uint32_t bits = 0; bits < 0x10000; ++bits) {
        const uint16_t h = uint16_t(bits);
        if ((h & 0x7C00) == 0x7C00) continue;  // infinities and NaN below
        const float expected = float(half_value(h));
        ASSERT_EQ(f32_bits(fp16_to_fp32(h)), f32_bits(expected)) << std::hex << bits;
    }
}

TEST(Fp16, DecodesInfinitiesAndKeepsNanPayloads) {
    EXPECT_EQ(fp16_to_fp32(0x7C00), std::numeric_limits<float>::infinity());
    EXPECT_EQ(fp16_to_fp32(0xFC00), -std::numeric_limits<float>::infinity());
    for (uint32_t bits = 0; bits < 0x10000; ++bits) {
        const uint16_t h = uint16_t(bits);
        if (!half_is_nan(h)) continue;
        const uint32_t f = f32_bits(fp16_to_fp32(h));
        ASSERT_TRUE(std::isnan(f32_from_bits(f))) << std::hex << bits;
        EXPECT_EQ(f >> 31, uint32_t(h >> 15));
        EXPECT_EQ((f >> 13) & 0x3FF, uint32_t(h & 0x3FF));  // payload in the top mantissa bits
    }
}

TEST(Fp16, EveryHalfRoundTripsThroughFloat) {
    for (uint32_t bits = 0; bits < 0x10000; ++bits) {
        const uint16_t h = uint16_t(bits);
        const uint16_t again = fp32_to_fp16(fp16_to_fp32(h));
        if (half_is_nan(h)) {
            ASSERT_TRUE(half_is_nan(again)) << std::hex << bits;
            EXPECT_EQ(again & 0x8000, h & 0x8000);
        } else {
            ASSERT_EQ(again, h) << std::hex << bits;
        }
    }
}

// Every value exactly halfway between two adjacent halves rounds to the one with an even
// mantissa, and the floats just either side of it round to the nearer one. Covers subnormals,
// the subnormal/normal boundary, exponent carries and 65520 (halfway to "65536" = infinity).
TEST(Fp16, EveryTieRoundsToEvenAndNeighboursToNearest) {
    for (uint16_t sign : {uint16_t(0), uint16_t(0x8000)}) {
        for (uint16_t lower = 0; lower < 0x7C00; ++lower) {
            const uint16_t upper = uint16_t(lower + 1);
            // Exact in float: a half has 11 significant bits, the midpoint 12.
            const float mid = float((half_value(lower) + half_value(upper)) / 2);
            const float signed_mid = sign ? -mid : mid;
            const uint16_t even = (lower & 1) ? upper : lower;
            ASSERT_EQ(fp32_to_fp16(signed_mid), sign | even) << std::hex << lower;
            ASSERT_EQ(fp32_to_fp16(std::nextafter(signed_mid, 0.0f)), sign | lower);
            ASSERT_EQ(fp32_to_fp16(std::nextafter(signed_mid, sign ? -1e9f : 1e9f)), sign | upper);
        }
    }
}

TEST(Fp16, SpecialCasesByHand) {
    struct Case {
        float value;
        uint16_t expected;
    };
    const float inf = std::numeric_limits<float>::infinity();
    const Case cases[] = {
        {0.0f, 0x0000},
        {-0.0f, 0x8000},
        {1.0f, 0x3C00},
        {-2.0f, 0xC000},
        {0.5f, 0x3800},
        {65504.0f, 0x7BFF},         // largest finite
        {65519.99609375f, 0x7BFF},  // just below the overflow tie
        {65520.0f, 0x7C00},         // tie with "65536": even is infinity
        {1e9f, 0x7C00},             // overflow
        {-1e9f, 0xFC00},
        {std::numeric_limits<float>::max(), 0x7C00},
        {inf, 0x7C00},
        {-inf, 0xFC00},
        {std::ldexp(1.0f, -14), 0x0400},  // smallest normal
        {std::ldexp(1.0f, -24), 0x0001},  // smallest subnormal
        {std::ldexp(1.0f, -25), 0x0000},  // tie between 0 and 2^-24: even is 0
        {std::ldexp(3.0f, -25), 0x0002},  // tie between 1 and 2 steps: even is 2
        {std::ldexp(1.0f, -26), 0x0000},
        {1e-10f, 0x0000},  // far below: signed zero
        {-1e-10f, 0x8000},
        {std::ldexp(2047.0f, -25), 0x0400},      // tie 0x03FF/0x0400 carries into the exponent
        {1.0f + std::ldexp(1.0f, -11), 0x3C00},  // tie: 1.0 is even
        {1.0f + std::ldexp(3.0f, -11), 0x3C02},  // tie: 0x3C02 is even
        {0.1f, 0x2E66},
        {3.14159265f, 0x4248},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(fp32_to_fp16(c.value), c.expected) << c.value;
    }
}

TEST(Fp16, NanStaysNanWithItsSign) {
    for (uint32_t nan_bits : {0x7FC00000u, 0x7F800001u, 0x7FFFFFFFu, 0xFFC00000u, 0xFF800001u}) {
        const uint16_t h = fp32_to_fp16(f32_from_bits(nan_bits));
        EXPECT_TRUE(half_is_nan(h)) << std::hex << nan_bits;
        EXPECT_EQ(uint32_t(h >> 15), nan_bits >> 31);
    }
}

// Random floats across the whole half range: the result is the nearest half (ties to even),
// checked against the neighbours' exact values.
TEST(Fp16, RandomFloatsRoundToTheNearestHalf) {
    std::mt19937 rng(2024);
    // Exponent fields 97..143: 2^-30 (far below the subnormals) to 2^16 (beyond 65504).
    std::uniform_int_distribution<uint32_t> exponent(97, 143);
    std::uniform_int_distribution<uint32_t> mantissa(0, (1u << 23) - 1);
    for (int sample = 0; sample < 200000; ++sample) {
        const uint32_t sign = (sample & 1) ? 0x80000000u : 0u;
        const float f = f32_from_bits(sign | exponent(rng) << 23 | mantissa(rng));
        const uint16_t h = fp32_to_fp16(f);
        ASSERT_EQ(uint32_t(h & 0x8000), sign >> 16);
        const double magnitude = std::fabs(double(f));
        if (magnitude >= 65520.0) {
            ASSERT_EQ(h & 0x7FFF, 0x7C00) << f;
            continue;
        }
        const uint16_t code = h & 0x7FFF;
        ASSERT_LT(code, 0x7C00) << f;
        const double err = std::fabs(magnitude - half_value(code));
        if (code > 0) {
            ASSERT_LE(err, std::fabs(magnitude - half_value(code - 1))) << f;
        }
        const double err_up = std::fabs(magnitude - half_value(code + 1));
        ASSERT_LE(err, err_up) << f;
        if (err == err_up) {
            ASSERT_EQ(code & 1, 0) << f;  // a tie goes to the even code
        }
    }
}

#if defined(__FLT16_MAX__)
// The compiler's own _Float16 conversion (libgcc's, correctly rounded) as a second oracle,
// over random bit patterns of every exponent.
TEST(Fp16, AgreesWithTheCompilersFloat16) {
    std::mt19937 rng(7);
    for (int sample = 0; sample < 300000; ++sample) {
        const float f = f32_from_bits(uint32_t(rng()));
        if (std::isnan(f)) continue;
        volatile float source = f;  // keep the conversion at run time
        const _Float16 converted = static_cast<_Float16>(source);
        uint16_t expected;
        std::memcpy(&expected, &converted, 2);
        ASSERT_EQ(fp32_to_fp16(f), expected) << std::hexfloat << f;
    }
}
#endif

// ---- bfloat16 ----

TEST(Bf16, DecodesEveryPatternAsTheTopHalfOfAFloat) {
    for (uint32_t bits = 0; bits < 0x10000; ++bits) {
        ASSERT_EQ(f32_bits(bf16_to_fp32(uint16_t(bits))), bits << 16) << std::hex << bits;
    }
}

TEST(Bf16, EveryPatternRoundTripsAndNanBecomesQuiet) {
    for (uint32_t bits = 0; bits < 0x10000; ++bits) {
        const uint16_t h = uint16_t(bits);
        const uint16_t again = fp32_to_bf16(bf16_to_fp32(h));
        const bool is_nan = (h & 0x7F80) == 0x7F80 && (h & 0x7F) != 0;
        if (is_nan) {
            ASSERT_EQ(again, h | 0x40) << std::hex << bits;  // quiet bit set, sign kept
        } else {
            ASSERT_EQ(again, h) << std::hex << bits;
        }
    }
}

TEST(Bf16, EveryTieRoundsToEvenAndNeighboursToNearest) {
    for (uint32_t sign : {0u, 0x8000u}) {
        for (uint32_t lower = 0; lower < 0x7F80; ++lower) {
            const uint32_t upper = lower + 1;  // 0x7F80 = infinity after the largest finite
            const uint32_t mid = (sign | lower) << 16 | 0x8000;
            const uint32_t even = (lower & 1) ? upper : lower;
            ASSERT_EQ(fp32_to_bf16(f32_from_bits(mid)), sign | even) << std::hex << lower;
            ASSERT_EQ(fp32_to_bf16(f32_from_bits(mid - 1)), sign | lower);
            ASSERT_EQ(fp32_to_bf16(f32_from_bits(mid + 1)), sign | upper);
        }
    }
}

TEST(Bf16, SpecialCasesByHand) {
    EXPECT_EQ(fp32_to_bf16(1.0f), 0x3F80);
    EXPECT_EQ(fp32_to_bf16(-0.0f), 0x8000);
    EXPECT_EQ(fp32_to_bf16(3.14159265f), 0x4049);
    EXPECT_EQ(fp32_to_bf16(1.0f + std::ldexp(1.0f, -8)), 0x3F80);        // tie: 0x3F80 is even
    EXPECT_EQ(fp32_to_bf16(1.0f + std::ldexp(3.0f, -8)), 0x3F82);        // tie: 0x3F82 is even
    EXPECT_EQ(fp32_to_bf16(std::numeric_limits<float>::max()), 0x7F80);  // IEEE: rounds to inf
    EXPECT_EQ(fp32_to_bf16(-std::numeric_limits<float>::infinity()), 0xFF80);
    EXPECT_EQ(fp32_to_bf16(f32_from_bits(0x00000001u)), 0x0000);  // smallest float denormal
    EXPECT_EQ(fp32_to_bf16(f32_from_bits(0x7F800001u)), 0x7FC0);  // signalling NaN -> quiet
    EXPECT_EQ(fp32_to_bf16(f32_from_bits(0xFFC00000u)), 0xFFC0);
}

}  // namespace
}  // namespace souverain::kernels
