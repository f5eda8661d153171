// `souverain pii scan FILE [--json]`: the personal data found in a file, one entity per line
// ("TYPE START END TEXT", byte offsets) or as JSON [{"type", "start", "end", "text"}].
// `souverain pii pseudonymize FILE --key-file F`: the file with every entity replaced by its
// pseudonym "<TYPE_xxxx>" under the tenant key in F (64 hex characters).
// `souverain pii reverse --data DIR --tenant T [FILE|-]`: the text (a file, or standard input)
// with every pseudonym of tenant T that the data directory's table holds replaced by its
// original. For the operator of the machine: whoever can run it reads the data directory's key
// anyway; over HTTP the same reversal is the tenant admins' (POST /v1/admin/pii/reverse).
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "governance/access_control.h"
#include "governance/pii_pseudonymizer.h"
#include "governance/pii_scan.h"
#include "governance/pii_vault.h"

namespace souverain::cli {

namespace {

using governance::PiiEntity;

struct PiiOptions {
    std::string file_path;
    std::string key_path;
    std::string data_dir = "./souverain-data";
    std::string tenant = "default";
    bool json = false;
};

Result<std::string> read_input_file(const std::string& path) {
    std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!file) {
        return make_error(ErrorCode::IO, "cannot open '" + path + "': " + std::strerror(errno));
    }
    std::string content;
    char buffer[1 << 16];
    for (size_t n; (n = std::fread(buffer, 1, sizeof(buffer), file.get())) > 0;) {
        content.append(buffer, n);
    }
    if (std::ferror(file.get())) {
        return make_error(ErrorCode::IO, "cannot read '" + path + "': " + std::strerror(errno));
    }
    return content;
}

int run_scan(const PiiOptions& options) {
    Result<std::string> text = read_input_file(options.file_path);
    if (!text) return report_error(text.error());
    const std::vector<PiiEntity> entities = governance::scan_pii(*text);
    std::string out;
    if (options.json) {
        nlohmann::json doc = nlohmann::json::array();
        for (const PiiEntity& entity : entities) {
            doc.push_back({{"type", governance::pii_type_name(entity.type)},
                           {"start", entity.start},
                           {"end", entity.end},
                           {"text", entity.text}});
        }
        // Entity texts are valid UTF-8 by construction; replace() only guards the contract.
        out = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    } else {
        for (const PiiEntity& entity : entities) {
            out += std::string(governance::pii_type_name(entity.type)) + " " +
                   std::to_string(entity.start) + " " + std::to_string(entity.end) + " " +
                   entity.text + "\n";
        }
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}

int run_pseudonymize(const PiiOptions& options) {
    Result<governance::PseudonymKey> key = governance::PseudonymKey::from_file(options.key_path);
    if (!key) return report_error(key.error());
    Result<std::string> text = read_input_file(options.file_path);
    if (!text) return report_error(text.error());
    const governance::PseudonymizedText result = governance::pseudonymize(*text, *key);
    std::fwrite(result.text.data(), 1, result.text.size(), stdout);
    return 0;
}

Result<std::string> read_stdin() {
    std::string content;
    char buffer[1 << 16];
    for (size_t n; (n = std::fread(buffer, 1, sizeof(buffer), stdin)) > 0;) {
        content.append(buffer, n);
    }
    if (std::ferror(stdin)) return make_error(ErrorCode::IO, "cannot read standard input");
    return content;
}

int run_reverse(const PiiOptions& options) {
    if (std::string problem = governance::tenant_name_problem(options.tenant); !problem.empty()) {
        return report_error(make_error(ErrorCode::INVALID_ARGUMENT,
                                       "bad tenant name '" + options.tenant + "': " + problem));
    }
    // Never create a key here: a data directory without one has nothing to reverse.
    const std::string key_path =
        (std::filesystem::path(options.data_dir) / governance::kPseudonymKeyFile).string();
    if (!std::filesystem::exists(key_path)) {
        return report_error(make_error(
            ErrorCode::NOT_FOUND,
            "no pseudonym key in '" + options.data_dir + "' (" + key_path + " is missing)"));
    }
    Result<std::string> text = options.file_path.empty() || options.file_path == "-"
                                   ? read_stdin()
                                   : read_input_file(options.file_path);
    if (!text) return report_error(text.error());
    Result<std::shared_ptr<governance::PiiVault>> vault =
        governance::PiiVault::open(options.data_dir);
    if (!vault) return report_error(vault.error());
    Result<governance::ReversedText> reversed = (*vault)->reverse(options.tenant, *text);
    if (!reversed) return report_error(reversed.error());
    std::fwrite(reversed->text.data(), 1, reversed->text.size(), stdout);
    if (reversed->unopened > 0) {
        std::fprintf(stderr, "warning: %zu pseudonyms did not open (altered table or key)\n",
                     reversed->unopened);
    }
    return 0;
}

}  // namespace

void register_pii(CLI::App& app) {
    CLI::App* pii = app.add_subcommand("pii", "Find and pseudonymize personal data in text");
    pii->require_subcommand(1);

    auto scan_options = std::make_shared<PiiOptions>();
    CLI::App* scan = pii->add_subcommand("scan", "List the personal data found in a file");
    scan->add_option("file", scan_options->file_path, "UTF-8 text file")->required();
    scan->add_flag("--json", scan_options->json,
                   "Print [{\"type\", \"start\", \"end\", \"text\"}] (byte offsets)");
    scan->callback([scan_options]() { set_exit_code(run_scan(*scan_options)); });

    auto pseudo_options = std::make_shared<PiiOptions>();
    CLI::App* pseudonymize =
        pii->add_subcommand("pseudonymize", "Print a file with personal data pseudonymized");
    pseudonymize->add_option("file", pseudo_options->file_path, "UTF-8 text file")->required();
    pseudonymize
        ->add_option("--key-file", pseudo_options->key_path,
                     "The tenant's pseudonymization key: 64 hex characters")
        ->required();
    pseudonymize->callback(
        [pseudo_options]() { set_exit_code(run_pseudonymize(*pseudo_options)); });

    auto reverse_options = std::make_shared<PiiOptions>();
    CLI::App* reverse = pii->add_subcommand(
        "reverse", "Print a text with a tenant's pseudonyms replaced by the original values");
    reverse->add_option("file", reverse_options->file_path, "Text file, or - for standard input");
    reverse->add_option("--data", reverse_options->data_dir,
                        "Data directory (default ./souverain-data)");
    reverse->add_option("--tenant", reverse_options->tenant,
                        "Tenant whose pseudonyms are reversed (default 'default')");
    reverse->callback([reverse_options]() { set_exit_code(run_reverse(*reverse_options)); });
}

}  // namespace souverain::cli
