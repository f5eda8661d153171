#include "test_paths.h"

#include <gtest/gtest.h>

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
    // ctest runs every test as its own process, in parallel: the folder is per test, so two
    // tests asking for the same name never wipe each other's files.
    std::string test_name = "no-test";
    if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info()) {
        test_name = std::string(info->test_suite_name()) + "." + info->name();
        for (char& c : test_name) {
            if (c == '/') c = '_';
        }
    }
    std::filesystem::path dir =
        std::filesystem::path(binary_dir()) / "test-work" / "unit" / test_name / name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir.string();
}

}  // namespace souverain::test
