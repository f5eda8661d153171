// Kernel dispatch (CPUID, the SOUVERAIN_KERNELS override, the per-level tables) and the scalar
// activation quantizers.
//
// Activation quantizers, per block, with amax the largest |x| of the block (NaN elements are
// ignored, infinities count and amax is then capped at FLT_MAX):
//   Q8_0  d  = fp16 of min(amax / 127, 65504), rounded to nearest even;
//         q  = round_half_even(clamp(x * id, -127, 127)) with id = 1 / float(d), or 0 when
//              d is 0; a NaN element gives -127 (any defined value would do: garbage in,
//              garbage in its own block out).
//   Q8_1  as Q8_0, plus s = fp16 of d * sum(q), saturated to +-65504. s is exact when
//         |sum(q)| < 2048 and d is a power of two, otherwise rounded to fp16 (relative error
//         <= 2^-11 of the block's sum); |sum of the block's activations| beyond 65504 saturates.
//   Q8_K  d  = amax / 127 in float (0 when that is below FLT_MIN, so that 1 / d is finite);
//         q  as Q8_0 with id = 1 / d; bsums[g] = sum of q[16g .. 16g + 15].
// Every q lies in [-127, 127] (never -128): the dot kernels rely on it (they negate q).
// Multiplying by the reciprocal rather than dividing keeps the SIMD versions (kernels/x86/
// quantize_act_*.cpp) cheap; they repeat these steps in the same order and write the same bytes.
#include "kernels/dot.h"

#include <cassert>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "kernels/dot_impl.h"
#include "kernels/generic/fp16.h"
#include "kernels/generic/quants.h"

namespace souverain::kernels {

namespace {

constexpr int QK = int(QK_LEGACY);
constexpr float FP16_MAX = 65504.0f;
constexpr float Q8_LEVEL_MAX = 127.0f;

// ---- Level detection ----

KernelLevel cpu_kernel_level() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    const bool has_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                          __builtin_cpu_supports("f16c");
    if (!has_avx2) return KernelLevel::SCALAR;
    const bool has_avx512 =
        __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bf16");
    return has_avx512 ? KernelLevel::AVX512 : KernelLevel::AVX2;
#else
    return KernelLevel::SCALAR;
#endif
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t char_idx = 0; char_idx < a.size(); ++char_idx) {
        char lower_a = a[char_idx];
        char lower_b = b[char_idx];
        if (lower_a >= 'A' && lower_a <= 'Z') lower_a = char(lower_a - 'A' + 'a');
        if (lower_b >= 'A' && lower_b <= 'Z') lower_b = char(lower_b - 'A' + 'a');
        if (lower_a != lower_b) return false;
    }
    return true;
}

// ---- Dispatch tables ----

// One row per weight type with matmul kernels, in the same order at every level.
constexpr int N_DOT_TYPES = 11;

// GEMM(level, name) is the register-blocked kernel pair of a type at a level, or two nulls.
#define SOUVERAIN_NO_GEMM nullptr, nullptr
#define SOUVERAIN_GEMM(name) name, name##_scratch

#define SOUVERAIN_KERNEL_ROWS(level, q8_0, q8_1, q8_k, gemm_q4_0, gemm_q4_1, gemm_q5_0, gemm_q5_1, \
                              gemm_q8_0, gemm_q4_k, gemm_q5_k, gemm_q6_k)                          \
    {                                                                                              \
        {TensorType::F32, TensorType::F32, nullptr, dot_f32_f32_##level, SOUVERAIN_NO_GEMM},       \
            {TensorType::F16, TensorType::F32, nullptr, dot_f16_f32_##level, SOUVERAIN_NO_GEMM},   \
            {TensorType::BF16, TensorType::F32, nullptr, dot_bf16_f32_##level, SOUVERAIN_NO_GEMM}, \
            {TensorType::Q4_0, TensorType::Q8_0, q8_0, dot_q4_0_q8_0_##level, gemm_q4_0},          \
            {TensorType::Q4_1, TensorType::Q8_1, q8_1, dot_q4_1_q8_1_##level, gemm_q4_1},          \
            {TensorType::Q5_0, TensorType::Q8_0, q8_0, dot_q5_0_q8_0_##level, gemm_q5_0},          \
            {TensorType::Q5_1, TensorType::Q8_1, q8_1, dot_q5_1_q8_1_##level, gemm_q5_1},          \
            {TensorType::Q8_0, TensorType::Q8_0, q8_0, dot_q8_0_q8_0_##level, gemm_q8_0},          \
            {TensorType::Q4_K, TensorType::Q8_K, q8_k, dot_q4_k_q8_k_##level, gemm_q4_k},          \
            {TensorType::Q5_K, TensorType::Q8_K, q8_k, dot_q5_k_q8_k_##level, gemm_q5_k},          \
            {TensorType::Q6_K, TensorType::Q8_K, q8_k, dot_q6_k_q8_k_##level, gemm_q6_k},          \
    }

const DotKernel SCALAR_KERNELS[N_DOT_TYPES] = SOUVERAIN_KERNEL_ROWS(
    scalar, quantize_act_q8_0, quantize_act_q8_1, quantize_act_q8_k, SOUVERAIN_NO_GEMM,
    SOUVERAIN_NO_GEMM, SOUVERAIN_NO_GEMM, SOUVERAIN_NO_GEMM, SOUVERAIN_NO_GEMM, SOUVERAIN_NO_GEMM,
    SOUVERAIN_NO_GEMM, SOUVERAIN_NO_GEMM);

#if defined(__x86_64__)
const DotKernel AVX2_KERNELS[N_DOT_TYPES] = SOUVERAIN_KERNEL_ROWS(
    avx2, quantize_act_q8_0_avx2, quantize_act_q8_1_avx2, quantize_act_q8_k_avx2,
    SOUVERAIN_GEMM(gemm_q4_0_q8_0_avx2), SOUVERAIN_GEMM(gemm_q4_1_q8_1_avx2),
    SOUVERAIN_GEMM(gemm_q5_0_q8_0_avx2), SOUVERAIN_GEMM(gemm_q5_1_q8_1_avx2),
    SOUVERAIN_GEMM(gemm_q8_0_q8_0_avx2), SOUVERAIN_NO_GEMM, SOUVERAIN_NO_GEMM, SOUVERAIN_NO_GEMM);
const DotKernel AVX512_KERNELS[N_DOT_TYPES] = SOUVERAIN_KERNEL_ROWS(
    avx512, quantize_act_q8_0_avx512, quantize_act_q8_1_avx512, quantize_act_q8_k_avx512,
    SOUVERAIN_GEMM(gemm_q4_0_q8_0_avx512), SOUVERAIN_GEMM(gemm_q4_1_q8_1_avx512),
    SOUVERAIN_GEMM(gemm_q5_0_q8_0_avx512), SOUVERAIN_GEMM(gemm_q5_1_q8_1_avx512),
    SOUVERAIN_GEMM(gemm_q8_0_q8_0_avx512), SOUVERAIN_GEMM(gemm_q4_k_q8_k_avx512),
    SOUVERAIN_GEMM(gemm_q5_k_q8_k_avx512), SOUVERAIN_GEMM(gemm_q6_k_q8_k_avx512));
#endif

#undef SOUVERAIN_KERNEL_ROWS
#undef SOUVERAIN_GEMM
#undef SOUVERAIN_NO_GEMM

const DotKernel* find_kernel(const DotKernel* table, TensorType weight_type) {
    for (int type_idx = 0; type_idx < N_DOT_TYPES; ++type_idx) {
        if (table[type_idx].weight_type == weight_type) return &table[type_idx];
    }
    return nullptr;
}

// ---- Scalar activation quantizers ----

// Largest |x| over n elements, NaN ignored, capped at FLT_MAX (see the file header).
float block_amax(const float* x, int n) {
    float amax = 0.0f;
    for (int elem_idx = 0; elem_idx < n; ++elem_idx) {
        const float magnitude = std::fabs(x[elem_idx]);
        if (magnitude > amax) amax = magnitude;
    }
    return amax < FLT_MAX ? amax : FLT_MAX;
}

// fp16 bits of v (finite) saturated to the largest finite half.
uint16_t fp16_saturated(float v) {
    v = v >= -FP16_MAX ? v : -FP16_MAX;
    v = v <= FP16_MAX ? v : FP16_MAX;
    return fp32_to_fp16(v);
}

// Quantizes n elements against the reciprocal scale id; returns the sum of the levels.
int quantize_levels(const float* x, float id, int8_t* q, int n) {
    int sum = 0;
    for (int elem_idx = 0; elem_idx < n; ++elem_idx) {
        const int level = detail::round_clamped(x[elem_idx] * id, -127, 127);
        q[elem_idx] = int8_t(level);
        sum += level;
    }
    return sum;
}

// The fp16 scale of a Q8_0/Q8_1 block and the reciprocal of its decoded value.
struct Q8Scale {
    uint16_t d;
    float id;
};

Q8Scale q8_scale(const float* x) {
    const float amax = block_amax(x, QK);
    const uint16_t d_bits = fp32_to_fp16(std::fmin(amax / Q8_LEVEL_MAX, FP16_MAX));
    const float d = fp16_to_fp32(d_bits);
    return {d_bits, d != 0.0f ? 1.0f / d : 0.0f};
}

}  // namespace

const char* kernel_level_name(KernelLevel level) {
    switch (level) {
        case KernelLevel::SCALAR:
            return "scalar";
        case KernelLevel::AVX2:
            return "avx2";
        case KernelLevel::AVX512:
            return "avx512";
    }
    return "unknown";
}

KernelLevel detect_kernel_level() {
    const KernelLevel cpu_level = cpu_kernel_level();
    // An unknown value is ignored rather than fatal: a typo must not stop the server, and the
    // CLI can print the level in use.
    const char* requested = std::getenv("SOUVERAIN_KERNELS");
    if (requested == nullptr) return cpu_level;
    for (KernelLevel level : {KernelLevel::SCALAR, KernelLevel::AVX2, KernelLevel::AVX512}) {
        if (equals_ignoring_case(requested, kernel_level_name(level))) {
            return level < cpu_level ? level : cpu_level;
        }
    }
    return cpu_level;
}

KernelLevel best_kernel_level() {
    static const KernelLevel level = detect_kernel_level();
    return level;
}

const PackedKernel* packed_kernel(TensorType weight_type, KernelLevel level) {
#if defined(__x86_64__)
    static const PackedKernel PACKED_Q4_0_AVX512 = {16,
                                                    packed_q4_0_avx512_panel_bytes,
                                                    pack_q4_0_avx512,
                                                    gemm_packed_q4_0_q8_0_avx512,
                                                    gemm_packed_q4_0_q8_0_avx512_scratch,
                                                    gemm_packed_q4_0_q8_0_avx512_scratch,
                                                    prepare_q4_0_avx512,
                                                    gemm_packed_q4_0_q8_0_avx512_prepared};
    static const PackedKernel PACKED_Q8_0_AVX512 = {16,
                                                    packed_q8_0_avx512_panel_bytes,
                                                    pack_q8_0_avx512,
                                                    gemm_packed_q8_0_q8_0_avx512,
                                                    gemm_packed_q8_0_q8_0_avx512_scratch,
                                                    gemm_packed_q8_0_q8_0_avx512_scratch,
                                                    prepare_q8_0_avx512,
                                                    gemm_packed_q8_0_q8_0_avx512_prepared};
    if (level == KernelLevel::AVX512 && weight_type == TensorType::Q4_0) return &PACKED_Q4_0_AVX512;
    if (level == KernelLevel::AVX512 && weight_type == TensorType::Q8_0) return &PACKED_Q8_0_AVX512;
#endif
    return nullptr;
}

const DotKernel* dot_kernel(TensorType weight_type, KernelLevel level) {
    switch (level) {
        case KernelLevel::SCALAR:
            return find_kernel(SCALAR_KERNELS, weight_type);
        case KernelLevel::AVX2:
#if defined(__x86_64__)
            return find_kernel(AVX2_KERNELS, weight_type);
#else
            return find_kernel(SCALAR_KERNELS, weight_type);
#endif
        case KernelLevel::AVX512:
#if defined(__x86_64__)
            return find_kernel(AVX512_KERNELS, weight_type);
#else
            return find_kernel(SCALAR_KERNELS, weight_type);
#endif
    }
    return nullptr;
}

size_t act_row_bytes(TensorType act_type, int64_t n) {
    assert(n >= 0);
    switch (act_type) {
        case TensorType::F32:
            return size_t(n) * sizeof(float);
        case TensorType::Q8_0:
            assert(n % QK_LEGACY == 0);
            return size_t(n / QK_LEGACY) * sizeof(BlockQ8_0);
        case TensorType::Q8_1:
            assert(n % QK_LEGACY == 0);
            return size_t(n / QK_LEGACY) * sizeof(BlockQ8_1);
        case TensorType::Q8_K:
            assert(n % QK_K == 0);
            return size_t(n / QK_K) * sizeof(BlockQ8_K);
        default:
            assert(false && "not an activation format");
            return 0;
    }
}

void quantize_act_q8_0(const float* x, void* dst, int64_t n) {
    assert(n >= 0 && n % QK_LEGACY == 0);
    for (int64_t block_idx = 0; block_idx < n / QK_LEGACY; ++block_idx) {
        const float* x_block = x + block_idx * QK_LEGACY;
        BlockQ8_0 block;
        const Q8Scale scale = q8_scale(x_block);
        block.d = scale.d;
        quantize_levels(x_block, scale.id, block.qs, QK);
        detail::store_block(dst, block_idx, block);
    }
}

void quantize_act_q8_1(const float* x, void* dst, int64_t n) {
    assert(n >= 0 && n % QK_LEGACY == 0);
    for (int64_t block_idx = 0; block_idx < n / QK_LEGACY; ++block_idx) {
        const float* x_block = x + block_idx * QK_LEGACY;
        BlockQ8_1 block;
        const Q8Scale scale = q8_scale(x_block);
        block.d = scale.d;
        const int sum = quantize_levels(x_block, scale.id, block.qs, QK);
        block.s = fp16_saturated(fp16_to_fp32(scale.d) * float(sum));
        detail::store_block(dst, block_idx, block);
    }
}

void quantize_act_q8_k(const float* x, void* dst, int64_t n) {
    assert(n >= 0 && n % QK_K == 0);
    for (int64_t block_idx = 0; block_idx < n / QK_K; ++block_idx) {
        const float* x_block = x + block_idx * QK_K;
        BlockQ8_K block;
        float d = block_amax(x_block, int(QK_K)) / Q8_LEVEL_MAX;
        if (d < FLT_MIN) d = 0.0f;
        block.d = d;
        quantize_levels(x_block, d != 0.0f ? 1.0f / d : 0.0f, block.qs, int(QK_K));
        for (int group_idx = 0; group_idx < int(QK_K / 16); ++group_idx) {
            int sum = 0;
            for (int elem_idx = 16 * group_idx; elem_idx < 16 * group_idx + 16; ++elem_idx) {
                sum += block.qs[elem_idx];
            }
            block.bsums[group_idx] = int16_t(sum);
        }
        detail::store_block(dst, block_idx, block);
    }
}

}  // namespace souverain::kernels
