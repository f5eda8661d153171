// GGUF reader. The parser walks the file once with a bounds-checked cursor; nothing read
// from the file is used as a size, count or offset before it has been compared with the
// bytes that remain, and every product of untrusted numbers is overflow-checked.
#include "engine/gguf.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <string>

namespace souverain {

static_assert(std::endian::native == std::endian::little,
              "the GGUF reader decodes little-endian values in place");

namespace {

constexpr uint32_t kGgufMagic = 0x46554747;  // "GGUF" read as a little-endian u32
constexpr uint64_t kDefaultAlignment = 32;
constexpr uint32_t kMaxDims = 4;
// Smallest possible encodings, used to bound counts before reserving memory:
// a key/value is a key length (8) + value type (4) + a 1-byte value;
// a tensor info is a name length (8) + n_dims (4) + one ne (8) + type (4) + offset (8).
constexpr uint64_t kMinKvBytes = 8 + 4 + 1;
constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 8 + 4 + 8;
constexpr size_t kMaxQuotedBytes = 80;
// The user's own path is shown whole (they need to know which file), up to a sanity bound.
constexpr size_t kMaxPathBytes = 4096;

// Renders untrusted bytes (a key, a tensor name, a path) for a one-line error message:
// control bytes are escaped and long names are cut at max_bytes.
std::string printable(std::string_view text, size_t max_bytes = kMaxQuotedBytes) {
    std::string out;
    const size_t n = std::min(text.size(), max_bytes);
    out.reserve(n + 8);
    for (size_t idx = 0; idx < n; ++idx) {
        const auto c = static_cast<unsigned char>(text[idx]);
        if (c < 0x20 || c == 0x7f) {
            static const char kHex[] = "0123456789abcdef";
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    if (text.size() > n) out += "...";
    return out;
}

std::string quoted(std::string_view text) {
    std::string out = "'";
    out += printable(text);
    out += '\'';
    return out;
}

bool is_known_value_type(uint32_t raw) {
    return raw <= static_cast<uint32_t>(GgufValueType::FLOAT64);
}

// Bounds-checked little-endian cursor over the file bytes.
class Cursor {
public:
    Cursor(const uint8_t* base, size_t size, const std::string& origin)
        : base_(base), size_(size), origin_(origin) {}

    size_t pos() const { return pos_; }
    size_t remaining() const { return size_ - pos_; }
    const uint8_t* here() const { return base_ + pos_; }

    Error fail(ErrorCode code, const std::string& what) const {
        return make_error(code, origin_ + ": " + what);
    }
    Error truncated(const std::string& what) const {
        return fail(ErrorCode::FORMAT,
                    "truncated file: " + what + " at offset " + std::to_string(pos_) +
                        " needs bytes past end of file (" + std::to_string(size_) + " bytes)");
    }

    template <typename T>
    Status read(T& out, const std::string_view what) {
        if (remaining() < sizeof(T)) return truncated(std::string(what));
        std::memcpy(&out, base_ + pos_, sizeof(T));
        pos_ += sizeof(T);
        return Status::success();
    }

    Status skip(uint64_t n_bytes, const std::string_view what) {
        if (n_bytes > remaining()) return truncated(std::string(what));
        pos_ += n_bytes;
        return Status::success();
    }

    // A GGUF string: u64 length then that many bytes, viewed in place.
    Status read_string(std::string_view& out, const std::string_view what) {
        uint64_t length = 0;
        SOUVERAIN_TRY(read(length, what));
        if (length > remaining()) {
            return fail(ErrorCode::FORMAT, std::string(what) + " at offset " +
                                               std::to_string(pos_ - 8) + " has length " +
                                               std::to_string(length) + " but only " +
                                               std::to_string(remaining()) + " bytes remain");
        }
        out = std::string_view(reinterpret_cast<const char*>(base_ + pos_), length);
        pos_ += length;
        return Status::success();
    }

private:
    const uint8_t* base_;
    size_t size_;
    size_t pos_ = 0;
    const std::string& origin_;
};

// Decodes a fixed-size scalar of `type` at `src` into the widened fields of `value`.
void decode_scalar(GgufValueType type, const uint8_t* src, GgufValue& value) {
    auto set_signed = [&](int64_t v) {
        value.i64 = v;
        value.u64 = v >= 0 ? static_cast<uint64_t>(v) : 0;
    };
    auto set_unsigned = [&](uint64_t v) {
        value.u64 = v;
        value.i64 = v <= static_cast<uint64_t>(INT64_MAX) ? static_cast<int64_t>(v) : 0;
    };
    switch (type) {
        case GgufValueType::UINT8:
            set_unsigned(src[0]);
            break;
        case GgufValueType::INT8:
            set_signed(static_cast<int8_t>(src[0]));
            break;
        case GgufValueType::UINT16: {
            uint16_t v;
            std::memcpy(&v, src, sizeof v);
            set_unsigned(v);
            break;
        }
        case GgufValueType::INT16: {
            int16_t v;
            std::memcpy(&v, src, sizeof v);
            set_signed(v);
            break;
        }
        case GgufValueType::UINT32: {
            uint32_t v;
            std::memcpy(&v, src, sizeof v);
            set_unsigned(v);
            break;
        }
        case GgufValueType::INT32: {
            int32_t v;
            std::memcpy(&v, src, sizeof v);
            set_signed(v);
            break;
        }
        case GgufValueType::UINT64: {
            uint64_t v;
            std::memcpy(&v, src, sizeof v);
            set_unsigned(v);
            break;
        }
        case GgufValueType::INT64: {
            int64_t v;
            std::memcpy(&v, src, sizeof v);
            set_signed(v);
            break;
        }
        case GgufValueType::FLOAT32: {
            float v;
            std::memcpy(&v, src, sizeof v);
            value.f64 = v;
            break;
        }
        case GgufValueType::FLOAT64:
            std::memcpy(&value.f64, src, sizeof value.f64);
            break;
        case GgufValueType::BOOL:
            value.b = src[0] != 0;
            break;
        case GgufValueType::STRING:
        case GgufValueType::ARRAY:
            assert(false && "not a fixed-size type");
            break;
    }
}

Status parse_value(Cursor& cursor, GgufValueType type, GgufValue& value,
                   const std::string& context) {
    value.type = type;
    if (type == GgufValueType::STRING) return cursor.read_string(value.str, context);
    if (type != GgufValueType::ARRAY) {
        const size_t n_bytes = gguf_value_type_size(type);
        if (cursor.remaining() < n_bytes) return cursor.truncated(context);
        decode_scalar(type, cursor.here(), value);
        return cursor.skip(n_bytes, context);
    }

    uint32_t raw_elem_type = 0;
    SOUVERAIN_TRY(cursor.read(raw_elem_type, context + " array element type"));
    if (!is_known_value_type(raw_elem_type)) {
        return cursor.fail(ErrorCode::FORMAT, context + " is an array of unknown value type " +
                                                  std::to_string(raw_elem_type));
    }
    const auto elem_type = static_cast<GgufValueType>(raw_elem_type);
    if (elem_type == GgufValueType::ARRAY) {
        // Real files never nest arrays; refusing them keeps the value model flat.
        return cursor.fail(ErrorCode::UNSUPPORTED,
                           context + " is a nested array, which is not supported");
    }
    uint64_t count = 0;
    SOUVERAIN_TRY(cursor.read(count, context + " array count"));
    value.array_type = elem_type;
    value.array_count = count;

    // Each element takes at least `min_elem_bytes` (a string at least its length field).
    const uint64_t min_elem_bytes =
        elem_type == GgufValueType::STRING ? 8 : gguf_value_type_size(elem_type);
    if (count > cursor.remaining() / min_elem_bytes) {
        return cursor.fail(ErrorCode::FORMAT,
                           context + " array count " + std::to_string(count) + " of " +
                               gguf_value_type_name(elem_type) + " needs more than the " +
                               std::to_string(cursor.remaining()) + " bytes that remain");
    }
    if (elem_type != GgufValueType::STRING) {
        value.array_data = cursor.here();
        return cursor.skip(count * min_elem_bytes, context);
    }
    value.array_strings.reserve(count);
    for (uint64_t elem_idx = 0; elem_idx < count; ++elem_idx) {
        uint64_t length = 0;
        if (cursor.remaining() < 8 ||
            (std::memcpy(&length, cursor.here(), 8), length > cursor.remaining() - 8)) {
            // Slow path only on failure: build the message with the element index.
            std::string_view unused;
            return cursor.read_string(unused, context + " element " + std::to_string(elem_idx));
        }
        value.array_strings.emplace_back(reinterpret_cast<const char*>(cursor.here() + 8), length);
        (void)cursor.skip(8 + length, context);  // cannot fail: checked just above
    }
    return Status::success();
}

bool checked_mul(uint64_t a, uint64_t b, uint64_t& out) {
    return !__builtin_mul_overflow(a, b, &out);
}

}  // namespace

const char* gguf_value_type_name(GgufValueType type) {
    switch (type) {
        case GgufValueType::UINT8:
            return "u8";
        case GgufValueType::INT8:
            return "i8";
        case GgufValueType::UINT16:
            return "u16";
        case GgufValueType::INT16:
            return "i16";
        case GgufValueType::UINT32:
            return "u32";
        case GgufValueType::INT32:
            return "i32";
        case GgufValueType::FLOAT32:
            return "f32";
        case GgufValueType::BOOL:
            return "bool";
        case GgufValueType::STRING:
            return "string";
        case GgufValueType::ARRAY:
            return "array";
        case GgufValueType::UINT64:
            return "u64";
        case GgufValueType::INT64:
            return "i64";
        case GgufValueType::FLOAT64:
            return "f64";
    }
    return "unknown";
}

size_t gguf_value_type_size(GgufValueType type) {
    switch (type) {
        case GgufValueType::UINT8:
        case GgufValueType::INT8:
        case GgufValueType::BOOL:
            return 1;
        case GgufValueType::UINT16:
        case GgufValueType::INT16:
            return 2;
        case GgufValueType::UINT32:
        case GgufValueType::INT32:
        case GgufValueType::FLOAT32:
            return 4;
        case GgufValueType::UINT64:
        case GgufValueType::INT64:
        case GgufValueType::FLOAT64:
            return 8;
        case GgufValueType::STRING:
        case GgufValueType::ARRAY:
            return 0;
    }
    return 0;
}

bool gguf_type_is_integer(GgufValueType type) {
    switch (type) {
        case GgufValueType::UINT8:
        case GgufValueType::INT8:
        case GgufValueType::UINT16:
        case GgufValueType::INT16:
        case GgufValueType::UINT32:
        case GgufValueType::INT32:
        case GgufValueType::UINT64:
        case GgufValueType::INT64:
            return true;
        default:
            return false;
    }
}

bool gguf_type_is_float(GgufValueType type) {
    return type == GgufValueType::FLOAT32 || type == GgufValueType::FLOAT64;
}

bool GgufValue::is_integer() const {
    return gguf_type_is_integer(type);
}

bool GgufValue::is_float() const {
    return gguf_type_is_float(type);
}

double GgufValue::array_f64(uint64_t idx) const {
    assert(type == GgufValueType::ARRAY && idx < array_count && array_data != nullptr);
    GgufValue elem;
    decode_scalar(array_type, array_data + idx * gguf_value_type_size(array_type), elem);
    switch (array_type) {
        case GgufValueType::FLOAT32:
        case GgufValueType::FLOAT64:
            return elem.f64;
        case GgufValueType::BOOL:
            return elem.b ? 1.0 : 0.0;
        case GgufValueType::UINT64:
            return static_cast<double>(elem.u64);
        default:
            return static_cast<double>(elem.i64);
    }
}

int64_t GgufValue::array_i64(uint64_t idx) const {
    assert(type == GgufValueType::ARRAY && idx < array_count && array_data != nullptr);
    GgufValue elem;
    decode_scalar(array_type, array_data + idx * gguf_value_type_size(array_type), elem);
    switch (array_type) {
        case GgufValueType::FLOAT32:
        case GgufValueType::FLOAT64: {
            // Truncate toward zero, saturating: a hostile float must not be undefined behaviour.
            const double f = elem.f64;
            if (std::isnan(f)) return 0;
            if (f >= 9223372036854775808.0) return INT64_MAX;
            if (f <= -9223372036854775808.0) return INT64_MIN;
            return static_cast<int64_t>(f);
        }
        case GgufValueType::BOOL:
            return elem.b ? 1 : 0;
        case GgufValueType::UINT64:
            return static_cast<int64_t>(elem.u64);  // wraps above 2^63
        default:
            return elem.i64;
    }
}

Result<std::unique_ptr<GgufFile>> GgufFile::open(const std::string& path) {
    const std::string origin = printable(path, kMaxPathBytes);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        return make_error(err == ENOENT ? ErrorCode::NOT_FOUND : ErrorCode::IO,
                          origin + ": cannot open: " + std::strerror(err));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        return make_error(ErrorCode::IO, origin + ": cannot stat: " + std::strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        return make_error(ErrorCode::IO, origin + ": not a regular file");
    }
    const auto size = static_cast<size_t>(st.st_size);
    if (size == 0) {
        ::close(fd);
        return make_error(ErrorCode::FORMAT, origin + ": empty file, not a GGUF file");
    }
    void* mapping = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    const int map_err = errno;
    ::close(fd);  // the mapping keeps the file alive
    if (mapping == MAP_FAILED) {
        return make_error(ErrorCode::IO, origin + ": cannot mmap " + std::to_string(size) +
                                             " bytes: " + std::strerror(map_err));
    }
    std::unique_ptr<GgufFile> file(new GgufFile());
    file->mapping_ = mapping;
    file->base_ = static_cast<const uint8_t*>(mapping);
    file->size_ = size;
    SOUVERAIN_TRY(file->parse(origin));
    return file;
}

Result<std::unique_ptr<GgufFile>> GgufFile::from_memory(const uint8_t* data, size_t size) {
    std::unique_ptr<GgufFile> file(new GgufFile());
    file->base_ = data;
    file->size_ = data == nullptr ? 0 : size;
    SOUVERAIN_TRY(file->parse("<memory>"));
    return file;
}

GgufFile::~GgufFile() {
    if (mapping_ != nullptr) ::munmap(mapping_, size_);
}

Status GgufFile::parse(const std::string& origin) {
    Cursor cursor(base_, size_, origin);

    uint32_t magic = 0;
    SOUVERAIN_TRY(cursor.read(magic, "magic"));
    if (magic != kGgufMagic) return cursor.fail(ErrorCode::FORMAT, "not a GGUF file (bad magic)");
    SOUVERAIN_TRY(cursor.read(version_, "version"));
    if (version_ != 2 && version_ != 3) {
        if (__builtin_bswap32(version_) == 2 || __builtin_bswap32(version_) == 3) {
            return cursor.fail(ErrorCode::UNSUPPORTED, "big-endian GGUF files are not supported");
        }
        return cursor.fail(ErrorCode::UNSUPPORTED, "GGUF version " + std::to_string(version_) +
                                                       " is not supported (need 2 or 3)");
    }
    uint64_t n_tensors = 0;
    uint64_t n_kv = 0;
    SOUVERAIN_TRY(cursor.read(n_tensors, "tensor count"));
    SOUVERAIN_TRY(cursor.read(n_kv, "metadata count"));
    if (n_kv > cursor.remaining() / kMinKvBytes) {
        return cursor.fail(ErrorCode::FORMAT,
                           "metadata count " + std::to_string(n_kv) + " cannot fit in the " +
                               std::to_string(cursor.remaining()) + " bytes that remain");
    }
    if (n_tensors > cursor.remaining() / kMinTensorInfoBytes) {
        return cursor.fail(ErrorCode::FORMAT,
                           "tensor count " + std::to_string(n_tensors) + " cannot fit in the " +
                               std::to_string(cursor.remaining()) + " bytes that remain");
    }

    kvs_.reserve(n_kv);
    kv_index_.reserve(n_kv);
    for (uint64_t kv_idx = 0; kv_idx < n_kv; ++kv_idx) {
        GgufKeyValue kv;
        SOUVERAIN_TRY(cursor.read_string(kv.key, "metadata key #" + std::to_string(kv_idx)));
        const std::string context = "metadata key " + quoted(kv.key);
        uint32_t raw_type = 0;
        SOUVERAIN_TRY(cursor.read(raw_type, context + " value type"));
        if (!is_known_value_type(raw_type)) {
            return cursor.fail(ErrorCode::FORMAT,
                               context + " has unknown value type " + std::to_string(raw_type));
        }
        SOUVERAIN_TRY(parse_value(cursor, static_cast<GgufValueType>(raw_type), kv.value, context));
        if (!kv_index_.emplace(kv.key, kvs_.size()).second) {
            return cursor.fail(ErrorCode::FORMAT, "duplicate " + context);
        }
        kvs_.push_back(std::move(kv));
    }

    alignment_ = kDefaultAlignment;
    if (const GgufValue* align = find("general.alignment")) {
        if (align->type != GgufValueType::UINT32) {
            return cursor.fail(ErrorCode::FORMAT,
                               std::string("general.alignment must be u32, not ") +
                                   gguf_value_type_name(align->type));
        }
        if (align->u64 == 0 || !std::has_single_bit(align->u64)) {
            return cursor.fail(ErrorCode::FORMAT, "general.alignment " +
                                                      std::to_string(align->u64) +
                                                      " is not a nonzero power of two");
        }
        alignment_ = align->u64;
    }

    tensors_.reserve(n_tensors);
    tensor_index_.reserve(n_tensors);
    for (uint64_t tensor_idx = 0; tensor_idx < n_tensors; ++tensor_idx) {
        GgufTensorInfo info;
        SOUVERAIN_TRY(
            cursor.read_string(info.name, "name of tensor #" + std::to_string(tensor_idx)));
        const std::string context = "tensor " + quoted(info.name);
        SOUVERAIN_TRY(cursor.read(info.n_dims, context + " n_dims"));
        if (info.n_dims < 1 || info.n_dims > kMaxDims) {
            return cursor.fail(
                ErrorCode::FORMAT,
                context + " has n_dims " + std::to_string(info.n_dims) + " (must be 1 to 4)");
        }
        for (uint32_t dim_idx = 0; dim_idx < info.n_dims; ++dim_idx) {
            uint64_t ne = 0;
            SOUVERAIN_TRY(cursor.read(ne, context + " shape"));
            if (ne == 0 || ne > static_cast<uint64_t>(INT64_MAX)) {
                return cursor.fail(ErrorCode::FORMAT, context + " has invalid dimension ne[" +
                                                          std::to_string(dim_idx) +
                                                          "] = " + std::to_string(ne));
            }
            info.ne[dim_idx] = static_cast<int64_t>(ne);
        }
        uint32_t raw_type = 0;
        SOUVERAIN_TRY(cursor.read(raw_type, context + " type"));
        const TensorTypeTraits* traits = tensor_type_traits(raw_type);
        if (traits == nullptr) {
            return cursor.fail(ErrorCode::UNSUPPORTED, context + ": unsupported tensor type id " +
                                                           std::to_string(raw_type));
        }
        info.type = static_cast<TensorType>(raw_type);
        SOUVERAIN_TRY(cursor.read(info.offset, context + " offset"));

        // Element count and byte size, each product checked: a hostile shape must not wrap.
        uint64_t n_elements = 1;
        for (uint32_t dim_idx = 0; dim_idx < kMaxDims; ++dim_idx) {
            if (!checked_mul(n_elements, static_cast<uint64_t>(info.ne[dim_idx]), n_elements) ||
                n_elements > static_cast<uint64_t>(INT64_MAX)) {
                return cursor.fail(ErrorCode::FORMAT, context + " element count overflows 64 bits");
            }
        }
        const auto block_size = static_cast<uint64_t>(traits->block_size);
        const auto row_length = static_cast<uint64_t>(info.ne[0]);
        if (row_length % block_size != 0) {
            return cursor.fail(ErrorCode::FORMAT, context + " row length " +
                                                      std::to_string(row_length) +
                                                      " is not a multiple of the " + traits->name +
                                                      " block size " + std::to_string(block_size));
        }
        uint64_t n_bytes = 0;
        bool fits = checked_mul(row_length / block_size, traits->type_size, n_bytes);
        for (uint32_t dim_idx = 1; fits && dim_idx < kMaxDims; ++dim_idx) {
            fits = checked_mul(n_bytes, static_cast<uint64_t>(info.ne[dim_idx]), n_bytes);
        }
        if (!fits) return cursor.fail(ErrorCode::FORMAT, context + " byte size overflows 64 bits");
        info.n_bytes = n_bytes;

        if (!tensor_index_.emplace(info.name, tensors_.size()).second) {
            return cursor.fail(ErrorCode::FORMAT, "duplicate tensor name " + quoted(info.name));
        }
        tensors_.push_back(info);
    }

    // The data section starts at the next multiple of the alignment. alignment_ <= 2^31 and
    // pos() <= size_, so this cannot wrap.
    const uint64_t header_end = cursor.pos();
    data_offset_ = (header_end + alignment_ - 1) / alignment_ * alignment_;
    if (tensors_.empty()) {
        data_offset_ = std::min<uint64_t>(data_offset_, size_);
        return Status::success();
    }
    if (data_offset_ > size_) {
        return cursor.fail(ErrorCode::FORMAT, "tensor data section would start at offset " +
                                                  std::to_string(data_offset_) +
                                                  ", past end of file (" + std::to_string(size_) +
                                                  " bytes)");
    }
    const uint64_t data_size = size_ - data_offset_;
    for (const GgufTensorInfo& info : tensors_) {
        const std::string context = "tensor " + quoted(info.name);
        if (info.offset % alignment_ != 0) {
            return cursor.fail(ErrorCode::FORMAT, context + " data offset " +
                                                      std::to_string(info.offset) +
                                                      " is not a multiple of the alignment " +
                                                      std::to_string(alignment_));
        }
        if (info.offset > data_size || info.n_bytes > data_size - info.offset) {
            // Absolute positions for the message; saturate rather than wrap on hostile values.
            uint64_t start = 0;
            uint64_t end = 0;
            if (__builtin_add_overflow(data_offset_, info.offset, &start)) start = UINT64_MAX;
            if (__builtin_add_overflow(start, info.n_bytes, &end)) end = UINT64_MAX;
            return cursor.fail(ErrorCode::FORMAT, context + " data [" + std::to_string(start) +
                                                      ", " + std::to_string(end) +
                                                      ") extends past end of file (" +
                                                      std::to_string(size_) + " bytes)");
        }
    }
    return Status::success();
}

const GgufValue* GgufFile::find(std::string_view key) const {
    const auto it = kv_index_.find(key);
    return it == kv_index_.end() ? nullptr : &kvs_[it->second].value;
}

std::optional<std::string_view> GgufFile::get_string(std::string_view key) const {
    const GgufValue* value = find(key);
    if (value == nullptr || value->type != GgufValueType::STRING) return std::nullopt;
    return value->str;
}

std::optional<int64_t> GgufFile::get_int(std::string_view key) const {
    const GgufValue* value = find(key);
    if (value == nullptr || !value->is_integer()) return std::nullopt;
    if (value->type == GgufValueType::UINT64 && value->u64 > static_cast<uint64_t>(INT64_MAX)) {
        return std::nullopt;  // not representable as int64
    }
    return value->i64;
}

std::optional<double> GgufFile::get_float(std::string_view key) const {
    const GgufValue* value = find(key);
    if (value == nullptr) return std::nullopt;
    if (value->is_float()) return value->f64;
    if (value->type == GgufValueType::UINT64) return static_cast<double>(value->u64);
    if (value->is_integer()) return static_cast<double>(value->i64);
    return std::nullopt;
}

std::optional<bool> GgufFile::get_bool(std::string_view key) const {
    const GgufValue* value = find(key);
    if (value == nullptr || value->type != GgufValueType::BOOL) return std::nullopt;
    return value->b;
}

const GgufValue* GgufFile::get_array(std::string_view key) const {
    const GgufValue* value = find(key);
    return value != nullptr && value->type == GgufValueType::ARRAY ? value : nullptr;
}

const GgufTensorInfo* GgufFile::find_tensor(std::string_view name) const {
    const auto it = tensor_index_.find(name);
    return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

}  // namespace souverain
