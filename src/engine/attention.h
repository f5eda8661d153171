#pragma once
// Causal multi-head attention over a KV cache, with grouped-query heads, computed tile by
// tile with an online softmax (running max and sum per query), so the full score matrix of
// a long context is never materialized: memory is O(tile), not O(n_ctx) per query.
//
// Work is split into tasks of (block of query tokens, KV head). An F16 cache is read in place
// by the tile kernels (kernels/attention_tile.h), which widen as they load; a task converts
// each tile of other cache types to F32 once and reuses it for every query token of the block
// and every query head of the group.
#include <cstdint>

#include "common/thread_pool.h"
#include "engine/kv_cache.h"

namespace souverain {

struct AttentionShape {
    int64_t n_head = 0;
    int64_t n_head_kv = 0;  // n_head is a multiple of it
    int64_t head_dim = 0;
};

// q F32 [n_head * head_dim, n_tokens] (rotated) -> out F32 [n_head * head_dim, n_tokens].
// Token t sits at position pos0 + t and attends to cache positions 0 ..= pos0 + t of layer
// `layer_idx`, which must already hold them.
void causal_attention(const float* q, float* out, int64_t n_tokens, int64_t pos0,
                      const KvCache& cache, int layer_idx, const AttentionShape& shape,
                      ThreadPool& pool);

// One sequence's tokens inside a batch of several sequences (continuous batching).
struct AttentionSegment {
    const float* q = nullptr;  // F32 [n_head * head_dim, n_tokens]
    float* out = nullptr;      // F32 [n_head * head_dim, n_tokens]
    int64_t n_tokens = 0;
    int64_t pos0 = 0;
    const KvCache* cache = nullptr;
};

// causal_attention() for every segment, in one parallel loop over all of them. A token's
// result depends only on its own query and its own cache, never on the other segments or on
// where the token sits in its segment: cache tiles start at absolute positions.
void causal_attention_batch(const AttentionSegment* segments, int64_t n_segments, int layer_idx,
                            const AttentionShape& shape, ThreadPool& pool);

}  // namespace souverain
