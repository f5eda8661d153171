#pragma once
// GGUF reader: memory-maps a file (v2 or v3) and exposes its metadata and tensor table
// without copying tensor data. Every count, offset, length, type and shape read from the
// file is checked against the file size before use, so a truncated, corrupted or hostile
// file yields an Error, never a crash or an allocation larger than the file justifies.
//
// Ownership: GgufFile owns the mapping; every string_view, pointer and span it hands out
// lives as long as the GgufFile. Thread-safety: immutable after open(); any number of
// threads may read concurrently.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/error.h"
#include "engine/tensor_type.h"

namespace souverain {

enum class GgufValueType : uint32_t {
    UINT8 = 0,
    INT8 = 1,
    UINT16 = 2,
    INT16 = 3,
    UINT32 = 4,
    INT32 = 5,
    FLOAT32 = 6,
    BOOL = 7,
    STRING = 8,
    ARRAY = 9,
    UINT64 = 10,
    INT64 = 11,
    FLOAT64 = 12,
};

// Short name as `inspect` prints it: "u8", "i32", "f32", "bool", "string", "array", ...
const char* gguf_value_type_name(GgufValueType type);
// Any of the eight integer types / FLOAT32 or FLOAT64 (also for array element types).
bool gguf_type_is_integer(GgufValueType type);
bool gguf_type_is_float(GgufValueType type);
// Bytes of one element of a fixed-size type; 0 for STRING and ARRAY.
size_t gguf_value_type_size(GgufValueType type);

// One metadata value. Scalars are decoded; arrays keep a pointer into the mapping
// (numeric elements, little-endian, unaligned) or a list of string views.
struct GgufValue {
    GgufValueType type = GgufValueType::UINT8;
    // Scalars: integers widen into i64/u64 (both filled when representable), floats into f64.
    int64_t i64 = 0;
    uint64_t u64 = 0;
    double f64 = 0.0;
    bool b = false;
    std::string_view str;
    // Arrays (type == ARRAY): element type and count; numeric data or strings.
    GgufValueType array_type = GgufValueType::UINT8;
    uint64_t array_count = 0;
    const uint8_t* array_data = nullptr;          // numeric arrays: array_count elements
    std::vector<std::string_view> array_strings;  // string arrays

    bool is_integer() const;  // any integer scalar type
    bool is_float() const;    // FLOAT32 or FLOAT64
    // Numeric array element as double/int64 (idx < array_count, numeric array_type).
    // array_i64 truncates floats toward zero, saturating (NaN gives 0); UINT64 elements above
    // INT64_MAX wrap, so cast back to uint64_t to read them.
    double array_f64(uint64_t idx) const;
    int64_t array_i64(uint64_t idx) const;
};

struct GgufKeyValue {
    std::string_view key;
    GgufValue value;
};

struct GgufTensorInfo {
    std::string_view name;
    TensorType type = TensorType::F32;
    uint32_t n_dims = 0;
    std::array<int64_t, 4> ne = {1, 1, 1, 1};  // ne[0] is the contiguous (row) dimension
    uint64_t offset = 0;                       // relative to the start of the data section
    uint64_t n_bytes = 0;                      // size of the tensor data
    int64_t n_elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
};

class GgufFile {
public:
    // Maps `path` read-only and parses it. The error message names the file and the fault.
    static Result<std::unique_ptr<GgufFile>> open(const std::string& path);
    // Parses bytes owned by the caller, which must outlive the GgufFile (fuzzing, tests).
    static Result<std::unique_ptr<GgufFile>> from_memory(const uint8_t* data, size_t size);

    ~GgufFile();
    GgufFile(const GgufFile&) = delete;
    GgufFile& operator=(const GgufFile&) = delete;

    uint32_t version() const { return version_; }
    size_t file_size() const { return size_; }
    // True when the bytes are a private read-only mapping of the file (open()), whose pages
    // may be dropped and read back from the file; false for caller-owned memory.
    bool is_file_mapping() const { return mapping_ != nullptr; }
    uint64_t alignment() const { return alignment_; }
    // Start of the tensor data section. A file without tensors may end before the alignment
    // padding (real vocab-only files do); data_offset() is then clamped to file_size().
    uint64_t data_offset() const { return data_offset_; }
    // The whole file (file_size() bytes): every view and pointer handed out lies inside it.
    const uint8_t* file_data() const { return base_; }

    const std::vector<GgufKeyValue>& metadata() const { return kvs_; }
    const GgufValue* find(std::string_view key) const;

    // Typed lookups: nullopt when missing or of an incompatible type.
    std::optional<std::string_view> get_string(std::string_view key) const;
    std::optional<int64_t> get_int(std::string_view key) const;   // any integer type
    std::optional<double> get_float(std::string_view key) const;  // float or integer
    std::optional<bool> get_bool(std::string_view key) const;
    // Array lookup: nullptr when missing or not an array.
    const GgufValue* get_array(std::string_view key) const;

    const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
    const GgufTensorInfo* find_tensor(std::string_view name) const;
    // Pointer to the tensor's bytes inside the mapping (n_bytes long, checked at open).
    const uint8_t* tensor_data(const GgufTensorInfo& info) const {
        return base_ + data_offset_ + info.offset;
    }

private:
    GgufFile() = default;
    Status parse(const std::string& origin);

    const uint8_t* base_ = nullptr;
    size_t size_ = 0;
    void* mapping_ = nullptr;  // non-null when we own an mmap of size_ bytes
    uint32_t version_ = 0;
    uint64_t alignment_ = 32;
    uint64_t data_offset_ = 0;
    std::vector<GgufKeyValue> kvs_;
    std::vector<GgufTensorInfo> tensors_;
    // Name -> index into kvs_ / tensors_; keys view the mapping. Built by parse(), which also
    // uses them to reject duplicates.
    std::unordered_map<std::string_view, size_t> kv_index_;
    std::unordered_map<std::string_view, size_t> tensor_index_;
};

}  // namespace souverain
