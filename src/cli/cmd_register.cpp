// `souverain register`: the public register of assistants in a data directory.
//   register add --json ASSISTANT.json [--replace]   validate and store one assistant
//   register list [--json]                            the registered assistants
//   register remove NAME                              take one out of the register
//   register export --format json|html [--lang en|fr|de] [--out FILE]
// Every subcommand takes --data DIR (default ./souverain-data). The fields and the checks are
// in governance/assistant_register.h; the page in governance/register_page.h.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/json_file.h"
#include "governance/assistant_register.h"
#include "governance/register_page.h"
#include "governance/register_service.h"
#include "storage/register_store.h"
#include "storage/store.h"

namespace souverain::cli {

namespace {

struct RegisterOptions {
    std::string data_dir = "./souverain-data";
    std::string json_path;
    bool replace = false;
    bool json = false;
    std::string name;
    std::string format = "json";
    std::string lang = "en";
    std::string out_path;
};

struct OpenRegister {
    std::unique_ptr<storage::RegisterStore> store;
    std::unique_ptr<governance::RegisterService> service;
};

Result<OpenRegister> open_register(const std::string& data_dir) {
    Result<std::unique_ptr<storage::RegisterStore>> store =
        storage::open_sqlite_register_store(data_dir);
    if (!store) return store.error();
    OpenRegister out;
    out.store = std::move(*store);
    out.service = std::make_unique<governance::RegisterService>(*out.store);
    return out;
}

// What an administrator probably wants to know, without refusing the record: the model and
// knowledge bases may be set up after the assistant is registered.
void warn_about_references(const governance::Assistant& assistant, const std::string& data_dir,
                           governance::RegisterService& service) {
    Result<std::optional<governance::ModelCard>> card = service.latest_model_card(assistant.model);
    if (card && !*card) {
        std::fprintf(stderr,
                     "warning: no model card is stored for model '%s' (souverain model-card "
                     "--model FILE --name %s --set-json FIELDS.json)\n",
                     assistant.model.c_str(), assistant.model.c_str());
    }
    if (assistant.knowledge_bases.empty()) return;
    Result<std::unique_ptr<storage::Store>> kb_store = storage::open_sqlite_store(data_dir);
    if (!kb_store) return;
    for (const std::string& name : assistant.knowledge_bases) {
        Result<std::optional<storage::KbInfo>> kb =
            (*kb_store)->find_kb(storage::kDefaultTenant, name);
        if (kb && !*kb) {
            std::fprintf(stderr, "warning: knowledge base '%s' does not exist in %s\n",
                         name.c_str(), data_dir.c_str());
        }
    }
}

int run_add(const RegisterOptions& options) {
    Result<nlohmann::json> json = read_json_file(options.json_path);
    if (!json) return report_error(json.error());
    Result<governance::Assistant> assistant = governance::parse_assistant(*json);
    if (!assistant) {
        return report_error(
            {assistant.error().code, options.json_path + ": " + assistant.error().message});
    }
    Result<OpenRegister> reg = open_register(options.data_dir);
    if (!reg) return report_error(reg.error());
    Result<governance::Assistant> stored = reg->service->add_assistant(*assistant, options.replace);
    if (!stored) return report_error(stored.error());
    warn_about_references(*stored, options.data_dir, *reg->service);
    std::printf("%s assistant '%s' in %s\n",
                options.replace ? "registered or replaced" : "registered", stored->name.c_str(),
                options.data_dir.c_str());
    return 0;
}

int run_list(const RegisterOptions& options) {
    Result<OpenRegister> reg = open_register(options.data_dir);
    if (!reg) return report_error(reg.error());
    Result<std::vector<governance::Assistant>> assistants = reg->service->assistants();
    if (!assistants) return report_error(assistants.error());
    if (options.json) {
        nlohmann::ordered_json out = nlohmann::ordered_json::array();
        for (const governance::Assistant& a : *assistants) {
            out.push_back(governance::assistant_json(a, /*for_publication=*/false));
        }
        std::printf("%s\n",
                    out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
        return 0;
    }
    for (const governance::Assistant& a : *assistants) {
        std::printf("%s\t%s\t%s risk\tmodel %s\n", a.name.c_str(),
                    governance::assistant_status_name(a.status),
                    governance::risk_class_name(a.risk_class), a.model.c_str());
    }
    return 0;
}

int run_remove(const RegisterOptions& options) {
    Result<OpenRegister> reg = open_register(options.data_dir);
    if (!reg) return report_error(reg.error());
    Status removed = reg->service->remove_assistant(options.name);
    if (!removed) return report_error(removed.error());
    std::printf("removed assistant '%s' from %s\n", options.name.c_str(), options.data_dir.c_str());
    return 0;
}

int run_export(const RegisterOptions& options) {
    if (options.format != "json" && options.format != "html") {
        return report_error({ErrorCode::INVALID_ARGUMENT,
                             "--format must be json or html (got '" + options.format + "')"});
    }
    Result<governance::PageLanguage> language = governance::parse_page_language(options.lang);
    if (!language) return report_error(language.error());
    Result<OpenRegister> reg = open_register(options.data_dir);
    if (!reg) return report_error(reg.error());
    Result<governance::RegisterDocument> document = reg->service->document();
    if (!document) return report_error(document.error());
    const std::string content = options.format == "html"
                                    ? governance::render_register_html(*document, *language)
                                    : governance::register_json(*document).dump(
                                          2, ' ', false, nlohmann::json::error_handler_t::replace) +
                                          "\n";
    if (options.out_path.empty()) {
        std::fwrite(content.data(), 1, content.size(), stdout);
        return 0;
    }
    Status written = write_file_atomically(options.out_path, content);
    if (!written) return report_error(written.error());
    std::fprintf(stderr, "wrote %s (%zu assistants, %s)\n", options.out_path.c_str(),
                 document->entries.size(), options.format.c_str());
    return 0;
}

}  // namespace

void register_register(CLI::App& app) {
    auto options = std::make_shared<RegisterOptions>();
    CLI::App* reg = app.add_subcommand("register", "The public register of assistants");
    reg->require_subcommand(1);
    auto data = [&](CLI::App* cmd) {
        cmd->add_option("--data", options->data_dir, "Data directory (default ./souverain-data)");
    };

    CLI::App* add = reg->add_subcommand("add", "Validate and register an assistant");
    add->add_option("--json,--file", options->json_path, "JSON file describing the assistant")
        ->required();
    add->add_flag("--replace", options->replace, "Replace an assistant of the same name");
    data(add);
    add->callback([options] { set_exit_code(run_add(*options)); });

    CLI::App* list = reg->add_subcommand("list", "List the registered assistants");
    list->add_flag("--json", options->json, "Print them as JSON");
    data(list);
    list->callback([options] { set_exit_code(run_list(*options)); });

    CLI::App* remove = reg->add_subcommand("remove", "Remove an assistant from the register");
    remove->add_option("name", options->name, "Name of the assistant")->required();
    data(remove);
    remove->callback([options] { set_exit_code(run_remove(*options)); });

    CLI::App* exp = reg->add_subcommand("export", "Publish the register as JSON or HTML");
    exp->add_option("--format", options->format, "json or html")->capture_default_str();
    exp->add_option("--lang", options->lang, "Language of the HTML page: en, fr or de")
        ->capture_default_str();
    exp->add_option("--out,-o", options->out_path, "Output file (default: standard output)");
    data(exp);
    exp->callback([options] { set_exit_code(run_export(*options)); });
}

}  // namespace souverain::cli
