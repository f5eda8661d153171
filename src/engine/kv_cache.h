#pragma once
// Key/value cache of one sequence: for every layer, the rotated keys and the values of
// every position seen so far, so decode steps attend to the past without recomputing it.
//
// Layout per layer: K F32|F16|Q8_0 [n_embd_kv, n_ctx], V the same (position-major rows of
// n_embd_kv elements). F16 halves and Q8_0 (~0.53 bytes/element with its scales) roughly
// quarters the memory of F32; Q8_0 needs rows and heads made of whole 32-element blocks. Ownership:
// the inference loop owns a cache; not thread-safe, but distinct rows may be written by distinct
// threads inside one forward pass.
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace souverain {

enum class KvCacheType { F32, F16, Q8_0 };

// "f32", "f16" or "q8_0".
Result<KvCacheType> parse_kv_cache_type(std::string_view name);

class KvCache {
public:
    // For Q8_0, n_embd_kv must be a multiple of 32 (see supports_type()).
    KvCache(int n_layer, int64_t n_ctx, int64_t n_embd_kv, KvCacheType type);

    // Whether rows of n_embd_kv elements, read in head slices of head_dim, can use `type`.
    static bool supports_type(KvCacheType type, int64_t n_embd_kv, int64_t head_dim);

    int64_t n_ctx() const { return n_ctx_; }
    int64_t n_past() const { return n_past_; }  // positions filled so far
    int64_t n_embd_kv() const { return n_embd_kv_; }
    KvCacheType type() const { return type_; }
    size_t bytes() const;

    // Store one position's K and V rows (F32 [n_embd_kv]) for a layer.
    void store(int layer_idx, int64_t pos, const float* k_row, const float* v_row);
    // Read back one position's K or V row as F32 (exact for F32, rounded for F16).
    void load_k(int layer_idx, int64_t pos, float* dst) const;
    void load_v(int layer_idx, int64_t pos, float* dst) const;
    // Read a range of elements [offset, offset + n) of one row, as F32. For Q8_0, offset and
    // n are multiples of 32.
    void load_k_part(int layer_idx, int64_t pos, int64_t offset, int64_t n, float* dst) const;
    void load_v_part(int layer_idx, int64_t pos, int64_t offset, int64_t n, float* dst) const;

    // The stored halfs of element `offset` of row `pos`, read in place (type() == F16 only):
    // consecutive positions are n_embd_kv() halfs apart. Attention reads F16 keys and values
    // this way, widening them inside its kernels instead of copying them to F32 first.
    const uint16_t* k_f16(int layer_idx, int64_t pos, int64_t offset) const;
    const uint16_t* v_f16(int layer_idx, int64_t pos, int64_t offset) const;

    // Marks positions [0, n) as valid after a forward pass wrote them.
    void set_n_past(int64_t n) { n_past_ = n; }
    void clear() { n_past_ = 0; }

private:
    void load_part(const std::vector<uint8_t>& buf, int64_t pos, int64_t offset, int64_t n,
                   float* dst) const;
    void store_row(std::vector<uint8_t>& buf, int64_t pos, const float* row);

    int64_t n_ctx_;
    int64_t n_embd_kv_;
    KvCacheType type_;
    size_t row_bytes_;
    int64_t n_past_ = 0;
    std::vector<std::vector<uint8_t>> k_;  // per layer: [n_embd_kv, n_ctx] elements
    std::vector<std::vector<uint8_t>> v_;
};

}  // namespace souverain
