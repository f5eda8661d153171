#pragma once
// Signed tree heads of the audit log (RFC 9162 §4.10 in spirit): the server's Ed25519
// signature over the size of the log, its Merkle root and the time, so that whoever keeps one
// can later check that the log still holds exactly those records (consistency proofs).
//
// Signed bytes (fixed layout, nothing to canonicalize):
//   "souverain-tree-head-v1" 0x00 || tree_size (uint64, big-endian)
//   || timestamp_ms (int64, big-endian) || root_hash (32 bytes) || key_id (ASCII, to the end)
// JSON form (saved files, the HTTP API), canonical JSON:
//   {"key_id":S,"root_hash":hex64,"signature":hex128,"timestamp_ms":N,"tree_size":N}
//
// Thread-safety: plain values and pure functions.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/error.h"
#include "governance/merkle_tree.h"
#include "governance/signing_key.h"

namespace souverain::governance {

struct SignedTreeHead {
    uint64_t tree_size = 0;
    int64_t timestamp_ms = 0;  // Unix time in milliseconds when it was signed
    MerkleHash root_hash{};
    std::string key_id;
    std::string signature;  // 64 bytes

    bool operator==(const SignedTreeHead&) const = default;
};

std::string tree_head_signed_bytes(const SignedTreeHead& head);

SignedTreeHead sign_tree_head(const SigningKey& key, uint64_t tree_size,
                              const MerkleHash& root_hash, int64_t timestamp_ms);

// INVALID_ARGUMENT with a one-line reason: another key id than `key`'s, or a bad signature.
Status verify_tree_head(const SignedTreeHead& head, const PublicKey& key);

std::string tree_head_to_json(const SignedTreeHead& head);
Result<SignedTreeHead> parse_tree_head(std::string_view json);
Result<SignedTreeHead> load_tree_head_file(const std::string& path);

// For auditors holding two heads of one log: both signatures are the key's, the older is not
// larger, and `proof` (AuditLog::consistency_proof) shows the newer log extends the older one.
Status verify_tree_heads_consistent(const SignedTreeHead& older, const SignedTreeHead& newer,
                                    std::span<const MerkleHash> proof, const PublicKey& key);

// Unix time in milliseconds, from the system clock.
int64_t unix_time_ms();

}  // namespace souverain::governance
