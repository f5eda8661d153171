// Tensor types and their scalar kernels: the traits table, bit layouts pinned by hand-built
// blocks, quantization error bounds, edge data and the dot-product oracle.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "engine/tensor_type.h"
#include "kernels/generic/fp16.h"
#include "kernels/generic/quants.h"

namespace souverain {
namespace {

// ---- Helpers ----

const TensorTypeTraits& traits_of(TensorType type) {
    const TensorTypeTraits* traits = tensor_type_traits(type);
    EXPECT_NE(traits, nullptr);
    return *traits;
}

std::vector<float> normal_data(int64_t n, uint32_t seed, float scale = 1.0f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> data(n);  // F32 [n]
    for (float& value : data) value = scale * normal(rng);
    return data;
}

std::vector<float> uniform_data(int64_t n, uint32_t seed, float lo, float hi) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> uniform(lo, hi);
    std::vector<float> data(n);  // F32 [n]
    for (float& value : data) value = uniform(rng);
    return data;
}

std::vector<uint8_t> quantize(TensorType type, const std::vector<float>& x) {
    const int64_t n = int64_t(x.size());
    std::vector<uint8_t> row(tensor_row_bytes(type, n).value());
    traits_of(type).from_float(x.data(), row.data(), n);
    return row;
}

std::vector<float> dequantize(TensorType type, const std::vector<uint8_t>& row, int64_t n) {
    std::vector<float> y(n);  // F32 [n]
    traits_of(type).to_float(row.data(), y.data(), n);
    return y;
}

std::vector<float> round_trip(TensorType type, const std::vector<float>& x) {
    return dequantize(type, quantize(type, x), int64_t(x.size()));
}

// ||y - x|| / ||x|| over [begin, end).
double relative_rms(const std::vector<float>& x, const std::vector<float>& y, size_t begin = 0,
                    size_t end = SIZE_MAX) {
    end = std::min(end, x.size());
    double err = 0.0, norm = 0.0;
    for (size_t idx = begin; idx < end; ++idx) {
        const double diff = double(y[idx]) - double(x[idx]);
        err += diff * diff;
        norm += double(x[idx]) * double(x[idx]);
    }
    return norm > 0 ? std::sqrt(err / norm) : std::sqrt(err);
}

double max_abs_error(const std::vector<float>& x, const std::vector<float>& y) {
    double max_err = 0.0;
    for (size_t idx = 0; idx < x.size(); ++idx) {
        max_err = std::max(max_err, std::fabs(double(y[idx]) - double(x[idx])));
    }
    return max_err;
}

bool all_finite(const std::vector<float>& y, size_t begin = 0) {
    for (size_t idx = begin; idx < y.size(); ++idx) {
        if (!std::isfinite(y[idx])) return false;
    }
    return true;
}

// ---- Traits table ----

TEST(TensorTypeTraits, SizesAndNamesMatchGgml) {
    struct Expected {
        uint32_t id;
        const char* name;
        int64_t block_size;
        size_t type_size;
    };
    const Expected expected[] = {
        {0, "f32", 1, 4},       {1, "f16", 1, 2},       {2, "q4_0", 32, 18},
        {3, "q4_1", 32, 20},    {6, "q5_0", 32, 22},    {7, "q5_1", 32, 24},
        {8, "q8_0", 32, 34},    {9, "q8_1", 32, 36},    {10, "q2_K", 256, 84},
        {11, "q3_K", 256, 110}, {12, "q4_K", 256, 144}, {13, "q5_K", 256, 176},
        {14, "q6_K", 256, 210}, {15, "q8_K", 256, 292}, {30, "bf16", 1, 2},
    };
    for (const Expected& row : expected) {
        const TensorTypeTraits* traits = tensor_type_traits(row.id);
        ASSERT_NE(traits, nullptr) << row.name;
        EXPECT_EQ(static_cast<uint32_t>(traits->type), row.id);
        EXPECT_STREQ(traits->name, row.name);
        EXPECT_EQ(traits->block_size, row.block_size) << row.name;
        EXPECT_EQ(traits->type_size, row.type_size) << row.name;
        EXPECT_EQ(tensor_type_name(traits->type), row.name);
    }
}

TEST(TensorTypeTraits, UnknownIdsHaveNoTraits) {
    // 4 and 5 were Q4_2/Q4_3 (removed from ggml); 16..29 are IQ/TQ types we do not know.
    for (uint32_t id : {4u, 5u, 16u, 20u, 29u, 31u, 39u, 1000u, 0xFFFFFFFFu}) {
        EXPECT_EQ(tensor_type_traits(id), nullptr) << id;
    }
    EXPECT_EQ(tensor_type_name(static_cast<TensorType>(99)), "unknown");
}

TEST(TensorTypeTraits, KernelsExistExactlyForSupportedTypes) {
    for (TensorType type :
         {TensorType::F32, TensorType::F16, TensorType::BF16, TensorType::Q4_0, TensorType::Q4_1,
          TensorType::Q5_0, TensorType::Q5_1, TensorType::Q8_0, TensorType::Q4_K, TensorType::Q5_K,
          TensorType::Q6_K, TensorType::Q8_K}) {
        const TensorTypeTraits& traits = traits_of(type);
        EXPECT_NE(traits.to_float, nullptr) << traits.name;
        EXPECT_NE(traits.from_float, nullptr) << traits.name;
        EXPECT_NE(traits.dot_f32, nullptr) << traits.name;
    }
    for (TensorType type : {TensorType::Q2_K, TensorType::Q3_K, TensorType::Q8_1}) {
        const TensorTypeTraits& traits = traits_of(type);
        EXPECT_EQ(traits.to_float, nullptr) << traits.name;
        EXPECT_EQ(traits.from_float, nullptr) << traits.name;
        EXPECT_EQ(traits.dot_f32, nullptr) << traits.name;
    }
}

TEST(TensorTypeTraits, RowBytesCountWholeBlocksOnly) {
    EXPECT_EQ(tensor_row_bytes(TensorType::F32, 3), 12u);
    EXPECT_EQ(tensor_row_bytes(TensorType::F16, 5), 10u);
    EXPECT_EQ(tensor_row_bytes(TensorType::BF16, 4096), 8192u);
    EXPECT_EQ(tensor_row_bytes(TensorType::Q4_0, 64), 36u);
    EXPECT_EQ(tensor_row_bytes(TensorType::Q8_0, 4096), 128u * 34u);
    EXPECT_EQ(tensor_row_bytes(TensorType::Q4_K, 768), 432u);
    EXPECT_EQ(tensor_row_bytes(TensorType::Q6_K, 4096), 16u * 210u);
    EXPECT_EQ(tensor_row_bytes(TensorType::Q3_K, 256), 110u);
    EXPECT_EQ(tensor_row_bytes(TensorType::Q4_K, 0), 0u);

    EXPECT_EQ(tensor_row_bytes(TensorType::Q4_0, 33), std::nullopt);
    EXPECT_EQ(tensor_row_bytes(TensorType::Q4_K, 128), std::nullopt);
    EXPECT_EQ(tensor_row_bytes(TensorType::F32, -1), std::nullopt);
    EXPECT_EQ(tensor_row_bytes(static_cast<TensorType>(99), 32), std::nullopt);
}

TEST(TensorTypeTraits, RowBytesRefuseSizesThatOverflow) {
    // 2^62 F32 elements are 2^64 bytes, one more than size_t holds.
    EXPECT_EQ(tensor_row_bytes(TensorType::F32, int64_t(1) << 62), std::nullopt);
    EXPECT_EQ(tensor_row_bytes(TensorType::F32, (int64_t(1) << 62) - 1), SIZE_MAX - 3);
    EXPECT_EQ(tensor_row_bytes(TensorType::F32, std::numeric_limits<int64_t>::max()), std::nullopt);
}

TEST(TensorTypeTraits, ParseIsCaseInsensitive) {
    EXPECT_EQ(parse_tensor_type("q4_k"), TensorType::Q4_K);
    EXPECT_EQ(parse_tensor_type("Q4_K"), TensorType::Q4_K);
    EXPECT_EQ(parse_tensor_type("q4_K"), TensorType::Q4_K);
    EXPECT_EQ(parse_tensor_type("Q8_0"), TensorType::Q8_0);
    EXPECT_EQ(parse_tensor_type("q5_1"), TensorType::Q5_1);
    EXPECT_EQ(parse_tensor_type("Q6_k"), TensorType::Q6_K);
    EXPECT_EQ(parse_tensor_type("bf16"), TensorType::BF16);
    EXPECT_EQ(parse_tensor_type("BF16"), TensorType::BF16);
    EXPECT_EQ(parse_tensor_type("F16"), TensorType::F16);
    EXPECT_EQ(parse_tensor_type("f32"), TensorType::F32);
    EXPECT_EQ(parse_tensor_type("q2_k"), TensorType::Q2_K);
}

TEST(TensorTypeTraits, ParseRejectsUnknownNames) {
    for (const char* name : {"", "q4", "q4_k ", " q4_k", "f64", "q4_0_4_4", "int8", "q4-k"}) {
        EXPECT_EQ(parse_tensor_type(name), std::nullopt) << '"' << name << '"';
    }
}

// ---- Known answers: hand-built blocks pin the bit layouts ----
//
// Expected values come from the layout description in the task (and ggml's), worked out by hand
// or by an element-centric transcription of it ("element e takes its bits from ..."), never
// from the decoders under test.

std::vector<float> decode_bytes(TensorType type, const std::vector<uint8_t>& bytes) {
    const TensorTypeTraits& traits = traits_of(type);
    const int64_t n = int64_t(bytes.size() / traits.type_size) * traits.block_size;
    EXPECT_EQ(tensor_row_bytes(type, n), bytes.size());
    return dequantize(type, bytes, n);
}

void expect_values(const std::vector<float>& actual, const std::vector<float>& expected) {
    ASSERT_EQ(actual.size(), expected.size());
    for (size_t idx = 0; idx < expected.size(); ++idx) {
        EXPECT_EQ(actual[idx], expected[idx]) << "element " << idx;
    }
}

// Nibble pattern of the legacy blocks: low nibble of byte j is j, high nibble 15 - j.
const std::vector<uint8_t> LEGACY_QS = {0xF0, 0xE1, 0xD2, 0xC3, 0xB4, 0xA5, 0x96, 0x87,
                                        0x78, 0x69, 0x5A, 0x4B, 0x3C, 0x2D, 0x1E, 0x0F};

std::vector<uint8_t> concat(std::vector<std::vector<uint8_t>> parts) {
    std::vector<uint8_t> all;
    for (const auto& part : parts) all.insert(all.end(), part.begin(), part.end());
    return all;
}

TEST(QuantsKnownAnswer, F32F16Bf16DecodeLittleEndianBits) {
    expect_values(decode_bytes(TensorType::F32, {0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xBF}),
                  {1.0f, -0.5f});
    expect_values(decode_bytes(TensorType::F16, {0x00, 0x3C, 0x00, 0xC0, 0x01, 0x00, 0xFF, 0x7B,
                                                 0x55, 0x35, 0x00, 0x80}),
                  {1.0f, -2.0f, 5.9604644775390625e-8f, 65504.0f, 0.333251953125f, -0.0f});
    const std::vector<float> f16_inf = decode_bytes(TensorType::F16, {0x00, 0x7C, 0x00, 0xFC});
    EXPECT_EQ(f16_inf[0], std::numeric_limits<float>::infinity());
    EXPECT_EQ(f16_inf[1], -std::numeric_limits<float>::infinity());
    expect_values(decode_bytes(TensorType::BF16, {0x80, 0x3F, 0x49, 0x40, 0x80, 0xFF, 0x00, 0x00}),
                  {1.0f, 3.140625f, -std::numeric_limits<float>::infinity(), 0.0f});
}

TEST(QuantsKnownAnswer, Q4_0) {
    // d = 2.0 (fp16 0x4000); x = (nibble - 8) * d.
    const auto y = decode_bytes(TensorType::Q4_0, concat({{0x00, 0x40}, LEGACY_QS}));
    // Elements 0..15, then 16..31.
    // clang-format off
    expect_values(y, {-16, -14, -12, -10, -8, -6, -4, -2, 0, 2, 4, 6, 8, 10, 12, 14,
                      14, 12, 10, 8, 6, 4, 2, 0, -2, -4, -6, -8, -10, -12, -14, -16});
    // clang-format on
}

TEST(QuantsKnownAnswer, Q4_1) {
    // d = 0.5 (0x3800), m = -2.0 (0xC000); x = nibble * d + m.
    const auto y = decode_bytes(TensorType::Q4_1, concat({{0x00, 0x38, 0x00, 0xC0}, LEGACY_QS}));
    // Elements 0..15, then 16..31.
    // clang-format off
    expect_values(y, {-2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5,
                      5.5, 5, 4.5, 4, 3.5, 3, 2.5, 2, 1.5, 1, 0.5, 0, -0.5, -1, -1.5, -2});
    // clang-format on
}

// qh = bytes {0x01, 0x80, 0xFF, 0x00}: as a little-endian uint32 bits 0, 15 and 16..23 are set.
const std::vector<uint8_t> LEGACY_QH = {0x01, 0x80, 0xFF, 0x00};

TEST(QuantsKnownAnswer, Q5_0) {
    // d = 1.0 (0x3C00); q = nibble | qh bit e << 4; x = (q - 16) * d.
    const auto y = decode_bytes(TensorType::Q5_0, concat({{0x00, 0x3C}, LEGACY_QH, LEGACY_QS}));
    // Elements 0..15, then 16..31.
    // clang-format off
    expect_values(y, {0, -15, -14, -13, -12, -11, -10, -9, -8, -7, -6, -5, -4, -3, -2, 15,
                      15, 14, 13, 12, 11, 10, 9, 8, -9, -10, -11, -12, -13, -14, -15, -16});
    // clang-format on
}

TEST(QuantsKnownAnswer, Q5_1) {
    // d = 0.5 (0x3800), m = 1.0 (0x3C00); x = q * d + m.
    const auto y =
        decode_bytes(TensorType::Q5_1, concat({{0x00, 0x38, 0x00, 0x3C}, LEGACY_QH, LEGACY_QS}));
    // Elements 0..15, then 16..31.
    // clang-format off
    expect_values(y, {9, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7, 7.5, 8, 16.5,
                      16.5, 16, 15.5, 15, 14.5, 14, 13.5, 13, 4.5, 4, 3.5, 3, 2.5, 2, 1.5, 1});
    // clang-format on
}

TEST(QuantsKnownAnswer, Q8_0) {
    // d = -0.5 (0xB800); qs = -128, -15, -14, ..., 14, 127 (int8).
    std::vector<uint8_t> bytes = {0x00, 0xB8, 0x80};
    for (int q = -15; q <= 14; ++q) bytes.push_back(uint8_t(int8_t(q)));
    bytes.push_back(0x7F);
    const auto y = decode_bytes(TensorType::Q8_0, bytes);
    // Elements 0..15, then 16..31.
    // clang-format off
    expect_values(y, {64, 7.5, 7, 6.5, 6, 5.5, 5, 4.5, 4, 3.5, 3, 2.5, 2, 1.5, 1, 0.5,
                      0, -0.5, -1, -1.5, -2, -2.5, -3, -3.5, -4, -4.5, -5, -5.5, -6, -6.5, -7,
                      -63.5});
    // clang-format on
}

// Q4_K/Q5_K: d = 1.0 (0x3C00), dmin = 0.5 (0x3800) and these hand-packed 6-bit codes.
constexpr int K_SCALES[8] = {1, 2, 3, 4, 33, 50, 63, 17};
constexpr int K_MINS[8] = {0, 1, 2, 3, 40, 21, 63, 5};
// Bytes 0..3: scale | (scale of sub-block +4) >> 4 << 6; bytes 4..7 likewise for the mins;
// bytes 8..11: (scale of +4) & 15 | ((min of +4) & 15) << 4.
const std::vector<uint8_t> K_PACKED_SCALES = {0x81, 0xC2, 0xC3, 0x44, 0x80, 0x41,
                                              0xC2, 0x03, 0x81, 0x52, 0xFF, 0x51};

std::vector<uint8_t> byte_pattern(int count, int mul, int add) {
    std::vector<uint8_t> bytes(count);
    for (int idx = 0; idx < count; ++idx) bytes[idx] = uint8_t(idx * mul + add);
    return bytes;
}

TEST(QuantsKnownAnswer, KScaleMinUnpacksTheSixBitCodes) {
    for (int sub_idx = 0; sub_idx < 8; ++sub_idx) {
        const kernels::KScaleMin codes = kernels::k_scale_min(K_PACKED_SCALES.data(), sub_idx);
        EXPECT_EQ(codes.scale, K_SCALES[sub_idx]) << sub_idx;
        EXPECT_EQ(codes.min, K_MINS[sub_idx]) << sub_idx;
    }
}

TEST(QuantsKnownAnswer, Q4_K) {
    const std::vector<uint8_t> qs = byte_pattern(128, 37, 11);
    const auto y =
        decode_bytes(TensorType::Q4_K, concat({{0x00, 0x3C, 0x00, 0x38}, K_PACKED_SCALES, qs}));
    ASSERT_EQ(y.size(), 256u);
    // Element e: chunk c = e / 64 reads qs[32c + e % 32]; the first 32 of the chunk take the low
    // nibble with sub-block 2c, the next 32 the high nibble with sub-block 2c + 1.
    for (int e = 0; e < 256; ++e) {
        const int chunk = e / 64, in_chunk = e % 64;
        const uint8_t byte = qs[32 * chunk + in_chunk % 32];
        const int sub = 2 * chunk + (in_chunk >= 32 ? 1 : 0);
        const int q = in_chunk < 32 ? (byte & 0xF) : (byte >> 4);
        EXPECT_EQ(y[e], 1.0f * K_SCALES[sub] * q - 0.5f * K_MINS[sub]) << "element " << e;
    }
    // Spot values by hand: qs[0] = 0x0B, qs[1] = 0x30, qs[5] = 0xC4, qs[95] = 0xC6,
    // qs[100] = 0x7F, qs[127] = 0x66.
    EXPECT_EQ(y[0], 11.0f);     // 1 * 11 - 0.5 * 0
    EXPECT_EQ(y[5], 4.0f);      // 1 * 4 - 0
    EXPECT_EQ(y[33], 5.5f);     // 2 * 3 - 0.5 * 1
    EXPECT_EQ(y[37], 23.5f);    // 2 * 12 - 0.5
    EXPECT_EQ(y[159], 178.0f);  // 33 * 6 - 0.5 * 40
    EXPECT_EQ(y[191], 589.5f);  // 50 * 12 - 0.5 * 21
    EXPECT_EQ(y[196], 913.5f);  // 63 * 15 - 0.5 * 63
    EXPECT_EQ(y[228], 116.5f);  // 17 * 7 - 0.5 * 5
    EXPECT_EQ(y[255], 99.5f);   // 17 * 6 - 2.5
}

TEST(QuantsKnownAnswer, Q5_K) {
    const std::vector<uint8_t> qh = byte_pattern(32, 29, 3);
    const std::vector<uint8_t> qs = byte_pattern(128, 37, 11);
    const auto y =
        decode_bytes(TensorType::Q5_K, concat({{0x00, 0x3C, 0x00, 0x38}, K_PACKED_SCALES, qh, qs}));
    ASSERT_EQ(y.size(), 256u);
    // As Q4_K, plus bit `sub` of qh[e % 32] as bit 4.
    for (int e = 0; e < 256; ++e) {
        const int chunk = e / 64, in_chunk = e % 64, l = in_chunk % 32;
        const uint8_t byte = qs[32 * chunk + l];
        const int sub = 2 * chunk + (in_chunk >= 32 ? 1 : 0);
        const int q = (in_chunk < 32 ? (byte & 0xF) : (byte >> 4)) | ((qh[l] >> sub) & 1) << 4;
        EXPECT_EQ(y[e], 1.0f * K_SCALES[sub] * q - 0.5f * K_MINS[sub]) << "element " << e;
    }
    // By hand: qh[0] = 0x03, qh[1] = 0x20, qh[4] = 0x77, qh[5] = 0x94, qh[31] = 0x86;
    // qs[33] = 0xD0, qs[37] = 0x64.
    EXPECT_EQ(y[0], 27.0f);      // q = 11 + 16
    EXPECT_EQ(y[33], 5.5f);      // bit 1 of 0x20 clear: q = 3
    EXPECT_EQ(y[65], -1.0f);     // sub-block 2, q = 0: 3 * 0 - 0.5 * 2
    EXPECT_EQ(y[69], 59.0f);     // bit 2 of 0x94 set: q = 4 + 16; 3 * 20 - 1
    EXPECT_EQ(y[97], 50.5f);     // sub-block 3, q = 13: 4 * 13 - 1.5
    EXPECT_EQ(y[196], 1921.5f);  // bit 6 of 0x77 set: q = 31; 63 * 31 - 31.5
    EXPECT_EQ(y[228], 116.5f);   // bit 7 of 0x77 clear: q = 7
    EXPECT_EQ(y[255], 371.5f);   // bit 7 of 0x86 set: q = 6 + 16; 17 * 22 - 2.5
}

TEST(QuantsKnownAnswer, Q6_K) {
    const std::vector<uint8_t> ql = byte_pattern(128, 37, 11);
    const std::vector<uint8_t> qh = byte_pattern(64, 29, 3);
    const int8_t scales[16] = {1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12, 13, -14, 127, -128};
    std::vector<uint8_t> scale_bytes(16);
    std::memcpy(scale_bytes.data(), scales, 16);
    // d = 0.25 (0x3400), stored last.
    const auto y = decode_bytes(TensorType::Q6_K, concat({ql, qh, scale_bytes, {0x00, 0x34}}));
    ASSERT_EQ(y.size(), 256u);
    // Element e = 128h + 32g + l: low 4 bits from ql[64h + 32(g % 2) + l] (high nibble when
    // g >= 2), top 2 bits from bits 2g, 2g + 1 of qh[32h + l]; scale scales[e / 16].
    for (int e = 0; e < 256; ++e) {
        const int h = e / 128, g = (e % 128) / 32, l = e % 32;
        const uint8_t low_byte = ql[64 * h + 32 * (g % 2) + l];
        const int low = g < 2 ? (low_byte & 0xF) : (low_byte >> 4);
        const int high = (qh[32 * h + l] >> (2 * g)) & 3;
        const int q = (low | high << 4) - 32;
        EXPECT_EQ(y[e], 0.25f * scales[e / 16] * q) << "element " << e;
    }
    // By hand: ql[0] = 0x0B, ql[5] = 0xC4, ql[33] = 0xD0, ql[37] = 0x64, ql[66] = 0x95,
    // ql[100] = 0x7F, ql[112] = 0x3B, ql[127] = 0x66; qh[0] = 0x03, qh[1] = 0x20, qh[5] = 0x94,
    // qh[34] = 0xDD, qh[36] = 0x17, qh[48] = 0x73, qh[63] = 0x26.
    EXPECT_EQ(y[0], 6.75f);       // q = 11 | 3 << 4 = 59 - 32 = 27; 0.25 * 1 * 27
    EXPECT_EQ(y[33], -24.0f);     // q = 0 - 32; scale 3
    EXPECT_EQ(y[69], -5.0f);      // q = 12 | 1 << 4 - 32 = -4; scale 5
    EXPECT_EQ(y[101], 10.5f);     // q = 6 | 2 << 4 - 32 = 6; scale 7
    EXPECT_EQ(y[130], -24.75f);   // q = 5 | 1 << 4 - 32 = -11; scale 9
    EXPECT_EQ(y[228], -793.75f);  // q = 7 - 32 = -25; scale 127
    EXPECT_EQ(y[240], 416.0f);    // q = 3 | 1 << 4 - 32 = -13; scale -128
    EXPECT_EQ(y[255], 832.0f);    // q = 6 - 32 = -26; scale -128
}

TEST(QuantsKnownAnswer, Q8_K) {
    // float d = 0.5 (bytes 00 00 00 3F), qs[i] = i as int8, bsums ignored by decoding.
    std::vector<uint8_t> bytes = concat({{0x00, 0x00, 0x00, 0x3F}, byte_pattern(256, 1, 0)});
    bytes.resize(292, 0xAB);
    const auto y = decode_bytes(TensorType::Q8_K, bytes);
    ASSERT_EQ(y.size(), 256u);
    for (int e = 0; e < 256; ++e) {
        EXPECT_EQ(y[e], 0.5f * float(e < 128 ? e : e - 256)) << "element " << e;
    }
    EXPECT_EQ(y[127], 63.5f);
    EXPECT_EQ(y[128], -64.0f);
    EXPECT_EQ(y[255], -0.5f);
}

// ---- Quantizer behaviour ----

TEST(QuantsQuantizer, Q4_0MapsTheLargestMagnitudeToLevelMinusEight) {
    std::vector<float> x(32, 0.25f);
    x[3] = 4.0f;   // largest magnitude, positive: d = 4 / -8 = -0.5
    x[7] = -3.5f;  // the other side reaches level +7 exactly
    const auto row = quantize(TensorType::Q4_0, x);
    EXPECT_EQ(row[0] | row[1] << 8, 0xB800);  // fp16 -0.5
    EXPECT_EQ(row[2 + 3] & 0xF, 0);           // 4.0 -> nibble 0 (level -8)
    EXPECT_EQ(row[2 + 7] & 0xF, 15);          // -3.5 -> nibble 15 (level +7)
    const auto y = dequantize(TensorType::Q4_0, row, 32);
    EXPECT_EQ(y[3], 4.0f);
    EXPECT_EQ(y[7], -3.5f);
}

TEST(QuantsQuantizer, Q8_0ReproducesValuesOnItsGrid) {
    std::vector<float> x(32);
    for (int idx = 0; idx < 32; ++idx)
        x[idx] = 0.5f * float(idx * 8 - 127);  // amax 63.5 = 127 * 0.5
    x[31] = 63.5f;
    expect_values(round_trip(TensorType::Q8_0, x), x);
}

TEST(QuantsQuantizer, Q8_KBlockSumsAreSumsOfSixteenQuants) {
    const auto x = normal_data(512, 7);
    const auto row = quantize(TensorType::Q8_K, x);
    for (int block_idx = 0; block_idx < 2; ++block_idx) {
        kernels::BlockQ8_K block;
        std::memcpy(&block, row.data() + block_idx * sizeof(block), sizeof(block));
        for (int group_idx = 0; group_idx < 16; ++group_idx) {
            int sum = 0;
            for (int elem_idx = 0; elem_idx < 16; ++elem_idx)
                sum += block.qs[16 * group_idx + elem_idx];
            EXPECT_EQ(block.bsums[group_idx], sum) << block_idx << " " << group_idx;
        }
    }
}

TEST(QuantsQuantizer, F16AndBf16ClipFiniteValuesInsteadOfOverflowing) {
    const std::vector<float> x = {1e5f, -1e6f, std::numeric_limits<float>::max(), 70000.0f};
    const auto y16 = round_trip(TensorType::F16, x);
    expect_values(y16, {65504.0f, -65504.0f, 65504.0f, 65504.0f});
    const auto y_bf16 = round_trip(TensorType::BF16, {std::numeric_limits<float>::max(), 1.0f});
    EXPECT_EQ(kernels::f32_bits(y_bf16[0]), 0x7F7F0000u);  // largest finite bfloat16
    EXPECT_EQ(y_bf16[1], 1.0f);
    const float inf = std::numeric_limits<float>::infinity();
    const auto y_inf = round_trip(TensorType::F16, {inf, -inf});
    EXPECT_EQ(y_inf[0], inf);
    EXPECT_EQ(y_inf[1], -inf);
}

TEST(QuantsQuantizer, F16RowRoundTripsEveryHalfBitPattern) {
    std::vector<uint8_t> row;
    for (uint32_t bits = 0; bits < 0x10000; ++bits) {
        const bool is_nan = (bits & 0x7C00) == 0x7C00 && (bits & 0x3FF) != 0;
        if (is_nan) continue;
        row.push_back(uint8_t(bits));
        row.push_back(uint8_t(bits >> 8));
    }
    const int64_t n = int64_t(row.size() / 2);
    const auto y = dequantize(TensorType::F16, row, n);
    std::vector<uint8_t> again(row.size());
    traits_of(TensorType::F16).from_float(y.data(), again.data(), n);
    EXPECT_EQ(again, row);
}

// ---- Round-trip error, per type ----

struct TypeCase {
    TensorType type;
    // Bound on the relative RMS error for standard-normal data (see the table in quants.h).
    double max_rel_rms;
    // Scales (or values) in fp16: magnitudes below ~1e-7 flush to zero.
    bool fp16_range;
};

// Bounds sit 3-6% above the measured errors (64 Ki values, seed 1234): tight enough that losing
// the K-quant scale search (Q4_K 7.4e-2, Q5_K 3.56e-2, Q6_K 1.82e-2 without it) fails.
const TypeCase TYPE_CASES[] = {
    {TensorType::F32, 0.0, false},      {TensorType::F16, 2.2e-4, true},
    {TensorType::BF16, 1.75e-3, false}, {TensorType::Q8_0, 5.6e-3, true},
    {TensorType::Q8_K, 7.3e-3, false},  {TensorType::Q6_K, 1.72e-2, true},
    {TensorType::Q5_1, 3.95e-2, true},  {TensorType::Q5_0, 4.45e-2, true},
    {TensorType::Q5_K, 3.55e-2, true},  {TensorType::Q4_1, 8.2e-2, true},
    {TensorType::Q4_0, 9.0e-2, true},   {TensorType::Q4_K, 7.22e-2, true},
};

// Failure messages name the type instead of dumping the struct's bytes.
void PrintTo(const TypeCase& type_case, std::ostream* os) {
    *os << tensor_type_name(type_case.type);
}

class QuantsRoundTrip : public ::testing::TestWithParam<TypeCase> {
protected:
    TensorType type() const { return GetParam().type; }
    double bound() const { return GetParam().max_rel_rms; }
    int64_t block_size() const { return traits_of(type()).block_size; }
};

constexpr int64_t N_ROW = 4096;  // 16 super-blocks

TEST_P(QuantsRoundTrip, NormalDataStaysWithinTheErrorBound) {
    const auto x = normal_data(64 * 1024, 1234);
    const auto y = round_trip(type(), x);
    EXPECT_TRUE(all_finite(y));
    const double err = relative_rms(x, y);
    EXPECT_LE(err, bound());
    if (type() != TensorType::F32) {
        EXPECT_GT(err, 0.0);  // a lossy type that comes out exact is suspect
    }
    RecordProperty("rel_rms", std::to_string(err));
}

TEST_P(QuantsRoundTrip, WideUniformRangeStaysWithinTheErrorBound) {
    const auto x = uniform_data(N_ROW, 99, -1e4f, 1e4f);
    const auto y = round_trip(type(), x);
    EXPECT_TRUE(all_finite(y));
    EXPECT_LE(relative_rms(x, y), bound());
}

TEST_P(QuantsRoundTrip, AllZerosDecodeToExactZeros) {
    const std::vector<float> x(N_ROW, 0.0f);
    const auto y = round_trip(type(), x);
    for (int64_t idx = 0; idx < N_ROW; ++idx) ASSERT_EQ(y[idx], 0.0f) << idx;
}

TEST_P(QuantsRoundTrip, ConstantRowsStayWithinTheErrorBound) {
    for (float value : {0.37f, -2.5f, 1000.0f, -1e-3f}) {
        const std::vector<float> x(N_ROW, value);
        const auto y = round_trip(type(), x);
        EXPECT_TRUE(all_finite(y)) << value;
        // One value, so its rounding error is not averaged: allow twice the RMS bound.
        EXPECT_LE(relative_rms(x, y), std::max(2 * bound(), 1e-3)) << value;
    }
}

TEST_P(QuantsRoundTrip, OneHugeOutlierIsKeptAndOnlyAffectsItsBlock) {
    auto x = normal_data(N_ROW, 42);
    const int64_t outlier_idx = 1000;
    const float outlier = 1000.0f;  // about 300 times the largest normal value
    x[outlier_idx] = outlier;
    const auto y = round_trip(type(), x);
    EXPECT_TRUE(all_finite(y));
    EXPECT_NEAR(y[outlier_idx], outlier, outlier * 0.01);
    // Its block-mates lose precision (the step is now ~outlier / levels) but are not blown up.
    const int64_t block_begin = outlier_idx / block_size() * block_size();
    const int64_t block_end = block_begin + block_size();
    for (int64_t idx = block_begin; idx < block_end; ++idx) {
        if (idx != outlier_idx) {
            EXPECT_LE(std::fabs(y[idx] - x[idx]), 0.05 * outlier) << idx;
        }
    }
    // Other blocks are coded as if it did not exist.
    EXPECT_LE(relative_rms(x, y, 0, size_t(block_begin)), bound() * 1.25);
    EXPECT_LE(relative_rms(x, y, size_t(block_end)), bound() * 1.25);
}

TEST_P(QuantsRoundTrip, TinyValuesStayFiniteAndSmall) {
    const auto x = normal_data(N_ROW, 5, 1e-8f);
    const auto y = round_trip(type(), x);
    EXPECT_TRUE(all_finite(y));
    if (GetParam().fp16_range) {
        // Below the smallest fp16 steps: flushed towards zero, never amplified.
        EXPECT_LE(max_abs_error(x, y), 1e-7);
    } else {
        EXPECT_LE(relative_rms(x, y), bound());
    }
}

TEST_P(QuantsRoundTrip, HugeFiniteValuesSaturateInsteadOfOverflowing) {
    auto x = normal_data(N_ROW, 6, 1e30f);
    x[17] = std::numeric_limits<float>::max();
    x[300] = -std::numeric_limits<float>::max();
    const auto y = round_trip(type(), x);
    EXPECT_TRUE(all_finite(y));
}

TEST_P(QuantsRoundTrip, NonFiniteInputDoesNotSpreadToOtherBlocks) {
    auto x = normal_data(N_ROW, 8);
    x[0] = std::numeric_limits<float>::quiet_NaN();
    x[1] = std::numeric_limits<float>::infinity();
    x[2] = -std::numeric_limits<float>::infinity();
    const auto y = round_trip(type(), x);
    const size_t next_block = size_t(std::max<int64_t>(block_size(), 32));
    EXPECT_TRUE(all_finite(y, next_block));
    EXPECT_LE(relative_rms(x, y, next_block), bound() * 1.25);
}

TEST_P(QuantsRoundTrip, DotMatchesTheDequantizedRowTimesX) {
    const auto row = quantize(type(), normal_data(N_ROW, 11));
    const auto a = dequantize(type(), row, N_ROW);
    const auto x = normal_data(N_ROW, 12);
    double expected = 0.0, magnitude = 0.0;
    for (int64_t idx = 0; idx < N_ROW; ++idx) {
        expected += double(a[idx]) * double(x[idx]);
        magnitude += std::fabs(double(a[idx]) * double(x[idx]));
    }
    const float dot = traits_of(type()).dot_f32(row.data(), x.data(), N_ROW);
    EXPECT_NEAR(dot, expected, 1e-5 * magnitude);
    // A small row: one block (or one element for the float types).
    const int64_t n_small = block_size();
    const float dot_small = traits_of(type()).dot_f32(row.data(), x.data(), n_small);
    double expected_small = 0.0;
    for (int64_t idx = 0; idx < n_small; ++idx) expected_small += double(a[idx]) * double(x[idx]);
    EXPECT_NEAR(dot_small, expected_small, 1e-5 * magnitude);
}

TEST_P(QuantsRoundTrip, KernelsAcceptUnalignedRows) {
    const auto x = normal_data(N_ROW, 13);
    const auto row = quantize(type(), x);
    // The same bytes one byte past an aligned address.
    std::vector<uint8_t> shifted = {0};
    shifted.insert(shifted.end(), row.begin(), row.end());
    const TensorTypeTraits& traits = traits_of(type());

    std::vector<float> y_aligned(N_ROW), y_shifted(N_ROW);
    traits.to_float(row.data(), y_aligned.data(), N_ROW);
    traits.to_float(shifted.data() + 1, y_shifted.data(), N_ROW);
    EXPECT_EQ(y_aligned, y_shifted);
    EXPECT_EQ(traits.dot_f32(shifted.data() + 1, x.data(), N_ROW),
              traits.dot_f32(row.data(), x.data(), N_ROW));

    std::vector<uint8_t> requantized(row.size() + 1);
    traits.from_float(x.data(), requantized.data() + 1, N_ROW);
    EXPECT_TRUE(std::equal(row.begin(), row.end(), requantized.begin() + 1));
}

INSTANTIATE_TEST_SUITE_P(AllTypes, QuantsRoundTrip, ::testing::ValuesIn(TYPE_CASES),
                         [](const ::testing::TestParamInfo<TypeCase>& info) {
                             return std::string(tensor_type_name(info.param.type));
                         });

TEST(QuantsDot, FloatTypesHandleRowsThatAreNotMultiplesOfTheGroup) {
    const int64_t n = 37;
    const auto a = normal_data(n, 21);
    const auto x = normal_data(n, 22);
    for (TensorType type : {TensorType::F32, TensorType::F16, TensorType::BF16}) {
        const auto row = quantize(type, a);
        const auto a_decoded = dequantize(type, row, n);
        double expected = 0.0, magnitude = 0.0;
        for (int64_t idx = 0; idx < n; ++idx) {
            expected += double(a_decoded[idx]) * x[idx];
            magnitude += std::fabs(double(a_decoded[idx]) * x[idx]);
        }
        EXPECT_NEAR(traits_of(type).dot_f32(row.data(), x.data(), n), expected, 1e-6 * magnitude)
            << tensor_type_name(type);
    }
}

}  // namespace
}  // namespace souverain
