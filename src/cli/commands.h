#pragma once
// Each subcommand of `souverain` lives in its own cmd_*.cpp and registers itself here.
// A command's callback returns the process exit code; expected failures print one line
// "error: ..." on stderr and return 1 (see report_error).
#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "common/error.h"

namespace souverain::cli {

// The CLI edge: print `error: <message>` on stderr, return exit code 1.
int report_error(const Error& error);

// Set by a subcommand callback; main() returns it.
void set_exit_code(int code);

void register_inspect(CLI::App& app);
void register_tokenize(CLI::App& app);
void register_make_model(CLI::App& app);
void register_quantize(CLI::App& app);
void register_run(CLI::App& app);
void register_logits(CLI::App& app);
void register_embed(CLI::App& app);
void register_rerank(CLI::App& app);
void register_bench(CLI::App& app);
void register_serve(CLI::App& app);
void register_model_card(CLI::App& app);
void register_register(CLI::App& app);
void register_kb(CLI::App& app);
void register_ingest(CLI::App& app);
void register_search(CLI::App& app);
void register_bench_retrieval(CLI::App& app);
void register_ask(CLI::App& app);
void register_eval(CLI::App& app);
void register_pii(CLI::App& app);
void register_audit(CLI::App& app);
void register_receipt(CLI::App& app);
void register_keys(CLI::App& app);
void register_admin(CLI::App& app);
// Adds `eval pii` under an `eval` group, creating the group only if no other evaluation did.
void register_eval_pii(CLI::App& app);

}  // namespace souverain::cli
