// K-quant dot kernels (Q4_K, Q5_K, Q6_K weights against Q8_K activations): the scalar twins
// against a double-precision transcription of their semantics and against the dot product of
// the dequantized operands, and every SIMD level this CPU runs against the scalar twin over
// many row lengths, column counts, strides and misaligned rows.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "engine/tensor_type.h"
#include "kernels/dot.h"
#include "kernels/dot_impl.h"
#include "kernels/generic/fp16.h"
#include "kernels/generic/quants.h"

namespace souverain::kernels {
namespace {

// ---- The types under test ----

struct KCase {
    const char* name;
    TensorType type;
    size_t block_bytes;
    DotFn kernels[3];  // indexed by KernelLevel
    ToFloatFn to_float;
};

#if defined(__x86_64__)
#define SOUVERAIN_K_KERNELS(type) \
    { dot_##type##_q8_k_scalar, dot_##type##_q8_k_avx2, dot_##type##_q8_k_avx512 }
#else
#define SOUVERAIN_K_KERNELS(type) \
    { dot_##type##_q8_k_scalar, nullptr, nullptr }
#endif

const KCase K_CASES[] = {
    {"Q4_K", TensorType::Q4_K, sizeof(BlockQ4_K), SOUVERAIN_K_KERNELS(q4_k), q4_k_to_float},
    {"Q5_K", TensorType::Q5_K, sizeof(BlockQ5_K), SOUVERAIN_K_KERNELS(q5_k), q5_k_to_float},
    {"Q6_K", TensorType::Q6_K, sizeof(BlockQ6_K), SOUVERAIN_K_KERNELS(q6_k), q6_k_to_float},
};

#undef SOUVERAIN_K_KERNELS

// gtest prints parameters of failing tests with this.
void PrintTo(const KCase& k_case, std::ostream* os) {
    *os << k_case.name;
}

bool is_q6_k(const KCase& k_case) {
    return k_case.block_bytes == sizeof(BlockQ6_K);
}

constexpr KernelLevel ALL_LEVELS[] = {KernelLevel::SCALAR, KernelLevel::AVX2, KernelLevel::AVX512};

// The levels this CPU (and SOUVERAIN_KERNELS) allows, SCALAR first.
std::vector<KernelLevel> supported_levels() {
    std::vector<KernelLevel> levels;
    for (KernelLevel level : ALL_LEVELS) {
        if (int(level) <= int(best_kernel_level())) levels.push_back(level);
    }
    return levels;
}

// Row lengths in blocks: odd and even counts around the 4- and 8-block boundaries, and the rows
// of a 4096 x 14336 feed-forward layer.
constexpr int64_t BLOCK_COUNTS[] = {1, 2, 3, 7, 8, 9, 33, 4096 / QK_K, 14336 / QK_K};

// ---- Element-wise transcription of the formats (independent of the kernels) ----

// Element e of a weight block is d * scale * level - dmin * min (Q4_K, Q5_K) or
// d * scale * (level - 32) (Q6_K, min unused).
struct ElementCode {
    int level;
    int scale;
    int min;
};

ElementCode element_code(const KCase& k_case, const uint8_t* block, int elem_idx) {
    const int l = elem_idx % 32;
    if (is_q6_k(k_case)) {
        // Byte offsets: blocks may be misaligned.
        const uint8_t* ql = block + offsetof(BlockQ6_K, ql);
        const uint8_t* qh = block + offsetof(BlockQ6_K, qh);
        const int8_t scale = int8_t(block[offsetof(BlockQ6_K, scales) + elem_idx / 16]);
        const int half_idx = elem_idx / 128;
        const int group_idx = elem_idx % 128 / 32;
        const uint8_t low_byte = ql[64 * half_idx + 32 * (group_idx % 2) + l];
        const int low = group_idx < 2 ? low_byte % 16 : low_byte / 16;
        const int high = qh[32 * half_idx + l] >> (2 * group_idx) & 3;
        return {low + 16 * high, scale, 0};
    }
    const bool q5 = k_case.block_bytes == sizeof(BlockQ5_K);
    const uint8_t* scales = block + offsetof(BlockQ4_K, scales);
    const uint8_t* qs = block + (q5 ? offsetof(BlockQ5_K, qs) : offsetof(BlockQ4_K, qs));
    const int sub_idx = elem_idx / 32;
    const uint8_t byte = qs[32 * (elem_idx / 64) + l];
    int level = sub_idx % 2 == 0 ? byte % 16 : byte / 16;
    if (q5) level += 16 * (block[offsetof(BlockQ5_K, qh) + l] >> sub_idx & 1);
    const KScaleMin scale_min = k_scale_min(scales, sub_idx);
    return {level, scale_min.scale, scale_min.min};
}

float weight_d(const KCase& k_case, const uint8_t* block) {
    uint16_t bits;
    std::memcpy(&bits, block + (is_q6_k(k_case) ? offsetof(BlockQ6_K, d) : 0), 2);
    return fp16_to_fp32(bits);
}

float weight_dmin(const uint8_t* block) {
    uint16_t bits;
    std::memcpy(&bits, block + offsetof(BlockQ4_K, dmin), 2);
    return fp16_to_fp32(bits);
}

// A dot product and the sum of the magnitudes of the terms it adds up (in any order an
// implementation may choose): float rounding errors are bounded relative to the latter.
struct Reference {
    double value = 0.0;
    double abs_terms = 0.0;
};

// The documented semantics (dot_k_scalar.cpp) in exact integers and double scales.
Reference integer_reference(const KCase& k_case, const uint8_t* w_row, const uint8_t* act_col,
                            int64_t n_blocks) {
    Reference ref;
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        const uint8_t* w_block = w_row + block_idx * k_case.block_bytes;
        BlockQ8_K a;
        std::memcpy(&a, act_col + block_idx * sizeof(BlockQ8_K), sizeof(a));
        const double d = double(weight_d(k_case, w_block)) * a.d;
        int64_t sum_q = 0, abs_q = 0;
        for (int elem_idx = 0; elem_idx < int(QK_K); ++elem_idx) {
            const ElementCode code = element_code(k_case, w_block, elem_idx);
            if (is_q6_k(k_case)) {
                sum_q += int64_t(code.scale) * (code.level - 32) * a.qs[elem_idx];
                // The SIMD kernels add level * qs and -32 * bsums separately.
                abs_q +=
                    int64_t(std::abs(code.scale)) * (code.level + 32) * std::abs(a.qs[elem_idx]);
            } else {
                sum_q += int64_t(code.scale) * code.level * a.qs[elem_idx];
                abs_q += int64_t(code.scale) * code.level * std::abs(a.qs[elem_idx]);
            }
        }
        ref.value += d * double(sum_q);
        ref.abs_terms += std::fabs(d) * double(abs_q);
        if (is_q6_k(k_case)) continue;
        const double dmin = double(weight_dmin(w_block)) * a.d;
        int64_t sum_min = 0, abs_min = 0;
        for (int sub_idx = 0; sub_idx < 8; ++sub_idx) {
            const int min = element_code(k_case, w_block, 32 * sub_idx).min;
            sum_min += int64_t(min) * (a.bsums[2 * sub_idx] + a.bsums[2 * sub_idx + 1]);
            abs_min += int64_t(min) *
                       (std::abs(a.bsums[2 * sub_idx]) + std::abs(a.bsums[2 * sub_idx + 1]));
        }
        ref.value -= dmin * double(sum_min);
        ref.abs_terms += std::fabs(dmin) * double(abs_min);
    }
    return ref;
}

// The dot product of the dequantized weight row (the type's to_float) with the dequantized
// activation column (d * qs).
Reference dequantized_reference(const KCase& k_case, const uint8_t* w_row, const uint8_t* act_col,
                                int64_t n_blocks) {
    const int64_t n = n_blocks * QK_K;
    std::vector<float> w(n);  // F32 [n]
    std::vector<float> x(n);  // F32 [n]
    k_case.to_float(w_row, w.data(), n);
    q8_k_to_float(act_col, x.data(), n);
    Reference ref;
    for (int64_t elem_idx = 0; elem_idx < n; ++elem_idx) {
        ref.value += double(w[elem_idx]) * double(x[elem_idx]);
        // Bound on the rounding of the decoded weight: Q4_K/Q5_K decode as scale * level - min.
        const uint8_t* w_block = w_row + elem_idx / QK_K * k_case.block_bytes;
        const ElementCode code = element_code(k_case, w_block, int(elem_idx % QK_K));
        const double w_abs =
            is_q6_k(k_case)
                ? std::fabs(double(w[elem_idx]))
                : std::fabs(double(weight_d(k_case, w_block))) * code.scale * code.level +
                      std::fabs(double(weight_dmin(w_block))) * code.min;
        ref.abs_terms += w_abs * std::fabs(double(x[elem_idx]));
    }
    return ref;
}

// Float results of the same sum in another order differ by a few ulps of the magnitude sum.
constexpr double REL_TOLERANCE = 1e-5;

void expect_close(double actual, const Reference& ref, const std::string& what) {
    EXPECT_LE(std::fabs(actual - ref.value), REL_TOLERANCE * ref.abs_terms)
        << what << ": got " << actual << ", expected " << ref.value << " (sum of |terms| "
        << ref.abs_terms << ")";
}

// ---- Test data ----

// A finite fp16 scale of magnitude 2^-14 .. 2, random sign.
uint16_t random_scale_half(std::mt19937& rng) {
    std::uniform_real_distribution<float> exponent(-14.0f, 1.0f);
    const float magnitude = std::exp2(exponent(rng));
    return fp32_to_fp16(rng() % 2 ? magnitude : -magnitude);
}

// n_blocks weight blocks starting `offset` bytes into the returned buffer: random bytes (every
// level and scale pattern is valid) with finite fp16 d (and dmin).
std::vector<uint8_t> random_weights(const KCase& k_case, int64_t n_blocks, size_t offset,
                                    std::mt19937& rng) {
    std::vector<uint8_t> bytes(offset + n_blocks * k_case.block_bytes);
    for (uint8_t& byte : bytes) byte = uint8_t(rng());
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        uint8_t* block = bytes.data() + offset + block_idx * k_case.block_bytes;
        const uint16_t d = random_scale_half(rng);
        const uint16_t dmin = random_scale_half(rng);
        if (is_q6_k(k_case)) {
            std::memcpy(block + offsetof(BlockQ6_K, d), &d, 2);
        } else {
            std::memcpy(block + offsetof(BlockQ4_K, d), &d, 2);
            std::memcpy(block + offsetof(BlockQ4_K, dmin), &dmin, 2);
        }
    }
    return bytes;
}

// Sets bsums from qs, as every Q8_K producer must.
void fill_bsums(BlockQ8_K& block) {
    for (int group_idx = 0; group_idx < 16; ++group_idx) {
        int sum = 0;
        for (int elem_idx = 0; elem_idx < 16; ++elem_idx)
            sum += block.qs[16 * group_idx + elem_idx];
        block.bsums[group_idx] = int16_t(sum);
    }
}

// Activation columns: n_cols rows of n_blocks Q8_K blocks, column c at offset + c * stride.
struct Activations {
    std::vector<uint8_t> bytes;
    size_t offset;
    size_t stride;
    const uint8_t* column(int col_idx) const { return bytes.data() + offset + col_idx * stride; }
};

// Random int8 levels over the whole range (-128 included, which no quantizer writes) and
// random positive scales. The stride leaves a gap of a few blocks plus an odd byte count, so
// columns are neither contiguous nor aligned.
Activations random_activations(int64_t n_blocks, int n_cols, size_t offset, std::mt19937& rng) {
    const size_t row_bytes = n_blocks * sizeof(BlockQ8_K);
    Activations act{{}, offset, row_bytes + 2 * sizeof(BlockQ8_K) + 7};
    act.bytes.assign(offset + n_cols * act.stride, 0xAB);
    std::uniform_real_distribution<float> exponent(-12.0f, 0.0f);
    for (int col_idx = 0; col_idx < n_cols; ++col_idx) {
        for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
            BlockQ8_K block;
            block.d = std::exp2(exponent(rng));
            for (int8_t& q : block.qs) q = int8_t(rng());
            fill_bsums(block);
            std::memcpy(
                act.bytes.data() + offset + col_idx * act.stride + block_idx * sizeof(BlockQ8_K),
                &block, sizeof(block));
        }
    }
    return act;
}

std::string label(const KCase& k_case, KernelLevel level, int64_t n_blocks, int n_cols,
                  int col_idx) {
    return std::string(k_case.name) + " " + kernel_level_name(level) +
           " n_blocks=" + std::to_string(n_blocks) + " n_cols=" + std::to_string(n_cols) +
           " col=" + std::to_string(col_idx);
}

constexpr float SENTINEL = -12345.0f;

class DotK : public ::testing::TestWithParam<KCase> {};

// ---- Scalar twins ----

TEST_P(DotK, ScalarTwinComputesTheDocumentedIntegerSums) {
    const KCase& k_case = GetParam();
    std::mt19937 rng(11);
    for (int64_t n_blocks : BLOCK_COUNTS) {
        const std::vector<uint8_t> w = random_weights(k_case, n_blocks, 1, rng);
        const Activations act = random_activations(n_blocks, kMaxDotCols, 3, rng);
        float out[kMaxDotCols];
        k_case.kernels[0](n_blocks * QK_K, w.data() + 1, act.column(0), act.stride, kMaxDotCols,
                          out);
        for (int col_idx = 0; col_idx < kMaxDotCols; ++col_idx) {
            expect_close(out[col_idx],
                         integer_reference(k_case, w.data() + 1, act.column(col_idx), n_blocks),
                         label(k_case, KernelLevel::SCALAR, n_blocks, kMaxDotCols, col_idx));
        }
    }
}

TEST_P(DotK, ScalarTwinEqualsTheDotOfTheDequantizedOperands) {
    const KCase& k_case = GetParam();
    std::mt19937 rng(12);
    for (int64_t n_blocks : {int64_t(1), int64_t(9), 4096 / QK_K}) {
        const std::vector<uint8_t> w = random_weights(k_case, n_blocks, 0, rng);
        // Both synthetic activations and ones from the Q8_K quantizer.
        const Activations act = random_activations(n_blocks, 1, 0, rng);
        std::vector<float> x(n_blocks * QK_K);  // F32 [n]
        std::normal_distribution<float> normal(0.0f, 1.0f);
        for (float& value : x) value = normal(rng);
        std::vector<uint8_t> act_quantized(n_blocks * sizeof(BlockQ8_K));
        q8_k_from_float(x.data(), act_quantized.data(), n_blocks * QK_K);

        for (const uint8_t* act_col :
             {act.column(0), static_cast<const uint8_t*>(act_quantized.data())}) {
            float out = SENTINEL;
            k_case.kernels[0](n_blocks * QK_K, w.data(), act_col, 0, 1, &out);
            expect_close(out, dequantized_reference(k_case, w.data(), act_col, n_blocks),
                         label(k_case, KernelLevel::SCALAR, n_blocks, 1, 0));
        }
    }
}

// ---- Every level against the scalar twin ----

TEST_P(DotK, EverySupportedLevelMatchesTheScalarTwin) {
    const KCase& k_case = GetParam();
    std::mt19937 rng(13);
    for (int64_t n_blocks : BLOCK_COUNTS) {
        // Weights one byte past an aligned address, activations three.
        const std::vector<uint8_t> w = random_weights(k_case, n_blocks, 1, rng);
        const Activations act = random_activations(n_blocks, kMaxDotCols, 3, rng);
        Reference refs[kMaxDotCols];
        for (int col_idx = 0; col_idx < kMaxDotCols; ++col_idx) {
            refs[col_idx] = integer_reference(k_case, w.data() + 1, act.column(col_idx), n_blocks);
        }
        for (int n_cols = 1; n_cols <= kMaxDotCols; ++n_cols) {
            float scalar_out[kMaxDotCols];
            k_case.kernels[0](n_blocks * QK_K, w.data() + 1, act.column(0), act.stride, n_cols,
                              scalar_out);
            for (KernelLevel level : supported_levels()) {
                float out[kMaxDotCols + 1];
                for (float& value : out) value = SENTINEL;
                k_case.kernels[int(level)](n_blocks * QK_K, w.data() + 1, act.column(0), act.stride,
                                           n_cols, out);
                for (int col_idx = 0; col_idx < n_cols; ++col_idx) {
                    const std::string what = label(k_case, level, n_blocks, n_cols, col_idx);
                    expect_close(out[col_idx], {scalar_out[col_idx], refs[col_idx].abs_terms},
                                 what + " vs scalar");
                    expect_close(out[col_idx], refs[col_idx], what + " vs reference");
                }
                for (int col_idx = n_cols; col_idx <= kMaxDotCols; ++col_idx) {
                    EXPECT_EQ(out[col_idx], SENTINEL)
                        << label(k_case, level, n_blocks, n_cols, col_idx) << " written";
                }
            }
        }
    }
}

TEST_P(DotK, EmptyRowsGiveZero) {
    const KCase& k_case = GetParam();
    const uint8_t unused[1] = {0};
    for (KernelLevel level : supported_levels()) {
        float out[kMaxDotCols] = {SENTINEL, SENTINEL, SENTINEL, SENTINEL};
        k_case.kernels[int(level)](0, unused, unused, 0, kMaxDotCols, out);
        for (float value : out)
            EXPECT_EQ(value, 0.0f) << k_case.name << " " << kernel_level_name(level);
    }
}

// The largest levels and scales against activations of -128 and 127: the int16 pair sums of
// maddubs (2 * 63 * 128 at most) must not saturate, nor any int32 sum overflow.
TEST_P(DotK, ExtremeLevelsAndActivationsDoNotSaturate) {
    const KCase& k_case = GetParam();
    const int64_t n_blocks = 3;
    for (uint8_t weight_byte : {uint8_t(0xFF), uint8_t(0x7F), uint8_t(0x80)}) {
        std::vector<uint8_t> w(n_blocks * k_case.block_bytes, weight_byte);
        for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
            uint8_t* block = w.data() + block_idx * k_case.block_bytes;
            const uint16_t one = fp32_to_fp16(1.0f);
            if (is_q6_k(k_case)) {
                std::memcpy(block + offsetof(BlockQ6_K, d), &one, 2);
            } else {
                std::memcpy(block + offsetof(BlockQ4_K, d), &one, 2);
                std::memcpy(block + offsetof(BlockQ4_K, dmin), &one, 2);
            }
        }
        for (int8_t act_level : {int8_t(-128), int8_t(127)}) {
            std::vector<uint8_t> act(n_blocks * sizeof(BlockQ8_K));
            for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
                BlockQ8_K block;
                block.d = 1.0f;
                for (int8_t& q : block.qs) q = act_level;
                fill_bsums(block);
                std::memcpy(act.data() + block_idx * sizeof(block), &block, sizeof(block));
            }
            const Reference ref = integer_reference(k_case, w.data(), act.data(), n_blocks);
            for (KernelLevel level : supported_levels()) {
                float out = SENTINEL;
                k_case.kernels[int(level)](n_blocks * QK_K, w.data(), act.data(), 0, 1, &out);
                expect_close(out, ref,
                             label(k_case, level, n_blocks, 1, 0) + " weight byte " +
                                 std::to_string(weight_byte) + " act " + std::to_string(act_level));
            }
        }
    }
}

// Through the dispatch table, as the matmul uses it: quantize F32 activations with the level's
// quantizer, then dot. Against the float oracle (<type>_dot_f32 of the same row and F32
// activations) the only difference is the activation quantization, whose error per element
// is below 1/254 of its block's largest magnitude.
TEST_P(DotK, DispatchedKernelMatchesTheFloatDotUpToActivationQuantization) {
    const KCase& k_case = GetParam();
    std::mt19937 rng(14);
    const int64_t n_blocks = 4096 / QK_K;
    const int64_t n = n_blocks * QK_K;
    std::vector<float> w_float(n);  // F32 [n]
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (float& value : w_float) value = 0.02f * normal(rng);
    std::vector<uint8_t> w(n_blocks * k_case.block_bytes);
    tensor_type_traits(k_case.type)->from_float(w_float.data(), w.data(), n);
    std::vector<float> w_decoded(n);  // F32 [n]
    k_case.to_float(w.data(), w_decoded.data(), n);

    std::vector<float> x(n * kMaxDotCols);  // F32 [n, kMaxDotCols]
    for (float& value : x) value = normal(rng);
    for (KernelLevel level : supported_levels()) {
        const DotKernel* kernel = dot_kernel(k_case.type, level);
        ASSERT_NE(kernel, nullptr) << k_case.name;
        ASSERT_EQ(kernel->act_type, TensorType::Q8_K) << k_case.name;
        ASSERT_NE(kernel->quantize_act, nullptr) << k_case.name;
        const size_t act_stride = act_row_bytes(TensorType::Q8_K, n);
        std::vector<uint8_t> act(act_stride * kMaxDotCols);
        for (int col_idx = 0; col_idx < kMaxDotCols; ++col_idx) {
            kernel->quantize_act(x.data() + col_idx * n, act.data() + col_idx * act_stride, n);
        }
        float out[kMaxDotCols];
        kernel->dot(n, w.data(), act.data(), act_stride, kMaxDotCols, out);
        for (int col_idx = 0; col_idx < kMaxDotCols; ++col_idx) {
            const float* x_col = x.data() + col_idx * n;
            double abs_terms = 0.0;
            for (int64_t elem_idx = 0; elem_idx < n; ++elem_idx) {
                abs_terms += std::fabs(double(w_decoded[elem_idx]) * x_col[elem_idx]);
            }
            const float expected = tensor_type_traits(k_case.type)->dot_f32(w.data(), x_col, n);
            // Quantization errors have random signs and stay far below their worst case
            // (sum |w| * amax / 254): at most 5e-4 of sum |w * x| over 200 seeds per type.
            EXPECT_NEAR(out[col_idx], expected, 3e-3 * abs_terms)
                << label(k_case, level, n_blocks, kMaxDotCols, col_idx);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(KQuants, DotK, ::testing::ValuesIn(K_CASES),
                         [](const ::testing::TestParamInfo<KCase>& info) {
                             return std::string(info.param.name);
                         });

}  // namespace
}  // namespace souverain::kernels
