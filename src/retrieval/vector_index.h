#pragma once
// The dense index of one knowledge base: an HNSW graph (hnsw_index.h) over the vectors the
// VectorStore keeps, saved next to the database as `DATA/indexes/<kb_id>.hnsw` with a sidecar
// `<kb_id>.hnsw.meta` (JSON: model, dimension, M, ef_construction, the store's VectorState
// when it was written, the file's size and a 64-bit checksum).
//
// The stored vectors are the truth; the file is a cache of the graph built over them:
// - opening checks the sidecar (format, model, dimension, size, checksum) before handing
//   the file to hnswlib; a missing, stale or corrupt file is rebuilt from the stored vectors;
// - then the graph is brought up to date with the store incrementally: vectors stored since
//   are added, vectors removed since are marked deleted (no rebuild per upload); a graph
//   where deleted slots outnumber half the live vectors is rebuilt to reclaim them;
// - a changed graph is saved: temporary files, then rename (index first, sidecar last), so a
//   process killed while saving leaves a sidecar that no longer matches, never a trusted
//   half-written file.
//
// Ownership: a VectorIndex borrows the VectorStore (which must outlive it) and owns its graph.
// Thread-safety: one thread at a time (the store's connection).
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"
#include "retrieval/hnsw_index.h"
#include "storage/vector_store.h"

namespace souverain::retrieval {

struct VectorIndexReport {
    bool loaded = false;      // the saved file was trusted and used
    std::string rebuild_why;  // non-empty when the graph was built from the stored vectors
    size_t added = 0;         // vectors added to a loaded graph
    size_t removed = 0;       // vectors marked deleted in a loaded graph
    bool saved = false;
};

struct DenseHit {
    int64_t chunk_id = 0;
    float score = 0;
};

class VectorIndex {
public:
    // The index of base `kb_id` whose vectors are of `model`, kept at `path`. `threads` build
    // the graph (hnswlib inserts concurrently).
    static Result<std::unique_ptr<VectorIndex>> open(storage::VectorStore& store, int64_t kb_id,
                                                     const storage::EmbeddingModelInfo& model,
                                                     const std::string& path,
                                                     const HnswParams& params, int threads,
                                                     VectorIndexReport* report = nullptr);

    // Brings the graph up to date with the store (adds, deletes) and saves it when it changed.
    Status sync(VectorIndexReport* report = nullptr);

    // The `k` chunks nearest to `query` (chunk ids resolved through the store), best first.
    Result<std::vector<DenseHit>> search(std::span<const float> query, size_t k);

    size_t size() const { return graph_->live_count(); }
    const std::string& path() const { return path_; }

private:
    VectorIndex(storage::VectorStore& store, int64_t kb_id, storage::EmbeddingModelInfo model,
                std::string path, HnswParams params, int threads)
        : store_(store),
          kb_id_(kb_id),
          model_(std::move(model)),
          path_(std::move(path)),
          params_(params),
          threads_(threads) {}
    Status rebuild(VectorIndexReport* report);
    Status save(const storage::VectorState& state);

    storage::VectorStore& store_;
    int64_t kb_id_;
    storage::EmbeddingModelInfo model_;
    std::string path_;
    HnswParams params_;
    int threads_;
    std::unique_ptr<HnswIndex> graph_;
    storage::VectorState state_;  // the store's state the graph matches
};

// DATA/indexes/<kb_id>.hnsw
std::string vector_index_path(const std::string& data_dir, int64_t kb_id);
// Removes a base's index files (after the base is deleted); absent files are not an error.
void remove_vector_index_files(const std::string& data_dir, int64_t kb_id);

// The checksum of the sidecar: 64 bits over the file's bytes, read in 1 MiB blocks.
Result<uint64_t> file_checksum(const std::string& path);

}  // namespace souverain::retrieval
