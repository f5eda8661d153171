#pragma once
// The storage interface of dense vectors: per knowledge base the embedding model it was
// created with (name, path, dimension), and per chunk one float32 vector. Kept apart from
// `Store` so that the lexical side and the vectors evolve separately; both live in the same
// database file.
//
// Coupling to `Store`: a vector belongs to a chunk id that `Store` handed out. The backend
// removes a chunk's vector in the same transaction that removes the chunk (replace_source,
// remove_source, delete_kb) and a base's model with the base, so no vector outlives its chunk
// (SQLite: triggers created by this backend; PostgreSQL: foreign keys ON DELETE CASCADE).
// Vectors are derived data written after the chunks (embedding is slow): a process killed
// between the two leaves chunks without vectors, which `chunks_without_vectors` finds on the
// next ingest, so nothing committed is lost.
//
// Vector ids: every stored vector gets a `vector_id` that is never reused (not even after
// deletion), so an on-disk index labelled by vector id can never confuse an old vector with a
// new one, even when SQLite reuses a chunk id.
//
// Ownership: a VectorStore owns its connection. Thread-safety: one thread at a time.
// Durability: every mutating call is one transaction.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"

namespace souverain::storage {

struct EmbeddingModelInfo {
    std::string name;  // the embedder's model_name(), e.g. "bge-m3.gguf" or "hashing:256"
    std::string path;  // how to open it again: a file path, or the "hashing:DIM" spec
    int dimension = 0;
};

// A chunk waiting for its vector: the text the embedder reads (title line, then the passage).
struct ChunkText {
    int64_t chunk_id = 0;
    std::string text;
};

struct NewVector {
    int64_t chunk_id = 0;
    std::vector<float> values;  // exactly the base's dimension
};

// Changes whenever a vector is added or removed (count, largest vector id): an index that
// recorded the same state holds exactly the stored vectors.
struct VectorState {
    int64_t count = 0;
    int64_t max_vector_id = 0;
    bool operator==(const VectorState&) const = default;
};

struct StoredVector {
    int64_t vector_id = 0;
    int64_t chunk_id = 0;
    std::span<const float> values;  // valid only during the callback
};

class VectorStore {
public:
    virtual ~VectorStore() = default;

    // Records the base's embedding model. ALREADY_EXISTS when the base has a different one
    // (vectors of two models cannot be mixed); the same model again is not an error.
    // NOT_FOUND when the base does not exist.
    virtual Status set_embedding_model(int64_t kb_id, const EmbeddingModelInfo& model) = 0;
    virtual Result<std::optional<EmbeddingModelInfo>> embedding_model(int64_t kb_id) = 0;

    // Up to `limit` chunks of the base with a chunk id above `after_chunk_id` that have no
    // vector yet, in chunk id order (pass the last id of a batch to get the next one).
    virtual Result<std::vector<ChunkText>> chunks_without_vectors(int64_t kb_id,
                                                                  int64_t after_chunk_id,
                                                                  size_t limit) = 0;
    virtual Result<int64_t> count_chunks_without_vectors(int64_t kb_id) = 0;
    // Stores the vectors (replacing a chunk's earlier vector) in one transaction.
    // INVALID_ARGUMENT (nothing written) when a vector's size is not the base's dimension or a
    // value is not finite; FORMAT-free: chunk ids that no longer exist are skipped (their
    // source was replaced while they were being embedded).
    virtual Status put_vectors(int64_t kb_id, const std::vector<NewVector>& vectors) = 0;

    virtual Result<VectorState> vector_state(int64_t kb_id) = 0;
    // Every vector of the base with a vector id above `after_vector_id`, in vector id order.
    virtual Status for_each_vector(int64_t kb_id, int64_t after_vector_id,
                                   const std::function<void(const StoredVector&)>& visit) = 0;
    // Every vector id of the base, increasing.
    virtual Result<std::vector<int64_t>> vector_ids(int64_t kb_id) = 0;
    // The vectors with these ids (unknown ids left out), in vector id order.
    virtual Status load_vectors(int64_t kb_id, const std::vector<int64_t>& vector_ids,
                                const std::function<void(const StoredVector&)>& visit) = 0;
    // The chunk id of each vector id, in the same order; 0 for an id no longer stored.
    virtual Result<std::vector<int64_t>> chunk_ids_of(int64_t kb_id,
                                                      const std::vector<int64_t>& vector_ids) = 0;
};

// Opens (creating tables and triggers when absent) the vectors of the SQLite database in
// `data_dir` (the same `souverain.db` as open_sqlite_store).
Result<std::unique_ptr<VectorStore>> open_sqlite_vector_store(const std::string& data_dir);

}  // namespace souverain::storage
