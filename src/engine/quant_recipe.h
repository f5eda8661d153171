#pragma once
// Which tensor type each weight of a model gets when a model is written or quantized:
// either one type for every matrix, or a mix (q4_k_m, q5_k_m) that spends more bits on the
// tensors where quantization error hurts most. Norm vectors always stay F32.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"
#include "engine/tensor_type.h"

namespace souverain {

struct QuantRecipe {
    std::string name;        // as the user typed it, lower case: "q4_k_m"
    TensorType base;         // the type of most matrices
    bool k_mix = false;      // q4_k_m / q5_k_m: Q6_K for output and some attn_v / ffn_down
    uint32_t file_type = 0;  // general.file_type, llama.cpp's numbering
};

// f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 q4_k q5_k q6_k q4_k_m q5_k_m.
Result<QuantRecipe> parse_quant_recipe(std::string_view name);

// Type for the tensor `name` (GGUF naming, e.g. "blk.3.ffn_down.weight") with rows of n_in
// elements in a model of n_layer blocks. 1-D tensors (n_dims == 1) are F32. When the
// chosen type's blocks do not divide n_in, falls back to Q8_0, then F16.
TensorType choose_tensor_type(const QuantRecipe& recipe, std::string_view name, uint32_t n_dims,
                              int64_t n_in, int64_t n_layer);

}  // namespace souverain
