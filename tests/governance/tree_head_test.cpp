#include "governance/tree_head.h"

#include <gtest/gtest.h>

namespace souverain::governance {
namespace {

TEST(TreeHead, SignedBytesFollowTheDocumentedLayout) {
    SignedTreeHead head;
    head.tree_size = 0x0102;
    head.timestamp_ms = 0x0304;
    head.root_hash.fill(0xab);
    head.key_id = "0123456789abcdef";
    const std::string bytes = tree_head_signed_bytes(head);
    const std::string domain("souverain-tree-head-v1\0", 23);
    ASSERT_EQ(bytes.size(), 23u + 8 + 8 + 32 + 16);
    EXPECT_EQ(bytes.substr(0, 23), domain);
    EXPECT_EQ(bytes.substr(23, 8), std::string("\0\0\0\0\0\0\x01\x02", 8));
    EXPECT_EQ(bytes.substr(31, 8), std::string("\0\0\0\0\0\0\x03\x04", 8));
    EXPECT_EQ(bytes.substr(39, 32), std::string(32, '\xab'));
    EXPECT_EQ(bytes.substr(71), head.key_id);
}

TEST(TreeHead, SignatureCoversEveryField) {
    const SigningKey key = SigningKey::generate();
    MerkleHash root = merkle_leaf_hash("x");
    const SignedTreeHead head = sign_tree_head(key, 5, root, 1'700'000'000'000);
    EXPECT_TRUE(verify_tree_head(head, key.public_key()));
    std::vector<SignedTreeHead> altered(4, head);
    altered[0].tree_size = 6;
    altered[1].timestamp_ms += 1;
    altered[2].root_hash[31] ^= 1;
    altered[3].signature[63] ^= 1;
    for (const SignedTreeHead& bad : altered) EXPECT_FALSE(verify_tree_head(bad, key.public_key()));
    Status wrong_key = verify_tree_head(head, SigningKey::generate().public_key());
    ASSERT_FALSE(wrong_key);
    EXPECT_NE(wrong_key.error().message.find("names key"), std::string::npos);
}

TEST(TreeHead, JsonRoundTripsStrictly) {
    const SigningKey key = SigningKey::generate();
    const SignedTreeHead head = sign_tree_head(key, 9, merkle_leaf_hash("y"), 123);
    const std::string json = tree_head_to_json(head);
    EXPECT_EQ(json.rfind("{\"key_id\":\"" + key.key_id() + "\",\"root_hash\":\"", 0), 0u) << json;
    Result<SignedTreeHead> parsed = parse_tree_head(json);
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(*parsed, head);
    std::string extra = json;
    extra.insert(1, "\"note\":\"x\",");
    EXPECT_FALSE(parse_tree_head(extra));
    std::string short_root = json;
    short_root.erase(short_root.find("root_hash") + 12, 2);
    EXPECT_FALSE(parse_tree_head(short_root));
}

TEST(TreeHead, ConsistencyBetweenTwoHeadsNeedsBothSignaturesAndTheProof) {
    const SigningKey key = SigningKey::generate();
    MerkleTree tree;
    for (int idx = 0; idx < 13; ++idx) tree.append(merkle_leaf_hash(std::to_string(idx)));
    const SignedTreeHead older = sign_tree_head(key, 5, tree.root_at(5), 1);
    const SignedTreeHead newer = sign_tree_head(key, 13, tree.root(), 2);
    const std::vector<MerkleHash> proof = *tree.consistency_proof(5, 13);
    EXPECT_TRUE(verify_tree_heads_consistent(older, newer, proof, key.public_key()));
    EXPECT_FALSE(verify_tree_heads_consistent(newer, older, proof, key.public_key()));
    std::vector<MerkleHash> flipped = proof;
    flipped[0][0] ^= 1;
    EXPECT_FALSE(verify_tree_heads_consistent(older, newer, flipped, key.public_key()));
    SignedTreeHead forged = newer;
    forged.root_hash[0] ^= 1;
    EXPECT_FALSE(verify_tree_heads_consistent(older, forged, proof, key.public_key()));
    // A head from another history of the same size, even signed, is not consistent.
    MerkleTree other;
    for (int idx = 0; idx < 13; ++idx)
        other.append(merkle_leaf_hash(idx == 2 ? "x" : std::to_string(idx)));
    const SignedTreeHead fork = sign_tree_head(key, 13, other.root(), 3);
    EXPECT_FALSE(verify_tree_heads_consistent(older, fork, *other.consistency_proof(5, 13),
                                              key.public_key()));
}

}  // namespace
}  // namespace souverain::governance
