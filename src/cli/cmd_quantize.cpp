// souverain quantize IN.gguf OUT.gguf --type TYPE
#include <memory>

#include "cli/commands.h"
#include "cli/progress.h"
#include "engine/quantize_model.h"

namespace souverain::cli {

void register_quantize(CLI::App& app) {
    auto options = std::make_shared<QuantizeOptions>();
    auto n_threads = std::make_shared<int>(0);
    CLI::App* cmd =
        app.add_subcommand("quantize", "Convert an F32/F16/BF16 GGUF model to another type");
    cmd->add_option("input", options->input_path, "Input GGUF")->required();
    cmd->add_option("output", options->output_path, "Output GGUF")->required();
    cmd->add_option("--type", options->type,
                    "q4_k_m q5_k_m q8_0 q4_0 q4_1 q5_0 q5_1 q4_k q5_k q6_k f16 bf16 f32")
        ->required();
    cmd->add_option("--threads", *n_threads, "Threads (0: all cores)");
    cmd->callback([options, n_threads] {
        ThreadPool pool(*n_threads);
        set_exit_code(write_with_progress("quantize", options->output_path,
                                          [&](const TensorWriteProgress& progress) {
                                              return quantize_model(*options, pool, progress);
                                          }));
    });
}

}  // namespace souverain::cli
