#include "engine/bert_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "engine/gguf_writer.h"
#include "test_models.h"
#include "test_paths.h"

namespace souverain {
namespace {

std::string bge_vocab_path() {
    return test::shared_dir() + "/testdata/vocab/ggml-vocab-bert-bge.gguf";
}

using test::make_tiny_bert;

struct MiniBertSpec {
    std::string skip_tensor;       // leave this tensor out
    std::string bad_shape_tensor;  // give this tensor a wrong row length
    std::string arch = "bert";
    int64_t pooling_type = 1;
};

// A one-layer F32 bert (n_embd 16, 2 heads, n_ff 32, 8 positions) with the bge vocabulary.
std::string write_mini_bert(const std::string& dir, const MiniBertSpec& spec) {
    const int64_t n_embd = 16, n_ff = 32, n_ctx = 8;
    auto vocab = GgufFile::open(bge_vocab_path());
    EXPECT_TRUE(vocab.ok());
    const int64_t n_vocab = (int64_t)(*vocab)->get_array("tokenizer.ggml.tokens")->array_count;
    GgufWriter writer;
    writer.set_string("general.architecture", spec.arch);
    writer.set_u32("bert.embedding_length", n_embd);
    writer.set_u32("bert.block_count", 1);
    writer.set_u32("bert.feed_forward_length", n_ff);
    writer.set_u32("bert.attention.head_count", 2);
    writer.set_u32("bert.context_length", n_ctx);
    writer.set_u32("bert.pooling_type", (uint32_t)spec.pooling_type);
    for (const GgufKeyValue& kv : (*vocab)->metadata()) {
        if (kv.key.substr(0, 10) == "tokenizer.") writer.copy_value(kv.key, kv.value);
    }
    std::vector<std::pair<std::string, std::vector<int64_t>>> tensors = {
        {"token_embd.weight", {n_embd, n_vocab}},  {"token_types.weight", {n_embd, 2}},
        {"position_embd.weight", {n_embd, n_ctx}}, {"token_embd_norm.weight", {n_embd}},
        {"token_embd_norm.bias", {n_embd}},
    };
    for (const char* proj : {"attn_q", "attn_k", "attn_v", "attn_output"}) {
        tensors.push_back({std::string("blk.0.") + proj + ".weight", {n_embd, n_embd}});
        tensors.push_back({std::string("blk.0.") + proj + ".bias", {n_embd}});
    }
    for (const char* norm : {"attn_output_norm", "layer_output_norm"}) {
        tensors.push_back({std::string("blk.0.") + norm + ".weight", {n_embd}});
        tensors.push_back({std::string("blk.0.") + norm + ".bias", {n_embd}});
    }
    tensors.push_back({"blk.0.ffn_up.weight", {n_embd, n_ff}});
    tensors.push_back({"blk.0.ffn_up.bias", {n_ff}});
    tensors.push_back({"blk.0.ffn_down.weight", {n_ff, n_embd}});
    tensors.push_back({"blk.0.ffn_down.bias", {n_embd}});
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
        for (float& v : values) v = normal(rng);
        EXPECT_TRUE(writer.write_tensor_data(values.data(), values.size() * 4).ok());
    }
    EXPECT_TRUE(writer.finish().ok());
    return path;
}

double norm_of(const std::vector<float>& v) {
    double sum = 0.0;
    for (float x : v) sum += (double)x * x;
    return std::sqrt(sum);
}

TEST(BertModel, LoadsHyperParametersAndVocabulary) {
    auto model = BertModel::load(write_mini_bert(test::make_temp_dir("bert_valid"), {}));
    ASSERT_TRUE(model.ok()) << model.error().message;
    EXPECT_EQ((*model)->dimension(), 16);
    EXPECT_EQ((*model)->max_tokens(), 8);
    EXPECT_EQ((*model)->hparams().n_vocab, 30522);
    EXPECT_EQ((*model)->hparams().pooling, PoolingType::MEAN);
    EXPECT_FLOAT_EQ((*model)->hparams().norm_eps, 1e-12f);  // default when absent
}

TEST(BertModel, MissingBiasIsNamedInTheError) {
    MiniBertSpec spec;
    spec.skip_tensor = "blk.0.attn_v.bias";
    auto model = BertModel::load(write_mini_bert(test::make_temp_dir("bert_missing"), spec));
    ASSERT_FALSE(model.ok());
    EXPECT_NE(model.error().message.find("blk.0.attn_v.bias"), std::string::npos)
        << model.error().message;
}

TEST(BertModel, WrongShapeIsReportedWithBothShapes) {
    MiniBertSpec spec;
    spec.bad_shape_tensor = "blk.0.ffn_down.weight";
    auto model = BertModel::load(write_mini_bert(test::make_temp_dir("bert_shape"), spec));
    ASSERT_FALSE(model.ok());
    EXPECT_NE(model.error().message.find("[36, 16]"), std::string::npos) << model.error().message;
    EXPECT_NE(model.error().message.find("[32, 16]"), std::string::npos) << model.error().message;
}

TEST(BertModel, LlamaArchitectureAndUnknownPoolingAreUnsupported) {
    MiniBertSpec llama;
    llama.arch = "llama";
    auto model = BertModel::load(write_mini_bert(test::make_temp_dir("bert_arch"), llama));
    ASSERT_FALSE(model.ok());
    EXPECT_EQ(model.error().code, ErrorCode::UNSUPPORTED);
    MiniBertSpec rank;
    rank.pooling_type = 4;
    model = BertModel::load(write_mini_bert(test::make_temp_dir("bert_pool"), rank));
    ASSERT_FALSE(model.ok());
    EXPECT_NE(model.error().message.find("pooling_type 4"), std::string::npos);
}

TEST(BertModel, EmbeddingsAreUnitVectorsThatDependOnTheText) {
    auto model = make_tiny_bert("f32", "mean");
    ASSERT_TRUE(model);
    ThreadPool pool(2);
    const std::vector<std::string> texts = {"Hello world", "Hello world", "Goodbye moon"};
    auto vectors = model->embed(texts, pool);
    ASSERT_TRUE(vectors.ok()) << vectors.error().message;
    ASSERT_EQ(vectors->size(), 3u);
    for (const auto& v : *vectors) {
        ASSERT_EQ(v.size(), 128u);
        EXPECT_NEAR(norm_of(v), 1.0, 1e-5);
    }
    EXPECT_EQ((*vectors)[0], (*vectors)[1]);
    EXPECT_NE((*vectors)[0], (*vectors)[2]);
}

// Batching never changes a result: a text's vector is bit for bit the same alone or beside
// others of different lengths (the matmul computes each column independently, attention stays
// within a sequence).
TEST(BertModel, BatchedEmbeddingEqualsEmbeddingAlone) {
    for (const char* pooling : {"mean", "cls"}) {
        auto model = make_tiny_bert("q8_0", pooling);
        ASSERT_TRUE(model);
        ThreadPool pool(2);
        const std::vector<std::string> batch = {"short", "a somewhat longer sentence to embed",
                                                "middle length text"};
        auto together = model->embed(batch, pool);
        ASSERT_TRUE(together.ok());
        for (size_t idx = 0; idx < batch.size(); ++idx) {
            auto alone = model->embed(std::span<const std::string>(&batch[idx], 1), pool);
            ASSERT_TRUE(alone.ok());
            EXPECT_EQ((*alone)[0], (*together)[idx]) << pooling << " text " << idx;
        }
    }
}

TEST(BertModel, TokenInputGivesTheSameVectorAsText) {
    auto model = make_tiny_bert("f32", "mean");
    ASSERT_TRUE(model);
    ThreadPool pool(1);
    const std::string text = "tokens or text, same vector";
    std::vector<std::vector<int32_t>> sequences = {model->tokenize(text)};
    EXPECT_EQ(sequences[0].front(), model->vocab().cls_id());
    EXPECT_EQ(sequences[0].back(), model->vocab().sep_id());
    auto from_tokens = model->embed_tokens(sequences, pool);
    auto from_text = model->embed(std::span<const std::string>(&text, 1), pool);
    ASSERT_TRUE(from_tokens.ok() && from_text.ok());
    EXPECT_EQ((*from_tokens)[0], (*from_text)[0]);
}

TEST(BertModel, LongTextIsTruncatedToTheContextEndingWithSep) {
    auto model = make_tiny_bert("f32", "cls");
    ASSERT_TRUE(model);
    std::string text;
    for (int idx = 0; idx < 400; ++idx) text += "word number " + std::to_string(idx) + " ";
    bool truncated = false;
    const std::vector<int32_t> tokens = model->tokenize(text, &truncated);
    EXPECT_TRUE(truncated);
    ASSERT_EQ((int64_t)tokens.size(), model->max_tokens());
    EXPECT_EQ(tokens.back(), model->vocab().sep_id());
    ThreadPool pool(2);
    std::vector<EmbedInputInfo> info;
    const std::vector<std::string> texts = {text, "short"};
    auto vectors = model->embed(texts, pool, &info);
    ASSERT_TRUE(vectors.ok());
    ASSERT_EQ(info.size(), 2u);
    EXPECT_TRUE(info[0].truncated);
    EXPECT_EQ(info[0].n_tokens, 512);
    EXPECT_FALSE(info[1].truncated);
    EXPECT_EQ(info[1].n_tokens, 3);  // [CLS] short [SEP]
}

TEST(BertModel, BadTokenInputIsAnErrorNotACrash) {
    auto model = BertModel::load(write_mini_bert(test::make_temp_dir("bert_tokens"), {}));
    ASSERT_TRUE(model.ok());
    ThreadPool pool(1);
    std::vector<std::vector<int32_t>> out_of_range = {{101, 30522, 102}};
    auto result = (*model)->embed_tokens(out_of_range, pool);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().message.find("30522"), std::string::npos);
    std::vector<std::vector<int32_t>> too_long = {std::vector<int32_t>(9, 101)};
    result = (*model)->embed_tokens(too_long, pool);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ErrorCode::OUT_OF_RANGE);
    std::vector<std::vector<int32_t>> empty = {{}};
    EXPECT_FALSE((*model)->embed_tokens(empty, pool).ok());
    EXPECT_TRUE((*model)->embed_tokens({}, pool).ok());  // nothing asked, nothing computed
}

}  // namespace
}  // namespace souverain
