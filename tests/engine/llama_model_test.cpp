#include "engine/llama_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "engine/gguf_writer.h"
#include "test_paths.h"

namespace souverain {
namespace {

std::string spm_vocab_path() {
    return test::shared_dir() + "/testdata/vocab/ggml-vocab-llama-spm.gguf";
}

struct MiniModelSpec {
    std::string skip_tensor;       // leave this tensor out
    std::string bad_shape_tensor;  // give this tensor a wrong row length
    std::string arch = "llama";
    bool tied_output = false;
};

// A one-layer F32 llama model (n_embd 16, 2 heads, 1 KV head, n_ff 32) with the real SPM
// vocabulary, written with GgufWriter.
std::string write_mini_model(const std::string& dir, const MiniModelSpec& spec) {
    const int64_t n_embd = 16, n_ff = 32, n_embd_kv = 8;
    auto vocab = GgufFile::open(spm_vocab_path());
    EXPECT_TRUE(vocab.ok());
    const int64_t n_vocab = (int64_t)(*vocab)->get_array("tokenizer.ggml.tokens")->array_count;
    GgufWriter writer;
    writer.set_string("general.architecture", spec.arch);
    writer.set_u32("llama.embedding_length", n_embd);
    writer.set_u32("llama.block_count", 1);
    writer.set_u32("llama.feed_forward_length", n_ff);
    writer.set_u32("llama.attention.head_count", 2);
    writer.set_u32("llama.attention.head_count_kv", 1);
    writer.set_u32("llama.context_length", 64);
    for (const GgufKeyValue& kv : (*vocab)->metadata()) {
        if (kv.key.substr(0, 10) == "tokenizer.") writer.copy_value(kv.key, kv.value);
    }
    std::vector<std::pair<std::string, std::vector<int64_t>>> tensors = {
        {"token_embd.weight", {n_embd, n_vocab}},
        {"blk.0.attn_norm.weight", {n_embd}},
        {"blk.0.attn_q.weight", {n_embd, n_embd}},
        {"blk.0.attn_k.weight", {n_embd, n_embd_kv}},
        {"blk.0.attn_v.weight", {n_embd, n_embd_kv}},
        {"blk.0.attn_output.weight", {n_embd, n_embd}},
        {"blk.0.ffn_norm.weight", {n_embd}},
        {"blk.0.ffn_gate.weight", {n_embd, n_ff}},
        {"blk.0.ffn_up.weight", {n_embd, n_ff}},
        {"blk.0.ffn_down.weight", {n_ff, n_embd}},
        {"output_norm.weight", {n_embd}},
    };
    if (!spec.tied_output) tensors.push_back({"output.weight", {n_embd, n_vocab}});
    std::vector<std::pair<std::string, std::vector<int64_t>>> kept;
    for (auto& [name, ne] : tensors) {
        if (name == spec.skip_tensor) continue;
        if (name == spec.bad_shape_tensor) ne[0] += 4;
        kept.emplace_back(name, ne);
        EXPECT_TRUE(writer.add_tensor(name, TensorType::F32, ne).ok());
    }
    const std::string path = dir + "/mini.gguf";
    EXPECT_TRUE(writer.begin(path).ok());
    std::mt19937 rng(5);
    std::normal_distribution<float> normal(0.0f, 0.5f);
    for (const auto& [name, ne] : kept) {
        int64_t n = 1;
        for (int64_t dim : ne) n *= dim;
        std::vector<float> values((size_t)n);
        for (float& v : values) v = ne.size() == 1 ? 1.0f : normal(rng);
        EXPECT_TRUE(writer.write_tensor_data(values.data(), values.size() * 4).ok());
    }
    EXPECT_TRUE(writer.finish().ok());
    return path;
}

TEST(LlamaModel, LoadsAValidModelAndReadsHyperParameters) {
    const std::string path = write_mini_model(test::make_temp_dir("llama_valid"), {});
    auto model = LlamaModel::load(path);
    ASSERT_TRUE(model.ok()) << model.error().message;
    EXPECT_EQ((*model)->hparams().n_embd, 16);
    EXPECT_EQ((*model)->hparams().n_head_kv, 1);
    EXPECT_EQ((*model)->hparams().n_vocab, 32000);
    EXPECT_EQ((*model)->hparams().rope_freq_base, 10000.0f);  // default when absent
}

TEST(LlamaModel, MissingTensorIsNamedInTheError) {
    MiniModelSpec spec;
    spec.skip_tensor = "blk.0.ffn_up.weight";
    auto model = LlamaModel::load(write_mini_model(test::make_temp_dir("llama_missing"), spec));
    ASSERT_FALSE(model.ok());
    EXPECT_NE(model.error().message.find("blk.0.ffn_up.weight"), std::string::npos);
}

TEST(LlamaModel, WrongShapeIsReportedWithBothShapes) {
    MiniModelSpec spec;
    spec.bad_shape_tensor = "blk.0.attn_k.weight";
    auto model = LlamaModel::load(write_mini_model(test::make_temp_dir("llama_shape"), spec));
    ASSERT_FALSE(model.ok());
    EXPECT_NE(model.error().message.find("[20, 8]"), std::string::npos) << model.error().message;
    EXPECT_NE(model.error().message.find("[16, 8]"), std::string::npos) << model.error().message;
}

TEST(LlamaModel, UnknownArchitectureIsUnsupported) {
    MiniModelSpec spec;
    spec.arch = "mamba";
    auto model = LlamaModel::load(write_mini_model(test::make_temp_dir("llama_arch"), spec));
    ASSERT_FALSE(model.ok());
    EXPECT_EQ(model.error().code, ErrorCode::UNSUPPORTED);
}

TEST(LlamaModel, TiedOutputUsesTheEmbeddingMatrix) {
    MiniModelSpec spec;
    spec.tied_output = true;
    auto model = LlamaModel::load(write_mini_model(test::make_temp_dir("llama_tied"), spec));
    ASSERT_TRUE(model.ok()) << model.error().message;
    ThreadPool pool(2);
    auto cache = std::move((*model)->make_cache(8, KvCacheType::F32).value());
    std::vector<float> logits;
    const int32_t tokens[] = {1, 500};
    ASSERT_TRUE((*model)->forward(tokens, *cache, pool, true, logits).ok());
    EXPECT_EQ(logits.size(), 2u * 32000u);
    for (float v : logits) ASSERT_TRUE(std::isfinite(v));
}

TEST(LlamaModel, RejectsTokenOutsideVocabularyAndFullContext) {
    auto model = LlamaModel::load(write_mini_model(test::make_temp_dir("llama_errors"), {}));
    ASSERT_TRUE(model.ok());
    ThreadPool pool(1);
    auto cache = std::move((*model)->make_cache(3, KvCacheType::F32).value());
    std::vector<float> logits;
    const int32_t bad[] = {1, 32000};
    Status status = (*model)->forward(bad, *cache, pool, false, logits);
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.error().message.find("32000"), std::string::npos);
    EXPECT_EQ(cache->n_past(), 0);
    const int32_t too_many[] = {1, 2, 3, 4};
    status = (*model)->forward(too_many, *cache, pool, false, logits);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, ErrorCode::OUT_OF_RANGE);
}

TEST(LlamaModel, DecodingOneByOneMatchesBatchPrefill) {
    auto model = LlamaModel::load(write_mini_model(test::make_temp_dir("llama_kv"), {}));
    ASSERT_TRUE(model.ok());
    ThreadPool pool(2);
    const std::vector<int32_t> tokens = {1, 306, 4966, 29871, 13, 278, 17, 2};
    auto batch_cache = std::move((*model)->make_cache(16, KvCacheType::F32).value());
    std::vector<float> batch_logits, step_logits;
    ASSERT_TRUE((*model)->forward(tokens, *batch_cache, pool, true, batch_logits).ok());
    auto step_cache = std::move((*model)->make_cache(16, KvCacheType::F32).value());
    const int64_t n_vocab = (*model)->hparams().n_vocab;
    for (size_t token_idx = 0; token_idx < tokens.size(); ++token_idx) {
        ASSERT_TRUE(
            (*model)
                ->forward(std::span(&tokens[token_idx], 1), *step_cache, pool, false, step_logits)
                .ok());
        double diff = 0.0, norm = 0.0;
        for (int64_t idx = 0; idx < n_vocab; ++idx) {
            const double a = step_logits[(size_t)idx];
            const double b = batch_logits[(size_t)(token_idx * n_vocab + idx)];
            diff += (a - b) * (a - b);
            norm += b * b;
        }
        EXPECT_LT(std::sqrt(diff / norm), 1e-5) << "position " << token_idx;
    }
}

}  // namespace
}  // namespace souverain
