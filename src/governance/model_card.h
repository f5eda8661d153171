#pragma once
// Model cards: what a deployer can say about a GGUF model, in two parts.
//
//   facts  read from the file itself: its SHA-256 (the identity of the exact weights), size,
//          architecture, parameter count, quantization, context length, and the file's own
//          `general.*` metadata (name, licence, source, base models, datasets...). Nobody
//          types these, so they cannot drift from the weights.
//   admin  what an administrator states and the file cannot: provenance, training-data
//          transparency, openness level, intended use, known limits.
//
// Openness levels follow the OSI Open Source AI Definition 1.0 and the classes of the Model
// Openness Framework (MOF), kept to what a deployer can check from the licences and what the
// model's authors published:
//   open-source-ai      meets the OSI definition: weights, the complete training and inference
//                       code and sufficiently detailed information about the training data,
//                       all under OSI-approved terms (MOF Class I or II)
//   open-weights        weights under an OSI-approved licence (Apache-2.0, MIT...), but code
//                       or data information missing (MOF Class III, "open model")
//   restricted-weights  weights downloadable under a licence with use restrictions (field-of-
//                       use clauses, user caps, acceptable-use policies): not open in the OSI
//                       sense, even when commonly called "open"
//   closed              weights not publicly available
//   unspecified         not assessed yet (the default)
//
// The JSON of a card is documented in src/governance/README.md; admin JSON (what
// `souverain model-card --set-json` reads) is the "admin" object of a card.
//
// Thread-safety: pure functions and plain values; hash_model_file may run on any thread.
#include <atomic>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace souverain {
class GgufFile;
}

namespace souverain::governance {

enum class OpennessLevel { UNSPECIFIED, OPEN_SOURCE_AI, OPEN_WEIGHTS, RESTRICTED_WEIGHTS, CLOSED };

// "open-source-ai", "open-weights", "restricted-weights", "closed", "unspecified".
const char* openness_level_name(OpennessLevel level);
Result<OpennessLevel> parse_openness_level(const std::string& name);

// One tensor type's share of the weights.
struct TensorTypeShare {
    std::string type;  // "Q4_K", "F32", ...
    uint64_t n_tensors = 0;
    uint64_t n_parameters = 0;
    uint64_t bytes = 0;
};

// What the file says about itself (`general.*` keys), copied as written; empty when absent.
// Strings are made valid UTF-8 and cut to a bounded length (the bytes are untrusted).
struct GgufDescription {
    std::string name;          // general.name
    std::string author;        // general.author
    std::string organization;  // general.organization
    std::string version;       // general.version
    std::string description;   // general.description
    std::string license;       // general.license (an SPDX id, usually)
    std::string license_name;  // general.license.name
    std::string license_link;  // general.license.link
    std::string source_url;    // general.source.url, else general.source.huggingface.repository
    std::string url;           // general.url (the model's own page)
    std::string size_label;    // general.size_label ("7B")
    std::vector<std::string> base_models;  // general.base_model.N.name (+ " (organization)")
    std::vector<std::string> datasets;     // general.dataset.N.name
    std::vector<std::string> languages;    // general.languages
    std::vector<std::string> tags;         // general.tags
};

struct ModelFacts {
    std::string file_name;  // the base name only: a published card never shows server paths
    uint64_t file_bytes = 0;
    std::string sha256;  // lower-case hex; empty until computed (hashing a large file takes s)
    uint32_t gguf_version = 0;
    std::string architecture;    // general.architecture
    int64_t context_length = 0;  // ARCH.context_length; 0 when the file does not say
    uint64_t n_parameters = 0;   // sum of the tensors' elements
    std::string file_type;       // from general.file_type in llama.cpp's naming ("Q4_K_M")
    std::vector<TensorTypeShare> tensor_types;  // by bytes, largest first
    GgufDescription gguf;
};

struct ModelCardAdmin {
    std::string provenance;     // where the file came from, how it was checked or converted
    std::string training_data;  // what is known about the training data, with links
    OpennessLevel openness_level = OpennessLevel::UNSPECIFIED;
    std::string intended_use;
    std::string known_limits;
    std::string updated_at;  // ISO 8601 UTC, set when stored; read-only for admins
};

struct ModelCard {
    std::string name;  // the name the model is served under (`serve --model NAME=PATH`)
    ModelFacts facts;
    std::optional<ModelCardAdmin> admin;  // absent until an administrator fills it in
};

// The facts of an opened GGUF file (everything but the hash). `path` gives the file name.
ModelFacts read_model_facts(const GgufFile& file, const std::string& path);

// llama.cpp's name of a general.file_type value ("Q4_K_M"); "" for unknown values.
std::string file_type_name(int64_t file_type);

struct FileHash {
    std::string sha256;  // lower-case hex
    uint64_t bytes = 0;
    double seconds = 0.0;
    double mib_per_second() const;
};

// SHA-256 of a file read in fixed 4 MiB chunks: memory stays constant whatever the size.
// `progress` (may be empty) is called after each chunk with the bytes hashed and the file's
// size. When `stop` becomes true the hashing ends early with an IO error saying so.
Result<FileHash> hash_model_file(
    const std::string& path,
    const std::function<void(uint64_t done, uint64_t total)>& progress = {},
    const std::atomic<bool>* stop = nullptr);

// Admin fields from JSON: either the admin object itself or a whole card (its "admin"
// member is read; the facts are ignored because they are read from the file). Unknown
// fields, wrong types, an unknown openness level and over-long texts are refused.
Result<ModelCardAdmin> parse_model_card_admin(const nlohmann::json& json);

nlohmann::ordered_json model_card_admin_json(const ModelCardAdmin& admin);
nlohmann::ordered_json model_card_json(const ModelCard& card);
// The inverse of model_card_json (used for stored cards): model_card_json(*from(j)) == j.
Result<ModelCard> model_card_from_json(const nlohmann::json& json);

}  // namespace souverain::governance
