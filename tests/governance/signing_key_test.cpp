#include "governance/signing_key.h"

#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "governance/sha256.h"
#include "test_paths.h"

namespace souverain::governance {
namespace {

std::string hex(std::string_view bytes) {
    std::string out(2 * bytes.size() + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), (const unsigned char*)bytes.data(), bytes.size());
    out.pop_back();
    return out;
}

// RFC 8032 §7.1, test 1 (also the example key of RFC 8037 Appendix A).
SigningKey rfc8032_test1_key() {
    std::array<uint8_t, 32> seed;
    const std::string seed_hex = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    sodium_hex2bin(seed.data(), seed.size(), seed_hex.data(), seed_hex.size(), nullptr, nullptr,
                   nullptr);
    return SigningKey::from_seed(seed);
}

TEST(SigningKey, MatchesTheRfc8032TestVector) {
    const SigningKey key = rfc8032_test1_key();
    const PublicKey& pub = key.public_key();
    EXPECT_EQ(hex(std::string_view((const char*)pub.bytes().data(), 32)),
              "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    EXPECT_EQ(hex(key.sign("")),
              "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bac"
              "c61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
    // RFC 8037 Appendix A.2 writes this public key as this "x".
    EXPECT_EQ(pub.to_jwk()["x"], "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
    EXPECT_EQ(pub.key_id(),
              to_hex(sha256(std::string_view((const char*)pub.bytes().data(), 32))).substr(0, 16));
}

TEST(SigningKey, SignaturesVerifyOnlyForTheSignedMessageAndKey) {
    const SigningKey key = SigningKey::generate();
    const SigningKey other = SigningKey::generate();
    const std::string signature = key.sign("tree head");
    EXPECT_TRUE(key.public_key().verify("tree head", signature));
    EXPECT_FALSE(key.public_key().verify("tree heaD", signature));
    EXPECT_FALSE(other.public_key().verify("tree head", signature));
    EXPECT_FALSE(key.public_key().verify("tree head", signature.substr(1)));
    std::string flipped = signature;
    flipped[10] ^= 1;
    EXPECT_FALSE(key.public_key().verify("tree head", flipped));
    EXPECT_NE(key.key_id(), other.key_id());
}

TEST(SigningKey, CreatedOnFirstUsePrivateAndReloadedUnchanged) {
    const std::string dir = test::make_temp_dir("signing_key") + "/data";
    EXPECT_EQ(SigningKey::load(dir).error().code, ErrorCode::NOT_FOUND);
    Result<SigningKey> created = SigningKey::load_or_create(dir);
    ASSERT_TRUE(created) << created.error().message;
    const std::string path = dir + "/" + SigningKey::kFileName;
    struct stat info;
    ASSERT_EQ(::stat(path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    Result<SigningKey> again = SigningKey::load_or_create(dir);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->key_id(), created->key_id());
    Result<SigningKey> loaded = SigningKey::load(dir);
    ASSERT_TRUE(loaded);
    EXPECT_TRUE(loaded->public_key().verify("m", created->sign("m")));
    // No temporary file is left beside the key.
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir),
                            std::filesystem::directory_iterator()),
              1);
}

TEST(SigningKey, ThreadsCreatingTheKeyAtOnceGetTheSameKey) {
    const std::string dir = test::make_temp_dir("signing_key_race");
    std::vector<std::string> ids(8);
    std::vector<std::thread> threads;
    for (size_t t = 0; t < ids.size(); ++t) {
        threads.emplace_back([&, t] {
            Result<SigningKey> key = SigningKey::load_or_create(dir);
            ids[t] = key ? key->key_id() : "error: " + key.error().message;
        });
    }
    for (std::thread& thread : threads) thread.join();
    for (const std::string& id : ids) EXPECT_EQ(id, ids[0]);
    EXPECT_EQ(ids[0].size(), 16u) << ids[0];
}

TEST(SigningKey, RefusesAKeyFileOthersMayReadOrThatIsMalformed) {
    const std::string dir = test::make_temp_dir("signing_key_bad");
    ASSERT_TRUE(SigningKey::load_or_create(dir));
    const std::string path = dir + "/" + SigningKey::kFileName;
    ::chmod(path.c_str(), 0644);
    Result<SigningKey> open_key = SigningKey::load(dir);
    ASSERT_FALSE(open_key);
    EXPECT_NE(open_key.error().message.find("chmod 600"), std::string::npos);
    EXPECT_FALSE(SigningKey::load_or_create(dir));  // never replaced either

    std::ofstream(path, std::ios::trunc) << "not a key\n";
    ::chmod(path.c_str(), 0600);
    Result<SigningKey> malformed = SigningKey::load(dir);
    ASSERT_FALSE(malformed);
    EXPECT_EQ(malformed.error().code, ErrorCode::FORMAT);
}

TEST(PublicKey, KeySetDocumentRoundTrips) {
    const SigningKey a = SigningKey::generate();
    const SigningKey b = SigningKey::generate();
    const std::string doc = public_keys_document({a.public_key(), b.public_key()});
    Result<std::vector<PublicKey>> keys = parse_public_keys(doc);
    ASSERT_TRUE(keys) << keys.error().message;
    ASSERT_EQ(keys->size(), 2u);
    EXPECT_EQ((*keys)[1].bytes(), b.public_key().bytes());
    Result<PublicKey> found = find_public_key(*keys, a.key_id());
    ASSERT_TRUE(found);
    EXPECT_EQ(found->bytes(), a.public_key().bytes());
    EXPECT_EQ(find_public_key(*keys, "0000000000000000").error().code, ErrorCode::NOT_FOUND);
    // A single JWK is read as a set of one.
    Result<std::vector<PublicKey>> single = parse_public_keys(a.public_key().to_jwk().dump());
    ASSERT_TRUE(single);
    EXPECT_EQ(single->size(), 1u);
}

TEST(PublicKey, MalformedJwksAreRefused) {
    nlohmann::json good = SigningKey::generate().public_key().to_jwk();
    ASSERT_TRUE(PublicKey::from_jwk(good));
    auto with = [&](const char* key, nlohmann::json value) {
        nlohmann::json jwk = good;
        jwk[key] = std::move(value);
        return jwk;
    };
    EXPECT_FALSE(PublicKey::from_jwk(with("kty", "EC")));
    EXPECT_FALSE(PublicKey::from_jwk(with("crv", "X25519")));
    EXPECT_FALSE(PublicKey::from_jwk(with("x", "AAAA")));
    EXPECT_FALSE(PublicKey::from_jwk(with("x", "not base64!")));
    EXPECT_FALSE(PublicKey::from_jwk(with("kid", "0123456789abcdef")));
    EXPECT_FALSE(PublicKey::from_jwk(nlohmann::json::array()));
    EXPECT_FALSE(parse_public_keys("{\"keys\": 3}"));
    EXPECT_FALSE(parse_public_keys("{"));
}

}  // namespace
}  // namespace souverain::governance
