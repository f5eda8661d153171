#include "governance/model_card.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <vector>

#include "engine/gguf.h"
#include "engine/unicode.h"
#include "governance/record_reader.h"
#include "governance/sha256.h"

namespace souverain::governance {

namespace {

using ojson = nlohmann::ordered_json;

constexpr size_t kMetadataTextMax = 4096;
constexpr size_t kMetadataDescriptionMax = 16384;
constexpr size_t kMetadataListMax = 64;
constexpr size_t kAdminTextMax = 20000;
constexpr size_t kHashChunkBytes = 4 << 20;

// Untrusted bytes from the file made displayable: invalid UTF-8 replaced, cut at a character
// boundary.
std::string clean_text(std::string_view bytes, size_t max_bytes) {
    std::string text = unicode::utf8_sanitize(bytes.substr(0, max_bytes + 4));
    if (text.size() > max_bytes)
        text.resize(unicode::utf8_complete_prefix(text.substr(0, max_bytes)));
    return text;
}

std::string metadata_text(const GgufFile& file, const std::string& key,
                          size_t max_bytes = kMetadataTextMax) {
    std::optional<std::string_view> value = file.get_string(key);
    return value ? clean_text(*value, max_bytes) : std::string();
}

std::vector<std::string> metadata_list(const GgufFile& file, const std::string& key) {
    std::vector<std::string> out;
    const GgufValue* array = file.get_array(key);
    if (array == nullptr || array->array_type != GgufValueType::STRING) return out;
    for (std::string_view item : array->array_strings) {
        if (out.size() == kMetadataListMax) break;
        std::string text = clean_text(item, kMetadataTextMax);
        if (!text.empty()) out.push_back(std::move(text));
    }
    return out;
}

// general.base_model.N.* and general.dataset.N.*: a count, then numbered entries.
std::vector<std::string> numbered_entries(const GgufFile& file, const std::string& prefix) {
    std::vector<std::string> out;
    const int64_t count = file.get_int(prefix + ".count").value_or(0);
    for (int64_t idx = 0; idx < count && out.size() < kMetadataListMax; ++idx) {
        const std::string entry = prefix + "." + std::to_string(idx);
        std::string name = metadata_text(file, entry + ".name");
        if (name.empty()) continue;
        const std::string organization = metadata_text(file, entry + ".organization");
        if (!organization.empty()) name += " (" + organization + ")";
        out.push_back(std::move(name));
    }
    return out;
}

ojson string_list_json(const std::vector<std::string>& items) {
    ojson out = ojson::array();
    for (const std::string& item : items) out.push_back(item);
    return out;
}

ojson text_or_null(const std::string& text) {
    return text.empty() ? ojson(nullptr) : ojson(text);
}

// Reading back what model_card_json wrote: a stored card is our own output, but its bytes
// live in a database a person may edit, so every access is checked.
Result<std::string> json_string(const nlohmann::json& object, const char* key) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return std::string();
    if (!it->is_string()) {
        return make_error(ErrorCode::FORMAT,
                          std::string("model card: '") + key + "' must be a string");
    }
    return it->get<std::string>();
}

Result<uint64_t> json_count(const nlohmann::json& object, const char* key) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return uint64_t{0};
    if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<int64_t>() >= 0)) {
        return make_error(ErrorCode::FORMAT,
                          std::string("model card: '") + key + "' must be a count");
    }
    return it->get<uint64_t>();
}

Result<std::vector<std::string>> json_strings(const nlohmann::json& object, const char* key) {
    std::vector<std::string> out;
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return out;
    if (!it->is_array()) {
        return make_error(ErrorCode::FORMAT,
                          std::string("model card: '") + key + "' must be a list");
    }
    for (const nlohmann::json& item : *it) {
        if (!item.is_string()) {
            return make_error(ErrorCode::FORMAT,
                              std::string("model card: '") + key + "' must list strings");
        }
        out.push_back(item.get<std::string>());
    }
    return out;
}

const nlohmann::json& member_or_empty(const nlohmann::json& object, const char* key) {
    static const nlohmann::json kEmpty = nlohmann::json::object();
    auto it = object.find(key);
    return it != object.end() && it->is_object() ? *it : kEmpty;
}

}  // namespace

const char* openness_level_name(OpennessLevel level) {
    switch (level) {
        case OpennessLevel::OPEN_SOURCE_AI:
            return "open-source-ai";
        case OpennessLevel::OPEN_WEIGHTS:
            return "open-weights";
        case OpennessLevel::RESTRICTED_WEIGHTS:
            return "restricted-weights";
        case OpennessLevel::CLOSED:
            return "closed";
        case OpennessLevel::UNSPECIFIED:
            break;
    }
    return "unspecified";
}

Result<OpennessLevel> parse_openness_level(const std::string& name) {
    for (OpennessLevel level :
         {OpennessLevel::UNSPECIFIED, OpennessLevel::OPEN_SOURCE_AI, OpennessLevel::OPEN_WEIGHTS,
          OpennessLevel::RESTRICTED_WEIGHTS, OpennessLevel::CLOSED}) {
        if (name == openness_level_name(level)) return level;
    }
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      "openness_level must be one of open-source-ai, open-weights, "
                      "restricted-weights, closed, unspecified (got '" +
                          name + "')");
}

std::string file_type_name(int64_t file_type) {
    // llama.cpp's LLAMA_FTYPE numbering, which general.file_type records; the gaps are types
    // llama.cpp has retired.
    static const std::map<int64_t, const char*> kNames = {
        {0, "F32"},      {1, "F16"},      {2, "Q4_0"},    {3, "Q4_1"},    {7, "Q8_0"},
        {8, "Q5_0"},     {9, "Q5_1"},     {10, "Q2_K"},   {11, "Q3_K_S"}, {12, "Q3_K_M"},
        {13, "Q3_K_L"},  {14, "Q4_K_S"},  {15, "Q4_K_M"}, {16, "Q5_K_S"}, {17, "Q5_K_M"},
        {18, "Q6_K"},    {19, "IQ2_XXS"}, {20, "IQ2_XS"}, {21, "Q2_K_S"}, {22, "IQ3_XS"},
        {23, "IQ3_XXS"}, {24, "IQ1_S"},   {25, "IQ4_NL"}, {26, "IQ3_S"},  {27, "IQ3_M"},
        {28, "IQ2_S"},   {29, "IQ2_M"},   {30, "IQ4_XS"}, {31, "IQ1_M"},  {32, "BF16"},
        {36, "TQ1_0"},   {37, "TQ2_0"},
    };
    auto it = kNames.find(file_type);
    return it == kNames.end() ? std::string() : std::string(it->second);
}

ModelFacts read_model_facts(const GgufFile& file, const std::string& path) {
    ModelFacts facts;
    facts.file_name = clean_text(std::filesystem::path(path).filename().string(), kMetadataTextMax);
    facts.file_bytes = file.file_size();
    facts.gguf_version = file.version();
    facts.architecture = metadata_text(file, "general.architecture");
    if (!facts.architecture.empty()) {
        facts.context_length =
            std::max<int64_t>(0, file.get_int(facts.architecture + ".context_length").value_or(0));
    }
    if (std::optional<int64_t> file_type = file.get_int("general.file_type")) {
        facts.file_type = file_type_name(*file_type);
    }
    std::map<std::string, TensorTypeShare> shares;
    for (const GgufTensorInfo& info : file.tensors()) {
        const std::string type(tensor_type_name(info.type));
        TensorTypeShare& share = shares[type];
        share.type = type;
        share.n_tensors += 1;
        share.n_parameters += (uint64_t)info.n_elements();
        share.bytes += info.n_bytes;
        facts.n_parameters += (uint64_t)info.n_elements();
    }
    for (auto& [type, share] : shares) facts.tensor_types.push_back(share);
    std::stable_sort(
        facts.tensor_types.begin(), facts.tensor_types.end(),
        [](const TensorTypeShare& a, const TensorTypeShare& b) { return a.bytes > b.bytes; });

    GgufDescription& gguf = facts.gguf;
    gguf.name = metadata_text(file, "general.name");
    gguf.author = metadata_text(file, "general.author");
    gguf.organization = metadata_text(file, "general.organization");
    gguf.version = metadata_text(file, "general.version");
    gguf.description = metadata_text(file, "general.description", kMetadataDescriptionMax);
    gguf.license = metadata_text(file, "general.license");
    gguf.license_name = metadata_text(file, "general.license.name");
    gguf.license_link = metadata_text(file, "general.license.link");
    gguf.source_url = metadata_text(file, "general.source.url");
    if (gguf.source_url.empty()) {
        gguf.source_url = metadata_text(file, "general.source.huggingface.repository");
    }
    gguf.url = metadata_text(file, "general.url");
    gguf.size_label = metadata_text(file, "general.size_label");
    gguf.base_models = numbered_entries(file, "general.base_model");
    gguf.datasets = numbered_entries(file, "general.dataset");
    gguf.languages = metadata_list(file, "general.languages");
    gguf.tags = metadata_list(file, "general.tags");
    return facts;
}

double FileHash::mib_per_second() const {
    return seconds > 0.0 ? (double)bytes / (1024.0 * 1024.0) / seconds : 0.0;
}

Result<FileHash> hash_model_file(const std::string& path,
                                 const std::function<void(uint64_t, uint64_t)>& progress,
                                 const std::atomic<bool>* stop) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return make_error(ErrorCode::IO,
                          path + ": cannot open for hashing: " + std::strerror(errno));
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    const off_t size = ::lseek(fd, 0, SEEK_END);
    if (size < 0 || ::lseek(fd, 0, SEEK_SET) != 0) {
        return make_error(ErrorCode::IO,
                          path + ": cannot size for hashing: " + std::strerror(errno));
    }
    // The kernel reads ahead more aggressively for a file announced as sequential.
    (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);

    const auto start = std::chrono::steady_clock::now();
    Sha256Hasher hasher;
    std::vector<char> buffer(kHashChunkBytes);
    uint64_t done = 0;
    for (;;) {
        if (stop != nullptr && stop->load(std::memory_order_relaxed)) {
            return make_error(ErrorCode::IO, path + ": hashing was stopped");
        }
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_error(ErrorCode::IO,
                              path + ": read error while hashing: " + std::strerror(errno));
        }
        if (n == 0) break;
        hasher.update(std::string_view(buffer.data(), (size_t)n));
        done += (uint64_t)n;
        if (progress) progress(done, (uint64_t)size);
    }
    FileHash hash;
    hash.sha256 = to_hex(hasher.finish());
    hash.bytes = done;
    hash.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return hash;
}

Result<ModelCardAdmin> parse_model_card_admin(const nlohmann::json& json) {
    if (!json.is_object()) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "model card: expected a JSON object");
    }
    const bool whole_card = json.contains("object") && json["object"] == "model_card";
    if (whole_card && !(json.contains("admin") && json["admin"].is_object())) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "model card: this card has no \"admin\" object to read");
    }
    const nlohmann::json& object = whole_card ? json["admin"] : json;
    RecordReader reader(object, "model card");
    ModelCardAdmin admin;
    SOUVERAIN_TRY(reader.text("provenance", admin.provenance, kAdminTextMax, true));
    SOUVERAIN_TRY(reader.text("training_data", admin.training_data, kAdminTextMax, true));
    std::string openness;
    SOUVERAIN_TRY(reader.text("openness_level", openness, 64, false));
    if (!openness.empty()) {
        Result<OpennessLevel> level = parse_openness_level(openness);
        if (!level) return make_error(level.error().code, "model card: " + level.error().message);
        admin.openness_level = *level;
    }
    SOUVERAIN_TRY(reader.text("intended_use", admin.intended_use, kAdminTextMax, true));
    SOUVERAIN_TRY(reader.text("known_limits", admin.known_limits, kAdminTextMax, true));
    reader.ignore("updated_at");  // set by the store
    SOUVERAIN_TRY(reader.finish());
    return admin;
}

nlohmann::ordered_json model_card_admin_json(const ModelCardAdmin& admin) {
    return ojson{{"provenance", admin.provenance},
                 {"training_data", admin.training_data},
                 {"openness_level", openness_level_name(admin.openness_level)},
                 {"intended_use", admin.intended_use},
                 {"known_limits", admin.known_limits},
                 {"updated_at", text_or_null(admin.updated_at)}};
}

nlohmann::ordered_json model_card_json(const ModelCard& card) {
    const ModelFacts& facts = card.facts;
    ojson tensor_types = ojson::array();
    for (const TensorTypeShare& share : facts.tensor_types) {
        tensor_types.push_back({{"type", share.type},
                                {"tensors", share.n_tensors},
                                {"parameters", share.n_parameters},
                                {"bytes", share.bytes}});
    }
    const GgufDescription& gguf = facts.gguf;
    ojson metadata = ojson::object();
    auto put = [&](const char* key, const std::string& value) {
        if (!value.empty()) metadata[key] = value;
    };
    auto put_list = [&](const char* key, const std::vector<std::string>& values) {
        if (!values.empty()) metadata[key] = string_list_json(values);
    };
    put("name", gguf.name);
    put("author", gguf.author);
    put("organization", gguf.organization);
    put("version", gguf.version);
    put("description", gguf.description);
    put("license", gguf.license);
    put("license_name", gguf.license_name);
    put("license_link", gguf.license_link);
    put("source_url", gguf.source_url);
    put("url", gguf.url);
    put("size_label", gguf.size_label);
    put_list("base_models", gguf.base_models);
    put_list("datasets", gguf.datasets);
    put_list("languages", gguf.languages);
    put_list("tags", gguf.tags);

    ojson out;
    out["object"] = "model_card";
    out["name"] = card.name;
    out["file"] = {{"name", facts.file_name},
                   {"bytes", facts.file_bytes},
                   {"sha256", text_or_null(facts.sha256)},
                   {"gguf_version", facts.gguf_version}};
    out["architecture"] = facts.architecture;
    out["parameters"] = facts.n_parameters;
    out["context_length"] = facts.context_length > 0 ? ojson(facts.context_length) : ojson(nullptr);
    out["quantization"] = {{"file_type", text_or_null(facts.file_type)},
                           {"tensor_types", std::move(tensor_types)}};
    out["gguf_metadata"] = std::move(metadata);
    out["admin"] = card.admin ? model_card_admin_json(*card.admin) : ojson(nullptr);
    return out;
}

Result<ModelCard> model_card_from_json(const nlohmann::json& json) {
    if (!json.is_object() || !json.contains("object") || json["object"] != "model_card") {
        return make_error(ErrorCode::FORMAT, "model card: not a model card object");
    }
    ModelCard card;
    ModelFacts& facts = card.facts;
    auto read = [](Result<std::string> value, std::string& out) -> Status {
        if (!value) return value.error();
        out = std::move(*value);
        return Status::success();
    };
    SOUVERAIN_TRY(read(json_string(json, "name"), card.name));
    const nlohmann::json& file = member_or_empty(json, "file");
    SOUVERAIN_TRY(read(json_string(file, "name"), facts.file_name));
    SOUVERAIN_TRY(read(json_string(file, "sha256"), facts.sha256));
    Result<uint64_t> bytes = json_count(file, "bytes");
    if (!bytes) return bytes.error();
    facts.file_bytes = *bytes;
    Result<uint64_t> version = json_count(file, "gguf_version");
    if (!version) return version.error();
    facts.gguf_version = (uint32_t)*version;
    SOUVERAIN_TRY(read(json_string(json, "architecture"), facts.architecture));
    Result<uint64_t> parameters = json_count(json, "parameters");
    if (!parameters) return parameters.error();
    facts.n_parameters = *parameters;
    Result<uint64_t> context = json_count(json, "context_length");
    if (!context) return context.error();
    facts.context_length = (int64_t)*context;

    const nlohmann::json& quantization = member_or_empty(json, "quantization");
    SOUVERAIN_TRY(read(json_string(quantization, "file_type"), facts.file_type));
    if (auto it = quantization.find("tensor_types"); it != quantization.end() && it->is_array()) {
        for (const nlohmann::json& item : *it) {
            if (!item.is_object())
                return make_error(ErrorCode::FORMAT, "model card: bad tensor type");
            TensorTypeShare share;
            SOUVERAIN_TRY(read(json_string(item, "type"), share.type));
            Result<uint64_t> n_tensors = json_count(item, "tensors");
            Result<uint64_t> n_parameters = json_count(item, "parameters");
            Result<uint64_t> n_bytes = json_count(item, "bytes");
            if (!n_tensors) return n_tensors.error();
            if (!n_parameters) return n_parameters.error();
            if (!n_bytes) return n_bytes.error();
            share.n_tensors = *n_tensors;
            share.n_parameters = *n_parameters;
            share.bytes = *n_bytes;
            facts.tensor_types.push_back(std::move(share));
        }
    }

    const nlohmann::json& metadata = member_or_empty(json, "gguf_metadata");
    GgufDescription& gguf = facts.gguf;
    SOUVERAIN_TRY(read(json_string(metadata, "name"), gguf.name));
    SOUVERAIN_TRY(read(json_string(metadata, "author"), gguf.author));
    SOUVERAIN_TRY(read(json_string(metadata, "organization"), gguf.organization));
    SOUVERAIN_TRY(read(json_string(metadata, "version"), gguf.version));
    SOUVERAIN_TRY(read(json_string(metadata, "description"), gguf.description));
    SOUVERAIN_TRY(read(json_string(metadata, "license"), gguf.license));
    SOUVERAIN_TRY(read(json_string(metadata, "license_name"), gguf.license_name));
    SOUVERAIN_TRY(read(json_string(metadata, "license_link"), gguf.license_link));
    SOUVERAIN_TRY(read(json_string(metadata, "source_url"), gguf.source_url));
    SOUVERAIN_TRY(read(json_string(metadata, "url"), gguf.url));
    SOUVERAIN_TRY(read(json_string(metadata, "size_label"), gguf.size_label));
    for (auto [key, out] :
         {std::pair{"base_models", &gguf.base_models}, std::pair{"datasets", &gguf.datasets},
          std::pair{"languages", &gguf.languages}, std::pair{"tags", &gguf.tags}}) {
        Result<std::vector<std::string>> list = json_strings(metadata, key);
        if (!list) return list.error();
        *out = std::move(*list);
    }

    if (auto it = json.find("admin"); it != json.end() && !it->is_null()) {
        Result<ModelCardAdmin> admin = parse_model_card_admin(*it);
        if (!admin) return make_error(ErrorCode::FORMAT, admin.error().message);
        Result<std::string> updated_at = json_string(*it, "updated_at");
        if (!updated_at) return updated_at.error();
        admin->updated_at = std::move(*updated_at);
        card.admin = std::move(*admin);
    }
    return card;
}

}  // namespace souverain::governance
