#pragma once
// The `llama` architecture as GGUF files carry it: Llama 2 and 3, Mistral 7B, TinyLlama.
// RMSNorm, rotary embeddings (normal mode, base from metadata), grouped-query attention,
// SwiGLU feed-forward, tied or separate output matrix.
//
// Ownership: a LlamaModel owns its GgufFile (the weights stay in the mapping, zero copy)
// and its vocabulary. Thread-safety: immutable after load; forward() may run concurrently
// for distinct caches, but the inference loop normally owns the model alone.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/thread_pool.h"
#include "engine/gguf.h"
#include "engine/kv_cache.h"
#include "engine/ops.h"
#include "engine/vocab.h"
#include "engine/weight_packing.h"

namespace souverain {

struct LlamaHparams {
    int64_t n_vocab = 0;
    int64_t n_ctx_train = 0;
    int64_t n_embd = 0;
    int64_t n_layer = 0;
    int64_t n_head = 0;
    int64_t n_head_kv = 0;
    int64_t n_ff = 0;
    int64_t head_dim = 0;  // n_embd / n_head
    int64_t n_rot = 0;     // rotated dimensions per head (<= head_dim)
    float rms_eps = 1e-5f;
    float rope_freq_base = 10000.0f;

    int64_t n_embd_kv() const { return n_head_kv * head_dim; }
};

struct LlamaLayer {
    std::vector<float> attn_norm;  // F32 [n_embd]
    std::vector<float> ffn_norm;   // F32 [n_embd]
    WeightMatrix wq;               // [n_embd, n_embd]
    WeightMatrix wk;               // [n_embd, n_embd_kv]
    WeightMatrix wv;               // [n_embd, n_embd_kv]
    WeightMatrix wo;               // [n_embd, n_embd]
    WeightMatrix w_gate;           // [n_embd, n_ff]
    WeightMatrix w_up;             // [n_embd, n_ff]
    WeightMatrix w_down;           // [n_ff, n_embd]
};

// Which logits a sequence of a batch wants back.
enum class LogitsWanted { NONE, LAST, ALL };

// One sequence's part of a forward pass: `tokens` are appended to `cache` at positions
// cache->n_past() onwards. Distinct sequences of one batch must use distinct caches.
struct SequenceBatch {
    KvCache* cache = nullptr;
    std::span<const int32_t> tokens;
    LogitsWanted logits = LogitsWanted::LAST;
};

class LlamaModel {
public:
    // Maps and validates a GGUF file: architecture, hyper-parameters, every tensor's
    // presence, type and exact shape, and the tokenizer.
    static Result<std::unique_ptr<LlamaModel>> load(const std::string& path);
    static Result<std::unique_ptr<LlamaModel>> from_gguf(std::unique_ptr<GgufFile> gguf);

    const LlamaHparams& hparams() const { return hparams_; }
    const Vocab& vocab() const { return *vocab_; }
    std::shared_ptr<const Vocab> shared_vocab() const { return vocab_; }
    const GgufFile& gguf() const { return *gguf_; }
    std::string_view name() const { return name_; }

    // A cache for one sequence of at most n_ctx positions; fails for a cache type the
    // model's head size cannot use.
    Result<std::unique_ptr<KvCache>> make_cache(int64_t n_ctx, KvCacheType type) const;

    // Runs `tokens` at positions cache.n_past() .. cache.n_past() + n - 1, appends their
    // keys and values to the cache and advances it. Writes logits F32 [n_vocab, n_out]
    // where n_out is tokens.size() when all_logits, else 1 (the last position).
    // Fails (cache unchanged) on a token id out of range or a full cache.
    Status forward(std::span<const int32_t> tokens, KvCache& cache, ThreadPool& pool,
                   bool all_logits, std::vector<float>& logits) const;

    // One forward pass over several sequences at once (continuous batching): every weight
    // matrix is read once for all their tokens. Writes logits F32 [n_vocab, n_out], the rows
    // of the sequences in order (one for LAST, one per token for ALL, none for NONE).
    // Each token's logits, keys and values are bit for bit those of forward() on its sequence
    // alone: the kernels compute every column independently of the others.
    // Fails with no cache changed on an empty sequence, a token out of range, a cache that
    // cannot hold the new positions, or one cache given twice.
    Status forward_batch(std::span<const SequenceBatch> sequences, ThreadPool& pool,
                         std::vector<float>& logits) const;

private:
    LlamaModel() = default;

    std::unique_ptr<GgufFile> gguf_;
    std::shared_ptr<const Vocab> vocab_;
    std::string name_;
    LlamaHparams hparams_;
    WeightMatrix token_embd_;         // [n_embd, n_vocab]
    std::vector<float> output_norm_;  // F32 [n_embd]
    WeightMatrix output_;             // [n_embd, n_vocab]; token_embd_ when tied
    std::vector<LlamaLayer> layers_;
    PackedWeights packed_weights_;  // after the matrices: they point into it
};

}  // namespace souverain
