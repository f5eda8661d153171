#pragma once
// GGUF v3 writer that streams tensor data: declare every key/value and every tensor's
// name, type and shape first, then begin() writes the header, and the tensor data is
// written one tensor at a time in declaration order, so a file larger than memory can be
// produced with one tensor in memory at a time. The file is written under a temporary name
// and renamed into place by finish(): a process killed mid-write leaves no partial file.
//
// Thread-safety: none; one writer per thread.
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "engine/gguf.h"
#include "engine/tensor_type.h"

namespace souverain {

// Progress of a tool that writes a GGUF file tensor by tensor: (tensors written, total
// tensors, name of the tensor just written).
using TensorWriteProgress = std::function<void(size_t, size_t, const std::string&)>;

class GgufWriter {
public:
    GgufWriter() = default;
    ~GgufWriter();  // removes the temporary file if finish() was not reached
    GgufWriter(const GgufWriter&) = delete;
    GgufWriter& operator=(const GgufWriter&) = delete;

    // Metadata, in the order it will appear in the file. A key set twice keeps the last value
    // (at the position of its first setting). "general.alignment" (u32, a power of two) also
    // sets the alignment of the tensor data; begin() fails on an invalid one.
    void set_u8(std::string_view key, uint8_t v);
    void set_i8(std::string_view key, int8_t v);
    void set_u16(std::string_view key, uint16_t v);
    void set_i16(std::string_view key, int16_t v);
    void set_u32(std::string_view key, uint32_t v);
    void set_i32(std::string_view key, int32_t v);
    void set_u64(std::string_view key, uint64_t v);
    void set_i64(std::string_view key, int64_t v);
    void set_f32(std::string_view key, float v);
    void set_f64(std::string_view key, double v);
    void set_bool(std::string_view key, bool v);
    void set_string(std::string_view key, std::string_view v);
    void set_string_array(std::string_view key, const std::vector<std::string>& v);
    void set_f32_array(std::string_view key, const std::vector<float>& v);
    void set_i32_array(std::string_view key, const std::vector<int32_t>& v);
    // Array of any fixed-size element type (not STRING/ARRAY): `count` little-endian elements
    // of gguf_value_type_size(elem_type) bytes each, copied from `data`.
    void set_array(std::string_view key, GgufValueType elem_type, const void* data, uint64_t count);
    // Copies a key/value read from another GGUF file (used to copy a tokenizer).
    void copy_value(std::string_view key, const GgufValue& v);

    // Declares a tensor; ne[0] is the row length. Fails on a shape that does not fit the type,
    // an unknown type or a duplicate name. Offsets are assigned by begin().
    Status add_tensor(std::string_view name, TensorType type, const std::vector<int64_t>& ne);

    // Opens `path`.tmp and writes the header, metadata, tensor table and alignment padding.
    Status begin(const std::string& path);
    // Writes the data of the next declared tensor (then pads to the alignment); `n_bytes` must
    // equal its size.
    Status write_tensor_data(const void* data, size_t n_bytes);
    // Checks every tensor was written, flushes, and renames the file into place.
    Status finish();

private:
    struct PendingKv {
        std::string key;
        std::vector<uint8_t> encoded;  // type id + value, as it appears in the file
    };
    struct PendingTensor {
        std::string name;
        TensorType type;
        std::vector<int64_t> ne;
        uint64_t n_bytes;
        uint64_t offset;
    };
    void set_encoded(std::string_view key, std::vector<uint8_t> encoded);
    Status write_bytes(const void* data, size_t n);
    Status write_zeros(uint64_t n);

    std::vector<PendingKv> kvs_;
    std::vector<PendingTensor> tensors_;
    uint64_t alignment_ = 32;
    std::string path_;
    std::string tmp_path_;
    std::FILE* file_ = nullptr;
    bool begun_ = false;
    size_t next_tensor_ = 0;
    uint64_t written_data_ = 0;  // bytes of the data section written so far, padding included
};

}  // namespace souverain
