#include "engine/attention.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/attention_tile.h"

namespace souverain {

namespace {

constexpr int64_t kQueryBlock = 16;     // query tokens per task
constexpr int64_t kKvTile = 64;         // cache positions per tile
constexpr int64_t kInPlaceRowsMax = 8;  // query rows up to which F16 tiles are read in place

// One task: query tokens [token_begin, token_end) of a segment against one KV head.
void attend_block(const AttentionSegment& segment, int64_t token_begin, int64_t kv_head_idx,
                  int layer_idx, const AttentionShape& shape) {
    const float* q = segment.q;
    float* out = segment.out;
    const int64_t pos0 = segment.pos0;
    const KvCache& cache = *segment.cache;
    const int64_t head_dim = shape.head_dim;
    const int64_t n_embd = shape.n_head * head_dim;
    const int64_t group = shape.n_head / shape.n_head_kv;
    const float scale = 1.0f / std::sqrt((float)head_dim);
    const int64_t token_end = std::min(segment.n_tokens, token_begin + kQueryBlock);
    const int64_t n_rows = (token_end - token_begin) * group;  // query vectors of the task

    thread_local std::vector<float> k_tile, v_tile;            // F32 [head_dim, kKvTile]
    thread_local std::vector<float> acc;                       // F32 [head_dim, n_rows]
    thread_local std::vector<float> running_max, running_sum;  // F32 [n_rows]
    thread_local std::vector<float> scores;                    // F32 [kKvTile]
    k_tile.resize((size_t)(head_dim * kKvTile));
    v_tile.resize((size_t)(head_dim * kKvTile));
    acc.assign((size_t)(head_dim * n_rows), 0.0f);
    running_max.assign((size_t)n_rows, -INFINITY);
    running_sum.assign((size_t)n_rows, 0.0f);
    scores.resize((size_t)kKvTile);

    const kernels::AttentionTileKernels& tile = kernels::attention_tile_kernels_best();
    // With few query rows (decode: one token's heads of a group) an F16 cache is read in place
    // by the kernels, which widen as they load. With many (prefill) widening each tile to F32
    // once and sharing it is cheaper. Both give the same bits (kernels/attention_tile.h).
    const bool f16_in_place = cache.type() == KvCacheType::F16 && n_rows <= kInPlaceRowsMax;
    const size_t row_stride = (size_t)cache.n_embd_kv();
    const int64_t n_kv = pos0 + token_end;  // positions the last token of the block sees
    for (int64_t tile_begin = 0; tile_begin < n_kv; tile_begin += kKvTile) {
        const int64_t tile_end = std::min(n_kv, tile_begin + kKvTile);
        const int64_t head_offset = kv_head_idx * head_dim;
        if (!f16_in_place) {
            for (int64_t pos = tile_begin; pos < tile_end; ++pos) {
                float* k_row = k_tile.data() + (pos - tile_begin) * head_dim;
                float* v_row = v_tile.data() + (pos - tile_begin) * head_dim;
                cache.load_k_part(layer_idx, pos, head_offset, head_dim, k_row);
                cache.load_v_part(layer_idx, pos, head_offset, head_dim, v_row);
            }
        }
        for (int64_t row_idx = 0; row_idx < n_rows; ++row_idx) {
            const int64_t token_idx = token_begin + row_idx / group;
            const int64_t head_idx = kv_head_idx * group + row_idx % group;
            const int64_t visible_end = std::min(tile_end, pos0 + token_idx + 1);  // causal
            if (visible_end <= tile_begin) continue;
            const float* q_row = q + token_idx * n_embd + head_idx * head_dim;
            const int64_t n_visible = visible_end - tile_begin;
            if (f16_in_place) {
                tile.scores_f16(q_row, cache.k_f16(layer_idx, tile_begin, head_offset), row_stride,
                                n_visible, head_dim, scale, scores.data());
            } else {
                tile.scores(q_row, k_tile.data(), n_visible, head_dim, scale, scores.data());
            }
            // Online softmax: rescale what was accumulated under the old maximum.
            float& row_max = running_max[(size_t)row_idx];
            float& row_sum = running_sum[(size_t)row_idx];
            const kernels::TileSoftmax step = tile.softmax(scores.data(), n_visible, row_max);
            const float correction = std::exp(row_max - step.max);  // 0 on the first tile
            row_sum = row_sum * correction + step.sum;
            float* acc_row = acc.data() + row_idx * head_dim;
            if (f16_in_place) {
                tile.accumulate_f16(acc_row, correction, scores.data(),
                                    cache.v_f16(layer_idx, tile_begin, head_offset), row_stride,
                                    n_visible, head_dim);
            } else {
                tile.accumulate(acc_row, correction, scores.data(), v_tile.data(), n_visible,
                                head_dim);
            }
            row_max = step.max;
        }
    }
    for (int64_t row_idx = 0; row_idx < n_rows; ++row_idx) {
        const int64_t token_idx = token_begin + row_idx / group;
        const int64_t head_idx = kv_head_idx * group + row_idx % group;
        float* out_row = out + token_idx * n_embd + head_idx * head_dim;
        const float inv_sum = 1.0f / running_sum[(size_t)row_idx];
        const float* acc_row = acc.data() + row_idx * head_dim;
        for (int64_t dim_idx = 0; dim_idx < head_dim; ++dim_idx)
            out_row[dim_idx] = acc_row[dim_idx] * inv_sum;
    }
}

}  // namespace

void causal_attention_batch(const AttentionSegment* segments, int64_t n_segments, int layer_idx,
                            const AttentionShape& shape, ThreadPool& pool) {
    // Tasks are (segment, query block, KV head), numbered segment after segment.
    std::vector<int64_t> first_task((size_t)n_segments + 1, 0);
    for (int64_t seg_idx = 0; seg_idx < n_segments; ++seg_idx) {
        const int64_t n_blocks = (segments[seg_idx].n_tokens + kQueryBlock - 1) / kQueryBlock;
        first_task[(size_t)seg_idx + 1] = first_task[(size_t)seg_idx] + n_blocks * shape.n_head_kv;
    }
    pool.parallel_for(first_task.back(), [&](int64_t task_idx, int) {
        const int64_t seg_idx = std::upper_bound(first_task.begin(), first_task.end(), task_idx) -
                                first_task.begin() - 1;
        const int64_t local_idx = task_idx - first_task[(size_t)seg_idx];
        attend_block(segments[seg_idx], (local_idx / shape.n_head_kv) * kQueryBlock,
                     local_idx % shape.n_head_kv, layer_idx, shape);
    });
}

void causal_attention(const float* q, float* out, int64_t n_tokens, int64_t pos0,
                      const KvCache& cache, int layer_idx, const AttentionShape& shape,
                      ThreadPool& pool) {
    const AttentionSegment segment{q, out, n_tokens, pos0, &cache};
    causal_attention_batch(&segment, 1, layer_idx, shape, pool);
}

}  // namespace souverain
