#pragma once
// Reading a model's hyper-parameters and weights out of a mapped GGUF file, with every
// presence, shape and type check an architecture loader needs, and one wording for their
// errors ("<origin>: tensor 'x' has shape [a, b], expected [c, d]"). Shared by the
// architectures (llama_model, bert_model) so their messages and checks stay the same.
//
// Ownership: a TensorLoader borrows the GgufFile; the WeightMatrix values it returns point into
// the file's mapping and must not outlive it. Thread-safety: const methods only, pure reads.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "engine/gguf.h"
#include "engine/ops.h"

namespace souverain {

// Bounds that no real model exceeds; every architecture loader checks its hyper-parameters
// against them, so that a hostile file cannot ask for absurd memory.
inline constexpr int64_t kMaxLayers = 1024;
inline constexpr int64_t kMaxEmbd = 1 << 16;
inline constexpr int64_t kMaxHeads = 1024;

// The FORMAT error of every loader: "<origin>: <what>".
Error model_error(const std::string& origin, const std::string& what);

// "[a, b]" for error messages.
std::string tensor_shape_string(const GgufTensorInfo& info);

// An integer metadata value in [1, max_value]; `fallback` when the key is absent (else an
// error naming the key).
Result<int64_t> read_positive_metadata(const GgufFile& gguf, const std::string& origin,
                                       const std::string& key, int64_t max_value,
                                       std::optional<int64_t> fallback = std::nullopt);

class TensorLoader {
public:
    TensorLoader(const GgufFile& gguf, std::string origin);

    const GgufTensorInfo* find(const std::string& name) const { return gguf_.find_tensor(name); }

    // A 2-D tensor of exact shape [n_in, n_out] whose type the matmul can compute with.
    Result<WeightMatrix> matrix(const std::string& name, int64_t n_in, int64_t n_out) const;

    // A 1-D tensor of n elements (norm weights, biases), converted to F32 and copied: it is tiny
    // and read often.
    Result<std::vector<float>> vector(const std::string& name, int64_t n) const;

private:
    const GgufFile& gguf_;
    std::string origin_;
    kernels::KernelLevel kernel_level_;
};

}  // namespace souverain
