#pragma once
// An in-memory HNSW graph over L2-normalized vectors (hnswlib, inner-product space: the
// distance is 1 - dot, so the score of a hit is its cosine similarity), labelled by int64
// ids, and the exact brute-force search that is its test oracle.
//
// hnswlib reports failures by throwing (allocation, unknown labels, a file it cannot read):
// every call here catches and returns an Error, so nothing above this file sees an exception.
// Loading trusts the file's structure only as far as hnswlib checks it (sizes of the link
// lists against the file size); callers check a checksum first (vector_index.h).
//
// Ownership: an HnswIndex owns its graph. Thread-safety: `search` may run on several threads
// at once; `add`, `add_parallel`, `remove`, `reserve`, `save` need the index to themselves.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"

namespace souverain::retrieval {

struct HnswParams {
    // Links per node and the candidate lists of construction and search. M 16 and
    // ef_construction 200 are hnswlib's own recommendation; ef_search 128 keeps recall@10
    // against exact search at 0.95 or more even on random Gaussian vectors (the hardest case:
    // 64 gave 0.93 on 48 dimensions), for a fraction of a millisecond per query.
    size_t m = 16;
    size_t ef_construction = 200;
    size_t ef_search = 128;
};

struct VectorHit {
    int64_t label = 0;
    float score = 0;  // inner product with the query (cosine for normalized vectors)
};

class HnswIndex {
public:
    ~HnswIndex();
    HnswIndex(const HnswIndex&) = delete;
    HnswIndex& operator=(const HnswIndex&) = delete;

    // An empty index with room for `capacity` vectors (it grows as needed).
    static Result<std::unique_ptr<HnswIndex>> create(int dimension, const HnswParams& params,
                                                     size_t capacity);
    // Reads a file written by `save`. FORMAT when hnswlib refuses it.
    static Result<std::unique_ptr<HnswIndex>> load(const std::string& path, int dimension,
                                                   const HnswParams& params);
    // Writes the graph to `path` (callers write to a temporary name and rename).
    Status save(const std::string& path) const;

    int dimension() const { return dimension_; }
    size_t live_count() const;     // vectors that searches can return
    size_t deleted_count() const;  // removed, still holding their slots
    // The labels searches can return, in no particular order.
    std::vector<int64_t> live_labels() const;

    // Adds (or replaces) one vector; its size must be dimension().
    Status add(int64_t label, std::span<const float> values);
    // Adds `labels.size()` vectors laid out row by row in `values`, on `threads` threads.
    Status add_parallel(std::span<const int64_t> labels, std::span<const float> values,
                        int threads);
    // Marks a label deleted; an unknown or already deleted label is not an error.
    Status remove(int64_t label);
    Status reserve(size_t capacity);

    // The `k` nearest labels to `query`, best first.
    Result<std::vector<VectorHit>> search(std::span<const float> query, size_t k) const;

private:
    struct Graph;
    HnswIndex(int dimension, const HnswParams& params);
    Status grow_for(size_t extra);

    int dimension_;
    HnswParams params_;
    std::unique_ptr<Graph> graph_;
};

// Exact search: the `k` rows of `rows` (row-major, `labels.size()` rows of `dimension`) with
// the largest inner product with `query`, best first (ties: smaller label first).
std::vector<VectorHit> exact_search(std::span<const int64_t> labels, std::span<const float> rows,
                                    int dimension, std::span<const float> query, size_t k);

}  // namespace souverain::retrieval
