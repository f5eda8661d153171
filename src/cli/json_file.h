#pragma once
// Files the register commands read and write: an administrator's JSON record, and an export
// written whole or not at all.
#include <nlohmann/json.hpp>
#include <string>

#include "common/error.h"

namespace souverain::cli {

// The JSON value in `path`; the error names the file (and the parser's position).
Result<nlohmann::json> read_json_file(const std::string& path);

// Writes `content` to a temporary file beside `path`, then renames it over `path`, so a
// reader never sees half a page.
Status write_file_atomically(const std::string& path, const std::string& content);

}  // namespace souverain::cli
