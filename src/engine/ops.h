#pragma once
// The numerical building blocks of a transformer forward pass, on F32 activations.
// Activations are column-major in the ggml sense: a buffer "F32 [n, n_tokens]" holds
// n_tokens rows of n contiguous floats, one per token.
//
// Thread-safety: functions taking a ThreadPool use it for the duration of the call;
// the others are pure.
#include <cstdint>

#include "common/thread_pool.h"
#include "engine/tensor_type.h"
#include "kernels/dot.h"

namespace souverain {

// A 2-D weight tensor as stored in a GGUF file: n_out rows of n_in elements of `type`.
// Non-owning: data points into the model's mapping.
struct WeightMatrix {
    const TensorTypeTraits* traits = nullptr;
    // Matmul kernel for this type at the CPU's level; null: dequantize rows (slow path).
    const kernels::DotKernel* kernel = nullptr;
    int64_t n_in = 0;
    int64_t n_out = 0;
    size_t row_bytes = 0;
    const uint8_t* data = nullptr;
    // The rows repacked into panels (kernels::PackedKernel) when the loader did so; matmul then
    // reads these and `data` only serves get_row. Owned by the model.
    const kernels::PackedKernel* packed_kernel = nullptr;
    const uint8_t* packed = nullptr;
    const uint8_t* row(int64_t row_idx) const { return data + (size_t)row_idx * row_bytes; }
};

// out = x / sqrt(mean(x^2) + eps) * weight, for one vector of n elements.
void rms_norm(const float* x, const float* weight, float* out, int64_t n, float eps);

// y = W x for every token: x F32 [n_in, n_tokens] -> y F32 [n_out, n_tokens].
// With a kernel, the activations are first converted to the kernel's activation format
// (kernels/dot.h). One token (decode) goes through the dot kernel, a few long runs of rows per
// thread; a batch goes through the kernel's register-blocked tiles (DotKernel::gemm) where the
// level has one, else through dot calls over tiles of rows x tokens. Either way each output is
// bit for bit the one token-by-token matmuls give (continuous batching).
void matmul(const WeightMatrix& w, const float* x, float* y, int64_t n_tokens, ThreadPool& pool);

// Copies row `row_idx` of W, dequantized, into out F32 [n_in] (embedding lookup).
void get_row(const WeightMatrix& w, int64_t row_idx, float* out);

// Rotary position embedding, llama.cpp's "normal" mode: within each head, the pairs
// (x[2i], x[2i+1]) for i < n_rot/2 rotate by pos * freq_base^(-2i/n_rot).
// x F32 [head_dim, n_head] for one token.
void rope_norm(float* x, int64_t n_head, int64_t head_dim, int64_t n_rot, int64_t pos,
               float freq_base);

// In place: x = softmax(x) over n elements (max-subtracted, so large inputs are safe).
void softmax(float* x, int64_t n);

// In place: gate = silu(gate) * up, n elements.
void silu_mul(float* gate, const float* up, int64_t n);

// out = (x - mean(x)) / sqrt(var(x) + eps) * weight + bias, for one vector of n elements
// (BERT's LayerNorm; mean and variance accumulated in double).
void layer_norm(const float* x, const float* weight, const float* bias, float* out, int64_t n,
                float eps);

// In place: x = x * Phi(x), the exact (erf) GELU that BERT checkpoints were trained with.
void gelu(float* x, int64_t n);

}  // namespace souverain
