#include "engine/kv_cache.h"

#include <cstring>

#include "kernels/generic/fp16.h"

namespace souverain {

Result<KvCacheType> parse_kv_cache_type(std::string_view name) {
    if (name == "f32") return KvCacheType::F32;
    if (name == "f16") return KvCacheType::F16;
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      "unknown KV cache type '" + std::string(name) + "' (expected f32 or f16)");
}

KvCache::KvCache(int n_layer, int64_t n_ctx, int64_t n_embd_kv, KvCacheType type)
    : n_ctx_(n_ctx),
      n_embd_kv_(n_embd_kv),
      type_(type),
      elem_size_(type == KvCacheType::F32 ? 4 : 2),
      k_(n_layer),
      v_(n_layer) {
    const size_t layer_bytes = (size_t)n_ctx * (size_t)n_embd_kv * elem_size_;
    for (int layer_idx = 0; layer_idx < n_layer; ++layer_idx) {
        k_[layer_idx].resize(layer_bytes);
        v_[layer_idx].resize(layer_bytes);
    }
}

size_t KvCache::bytes() const {
    size_t total = 0;
    for (size_t layer_idx = 0; layer_idx < k_.size(); ++layer_idx) {
        total += k_[layer_idx].size() + v_[layer_idx].size();
    }
    return total;
}

void KvCache::store_row(std::vector<uint8_t>& buf, int64_t pos, const float* row) {
    uint8_t* dst = buf.data() + (size_t)pos * n_embd_kv_ * elem_size_;
    if (type_ == KvCacheType::F32) {
        std::memcpy(dst, row, (size_t)n_embd_kv_ * 4);
        return;
    }
    auto* dst16 = reinterpret_cast<uint16_t*>(dst);
    for (int64_t idx = 0; idx < n_embd_kv_; ++idx) dst16[idx] = kernels::fp32_to_fp16(row[idx]);
}

void KvCache::store(int layer_idx, int64_t pos, const float* k_row, const float* v_row) {
    store_row(k_[layer_idx], pos, k_row);
    store_row(v_[layer_idx], pos, v_row);
}

void KvCache::load_part(const std::vector<uint8_t>& buf, int64_t pos, int64_t offset, int64_t n,
                        float* dst) const {
    const uint8_t* src = buf.data() + ((size_t)pos * n_embd_kv_ + offset) * elem_size_;
    if (type_ == KvCacheType::F32) {
        std::memcpy(dst, src, (size_t)n * 4);
        return;
    }
    const auto* src16 = reinterpret_cast<const uint16_t*>(src);
    for (int64_t idx = 0; idx < n; ++idx) dst[idx] = kernels::fp16_to_fp32(src16[idx]);
}

void KvCache::load_k(int layer_idx, int64_t pos, float* dst) const {
    load_part(k_[layer_idx], pos, 0, n_embd_kv_, dst);
}
void KvCache::load_v(int layer_idx, int64_t pos, float* dst) const {
    load_part(v_[layer_idx], pos, 0, n_embd_kv_, dst);
}
void KvCache::load_k_part(int layer_idx, int64_t pos, int64_t offset, int64_t n,
                          float* dst) const {
    load_part(k_[layer_idx], pos, offset, n, dst);
}
void KvCache::load_v_part(int layer_idx, int64_t pos, int64_t offset, int64_t n,
                          float* dst) const {
    load_part(v_[layer_idx], pos, offset, n, dst);
}

}  // namespace souverain
