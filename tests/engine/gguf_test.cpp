// GGUF reader and writer: round trips of every value type and several tensor types, writer
// contracts (alignment, atomic finish, shape checks), the real vocab files, and `inspect`.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "../test_paths.h"
#include "engine/gguf.h"
#include "engine/gguf_writer.h"

namespace souverain {
namespace {

std::string vocab_path(const std::string& name) {
    return test::shared_dir() + "/testdata/vocab/" + name;
}

std::vector<uint8_t> read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    std::vector<uint8_t> bytes(in ? static_cast<size_t>(in.tellg()) : 0);
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

// Deterministic, tensor-specific bytes so a swapped or shifted tensor is noticed.
std::vector<uint8_t> pattern_bytes(size_t n, uint32_t seed) {
    std::vector<uint8_t> out(n);
    uint32_t state = seed * 2654435761u + 1;
    for (uint8_t& byte : out) {
        state = state * 1664525u + 1013904223u;
        byte = static_cast<uint8_t>(state >> 24);
    }
    return out;
}

struct TensorSpec {
    std::string name;
    TensorType type;
    std::vector<int64_t> ne;
    size_t n_bytes;
};

// Shapes chosen so several sizes are not multiples of the alignment (padding is exercised).
std::vector<TensorSpec> sample_tensors() {
    return {
        {"f32.weight", TensorType::F32, {8, 3}, 8 * 3 * 4},
        {"f16.weight", TensorType::F16, {17}, 17 * 2},
        {"q8_0.weight", TensorType::Q8_0, {64, 2}, 2 * 2 * 34},
        {"q4_0.weight", TensorType::Q4_0, {32, 3}, 3 * 18},
        {"q4_k.weight", TensorType::Q4_K, {256, 1, 2}, 2 * 144},
        {"bf16.weight", TensorType::BF16, {4, 2, 2, 2}, 32 * 2},
        {"q6_k.weight", TensorType::Q6_K, {512}, 2 * 210},
    };
}

Status write_sample_tensors(GgufWriter& writer, const std::string& path,
                            const std::vector<TensorSpec>& specs) {
    for (const TensorSpec& spec : specs) {
        SOUVERAIN_TRY(writer.add_tensor(spec.name, spec.type, spec.ne));
    }
    SOUVERAIN_TRY(writer.begin(path));
    for (size_t tensor_idx = 0; tensor_idx < specs.size(); ++tensor_idx) {
        const std::vector<uint8_t> bytes =
            pattern_bytes(specs[tensor_idx].n_bytes, static_cast<uint32_t>(tensor_idx));
        SOUVERAIN_TRY(writer.write_tensor_data(bytes.data(), bytes.size()));
    }
    return writer.finish();
}

std::unique_ptr<GgufFile> open_or_fail(const std::string& path) {
    auto file = GgufFile::open(path);
    EXPECT_TRUE(file.ok()) << (file.ok() ? "" : file.error().message);
    return file.ok() ? std::move(file).value() : nullptr;
}

TEST(GgufRoundTrip, EveryValueTypeAndSeveralTensorTypesSurviveWriteAndRead) {
    const std::string dir = test::make_temp_dir("gguf_round_trip");
    const std::string path = dir + "/model.gguf";
    const std::vector<TensorSpec> specs = sample_tensors();

    GgufWriter writer;
    writer.set_u8("v.u8", 250);
    writer.set_i8("v.i8", -128);
    writer.set_u16("v.u16", 65535);
    writer.set_i16("v.i16", -32768);
    writer.set_u32("v.u32", 4000000000u);
    writer.set_i32("v.i32", -2000000000);
    writer.set_u64("v.u64", std::numeric_limits<uint64_t>::max());
    writer.set_i64("v.i64", std::numeric_limits<int64_t>::min());
    writer.set_f32("v.f32", 1.5e-7f);
    writer.set_f64("v.f64", -2.25e300);
    writer.set_bool("v.bool_true", true);
    writer.set_bool("v.bool_false", false);
    writer.set_string("v.string", std::string_view("caf\xc3\xa9 \0 end", 11));
    writer.set_string("v.empty_string", "");
    writer.set_string_array("a.string", {"<unk>", "", "\xe2\x96\x81the"});
    writer.set_f32_array("a.f32", {0.0f, -1.25f, 3.0e30f});
    writer.set_i32_array("a.i32", {-7, 0, 2147483647});
    const std::vector<uint8_t> u8s = {1, 2, 255};
    writer.set_array("a.u8", GgufValueType::UINT8, u8s.data(), u8s.size());
    const std::vector<uint64_t> u64s = {0, std::numeric_limits<uint64_t>::max()};
    writer.set_array("a.u64", GgufValueType::UINT64, u64s.data(), u64s.size());
    const std::vector<int16_t> i16s = {-300, 300};
    writer.set_array("a.i16", GgufValueType::INT16, i16s.data(), i16s.size());
    const std::vector<double> f64s = {0.5, -1e-300};
    writer.set_array("a.f64", GgufValueType::FLOAT64, f64s.data(), f64s.size());
    const std::vector<uint8_t> bools = {1, 0, 1};
    writer.set_array("a.bool", GgufValueType::BOOL, bools.data(), bools.size());
    writer.set_i32_array("a.empty", {});
    ASSERT_TRUE(write_sample_tensors(writer, path, specs).ok());
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));

    auto file = open_or_fail(path);
    ASSERT_NE(file, nullptr);
    EXPECT_EQ(file->version(), 3u);
    EXPECT_EQ(file->metadata().size(), 23u);
    EXPECT_EQ(file->metadata()[0].key, "v.u8");
    EXPECT_EQ(file->metadata()[22].key, "a.empty");

    EXPECT_EQ(file->find("v.u8")->type, GgufValueType::UINT8);
    EXPECT_EQ(file->get_int("v.u8"), 250);
    EXPECT_EQ(file->find("v.i8")->type, GgufValueType::INT8);
    EXPECT_EQ(file->get_int("v.i8"), -128);
    EXPECT_EQ(file->find("v.u16")->type, GgufValueType::UINT16);
    EXPECT_EQ(file->get_int("v.u16"), 65535);
    EXPECT_EQ(file->find("v.i16")->type, GgufValueType::INT16);
    EXPECT_EQ(file->get_int("v.i16"), -32768);
    EXPECT_EQ(file->find("v.u32")->type, GgufValueType::UINT32);
    EXPECT_EQ(file->get_int("v.u32"), 4000000000LL);
    EXPECT_EQ(file->find("v.i32")->type, GgufValueType::INT32);
    EXPECT_EQ(file->get_int("v.i32"), -2000000000);
    EXPECT_EQ(file->find("v.u64")->type, GgufValueType::UINT64);
    EXPECT_EQ(file->find("v.u64")->u64, std::numeric_limits<uint64_t>::max());
    EXPECT_EQ(file->find("v.i64")->type, GgufValueType::INT64);
    EXPECT_EQ(file->get_int("v.i64"), std::numeric_limits<int64_t>::min());
    EXPECT_EQ(file->find("v.f32")->type, GgufValueType::FLOAT32);
    EXPECT_EQ(static_cast<float>(*file->get_float("v.f32")), 1.5e-7f);
    EXPECT_EQ(file->find("v.f64")->type, GgufValueType::FLOAT64);
    EXPECT_EQ(file->get_float("v.f64"), -2.25e300);
    EXPECT_EQ(file->get_bool("v.bool_true"), true);
    EXPECT_EQ(file->get_bool("v.bool_false"), false);
    EXPECT_EQ(file->get_string("v.string"), std::string_view("caf\xc3\xa9 \0 end", 11));
    EXPECT_EQ(file->get_string("v.empty_string"), "");

    const GgufValue* strings = file->get_array("a.string");
    ASSERT_NE(strings, nullptr);
    EXPECT_EQ(strings->array_type, GgufValueType::STRING);
    ASSERT_EQ(strings->array_count, 3u);
    ASSERT_EQ(strings->array_strings.size(), 3u);
    EXPECT_EQ(strings->array_strings[0], "<unk>");
    EXPECT_EQ(strings->array_strings[1], "");
    EXPECT_EQ(strings->array_strings[2], "\xe2\x96\x81the");

    const GgufValue* f32s = file->get_array("a.f32");
    ASSERT_NE(f32s, nullptr);
    EXPECT_EQ(f32s->array_type, GgufValueType::FLOAT32);
    ASSERT_EQ(f32s->array_count, 3u);
    EXPECT_EQ(f32s->array_f64(1), -1.25);
    EXPECT_EQ(static_cast<float>(f32s->array_f64(2)), 3.0e30f);

    const GgufValue* i32s = file->get_array("a.i32");
    ASSERT_NE(i32s, nullptr);
    EXPECT_EQ(i32s->array_type, GgufValueType::INT32);
    EXPECT_EQ(i32s->array_i64(0), -7);
    EXPECT_EQ(i32s->array_i64(2), 2147483647);

    const GgufValue* u8_array = file->get_array("a.u8");
    ASSERT_NE(u8_array, nullptr);
    EXPECT_EQ(u8_array->array_type, GgufValueType::UINT8);
    EXPECT_EQ(u8_array->array_i64(2), 255);
    const GgufValue* u64_array = file->get_array("a.u64");
    ASSERT_NE(u64_array, nullptr);
    EXPECT_EQ(static_cast<uint64_t>(u64_array->array_i64(1)), std::numeric_limits<uint64_t>::max());
    const GgufValue* i16_array = file->get_array("a.i16");
    ASSERT_NE(i16_array, nullptr);
    EXPECT_EQ(i16_array->array_i64(0), -300);
    const GgufValue* f64_array = file->get_array("a.f64");
    ASSERT_NE(f64_array, nullptr);
    EXPECT_EQ(f64_array->array_f64(1), -1e-300);
    const GgufValue* bool_array = file->get_array("a.bool");
    ASSERT_NE(bool_array, nullptr);
    EXPECT_EQ(bool_array->array_type, GgufValueType::BOOL);
    EXPECT_EQ(bool_array->array_i64(0), 1);
    EXPECT_EQ(bool_array->array_i64(1), 0);
    const GgufValue* empty = file->get_array("a.empty");
    ASSERT_NE(empty, nullptr);
    EXPECT_EQ(empty->array_count, 0u);

    EXPECT_EQ(file->alignment(), 32u);
    EXPECT_EQ(file->data_offset() % 32, 0u);
    ASSERT_EQ(file->tensors().size(), specs.size());
    for (size_t tensor_idx = 0; tensor_idx < specs.size(); ++tensor_idx) {
        const TensorSpec& spec = specs[tensor_idx];
        const GgufTensorInfo* info = file->find_tensor(spec.name);
        ASSERT_NE(info, nullptr) << spec.name;
        EXPECT_EQ(info, &file->tensors()[tensor_idx]) << "declaration order is kept";
        EXPECT_EQ(info->type, spec.type);
        ASSERT_EQ(info->n_dims, spec.ne.size());
        int64_t n_elements = 1;
        for (size_t dim_idx = 0; dim_idx < 4; ++dim_idx) {
            const int64_t expected = dim_idx < spec.ne.size() ? spec.ne[dim_idx] : 1;
            EXPECT_EQ(info->ne[dim_idx], expected) << spec.name << " dim " << dim_idx;
            n_elements *= expected;
        }
        EXPECT_EQ(info->n_elements(), n_elements);
        EXPECT_EQ(info->n_bytes, spec.n_bytes) << spec.name;
        EXPECT_EQ(info->offset % 32, 0u) << spec.name;
        const std::vector<uint8_t> expected =
            pattern_bytes(spec.n_bytes, static_cast<uint32_t>(tensor_idx));
        EXPECT_EQ(std::memcmp(file->tensor_data(*info), expected.data(), expected.size()), 0)
            << spec.name;
    }
    EXPECT_EQ(file->find_tensor("missing"), nullptr);
    // The writer pads after every tensor, so the file ends on the alignment too.
    EXPECT_EQ(file->file_size() % 32, 0u);
}

TEST(GgufWriter, KeySetTwiceKeepsLastValueAtItsFirstPosition) {
    const std::string path = test::make_temp_dir("gguf_key_twice") + "/twice.gguf";
    GgufWriter writer;
    writer.set_u32("first", 1);
    writer.set_string("second", "x");
    writer.set_u32("first", 2);
    ASSERT_TRUE(writer.begin(path).ok());
    ASSERT_TRUE(writer.finish().ok());
    auto file = open_or_fail(path);
    ASSERT_NE(file, nullptr);
    ASSERT_EQ(file->metadata().size(), 2u);
    EXPECT_EQ(file->metadata()[0].key, "first");
    EXPECT_EQ(file->get_int("first"), 2);
    EXPECT_EQ(file->tensors().size(), 0u);
}

TEST(GgufWriter, CustomAlignmentPlacesEveryTensorOnItsMultiple) {
    const std::string path = test::make_temp_dir("gguf_align64") + "/aligned.gguf";
    GgufWriter writer;
    writer.set_u32("general.alignment", 64);
    ASSERT_TRUE(write_sample_tensors(writer, path, sample_tensors()).ok());
    auto file = open_or_fail(path);
    ASSERT_NE(file, nullptr);
    EXPECT_EQ(file->alignment(), 64u);
    EXPECT_EQ(file->data_offset() % 64, 0u);
    for (const GgufTensorInfo& info : file->tensors()) EXPECT_EQ(info.offset % 64, 0u) << info.name;
}

TEST(GgufWriter, InvalidAlignmentIsRejectedAtBegin) {
    const std::string path = test::make_temp_dir("gguf_bad_align") + "/bad.gguf";
    for (const uint32_t alignment : {0u, 3u, 48u}) {
        GgufWriter writer;
        writer.set_u32("general.alignment", alignment);
        EXPECT_FALSE(writer.begin(path).ok()) << alignment;
    }
    GgufWriter wrong_type;
    wrong_type.set_u64("general.alignment", 32);
    EXPECT_FALSE(wrong_type.begin(path).ok());
    EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(GgufWriter, ShapesThatDoNotFitTheTypeAreRejected) {
    GgufWriter writer;
    EXPECT_FALSE(writer.add_tensor("q4", TensorType::Q4_K, {255}).ok());  // not whole blocks
    EXPECT_FALSE(writer.add_tensor("q8", TensorType::Q8_0, {48, 2}).ok());
    EXPECT_FALSE(writer.add_tensor("zero", TensorType::F32, {4, 0}).ok());
    EXPECT_FALSE(writer.add_tensor("negative", TensorType::F32, {-4}).ok());
    EXPECT_FALSE(writer.add_tensor("none", TensorType::F32, {}).ok());
    EXPECT_FALSE(writer.add_tensor("five", TensorType::F32, {1, 1, 1, 1, 1}).ok());
    EXPECT_FALSE(writer.add_tensor("unknown", static_cast<TensorType>(1000), {4}).ok());
    EXPECT_TRUE(writer.add_tensor("ok", TensorType::F32, {4}).ok());
    const Status duplicate = writer.add_tensor("ok", TensorType::F16, {8});
    ASSERT_FALSE(duplicate.ok());
    EXPECT_NE(duplicate.error().message.find("duplicate"), std::string::npos);
}

TEST(GgufWriter, WrongDataSizeAndMissingTensorsAreErrorsAndLeaveNoFile) {
    const std::string dir = test::make_temp_dir("gguf_writer_errors");
    const std::string path = dir + "/partial.gguf";
    {
        GgufWriter writer;
        ASSERT_TRUE(writer.add_tensor("a", TensorType::F32, {4}).ok());
        ASSERT_TRUE(writer.add_tensor("b", TensorType::F32, {2}).ok());
        ASSERT_TRUE(writer.begin(path).ok());
        EXPECT_TRUE(std::filesystem::exists(path + ".tmp"));
        const std::vector<float> data(4, 1.0f);
        EXPECT_FALSE(writer.write_tensor_data(data.data(), 12).ok());
        ASSERT_TRUE(writer.write_tensor_data(data.data(), 16).ok());
        const Status early = writer.finish();
        ASSERT_FALSE(early.ok());
        EXPECT_NE(early.error().message.find("1 of 2"), std::string::npos) << early.error().message;
        EXPECT_FALSE(std::filesystem::exists(path));
    }
    // The destructor removed the temporary file of the unfinished write.
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
    EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(GgufWriter, ExtraTensorDataIsAnError) {
    const std::string path = test::make_temp_dir("gguf_writer_extra") + "/extra.gguf";
    GgufWriter writer;
    ASSERT_TRUE(writer.add_tensor("a", TensorType::F32, {1}).ok());
    ASSERT_TRUE(writer.begin(path).ok());
    const float one = 1.0f;
    ASSERT_TRUE(writer.write_tensor_data(&one, 4).ok());
    EXPECT_FALSE(writer.write_tensor_data(&one, 4).ok());
    ASSERT_TRUE(writer.finish().ok());
    auto file = open_or_fail(path);
    ASSERT_NE(file, nullptr);
    ASSERT_EQ(file->tensors().size(), 1u);
    float read_back = 0.0f;
    std::memcpy(&read_back, file->tensor_data(file->tensors()[0]), 4);
    EXPECT_EQ(read_back, 1.0f);
}

TEST(GgufWriter, CopyValueReproducesEveryKeyOfARealVocabFile) {
    auto source = open_or_fail(vocab_path("ggml-vocab-llama-spm.gguf"));
    ASSERT_NE(source, nullptr);
    const std::string path = test::make_temp_dir("gguf_copy_value") + "/copy.gguf";
    GgufWriter writer;
    for (const GgufKeyValue& kv : source->metadata()) writer.copy_value(kv.key, kv.value);
    ASSERT_TRUE(writer.begin(path).ok());
    ASSERT_TRUE(writer.finish().ok());

    auto copy = open_or_fail(path);
    ASSERT_NE(copy, nullptr);
    ASSERT_EQ(copy->metadata().size(), source->metadata().size());
    for (size_t kv_idx = 0; kv_idx < source->metadata().size(); ++kv_idx) {
        const GgufKeyValue& want = source->metadata()[kv_idx];
        const GgufKeyValue& got = copy->metadata()[kv_idx];
        ASSERT_EQ(got.key, want.key);
        ASSERT_EQ(got.value.type, want.value.type) << want.key;
        EXPECT_EQ(got.value.u64, want.value.u64) << want.key;
        EXPECT_EQ(got.value.i64, want.value.i64) << want.key;
        EXPECT_EQ(got.value.b, want.value.b) << want.key;
        EXPECT_EQ(got.value.str, want.value.str) << want.key;
        EXPECT_TRUE(got.value.f64 == want.value.f64 ||
                    (std::isnan(got.value.f64) && std::isnan(want.value.f64)))
            << want.key;
        ASSERT_EQ(got.value.array_type, want.value.array_type) << want.key;
        ASSERT_EQ(got.value.array_count, want.value.array_count) << want.key;
        EXPECT_EQ(got.value.array_strings, want.value.array_strings) << want.key;
        if (want.value.array_data != nullptr) {
            const size_t n_bytes =
                want.value.array_count * gguf_value_type_size(want.value.array_type);
            EXPECT_EQ(std::memcmp(got.value.array_data, want.value.array_data, n_bytes), 0)
                << want.key;
        }
    }
}

TEST(GgufVocab, LlamaSpmVocabIsAZeroTensorV3FileWithItsTokenizer) {
    auto file = open_or_fail(vocab_path("ggml-vocab-llama-spm.gguf"));
    ASSERT_NE(file, nullptr);
    EXPECT_EQ(file->version(), 3u);
    EXPECT_EQ(file->tensors().size(), 0u);
    EXPECT_EQ(file->metadata().size(), 22u);
    EXPECT_LE(file->data_offset(), file->file_size());
    EXPECT_EQ(file->get_string("general.architecture"), "llama");
    EXPECT_EQ(file->get_string("tokenizer.ggml.model"), "llama");
    EXPECT_EQ(file->get_int("llama.block_count"), 32);
    EXPECT_EQ(file->get_int("llama.embedding_length"), 4096);
    EXPECT_EQ(file->get_int("tokenizer.ggml.bos_token_id"), 1);
    EXPECT_EQ(file->get_int("tokenizer.ggml.eos_token_id"), 2);
    EXPECT_EQ(file->get_int("tokenizer.ggml.unknown_token_id"), 0);
    EXPECT_EQ(file->get_bool("tokenizer.ggml.add_bos_token"), true);
    EXPECT_EQ(file->get_bool("tokenizer.ggml.add_eos_token"), false);

    const GgufValue* tokens = file->get_array("tokenizer.ggml.tokens");
    ASSERT_NE(tokens, nullptr);
    EXPECT_EQ(tokens->array_type, GgufValueType::STRING);
    ASSERT_EQ(tokens->array_strings.size(), 32000u);
    EXPECT_EQ(tokens->array_strings[0], "<unk>");
    EXPECT_EQ(tokens->array_strings[1], "<s>");
    EXPECT_EQ(tokens->array_strings[2], "</s>");
    EXPECT_EQ(tokens->array_strings[3], "<0x00>");
    const GgufValue* scores = file->get_array("tokenizer.ggml.scores");
    ASSERT_NE(scores, nullptr);
    EXPECT_EQ(scores->array_type, GgufValueType::FLOAT32);
    EXPECT_EQ(scores->array_count, 32000u);
    const GgufValue* token_types = file->get_array("tokenizer.ggml.token_type");
    ASSERT_NE(token_types, nullptr);
    EXPECT_EQ(token_types->array_type, GgufValueType::INT32);
    EXPECT_EQ(token_types->array_i64(0), 2);  // <unk> is UNKNOWN
    EXPECT_EQ(token_types->array_i64(1), 3);  // <s> is CONTROL
}

TEST(GgufVocab, BertVocabHasWordPieceTokens) {
    auto file = open_or_fail(vocab_path("ggml-vocab-bert-bge.gguf"));
    ASSERT_NE(file, nullptr);
    EXPECT_EQ(file->get_string("tokenizer.ggml.model"), "bert");
    const GgufValue* tokens = file->get_array("tokenizer.ggml.tokens");
    ASSERT_NE(tokens, nullptr);
    EXPECT_EQ(tokens->array_strings.size(), 30522u);
    EXPECT_EQ(tokens->array_strings[100], "[UNK]");
    EXPECT_EQ(file->get_array("tokenizer.ggml.scores"), nullptr);
}

TEST(GgufVocab, LlamaBpeVocabWith400kStringsParsesInMilliseconds) {
    const std::string path = vocab_path("ggml-vocab-llama-bpe.gguf");
    // Warm the page cache so the timing measures parsing, not the disk.
    ASSERT_GT(read_bytes(path).size(), 0u);
    const auto start = std::chrono::steady_clock::now();
    auto file = open_or_fail(path);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_NE(file, nullptr);
    const GgufValue* tokens = file->get_array("tokenizer.ggml.tokens");
    const GgufValue* merges = file->get_array("tokenizer.ggml.merges");
    ASSERT_NE(tokens, nullptr);
    ASSERT_NE(merges, nullptr);
    EXPECT_EQ(tokens->array_strings.size(), 128256u);
    EXPECT_EQ(merges->array_strings.size(), 280147u);
    EXPECT_EQ(tokens->array_strings[128000], "<|begin_of_text|>");
    EXPECT_EQ(file->get_string("tokenizer.ggml.pre"), "llama-bpe");
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
    // Milliseconds in Release; the bound leaves room for sanitizers and a busy machine.
    std::printf("[ info     ] parsed in %lld ms\n", static_cast<long long>(ms));
    EXPECT_LT(ms, 1500) << "parsing took " << ms << " ms";
}

TEST(GgufLookup, TypedGettersRefuseIncompatibleTypes) {
    const std::string path = test::make_temp_dir("gguf_lookup") + "/lookup.gguf";
    GgufWriter writer;
    writer.set_string("s", "text");
    writer.set_u32("u", 7);
    writer.set_u64("big", std::numeric_limits<uint64_t>::max());
    writer.set_f32("f", 0.5f);
    writer.set_bool("b", true);
    writer.set_i32_array("arr", {1, 2});
    ASSERT_TRUE(writer.begin(path).ok());
    ASSERT_TRUE(writer.finish().ok());
    auto file = open_or_fail(path);
    ASSERT_NE(file, nullptr);

    EXPECT_EQ(file->get_int("s"), std::nullopt);
    EXPECT_EQ(file->get_float("s"), std::nullopt);
    EXPECT_EQ(file->get_bool("s"), std::nullopt);
    EXPECT_EQ(file->get_string("u"), std::nullopt);
    EXPECT_EQ(file->get_float("u"), 7.0);           // integers widen to float
    EXPECT_EQ(file->get_int("f"), std::nullopt);    // floats do not narrow to integers
    EXPECT_EQ(file->get_int("big"), std::nullopt);  // not representable as int64
    EXPECT_EQ(file->get_bool("u"), std::nullopt);
    EXPECT_EQ(file->get_bool("b"), true);
    EXPECT_EQ(file->get_array("u"), nullptr);
    EXPECT_EQ(file->get_int("arr"), std::nullopt);
    EXPECT_NE(file->get_array("arr"), nullptr);
    EXPECT_EQ(file->get_string("missing"), std::nullopt);
    EXPECT_EQ(file->find("missing"), nullptr);
}

TEST(GgufOpen, MissingFileIsNotFoundAndNamesThePath) {
    const std::string path = test::make_temp_dir("gguf_missing") + "/absent.gguf";
    auto file = GgufFile::open(path);
    ASSERT_FALSE(file.ok());
    EXPECT_EQ(file.error().code, ErrorCode::NOT_FOUND);
    EXPECT_NE(file.error().message.find(path), std::string::npos) << file.error().message;
}

TEST(GgufOpen, DirectoryAndEmptyFileAreErrors) {
    const std::string dir = test::make_temp_dir("gguf_not_files");
    auto as_dir = GgufFile::open(dir);
    ASSERT_FALSE(as_dir.ok());
    EXPECT_NE(as_dir.error().message.find("not a regular file"), std::string::npos);
    const std::string empty_path = dir + "/empty.gguf";
    std::ofstream(empty_path).close();
    auto empty = GgufFile::open(empty_path);
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(empty.error().code, ErrorCode::FORMAT);
}

TEST(GgufFromMemory, ParsesCallerBytesAndNamesMemoryInErrors) {
    const std::vector<uint8_t> bytes = read_bytes(vocab_path("ggml-vocab-bert-bge.gguf"));
    auto file = GgufFile::from_memory(bytes.data(), bytes.size());
    ASSERT_TRUE(file.ok()) << file.error().message;
    EXPECT_EQ((*file)->file_data(), bytes.data());
    EXPECT_EQ((*file)->get_array("tokenizer.ggml.tokens")->array_count, 30522u);

    auto truncated = GgufFile::from_memory(bytes.data(), 100);
    ASSERT_FALSE(truncated.ok());
    EXPECT_EQ(truncated.error().message.rfind("<memory>: ", 0), 0u) << truncated.error().message;
    auto nothing = GgufFile::from_memory(nullptr, 0);
    EXPECT_FALSE(nothing.ok());
}

// --- `souverain inspect`, driven as a user would ------------------------------------------

struct CommandResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

// Single-quoted for /bin/sh (the test paths hold no single quote).
std::string shell_quoted(const std::string& text) {
    std::string out;
    out += '\'';
    out += text;
    out += '\'';
    return out;
}

CommandResult run_inspect(const std::vector<std::string>& args, const std::string& work_dir) {
    const std::string binary = test::binary_dir() + "/souverain";
    EXPECT_TRUE(std::filesystem::exists(binary)) << binary << " is missing: build target souverain";
    const std::string out_path = work_dir + "/stdout.txt";
    const std::string err_path = work_dir + "/stderr.txt";
    std::string command = shell_quoted(binary) + " inspect";
    for (const std::string& arg : args) {
        command += ' ';
        command += shell_quoted(arg);
    }
    command += " >";
    command += shell_quoted(out_path);
    command += " 2>";
    command += shell_quoted(err_path);
    const int status = std::system(command.c_str());
    CommandResult result;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.out = read_text(out_path);
    result.err = read_text(err_path);
    return result;
}

TEST(GgufInspect, TextOutputAbbreviatesLongArraysAndListsTensors) {
    const std::string dir = test::make_temp_dir("gguf_inspect_text");
    const CommandResult vocab = run_inspect({vocab_path("ggml-vocab-llama-spm.gguf")}, dir);
    EXPECT_EQ(vocab.exit_code, 0) << vocab.err;
    EXPECT_EQ(vocab.err, "");
    EXPECT_NE(vocab.out.find("GGUF version 3"), std::string::npos) << vocab.out;
    EXPECT_NE(vocab.out.find("[32000 x string] \"<unk>\", \"<s>\", \"</s>\""), std::string::npos)
        << vocab.out;
    EXPECT_NE(vocab.out.find(", ...\n"), std::string::npos);
    EXPECT_NE(vocab.out.find("tokenizer.ggml.bos_token_id"), std::string::npos);

    const std::string model_path = dir + "/model.gguf";
    GgufWriter writer;
    writer.set_string("general.architecture", "llama");
    ASSERT_TRUE(write_sample_tensors(writer, model_path, sample_tensors()).ok());
    const CommandResult model = run_inspect({model_path}, dir);
    EXPECT_EQ(model.exit_code, 0) << model.err;
    EXPECT_NE(model.out.find("q4_k.weight"), std::string::npos) << model.out;
    EXPECT_NE(model.out.find("[256, 1, 2]"), std::string::npos) << model.out;
    // 24 + 17 + 128 + 96 + 512 + 32 + 512 parameters; bytes from sample_tensors().
    EXPECT_NE(model.out.find("1321 parameters, 1092 bytes"), std::string::npos) << model.out;
}

TEST(GgufInspect, JsonOutputIsOneObjectWithMetadataAndTensors) {
    const std::string dir = test::make_temp_dir("gguf_inspect_json");
    const std::string model_path = dir + "/model.gguf";
    GgufWriter writer;
    writer.set_string_array("tok", std::vector<std::string>(20, "piece"));
    writer.set_u32("n", 5);
    ASSERT_TRUE(write_sample_tensors(writer, model_path, sample_tensors()).ok());
    const CommandResult result = run_inspect({"--json", model_path}, dir);
    ASSERT_EQ(result.exit_code, 0) << result.err;
    const nlohmann::json json = nlohmann::json::parse(result.out, nullptr, false);
    ASSERT_FALSE(json.is_discarded()) << result.out;
    EXPECT_EQ(json["version"], 3);
    EXPECT_EQ(json["metadata"]["n"]["type"], "u32");
    EXPECT_EQ(json["metadata"]["n"]["value"], 5);
    EXPECT_EQ(json["metadata"]["tok"]["count"], 20);
    EXPECT_EQ(json["metadata"]["tok"]["element_type"], "string");
    EXPECT_EQ(json["metadata"]["tok"]["values"].size(), 8u);
    ASSERT_EQ(json["tensors"].size(), sample_tensors().size());
    const nlohmann::json& q4k = json["tensors"][4];
    EXPECT_EQ(q4k["name"], "q4_k.weight");
    EXPECT_EQ(q4k["type"], "q4_K");
    EXPECT_EQ(q4k["shape"], nlohmann::json::array({256, 1, 2}));
    EXPECT_EQ(q4k["bytes"], 288);
    EXPECT_EQ(q4k["offset"].get<uint64_t>() % 32, 0u);
}

}  // namespace
}  // namespace souverain
