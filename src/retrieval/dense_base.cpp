#include "retrieval/dense_base.h"

#include <algorithm>
#include <filesystem>

#include "retrieval/hashing_embedder.h"

namespace souverain::retrieval {

Result<std::optional<DenseBase>> DenseBase::open(const std::string& data_dir, int64_t kb_id,
                                                 const DenseOptions& options) {
    Result<std::unique_ptr<storage::VectorStore>> vectors =
        storage::open_sqlite_vector_store(data_dir);
    if (!vectors) return vectors.error();
    Result<std::optional<storage::EmbeddingModelInfo>> model = (*vectors)->embedding_model(kb_id);
    if (!model) return model.error();
    if (!model->has_value()) return std::optional<DenseBase>();
    Result<std::unique_ptr<Embedder>> embedder =
        open_embedding_model((*model)->path, options.threads);
    if (!embedder) return embedder.error();
    if ((*embedder)->dimension() != (*model)->dimension ||
        (*embedder)->model_name() != (*model)->name) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "embedding model '" + (*model)->path + "' is now '" +
                              (*embedder)->model_name() + "' (" +
                              std::to_string((*embedder)->dimension()) +
                              " dimensions) but the knowledge base's vectors are of '" +
                              (*model)->name + "' (" + std::to_string((*model)->dimension) + ")");
    }
    DenseBase base;
    base.data_dir_ = data_dir;
    base.kb_id_ = kb_id;
    base.options_ = options;
    base.model_ = **model;
    base.vectors_ = std::move(*vectors);
    base.embedder_ = std::move(*embedder);
    return std::optional<DenseBase>(std::move(base));
}

Result<size_t> DenseBase::embed_pending(const std::function<void(size_t)>& progress) {
    size_t done = 0;
    int64_t after = 0;
    for (;;) {
        Result<std::vector<storage::ChunkText>> chunks = vectors_->chunks_without_vectors(
            kb_id_, after, std::max<size_t>(1, options_.embed_batch));
        if (!chunks) return chunks.error();
        if (chunks->empty()) break;
        after = chunks->back().chunk_id;
        std::vector<std::string> texts;
        texts.reserve(chunks->size());
        for (storage::ChunkText& chunk : *chunks) texts.push_back(std::move(chunk.text));
        Result<std::vector<std::vector<float>>> embedded = embedder_->embed(texts);
        if (!embedded) return embedded.error();
        if (embedded->size() != chunks->size()) {
            return make_error(ErrorCode::INTERNAL,
                              "embedder returned " + std::to_string(embedded->size()) +
                                  " vectors for " + std::to_string(chunks->size()) + " texts");
        }
        std::vector<storage::NewVector> batch;
        batch.reserve(chunks->size());
        for (size_t i = 0; i < chunks->size(); ++i) {
            batch.push_back(storage::NewVector{(*chunks)[i].chunk_id, std::move((*embedded)[i])});
        }
        SOUVERAIN_TRY(vectors_->put_vectors(kb_id_, batch));
        done += batch.size();
        if (progress) progress(done);
    }
    return done;
}

Status DenseBase::update_index(VectorIndexReport* report) {
    if (index_) return index_->sync(report);
    Result<std::unique_ptr<VectorIndex>> index =
        VectorIndex::open(*vectors_, kb_id_, model_, vector_index_path(data_dir_, kb_id_),
                          options_.hnsw, options_.threads, report);
    if (!index) return index.error();
    index_ = std::move(*index);
    return Status::success();
}

Result<std::vector<DenseHit>> DenseBase::search(std::string_view query, size_t k) {
    if (!index_) SOUVERAIN_TRY(update_index());
    const std::string text(query);
    Result<std::vector<std::vector<float>>> embedded =
        embedder_->embed(std::span<const std::string>(&text, 1));
    if (!embedded) return embedded.error();
    if (embedded->size() != 1) {
        return make_error(ErrorCode::INTERNAL, "embedder returned no vector for the query");
    }
    return index_->search(embedded->front(), k);
}

Result<storage::EmbeddingModelInfo> set_kb_embedding_model(const std::string& data_dir,
                                                           int64_t kb_id, const std::string& spec,
                                                           int threads) {
    Result<std::unique_ptr<Embedder>> embedder = open_embedding_model(spec, threads);
    if (!embedder) return embedder.error();
    storage::EmbeddingModelInfo model;
    model.name = (*embedder)->model_name();
    model.dimension = (*embedder)->dimension();
    // A file is recorded by its absolute path, so that the server and the CLI find it from
    // any working directory.
    std::error_code ec;
    model.path = is_hashing_model(spec) ? spec : std::filesystem::absolute(spec, ec).string();
    if (ec) model.path = spec;
    Result<std::unique_ptr<storage::VectorStore>> vectors =
        storage::open_sqlite_vector_store(data_dir);
    if (!vectors) return vectors.error();
    SOUVERAIN_TRY((*vectors)->set_embedding_model(kb_id, model));
    return model;
}

}  // namespace souverain::retrieval
