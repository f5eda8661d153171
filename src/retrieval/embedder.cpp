// The placeholder of open_embedder: the encoder (BERT from GGUF) lives on another branch and
// replaces this file when it is merged.
#include "retrieval/embedder.h"

namespace souverain::retrieval {

Result<std::unique_ptr<Embedder>> open_embedder(const std::string& model_path, int n_threads) {
    (void)n_threads;
    return make_error(ErrorCode::UNSUPPORTED,
                      model_path +
                          ": encoder models are not wired in yet (use hashing:DIM for a "
                          "test embedder)");
}

}  // namespace souverain::retrieval
