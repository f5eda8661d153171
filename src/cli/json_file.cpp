#include "cli/json_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

namespace souverain::cli {

Result<nlohmann::json> read_json_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return make_error(ErrorCode::IO, "cannot open '" + path + "': " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return make_error(ErrorCode::IO, "cannot read '" + path + "'");
    try {
        return nlohmann::json::parse(text.str());
    } catch (const nlohmann::json::parse_error& e) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          path + ": not valid JSON (" + std::string(e.what()) + ")");
    }
}

Status write_file_atomically(const std::string& path, const std::string& content) {
    const std::string temp = path + ".tmp." + std::to_string(::getpid());
    {
        std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(temp.c_str(), "wb"), &std::fclose);
        if (!file) {
            return make_error(ErrorCode::IO,
                              "cannot write '" + temp + "': " + std::strerror(errno));
        }
        if (std::fwrite(content.data(), 1, content.size(), file.get()) != content.size() ||
            std::fflush(file.get()) != 0) {
            const std::string reason = std::strerror(errno);
            file.reset();
            std::remove(temp.c_str());
            return make_error(ErrorCode::IO, "cannot write '" + temp + "': " + reason);
        }
    }
    std::error_code ec;
    std::filesystem::rename(temp, path, ec);
    if (ec) {
        std::remove(temp.c_str());
        return make_error(ErrorCode::IO, "cannot write '" + path + "': " + ec.message());
    }
    return Status::success();
}

}  // namespace souverain::cli
