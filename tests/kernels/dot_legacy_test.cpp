// Dot-kernel dispatch, activation quantizers, and the float and legacy-type dot kernels at every
// level this CPU supports: each SIMD kernel against its scalar twin, each scalar twin against the
// dot product of the dequantized operands (double precision).
#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <optional>
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

constexpr KernelLevel ALL_LEVELS[] = {KernelLevel::SCALAR, KernelLevel::AVX2, KernelLevel::AVX512};

// Levels at or below what this CPU (and the environment) allows.
std::vector<KernelLevel> supported_levels() {
    std::vector<KernelLevel> levels;
    for (KernelLevel level : ALL_LEVELS) {
        if (level <= best_kernel_level()) levels.push_back(level);
    }
    return levels;
}

std::vector<KernelLevel> supported_simd_levels() {
    std::vector<KernelLevel> levels = supported_levels();
    levels.erase(levels.begin());
    return levels;
}

// ---- Test data ----

// Bytes whose first one sits `offset` bytes past a 64-byte boundary (rows in mapped files need not
// be aligned, and the kernels must not assume they are) and whose last one ends the allocation,
// so that AddressSanitizer catches any read past the end.
class Buffer {
public:
    Buffer(size_t size, size_t offset)
        : base_(static_cast<uint8_t*>(::operator new(size + offset, std::align_val_t(64)))),
          data_(base_ + offset) {}
    ~Buffer() { ::operator delete(base_, std::align_val_t(64)); }
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    uint8_t* data() { return data_; }

private:
    uint8_t* base_;
    uint8_t* data_;
};

uint16_t random_half(std::mt19937& rng, float lo, float hi) {
    std::uniform_real_distribution<float> magnitude(lo, hi);
    const float value = std::bernoulli_distribution(0.5)(rng) ? magnitude(rng) : -magnitude(rng);
    return fp32_to_fp16(value);
}

void store_u16(uint8_t* p, uint16_t bits) {
    std::memcpy(p, &bits, 2);
}

uint16_t load_u16(const uint8_t* p) {
    uint16_t bits;
    std::memcpy(&bits, p, 2);
    return bits;
}

struct LegacyType {
    TensorType type;
    TensorType act_type;
    size_t block_bytes;
    bool affine;  // has the offset m (Q4_1, Q5_1)
};

const LegacyType LEGACY_TYPES[] = {
    {TensorType::Q4_0, TensorType::Q8_0, sizeof(BlockQ4_0), false},
    {TensorType::Q4_1, TensorType::Q8_1, sizeof(BlockQ4_1), true},
    {TensorType::Q5_0, TensorType::Q8_0, sizeof(BlockQ5_0), false},
    {TensorType::Q5_1, TensorType::Q8_1, sizeof(BlockQ5_1), true},
    {TensorType::Q8_0, TensorType::Q8_0, sizeof(BlockQ8_0), false},
};

// Random bytes are valid blocks; only the fp16 scale (and offset) fields are set to finite halves
// in a sane range so that sums stay finite.
void fill_legacy_row(const LegacyType& type, uint8_t* row, int64_t n_blocks, std::mt19937& rng) {
    std::uniform_int_distribution<int> byte(0, 255);
    for (int64_t offset = 0; offset < n_blocks * int64_t(type.block_bytes); ++offset) {
        row[offset] = uint8_t(byte(rng));
    }
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        uint8_t* block = row + block_idx * type.block_bytes;
        store_u16(block, random_half(rng, 1e-3f, 0.1f));
        if (type.affine) store_u16(block + 2, random_half(rng, 1e-3f, 1.0f));
    }
}

// The weight levels of one legacy block, decoded from the layouts in quants.h.
struct WeightBlock {
    int levels[32];
    float d;
    float m;  // 0 for the symmetric types
};

WeightBlock decode_weight_block(TensorType type, const uint8_t* p) {
    WeightBlock block{};
    block.d = fp16_to_fp32(load_u16(p));
    auto nibble = [](const uint8_t* qs, int elem_idx) {
        return elem_idx < 16 ? (qs[elem_idx] & 0xF) : (qs[elem_idx - 16] >> 4);
    };
    auto bit4 = [](const uint8_t* qh, int elem_idx) {
        uint32_t bits;
        std::memcpy(&bits, qh, 4);
        return int((bits >> elem_idx) & 1) << 4;
    };
    for (int elem_idx = 0; elem_idx < 32; ++elem_idx) {
        switch (type) {
            case TensorType::Q4_0:
                block.levels[elem_idx] = nibble(p + 2, elem_idx) - 8;
                break;
            case TensorType::Q4_1:
                block.levels[elem_idx] = nibble(p + 4, elem_idx);
                break;
            case TensorType::Q5_0:
                block.levels[elem_idx] = (nibble(p + 6, elem_idx) | bit4(p + 2, elem_idx)) - 16;
                break;
            case TensorType::Q5_1:
                block.levels[elem_idx] = nibble(p + 8, elem_idx) | bit4(p + 4, elem_idx);
                break;
            default:
                block.levels[elem_idx] = int8_t(p[2 + elem_idx]);
                break;
        }
    }
    if (type == TensorType::Q4_1 || type == TensorType::Q5_1)
        block.m = fp16_to_fp32(load_u16(p + 2));
    return block;
}

// Random activation blocks (Q8_0 or Q8_1 layout) with levels in [-level_max, level_max]. With
// exact_s, d is a power of two and level_max <= 63, so s = d * sum(q) is exact in fp16 and the
// blocks decode to exactly d * q.
void fill_act_column(TensorType act_type, uint8_t* col, int64_t n_blocks, std::mt19937& rng,
                     int level_max, bool exact_s) {
    const size_t block_bytes = act_type == TensorType::Q8_1 ? sizeof(BlockQ8_1) : sizeof(BlockQ8_0);
    const size_t qs_offset = act_type == TensorType::Q8_1 ? 4 : 2;
    std::uniform_int_distribution<int> level(-level_max, level_max);
    std::uniform_int_distribution<int> exponent(-14, -2);
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        uint8_t* block = col + block_idx * block_bytes;
        const uint16_t d_bits = exact_s ? fp32_to_fp16(std::ldexp(1.0f, exponent(rng)))
                                        : random_half(rng, 1e-3f, 0.05f);
        store_u16(block, d_bits);
        int sum = 0;
        for (int elem_idx = 0; elem_idx < 32; ++elem_idx) {
            const int q = level(rng);
            block[qs_offset + elem_idx] = uint8_t(int8_t(q));
            sum += q;
        }
        if (act_type == TensorType::Q8_1) {
            store_u16(block + 2, fp32_to_fp16(fp16_to_fp32(d_bits) * float(sum)));
        }
    }
}

struct ActBlock {
    const int8_t* qs;
    float d;
    float s;
};

ActBlock act_block(TensorType act_type, const uint8_t* col, int64_t block_idx) {
    if (act_type == TensorType::Q8_1) {
        const uint8_t* p = col + block_idx * sizeof(BlockQ8_1);
        return {reinterpret_cast<const int8_t*>(p + 4), fp16_to_fp32(load_u16(p)),
                fp16_to_fp32(load_u16(p + 2))};
    }
    const uint8_t* p = col + block_idx * sizeof(BlockQ8_0);
    return {reinterpret_cast<const int8_t*>(p + 2), fp16_to_fp32(load_u16(p)), 0.0f};
}

// The kernels' semantics in double precision, and the scale of its rounding errors (the sum
// of the magnitudes of the terms the kernels add).
struct Reference {
    double value;
    double magnitude;
};

Reference legacy_reference(const LegacyType& type, const uint8_t* row, const uint8_t* col,
                           int64_t n_blocks) {
    Reference ref{0.0, 0.0};
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        const WeightBlock w = decode_weight_block(type.type, row + block_idx * type.block_bytes);
        const ActBlock a = act_block(type.act_type, col, block_idx);
        int64_t isum = 0;
        int64_t abs_sum = 0;
        for (int elem_idx = 0; elem_idx < 32; ++elem_idx) {
            isum += w.levels[elem_idx] * a.qs[elem_idx];
            abs_sum += std::abs(w.levels[elem_idx] * a.qs[elem_idx]);
        }
        const double scale = double(w.d) * double(a.d);
        ref.value += double(isum) * scale + double(w.m) * double(a.s);
        ref.magnitude += double(abs_sum) * std::fabs(scale) + std::fabs(double(w.m) * double(a.s));
    }
    return ref;
}

std::vector<int64_t> legacy_sizes_in_blocks() {
    return {1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 33, 4096 / 32, 14336 / 32};
}

// Relative tolerance on the sum of |terms|: float rounding in a different summation order.
constexpr double REL_TOL = 1e-5;

// ---- Dispatch ----

// Restores SOUVERAIN_KERNELS when a test is done with it.
class KernelsEnvGuard {
public:
    KernelsEnvGuard() {
        const char* value = std::getenv("SOUVERAIN_KERNELS");
        if (value != nullptr) saved_ = value;
    }
    ~KernelsEnvGuard() {
        if (saved_) {
            setenv("SOUVERAIN_KERNELS", saved_->c_str(), 1);
        } else {
            unsetenv("SOUVERAIN_KERNELS");
        }
    }

private:
    std::optional<std::string> saved_;
};

KernelLevel cpu_level_without_env() {
    unsetenv("SOUVERAIN_KERNELS");
    return detect_kernel_level();
}

TEST(DotDispatch, LevelNames) {
    EXPECT_STREQ(kernel_level_name(KernelLevel::SCALAR), "scalar");
    EXPECT_STREQ(kernel_level_name(KernelLevel::AVX2), "avx2");
    EXPECT_STREQ(kernel_level_name(KernelLevel::AVX512), "avx512");
}

TEST(DotDispatch, DetectedLevelIsOneTheCpuSupports) {
    KernelsEnvGuard guard;
    const KernelLevel level = cpu_level_without_env();
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (level >= KernelLevel::AVX2) {
        EXPECT_TRUE(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                    __builtin_cpu_supports("f16c"));
    }
    if (level >= KernelLevel::AVX512) {
        EXPECT_TRUE(__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                    __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                    __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bf16"));
    }
#else
    EXPECT_EQ(level, KernelLevel::SCALAR);
#endif
    EXPECT_LE(best_kernel_level(), level);
}

TEST(DotDispatch, EnvironmentLowersTheLevelButNeverRaisesIt) {
    KernelsEnvGuard guard;
    const KernelLevel cpu_level = cpu_level_without_env();

    setenv("SOUVERAIN_KERNELS", "scalar", 1);
    EXPECT_EQ(detect_kernel_level(), KernelLevel::SCALAR);
    setenv("SOUVERAIN_KERNELS", "AVX2", 1);  // case-insensitive
    EXPECT_EQ(detect_kernel_level(), std::min(KernelLevel::AVX2, cpu_level));
    setenv("SOUVERAIN_KERNELS", "avx512", 1);
    EXPECT_EQ(detect_kernel_level(), cpu_level);
    // Unknown values are ignored.
    for (const char* junk : {"", "avx", "sse4", "avx512 ", "fastest"}) {
        setenv("SOUVERAIN_KERNELS", junk, 1);
        EXPECT_EQ(detect_kernel_level(), cpu_level) << '"' << junk << '"';
    }
}

TEST(DotDispatch, EveryMatmulTypeHasAKernelAtEveryLevel) {
    struct Expected {
        TensorType weight_type;
        TensorType act_type;
    };
    const Expected expected[] = {
        {TensorType::F32, TensorType::F32},   {TensorType::F16, TensorType::F32},
        {TensorType::BF16, TensorType::F32},  {TensorType::Q4_0, TensorType::Q8_0},
        {TensorType::Q4_1, TensorType::Q8_1}, {TensorType::Q5_0, TensorType::Q8_0},
        {TensorType::Q5_1, TensorType::Q8_1}, {TensorType::Q8_0, TensorType::Q8_0},
        {TensorType::Q4_K, TensorType::Q8_K}, {TensorType::Q5_K, TensorType::Q8_K},
        {TensorType::Q6_K, TensorType::Q8_K},
    };
    for (KernelLevel level : ALL_LEVELS) {
        for (const Expected& row : expected) {
            const DotKernel* kernel = dot_kernel(row.weight_type, level);
            ASSERT_NE(kernel, nullptr)
                << tensor_type_name(row.weight_type) << " at " << kernel_level_name(level);
            EXPECT_EQ(kernel->weight_type, row.weight_type);
            EXPECT_EQ(kernel->act_type, row.act_type);
            EXPECT_NE(kernel->dot, nullptr);
            EXPECT_EQ(kernel->quantize_act == nullptr, row.act_type == TensorType::F32);
        }
        for (TensorType type : {TensorType::Q8_1, TensorType::Q8_K, TensorType::Q2_K,
                                TensorType::Q3_K, static_cast<TensorType>(99)}) {
            EXPECT_EQ(dot_kernel(type, level), nullptr) << tensor_type_name(type);
        }
    }
    // The scalar level is the twins themselves.
    EXPECT_EQ(dot_kernel(TensorType::Q4_0, KernelLevel::SCALAR)->dot, &dot_q4_0_q8_0_scalar);
    EXPECT_EQ(dot_kernel(TensorType::Q8_0, KernelLevel::SCALAR)->quantize_act, &quantize_act_q8_0);
}

TEST(DotDispatch, ActivationRowBytes) {
    EXPECT_EQ(act_row_bytes(TensorType::F32, 7), 28u);
    EXPECT_EQ(act_row_bytes(TensorType::Q8_0, 4096), 128u * 34u);
    EXPECT_EQ(act_row_bytes(TensorType::Q8_1, 64), 72u);
    EXPECT_EQ(act_row_bytes(TensorType::Q8_K, 512), 584u);
    EXPECT_EQ(act_row_bytes(TensorType::Q8_0, 0), 0u);
}

// ---- Activation quantizers ----

using QuantizerFn = void (*)(const float*, void*, int64_t);

struct Quantizers {
    TensorType act_type;
    int64_t block_size;
    size_t block_bytes;
    QuantizerFn scalar;
};

const Quantizers QUANTIZERS[] = {
    {TensorType::Q8_0, 32, sizeof(BlockQ8_0), quantize_act_q8_0},
    {TensorType::Q8_1, 32, sizeof(BlockQ8_1), quantize_act_q8_1},
    {TensorType::Q8_K, 256, sizeof(BlockQ8_K), quantize_act_q8_k},
};

QuantizerFn quantizer_at(TensorType act_type, KernelLevel level) {
    const TensorType weight_type = act_type == TensorType::Q8_0   ? TensorType::Q8_0
                                   : act_type == TensorType::Q8_1 ? TensorType::Q4_1
                                                                  : TensorType::Q4_K;
    return dot_kernel(weight_type, level)->quantize_act;
}

// Normal values whose magnitude changes by up to 1e4 from block to block.
std::vector<float> varied_activations(int64_t n, int64_t block_size, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::uniform_real_distribution<float> log_scale(-2.0f, 2.0f);
    std::vector<float> x(n);  // F32 [n]
    float scale = 1.0f;
    for (int64_t elem_idx = 0; elem_idx < n; ++elem_idx) {
        if (elem_idx % block_size == 0) scale = std::pow(10.0f, log_scale(rng));
        x[elem_idx] = scale * normal(rng);
    }
    return x;
}

// Blocks of awkward values: zeros, subnormals, huge values, infinities, NaN, exact rounding ties.
std::vector<float> edge_activations(int64_t block_size) {
    std::vector<float> x;
    auto add_block = [&](auto value_of) {
        for (int64_t elem_idx = 0; elem_idx < block_size; ++elem_idx) {
            x.push_back(value_of(elem_idx));
        }
    };
    const float inf = std::numeric_limits<float>::infinity();
    const float nan = std::numeric_limits<float>::quiet_NaN();
    add_block([](int64_t) { return 0.0f; });
    add_block([](int64_t elem_idx) { return elem_idx % 2 ? -0.0f : 0.0f; });
    add_block([](int64_t elem_idx) { return float(elem_idx) * 1e-41f; });     // subnormal
    add_block([](int64_t elem_idx) { return float(elem_idx) * 1e-9f; });      // d below fp16 range
    add_block([](int64_t elem_idx) { return float(elem_idx - 7) * 3e-6f; });  // subnormal fp16 d
    add_block([](int64_t elem_idx) { return float(elem_idx) * 1e30f - 1e31f; });  // d saturates
    add_block([](int64_t elem_idx) { return elem_idx == 3 ? FLT_MAX : 1.0f; });
    add_block([&](int64_t elem_idx) { return elem_idx == 5 ? inf : float(elem_idx); });
    add_block([&](int64_t elem_idx) { return elem_idx == 0 ? -inf : 1.0f; });
    add_block([&](int64_t elem_idx) { return elem_idx == 1 ? nan : float(elem_idx) - 4.0f; });
    add_block([&](int64_t) { return nan; });
    // Ties: with amax 127 every level is x itself, here k + 0.5.
    add_block(
        [](int64_t elem_idx) { return elem_idx == 0 ? 127.0f : float(elem_idx % 64) - 30.5f; });
    add_block(
        [](int64_t elem_idx) { return elem_idx == 0 ? -127.0f : 2.5f * float(elem_idx % 3); });
    return x;
}

TEST(ActQuantizers, ScalarRoundTripWithinHalfAStep) {
    for (const Quantizers& quantizer : QUANTIZERS) {
        SCOPED_TRACE(tensor_type_name(quantizer.act_type));
        const int64_t n = 8 * quantizer.block_size;
        const std::vector<float> x = varied_activations(n, quantizer.block_size, 11);
        std::vector<uint8_t> blocks(act_row_bytes(quantizer.act_type, n));
        quantizer.scalar(x.data(), blocks.data(), n);
        for (int64_t block_idx = 0; block_idx < n / quantizer.block_size; ++block_idx) {
            const uint8_t* block = blocks.data() + block_idx * quantizer.block_bytes;
            const float* x_block = x.data() + block_idx * quantizer.block_size;
            float amax = 0.0f;
            for (int64_t elem_idx = 0; elem_idx < quantizer.block_size; ++elem_idx) {
                amax = std::max(amax, std::fabs(x_block[elem_idx]));
            }
            float d;
            const int8_t* qs;
            if (quantizer.act_type == TensorType::Q8_K) {
                BlockQ8_K k_block;
                std::memcpy(&k_block, block, sizeof(k_block));
                d = k_block.d;
                EXPECT_EQ(d, amax / 127.0f);
                qs = reinterpret_cast<const int8_t*>(block + offsetof(BlockQ8_K, qs));
                for (int group_idx = 0; group_idx < 16; ++group_idx) {
                    int sum = 0;
                    for (int elem_idx = 0; elem_idx < 16; ++elem_idx)
                        sum += qs[16 * group_idx + elem_idx];
                    EXPECT_EQ(k_block.bsums[group_idx], sum);
                }
            } else {
                const ActBlock a = act_block(quantizer.act_type, block, 0);
                d = a.d;
                qs = a.qs;
                // d is amax / 127 rounded to fp16.
                EXPECT_NEAR(d, amax / 127.0f, amax / 127.0f * 0x1p-11f);
                if (quantizer.act_type == TensorType::Q8_1) {
                    int sum = 0;
                    for (int elem_idx = 0; elem_idx < 32; ++elem_idx) sum += qs[elem_idx];
                    EXPECT_EQ(load_u16(block + 2), fp32_to_fp16(d * float(sum)));
                }
            }
            for (int64_t elem_idx = 0; elem_idx < quantizer.block_size; ++elem_idx) {
                EXPECT_GE(qs[elem_idx], -127);
                // Half a step, plus what the fp16 rounding of d can push the top level out by.
                EXPECT_NEAR(d * float(qs[elem_idx]), x_block[elem_idx], 0.5f * d + amax * 0x1p-11f);
            }
        }
    }
}

TEST(ActQuantizers, EdgeValuesGiveValidLevels) {
    for (const Quantizers& quantizer : QUANTIZERS) {
        SCOPED_TRACE(tensor_type_name(quantizer.act_type));
        const std::vector<float> x = edge_activations(quantizer.block_size);
        const int64_t n = int64_t(x.size());
        std::vector<uint8_t> blocks(act_row_bytes(quantizer.act_type, n));
        quantizer.scalar(x.data(), blocks.data(), n);
        const int64_t n_blocks = n / quantizer.block_size;
        for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
            const uint8_t* block = blocks.data() + block_idx * quantizer.block_bytes;
            const size_t qs_offset = quantizer.act_type == TensorType::Q8_0 ? 2 : 4;
            float d;
            if (quantizer.act_type == TensorType::Q8_K) {
                std::memcpy(&d, block, 4);
            } else {
                d = fp16_to_fp32(load_u16(block));
            }
            EXPECT_TRUE(std::isfinite(d)) << "block " << block_idx;
            for (int64_t elem_idx = 0; elem_idx < quantizer.block_size; ++elem_idx) {
                EXPECT_GE(int8_t(block[qs_offset + elem_idx]), -127);
            }
        }
        // The all-zero block quantizes to d = 0 and zero levels.
        const uint8_t* zero_block = blocks.data();
        for (size_t byte_idx = 0; byte_idx < quantizer.block_bytes; ++byte_idx) {
            EXPECT_EQ(zero_block[byte_idx], 0) << "byte " << byte_idx;
        }
        // In the tie block (amax 127, so d = 1) every x + 0.5 rounds to the even neighbour.
        const int64_t tie_block_idx = n_blocks - 2;
        const uint8_t* tie_block = blocks.data() + tie_block_idx * quantizer.block_bytes;
        const size_t qs_offset = quantizer.act_type == TensorType::Q8_0 ? 2 : 4;
        for (int64_t elem_idx = 0; elem_idx < quantizer.block_size; ++elem_idx) {
            const float value = x[tie_block_idx * quantizer.block_size + elem_idx];
            EXPECT_EQ(int8_t(tie_block[qs_offset + elem_idx]), int(std::nearbyint(value))) << value;
        }
    }
}

TEST(ActQuantizers, SimdQuantizersWriteTheScalarBytes) {
    for (KernelLevel level : supported_simd_levels()) {
        for (const Quantizers& quantizer : QUANTIZERS) {
            SCOPED_TRACE(std::string(tensor_type_name(quantizer.act_type)) + " at " +
                         kernel_level_name(level));
            const QuantizerFn simd = quantizer_at(quantizer.act_type, level);
            ASSERT_NE(simd, quantizer.scalar);
            std::vector<float> x =
                varied_activations(64 * quantizer.block_size, quantizer.block_size, 5);
            const std::vector<float> edges = edge_activations(quantizer.block_size);
            x.insert(x.end(), edges.begin(), edges.end());
            for (int64_t n : {quantizer.block_size, int64_t(x.size())}) {
                const size_t n_bytes = act_row_bytes(quantizer.act_type, n);
                std::vector<uint8_t> expected(n_bytes);
                quantizer.scalar(x.data(), expected.data(), n);
                Buffer actual(n_bytes, 3);
                simd(x.data(), actual.data(), n);
                for (size_t byte_idx = 0; byte_idx < n_bytes; ++byte_idx) {
                    ASSERT_EQ(actual.data()[byte_idx], expected[byte_idx])
                        << "byte " << byte_idx << " (block " << byte_idx / quantizer.block_bytes
                        << ")";
                }
            }
        }
    }
}

// ---- Legacy-type kernels ----

DotFn scalar_twin(TensorType type) {
    return dot_kernel(type, KernelLevel::SCALAR)->dot;
}

TEST(LegacyDot, ScalarTwinIsTheDotOfTheDequantizedOperands) {
    std::mt19937 rng(1);
    for (const LegacyType& type : LEGACY_TYPES) {
        SCOPED_TRACE(tensor_type_name(type.type));
        const TensorTypeTraits* traits = tensor_type_traits(type.type);
        for (int64_t n_blocks : legacy_sizes_in_blocks()) {
            const int64_t n = 32 * n_blocks;
            std::vector<uint8_t> row(n_blocks * type.block_bytes);
            fill_legacy_row(type, row.data(), n_blocks, rng);
            std::vector<uint8_t> col(act_row_bytes(type.act_type, n));
            fill_act_column(type.act_type, col.data(), n_blocks, rng, 63, /*exact_s=*/true);

            std::vector<float> w(n);  // F32 [n], the weights dequantized
            traits->to_float(row.data(), w.data(), n);
            double expected = 0.0;
            double magnitude = 0.0;
            for (int64_t elem_idx = 0; elem_idx < n; ++elem_idx) {
                const ActBlock a = act_block(type.act_type, col.data(), elem_idx / 32);
                const double x = double(a.d) * double(a.qs[elem_idx % 32]);
                expected += double(w[elem_idx]) * x;
                magnitude += std::fabs(double(w[elem_idx]) * x);
            }
            // The affine types add m * s per block: as large as the cancelling terms, so count it.
            magnitude += legacy_reference(type, row.data(), col.data(), n_blocks).magnitude;

            float actual = 0.0f;
            scalar_twin(type.type)(n, row.data(), col.data(), 0, 1, &actual);
            EXPECT_NEAR(actual, expected, REL_TOL * magnitude) << n_blocks << " blocks";
        }
    }
}

TEST(LegacyDot, ScalarTwinFollowsTheBlockSemantics) {
    std::mt19937 rng(2);
    for (const LegacyType& type : LEGACY_TYPES) {
        SCOPED_TRACE(tensor_type_name(type.type));
        for (int64_t n_blocks : legacy_sizes_in_blocks()) {
            const int64_t n = 32 * n_blocks;
            std::vector<uint8_t> row(n_blocks * type.block_bytes);
            fill_legacy_row(type, row.data(), n_blocks, rng);
            std::vector<uint8_t> col(act_row_bytes(type.act_type, n));
            fill_act_column(type.act_type, col.data(), n_blocks, rng, 127, /*exact_s=*/false);
            const Reference ref = legacy_reference(type, row.data(), col.data(), n_blocks);
            float actual = 0.0f;
            scalar_twin(type.type)(n, row.data(), col.data(), 0, 1, &actual);
            EXPECT_NEAR(actual, ref.value, REL_TOL * ref.magnitude) << n_blocks << " blocks";
        }
    }
}

TEST(LegacyDot, SimdKernelsMatchTheScalarTwins) {
    std::mt19937 rng(3);
    for (KernelLevel level : supported_simd_levels()) {
        for (const LegacyType& type : LEGACY_TYPES) {
            const DotFn simd = dot_kernel(type.type, level)->dot;
            ASSERT_NE(simd, scalar_twin(type.type));
            for (int64_t n_blocks : legacy_sizes_in_blocks()) {
                const int64_t n = 32 * n_blocks;
                const size_t row_bytes = n_blocks * type.block_bytes;
                // Columns farther apart than their length, at an odd distance.
                const size_t col_bytes = act_row_bytes(type.act_type, n);
                const size_t act_stride = col_bytes + 37;
                Buffer row(row_bytes, 1);
                fill_legacy_row(type, row.data(), n_blocks, rng);
                Buffer act(3 * act_stride + col_bytes, 5);
                std::memset(act.data(), 0x7F, 3 * act_stride + col_bytes);  // junk between columns
                for (int col_idx = 0; col_idx < kMaxDotCols; ++col_idx) {
                    fill_act_column(type.act_type, act.data() + col_idx * act_stride, n_blocks, rng,
                                    127, /*exact_s=*/false);
                }
                for (int n_cols = 1; n_cols <= kMaxDotCols; ++n_cols) {
                    SCOPED_TRACE(std::string(tensor_type_name(type.type)) + " at " +
                                 kernel_level_name(level) + ", " + std::to_string(n_blocks) +
                                 " blocks, " + std::to_string(n_cols) + " columns");
                    float expected[kMaxDotCols];
                    float actual[kMaxDotCols + 1];
                    actual[n_cols] = 12345.0f;  // must stay untouched
                    scalar_twin(type.type)(n, row.data(), act.data(), act_stride, n_cols, expected);
                    simd(n, row.data(), act.data(), act_stride, n_cols, actual);
                    for (int col_idx = 0; col_idx < n_cols; ++col_idx) {
                        const Reference ref = legacy_reference(
                            type, row.data(), act.data() + col_idx * act_stride, n_blocks);
                        EXPECT_NEAR(actual[col_idx], expected[col_idx], 2 * REL_TOL * ref.magnitude)
                            << "column " << col_idx;
                    }
                    EXPECT_EQ(actual[n_cols], 12345.0f);
                }
            }
        }
    }
}

TEST(LegacyDot, QuantizedActivationsApproximateTheFloatDot) {
    // End to end through the dispatch: quantize_act then dot, at every level, against the dot of
    // the dequantized weights with the float activations. The activation quantization costs a
    // relative error of ~1e-3 of |w| |x|.
    std::mt19937 rng(4);
    const int64_t n = 4096;
    const std::vector<float> x = varied_activations(n, 32, 9);
    for (const LegacyType& type : LEGACY_TYPES) {
        const TensorTypeTraits* traits = tensor_type_traits(type.type);
        std::vector<float> w_float = varied_activations(n, 32, 10);
        std::vector<uint8_t> row(n / 32 * type.block_bytes);
        traits->from_float(w_float.data(), row.data(), n);
        traits->to_float(row.data(), w_float.data(), n);
        double expected = 0.0, w_norm = 0.0, x_norm = 0.0;
        for (int64_t elem_idx = 0; elem_idx < n; ++elem_idx) {
            expected += double(w_float[elem_idx]) * double(x[elem_idx]);
            w_norm += double(w_float[elem_idx]) * double(w_float[elem_idx]);
            x_norm += double(x[elem_idx]) * double(x[elem_idx]);
        }
        for (KernelLevel level : supported_levels()) {
            SCOPED_TRACE(std::string(tensor_type_name(type.type)) + " at " +
                         kernel_level_name(level));
            const DotKernel* kernel = dot_kernel(type.type, level);
            std::vector<uint8_t> act(act_row_bytes(kernel->act_type, n));
            kernel->quantize_act(x.data(), act.data(), n);
            float actual = 0.0f;
            kernel->dot(n, row.data(), act.data(), 0, 1, &actual);
            EXPECT_NEAR(actual, expected, 2e-3 * std::sqrt(w_norm * x_norm));
        }
    }
}

// ---- Float-type kernels ----

struct FloatType {
    TensorType type;
    size_t elem_bytes;
};

const FloatType FLOAT_TYPES[] = {
    {TensorType::F32, 4},
    {TensorType::F16, 2},
    {TensorType::BF16, 2},
};

void fill_float_row(const FloatType& type, uint8_t* row, int64_t n, std::mt19937& rng) {
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (int64_t elem_idx = 0; elem_idx < n; ++elem_idx) {
        const float value = normal(rng);
        if (type.type == TensorType::F32) {
            std::memcpy(row + 4 * elem_idx, &value, 4);
        } else {
            store_u16(row + 2 * elem_idx,
                      type.type == TensorType::F16 ? fp32_to_fp16(value) : fp32_to_bf16(value));
        }
    }
}

void fill_float_column(uint8_t* col, int64_t n, std::mt19937& rng) {
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (int64_t elem_idx = 0; elem_idx < n; ++elem_idx) {
        const float value = normal(rng);
        std::memcpy(col + 4 * elem_idx, &value, 4);
    }
}

Reference float_reference(const FloatType& type, const uint8_t* row, const uint8_t* col,
                          int64_t n) {
    std::vector<float> w(n);  // F32 [n]
    tensor_type_traits(type.type)->to_float(row, w.data(), n);
    Reference ref{0.0, 0.0};
    for (int64_t elem_idx = 0; elem_idx < n; ++elem_idx) {
        float x;
        std::memcpy(&x, col + 4 * elem_idx, 4);
        ref.value += double(w[elem_idx]) * double(x);
        ref.magnitude += std::fabs(double(w[elem_idx]) * double(x));
    }
    return ref;
}

std::vector<int64_t> float_sizes() {
    return {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 4096, 14336};
}

TEST(FloatDot, ScalarTwinIsTheDotOfTheWidenedWeights) {
    std::mt19937 rng(6);
    for (const FloatType& type : FLOAT_TYPES) {
        SCOPED_TRACE(tensor_type_name(type.type));
        for (int64_t n : float_sizes()) {
            std::vector<uint8_t> row(n * type.elem_bytes);
            std::vector<uint8_t> col(n * 4);
            fill_float_row(type, row.data(), n, rng);
            fill_float_column(col.data(), n, rng);
            const Reference ref = float_reference(type, row.data(), col.data(), n);
            float actual = 0.0f;
            dot_kernel(type.type, KernelLevel::SCALAR)
                ->dot(n, row.data(), col.data(), 0, 1, &actual);
            EXPECT_NEAR(actual, ref.value, REL_TOL * ref.magnitude) << n << " elements";
        }
    }
}

TEST(FloatDot, SimdKernelsMatchTheScalarTwins) {
    std::mt19937 rng(7);
    for (KernelLevel level : supported_simd_levels()) {
        for (const FloatType& type : FLOAT_TYPES) {
            const DotFn scalar = dot_kernel(type.type, KernelLevel::SCALAR)->dot;
            const DotFn simd = dot_kernel(type.type, level)->dot;
            ASSERT_NE(simd, scalar);
            for (int64_t n : float_sizes()) {
                // Odd offsets and strides: F32 activations need no alignment either.
                const size_t act_stride = 4 * n + 13;
                Buffer row(n * type.elem_bytes, 1);
                fill_float_row(type, row.data(), n, rng);
                Buffer act(3 * act_stride + 4 * n, 2);
                std::memset(act.data(), 0xFF, 3 * act_stride + 4 * n);  // NaN between columns
                for (int col_idx = 0; col_idx < kMaxDotCols; ++col_idx) {
                    fill_float_column(act.data() + col_idx * act_stride, n, rng);
                }
                for (int n_cols = 1; n_cols <= kMaxDotCols; ++n_cols) {
                    SCOPED_TRACE(std::string(tensor_type_name(type.type)) + " at " +
                                 kernel_level_name(level) + ", " + std::to_string(n) +
                                 " elements, " + std::to_string(n_cols) + " columns");
                    float expected[kMaxDotCols];
                    float actual[kMaxDotCols + 1];
                    actual[n_cols] = 12345.0f;
                    scalar(n, row.data(), act.data(), act_stride, n_cols, expected);
                    simd(n, row.data(), act.data(), act_stride, n_cols, actual);
                    for (int col_idx = 0; col_idx < n_cols; ++col_idx) {
                        const Reference ref =
                            float_reference(type, row.data(), act.data() + col_idx * act_stride, n);
                        EXPECT_NEAR(actual[col_idx], expected[col_idx], 2 * REL_TOL * ref.magnitude)
                            << "column " << col_idx;
                    }
                    EXPECT_EQ(actual[n_cols], 12345.0f);
                }
            }
        }
    }
}

}  // namespace
}  // namespace souverain::kernels
