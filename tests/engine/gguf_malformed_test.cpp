// Hundreds of malformed GGUF files, derived deterministically from a small valid file made by
// GgufWriter and from a real vocab file: truncations, byte flips, absurd counts and lengths,
// bad shapes, types, offsets, alignments, magics and versions. Each must be refused with a
// one-line error naming the file, or (when a flip happens to leave a valid file) be accepted
// with every view inside the file. `souverain inspect` must report them in one stderr line.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "../test_paths.h"
#include "engine/gguf.h"
#include "engine/gguf_writer.h"

namespace souverain {
namespace {

using Bytes = std::vector<uint8_t>;

constexpr uint64_t kHuge[] = {
    UINT64_C(0x7fffffffffffffff),  // 2^63 - 1
    UINT64_C(0xffffffffffffffff),  // 2^64 - 1 (-1 as signed)
    UINT64_C(0x100000000),         // 2^32
    UINT64_C(0x1000000000000000),  // 2^60
    UINT64_C(0x8000000000000000),  // 2^63
};

struct MalformedCase {
    std::string label;
    Bytes bytes;
    bool must_fail;  // false where a mutation may, by chance, leave a valid file
};

Bytes read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    Bytes bytes(in ? static_cast<size_t>(in.tellg()) : 0);
    in.seekg(0);
    in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return bytes;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_bytes(const std::string& path, const Bytes& bytes) {
    // Unlink first: rewriting a file through truncation makes ext4 flush it to disk
    // (auto_da_alloc), which turns a thousand small writes into seconds of waiting.
    std::filesystem::remove(path);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
}

template <typename T>
Bytes with_value(const Bytes& base, size_t offset, T value) {
    Bytes out = base;
    EXPECT_LE(offset + sizeof(T), out.size());
    std::memcpy(out.data() + offset, &value, sizeof(T));
    return out;
}

template <typename T>
T value_at(const Bytes& bytes, size_t offset) {
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof(T));
    return value;
}

// Where the fields of a valid file live, found through the views the reader hands out.
struct FieldMap {
    struct Kv {
        std::string key;
        GgufValueType type;
        GgufValueType array_type;
        size_t key_length_at;
        size_t type_at;
        size_t value_at;
    };
    struct Tensor {
        std::string name;
        size_t name_length_at;
        size_t n_dims_at;
        uint32_t n_dims;
        size_t ne_at;
        size_t type_at;
        size_t offset_at;
        uint64_t offset;
    };
    std::vector<Kv> kvs;
    std::vector<Tensor> tensors;
    size_t header_end = 0;  // end of the tensor table (or of the metadata without tensors)
    size_t data_end = 0;    // end of the last tensor's data
    uint64_t alignment = 0;
};

FieldMap map_fields(const Bytes& bytes) {
    FieldMap map;
    auto file = GgufFile::from_memory(bytes.data(), bytes.size());
    EXPECT_TRUE(file.ok()) << (file.ok() ? "" : file.error().message);
    if (!file.ok()) return map;
    const uint8_t* base = (*file)->file_data();
    auto at = [&](const void* p) {
        return static_cast<size_t>(static_cast<const uint8_t*>(p) - base);
    };
    for (const GgufKeyValue& kv : (*file)->metadata()) {
        const size_t key_at = at(kv.key.data());
        map.kvs.push_back({std::string(kv.key), kv.value.type, kv.value.array_type, key_at - 8,
                           key_at + kv.key.size(), key_at + kv.key.size() + 4});
        map.header_end = std::max(map.header_end, key_at + kv.key.size());
    }
    for (const GgufTensorInfo& info : (*file)->tensors()) {
        const size_t name_at = at(info.name.data());
        FieldMap::Tensor tensor;
        tensor.name = std::string(info.name);
        tensor.name_length_at = name_at - 8;
        tensor.n_dims_at = name_at + info.name.size();
        tensor.n_dims = info.n_dims;
        tensor.ne_at = tensor.n_dims_at + 4;
        tensor.type_at = tensor.ne_at + 8 * info.n_dims;
        tensor.offset_at = tensor.type_at + 4;
        tensor.offset = info.offset;
        map.tensors.push_back(tensor);
        map.header_end = tensor.offset_at + 8;
        map.data_end =
            std::max<size_t>(map.data_end, (*file)->data_offset() + info.offset + info.n_bytes);
    }
    map.alignment = (*file)->alignment();
    return map;
}

// The small valid model every structural mutation starts from.
Bytes make_base_file(const std::string& dir) {
    const std::string path = dir + "/base.gguf";
    GgufWriter writer;
    writer.set_string("general.architecture", "llama");
    writer.set_u32("general.alignment", 32);
    writer.set_u32("dup.k1", 1);
    writer.set_u32("dup.k2", 2);
    writer.set_string_array("tok", {"<unk>", "<s>", "</s>", "a", "bc"});
    writer.set_f32_array("scores", {0.0f, -1.0f, -2.0f, -3.0f, -4.0f});
    writer.set_bool("flag", true);
    writer.set_u64("big", 1234567890123ULL);
    const struct {
        const char* name;
        TensorType type;
        std::vector<int64_t> ne;
    } tensors[] = {
        {"t.a", TensorType::F32, {8, 2}},
        {"t.b", TensorType::Q8_0, {32, 3}},
        {"t.c", TensorType::Q4_K, {256}},
        {"t.d", TensorType::F16, {5}},
    };
    for (const auto& tensor : tensors) {
        EXPECT_TRUE(writer.add_tensor(tensor.name, tensor.type, tensor.ne).ok());
    }
    EXPECT_TRUE(writer.begin(path).ok());
    const size_t sizes[] = {8 * 2 * 4, 3 * 34, 144, 5 * 2};
    for (size_t tensor_idx = 0; tensor_idx < 4; ++tensor_idx) {
        const Bytes data(sizes[tensor_idx], static_cast<uint8_t>(0x11 * (tensor_idx + 1)));
        EXPECT_TRUE(writer.write_tensor_data(data.data(), data.size()).ok());
    }
    EXPECT_TRUE(writer.finish().ok());
    return read_bytes(path);
}

void add_structural_cases(const Bytes& base, std::vector<MalformedCase>& cases) {
    const FieldMap map = map_fields(base);
    ASSERT_EQ(map.tensors.size(), 4u);
    auto add = [&](std::string label, Bytes bytes, bool must_fail) {
        cases.push_back({std::move(label), std::move(bytes), must_fail});
    };

    // Truncations: every byte of the header, then every 8 bytes of the data.
    for (size_t length = 0; length < base.size(); length += length < map.header_end + 8 ? 1 : 8) {
        add("truncated to " + std::to_string(length), Bytes(base.begin(), base.begin() + length),
            length < map.data_end);
    }

    // Magic and version.
    for (const char* magic : {"GGUG", "gguf", "GGML", "\0\0\0\0"}) {
        Bytes bytes = base;
        std::memcpy(bytes.data(), magic, 4);
        add(std::string("magic ") + magic, bytes, true);
    }
    for (const uint32_t version : {0u, 1u, 4u, 0x03000000u, 0xffffffffu}) {
        add("version " + std::to_string(version), with_value<uint32_t>(base, 4, version), true);
    }

    // Counts of tensors and key/values.
    const uint64_t n_tensors = value_at<uint64_t>(base, 8);
    const uint64_t n_kv = value_at<uint64_t>(base, 16);
    for (const uint64_t huge : kHuge) {
        add("n_tensors " + std::to_string(huge), with_value(base, 8, huge), true);
        add("n_kv " + std::to_string(huge), with_value(base, 16, huge), true);
    }
    for (const uint64_t delta : {1ULL, 2ULL, 1000ULL}) {
        add("n_tensors +" + std::to_string(delta), with_value(base, 8, n_tensors + delta), false);
        add("n_kv +" + std::to_string(delta), with_value(base, 16, n_kv + delta), false);
    }
    add("n_tensors 0", with_value<uint64_t>(base, 8, 0), false);
    add("n_kv 0", with_value<uint64_t>(base, 16, 0), false);

    for (const FieldMap::Kv& kv : map.kvs) {
        for (const uint64_t huge : kHuge) {
            add(kv.key + " key length " + std::to_string(huge),
                with_value(base, kv.key_length_at, huge), true);
        }
        add(kv.key + " key length past EOF",
            with_value<uint64_t>(base, kv.key_length_at, base.size()), true);
        for (const uint32_t type : {13u, 100u, 0xffffffffu}) {
            add(kv.key + " value type " + std::to_string(type), with_value(base, kv.type_at, type),
                true);
        }
        if (kv.type == GgufValueType::STRING) {
            for (const uint64_t huge : kHuge) {
                add(kv.key + " string length " + std::to_string(huge),
                    with_value(base, kv.value_at, huge), true);
            }
        }
        if (kv.type == GgufValueType::ARRAY) {
            const size_t count_at = kv.value_at + 4;
            for (const uint64_t huge : kHuge) {
                add(kv.key + " array count " + std::to_string(huge),
                    with_value(base, count_at, huge), true);
            }
            add(kv.key + " array count +1",
                with_value(base, count_at, value_at<uint64_t>(base, count_at) + 1), false);
            add(kv.key + " nested array", with_value<uint32_t>(base, kv.value_at, 9), true);
            add(kv.key + " array element type 13", with_value<uint32_t>(base, kv.value_at, 13),
                true);
            if (kv.array_type == GgufValueType::STRING) {
                for (const uint64_t huge : kHuge) {
                    add(kv.key + " element length " + std::to_string(huge),
                        with_value(base, count_at + 8, huge), true);
                }
            }
        }
        if (kv.key == "general.alignment") {
            // Invalid values, and powers of two that push the data section past the end.
            for (const uint32_t alignment : {0u, 3u, 48u, 1u << 20, 1u << 31, 0xffffffffu}) {
                add("alignment " + std::to_string(alignment),
                    with_value(base, kv.value_at, alignment), true);
            }
            for (const uint32_t alignment : {1u, 8u, 16u, 64u}) {
                add("alignment " + std::to_string(alignment),
                    with_value(base, kv.value_at, alignment), false);
            }
            add("alignment as i32", with_value<uint32_t>(base, kv.type_at, 5), true);
            add("alignment as f32", with_value<uint32_t>(base, kv.type_at, 6), true);
        }
    }

    // Duplicates: same-length names overwritten in place.
    {
        const FieldMap::Kv* k1 = nullptr;
        const FieldMap::Kv* k2 = nullptr;
        for (const FieldMap::Kv& kv : map.kvs) {
            if (kv.key == "dup.k1") k1 = &kv;
            if (kv.key == "dup.k2") k2 = &kv;
        }
        ASSERT_TRUE(k1 != nullptr && k2 != nullptr);
        Bytes bytes = base;
        std::memcpy(bytes.data() + k2->key_length_at + 8, "dup.k1", 6);
        add("duplicate key", bytes, true);
        bytes = base;
        std::memcpy(bytes.data() + map.tensors[1].name_length_at + 8, "t.a", 3);
        add("duplicate tensor name", bytes, true);
        // A key that is not UTF-8 is acceptable; it must simply not crash anything.
        bytes = base;
        std::memcpy(bytes.data() + k1->key_length_at + 8, "\xff\xfe\xc3(\x80\x01", 6);
        add("key not UTF-8", bytes, false);
        // Control bytes in a name quoted by an error must not break the one-line message.
        bytes = with_value<uint64_t>(base, map.tensors[0].offset_at, 1);
        std::memcpy(bytes.data() + map.tensors[0].name_length_at + 8, "\n\r\x01", 3);
        add("tensor name with newline, misaligned", bytes, true);
    }

    for (const FieldMap::Tensor& tensor : map.tensors) {
        const std::string prefix = "tensor " + tensor.name + " ";
        for (const uint64_t huge : kHuge) {
            add(prefix + "name length " + std::to_string(huge),
                with_value(base, tensor.name_length_at, huge), true);
        }
        for (const uint32_t n_dims : {0u, 5u, 0xffffffffu}) {
            add(prefix + "n_dims " + std::to_string(n_dims),
                with_value(base, tensor.n_dims_at, n_dims), true);
        }
        for (const uint64_t ne : {0ULL, 0xffffffffffffffffULL, 1ULL << 63, 1ULL << 62, 1ULL << 40,
                                  (1ULL << 32) * 256}) {
            add(prefix + "ne[0] " + std::to_string(ne), with_value(base, tensor.ne_at, ne), true);
            if (tensor.n_dims > 1) {
                add(prefix + "ne[1] " + std::to_string(ne), with_value(base, tensor.ne_at + 8, ne),
                    true);
            }
        }
        for (const uint32_t type : {4u, 1000u, 0xffffffffu}) {
            add(prefix + "type " + std::to_string(type), with_value(base, tensor.type_at, type),
                true);
        }
        const uint64_t file_size = base.size();
        const std::vector<uint64_t> bad_offsets = {
            file_size,
            tensor.offset + 1,
            tensor.offset + 16,
            UINT64_C(1) << 63,
            kHuge[1],
            UINT64_C(0xffffffffffffffe0),  // aligned; start + size wraps
            tensor.offset + 1024,
        };
        for (const uint64_t offset : bad_offsets) {
            add(prefix + "offset " + std::to_string(offset),
                with_value(base, tensor.offset_at, offset), true);
        }
    }
    // Quantized row lengths that are not whole blocks.
    add("q8_0 row of 33", with_value<uint64_t>(base, map.tensors[1].ne_at, 33), true);
    add("q4_K row of 255", with_value<uint64_t>(base, map.tensors[2].ne_at, 255), true);
    // A larger type makes the last tensor run past the end.
    add("t.d becomes f32 x64", with_value<uint64_t>(base, map.tensors[3].ne_at, 64), true);

    // Random byte flips: mostly in the header, where they change structure.
    std::mt19937 rng(20240601);
    for (int flip_idx = 0; flip_idx < 160; ++flip_idx) {
        const size_t limit = flip_idx < 130 ? map.header_end : base.size();
        const size_t pos = rng() % limit;
        Bytes bytes = base;
        bytes[pos] ^= static_cast<uint8_t>(1 + rng() % 255);
        add("flip at " + std::to_string(pos), bytes, false);
    }
}

void add_vocab_cases(const Bytes& vocab, std::vector<MalformedCase>& cases) {
    const FieldMap map = map_fields(vocab);
    ASSERT_GT(map.kvs.size(), 10u);
    auto add = [&](std::string label, Bytes bytes, bool must_fail) {
        cases.push_back({"vocab " + std::move(label), std::move(bytes), must_fail});
    };
    // A vocab-only file ends with its last value: any truncation cuts a value.
    std::mt19937 rng(7);
    for (int cut_idx = 0; cut_idx < 30; ++cut_idx) {
        const size_t length =
            cut_idx < 10 ? static_cast<size_t>(cut_idx) * 97 : rng() % vocab.size();
        add("truncated to " + std::to_string(length), Bytes(vocab.begin(), vocab.begin() + length),
            true);
    }
    for (const FieldMap::Kv& kv : map.kvs) {
        if (kv.type != GgufValueType::ARRAY) continue;
        const size_t count_at = kv.value_at + 4;
        add(kv.key + " count 2^63-1", with_value(vocab, count_at, kHuge[0]), true);
        add(kv.key + " count 2^32", with_value(vocab, count_at, kHuge[2]), true);
        if (kv.array_type == GgufValueType::STRING) {
            add(kv.key + " first length 2^64-1", with_value(vocab, count_at + 8, kHuge[1]), true);
        }
    }
    for (int flip_idx = 0; flip_idx < 40; ++flip_idx) {
        const size_t pos = flip_idx < 30 ? rng() % 2048 : rng() % vocab.size();
        Bytes bytes = vocab;
        bytes[pos] ^= static_cast<uint8_t>(1 + rng() % 255);
        add("flip at " + std::to_string(pos), bytes, false);
    }
}

bool inside(const GgufFile& file, const void* p, uint64_t n_bytes) {
    const auto* begin = file.file_data();
    const auto* ptr = static_cast<const uint8_t*>(p);
    if (ptr < begin || ptr > begin + file.file_size()) return false;
    return n_bytes <= static_cast<uint64_t>(begin + file.file_size() - ptr);
}

// An accepted file must keep every view it hands out inside the file; touching the bytes
// makes a view that escaped the mapping crash the test rather than pass silently.
void expect_views_inside(const GgufFile& file, const std::string& label) {
    uint64_t checksum = 0;
    for (const GgufKeyValue& kv : file.metadata()) {
        EXPECT_TRUE(inside(file, kv.key.data(), kv.key.size())) << label;
        const GgufValue& v = kv.value;
        if (v.type == GgufValueType::STRING) {
            EXPECT_TRUE(inside(file, v.str.data(), v.str.size())) << label;
        }
        if (v.type != GgufValueType::ARRAY) continue;
        if (v.array_type == GgufValueType::STRING) {
            EXPECT_EQ(v.array_strings.size(), v.array_count) << label;
            for (const std::string_view s : v.array_strings) {
                EXPECT_TRUE(inside(file, s.data(), s.size())) << label;
                for (const char c : s) checksum += static_cast<uint8_t>(c);
            }
        } else {
            const uint64_t n_bytes = v.array_count * gguf_value_type_size(v.array_type);
            EXPECT_TRUE(inside(file, v.array_data, n_bytes)) << label;
            for (uint64_t idx = 0; idx < v.array_count; ++idx) checksum += v.array_i64(idx);
        }
    }
    EXPECT_LE(file.data_offset(), file.file_size()) << label;
    for (const GgufTensorInfo& info : file.tensors()) {
        EXPECT_EQ(info.offset % file.alignment(), 0u) << label;
        EXPECT_GT(info.n_elements(), 0) << label;
        const uint8_t* data = file.tensor_data(info);
        ASSERT_TRUE(inside(file, data, info.n_bytes)) << label << ": tensor " << info.name;
        for (uint64_t idx = 0; idx < info.n_bytes; ++idx) checksum += data[idx];
    }
    (void)checksum;
}

void expect_one_line_error(const Error& error, const std::string& path, const std::string& label) {
    EXPECT_FALSE(error.message.empty()) << label;
    EXPECT_EQ(error.message.find('\n'), std::string::npos) << label << ": " << error.message;
    EXPECT_EQ(error.message.find('\r'), std::string::npos) << label << ": " << error.message;
    EXPECT_EQ(error.message.rfind(path + ": ", 0), 0u) << label << ": " << error.message;
}

TEST(GgufMalformed, EveryMalformedFileIsRefusedWithOneLineOrReadSafely) {
    const std::string dir = test::make_temp_dir("gguf_malformed");
    std::vector<MalformedCase> cases;
    const Bytes base = make_base_file(dir);
    ASSERT_GT(base.size(), 300u);
    add_structural_cases(base, cases);
    const Bytes vocab =
        read_bytes(test::shared_dir() + "/testdata/vocab/ggml-vocab-llama-spm.gguf");
    ASSERT_GT(vocab.size(), 700000u);
    add_vocab_cases(vocab, cases);

    size_t n_refused = 0;
    size_t n_accepted = 0;
    const std::string path = dir + "/case.gguf";
    for (const MalformedCase& c : cases) {
        write_bytes(path, c.bytes);
        auto file = GgufFile::open(path);
        if (!file.ok()) {
            ++n_refused;
            expect_one_line_error(file.error(), path, c.label);
            continue;
        }
        ++n_accepted;
        EXPECT_FALSE(c.must_fail) << c.label << " was accepted";
        expect_views_inside(**file, c.label);
    }
    std::printf("[ info     ] %zu malformed cases: %zu refused, %zu accepted (harmless flips)\n",
                cases.size(), n_refused, n_accepted);
    EXPECT_GE(cases.size(), 200u);
    EXPECT_GE(n_refused, 200u);
}

TEST(GgufMalformed, SpecificFaultsGetSpecificMessages) {
    const std::string dir = test::make_temp_dir("gguf_malformed_messages");
    const Bytes base = make_base_file(dir);
    const FieldMap map = map_fields(base);
    ASSERT_EQ(map.tensors.size(), 4u);
    auto message_for = [&](const Bytes& bytes) -> std::string {
        auto file = GgufFile::from_memory(bytes.data(), bytes.size());
        return file.ok() ? "(accepted)" : file.error().message;
    };
    auto expect_contains = [](const std::string& message, const std::string& needle) {
        EXPECT_NE(message.find(needle), std::string::npos) << message;
    };
    expect_contains(message_for(with_value<uint32_t>(base, 4, 1)), "version 1");
    expect_contains(message_for(with_value<uint32_t>(base, 0, 0)), "bad magic");
    expect_contains(message_for(with_value<uint32_t>(base, map.tensors[0].type_at, 1000)),
                    "unsupported tensor type id 1000");
    expect_contains(message_for(with_value<uint32_t>(base, map.tensors[0].n_dims_at, 5)),
                    "n_dims 5");
    const std::string past_end = message_for(
        with_value<uint64_t>(base, map.tensors[3].offset_at, map.tensors[3].offset + 1024));
    expect_contains(past_end, "tensor 't.d' data [");
    expect_contains(past_end,
                    "extends past end of file (" + std::to_string(base.size()) + " bytes)");
    expect_contains(message_for(with_value<uint64_t>(base, map.tensors[0].offset_at, 1)),
                    "not a multiple of the alignment 32");
    expect_contains(message_for(with_value<uint64_t>(base, 16, kHuge[0])), "metadata count");
    expect_contains(message_for(Bytes(base.begin(), base.begin() + 10)), "truncated");
    const Bytes bad_key_len = with_value<uint64_t>(base, map.kvs[0].key_length_at, kHuge[1]);
    expect_contains(message_for(bad_key_len), "metadata key #0");
}

struct CommandResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

CommandResult run_inspect(const std::string& file, bool as_json, const std::string& work_dir) {
    const std::string binary = test::binary_dir() + "/souverain";
    EXPECT_TRUE(std::filesystem::exists(binary)) << binary << " is missing: build target souverain";
    const std::string out_path = work_dir + "/stdout.txt";
    const std::string err_path = work_dir + "/stderr.txt";
    // Single quotes for /bin/sh: the test paths hold none.
    std::string command = "'";
    command += binary;
    command += as_json ? "' inspect --json '" : "' inspect '";
    command += file;
    command += "' >'";
    command += out_path;
    command += "' 2>'";
    command += err_path;
    command += "'";
    const int status = std::system(command.c_str());
    CommandResult result;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.out = read_text(out_path);
    result.err = read_text(err_path);
    return result;
}

TEST(GgufMalformed, InspectReportsMalformedFilesInOneStderrLineAndExitsOne) {
    const std::string dir = test::make_temp_dir("gguf_malformed_inspect");
    const Bytes base = make_base_file(dir);
    const FieldMap map = map_fields(base);
    ASSERT_EQ(map.tensors.size(), 4u);
    const std::vector<std::pair<std::string, Bytes>> files = {
        {"truncated", Bytes(base.begin(), base.begin() + 50)},
        {"magic", with_value<uint32_t>(base, 0, 0x12345678)},
        {"n_kv", with_value<uint64_t>(base, 16, kHuge[0])},
        {"type", with_value<uint32_t>(base, map.tensors[1].type_at, 0xffffffffu)},
        {"past_end", with_value<uint64_t>(base, map.tensors[3].offset_at, 1ULL << 40)},
        {"nested", with_value<uint32_t>(base, map.kvs[4].value_at, 9)},
        {"newline_name",
         [&] {
             Bytes bytes = with_value<uint64_t>(base, map.tensors[0].ne_at, 0);
             std::memcpy(bytes.data() + map.tensors[0].name_length_at + 8, "a\nb", 3);
             return bytes;
         }()},
    };
    for (const auto& [name, bytes] : files) {
        const std::string path = dir + "/" + name + ".gguf";
        write_bytes(path, bytes);
        for (const bool as_json : {false, true}) {
            const CommandResult result = run_inspect(path, as_json, dir);
            EXPECT_EQ(result.exit_code, 1) << name;
            EXPECT_EQ(result.out, "") << name;
            EXPECT_EQ(result.err.rfind("error: " + path + ": ", 0), 0u)
                << name << ": " << result.err;
            ASSERT_FALSE(result.err.empty()) << name;
            EXPECT_EQ(result.err.find('\n'), result.err.size() - 1) << name << ": " << result.err;
        }
    }
    const CommandResult missing = run_inspect(dir + "/absent.gguf", false, dir);
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_EQ(missing.err.find('\n'), missing.err.size() - 1) << missing.err;

    // Keys that are not UTF-8 are printed (escaped or replaced) without failing.
    Bytes odd_key = base;
    std::memcpy(odd_key.data() + map.kvs[2].key_length_at + 8, "\xff\n\xc3(\x80\x01", 6);
    const std::string odd_path = dir + "/odd_key.gguf";
    write_bytes(odd_path, odd_key);
    for (const bool as_json : {false, true}) {
        const CommandResult result = run_inspect(odd_path, as_json, dir);
        EXPECT_EQ(result.exit_code, 0) << result.err;
        EXPECT_NE(result.out.find("t.d"), std::string::npos) << result.out;
    }
}

}  // namespace
}  // namespace souverain
