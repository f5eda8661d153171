#pragma once
// Test models: GGUF files with random weights and the real shapes of known models, so that
// correctness and speed can be checked without downloading weights. Weights are normal
// with std 0.02, the tokenizer is copied from a vocabulary GGUF. llama norm weights are 1;
// bert norm weights are 1 + normal(0.1) and biases normal(0.1), so that a reference check
// sees a wrong weight/bias pairing or a forgotten bias.
// Tensors are generated, quantized and written one at a time, so a 7B file needs only
// about one tensor's worth of memory.
#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/thread_pool.h"
#include "engine/gguf_writer.h"
#include "engine/quant_recipe.h"

namespace souverain {

struct ModelPreset {
    const char* name;
    int64_t n_embd;
    int64_t n_layer;
    int64_t n_head;
    int64_t n_head_kv;
    int64_t n_ff;
    int64_t n_ctx_train;
    float rope_freq_base;
    float rms_eps;
};

// tiny, tinyllama-1b, mistral-7b; nullptr for an unknown name.
const ModelPreset* find_model_preset(std::string_view name);
std::vector<std::string> model_preset_names();

// Shapes of `bert` encoders (arch "bert").
struct EncoderPreset {
    const char* name;
    int64_t n_embd;
    int64_t n_layer;
    int64_t n_head;
    int64_t n_ff;
    int64_t n_ctx_train;
    float norm_eps;
};

// tiny (small enough for the pure reference to run in seconds), minilm (all-MiniLM-L6 /
// bge-small-like: 384 dimensions, 6 layers); nullptr for an unknown name.
const EncoderPreset* find_encoder_preset(std::string_view name);
std::vector<std::string> encoder_preset_names();

struct MakeModelOptions {
    std::string arch = "llama";
    std::string preset;
    std::string type = "f32";      // a QuantRecipe name
    std::string vocab_path;        // GGUF whose tokenizer.* metadata is copied
    std::string chat_template;     // non-empty: written as tokenizer.chat_template (Jinja text)
    std::string pooling = "mean";  // bert: "mean" or "cls" (bert.pooling_type 1 or 2)
    // bert: a cross-encoder reranker instead (bert.pooling_type 4, the classification head
    // cls.weight/bias [n_embd, n_embd] and cls.output.weight/bias [n_embd, 1]).
    bool reranker = false;
    uint64_t seed = 0;
    std::string output_path;
};

Status make_model(const MakeModelOptions& options, ThreadPool& pool,
                  const TensorWriteProgress& progress = nullptr);

// Fills out[0..n) with normal(0, std) values that depend only on (seed, stream, index):
// the same for any thread count.
void fill_normal(float* out, int64_t n, float std_dev, uint64_t seed, uint64_t stream,
                 ThreadPool& pool);

// Quantizes rows F32 [n_in, n_rows] to `type`, in parallel, into dst (row bytes each).
void quantize_rows(TensorType type, const float* src, int64_t n_in, int64_t n_rows, uint8_t* dst,
                   ThreadPool& pool);

}  // namespace souverain
