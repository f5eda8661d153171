// GGUF v3 writer: metadata and the tensor table are encoded up front; tensor data streams.
#include "engine/gguf_writer.h"

#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <unordered_set>

namespace souverain {

static_assert(std::endian::native == std::endian::little,
              "the GGUF writer encodes little-endian values in place");

namespace {

constexpr uint32_t kGgufMagic = 0x46554747;  // "GGUF" as a little-endian u32
constexpr uint32_t kGgufVersion = 3;

template <typename T>
void append_pod(std::vector<uint8_t>& out, const T& v) {
    const size_t old_size = out.size();
    out.resize(old_size + sizeof(T));
    std::memcpy(out.data() + old_size, &v, sizeof(T));
}

void append_string(std::vector<uint8_t>& out, std::string_view s) {
    append_pod(out, static_cast<uint64_t>(s.size()));
    const size_t old_size = out.size();
    out.resize(old_size + s.size());
    if (!s.empty()) std::memcpy(out.data() + old_size, s.data(), s.size());
}

void append_type(std::vector<uint8_t>& out, GgufValueType type) {
    append_pod(out, static_cast<uint32_t>(type));
}

template <typename T>
std::vector<uint8_t> encode_scalar(GgufValueType type, T v) {
    std::vector<uint8_t> out;
    append_type(out, type);
    append_pod(out, v);
    return out;
}

std::vector<uint8_t> encode_array(GgufValueType elem_type, const void* data, uint64_t count) {
    assert(gguf_value_type_size(elem_type) != 0 && "set_array takes fixed-size element types");
    std::vector<uint8_t> out;
    append_type(out, GgufValueType::ARRAY);
    append_type(out, elem_type);
    append_pod(out, count);
    const size_t n_bytes = count * gguf_value_type_size(elem_type);
    const size_t old_size = out.size();
    out.resize(old_size + n_bytes);
    if (n_bytes != 0) std::memcpy(out.data() + old_size, data, n_bytes);
    return out;
}

template <typename Strings>
std::vector<uint8_t> encode_string_array(const Strings& strings) {
    std::vector<uint8_t> out;
    append_type(out, GgufValueType::ARRAY);
    append_type(out, GgufValueType::STRING);
    append_pod(out, static_cast<uint64_t>(strings.size()));
    for (const auto& s : strings) append_string(out, s);
    return out;
}

uint64_t align_up(uint64_t n, uint64_t alignment) {
    return (n + alignment - 1) / alignment * alignment;
}

}  // namespace

GgufWriter::~GgufWriter() {
    if (file_ != nullptr) {
        std::fclose(file_);
        std::remove(tmp_path_.c_str());
    }
}

void GgufWriter::set_encoded(std::string_view key, std::vector<uint8_t> encoded) {
    if (key == "general.alignment") {
        uint32_t raw_type = 0;
        std::memcpy(&raw_type, encoded.data(), 4);
        uint32_t value = 0;  // 0 marks an alignment of the wrong type: begin() rejects it
        if (raw_type == static_cast<uint32_t>(GgufValueType::UINT32)) {
            std::memcpy(&value, encoded.data() + 4, 4);
        }
        alignment_ = value;
    }
    for (PendingKv& kv : kvs_) {
        if (kv.key == key) {
            kv.encoded = std::move(encoded);
            return;
        }
    }
    kvs_.push_back(PendingKv{std::string(key), std::move(encoded)});
}

void GgufWriter::set_u8(std::string_view key, uint8_t v) {
    set_encoded(key, encode_scalar(GgufValueType::UINT8, v));
}
void GgufWriter::set_i8(std::string_view key, int8_t v) {
    set_encoded(key, encode_scalar(GgufValueType::INT8, v));
}
void GgufWriter::set_u16(std::string_view key, uint16_t v) {
    set_encoded(key, encode_scalar(GgufValueType::UINT16, v));
}
void GgufWriter::set_i16(std::string_view key, int16_t v) {
    set_encoded(key, encode_scalar(GgufValueType::INT16, v));
}
void GgufWriter::set_u32(std::string_view key, uint32_t v) {
    set_encoded(key, encode_scalar(GgufValueType::UINT32, v));
}
void GgufWriter::set_i32(std::string_view key, int32_t v) {
    set_encoded(key, encode_scalar(GgufValueType::INT32, v));
}
void GgufWriter::set_u64(std::string_view key, uint64_t v) {
    set_encoded(key, encode_scalar(GgufValueType::UINT64, v));
}
void GgufWriter::set_i64(std::string_view key, int64_t v) {
    set_encoded(key, encode_scalar(GgufValueType::INT64, v));
}
void GgufWriter::set_f32(std::string_view key, float v) {
    set_encoded(key, encode_scalar(GgufValueType::FLOAT32, v));
}
void GgufWriter::set_f64(std::string_view key, double v) {
    set_encoded(key, encode_scalar(GgufValueType::FLOAT64, v));
}
void GgufWriter::set_bool(std::string_view key, bool v) {
    set_encoded(key, encode_scalar(GgufValueType::BOOL, static_cast<uint8_t>(v ? 1 : 0)));
}

void GgufWriter::set_string(std::string_view key, std::string_view v) {
    std::vector<uint8_t> out;
    append_type(out, GgufValueType::STRING);
    append_string(out, v);
    set_encoded(key, std::move(out));
}

void GgufWriter::set_string_array(std::string_view key, const std::vector<std::string>& v) {
    set_encoded(key, encode_string_array(v));
}

void GgufWriter::set_f32_array(std::string_view key, const std::vector<float>& v) {
    set_encoded(key, encode_array(GgufValueType::FLOAT32, v.data(), v.size()));
}

void GgufWriter::set_i32_array(std::string_view key, const std::vector<int32_t>& v) {
    set_encoded(key, encode_array(GgufValueType::INT32, v.data(), v.size()));
}

void GgufWriter::set_array(std::string_view key, GgufValueType elem_type, const void* data,
                           uint64_t count) {
    set_encoded(key, encode_array(elem_type, data, count));
}

void GgufWriter::copy_value(std::string_view key, const GgufValue& v) {
    switch (v.type) {
        case GgufValueType::UINT8:
            set_u8(key, static_cast<uint8_t>(v.u64));
            return;
        case GgufValueType::INT8:
            set_i8(key, static_cast<int8_t>(v.i64));
            return;
        case GgufValueType::UINT16:
            set_u16(key, static_cast<uint16_t>(v.u64));
            return;
        case GgufValueType::INT16:
            set_i16(key, static_cast<int16_t>(v.i64));
            return;
        case GgufValueType::UINT32:
            set_u32(key, static_cast<uint32_t>(v.u64));
            return;
        case GgufValueType::INT32:
            set_i32(key, static_cast<int32_t>(v.i64));
            return;
        case GgufValueType::UINT64:
            set_u64(key, v.u64);
            return;
        case GgufValueType::INT64:
            set_i64(key, v.i64);
            return;
        case GgufValueType::FLOAT32:
            set_f32(key, static_cast<float>(v.f64));
            return;
        case GgufValueType::FLOAT64:
            set_f64(key, v.f64);
            return;
        case GgufValueType::BOOL:
            set_bool(key, v.b);
            return;
        case GgufValueType::STRING:
            set_string(key, v.str);
            return;
        case GgufValueType::ARRAY:
            if (v.array_type == GgufValueType::STRING) {
                set_encoded(key, encode_string_array(v.array_strings));
            } else {
                set_array(key, v.array_type, v.array_data, v.array_count);
            }
            return;
    }
}

Status GgufWriter::add_tensor(std::string_view name, TensorType type,
                              const std::vector<int64_t>& ne) {
    const std::string context = "tensor '" + std::string(name) + "'";
    if (begun_) {
        return make_error(ErrorCode::INTERNAL, context + " declared after begin()");
    }
    const TensorTypeTraits* traits = tensor_type_traits(type);
    if (traits == nullptr) {
        return make_error(ErrorCode::UNSUPPORTED, context + ": unsupported tensor type id " +
                                                      std::to_string(static_cast<uint32_t>(type)));
    }
    if (ne.empty() || ne.size() > 4) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          context + " has " + std::to_string(ne.size()) + " dimensions (1 to 4)");
    }
    for (const int64_t dim : ne) {
        if (dim <= 0) {
            return make_error(ErrorCode::INVALID_ARGUMENT,
                              context + " has a non-positive dimension " + std::to_string(dim));
        }
    }
    const std::optional<size_t> row_bytes = tensor_row_bytes(type, ne[0]);
    if (!row_bytes) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          context + " row length " + std::to_string(ne[0]) +
                              " is not a multiple of the " + traits->name + " block size " +
                              std::to_string(traits->block_size));
    }
    uint64_t n_bytes = *row_bytes;
    for (size_t dim_idx = 1; dim_idx < ne.size(); ++dim_idx) {
        if (__builtin_mul_overflow(n_bytes, static_cast<uint64_t>(ne[dim_idx]), &n_bytes)) {
            return make_error(ErrorCode::INVALID_ARGUMENT, context + " is too large");
        }
    }
    for (const PendingTensor& tensor : tensors_) {
        if (tensor.name == name) {
            return make_error(ErrorCode::INVALID_ARGUMENT, "duplicate " + context);
        }
    }
    tensors_.push_back(PendingTensor{std::string(name), type, ne, n_bytes, 0});
    return Status::success();
}

Status GgufWriter::write_bytes(const void* data, size_t n) {
    if (n != 0 && std::fwrite(data, 1, n, file_) != n) {
        return make_error(ErrorCode::IO, tmp_path_ + ": write failed: " + std::strerror(errno));
    }
    return Status::success();
}

Status GgufWriter::write_zeros(uint64_t n) {
    static const uint8_t kZeros[256] = {};
    while (n > 0) {
        const size_t chunk = n < sizeof kZeros ? static_cast<size_t>(n) : sizeof kZeros;
        SOUVERAIN_TRY(write_bytes(kZeros, chunk));
        n -= chunk;
    }
    return Status::success();
}

Status GgufWriter::begin(const std::string& path) {
    if (begun_) return make_error(ErrorCode::INTERNAL, path + ": GgufWriter::begin called twice");
    if (alignment_ == 0 || !std::has_single_bit(alignment_)) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          path + ": general.alignment must be a u32 power of two");
    }
    uint64_t offset = 0;
    for (PendingTensor& tensor : tensors_) {
        tensor.offset = offset;
        offset = align_up(offset + tensor.n_bytes, alignment_);
    }

    std::vector<uint8_t> header;
    append_pod(header, kGgufMagic);
    append_pod(header, kGgufVersion);
    append_pod(header, static_cast<uint64_t>(tensors_.size()));
    append_pod(header, static_cast<uint64_t>(kvs_.size()));
    for (const PendingKv& kv : kvs_) {
        append_string(header, kv.key);
        const size_t old_size = header.size();
        header.resize(old_size + kv.encoded.size());
        std::memcpy(header.data() + old_size, kv.encoded.data(), kv.encoded.size());
    }
    for (const PendingTensor& tensor : tensors_) {
        append_string(header, tensor.name);
        append_pod(header, static_cast<uint32_t>(tensor.ne.size()));
        for (const int64_t dim : tensor.ne) append_pod(header, static_cast<uint64_t>(dim));
        append_pod(header, static_cast<uint32_t>(tensor.type));
        append_pod(header, tensor.offset);
    }
    header.resize(align_up(header.size(), alignment_), 0);

    path_ = path;
    tmp_path_ = path + ".tmp";
    file_ = std::fopen(tmp_path_.c_str(), "wb");
    if (file_ == nullptr) {
        return make_error(ErrorCode::IO, tmp_path_ + ": cannot create: " + std::strerror(errno));
    }
    begun_ = true;
    return write_bytes(header.data(), header.size());
}

Status GgufWriter::write_tensor_data(const void* data, size_t n_bytes) {
    if (file_ == nullptr) {
        return make_error(ErrorCode::INTERNAL, "GgufWriter: tensor data written before begin()");
    }
    if (next_tensor_ >= tensors_.size()) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          path_ + ": all " + std::to_string(tensors_.size()) +
                              " declared tensors were already written");
    }
    const PendingTensor& tensor = tensors_[next_tensor_];
    if (n_bytes != tensor.n_bytes) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          path_ + ": tensor '" + tensor.name + "' needs " +
                              std::to_string(tensor.n_bytes) + " bytes, got " +
                              std::to_string(n_bytes));
    }
    assert(written_data_ == tensor.offset);
    SOUVERAIN_TRY(write_bytes(data, n_bytes));
    const uint64_t end = written_data_ + n_bytes;
    written_data_ = align_up(end, alignment_);
    SOUVERAIN_TRY(write_zeros(written_data_ - end));
    ++next_tensor_;
    return Status::success();
}

Status GgufWriter::finish() {
    if (file_ == nullptr) {
        return make_error(ErrorCode::INTERNAL, "GgufWriter: finish() without begin()");
    }
    if (next_tensor_ != tensors_.size()) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          path_ + ": only " + std::to_string(next_tensor_) + " of " +
                              std::to_string(tensors_.size()) + " tensors were written");
    }
    const bool flushed = std::fflush(file_) == 0 && ::fsync(fileno(file_)) == 0;
    const int flush_err = errno;
    const bool closed = std::fclose(file_) == 0;
    file_ = nullptr;
    if (!flushed || !closed) {
        std::remove(tmp_path_.c_str());
        return make_error(ErrorCode::IO, tmp_path_ + ": cannot flush: " +
                                             std::strerror(flushed ? errno : flush_err));
    }
    if (std::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
        const int err = errno;
        std::remove(tmp_path_.c_str());
        return make_error(ErrorCode::IO,
                          path_ + ": cannot rename into place: " + std::strerror(err));
    }
    return Status::success();
}

}  // namespace souverain
