// souverain make-model: random-weight GGUF models with real shapes (see engine/make_model.h).
#include <fstream>
#include <iterator>
#include <memory>

#include "cli/commands.h"
#include "cli/progress.h"
#include "engine/make_model.h"

namespace souverain::cli {

void register_make_model(CLI::App& app) {
    auto options = std::make_shared<MakeModelOptions>();
    auto n_threads = std::make_shared<int>(0);
    CLI::App* cmd = app.add_subcommand("make-model", "Write a GGUF model with random weights");
    cmd->add_option("--arch", options->arch, "Architecture: llama or bert")->capture_default_str();
    cmd->add_option("--preset", options->preset,
                    "llama: tiny, tinyllama-1b or mistral-7b; bert: tiny or minilm")
        ->required();
    cmd->add_option("--pooling", options->pooling, "bert: mean or cls")->capture_default_str();
    cmd->add_flag("--reranker", options->reranker,
                  "bert: a cross-encoder reranker (pooling_type 4 and a classification head)");
    cmd->add_option("--type", options->type,
                    "f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 q4_k q5_k q6_k q4_k_m q5_k_m")
        ->capture_default_str();
    cmd->add_option("--vocab", options->vocab_path, "GGUF file whose tokenizer is copied")
        ->required();
    cmd->add_option("--seed", options->seed, "Random seed")->capture_default_str();
    cmd->add_option("-o,--output", options->output_path, "Output GGUF path")->required();
    cmd->add_option("--threads", *n_threads, "Threads (0: all cores)");
    auto template_path = std::make_shared<std::string>();
    cmd->add_option("--chat-template", *template_path,
                    "File whose Jinja text becomes tokenizer.chat_template")
        ->check(CLI::ExistingFile);
    cmd->callback([options, n_threads, template_path] {
        if (!template_path->empty()) {
            std::ifstream in(*template_path, std::ios::binary);
            options->chat_template.assign(std::istreambuf_iterator<char>(in), {});
        }
        ThreadPool pool(*n_threads);
        set_exit_code(write_with_progress("make-model", options->output_path,
                                          [&](const TensorWriteProgress& progress) {
                                              return make_model(*options, pool, progress);
                                          }));
    });
}

}  // namespace souverain::cli
