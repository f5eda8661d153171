#pragma once
// A single self-overwriting progress line on stderr, only when stderr is a terminal.
#include <cstddef>
#include <functional>
#include <string>

#include "common/error.h"
#include "engine/gguf_writer.h"

namespace souverain::cli {

class ProgressLine {
public:
    explicit ProgressLine(std::string label);
    void update(size_t done, size_t total, const std::string& detail);
    void finish();  // ends the line (if one was drawn)

private:
    std::string label_;
    bool enabled_;
    bool drawn_ = false;
};

// Runs `write` (make-model, quantize: a GGUF written tensor by tensor) with a progress line
// labelled `label`, then reports "wrote PATH" or the error; returns the exit code.
int write_with_progress(const std::string& label, const std::string& output_path,
                        const std::function<Status(const TensorWriteProgress&)>& write);

}  // namespace souverain::cli
