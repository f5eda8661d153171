#pragma once
// Rewrites a GGUF model with its matrices in another type (F32/F16/BF16 sources only:
// requantizing an already quantized model would compound errors). Metadata is copied,
// general.file_type updated; tensors stream one at a time.
#include <string>

#include "common/error.h"
#include "common/thread_pool.h"
#include "engine/gguf_writer.h"

namespace souverain {

struct QuantizeOptions {
    std::string input_path;
    std::string output_path;
    std::string type;  // a QuantRecipe name
};

Status quantize_model(const QuantizeOptions& options, ThreadPool& pool,
                      const TensorWriteProgress& progress = nullptr);

}  // namespace souverain
