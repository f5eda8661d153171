// open_embedder: an encoder GGUF (engine/bert_model.h) as a retrieval Embedder.
#include "retrieval/embedder.h"

#include <filesystem>

#include "common/thread_pool.h"
#include "engine/bert_model.h"

namespace souverain::retrieval {

namespace {

// Owns the model and the pool its forward passes run on; one embed() at a time (the
// Embedder contract), which is also what a ThreadPool allows.
class ModelEmbedder final : public Embedder {
public:
    ModelEmbedder(std::unique_ptr<BertModel> model, std::string name, int n_threads)
        : model_(std::move(model)), name_(std::move(name)), pool_(n_threads) {}

    int dimension() const override { return model_->dimension(); }
    std::string model_name() const override { return name_; }
    Result<std::vector<std::vector<float>>> embed(std::span<const std::string> texts) override {
        // Over-long chunks are cut at the model's context, as sentence-transformers does;
        // the chunker keeps most chunks well under it.
        return model_->embed(texts, pool_);
    }

private:
    std::unique_ptr<BertModel> model_;
    std::string name_;
    ThreadPool pool_;
};

}  // namespace

Result<std::unique_ptr<Embedder>> open_embedder(const std::string& model_path, int n_threads) {
    Result<std::unique_ptr<BertModel>> model = BertModel::load(model_path);
    if (!model) return model.error();
    if ((*model)->is_reranker()) {
        return make_error(ErrorCode::UNSUPPORTED,
                          model_path +
                              " is a reranker (cross-encoder): it scores (query, passage) pairs "
                              "and gives no embeddings");
    }
    const std::string name = std::filesystem::path(model_path).stem().string();
    return std::unique_ptr<Embedder>(
        std::make_unique<ModelEmbedder>(std::move(*model), name, n_threads));
}

}  // namespace souverain::retrieval
