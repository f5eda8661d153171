#include "engine/tensor_type.h"

#include <array>
#include <cctype>
#include <limits>

#include "kernels/generic/quants.h"

namespace souverain {

namespace {

namespace k = kernels;

// Every type id the engine knows, in id order. Block sizes and byte sizes follow ggml; the
// types without kernels are listed so that their tensors can still be sized and printed.
constexpr std::array<TensorTypeTraits, 15> TRAITS = {{
    {TensorType::F32, "f32", 1, 4, k::f32_to_float, k::f32_from_float, k::f32_dot_f32},
    {TensorType::F16, "f16", 1, 2, k::f16_to_float, k::f16_from_float, k::f16_dot_f32},
    {TensorType::Q4_0, "q4_0", k::QK_LEGACY, sizeof(k::BlockQ4_0), k::q4_0_to_float,
     k::q4_0_from_float, k::q4_0_dot_f32},
    {TensorType::Q4_1, "q4_1", k::QK_LEGACY, sizeof(k::BlockQ4_1), k::q4_1_to_float,
     k::q4_1_from_float, k::q4_1_dot_f32},
    {TensorType::Q5_0, "q5_0", k::QK_LEGACY, sizeof(k::BlockQ5_0), k::q5_0_to_float,
     k::q5_0_from_float, k::q5_0_dot_f32},
    {TensorType::Q5_1, "q5_1", k::QK_LEGACY, sizeof(k::BlockQ5_1), k::q5_1_to_float,
     k::q5_1_from_float, k::q5_1_dot_f32},
    {TensorType::Q8_0, "q8_0", k::QK_LEGACY, sizeof(k::BlockQ8_0), k::q8_0_to_float,
     k::q8_0_from_float, k::q8_0_dot_f32},
    // fp16 d and s (= d * sum of qs), int8 qs[32]: an activation type of ggml's Q4_1/Q5_1 dots.
    {TensorType::Q8_1, "q8_1", k::QK_LEGACY, 36, nullptr, nullptr, nullptr},
    // uint8 scales[16], uint8 qs[64], fp16 d, fp16 dmin.
    {TensorType::Q2_K, "q2_K", k::QK_K, 84, nullptr, nullptr, nullptr},
    // uint8 hmask[32], uint8 qs[64], uint8 scales[12], fp16 d.
    {TensorType::Q3_K, "q3_K", k::QK_K, 110, nullptr, nullptr, nullptr},
    {TensorType::Q4_K, "q4_K", k::QK_K, sizeof(k::BlockQ4_K), k::q4_k_to_float, k::q4_k_from_float,
     k::q4_k_dot_f32},
    {TensorType::Q5_K, "q5_K", k::QK_K, sizeof(k::BlockQ5_K), k::q5_k_to_float, k::q5_k_from_float,
     k::q5_k_dot_f32},
    {TensorType::Q6_K, "q6_K", k::QK_K, sizeof(k::BlockQ6_K), k::q6_k_to_float, k::q6_k_from_float,
     k::q6_k_dot_f32},
    {TensorType::Q8_K, "q8_K", k::QK_K, sizeof(k::BlockQ8_K), k::q8_k_to_float, k::q8_k_from_float,
     k::q8_k_dot_f32},
    {TensorType::BF16, "bf16", 1, 2, k::bf16_to_float, k::bf16_from_float, k::bf16_dot_f32},
}};

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t char_idx = 0; char_idx < a.size(); ++char_idx) {
        const auto lower_a = std::tolower(static_cast<unsigned char>(a[char_idx]));
        const auto lower_b = std::tolower(static_cast<unsigned char>(b[char_idx]));
        if (lower_a != lower_b) return false;
    }
    return true;
}

}  // namespace

const TensorTypeTraits* tensor_type_traits(uint32_t raw_type) {
    for (const TensorTypeTraits& traits : TRAITS) {
        if (static_cast<uint32_t>(traits.type) == raw_type) return &traits;
    }
    return nullptr;
}

std::string_view tensor_type_name(TensorType type) {
    const TensorTypeTraits* traits = tensor_type_traits(type);
    return traits != nullptr ? traits->name : "unknown";
}

std::optional<TensorType> parse_tensor_type(std::string_view name) {
    for (const TensorTypeTraits& traits : TRAITS) {
        if (equals_ignoring_case(name, traits.name)) return traits.type;
    }
    return std::nullopt;
}

std::optional<size_t> tensor_row_bytes(TensorType type, int64_t n) {
    const TensorTypeTraits* traits = tensor_type_traits(type);
    if (traits == nullptr || n < 0 || n % traits->block_size != 0) return std::nullopt;
    // n may come from a hostile file: refuse sizes that do not fit in size_t.
    const uint64_t n_blocks = static_cast<uint64_t>(n / traits->block_size);
    if (n_blocks > std::numeric_limits<size_t>::max() / traits->type_size) return std::nullopt;
    return static_cast<size_t>(n_blocks) * traits->type_size;
}

}  // namespace souverain
