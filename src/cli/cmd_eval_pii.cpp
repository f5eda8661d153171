// `souverain eval pii --labels FILE.jsonl [--json] [--errors]`: precision, recall and F1 of
// the PII detectors per type and overall on a labeled set (format: governance/pii_eval.h).
//
// `eval` is shared with other evaluations (retrieval, ...) registered from other files: the
// group is created by whichever registration runs first and found by the others.
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "cli/commands.h"
#include "governance/pii_eval.h"

namespace souverain::cli {

namespace {

struct EvalPiiOptions {
    std::string labels_path;
    bool json = false;
    bool show_errors = false;
};

int run_eval_pii(const EvalPiiOptions& options) {
    std::ifstream file(options.labels_path, std::ios::binary);
    if (!file) {
        return report_error(
            make_error(ErrorCode::IO, "cannot open labels file '" + options.labels_path + "'"));
    }
    std::ostringstream content;
    content << file.rdbuf();
    if (file.bad()) {
        return report_error(
            make_error(ErrorCode::IO, "cannot read labels file '" + options.labels_path + "'"));
    }
    Result<std::vector<governance::PiiLabeledCase>> cases =
        governance::parse_pii_labels(content.str());
    if (!cases) {
        return report_error(
            make_error(cases.error().code, options.labels_path + ": " + cases.error().message));
    }
    const governance::PiiEvaluation evaluation = governance::evaluate_pii(*cases);
    std::string out = options.json ? governance::pii_evaluation_json(evaluation) + "\n"
                                   : governance::format_pii_evaluation(evaluation);
    if (options.show_errors) {
        for (const std::string& error : evaluation.errors) out += error + "\n";
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}

// The `eval` group: the one another evaluation registered, or a new one.
CLI::App* find_or_add_eval(CLI::App& app) {
    const std::vector<CLI::App*> found =
        app.get_subcommands([](CLI::App* sub) { return sub->get_name() == "eval"; });
    if (!found.empty()) return found.front();
    CLI::App* eval = app.add_subcommand("eval", "Evaluate a subsystem on a labeled set");
    eval->require_subcommand(1);
    return eval;
}

}  // namespace

void register_eval_pii(CLI::App& app) {
    auto options = std::make_shared<EvalPiiOptions>();
    CLI::App* cmd = find_or_add_eval(app)->add_subcommand(
        "pii", "Precision, recall and F1 of the PII detectors on a labeled JSONL set");
    cmd->add_option("--labels", options->labels_path,
                    "JSONL: {\"text\", \"entities\": [{\"type\", \"text\"}]} per line")
        ->required();
    cmd->add_flag("--json", options->json, "Print the scores as one JSON object");
    cmd->add_flag("--errors", options->show_errors, "Also print examples of misses and false hits");
    cmd->callback([options]() { set_exit_code(run_eval_pii(*options)); });
}

}  // namespace souverain::cli
