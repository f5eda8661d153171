// `souverain kb create NAME` and `souverain kb list`: knowledge bases in a data directory, each
// owned by a tenant (--tenant, default 'default').
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "retrieval/knowledge_base.h"
#include "storage/store.h"

namespace souverain::cli {

namespace {

struct KbOptions {
    std::string name;
    std::string tenant = "default";
    std::string data_dir = "./souverain-data";
};

int run_kb_create(const KbOptions& options) {
    if (Status name = retrieval::check_kb_name(options.name); !name) {
        return report_error(name.error());
    }
    Result<std::unique_ptr<storage::Store>> store = storage::open_sqlite_store(options.data_dir);
    if (!store) return report_error(store.error());
    Result<storage::KbInfo> kb = (*store)->create_kb(options.tenant, options.name);
    if (!kb) return report_error(kb.error());
    std::printf("created knowledge base '%s' in %s\n", options.name.c_str(),
                options.data_dir.c_str());
    return 0;
}

int run_kb_list(const KbOptions& options) {
    Result<std::unique_ptr<storage::Store>> store = storage::open_sqlite_store(options.data_dir);
    if (!store) return report_error(store.error());
    Result<std::vector<storage::KbInfo>> kbs = (*store)->list_kbs(options.tenant);
    if (!kbs) return report_error(kbs.error());
    for (const storage::KbInfo& kb : *kbs) std::printf("%s\n", kb.name.c_str());
    return 0;
}

}  // namespace

void register_kb(CLI::App& app) {
    auto options = std::make_shared<KbOptions>();
    CLI::App* kb = app.add_subcommand("kb", "Manage knowledge bases");
    kb->require_subcommand(1);
    CLI::App* create = kb->add_subcommand("create", "Create an empty knowledge base");
    create->add_option("name", options->name, "Name of the knowledge base")->required();
    create->add_option("--tenant", options->tenant, "Owning tenant (default 'default')");
    create->add_option("--data", options->data_dir, "Data directory (default ./souverain-data)");
    create->callback([options]() { set_exit_code(run_kb_create(*options)); });
    CLI::App* list = kb->add_subcommand("list", "List the knowledge bases");
    list->add_option("--tenant", options->tenant, "Tenant (default 'default')");
    list->add_option("--data", options->data_dir, "Data directory (default ./souverain-data)");
    list->callback([options]() { set_exit_code(run_kb_list(*options)); });
}

}  // namespace souverain::cli
