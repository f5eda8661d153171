// `souverain tokenize`: print the token ids of a text under a model's vocabulary, on one line
// separated by single spaces.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "engine/gguf.h"
#include "engine/vocab.h"

namespace souverain::cli {

namespace {

struct TokenizeOptions {
    std::string model_path;
    std::string text;
    std::string file_path;
    bool add_bos = false;
    bool parse_special = false;
};

Result<std::string> read_whole_file(const std::string& path) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) {
        return make_error(ErrorCode::IO,
                          "cannot open text file '" + path + "': " + std::strerror(errno));
    }
    std::string content;
    char buffer[1 << 16];
    for (size_t n_read; (n_read = std::fread(buffer, 1, sizeof(buffer), file)) > 0;) {
        content.append(buffer, n_read);
    }
    const bool failed = std::ferror(file) != 0;  // e.g. a directory: EISDIR
    const int read_errno = errno;
    std::fclose(file);
    if (failed) {
        return make_error(ErrorCode::IO,
                          "cannot read text file '" + path + "': " + std::strerror(read_errno));
    }
    return content;
}

int run_tokenize(const TokenizeOptions& options, bool has_text, bool has_file) {
    if (has_text == has_file) {
        return report_error(make_error(ErrorCode::INVALID_ARGUMENT,
                                       "tokenize needs exactly one of --text and --file"));
    }
    std::string text = options.text;
    if (has_file) {
        Result<std::string> content = read_whole_file(options.file_path);
        if (!content) return report_error(content.error());
        text = std::move(*content);
    }
    Result<std::unique_ptr<GgufFile>> gguf = GgufFile::open(options.model_path);
    if (!gguf) return report_error(gguf.error());
    Result<std::shared_ptr<const Vocab>> vocab = Vocab::load(**gguf);
    if (!vocab) {
        return report_error(
            make_error(vocab.error().code, options.model_path + ": " + vocab.error().message));
    }
    const std::vector<int32_t> ids =
        (*vocab)->tokenize(text, options.add_bos, options.parse_special);
    std::string line;
    for (size_t idx = 0; idx < ids.size(); ++idx) {
        if (idx > 0) line.push_back(' ');
        line += std::to_string(ids[idx]);
    }
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stdout);
    return 0;
}

}  // namespace

void register_tokenize(CLI::App& app) {
    auto options = std::make_shared<TokenizeOptions>();
    CLI::App* cmd = app.add_subcommand("tokenize", "Print the token ids of a text");
    cmd->add_option("--model,-m", options->model_path, "GGUF file with a vocabulary")->required();
    CLI::Option* text_opt = cmd->add_option("--text,-t", options->text, "Text to tokenize");
    CLI::Option* file_opt =
        cmd->add_option("--file,-f", options->file_path, "File whose whole content is the text");
    cmd->add_flag("--bos", options->add_bos,
                  "Add the special tokens the vocabulary frames text with (BOS, or CLS/SEP)");
    cmd->add_flag("--parse-special", options->parse_special,
                  "Turn the text of special tokens (<s>, <|eot_id|>...) into those tokens");
    cmd->callback([options, text_opt, file_opt]() {
        set_exit_code(run_tokenize(*options, text_opt->count() > 0, file_opt->count() > 0));
    });
}

}  // namespace souverain::cli
