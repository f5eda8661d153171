#include "engine/tensor_loader.h"

namespace souverain {

Error model_error(const std::string& origin, const std::string& what) {
    return make_error(ErrorCode::FORMAT, origin + ": " + what);
}

std::string tensor_shape_string(const GgufTensorInfo& info) {
    std::string out = "[";
    for (uint32_t dim_idx = 0; dim_idx < info.n_dims; ++dim_idx) {
        if (dim_idx) out += ", ";
        out += std::to_string(info.ne[dim_idx]);
    }
    return out + "]";
}

Result<int64_t> read_positive_metadata(const GgufFile& gguf, const std::string& origin,
                                       const std::string& key, int64_t max_value,
                                       std::optional<int64_t> fallback) {
    std::optional<int64_t> value = gguf.get_int(key);
    if (!value) {
        if (fallback) return *fallback;
        return model_error(origin, "missing integer metadata '" + key + "'");
    }
    if (*value <= 0 || *value > max_value) {
        return model_error(origin, "metadata '" + key + "' = " + std::to_string(*value) +
                                       " is out of range [1, " + std::to_string(max_value) + "]");
    }
    return *value;
}

TensorLoader::TensorLoader(const GgufFile& gguf, std::string origin)
    : gguf_(gguf), origin_(std::move(origin)), kernel_level_(kernels::best_kernel_level()) {}

Result<WeightMatrix> TensorLoader::matrix(const std::string& name, int64_t n_in,
                                          int64_t n_out) const {
    const GgufTensorInfo* info = gguf_.find_tensor(name);
    if (!info) return model_error(origin_, "missing tensor '" + name + "'");
    if (info->n_dims != 2 || info->ne[0] != n_in || info->ne[1] != n_out) {
        return model_error(origin_, "tensor '" + name + "' has shape " +
                                        tensor_shape_string(*info) + ", expected [" +
                                        std::to_string(n_in) + ", " + std::to_string(n_out) + "]");
    }
    const TensorTypeTraits* traits = tensor_type_traits(info->type);
    if (!traits || !traits->to_float || !traits->dot_f32) {
        return make_error(ErrorCode::UNSUPPORTED, origin_ + ": tensor '" + name + "' has type " +
                                                      std::string(tensor_type_name(info->type)) +
                                                      ", which this engine cannot compute with");
    }
    std::optional<size_t> row_bytes = tensor_row_bytes(info->type, n_in);
    if (!row_bytes) {
        return model_error(origin_, "tensor '" + name + "' rows do not fill whole blocks");
    }
    WeightMatrix w;
    w.traits = traits;
    w.kernel = kernels::dot_kernel(info->type, kernel_level_);
    w.n_in = n_in;
    w.n_out = n_out;
    w.row_bytes = *row_bytes;
    w.data = gguf_.tensor_data(*info);
    return w;
}

Result<std::vector<float>> TensorLoader::vector(const std::string& name, int64_t n) const {
    const GgufTensorInfo* info = gguf_.find_tensor(name);
    if (!info) return model_error(origin_, "missing tensor '" + name + "'");
    if (info->n_dims != 1 || info->ne[0] != n) {
        return model_error(origin_, "tensor '" + name + "' has shape " +
                                        tensor_shape_string(*info) + ", expected [" +
                                        std::to_string(n) + "]");
    }
    const TensorTypeTraits* traits = tensor_type_traits(info->type);
    if (!traits || !traits->to_float || !tensor_row_bytes(info->type, n)) {
        return make_error(ErrorCode::UNSUPPORTED,
                          origin_ + ": tensor '" + name + "' has an unsupported type for a vector");
    }
    std::vector<float> out((size_t)n);
    traits->to_float(gguf_.tensor_data(*info), out.data(), n);
    return out;
}

}  // namespace souverain
