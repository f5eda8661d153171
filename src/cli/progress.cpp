#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

#include "cli/commands.h"

namespace souverain::cli {

ProgressLine::ProgressLine(std::string label)
    : label_(std::move(label)), enabled_(isatty(STDERR_FILENO) != 0) {}

void ProgressLine::update(size_t done, size_t total, const std::string& detail) {
    if (!enabled_ || total == 0) return;
    std::fprintf(stderr, "\r\033[K%s: %zu/%zu (%3.0f%%) %s", label_.c_str(), done, total,
                 100.0 * (double)done / (double)total, detail.c_str());
    std::fflush(stderr);
    drawn_ = true;
}

void ProgressLine::finish() {
    if (drawn_) std::fprintf(stderr, "\n");
    drawn_ = false;
}

int write_with_progress(const std::string& label, const std::string& output_path,
                        const std::function<Status(const TensorWriteProgress&)>& write) {
    ProgressLine progress(label);
    Status status = write([&](size_t done, size_t total, const std::string& name) {
        progress.update(done, total, name);
    });
    progress.finish();
    if (!status) return report_error(status.error());
    std::fprintf(stderr, "wrote %s\n", output_path.c_str());
    return 0;
}

}  // namespace souverain::cli
