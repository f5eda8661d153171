#pragma once
// The tamper-evident audit log: every request that used a model or a knowledge base appends
// one AuditRecord; the records are the leaves of an RFC 9162 Merkle tree (merkle_tree.h), and
// each append stores, in the same transaction, the tree head signed right after it
// (tree_head.h). Auditors read records, signed tree heads, inclusion proofs (a record is in
// the log) and consistency proofs (a later log extends an earlier one); audit_verify.h
// recomputes everything.
//
// Why a signed head per record: whoever can write the database can rewrite a record together
// with its leaf hash and every later hash, but cannot sign. With a head signed after each
// append, the first record that differs from what the server signed is found exactly. Signing
// costs about 40 microseconds per append; a verifier checks signatures only where they decide
// the outcome (audit_verify.h).
//
// Memory: the whole Merkle tree is kept (about 64 bytes per record) so that proofs and tree
// heads need no database reads.
//
// Thread-safety: every method may be called from any thread (server handlers); appends are
// serialized by an internal mutex, one database transaction each. One AuditLog per data
// directory: a second writer's appends are refused by the store (audit_store.h).
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "governance/audit_record.h"
#include "governance/merkle_tree.h"
#include "governance/signing_key.h"
#include "governance/tree_head.h"
#include "storage/audit_store.h"

namespace souverain::governance {

struct InclusionProof {
    uint64_t leaf_index = 0;  // the record's seq
    uint64_t tree_size = 0;
    MerkleHash leaf_hash{};
    std::vector<MerkleHash> path;  // verify with verify_inclusion(...)
};

// A record as stored: its exact canonical bytes (what auditors hash) and its leaf hash.
struct StoredAuditRecord {
    uint64_t seq = 0;
    std::string canonical;
    MerkleHash leaf_hash{};
};

class AuditLog {
public:
    // Reads every record to rebuild the tree, then refuses (FORMAT error naming `souverain
    // audit verify`) a log that does not match its latest signed tree head or whose records
    // are not contiguous: the server never extends a log that was altered.
    static Result<std::unique_ptr<AuditLog>> open(std::unique_ptr<storage::AuditStore> store,
                                                  SigningKey key);
    // The SQLite store and the signing key (created on first use) of a data directory.
    static Result<std::unique_ptr<AuditLog>> open(const std::string& data_dir);

    // Appends `record` as the next entry (its `seq` is ignored and assigned here), with the
    // tree head signed after it. INVALID_ARGUMENT for a malformed record (validate_audit_record),
    // IO when the store fails; on failure nothing is appended. Returns the assigned seq.
    Result<uint64_t> append(const AuditRecord& record);

    uint64_t size() const;
    // The latest signed tree head; for an empty log, a head of size 0 signed now.
    SignedTreeHead tree_head() const;
    // Proof that record `seq` is in the log of `tree_size` records (0 = the current size).
    Result<InclusionProof> inclusion_proof(uint64_t seq, uint64_t tree_size = 0) const;
    // Proof that the log of `second` records extends the log of `first` (0 = current size).
    Result<std::vector<MerkleHash>> consistency_proof(uint64_t first, uint64_t second = 0) const;
    // At most `limit` records from `from_seq` on, as stored.
    Result<std::vector<StoredAuditRecord>> records(uint64_t from_seq, uint64_t limit) const;

    const PublicKey& public_key() const { return key_.public_key(); }

private:
    AuditLog(std::unique_ptr<storage::AuditStore> store, SigningKey key)
        : store_(std::move(store)), key_(std::move(key)) {}

    mutable std::mutex mutex_;  // guards tree_, latest_ and the store's append order
    std::unique_ptr<storage::AuditStore> store_;
    const SigningKey key_;
    MerkleTree tree_;
    std::optional<SignedTreeHead> latest_;
};

// The row forms of a tree head (storage keeps bytes; these convert).
storage::TreeHeadRow tree_head_to_row(const SignedTreeHead& head);
// FORMAT error when the stored root is not 32 bytes.
Result<SignedTreeHead> tree_head_from_row(const storage::TreeHeadRow& row);

}  // namespace souverain::governance
