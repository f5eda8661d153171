// souverain: one program, many subcommands. This file only wires them together and maps
// uncaught failures to an exit code; each subcommand lives in its own cmd_*.cpp.
#include <cstdio>
#include <exception>

#include "cli/commands.h"

namespace souverain::cli {

namespace {
int g_exit_code = 0;
}

int report_error(const Error& error) {
    std::fprintf(stderr, "error: %s\n", error.message.c_str());
    return 1;
}

void set_exit_code(int code) {
    g_exit_code = code;
}

}  // namespace souverain::cli

int main(int argc, char** argv) {
    using namespace souverain::cli;
    CLI::App app{"Souverain: a sovereign AI server (engine, server, retrieval, governance)"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "souverain 0.1.0");
    register_inspect(app);
    register_tokenize(app);
    register_make_model(app);
    register_quantize(app);
    register_run(app);
    register_logits(app);
    register_embed(app);
    register_rerank(app);
    register_bench(app);
    register_serve(app);
    register_model_card(app);
    register_register(app);
    register_kb(app);
    register_ingest(app);
    register_search(app);
    register_bench_retrieval(app);
    register_ask(app);
    register_eval(app);
    register_pii(app);
    register_audit(app);
    register_receipt(app);
    register_keys(app);
    register_admin(app);
    register_eval_pii(app);  // last: joins an `eval` group registered before it
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return g_exit_code;
}
