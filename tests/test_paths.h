#pragma once
// Where tests find the repository, the build tree and ../shared.
#include <string>

namespace souverain::test {

std::string source_dir();
std::string binary_dir();
// ../shared beside the repository root (read-only test data).
std::string shared_dir();
// A fresh, empty directory under the build tree for one test's files (per running test, so
// tests in parallel processes never share one).
std::string make_temp_dir(const std::string& name);

}  // namespace souverain::test
