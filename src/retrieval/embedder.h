#pragma once
// Text → dense vector: the interface dense retrieval is built against. The encoder model
// (BERT-style GGUF) implements it; `HashingEmbedder` (hashing_embedder.h) is a deterministic
// stand-in for tests and benchmarks.
//
// Ownership: callers own the Embedder. Thread-safety: one call at a time per Embedder
// (implementations may keep scratch buffers or a model context).
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"

namespace souverain::retrieval {

class Embedder {
public:
    virtual ~Embedder() = default;
    virtual int dimension() const = 0;
    virtual std::string model_name()
        const = 0;  // e.g. the file's base name; stored with the vectors
    // One L2-normalized vector per text, in order.
    virtual Result<std::vector<std::vector<float>>> embed(std::span<const std::string> texts) = 0;
};

// Opens an encoder GGUF (arch `bert`: engine/bert_model.h) as an Embedder whose forward passes
// run on its own pool of `n_threads`; the model name is the file name without `.gguf`.
Result<std::unique_ptr<Embedder>> open_embedder(const std::string& model_path, int n_threads);

}  // namespace souverain::retrieval
