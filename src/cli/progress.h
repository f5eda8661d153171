#pragma once
// A single self-overwriting progress line on stderr, only when stderr is a terminal.
#include <cstddef>
#include <string>

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

}  // namespace souverain::cli
