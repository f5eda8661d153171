#pragma once
// The dense side of one knowledge base: its stored vectors, its embedding model opened as an
// Embedder, and (once opened) its HNSW index. Used by ingestion (embed the chunks that have
// no vector yet, then bring the index up to date) and by search (embed the query, search the
// index).
//
// A base has a dense side only when it was created with an embedding model
// (`kb create NAME --embedding-model F.gguf|hashing:DIM`); `open_dense_base` gives nullopt
// otherwise, and search is then lexical.
//
// Ownership: a DenseBase owns its VectorStore connection, Embedder and index.
// Thread-safety: one thread at a time.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"
#include "retrieval/embedder.h"
#include "retrieval/vector_index.h"
#include "storage/vector_store.h"

namespace souverain::retrieval {

struct DenseOptions {
    int threads = 2;  // the encoder's threads and the index build's
    size_t embed_batch = 64;
    HnswParams hnsw;
};

class DenseBase {
public:
    // nullopt when the base has no embedding model. The model is opened as it was recorded
    // (open_embedding_model: a GGUF path or hashing:DIM); a model that cannot be opened, or
    // that now gives another name or dimension than the stored vectors, is an error.
    static Result<std::optional<DenseBase>> open(const std::string& data_dir, int64_t kb_id,
                                                 const DenseOptions& options);

    const storage::EmbeddingModelInfo& model() const { return model_; }
    storage::VectorStore& vectors() { return *vectors_; }
    Embedder& embedder() { return *embedder_; }

    // Embeds every chunk that has no vector yet, a batch per transaction (a killed process
    // keeps the batches committed before). Returns how many chunks were embedded.
    Result<size_t> embed_pending(const std::function<void(size_t done)>& progress = {});

    // Opens the index (or, when open, syncs it with the stored vectors).
    Status update_index(VectorIndexReport* report = nullptr);

    // Embeds `query` and returns the `k` nearest chunks, best first. Opens the index first
    // when needed.
    Result<std::vector<DenseHit>> search(std::string_view query, size_t k);

    DenseBase(DenseBase&&) = default;
    DenseBase& operator=(DenseBase&&) = default;

private:
    DenseBase() = default;

    std::string data_dir_;
    int64_t kb_id_ = 0;
    DenseOptions options_;
    storage::EmbeddingModelInfo model_;
    std::unique_ptr<storage::VectorStore> vectors_;
    std::unique_ptr<Embedder> embedder_;
    std::unique_ptr<VectorIndex> index_;
};

// Opens `spec` (a GGUF path or hashing:DIM) and records it as the base's embedding model.
// ALREADY_EXISTS when the base already has another model.
Result<storage::EmbeddingModelInfo> set_kb_embedding_model(const std::string& data_dir,
                                                           int64_t kb_id, const std::string& spec,
                                                           int threads);

}  // namespace souverain::retrieval
