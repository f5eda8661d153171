// `souverain model-card --model F.gguf [--name NAME] [--data DIR] [--set-json FILE] [--json]`:
// the model card of a GGUF file. The facts come from the file (its SHA-256 is streamed in
// 4 MiB chunks; the throughput goes to stderr); --set-json stores an administrator's fields
// (governance/model_card.h) for this exact file in the data directory; --data alone shows the
// fields stored for it.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "cli/json_file.h"
#include "cli/progress.h"
#include "engine/gguf.h"
#include "governance/model_card.h"
#include "governance/record_reader.h"
#include "governance/register_service.h"
#include "storage/register_store.h"

namespace souverain::cli {

namespace {

struct ModelCardOptions {
    std::string model_path;
    std::string name;  // default: the file name without .gguf, as `serve` names models
    std::string data_dir;
    std::string set_json;
    bool json = false;
};

void print_text(const governance::ModelCard& card) {
    const governance::ModelFacts& facts = card.facts;
    auto line = [](const char* label, const std::string& value) {
        if (!value.empty()) std::printf("  %-16s %s\n", label, value.c_str());
    };
    std::printf("model card: %s\n", card.name.c_str());
    line("file", facts.file_name + " (" + std::to_string(facts.file_bytes) + " bytes)");
    line("sha256", facts.sha256);
    line("architecture", facts.architecture);
    line("parameters", std::to_string(facts.n_parameters));
    std::string types;
    for (const governance::TensorTypeShare& share : facts.tensor_types) {
        types += (types.empty() ? "" : ", ") + share.type + " x" + std::to_string(share.n_tensors);
    }
    line("quantization", facts.file_type.empty() ? types : facts.file_type + " (" + types + ")");
    if (facts.context_length > 0) line("context length", std::to_string(facts.context_length));
    line("name in file", facts.gguf.name);
    line("license", facts.gguf.license);
    line("source", facts.gguf.source_url.empty() ? facts.gguf.url : facts.gguf.source_url);
    if (!card.admin) {
        std::printf("  (no administrator fields: set them with --set-json FILE --data DIR)\n");
        return;
    }
    const governance::ModelCardAdmin& admin = *card.admin;
    line("openness", governance::openness_level_name(admin.openness_level));
    line("provenance", admin.provenance);
    line("training data", admin.training_data);
    line("intended use", admin.intended_use);
    line("known limits", admin.known_limits);
    line("updated", admin.updated_at);
}

int run_model_card(ModelCardOptions options) {
    if (!options.set_json.empty() && options.data_dir.empty()) {
        options.data_dir = "./souverain-data";
    }
    Result<std::unique_ptr<GgufFile>> file = GgufFile::open(options.model_path);
    if (!file) return report_error(file.error());
    governance::ModelCard card;
    card.name = options.name.empty() ? std::filesystem::path(options.model_path).stem().string()
                                     : options.name;
    Status name_ok =
        governance::RecordReader::check_text("model card", "name", card.name, 200, false);
    if (!name_ok) return report_error(name_ok.error());
    card.facts = governance::read_model_facts(**file, options.model_path);
    file->reset();  // the hash reads the file again; the mapping is not needed any more

    // Read the admin fields before the hash of a possibly large file, so a mistake in them
    // is reported at once.
    std::optional<governance::ModelCardAdmin> admin;
    if (!options.set_json.empty()) {
        Result<nlohmann::json> json = read_json_file(options.set_json);
        if (!json) return report_error(json.error());
        Result<governance::ModelCardAdmin> parsed = governance::parse_model_card_admin(*json);
        if (!parsed) {
            return report_error(
                {parsed.error().code, options.set_json + ": " + parsed.error().message});
        }
        admin = std::move(*parsed);
    }

    ProgressLine progress("sha256");
    Result<governance::FileHash> hash = governance::hash_model_file(
        options.model_path,
        [&](uint64_t done, uint64_t total) { progress.update((size_t)done, (size_t)total, ""); });
    progress.finish();
    if (!hash) return report_error(hash.error());
    card.facts.sha256 = hash->sha256;
    std::fprintf(stderr, "hashed %.1f MiB in %.2f s (%.0f MiB/s)\n",
                 (double)hash->bytes / (1024.0 * 1024.0), hash->seconds, hash->mib_per_second());

    if (!options.data_dir.empty()) {
        Result<std::unique_ptr<storage::RegisterStore>> store =
            storage::open_sqlite_register_store(options.data_dir);
        if (!store) return report_error(store.error());
        governance::RegisterService service(**store);
        if (admin) {
            card.admin = std::move(admin);
            Result<governance::ModelCard> stored = service.put_model_card(card);
            if (!stored) return report_error(stored.error());
            card = std::move(*stored);
            std::fprintf(stderr, "stored the model card of '%s' (file %s) in %s\n",
                         card.name.c_str(), card.facts.sha256.substr(0, 12).c_str(),
                         options.data_dir.c_str());
        } else {
            Result<std::optional<governance::ModelCard>> stored =
                service.find_model_card(card.name, card.facts.sha256);
            if (!stored) return report_error(stored.error());
            if (*stored) card.admin = (*stored)->admin;
        }
    }

    if (options.json) {
        std::printf("%s\n", governance::model_card_json(card)
                                .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                                .c_str());
    } else {
        print_text(card);
    }
    return 0;
}

}  // namespace

void register_model_card(CLI::App& app) {
    auto options = std::make_shared<ModelCardOptions>();
    CLI::App* cmd = app.add_subcommand(
        "model-card", "Show a GGUF model's card (facts and SHA-256), or store its admin fields");
    cmd->add_option("--model,-m", options->model_path, "GGUF file")->required();
    cmd->add_option("--name", options->name,
                    "Name the model is served under (default: the file name without .gguf)");
    cmd->add_option("--data", options->data_dir,
                    "Data directory holding the register (default ./souverain-data with "
                    "--set-json)");
    cmd->add_option("--set-json", options->set_json,
                    "JSON file with the admin fields (provenance, training_data, openness_level, "
                    "intended_use, known_limits) to store for this file");
    cmd->add_flag("--json", options->json, "Print the card as JSON");
    cmd->callback([options] { set_exit_code(run_model_card(*options)); });
}

}  // namespace souverain::cli
