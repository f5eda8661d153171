// The F16 -> F32 row conversions of every level against their scalar twin (kernels/convert.h).
#include "kernels/convert.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "kernels/generic/fp16.h"

namespace souverain::kernels {
namespace {

std::vector<KernelLevel> supported_levels() {
    std::vector<KernelLevel> levels;
    for (KernelLevel level : {KernelLevel::SCALAR, KernelLevel::AVX2, KernelLevel::AVX512}) {
        if (level <= best_kernel_level()) levels.push_back(level);
    }
    return levels;
}

uint32_t bits_of(float value) {
    uint32_t bits;
    std::memcpy(&bits, &value, 4);
    return bits;
}

TEST(ConvertF16, EveryHalfWidensAsTheScalarTwinAtEveryLevel) {
    std::vector<uint16_t> all(65536);
    for (uint32_t value = 0; value < 65536; ++value) all[value] = uint16_t(value);
    std::vector<float> expected(all.size());
    f16_to_f32_scalar(all.data(), expected.data(), (int64_t)all.size());
    for (KernelLevel level : supported_levels()) {
        SCOPED_TRACE(kernel_level_name(level));
        std::vector<float> got(all.size());
        f16_to_f32_kernel(level)(all.data(), got.data(), (int64_t)all.size());
        for (uint32_t value = 0; value < 65536; ++value) {
            if (std::isnan(expected[value])) {
                // The hardware quiets a signalling NaN; a NaN stays a NaN of the same sign.
                ASSERT_TRUE(std::isnan(got[value])) << value;
                ASSERT_EQ(std::signbit(got[value]), std::signbit(expected[value])) << value;
            } else {
                ASSERT_EQ(bits_of(got[value]), bits_of(expected[value])) << value;
            }
        }
    }
}

// Every length from 0 to 100 (tails of both SIMD widths) at odd offsets, into exactly sized
// buffers: a read or write past the row is caught by AddressSanitizer in the Debug suite, and
// the floats around the row must stay as they were.
TEST(ConvertF16, OddLengthsAndOffsetsConvertExactlyTheRow) {
    for (KernelLevel level : supported_levels()) {
        SCOPED_TRACE(kernel_level_name(level));
        for (int64_t n = 0; n <= 100; ++n) {
            for (int64_t offset : {0, 1, 7}) {
                auto src = std::make_unique<uint16_t[]>(size_t(n + offset));
                for (int64_t idx = 0; idx < n; ++idx) {
                    src[size_t(offset + idx)] = fp32_to_fp16(0.37f * float(idx - 50) + 0.01f);
                }
                std::vector<float> dst(size_t(n + offset + 1), -123.0f);
                f16_to_f32_kernel(level)(src.get() + offset, dst.data() + offset, n);
                for (int64_t idx = 0; idx < offset; ++idx) ASSERT_EQ(dst[size_t(idx)], -123.0f);
                for (int64_t idx = 0; idx < n; ++idx) {
                    ASSERT_EQ(dst[size_t(offset + idx)], fp16_to_fp32(src[size_t(offset + idx)]))
                        << "n " << n << " idx " << idx;
                }
                ASSERT_EQ(dst[size_t(n + offset)], -123.0f) << "n " << n;
            }
        }
    }
}

}  // namespace
}  // namespace souverain::kernels
