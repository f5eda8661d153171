#pragma once
// Tensor element types as GGUF numbers them (the ggml type ids), and what the engine knows
// about each: block geometry and the scalar kernels that convert and multiply rows.
//
// A row of n elements of a block type is n / block_size blocks of type_size bytes;
// n must be a multiple of block_size.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace souverain {

enum class TensorType : uint32_t {
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q8_1 = 9,
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    Q8_K = 15,
    BF16 = 30,
};

// Dequantize n elements (a whole number of blocks) to F32.
using ToFloatFn = void (*)(const void* src, float* dst, int64_t n);
// Quantize n F32 elements (a whole number of blocks) into blocks.
using FromFloatFn = void (*)(const float* src, void* dst, int64_t n);
// Dot product of one row of this type with an F32 vector, both n elements long.
using DotF32Fn = float (*)(const void* row, const float* x, int64_t n);

struct TensorTypeTraits {
    TensorType type;
    const char* name;        // as llama.cpp prints it: "f32", "q4_K", ...
    int64_t block_size;      // elements per block (1 for float types)
    size_t type_size;        // bytes per block
    ToFloatFn to_float;      // null when the engine cannot read this type
    FromFloatFn from_float;  // null when the engine cannot write this type
    DotF32Fn dot_f32;        // null when the engine cannot multiply with this type
};

// Traits of a raw GGUF type id, or nullptr for an id the engine does not know at all.
// Known-but-unsupported types (Q2_K, Q3_K, ...) have traits with null kernels so that
// `inspect` can still print their sizes.
const TensorTypeTraits* tensor_type_traits(uint32_t raw_type);
inline const TensorTypeTraits* tensor_type_traits(TensorType type) {
    return tensor_type_traits(static_cast<uint32_t>(type));
}

// Name as printed ("q4_K"); "unknown" for an id without traits.
std::string_view tensor_type_name(TensorType type);

// Parse a user-facing type name, case-insensitive ("q4_k", "Q8_0", "bf16").
std::optional<TensorType> parse_tensor_type(std::string_view name);

// Bytes of a row of n elements, or nullopt when n is not a whole number of blocks.
std::optional<size_t> tensor_row_bytes(TensorType type, int64_t n);

}  // namespace souverain
