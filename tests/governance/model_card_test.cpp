#include "governance/model_card.h"

#include <gtest/gtest.h>

#include <fstream>
#include <vector>

#include "engine/gguf.h"
#include "engine/gguf_writer.h"
#include "governance/sha256.h"
#include "test_paths.h"

namespace souverain::governance {
namespace {

// A small GGUF file with the general.* keys a published model carries, and two tensors.
std::string write_described_model(const std::string& dir, const std::string& bad_name = "") {
    const std::string path = dir + "/described.gguf";
    GgufWriter writer;
    writer.set_string("general.architecture", "llama");
    writer.set_string("general.name", bad_name.empty() ? "Mistral 7B Instruct" : bad_name);
    writer.set_string("general.organization", "Mistral AI");
    writer.set_string("general.license", "apache-2.0");
    writer.set_string("general.source.url", "https://huggingface.co/mistralai/Mistral-7B");
    writer.set_string("general.url", "https://mistral.ai");
    writer.set_string("general.size_label", "7B");
    writer.set_u32("general.base_model.count", 1);
    writer.set_string("general.base_model.0.name", "Mistral 7B v0.1");
    writer.set_string("general.base_model.0.organization", "Mistral AI");
    writer.set_string_array("general.languages", {"fr", "de", "en"});
    writer.set_string_array("general.tags", {"instruct"});
    writer.set_u32("general.file_type", 7);
    writer.set_u32("llama.context_length", 32768);
    EXPECT_TRUE(writer.add_tensor("token_embd.weight", TensorType::Q8_0, {64, 4}).ok());
    EXPECT_TRUE(writer.add_tensor("output_norm.weight", TensorType::F32, {64}).ok());
    EXPECT_TRUE(writer.begin(path).ok());
    std::vector<uint8_t> q8(4 * 68, 0);  // 4 rows of two Q8_0 blocks (34 bytes each)
    std::vector<float> norm(64, 1.0f);
    EXPECT_TRUE(writer.write_tensor_data(q8.data(), q8.size()).ok());
    EXPECT_TRUE(writer.write_tensor_data(norm.data(), norm.size() * sizeof(float)).ok());
    EXPECT_TRUE(writer.finish().ok());
    return path;
}

ModelCardAdmin sample_admin() {
    ModelCardAdmin admin;
    admin.provenance = "Downloaded from the publisher's repository; checksum compared.";
    admin.training_data = "Not disclosed by the publisher.";
    admin.openness_level = OpennessLevel::OPEN_WEIGHTS;
    admin.intended_use = "Answering questions about procedures.";
    admin.known_limits = "May invent facts;\nweak in Luxembourgish.";
    return admin;
}

TEST(ModelCard, FactsComeFromTheFileMetadataAndTensors) {
    const std::string path = write_described_model(test::make_temp_dir("model_card_facts"));
    auto file = GgufFile::open(path);
    ASSERT_TRUE(file.ok()) << file.error().message;
    const ModelFacts facts = read_model_facts(**file, path);
    EXPECT_EQ(facts.file_name, "described.gguf");
    EXPECT_EQ(facts.file_bytes, (*file)->file_size());
    EXPECT_TRUE(facts.sha256.empty());  // hashing is separate (it reads the whole file)
    EXPECT_EQ(facts.architecture, "llama");
    EXPECT_EQ(facts.context_length, 32768);
    EXPECT_EQ(facts.file_type, "Q8_0");
    EXPECT_EQ(facts.n_parameters, 64u * 4u + 64u);
    ASSERT_EQ(facts.tensor_types.size(), 2u);
    EXPECT_EQ(facts.tensor_types[0].type, "q8_0");  // the largest share first
    EXPECT_EQ(facts.tensor_types[0].bytes, 4u * 68u);
    EXPECT_EQ(facts.gguf.name, "Mistral 7B Instruct");
    EXPECT_EQ(facts.gguf.organization, "Mistral AI");
    EXPECT_EQ(facts.gguf.license, "apache-2.0");
    EXPECT_EQ(facts.gguf.source_url, "https://huggingface.co/mistralai/Mistral-7B");
    EXPECT_EQ(facts.gguf.url, "https://mistral.ai");
    EXPECT_EQ(facts.gguf.size_label, "7B");
    EXPECT_EQ(facts.gguf.base_models, std::vector<std::string>{"Mistral 7B v0.1 (Mistral AI)"});
    EXPECT_EQ(facts.gguf.languages, (std::vector<std::string>{"fr", "de", "en"}));
    EXPECT_EQ(facts.gguf.tags, std::vector<std::string>{"instruct"});
}

TEST(ModelCard, InvalidUtf8InTheFileIsReplacedSoTheCardStaysPrintable) {
    const std::string path =
        write_described_model(test::make_temp_dir("model_card_utf8"), "bad \xff\xfe name");
    auto file = GgufFile::open(path);
    ASSERT_TRUE(file.ok());
    ModelCard card;
    card.name = "m";
    card.facts = read_model_facts(**file, path);
    EXPECT_EQ(card.facts.gguf.name, "bad \xEF\xBF\xBD\xEF\xBF\xBD name");
    EXPECT_NO_THROW((void)model_card_json(card).dump());
}

TEST(ModelCard, FileTypeNamesFollowLlamaCpp) {
    EXPECT_EQ(file_type_name(15), "Q4_K_M");
    EXPECT_EQ(file_type_name(1), "F16");
    EXPECT_EQ(file_type_name(32), "BF16");
    EXPECT_EQ(file_type_name(4), "");  // retired numbers and unknown ones have no name
    EXPECT_EQ(file_type_name(-1), "");
}

TEST(ModelCard, HashOfAFileReadInChunksEqualsTheDigestOfItsBytes) {
    const std::string path = test::make_temp_dir("model_card_hash") + "/weights.bin";
    std::string bytes;
    for (int idx = 0; idx < 9'000'000; ++idx) bytes += (char)(idx * 7 % 253);  // > 2 chunks
    std::ofstream(path, std::ios::binary) << bytes;
    std::vector<uint64_t> seen;
    auto hash = hash_model_file(path, [&](uint64_t done, uint64_t total) {
        EXPECT_EQ(total, bytes.size());
        seen.push_back(done);
    });
    ASSERT_TRUE(hash.ok()) << hash.error().message;
    EXPECT_EQ(hash->sha256, to_hex(sha256(bytes)));
    EXPECT_EQ(hash->bytes, bytes.size());
    ASSERT_EQ(seen.size(), 3u);  // 4 MiB, 8 MiB, then the rest
    EXPECT_EQ(seen.back(), bytes.size());
    EXPECT_GT(hash->mib_per_second(), 0.0);
    EXPECT_FALSE(hash_model_file(path + ".missing").ok());
}

TEST(ModelCard, HashingStopsWhenAskedBetweenChunks) {
    const std::string path = test::make_temp_dir("model_card_stop") + "/weights.bin";
    std::ofstream(path, std::ios::binary) << std::string(10'000'000, 'x');
    std::atomic<bool> stop{false};
    uint64_t last = 0;
    auto hash = hash_model_file(
        path,
        [&](uint64_t done, uint64_t) {
            last = done;
            stop = true;
        },
        &stop);
    ASSERT_FALSE(hash.ok());
    EXPECT_NE(hash.error().message.find("stopped"), std::string::npos);
    EXPECT_EQ(last, 4u << 20);  // one chunk, then the stop was seen
}

TEST(ModelCard, AdminFieldsAreReadFromTheirObjectOrFromAWholeCard) {
    const nlohmann::json admin = {{"provenance", "p"},
                                  {"training_data", "t"},
                                  {"openness_level", "restricted-weights"},
                                  {"intended_use", "u"},
                                  {"known_limits", "k"}};
    auto parsed = parse_model_card_admin(admin);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->openness_level, OpennessLevel::RESTRICTED_WEIGHTS);
    EXPECT_EQ(parsed->known_limits, "k");

    const nlohmann::json card = {{"object", "model_card"}, {"name", "x"}, {"admin", admin}};
    auto from_card = parse_model_card_admin(card);
    ASSERT_TRUE(from_card.ok()) << from_card.error().message;
    EXPECT_EQ(from_card->provenance, "p");

    auto empty = parse_model_card_admin(nlohmann::json::object());
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(empty->openness_level, OpennessLevel::UNSPECIFIED);
}

TEST(ModelCard, AdminFieldsWithMistakesAreRefusedWithTheFieldNamed) {
    auto unknown = parse_model_card_admin({{"provenence", "typo"}});
    ASSERT_FALSE(unknown.ok());
    EXPECT_NE(unknown.error().message.find("unknown field 'provenence'"), std::string::npos);
    EXPECT_NE(unknown.error().message.find("provenance"), std::string::npos);  // accepted keys

    auto level = parse_model_card_admin({{"openness_level", "open"}});
    ASSERT_FALSE(level.ok());
    EXPECT_NE(level.error().message.find("open-source-ai, open-weights"), std::string::npos);

    auto type = parse_model_card_admin({{"intended_use", 3}});
    ASSERT_FALSE(type.ok());
    EXPECT_NE(type.error().message.find("'intended_use' must be a string"), std::string::npos);

    auto control = parse_model_card_admin({{"known_limits", std::string("a\x01"
                                                                        "b")}});
    ASSERT_FALSE(control.ok());
    EXPECT_NE(control.error().message.find("control character"), std::string::npos);

    auto long_text = parse_model_card_admin({{"provenance", std::string(20001, 'a')}});
    ASSERT_FALSE(long_text.ok());
    EXPECT_NE(long_text.error().message.find("20001 bytes"), std::string::npos);

    EXPECT_FALSE(parse_model_card_admin(nlohmann::json::array()).ok());
    EXPECT_FALSE(parse_model_card_admin({{"object", "model_card"}}).ok());  // card without admin
}

TEST(ModelCard, JsonRoundTripKeepsEveryField) {
    const std::string path = write_described_model(test::make_temp_dir("model_card_round"));
    auto file = GgufFile::open(path);
    ASSERT_TRUE(file.ok());
    ModelCard card;
    card.name = "mistral";
    card.facts = read_model_facts(**file, path);
    card.facts.sha256 = std::string(64, 'a');
    card.admin = sample_admin();
    card.admin->updated_at = "2025-03-12T09:30:00Z";

    const nlohmann::ordered_json json = model_card_json(card);
    auto back = model_card_from_json(nlohmann::json::parse(json.dump()));
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(model_card_json(*back), json);
    EXPECT_EQ(back->admin->updated_at, "2025-03-12T09:30:00Z");
    EXPECT_EQ(json["admin"]["openness_level"], "open-weights");
    EXPECT_EQ(json["file"]["name"], "described.gguf");

    card.admin.reset();
    card.facts.sha256.clear();
    const nlohmann::ordered_json bare = model_card_json(card);
    EXPECT_TRUE(bare["admin"].is_null());
    EXPECT_TRUE(bare["file"]["sha256"].is_null());
    auto bare_back = model_card_from_json(nlohmann::json::parse(bare.dump()));
    ASSERT_TRUE(bare_back.ok());
    EXPECT_EQ(model_card_json(*bare_back), bare);
}

TEST(ModelCard, StoredJsonThatIsNotACardIsRefused) {
    EXPECT_FALSE(model_card_from_json(nlohmann::json::object()).ok());
    EXPECT_FALSE(model_card_from_json({{"object", "model_card"}, {"parameters", "many"}}).ok());
    EXPECT_FALSE(model_card_from_json({{"object", "model_card"}, {"file", {{"bytes", -3}}}}).ok());
}

}  // namespace
}  // namespace souverain::governance
