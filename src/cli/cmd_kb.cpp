// `souverain kb create NAME [--tenant T] [--embedding-model F.gguf|hashing:DIM]
// [--pii off|pseudonymize]` and `souverain kb list [--tenant T]` (names; "\tpii=..." after
// those that pseudonymize): knowledge bases in a data directory, each owned by a tenant
// (default 'default').
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "retrieval/dense_base.h"
#include "retrieval/hashing_embedder.h"
#include "retrieval/knowledge_base.h"
#include "storage/store.h"

namespace souverain::cli {

namespace {

struct KbOptions {
    std::string name;
    std::string tenant = "default";
    std::string data_dir = "./souverain-data";
    std::string embedding_model;
    std::string pii = "off";
    int threads = 2;
};

int run_kb_create(const KbOptions& options) {
    if (Status name = retrieval::check_kb_name(options.name); !name) {
        return report_error(name.error());
    }
    const std::optional<storage::PiiPolicy> pii = storage::parse_pii_policy(options.pii);
    if (!pii) {
        return report_error(make_error(ErrorCode::INVALID_ARGUMENT,
                                       "--pii is off or pseudonymize, not '" + options.pii + "'"));
    }
    // The model is opened before the base is created, so that a model that cannot be used
    // leaves no half-configured base behind.
    if (!options.embedding_model.empty()) {
        Result<std::unique_ptr<retrieval::Embedder>> embedder =
            retrieval::open_embedding_model(options.embedding_model, options.threads);
        if (!embedder) return report_error(embedder.error());
    }
    Result<std::unique_ptr<storage::Store>> store = storage::open_sqlite_store(options.data_dir);
    if (!store) return report_error(store.error());
    Result<storage::KbInfo> kb = (*store)->create_kb(options.tenant, options.name, *pii);
    if (!kb) return report_error(kb.error());
    std::string with;
    if (!options.embedding_model.empty()) {
        Result<storage::EmbeddingModelInfo> model = retrieval::set_kb_embedding_model(
            options.data_dir, kb->id, options.embedding_model, options.threads);
        if (!model) {
            (void)(*store)->delete_kb(kb->id);
            return report_error(model.error());
        }
        with = " with embedding model " + model->name + " (" + std::to_string(model->dimension) +
               " dimensions)";
    }
    if (*pii == storage::PiiPolicy::PSEUDONYMIZE) {
        with += with.empty() ? " " : ", ";
        with += "pseudonymizing personal data";
    }
    std::printf("created knowledge base '%s' in %s%s\n", options.name.c_str(),
                options.data_dir.c_str(), with.c_str());
    return 0;
}

int run_kb_list(const KbOptions& options) {
    Result<std::unique_ptr<storage::Store>> store = storage::open_sqlite_store(options.data_dir);
    if (!store) return report_error(store.error());
    Result<std::vector<storage::KbInfo>> kbs = (*store)->list_kbs(options.tenant);
    if (!kbs) return report_error(kbs.error());
    // The policy is printed only where it is not the default, so the plain list stays one
    // name per line.
    for (const storage::KbInfo& kb : *kbs) {
        if (kb.pii == storage::PiiPolicy::OFF) {
            std::printf("%s\n", kb.name.c_str());
        } else {
            std::printf("%s\tpii=%s\n", kb.name.c_str(), storage::pii_policy_name(kb.pii));
        }
    }
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
    create->add_option("--embedding-model", options->embedding_model,
                       "Encoder GGUF whose vectors enable dense and hybrid search (hashing:DIM: "
                       "a model-free test embedder)");
    create->add_option("--threads", options->threads, "Threads of the embedding model");
    create->add_option("--pii", options->pii,
                       "off (default) or pseudonymize: personal data replaced by the tenant's "
                       "pseudonyms at ingestion");
    create->callback([options]() { set_exit_code(run_kb_create(*options)); });
    CLI::App* list = kb->add_subcommand("list", "List the knowledge bases");
    list->add_option("--tenant", options->tenant, "Tenant (default 'default')");
    list->add_option("--data", options->data_dir, "Data directory (default ./souverain-data)");
    list->callback([options]() { set_exit_code(run_kb_list(*options)); });
}

}  // namespace souverain::cli
