#include "engine/make_model.h"

#include <cmath>
#include <cstring>
#include <optional>

#include "engine/gguf.h"
#include "engine/gguf_writer.h"

namespace souverain {

namespace {

// clang-format off
const ModelPreset kPresets[] = {
    // name           n_embd n_layer n_head n_head_kv n_ff   n_ctx  rope_base   eps
    {"tiny",            256,    2,     4,     2,      512,   2048,  10000.0f,   1e-5f},
    {"tinyllama-1b",   2048,   22,    32,     4,     5632,   2048,  10000.0f,   1e-5f},
    {"mistral-7b",     4096,   32,    32,     8,    14336,  32768,  1000000.0f, 1e-5f},
};

const EncoderPreset kEncoderPresets[] = {
    // name      n_embd n_layer n_head n_ff   n_ctx  eps
    {"tiny",       128,    2,     4,    256,   512,  1e-12f},
    {"minilm",     384,    6,    12,   1536,   512,  1e-12f},
};
// clang-format on

uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t hash_name(std::string_view name) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a
    for (char c : name) h = (h ^ (uint8_t)c) * 1099511628211ull;
    return h;
}

enum class InitKind { NORMAL, ONES, NORM_WEIGHT, BIAS };

struct TensorPlan {
    std::string name;
    std::vector<int64_t> ne;
    TensorType type;
    InitKind init;
};

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Writes the planned tensors with values drawn per tensor name (the same for any thread count).
Status write_planned_tensors(GgufWriter& writer, const std::vector<TensorPlan>& plan,
                             const MakeModelOptions& options, ThreadPool& pool,
                             const TensorWriteProgress& progress) {
    for (const TensorPlan& tensor : plan)
        SOUVERAIN_TRY(writer.add_tensor(tensor.name, tensor.type, tensor.ne));
    SOUVERAIN_TRY(writer.begin(options.output_path));
    std::vector<float> values;   // F32 [ne0, ne1] of the current tensor
    std::vector<uint8_t> bytes;  // the same, in its file type
    for (size_t tensor_idx = 0; tensor_idx < plan.size(); ++tensor_idx) {
        const TensorPlan& tensor = plan[tensor_idx];
        const int64_t n_in = tensor.ne[0];
        const int64_t n_rows = tensor.ne.size() > 1 ? tensor.ne[1] : 1;
        values.resize((size_t)(n_in * n_rows));
        const uint64_t stream = hash_name(tensor.name);
        switch (tensor.init) {
            case InitKind::ONES:
                std::fill(values.begin(), values.end(), 1.0f);
                break;
            case InitKind::NORMAL:
                fill_normal(values.data(), (int64_t)values.size(), 0.02f, options.seed, stream,
                            pool);
                break;
            case InitKind::NORM_WEIGHT:
                fill_normal(values.data(), (int64_t)values.size(), 0.1f, options.seed, stream,
                            pool);
                for (float& value : values) value += 1.0f;
                break;
            case InitKind::BIAS:
                fill_normal(values.data(), (int64_t)values.size(), 0.1f, options.seed, stream,
                            pool);
                break;
        }
        bytes.resize(*tensor_row_bytes(tensor.type, n_in) * (size_t)n_rows);
        quantize_rows(tensor.type, values.data(), n_in, n_rows, bytes.data(), pool);
        SOUVERAIN_TRY(writer.write_tensor_data(bytes.data(), bytes.size()));
        if (progress) progress(tensor_idx + 1, plan.size(), tensor.name);
    }
    return writer.finish();
}

std::string join_names(const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
    return out;
}

Status make_bert_model(const MakeModelOptions& options, const QuantRecipe& recipe,
                       const GgufFile& vocab_file, int64_t n_vocab, ThreadPool& pool,
                       const TensorWriteProgress& progress) {
    const EncoderPreset* preset = find_encoder_preset(options.preset);
    if (!preset) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "make-model: unknown bert preset '" + options.preset + "' (expected " +
                              join_names(encoder_preset_names()) + ")");
    }
    uint32_t pooling_type = 0;
    if (options.pooling == "mean") {
        pooling_type = 1;
    } else if (options.pooling == "cls") {
        pooling_type = 2;
    } else {
        return make_error(
            ErrorCode::INVALID_ARGUMENT,
            "make-model: unknown pooling '" + options.pooling + "' (expected mean or cls)");
    }
    if (options.reranker) pooling_type = 4;  // llama.cpp's LLAMA_POOLING_TYPE_RANK
    std::optional<std::string_view> vocab_model = vocab_file.get_string("tokenizer.ggml.model");
    if (!vocab_model || (*vocab_model != "bert" && *vocab_model != "t5")) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          options.vocab_path +
                              ": a bert model needs a WordPiece or unigram vocabulary "
                              "(tokenizer.ggml.model 'bert' or 't5')");
    }
    constexpr int64_t n_token_types = 2;

    GgufWriter writer;
    writer.set_string("general.architecture", "bert");
    writer.set_string("general.name", std::string(options.reranker ? "souverain-random-reranker-"
                                                                   : "souverain-random-bert-") +
                                          preset->name);
    writer.set_u32("general.file_type", recipe.file_type);
    writer.set_u32("general.quantization_version", 2);
    writer.set_u32("bert.context_length", (uint32_t)preset->n_ctx_train);
    writer.set_u32("bert.embedding_length", (uint32_t)preset->n_embd);
    writer.set_u32("bert.block_count", (uint32_t)preset->n_layer);
    writer.set_u32("bert.feed_forward_length", (uint32_t)preset->n_ff);
    writer.set_u32("bert.attention.head_count", (uint32_t)preset->n_head);
    writer.set_f32("bert.attention.layer_norm_epsilon", preset->norm_eps);
    writer.set_u32("bert.pooling_type", pooling_type);
    for (const GgufKeyValue& kv : vocab_file.metadata()) {
        if (kv.key.substr(0, 10) == "tokenizer.") writer.copy_value(kv.key, kv.value);
    }

    const int64_t n_embd = preset->n_embd;
    std::vector<TensorPlan> plan;
    auto add = [&](std::string name, std::vector<int64_t> ne) {
        InitKind init = InitKind::NORMAL;
        if (ne.size() == 1)
            init = ends_with(name, ".bias") ? InitKind::BIAS : InitKind::NORM_WEIGHT;
        TensorType type =
            choose_tensor_type(recipe, name, (uint32_t)ne.size(), ne[0], preset->n_layer);
        plan.push_back({std::move(name), std::move(ne), type, init});
    };
    add("token_embd.weight", {n_embd, n_vocab});
    add("token_types.weight", {n_embd, n_token_types});
    add("position_embd.weight", {n_embd, preset->n_ctx_train});
    add("token_embd_norm.weight", {n_embd});
    add("token_embd_norm.bias", {n_embd});
    for (int64_t layer_idx = 0; layer_idx < preset->n_layer; ++layer_idx) {
        const std::string blk = "blk." + std::to_string(layer_idx) + ".";
        for (const char* proj : {"attn_q", "attn_k", "attn_v", "attn_output"}) {
            add(blk + proj + ".weight", {n_embd, n_embd});
            add(blk + proj + ".bias", {n_embd});
        }
        add(blk + "attn_output_norm.weight", {n_embd});
        add(blk + "attn_output_norm.bias", {n_embd});
        add(blk + "ffn_up.weight", {n_embd, preset->n_ff});
        add(blk + "ffn_up.bias", {preset->n_ff});
        add(blk + "ffn_down.weight", {preset->n_ff, n_embd});
        add(blk + "ffn_down.bias", {n_embd});
        add(blk + "layer_output_norm.weight", {n_embd});
        add(blk + "layer_output_norm.bias", {n_embd});
    }
    if (options.reranker) {
        add("cls.weight", {n_embd, n_embd});
        add("cls.bias", {n_embd});
        add("cls.output.weight", {n_embd, 1});
        add("cls.output.bias", {1});
    }
    return write_planned_tensors(writer, plan, options, pool, progress);
}

}  // namespace

const EncoderPreset* find_encoder_preset(std::string_view name) {
    for (const EncoderPreset& preset : kEncoderPresets) {
        if (name == preset.name) return &preset;
    }
    return nullptr;
}

std::vector<std::string> encoder_preset_names() {
    std::vector<std::string> names;
    for (const EncoderPreset& preset : kEncoderPresets) names.emplace_back(preset.name);
    return names;
}

const ModelPreset* find_model_preset(std::string_view name) {
    for (const ModelPreset& preset : kPresets) {
        if (name == preset.name) return &preset;
    }
    return nullptr;
}

std::vector<std::string> model_preset_names() {
    std::vector<std::string> names;
    for (const ModelPreset& preset : kPresets) names.emplace_back(preset.name);
    return names;
}

void fill_normal(float* out, int64_t n, float std_dev, uint64_t seed, uint64_t stream,
                 ThreadPool& pool) {
    // Chunks of fixed size, each with its own generator state, make the values
    // independent of how chunks are spread over threads.
    constexpr int64_t chunk = 1 << 16;
    const int64_t n_chunks = (n + chunk - 1) / chunk;
    pool.parallel_for(n_chunks, [&](int64_t chunk_idx, int) {
        uint64_t state = seed ^ (stream * 0xd1b54a32d192ed03ull) ^ ((uint64_t)chunk_idx << 1);
        splitmix64(state);
        const int64_t begin = chunk_idx * chunk;
        const int64_t end = std::min(n, begin + chunk);
        for (int64_t idx = begin; idx < end; idx += 2) {
            // Box-Muller: two uniforms in (0, 1] give two independent normals.
            const double u1 =
                ((double)(splitmix64(state) >> 11) + 1.0) * (1.0 / 9007199254740992.0);
            const double u2 = (double)(splitmix64(state) >> 11) * (1.0 / 9007199254740992.0);
            const double radius = std::sqrt(-2.0 * std::log(u1)) * std_dev;
            out[idx] = (float)(radius * std::cos(2.0 * M_PI * u2));
            if (idx + 1 < end) out[idx + 1] = (float)(radius * std::sin(2.0 * M_PI * u2));
        }
    });
}

void quantize_rows(TensorType type, const float* src, int64_t n_in, int64_t n_rows, uint8_t* dst,
                   ThreadPool& pool) {
    const TensorTypeTraits* traits = tensor_type_traits(type);
    const size_t row_bytes = *tensor_row_bytes(type, n_in);
    constexpr int64_t rows_per_task = 32;
    const int64_t n_tasks = (n_rows + rows_per_task - 1) / rows_per_task;
    pool.parallel_for(n_tasks, [&](int64_t task_idx, int) {
        const int64_t row_begin = task_idx * rows_per_task;
        const int64_t row_end = std::min(n_rows, row_begin + rows_per_task);
        for (int64_t row_idx = row_begin; row_idx < row_end; ++row_idx) {
            traits->from_float(src + row_idx * n_in, dst + (size_t)row_idx * row_bytes, n_in);
        }
    });
}

Status make_model(const MakeModelOptions& options, ThreadPool& pool,
                  const TensorWriteProgress& progress) {
    if (options.arch != "llama" && options.arch != "bert") {
        return make_error(ErrorCode::UNSUPPORTED, "make-model: architecture '" + options.arch +
                                                      "' is not supported (llama, bert)");
    }
    Result<QuantRecipe> recipe = parse_quant_recipe(options.type);
    if (!recipe) return recipe.error();
    if (options.output_path.empty()) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "make-model: no output path (-o)");
    }
    Result<std::unique_ptr<GgufFile>> vocab_file = GgufFile::open(options.vocab_path);
    if (!vocab_file) return vocab_file.error();
    const GgufValue* tokens = (*vocab_file)->get_array("tokenizer.ggml.tokens");
    if (!tokens || tokens->array_type != GgufValueType::STRING || tokens->array_count == 0) {
        return make_error(ErrorCode::FORMAT,
                          options.vocab_path + ": no tokenizer.ggml.tokens string array");
    }
    const int64_t n_vocab = (int64_t)tokens->array_count;
    if (options.arch == "bert") {
        return make_bert_model(options, *recipe, **vocab_file, n_vocab, pool, progress);
    }

    const ModelPreset* preset = find_model_preset(options.preset);
    if (!preset) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "make-model: unknown preset '" +
                                                           options.preset + "' (expected " +
                                                           join_names(model_preset_names()) + ")");
    }

    GgufWriter writer;
    writer.set_string("general.architecture", "llama");
    writer.set_string("general.name", std::string("souverain-random-") + preset->name);
    writer.set_u32("general.file_type", recipe->file_type);
    writer.set_u32("general.quantization_version", 2);
    writer.set_u32("llama.context_length", (uint32_t)preset->n_ctx_train);
    writer.set_u32("llama.embedding_length", (uint32_t)preset->n_embd);
    writer.set_u32("llama.block_count", (uint32_t)preset->n_layer);
    writer.set_u32("llama.feed_forward_length", (uint32_t)preset->n_ff);
    writer.set_u32("llama.attention.head_count", (uint32_t)preset->n_head);
    writer.set_u32("llama.attention.head_count_kv", (uint32_t)preset->n_head_kv);
    writer.set_u32("llama.rope.dimension_count", (uint32_t)(preset->n_embd / preset->n_head));
    writer.set_f32("llama.rope.freq_base", preset->rope_freq_base);
    writer.set_f32("llama.attention.layer_norm_rms_epsilon", preset->rms_eps);
    writer.set_u32("llama.vocab_size", (uint32_t)n_vocab);
    for (const GgufKeyValue& kv : (*vocab_file)->metadata()) {
        if (kv.key.substr(0, 10) != "tokenizer.") continue;
        if (kv.key == "tokenizer.chat_template" && !options.chat_template.empty()) continue;
        writer.copy_value(kv.key, kv.value);
    }
    if (!options.chat_template.empty()) {
        writer.set_string("tokenizer.chat_template", options.chat_template);
    }

    const int64_t n_embd = preset->n_embd;
    const int64_t n_embd_kv = preset->n_head_kv * (n_embd / preset->n_head);
    std::vector<TensorPlan> plan;
    auto add = [&](std::string name, std::vector<int64_t> ne) {
        const InitKind init = ne.size() == 1 ? InitKind::ONES : InitKind::NORMAL;
        TensorType type =
            choose_tensor_type(*recipe, name, (uint32_t)ne.size(), ne[0], preset->n_layer);
        plan.push_back({std::move(name), std::move(ne), type, init});
    };
    add("token_embd.weight", {n_embd, n_vocab});
    for (int64_t layer_idx = 0; layer_idx < preset->n_layer; ++layer_idx) {
        const std::string blk = "blk." + std::to_string(layer_idx) + ".";
        add(blk + "attn_norm.weight", {n_embd});
        add(blk + "attn_q.weight", {n_embd, n_embd});
        add(blk + "attn_k.weight", {n_embd, n_embd_kv});
        add(blk + "attn_v.weight", {n_embd, n_embd_kv});
        add(blk + "attn_output.weight", {n_embd, n_embd});
        add(blk + "ffn_norm.weight", {n_embd});
        add(blk + "ffn_gate.weight", {n_embd, preset->n_ff});
        add(blk + "ffn_up.weight", {n_embd, preset->n_ff});
        add(blk + "ffn_down.weight", {preset->n_ff, n_embd});
    }
    add("output_norm.weight", {n_embd});
    add("output.weight", {n_embd, n_vocab});
    return write_planned_tensors(writer, plan, options, pool, progress);
}

}  // namespace souverain
