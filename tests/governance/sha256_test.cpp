#include "governance/sha256.h"

#include <gtest/gtest.h>

#include <fstream>

#include "test_paths.h"

namespace souverain::governance {
namespace {

// FIPS 180-2 test vectors.
TEST(Sha256, MatchesTheStandardVectors) {
    EXPECT_EQ(to_hex(sha256("")),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(to_hex(sha256("abc")),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(to_hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, FileDigestEqualsDigestOfItsBytes) {
    const std::string path = test::make_temp_dir("sha256") + "/data.bin";
    std::string bytes;
    for (int idx = 0; idx < 3'000'000; ++idx) bytes += (char)(idx * 31 % 251);
    std::ofstream(path, std::ios::binary) << bytes;
    auto digest = sha256_file(path);
    ASSERT_TRUE(digest.ok());
    EXPECT_EQ(*digest, sha256(bytes));
    EXPECT_FALSE(sha256_file(path + ".missing").ok());
}

TEST(Sha256, IncrementalHashingOfPiecesEqualsHashingTheWhole) {
    std::string bytes;
    for (int idx = 0; idx < 100'000; ++idx) bytes += (char)(idx * 13 % 256);
    Sha256Hasher hasher;
    for (size_t pos = 0; pos < bytes.size(); pos += 777) {
        hasher.update(std::string_view(bytes).substr(pos, 777));
    }
    EXPECT_EQ(hasher.finish(), sha256(bytes));
    Sha256Hasher empty;
    EXPECT_EQ(to_hex(empty.finish()),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace souverain::governance
