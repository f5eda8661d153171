#include "governance/merkle_tree.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <bit>
#include <string>
#include <vector>

namespace souverain::governance {
namespace {

MerkleHash from_hex(const std::string& hex) {
    MerkleHash out{};
    EXPECT_EQ(hex.size(), 64u);
    EXPECT_EQ(
        sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, nullptr, nullptr),
        0);
    return out;
}

std::vector<MerkleHash> from_hex_list(const std::vector<std::string>& hexes) {
    std::vector<MerkleHash> out;
    for (const std::string& hex : hexes) out.push_back(from_hex(hex));
    return out;
}

// The reference tree of Certificate Transparency (RFC 6962's reference implementation, also
// used by transparency-dev/merkle): eight leaves and their published roots and proofs.
const std::vector<std::string> kReferenceLeaves = {
    "",
    std::string("\x00", 1),
    "\x10",
    "\x20\x21",
    "\x30\x31",
    "\x40\x41\x42\x43",
    "\x50\x51\x52\x53\x54\x55\x56\x57",
    "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
};

MerkleTree reference_tree(size_t n_leaves) {
    MerkleTree tree;
    for (size_t idx = 0; idx < n_leaves; ++idx) {
        tree.append(merkle_leaf_hash(kReferenceLeaves[idx]));
    }
    return tree;
}

TEST(MerkleTree, RootsMatchTheCertificateTransparencyReferenceVectors) {
    const std::vector<std::string> roots = {
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    };
    MerkleTree tree;
    EXPECT_EQ(to_hex(tree.root()), roots[0]);
    for (size_t n = 1; n <= 8; ++n) {
        tree.append(merkle_leaf_hash(kReferenceLeaves[n - 1]));
        EXPECT_EQ(to_hex(tree.root()), roots[n]) << n << " leaves";
    }
    // Roots of earlier sizes stay reachable after later appends.
    for (size_t n = 0; n <= 8; ++n) EXPECT_EQ(to_hex(tree.root_at(n)), roots[n]) << n;
    EXPECT_EQ(merkle_empty_root(), sha256(""));
}

TEST(MerkleTree, InclusionProofsMatchTheReferenceVectors) {
    struct Vector {
        uint64_t tree_size, index;
        std::vector<std::string> path;
    };
    const std::vector<Vector> vectors = {
        {1, 0, {}},
        {2, 0, {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"}},
        {2, 1, {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"}},
        {3, 2, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
        {5,
         1,
         {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
          "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
          "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
        {8,
         0,
         {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
          "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
          "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
        {8,
         5,
         {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
          "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
          "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    };
    const MerkleTree tree = reference_tree(8);
    for (const Vector& v : vectors) {
        Result<std::vector<MerkleHash>> path = tree.inclusion_proof(v.index, v.tree_size);
        ASSERT_TRUE(path) << path.error().message;
        EXPECT_EQ(*path, from_hex_list(v.path)) << v.index << " in " << v.tree_size;
        EXPECT_TRUE(verify_inclusion(v.index, v.tree_size, tree.leaf(v.index), *path,
                                     tree.root_at(v.tree_size)));
    }
}

TEST(MerkleTree, ConsistencyProofsMatchTheReferenceVectors) {
    struct Vector {
        uint64_t first, second;
        std::vector<std::string> proof;
    };
    const std::vector<Vector> vectors = {
        {1, 1, {}},
        {1,
         8,
         {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
          "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
          "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
        {2,
         5,
         {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
          "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
        {6,
         8,
         {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
          "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
          "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    };
    const MerkleTree tree = reference_tree(8);
    for (const Vector& v : vectors) {
        Result<std::vector<MerkleHash>> proof = tree.consistency_proof(v.first, v.second);
        ASSERT_TRUE(proof) << proof.error().message;
        EXPECT_EQ(*proof, from_hex_list(v.proof)) << v.first << " -> " << v.second;
        EXPECT_TRUE(verify_consistency(v.first, v.second, tree.root_at(v.first),
                                       tree.root_at(v.second), *proof));
    }
}

// RFC 9162 §2.1 transcribed literally (every subtree hashed from its leaves), as the oracle of
// the cached-levels implementation.
MerkleHash reference_mth(std::span<const MerkleHash> leaves) {
    if (leaves.empty()) return merkle_empty_root();
    if (leaves.size() == 1) return leaves[0];
    const size_t k = std::bit_floor(leaves.size() - 1);
    return merkle_node_hash(reference_mth(leaves.first(k)), reference_mth(leaves.subspan(k)));
}

std::vector<MerkleHash> reference_path(size_t m, std::span<const MerkleHash> leaves) {
    if (leaves.size() <= 1) return {};
    const size_t k = std::bit_floor(leaves.size() - 1);
    std::vector<MerkleHash> out;
    if (m < k) {
        out = reference_path(m, leaves.first(k));
        out.push_back(reference_mth(leaves.subspan(k)));
    } else {
        out = reference_path(m - k, leaves.subspan(k));
        out.push_back(reference_mth(leaves.first(k)));
    }
    return out;
}

std::vector<MerkleHash> reference_subproof(size_t m, std::span<const MerkleHash> leaves, bool b) {
    if (m == leaves.size()) {
        if (b) return {};
        return {reference_mth(leaves)};
    }
    const size_t k = std::bit_floor(leaves.size() - 1);
    std::vector<MerkleHash> out;
    if (m <= k) {
        out = reference_subproof(m, leaves.first(k), b);
        out.push_back(reference_mth(leaves.subspan(k)));
    } else {
        out = reference_subproof(m - k, leaves.subspan(k), false);
        out.push_back(reference_mth(leaves.first(k)));
    }
    return out;
}

std::vector<MerkleHash> numbered_leaves(size_t n) {
    std::vector<MerkleHash> leaves;
    for (size_t idx = 0; idx < n; ++idx) {
        leaves.push_back(merkle_leaf_hash("record " + std::to_string(idx)));
    }
    return leaves;
}

constexpr size_t kExhaustiveSize = 64;

TEST(MerkleTree, AgreesWithTheRecursiveDefinitionForEverySizeUpTo64) {
    const std::vector<MerkleHash> leaves = numbered_leaves(kExhaustiveSize);
    MerkleTree tree;
    for (const MerkleHash& leaf : leaves) tree.append(leaf);
    const std::span<const MerkleHash> all(leaves);
    for (size_t n = 0; n <= kExhaustiveSize; ++n) {
        ASSERT_EQ(tree.root_at(n), reference_mth(all.first(n))) << n;
        for (size_t m = 0; m < n; ++m) {
            ASSERT_EQ(*tree.inclusion_proof(m, n), reference_path(m, all.first(n)))
                << m << " in " << n;
        }
        for (size_t m = 1; m < n; ++m) {
            ASSERT_EQ(*tree.consistency_proof(m, n), reference_subproof(m, all.first(n), true))
                << m << " -> " << n;
        }
    }
}

// A proof binds the tree size only through the root it is checked against (PATH(m, D[n]) can
// equal PATH(m, D[n+1])), so the alterations below keep the size and change everything else.
TEST(MerkleTree, EveryInclusionProofVerifiesAndAnyAlterationFails) {
    const std::vector<MerkleHash> leaves = numbered_leaves(kExhaustiveSize);
    MerkleTree tree;
    for (const MerkleHash& leaf : leaves) tree.append(leaf);
    for (uint64_t n = 1; n <= kExhaustiveSize; ++n) {
        const MerkleHash root = tree.root_at(n);
        for (uint64_t m = 0; m < n; ++m) {
            const std::vector<MerkleHash> path = *tree.inclusion_proof(m, n);
            ASSERT_TRUE(verify_inclusion(m, n, leaves[m], path, root)) << m << " in " << n;
            if (n > 1) {
                EXPECT_FALSE(verify_inclusion((m + 1) % n, n, leaves[m], path, root));
                EXPECT_FALSE(verify_inclusion(m, n, leaves[(m + 1) % n], path, root));
            }
            EXPECT_FALSE(verify_inclusion(n, n, leaves[m], path, root));
            MerkleHash wrong_root = root;
            wrong_root[m % 32] ^= 1;
            EXPECT_FALSE(verify_inclusion(m, n, leaves[m], path, wrong_root));
            for (size_t at = 0; at < path.size(); ++at) {
                std::vector<MerkleHash> flipped = path;
                flipped[at][(m + at) % 32] ^= 0x80;
                EXPECT_FALSE(verify_inclusion(m, n, leaves[m], flipped, root))
                    << m << " in " << n << ", element " << at;
            }
            if (!path.empty()) {
                std::vector<MerkleHash> shorter(path.begin(), path.end() - 1);
                EXPECT_FALSE(verify_inclusion(m, n, leaves[m], shorter, root));
            }
            std::vector<MerkleHash> longer = path;
            longer.push_back(root);
            EXPECT_FALSE(verify_inclusion(m, n, leaves[m], longer, root));
        }
    }
}

TEST(MerkleTree, EveryConsistencyProofVerifiesAndAnyAlterationFails) {
    const std::vector<MerkleHash> leaves = numbered_leaves(kExhaustiveSize);
    MerkleTree tree;
    for (const MerkleHash& leaf : leaves) tree.append(leaf);
    for (uint64_t n = 1; n <= kExhaustiveSize; ++n) {
        const MerkleHash second_root = tree.root_at(n);
        for (uint64_t m = 1; m < n; ++m) {
            const MerkleHash first_root = tree.root_at(m);
            const std::vector<MerkleHash> proof = *tree.consistency_proof(m, n);
            ASSERT_TRUE(verify_consistency(m, n, first_root, second_root, proof))
                << m << " -> " << n;
            EXPECT_FALSE(verify_consistency(m + 1, n, first_root, second_root, proof));
            EXPECT_FALSE(verify_consistency(m - 1, n, first_root, second_root, proof));
            EXPECT_FALSE(verify_consistency(m, n, tree.root_at(m - 1), second_root, proof));
            EXPECT_FALSE(verify_consistency(m, n, first_root, tree.root_at(n - 1), proof));
            for (size_t at = 0; at < proof.size(); ++at) {
                std::vector<MerkleHash> flipped = proof;
                flipped[at][(m + at) % 32] ^= 0x01;
                EXPECT_FALSE(verify_consistency(m, n, first_root, second_root, flipped))
                    << m << " -> " << n << ", element " << at;
            }
            std::vector<MerkleHash> shorter(proof.begin(), proof.end() - 1);
            EXPECT_FALSE(verify_consistency(m, n, first_root, second_root, shorter));
            std::vector<MerkleHash> longer = proof;
            longer.push_back(second_root);
            EXPECT_FALSE(verify_consistency(m, n, first_root, second_root, longer));
        }
    }
}

TEST(MerkleTree, TrivialConsistencyNeedsEqualRootsOrTheEmptyTree) {
    const MerkleTree tree = reference_tree(5);
    EXPECT_TRUE(tree.consistency_proof(5, 5)->empty());
    EXPECT_TRUE(tree.consistency_proof(0, 5)->empty());
    EXPECT_TRUE(verify_consistency(5, 5, tree.root(), tree.root(), {}));
    EXPECT_FALSE(verify_consistency(5, 5, tree.root_at(4), tree.root(), {}));
    EXPECT_TRUE(verify_consistency(0, 5, merkle_empty_root(), tree.root(), {}));
    EXPECT_FALSE(verify_consistency(0, 5, tree.root_at(1), tree.root(), {}));
    EXPECT_FALSE(verify_consistency(5, 4, tree.root(), tree.root_at(4), {}));
    // Real sizes with an empty proof never verify (RFC 9162 step 1).
    EXPECT_FALSE(verify_consistency(4, 5, tree.root_at(4), tree.root(), {}));
}

TEST(MerkleTree, TruncatedTreeEqualsATreeBuiltToThatSize) {
    const std::vector<MerkleHash> leaves = numbered_leaves(kExhaustiveSize);
    for (uint64_t cut = 0; cut <= kExhaustiveSize; cut += 7) {
        MerkleTree tree;
        for (const MerkleHash& leaf : leaves) tree.append(leaf);
        tree.truncate(cut);
        ASSERT_EQ(tree.size(), cut);
        EXPECT_EQ(tree.root(), reference_mth(std::span<const MerkleHash>(leaves).first(cut)));
        // And it grows again as if never cut.
        for (uint64_t idx = cut; idx < kExhaustiveSize; ++idx) tree.append(leaves[idx]);
        EXPECT_EQ(tree.root(), reference_mth(leaves)) << cut;
        EXPECT_EQ(*tree.inclusion_proof(cut / 2, kExhaustiveSize), reference_path(cut / 2, leaves));
    }
}

TEST(MerkleTree, ProofsBeyondTheTreeAreErrors) {
    const MerkleTree tree = reference_tree(5);
    EXPECT_FALSE(tree.inclusion_proof(5, 5));
    EXPECT_FALSE(tree.inclusion_proof(0, 6));
    EXPECT_FALSE(tree.inclusion_proof(0, 0));
    EXPECT_FALSE(tree.consistency_proof(3, 6));
    EXPECT_FALSE(tree.consistency_proof(4, 3));
    EXPECT_EQ(tree.inclusion_proof(0, 6).error().code, ErrorCode::OUT_OF_RANGE);
}

TEST(MerkleTree, ProofsInALargeTreeVerify) {
    constexpr uint64_t kSize = 100'003;
    std::vector<MerkleHash> leaves = numbered_leaves(kSize);
    MerkleTree tree;
    for (const MerkleHash& leaf : leaves) tree.append(leaf);
    EXPECT_EQ(tree.root(), reference_mth(leaves));
    for (uint64_t m : {uint64_t{0}, uint64_t{65'536}, uint64_t{99'999}, kSize - 1}) {
        const std::vector<MerkleHash> path = *tree.inclusion_proof(m, kSize);
        EXPECT_LE(path.size(), 17u);  // ceil(log2(n)); leaves on the ragged edge need fewer
        EXPECT_TRUE(verify_inclusion(m, kSize, leaves[m], path, tree.root()));
    }
    for (uint64_t first : {uint64_t{1}, uint64_t{65'536}, uint64_t{77'777}, kSize - 1}) {
        const std::vector<MerkleHash> proof = *tree.consistency_proof(first, kSize);
        EXPECT_TRUE(verify_consistency(first, kSize, tree.root_at(first), tree.root(), proof));
    }
}

}  // namespace
}  // namespace souverain::governance
