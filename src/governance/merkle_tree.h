#pragma once
// The Merkle tree of RFC 9162 §2.1 (Certificate Transparency 2.0) over SHA-256, the structure
// behind the audit log: an append-only list of leaves whose root hash commits to every leaf
// and to their order.
//
// Hashing (§2.1.1): leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right), the
// root of the empty tree is SHA-256(""). A tree of n > 1 leaves splits at k, the largest power
// of two below n: MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n])). Inclusion proofs are PATH(m, D[n])
// of §2.1.3.1 and consistency proofs PROOF(m, D[n]) of §2.1.4.1, both ordered from the leaf
// side to the root side; the verifiers are the algorithms of §2.1.3.2 and §2.1.4.2.
//
// Cost: MerkleTree keeps every level of the tree (the leaf hashes and each complete interior
// node: about 64 bytes per leaf, 64 MB for a million records), so an append costs one hash
// amortized, and a root at any size, an inclusion proof or a consistency proof costs
// O(log^2 n) hashes at worst (perfect subtrees are looked up, only the ragged right edge of
// the requested size is hashed).
//
// Thread-safety: the free functions are pure. A MerkleTree is a plain value: concurrent const
// calls are safe, append() needs exclusive access (the audit log holds its mutex).
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "governance/sha256.h"

namespace souverain::governance {

using MerkleHash = Sha256Digest;

// SHA-256(0x00 || data).
MerkleHash merkle_leaf_hash(std::string_view data);
// SHA-256(0x01 || left || right).
MerkleHash merkle_node_hash(const MerkleHash& left, const MerkleHash& right);
// SHA-256(""): the root of the tree with no leaves.
MerkleHash merkle_empty_root();

class MerkleTree {
public:
    // Adds a leaf given by its leaf hash (merkle_leaf_hash of the entry's bytes).
    void append(const MerkleHash& leaf_hash);

    // Drops the leaves from `new_size` on (an append whose storage failed is undone this way).
    // Precondition: new_size <= size().
    void truncate(uint64_t new_size);

    uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
    // Precondition: index < size().
    const MerkleHash& leaf(uint64_t index) const { return levels_[0][index]; }

    MerkleHash root() const { return root_at(size()); }
    // MTH(D[0:tree_size]): the root the tree had when it held `tree_size` leaves.
    // Precondition: tree_size <= size().
    MerkleHash root_at(uint64_t tree_size) const;

    // PATH(leaf_index, D[0:tree_size]). OUT_OF_RANGE unless leaf_index < tree_size <= size().
    Result<std::vector<MerkleHash>> inclusion_proof(uint64_t leaf_index, uint64_t tree_size) const;

    // PROOF(first, D[0:second]). OUT_OF_RANGE unless first <= second <= size(). The proof is
    // empty when first == second or first == 0 (RFC 9162 defines proofs for 0 < first < second
    // only; verify_consistency accepts these two cases with an empty proof).
    Result<std::vector<MerkleHash>> consistency_proof(uint64_t first, uint64_t second) const;

private:
    // MTH(D[begin:end]), end > begin.
    MerkleHash subtree_root(uint64_t begin, uint64_t end) const;
    void append_path(uint64_t m, uint64_t begin, uint64_t end, std::vector<MerkleHash>& out) const;
    void append_subproof(uint64_t m, uint64_t begin, uint64_t end, bool whole,
                         std::vector<MerkleHash>& out) const;

    // levels_[h][i] is the root of the perfect subtree over leaves [i * 2^h, (i + 1) * 2^h);
    // levels_[0] are the leaf hashes. Only complete subtrees are present.
    std::vector<std::vector<MerkleHash>> levels_;
};

// RFC 9162 §2.1.3.2: true when `path` proves that the leaf with hash `leaf_hash` is at
// `leaf_index` in the tree of `tree_size` leaves whose root is `root`.
bool verify_inclusion(uint64_t leaf_index, uint64_t tree_size, const MerkleHash& leaf_hash,
                      std::span<const MerkleHash> path, const MerkleHash& root);

// RFC 9162 §2.1.4.2: true when `proof` shows that the tree of `first` leaves with root
// `first_root` is a prefix of the tree of `second` leaves with root `second_root`. Beyond the
// RFC: first == second holds with an empty proof when the roots are equal, and first == 0
// holds with an empty proof when `first_root` is the empty root; first > second never holds.
bool verify_consistency(uint64_t first, uint64_t second, const MerkleHash& first_root,
                        const MerkleHash& second_root, std::span<const MerkleHash> proof);

}  // namespace souverain::governance
