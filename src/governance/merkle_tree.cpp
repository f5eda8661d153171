#include "governance/merkle_tree.h"

#include <sodium.h>

#include <bit>

namespace souverain::governance {

namespace {

// The split point of a tree of n > 1 leaves: the largest power of two smaller than n.
uint64_t split_point(uint64_t n) {
    return std::bit_floor(n - 1);
}

void ensure_sodium() {
    // Idempotent and thread-safe; fails only without a random source, which hashing never uses.
    static const int status = sodium_init();
    (void)status;
}

}  // namespace

MerkleHash merkle_leaf_hash(std::string_view data) {
    ensure_sodium();
    const unsigned char prefix = 0x00;
    crypto_hash_sha256_state state;
    crypto_hash_sha256_init(&state);
    crypto_hash_sha256_update(&state, &prefix, 1);
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(data.data()),
                              data.size());
    MerkleHash out;
    crypto_hash_sha256_final(&state, out.data());
    return out;
}

MerkleHash merkle_node_hash(const MerkleHash& left, const MerkleHash& right) {
    ensure_sodium();
    unsigned char buffer[1 + 2 * 32];
    buffer[0] = 0x01;
    std::copy(left.begin(), left.end(), buffer + 1);
    std::copy(right.begin(), right.end(), buffer + 33);
    MerkleHash out;
    crypto_hash_sha256(out.data(), buffer, sizeof(buffer));
    return out;
}

MerkleHash merkle_empty_root() {
    return sha256("");
}

void MerkleTree::append(const MerkleHash& leaf_hash) {
    if (levels_.empty()) levels_.emplace_back();
    levels_[0].push_back(leaf_hash);
    // Each time a level gets an even count, its last two nodes complete a parent.
    for (size_t h = 0; levels_[h].size() % 2 == 0; ++h) {
        const std::vector<MerkleHash>& level = levels_[h];
        MerkleHash parent = merkle_node_hash(level[level.size() - 2], level.back());
        if (levels_.size() == h + 1) levels_.emplace_back();
        levels_[h + 1].push_back(parent);
    }
}

void MerkleTree::truncate(uint64_t new_size) {
    // Level h keeps exactly the complete subtrees of the first new_size leaves.
    for (size_t h = 0; h < levels_.size(); ++h) levels_[h].resize(new_size >> h);
    while (!levels_.empty() && levels_.back().empty()) levels_.pop_back();
}

MerkleHash MerkleTree::subtree_root(uint64_t begin, uint64_t end) const {
    const uint64_t n = end - begin;
    if (std::has_single_bit(n) && begin % n == 0) {
        const int h = std::countr_zero(n);
        return levels_[h][begin >> h];
    }
    // In the RFC's recursion every left part is a perfect, aligned subtree (a lookup); only
    // the right edge recurses, so this costs O(log n) hashes.
    const uint64_t k = split_point(n);
    return merkle_node_hash(subtree_root(begin, begin + k), subtree_root(begin + k, end));
}

MerkleHash MerkleTree::root_at(uint64_t tree_size) const {
    if (tree_size == 0) return merkle_empty_root();
    return subtree_root(0, tree_size);
}

void MerkleTree::append_path(uint64_t m, uint64_t begin, uint64_t end,
                             std::vector<MerkleHash>& out) const {
    const uint64_t n = end - begin;
    if (n == 1) return;
    const uint64_t k = split_point(n);
    if (m < k) {
        append_path(m, begin, begin + k, out);
        out.push_back(subtree_root(begin + k, end));
    } else {
        append_path(m - k, begin + k, end, out);
        out.push_back(subtree_root(begin, begin + k));
    }
}

Result<std::vector<MerkleHash>> MerkleTree::inclusion_proof(uint64_t leaf_index,
                                                            uint64_t tree_size) const {
    if (tree_size > size() || leaf_index >= tree_size) {
        return make_error(ErrorCode::OUT_OF_RANGE,
                          "no leaf " + std::to_string(leaf_index) + " in a tree of " +
                              std::to_string(tree_size) + " leaves (the log has " +
                              std::to_string(size()) + ")");
    }
    std::vector<MerkleHash> path;
    append_path(leaf_index, 0, tree_size, path);
    return path;
}

void MerkleTree::append_subproof(uint64_t m, uint64_t begin, uint64_t end, bool whole,
                                 std::vector<MerkleHash>& out) const {
    const uint64_t n = end - begin;
    if (m == n) {
        // The old tree is this whole subtree: the verifier knows its root already when it is
        // the old root itself (whole), otherwise it needs it.
        if (!whole) out.push_back(subtree_root(begin, end));
        return;
    }
    const uint64_t k = split_point(n);
    if (m <= k) {
        append_subproof(m, begin, begin + k, whole, out);
        out.push_back(subtree_root(begin + k, end));
    } else {
        append_subproof(m - k, begin + k, end, false, out);
        out.push_back(subtree_root(begin, begin + k));
    }
}

Result<std::vector<MerkleHash>> MerkleTree::consistency_proof(uint64_t first,
                                                              uint64_t second) const {
    if (second > size() || first > second) {
        return make_error(ErrorCode::OUT_OF_RANGE, "no consistency proof from size " +
                                                       std::to_string(first) + " to size " +
                                                       std::to_string(second) + " (the log has " +
                                                       std::to_string(size()) + ")");
    }
    std::vector<MerkleHash> proof;
    if (first == 0 || first == second) return proof;
    append_subproof(first, 0, second, true, proof);
    return proof;
}

bool verify_inclusion(uint64_t leaf_index, uint64_t tree_size, const MerkleHash& leaf_hash,
                      std::span<const MerkleHash> path, const MerkleHash& root) {
    if (leaf_index >= tree_size) return false;
    uint64_t fn = leaf_index;
    uint64_t sn = tree_size - 1;
    MerkleHash r = leaf_hash;
    for (const MerkleHash& p : path) {
        if (sn == 0) return false;
        if ((fn & 1) != 0 || fn == sn) {
            r = merkle_node_hash(p, r);
            while ((fn & 1) == 0 && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            r = merkle_node_hash(r, p);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && r == root;
}

bool verify_consistency(uint64_t first, uint64_t second, const MerkleHash& first_root,
                        const MerkleHash& second_root, std::span<const MerkleHash> proof) {
    if (first > second) return false;
    if (first == second) return proof.empty() && first_root == second_root;
    if (first == 0) return proof.empty() && first_root == merkle_empty_root();
    if (proof.empty()) return false;
    // When the old tree is a perfect subtree the proof omits its root: it comes first.
    const bool prepend = std::has_single_bit(first);
    size_t next = prepend ? 0 : 1;
    const MerkleHash& seed = prepend ? first_root : proof[0];
    uint64_t fn = first - 1;
    uint64_t sn = second - 1;
    while ((fn & 1) != 0) {
        fn >>= 1;
        sn >>= 1;
    }
    MerkleHash fr = seed;
    MerkleHash sr = seed;
    for (; next < proof.size(); ++next) {
        const MerkleHash& c = proof[next];
        if (sn == 0) return false;
        if ((fn & 1) != 0 || fn == sn) {
            fr = merkle_node_hash(c, fr);
            sr = merkle_node_hash(c, sr);
            while ((fn & 1) == 0 && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            sr = merkle_node_hash(sr, c);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return fr == first_root && sr == second_root && sn == 0;
}

}  // namespace souverain::governance
