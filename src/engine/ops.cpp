#include "engine/ops.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
#include <vector>

namespace souverain {

void rms_norm(const float* x, const float* weight, float* out, int64_t n, float eps) {
    double sum_sq = 0.0;
    for (int64_t idx = 0; idx < n; ++idx) sum_sq += (double)x[idx] * x[idx];
    const float scale = (float)(1.0 / std::sqrt(sum_sq / (double)n + (double)eps));
    for (int64_t idx = 0; idx < n; ++idx) out[idx] = x[idx] * scale * weight[idx];
}

void get_row(const WeightMatrix& w, int64_t row_idx, float* out) {
    w.traits->to_float(w.row(row_idx), out, w.n_in);
}

namespace {

// Decode reads every weight byte once per token, so what matters is how fast the threads stream
// memory. Each thread walks its own contiguous part of the matrix front to back, in chunks of
// about kDecodeChunkBytes: one sequential stream per thread, which the hardware prefetchers
// follow from chunk to chunk. A thread that is done with its part takes chunks from the back of
// the others, so one slowed by a neighbour on the machine does not hold the step up. (Handing
// out short chunks round-robin from one counter interleaves the threads' streams and halves the
// bandwidth the prefetchers reach; a fixed split has no answer to a slow thread.)
constexpr int64_t kDecodeChunkBytes = 64 * 1024;

class StreamedParts {
public:
    StreamedParts(int64_t n_chunks, int n_parts) : n_parts_(n_parts), parts_(new Part[n_parts]) {
        for (int part_idx = 0; part_idx < n_parts; ++part_idx) {
            const uint64_t front = uint64_t(n_chunks * part_idx / n_parts);
            const uint64_t back = uint64_t(n_chunks * (part_idx + 1) / n_parts);
            parts_[part_idx].bounds.store(front << 32 | back, std::memory_order_relaxed);
        }
    }
    // The next chunk of part `part_idx` from its front, or -1 when none is left.
    int64_t take_front(int part_idx) { return take(part_idx, true); }
    // A chunk from the back of another part, or -1 when every part is done.
    int64_t steal(int part_idx) {
        for (int offset = 1; offset < n_parts_; ++offset) {
            const int64_t chunk = take((part_idx + offset) % n_parts_, false);
            if (chunk >= 0) return chunk;
        }
        return -1;
    }

private:
    struct alignas(64) Part {
        std::atomic<uint64_t> bounds;  // front << 32 | back: chunks [front, back) are left
    };
    int64_t take(int part_idx, bool from_front) {
        std::atomic<uint64_t>& bounds = parts_[part_idx].bounds;
        uint64_t seen = bounds.load(std::memory_order_relaxed);
        for (;;) {
            const uint64_t front = seen >> 32, back = seen & 0xFFFFFFFFu;
            if (front >= back) return -1;
            const uint64_t next = from_front ? (front + 1) << 32 | back : front << 32 | (back - 1);
            if (bounds.compare_exchange_weak(seen, next, std::memory_order_relaxed))
                return int64_t(from_front ? front : back - 1);
        }
    }
    int n_parts_;
    std::unique_ptr<Part[]> parts_;
};

// Calls fn(item_begin, item_end) over [0, n_items) in chunks of chunk_items, scheduled as
// StreamedParts describes. Every item is visited exactly once.
template <typename Fn>
void for_each_chunk_streamed(int64_t n_items, int64_t chunk_items, ThreadPool& pool, Fn&& fn) {
    const int64_t n_chunks = (n_items + chunk_items - 1) / chunk_items;
    const int n_parts = (int)std::min<int64_t>(pool.n_threads(), n_chunks);
    StreamedParts parts(n_chunks, n_parts);
    pool.parallel_for(n_parts, [&](int64_t part_idx, int) {
        auto run = [&](int64_t chunk) {
            fn(chunk * chunk_items, std::min(n_items, (chunk + 1) * chunk_items));
        };
        for (int64_t chunk; (chunk = parts.take_front((int)part_idx)) >= 0;) run(chunk);
        for (int64_t chunk; (chunk = parts.steal((int)part_idx)) >= 0;) run(chunk);
    });
}

int64_t decode_chunk_items(size_t item_bytes) {
    return std::max<int64_t>(1, kDecodeChunkBytes / (int64_t)std::max<size_t>(item_bytes, 1));
}

// Reference path for weight types without a kernel: dequantize each row once, then F32 dots.
void matmul_dequantized(const WeightMatrix& w, const float* x, float* y, int64_t n_tokens,
                        ThreadPool& pool) {
    constexpr int64_t rows_per_task = 16;
    const int64_t n_tasks = (w.n_out + rows_per_task - 1) / rows_per_task;
    pool.parallel_for(n_tasks, [&](int64_t task_idx, int) {
        const int64_t row_begin = task_idx * rows_per_task;
        const int64_t row_end = std::min(w.n_out, row_begin + rows_per_task);
        thread_local std::vector<float> row_f32;  // F32 [n_in]
        row_f32.resize((size_t)w.n_in);
        for (int64_t row_idx = row_begin; row_idx < row_end; ++row_idx) {
            w.traits->to_float(w.row(row_idx), row_f32.data(), w.n_in);
            for (int64_t token_idx = 0; token_idx < n_tokens; ++token_idx) {
                const float* x_col = x + token_idx * w.n_in;
                float sum = 0.0f;
                for (int64_t idx = 0; idx < w.n_in; ++idx) sum += row_f32[idx] * x_col[idx];
                y[token_idx * w.n_out + row_idx] = sum;
            }
        }
    });
}

// Prefill through the register-blocked kernel (kernels::GemmFn): each task computes a tile of
// gemm_rows weight rows x gemm_cols tokens in one call. The kernel packs the weights of every
// 16 rows once per call and reuses them for all the tile's tokens, and prepares a small table
// per token once per call: tall tiles amortise the second, wide ones the first (both ~5% here),
// while a tile's activations (gemm_cols x n_in bytes) stay in L2. Tasks walk the row tiles of
// one token block before the next, so both threads share that block's activations.
void matmul_tiled(const WeightMatrix& w, const uint8_t* act, size_t act_stride, float* y,
                  int64_t n_tokens, ThreadPool& pool) {
    const kernels::DotKernel& kernel = *w.kernel;
    constexpr int64_t gemm_rows = 256;
    constexpr int64_t gemm_cols = 64;
    const int64_t n_row_tiles = (w.n_out + gemm_rows - 1) / gemm_rows;
    const int64_t n_col_tiles = (n_tokens + gemm_cols - 1) / gemm_cols;
    pool.parallel_for(n_row_tiles * n_col_tiles, [&](int64_t task_idx, int) {
        const int64_t col_tile = task_idx / n_row_tiles;
        const int64_t row_tile = task_idx % n_row_tiles;
        const int64_t row_begin = row_tile * gemm_rows;
        const int64_t n_rows = std::min(w.n_out, row_begin + gemm_rows) - row_begin;
        const int64_t col_begin = col_tile * gemm_cols;
        const int64_t n_cols = std::min(n_tokens, col_begin + gemm_cols) - col_begin;
        thread_local std::vector<uint8_t> scratch;
        scratch.resize(kernel.gemm_scratch_bytes(w.n_in, n_cols));
        kernel.gemm(w.n_in, w.row(row_begin), w.row_bytes, n_rows,
                    act + (size_t)col_begin * act_stride, act_stride, n_cols,
                    y + col_begin * w.n_out + row_begin, (size_t)w.n_out, scratch.data());
    });
}

// Weights repacked into panels (kernels::PackedKernel). Decode (one token): panels streamed
// as for_each_chunk_streamed schedules them. Batches: tiles of panels x tokens; the tile height
// shrinks for small batches so that every thread has work (a K or V projection has only 256
// rows).
void matmul_packed(const WeightMatrix& w, const uint8_t* act, size_t act_stride, float* y,
                   int64_t n_tokens, ThreadPool& pool) {
    const kernels::PackedKernel& packed = *w.packed_kernel;
    const int64_t panel_rows = packed.panel_rows;
    const size_t panel_bytes = packed.panel_bytes(w.n_in);
    const int64_t n_panels = (w.n_out + panel_rows - 1) / panel_rows;
    if (n_tokens == 1) {
        // The activation's side data once per matmul, shared by every chunk (per chunk it was
        // about a tenth of the decode kernel's time).
        thread_local std::vector<uint8_t> side;
        side.resize(packed.side_bytes(w.n_in, 1));
        packed.prepare(w.n_in, act, act_stride, 1, side.data());
        const uint8_t* side_data = side.data();
        for_each_chunk_streamed(
            n_panels, decode_chunk_items(panel_bytes), pool, [&](int64_t begin, int64_t end) {
                const int64_t row_begin = begin * panel_rows;
                const int64_t n_rows = std::min(w.n_out, end * panel_rows) - row_begin;
                packed.gemm_prepared(w.n_in, w.packed + (size_t)begin * panel_bytes, n_rows, act,
                                     act_stride, 1, side_data, y + row_begin, (size_t)w.n_out);
            });
        return;
    }
    const int64_t n_tasks_min = pool.n_threads() * 4;
    const int64_t cols_per_tile = 64;
    const int64_t n_col_tiles = (n_tokens + cols_per_tile - 1) / cols_per_tile;
    int64_t panels_per_tile = 16;
    while (panels_per_tile > 1 &&
           ((n_panels + panels_per_tile - 1) / panels_per_tile) * n_col_tiles < n_tasks_min) {
        panels_per_tile /= 2;
    }
    const int64_t n_row_tiles = (n_panels + panels_per_tile - 1) / panels_per_tile;
    pool.parallel_for(n_row_tiles * n_col_tiles, [&](int64_t task_idx, int) {
        const int64_t col_tile = task_idx / n_row_tiles;
        const int64_t row_tile = task_idx % n_row_tiles;
        const int64_t row_begin = row_tile * panels_per_tile * panel_rows;
        const int64_t n_rows =
            std::min(w.n_out, row_begin + panels_per_tile * panel_rows) - row_begin;
        const int64_t col_begin = col_tile * cols_per_tile;
        const int64_t n_cols = std::min(n_tokens, col_begin + cols_per_tile) - col_begin;
        thread_local std::vector<uint8_t> scratch;
        scratch.resize(packed.scratch_bytes(w.n_in, n_cols));
        packed.gemm(w.n_in, w.packed + (size_t)(row_begin / panel_rows) * panel_bytes, n_rows,
                    act + (size_t)col_begin * act_stride, act_stride, n_cols,
                    y + col_begin * w.n_out + row_begin, (size_t)w.n_out, scratch.data());
    });
}

}  // namespace

void matmul(const WeightMatrix& w, const float* x, float* y, int64_t n_tokens, ThreadPool& pool) {
    if (!w.kernel) {
        matmul_dequantized(w, x, y, n_tokens, pool);
        return;
    }
    const kernels::DotKernel& kernel = *w.kernel;

    // Activations in the kernel's format: [act_row_bytes, n_tokens], converted once.
    const uint8_t* act = reinterpret_cast<const uint8_t*>(x);
    size_t act_stride = (size_t)w.n_in * sizeof(float);
    thread_local std::vector<uint8_t> act_buffer;
    if (kernel.act_type != TensorType::F32) {
        act_stride = kernels::act_row_bytes(kernel.act_type, w.n_in);
        act_buffer.resize(act_stride * (size_t)n_tokens);
        uint8_t* dst = act_buffer.data();
        if (n_tokens == 1) {  // decode: a few microseconds, less than waking the pool
            kernel.quantize_act(x, dst, w.n_in);
        } else {
            pool.parallel_for(n_tokens, [&](int64_t token_idx, int) {
                kernel.quantize_act(x + token_idx * w.n_in, dst + (size_t)token_idx * act_stride,
                                    w.n_in);
            });
        }
        act = act_buffer.data();
    }

    if (w.packed != nullptr) {
        matmul_packed(w, act, act_stride, y, n_tokens, pool);
        return;
    }
    if (n_tokens > 1 && kernel.gemm != nullptr) {
        matmul_tiled(w, act, act_stride, y, n_tokens, pool);
        return;
    }

    if (n_tokens == 1) {
        for_each_chunk_streamed(w.n_out, decode_chunk_items(w.row_bytes), pool,
                                [&](int64_t row_begin, int64_t row_end) {
                                    for (int64_t row_idx = row_begin; row_idx < row_end; ++row_idx)
                                        kernel.dot(w.n_in, w.row(row_idx), act, act_stride, 1,
                                                   &y[row_idx]);
                                });
        return;
    }
    // Tiles: rows_per_tile weight rows x cols_per_tile tokens. Tasks walk the rows of one
    // token block before the next, so both threads share the block's activations in cache.
    constexpr int64_t rows_per_tile = 32;
    constexpr int64_t cols_per_tile = 64;
    const int64_t n_row_tiles = (w.n_out + rows_per_tile - 1) / rows_per_tile;
    const int64_t n_col_tiles = (n_tokens + cols_per_tile - 1) / cols_per_tile;
    pool.parallel_for(n_row_tiles * n_col_tiles, [&](int64_t task_idx, int) {
        const int64_t col_tile = task_idx / n_row_tiles;
        const int64_t row_tile = task_idx % n_row_tiles;
        const int64_t row_begin = row_tile * rows_per_tile;
        const int64_t row_end = std::min(w.n_out, row_begin + rows_per_tile);
        const int64_t col_begin = col_tile * cols_per_tile;
        const int64_t col_end = std::min(n_tokens, col_begin + cols_per_tile);
        float out[kernels::kMaxDotCols];
        for (int64_t row_idx = row_begin; row_idx < row_end; ++row_idx) {
            for (int64_t col_idx = col_begin; col_idx < col_end; col_idx += kernels::kMaxDotCols) {
                const int n_cols = (int)std::min<int64_t>(kernels::kMaxDotCols, col_end - col_idx);
                kernel.dot(w.n_in, w.row(row_idx), act + (size_t)col_idx * act_stride, act_stride,
                           n_cols, out);
                for (int col = 0; col < n_cols; ++col)
                    y[(col_idx + col) * w.n_out + row_idx] = out[col];
            }
        }
    });
}

void rope_norm(float* x, int64_t n_head, int64_t head_dim, int64_t n_rot, int64_t pos,
               float freq_base) {
    for (int64_t pair_idx = 0; pair_idx < n_rot / 2; ++pair_idx) {
        const double theta =
            (double)pos * std::pow((double)freq_base, -2.0 * (double)pair_idx / (double)n_rot);
        const float cos_theta = (float)std::cos(theta);
        const float sin_theta = (float)std::sin(theta);
        for (int64_t head_idx = 0; head_idx < n_head; ++head_idx) {
            float* pair = x + head_idx * head_dim + 2 * pair_idx;
            const float x0 = pair[0];
            const float x1 = pair[1];
            pair[0] = x0 * cos_theta - x1 * sin_theta;
            pair[1] = x0 * sin_theta + x1 * cos_theta;
        }
    }
}

void softmax(float* x, int64_t n) {
    float max_val = -INFINITY;
    for (int64_t idx = 0; idx < n; ++idx) max_val = std::max(max_val, x[idx]);
    double sum = 0.0;
    for (int64_t idx = 0; idx < n; ++idx) {
        x[idx] = std::exp(x[idx] - max_val);
        sum += x[idx];
    }
    const float inv = (float)(1.0 / sum);
    for (int64_t idx = 0; idx < n; ++idx) x[idx] *= inv;
}

void silu_mul(float* gate, const float* up, int64_t n) {
    for (int64_t idx = 0; idx < n; ++idx) {
        const float g = gate[idx];
        gate[idx] = g / (1.0f + std::exp(-g)) * up[idx];
    }
}

void layer_norm(const float* x, const float* weight, const float* bias, float* out, int64_t n,
                float eps) {
    double sum = 0.0;
    for (int64_t idx = 0; idx < n; ++idx) sum += x[idx];
    const double mean = sum / (double)n;
    double sum_sq = 0.0;
    for (int64_t idx = 0; idx < n; ++idx) {
        const double centered = x[idx] - mean;
        sum_sq += centered * centered;
    }
    const double scale = 1.0 / std::sqrt(sum_sq / (double)n + (double)eps);
    for (int64_t idx = 0; idx < n; ++idx) {
        out[idx] = (float)((x[idx] - mean) * scale) * weight[idx] + bias[idx];
    }
}

void gelu(float* x, int64_t n) {
    constexpr float inv_sqrt2 = 0.70710678118654752f;
    for (int64_t idx = 0; idx < n; ++idx) {
        x[idx] = 0.5f * x[idx] * (1.0f + std::erf(x[idx] * inv_sqrt2));
    }
}

}  // namespace souverain
