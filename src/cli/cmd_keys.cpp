// `souverain keys show [--data DIR]`: the server's public signing key as the JWK set served at
// /.well-known/souverain/keys (the key pair is created on first use, as the server does).
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "governance/signing_key.h"

namespace souverain::cli {

namespace {

struct KeysOptions {
    std::string data_dir = "./souverain-data";
};

int run_show(const KeysOptions& options) {
    Result<governance::SigningKey> key = governance::SigningKey::load_or_create(options.data_dir);
    if (!key) return report_error(key.error());
    std::printf("%s\n", governance::public_keys_document({key->public_key()}).c_str());
    return 0;
}

}  // namespace

void register_keys(CLI::App& app) {
    auto options = std::make_shared<KeysOptions>();
    CLI::App* keys = app.add_subcommand("keys", "The server's signing key");
    keys->require_subcommand(1);
    CLI::App* show =
        keys->add_subcommand("show", "Print the public key (the /.well-known/souverain/keys JSON)");
    show->add_option("--data", options->data_dir, "Data directory (default ./souverain-data)");
    show->callback([options]() { set_exit_code(run_show(*options)); });
}

}  // namespace souverain::cli
