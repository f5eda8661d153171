#pragma once
// Recomputes an audit log from its storage and names the first record that is not what the
// server signed: `souverain audit verify`.
//
// What is checked, and what it detects (an attacker who can write the database but cannot
// sign, see signing_key.h):
//  1. Every record: its bytes are a canonical AuditRecord (parse, serialize, compare), they
//     hash to the stored leaf hash, and its seq is its position (stored and inside the bytes).
//     Catches naive edits, deleted rows (a gap), swapped or moved rows (a seq out of place)
//     and copies.
//  2. The Merkle tree is rebuilt from the recomputed leaf hashes. Every stored tree head's root
//     is compared with the recomputed root at its size (cheap), and signatures are checked
//     from the latest head downwards until a valid one matches: that head proves every record
//     below it. So an edit whose hashes were all recomputed is still found, at the first
//     record no valid head covers; a log whose heads all match costs one signature check.
//     Heads beyond the last record show removed records at the end of the log.
//  3. A tree head saved earlier outside the database (`audit tree-head --out`): its signature,
//     then an RFC 9162 consistency proof from its size to the current log. This also catches
//     a rewrite by someone who holds the key (the stored heads are then re-signed), and the
//     removal of the last records together with their heads, which nothing inside the
//     database can reveal.
// Classification (changed / removed / reordered / inserted) is exact for edits of rows; when
// an attacker rewrites the records after the change consistently, only hashes remain, and the
// record is named as changed (or inserted when the next record repeats its seq).
//
// Cost: one pass over the records (hashing), O(log n) hashes per tree head, and few signature
// checks unless many heads were forged. Memory: the tree (64 bytes per record) plus 17 bytes
// per record of bookkeeping.
//
// Thread-safety: reads the store only; safe beside a running AuditLog.
#include <cstdint>
#include <optional>
#include <string>

#include "common/error.h"
#include "governance/merkle_tree.h"
#include "governance/signing_key.h"
#include "governance/tree_head.h"
#include "storage/audit_store.h"

namespace souverain::governance {

enum class AuditFault {
    NONE,
    CHANGED,       // a record's content differs from what was signed
    REMOVED,       // a record is missing (inside the log or at its end)
    REORDERED,     // a record is stored at another position than its own
    INSERTED,      // a record that the server did not append
    TREE_HEAD,     // a stored or saved tree head was altered (the records may be intact)
    INCONSISTENT,  // the log does not extend the saved tree head (rewritten with the key)
};

const char* audit_fault_name(AuditFault fault);

struct AuditVerifyReport {
    uint64_t records = 0;  // records read
    MerkleHash root{};     // recomputed root over them
    AuditFault fault = AuditFault::NONE;
    uint64_t record = 0;                      // the first bad record's seq, for record faults
    std::string message;                      // one line: "record 17 was changed: ..."
    std::optional<uint64_t> consistent_with;  // size of the saved head checked, when ok

    bool ok() const { return fault == AuditFault::NONE; }
};

// Errors (Result) are failures to read; a tampered log is a report with a fault.
Result<AuditVerifyReport> verify_audit_log(storage::AuditStore& store, const PublicKey& key,
                                           const std::optional<SignedTreeHead>& saved_head);

}  // namespace souverain::governance
