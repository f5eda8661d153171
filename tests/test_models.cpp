#include "test_models.h"

#include <gtest/gtest.h>

#include "engine/make_model.h"
#include "test_paths.h"

namespace souverain::test {

std::unique_ptr<LlamaModel> make_tiny_model(const std::string& type, uint64_t seed) {
    ThreadPool pool(2);
    MakeModelOptions options;
    options.preset = "tiny";
    options.type = type;
    options.vocab_path = shared_dir() + "/testdata/vocab/ggml-vocab-llama-spm.gguf";
    options.seed = seed;
    options.output_path = make_temp_dir("tiny_" + type) + "/model.gguf";
    Status made = make_model(options, pool);
    if (!made.ok()) {
        ADD_FAILURE() << "make_model: " << made.error().message;
        return nullptr;
    }
    auto model = LlamaModel::load(options.output_path);
    if (!model.ok()) {
        ADD_FAILURE() << "load: " << model.error().message;
        return nullptr;
    }
    return std::move(*model);
}

std::unique_ptr<BertModel> make_tiny_bert(const std::string& type, const std::string& pooling,
                                          uint64_t seed) {
    ThreadPool pool(2);
    MakeModelOptions options;
    options.arch = "bert";
    options.preset = "tiny";
    options.type = type;
    options.pooling = pooling;
    options.vocab_path = shared_dir() + "/testdata/vocab/ggml-vocab-bert-bge.gguf";
    options.seed = seed;
    options.output_path = make_temp_dir("tiny_bert_" + type + "_" + pooling) + "/model.gguf";
    Status made = make_model(options, pool);
    if (!made.ok()) {
        ADD_FAILURE() << "make_model: " << made.error().message;
        return nullptr;
    }
    auto model = BertModel::load(options.output_path);
    if (!model.ok()) {
        ADD_FAILURE() << "load: " << model.error().message;
        return nullptr;
    }
    return std::move(*model);
}

}  // namespace souverain::test
