// libFuzzer target for the GGUF reader: parse arbitrary bytes, and when they parse, touch
// every key, value, string and tensor byte so that a view escaping the input is caught by
// AddressSanitizer. A refused input must carry a non-empty one-line message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "engine/gguf.h"

namespace {

// Prevents the compiler from discarding the reads that check the views.
volatile uint64_t g_sink = 0;

void check(bool condition) {
    if (!condition) __builtin_trap();
}

void touch(const void* data, uint64_t n_bytes) {
    const auto* bytes = static_cast<const uint8_t*>(data);
    uint64_t sum = 0;
    for (uint64_t idx = 0; idx < n_bytes; ++idx) sum += bytes[idx];
    g_sink = g_sink + sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace souverain;
    auto parsed = GgufFile::from_memory(data, size);
    if (!parsed.ok()) {
        const std::string& message = parsed.error().message;
        check(!message.empty());
        check(message.find('\n') == std::string::npos);
        return 0;
    }
    const GgufFile& file = **parsed;
    check(file.data_offset() <= file.file_size());
    for (const GgufKeyValue& kv : file.metadata()) {
        touch(kv.key.data(), kv.key.size());
        check(file.find(kv.key) == &kv.value);
        const GgufValue& v = kv.value;
        g_sink = g_sink + static_cast<uint64_t>(v.i64) + v.u64 + (v.b ? 1 : 0);
        (void)file.get_int(kv.key);
        (void)file.get_float(kv.key);
        (void)file.get_bool(kv.key);
        if (v.type == GgufValueType::STRING) touch(v.str.data(), v.str.size());
        if (v.type != GgufValueType::ARRAY) continue;
        check(file.get_array(kv.key) == &v);
        if (v.array_type == GgufValueType::STRING) {
            check(v.array_strings.size() == v.array_count);
            for (const std::string_view s : v.array_strings) touch(s.data(), s.size());
        } else {
            touch(v.array_data, v.array_count * gguf_value_type_size(v.array_type));
            for (uint64_t idx = 0; idx < v.array_count; ++idx) {
                g_sink = g_sink + static_cast<uint64_t>(v.array_i64(idx));
                const double f = v.array_f64(idx);
                g_sink = g_sink + (f == f ? 1 : 0);
            }
        }
    }
    for (const GgufTensorInfo& info : file.tensors()) {
        touch(info.name.data(), info.name.size());
        check(file.find_tensor(info.name) == &info);
        check(info.n_dims >= 1 && info.n_dims <= 4);
        check(info.n_elements() > 0);
        check(info.offset % file.alignment() == 0);
        const uint8_t* tensor = file.tensor_data(info);
        check(tensor >= data && info.n_bytes <= static_cast<uint64_t>(data + size - tensor));
        touch(tensor, info.n_bytes);
    }
    return 0;
}
