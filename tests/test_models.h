#pragma once
// Random-weight test models made on the fly (make-model's `tiny` preset, the real llama SPM
// vocabulary), for tests that need a whole model rather than a single kernel.
#include <cstdint>
#include <memory>
#include <string>

#include "engine/bert_model.h"
#include "engine/llama_model.h"

namespace souverain::test {

// Writes a `tiny` model of `type` (a quant recipe name: "f32", "q4_0", "q4_k_m"...) into this
// test's temporary folder and loads it; null (with a test failure recorded) when either fails.
std::unique_ptr<LlamaModel> make_tiny_model(const std::string& type, uint64_t seed);

// The same for make-model's tiny bert (128 dimensions, 2 layers, 512 positions, the bge
// WordPiece vocabulary) with `pooling` "mean" or "cls".
std::unique_ptr<BertModel> make_tiny_bert(const std::string& type, const std::string& pooling,
                                          uint64_t seed = 3);

}  // namespace souverain::test
