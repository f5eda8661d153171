#include "engine/quantize_model.h"

#include <vector>

#include "engine/gguf.h"
#include "engine/gguf_writer.h"
#include "engine/make_model.h"
#include "engine/quant_recipe.h"

namespace souverain {

Status quantize_model(const QuantizeOptions& options, ThreadPool& pool,
                      const TensorWriteProgress& progress) {
    Result<QuantRecipe> recipe = parse_quant_recipe(options.type);
    if (!recipe) return recipe.error();
    Result<std::unique_ptr<GgufFile>> opened = GgufFile::open(options.input_path);
    if (!opened) return opened.error();
    const GgufFile& input = **opened;

    std::string arch = "llama";
    if (auto value = input.get_string("general.architecture")) arch = std::string(*value);
    const int64_t n_layer = input.get_int(arch + ".block_count").value_or(0);

    GgufWriter writer;
    for (const GgufKeyValue& kv : input.metadata()) {
        if (kv.key == "general.alignment") continue;
        writer.copy_value(kv.key, kv.value);
    }
    writer.set_u32("general.file_type", recipe->file_type);
    writer.set_u32("general.quantization_version", 2);

    std::vector<TensorType> types;
    for (const GgufTensorInfo& info : input.tensors()) {
        const bool is_float = info.type == TensorType::F32 || info.type == TensorType::F16 ||
                              info.type == TensorType::BF16;
        if (!is_float) {
            return make_error(ErrorCode::UNSUPPORTED,
                              options.input_path + ": tensor '" + std::string(info.name) + "' is " +
                                  std::string(tensor_type_name(info.type)) +
                                  "; quantize reads F32, F16 or BF16 models only");
        }
        const TensorType type =
            choose_tensor_type(*recipe, info.name, info.n_dims, info.ne[0], n_layer);
        types.push_back(type);
        std::vector<int64_t> ne(info.ne.begin(), info.ne.begin() + info.n_dims);
        SOUVERAIN_TRY(writer.add_tensor(info.name, type, ne));
    }

    SOUVERAIN_TRY(writer.begin(options.output_path));
    std::vector<float> values;   // F32 [ne0, rows]
    std::vector<uint8_t> bytes;  // the target type
    for (size_t tensor_idx = 0; tensor_idx < input.tensors().size(); ++tensor_idx) {
        const GgufTensorInfo& info = input.tensors()[tensor_idx];
        const int64_t n_in = info.ne[0];
        const int64_t n_rows = info.n_elements() / n_in;
        values.resize((size_t)info.n_elements());
        const TensorTypeTraits* src_traits = tensor_type_traits(info.type);
        const size_t src_row_bytes = *tensor_row_bytes(info.type, n_in);
        const uint8_t* src = input.tensor_data(info);
        for (int64_t row_idx = 0; row_idx < n_rows; ++row_idx) {
            src_traits->to_float(src + (size_t)row_idx * src_row_bytes,
                                 values.data() + row_idx * n_in, n_in);
        }
        bytes.resize(*tensor_row_bytes(types[tensor_idx], n_in) * (size_t)n_rows);
        quantize_rows(types[tensor_idx], values.data(), n_in, n_rows, bytes.data(), pool);
        SOUVERAIN_TRY(writer.write_tensor_data(bytes.data(), bytes.size()));
        if (progress) progress(tensor_idx + 1, input.tensors().size(), std::string(info.name));
    }
    return writer.finish();
}

}  // namespace souverain
