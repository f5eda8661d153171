#include "test_paths.h"

#include <filesystem>

namespace souverain::test {

std::string source_dir() {
    return SOUVERAIN_SOURCE_DIR;
}
std::string binary_dir() {
    return SOUVERAIN_BINARY_DIR;
}
std::string shared_dir() {
    return source_dir() + "/../shared";
}

std::string make_temp_dir(const std::string& name) {
    std::filesystem::path dir = std::filesystem::path(binary_dir()) / "test-work" / name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir.string();
}

}  // namespace souverain::test
