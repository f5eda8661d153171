#include "engine/quant_recipe.h"

#include <cctype>
#include <cstdlib>

namespace souverain {

Result<QuantRecipe> parse_quant_recipe(std::string_view name) {
    std::string lower;
    for (char c : name) lower += (char)std::tolower((unsigned char)c);
    struct Entry {
        const char* name;
        TensorType base;
        bool k_mix;
        uint32_t file_type;
    };
    static const Entry kRecipes[] = {
        {"f32", TensorType::F32, false, 0},     {"f16", TensorType::F16, false, 1},
        {"bf16", TensorType::BF16, false, 32},  {"q8_0", TensorType::Q8_0, false, 7},
        {"q4_0", TensorType::Q4_0, false, 2},   {"q4_1", TensorType::Q4_1, false, 3},
        {"q5_0", TensorType::Q5_0, false, 8},   {"q5_1", TensorType::Q5_1, false, 9},
        {"q4_k", TensorType::Q4_K, false, 14},  {"q5_k", TensorType::Q5_K, false, 16},
        {"q6_k", TensorType::Q6_K, false, 18},  {"q4_k_m", TensorType::Q4_K, true, 15},
        {"q5_k_m", TensorType::Q5_K, true, 17},
    };
    for (const Entry& entry : kRecipes) {
        if (lower == entry.name)
            return QuantRecipe{entry.name, entry.base, entry.k_mix, entry.file_type};
    }
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      "unknown type '" + std::string(name) +
                          "' (expected f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, q5_k, "
                          "q6_k, q4_k_m or q5_k_m)");
}

namespace {

// Layers at both ends and every third layer in between get more bits in the _M mixes:
// errors in the first and last blocks propagate furthest or reach the output directly.
bool layer_gets_more_bits(int64_t layer_idx, int64_t n_layer) {
    return layer_idx < n_layer / 8 || layer_idx >= 7 * n_layer / 8 ||
           (layer_idx - n_layer / 8) % 3 == 2;
}

// Layer index of "blk.N.xxx", or -1.
int64_t layer_of(std::string_view name) {
    if (name.substr(0, 4) != "blk.") return -1;
    return std::strtoll(std::string(name.substr(4)).c_str(), nullptr, 10);
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

TensorType choose_tensor_type(const QuantRecipe& recipe, std::string_view name, uint32_t n_dims,
                              int64_t n_in, int64_t n_layer) {
    if (n_dims < 2) return TensorType::F32;
    TensorType type = recipe.base;
    if (recipe.k_mix) {
        if (name == "output.weight") {
            type = TensorType::Q6_K;
        } else if (ends_with(name, "attn_v.weight") || ends_with(name, "ffn_down.weight")) {
            const int64_t layer_idx = layer_of(name);
            if (layer_idx >= 0 && layer_gets_more_bits(layer_idx, n_layer)) type = TensorType::Q6_K;
        }
    }
    for (TensorType candidate : {type, TensorType::Q8_0, TensorType::F16}) {
        if (tensor_row_bytes(candidate, n_in)) return candidate;
    }
    return TensorType::F32;
}

}  // namespace souverain
