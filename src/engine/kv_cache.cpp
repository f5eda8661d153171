#include "engine/kv_cache.h"

#include <cassert>
#include <cstring>

#include "engine/tensor_type.h"
#include "kernels/convert.h"
#include "kernels/generic/fp16.h"

namespace souverain {

Result<KvCacheType> parse_kv_cache_type(std::string_view name) {
    if (name == "f32") return KvCacheType::F32;
    if (name == "f16") return KvCacheType::F16;
    if (name == "q8_0") return KvCacheType::Q8_0;
    return make_error(ErrorCode::INVALID_ARGUMENT, "unknown KV cache type '" + std::string(name) +
                                                       "' (expected f32, f16 or q8_0)");
}

namespace {

size_t kv_row_bytes(KvCacheType type, int64_t n) {
    switch (type) {
        case KvCacheType::F32:
            return (size_t)n * 4;
        case KvCacheType::F16:
            return (size_t)n * 2;
        case KvCacheType::Q8_0:
            return *tensor_row_bytes(TensorType::Q8_0, n);
    }
    return 0;
}

}  // namespace

bool KvCache::supports_type(KvCacheType type, int64_t n_embd_kv, int64_t head_dim) {
    if (type != KvCacheType::Q8_0) return true;
    return n_embd_kv % 32 == 0 && head_dim % 32 == 0;
}

KvCache::KvCache(int n_layer, int64_t n_ctx, int64_t n_embd_kv, KvCacheType type)
    : n_ctx_(n_ctx),
      n_embd_kv_(n_embd_kv),
      type_(type),
      row_bytes_(kv_row_bytes(type, n_embd_kv)),
      k_(n_layer),
      v_(n_layer) {
    const size_t layer_bytes = (size_t)n_ctx * row_bytes_;
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
    uint8_t* dst = buf.data() + (size_t)pos * row_bytes_;
    switch (type_) {
        case KvCacheType::F32:
            std::memcpy(dst, row, (size_t)n_embd_kv_ * 4);
            return;
        case KvCacheType::F16: {
            auto* dst16 = reinterpret_cast<uint16_t*>(dst);
            for (int64_t idx = 0; idx < n_embd_kv_; ++idx)
                dst16[idx] = kernels::fp32_to_fp16(row[idx]);
            return;
        }
        case KvCacheType::Q8_0:
            tensor_type_traits(TensorType::Q8_0)->from_float(row, dst, n_embd_kv_);
            return;
    }
}

void KvCache::store(int layer_idx, int64_t pos, const float* k_row, const float* v_row) {
    store_row(k_[layer_idx], pos, k_row);
    store_row(v_[layer_idx], pos, v_row);
}

void KvCache::load_part(const std::vector<uint8_t>& buf, int64_t pos, int64_t offset, int64_t n,
                        float* dst) const {
    const uint8_t* row = buf.data() + (size_t)pos * row_bytes_;
    switch (type_) {
        case KvCacheType::F32:
            std::memcpy(dst, row + (size_t)offset * 4, (size_t)n * 4);
            return;
        case KvCacheType::F16: {
            kernels::f16_to_f32_row(reinterpret_cast<const uint16_t*>(row) + offset, dst, n);
            return;
        }
        case KvCacheType::Q8_0:
            tensor_type_traits(TensorType::Q8_0)
                ->to_float(row + *tensor_row_bytes(TensorType::Q8_0, offset), dst, n);
            return;
    }
}

const uint16_t* KvCache::k_f16(int layer_idx, int64_t pos, int64_t offset) const {
    assert(type_ == KvCacheType::F16);
    return reinterpret_cast<const uint16_t*>(k_[layer_idx].data() + (size_t)pos * row_bytes_) +
           offset;
}
const uint16_t* KvCache::v_f16(int layer_idx, int64_t pos, int64_t offset) const {
    assert(type_ == KvCacheType::F16);
    return reinterpret_cast<const uint16_t*>(v_[layer_idx].data() + (size_t)pos * row_bytes_) +
           offset;
}

void KvCache::load_k(int layer_idx, int64_t pos, float* dst) const {
    load_part(k_[layer_idx], pos, 0, n_embd_kv_, dst);
}
void KvCache::load_v(int layer_idx, int64_t pos, float* dst) const {
    load_part(v_[layer_idx], pos, 0, n_embd_kv_, dst);
}
void KvCache::load_k_part(int layer_idx, int64_t pos, int64_t offset, int64_t n, float* dst) const {
    load_part(k_[layer_idx], pos, offset, n, dst);
}
void KvCache::load_v_part(int layer_idx, int64_t pos, int64_t offset, int64_t n, float* dst) const {
    load_part(v_[layer_idx], pos, offset, n, dst);
}

}  // namespace souverain
