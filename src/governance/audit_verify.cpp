#include "governance/audit_verify.h"

#include <vector>

#include "governance/audit_log.h"
#include "governance/audit_record.h"

namespace souverain::governance {

namespace {

constexpr uint8_t kLeafOk = 1;       // the bytes hash to the stored leaf hash
constexpr uint8_t kCanonicalOk = 2;  // the bytes are a canonical audit record

// What the pass over the records learned, per position in storage order.
struct RecordScan {
    MerkleTree tree;  // over the recomputed leaf hashes
    std::vector<int64_t> row_seq;
    std::vector<int64_t> canonical_seq;  // the seq inside the bytes; -1 when unreadable
    std::vector<uint8_t> flags;
    std::optional<uint64_t> first_fault;
};

// The state of the stored tree head of each size.
enum HeadState : uint8_t {
    HEAD_MISSING = 0,
    HEAD_MATCHES = 1,   // its root is the recomputed root (signature not checked yet)
    HEAD_DIFFERS = 2,   // another root, another key id, or malformed
    HEAD_UNSIGNED = 3,  // its root matches but its signature is invalid
};

std::string record_name(uint64_t seq) {
    return "record " + std::to_string(seq);
}

AuditVerifyReport& set_fault(AuditVerifyReport& report, AuditFault fault, uint64_t record,
                             std::string message) {
    report.fault = fault;
    report.record = record;
    report.message = std::move(message);
    return report;
}

std::optional<uint64_t> find_canonical_seq(const RecordScan& scan, int64_t seq, uint64_t skip) {
    for (uint64_t q = 0; q < scan.canonical_seq.size(); ++q) {
        if (q != skip && scan.canonical_seq[q] == seq) return q;
    }
    return std::nullopt;
}

// A fault visible in the rows themselves, at position p.
void describe_row_fault(const RecordScan& scan, uint64_t p, AuditVerifyReport& report) {
    const int64_t row_seq = scan.row_seq[p];
    const int64_t canonical_seq = scan.canonical_seq[p];
    const std::string name = record_name(p);
    if (row_seq > (int64_t)p) {
        if (std::optional<uint64_t> q = find_canonical_seq(scan, (int64_t)p, p)) {
            set_fault(
                report, AuditFault::REORDERED, p,
                name + " was moved: it is stored as record " + std::to_string(scan.row_seq[*q]));
        } else {
            set_fault(
                report, AuditFault::REMOVED, p,
                name + " was removed" +
                    (row_seq > (int64_t)p + 1 ? " (records " + std::to_string(p) + " to " +
                                                    std::to_string(row_seq - 1) + " are missing)"
                                              : std::string()));
        }
    } else if (row_seq < (int64_t)p) {
        set_fault(report, AuditFault::INSERTED, p,
                  "a record was inserted before " + name + " (stored with sequence number " +
                      std::to_string(row_seq) + ")");
    } else if ((scan.flags[p] & kCanonicalOk) == 0) {
        set_fault(report, AuditFault::CHANGED, p,
                  name + " was changed: its stored bytes are not a canonical audit record");
    } else if ((scan.flags[p] & kLeafOk) == 0) {
        set_fault(report, AuditFault::CHANGED, p,
                  name + " was changed: its bytes do not match its leaf hash");
    } else if (std::optional<uint64_t> q = find_canonical_seq(scan, (int64_t)p, p)) {
        set_fault(report, AuditFault::REORDERED, p,
                  name + " was reordered: it is stored as record " +
                      std::to_string(scan.row_seq[*q]) + ", and record " + std::to_string(p) +
                      " holds record " + std::to_string(canonical_seq));
    } else if (canonical_seq > (int64_t)p) {
        set_fault(report, AuditFault::REMOVED, p,
                  name + " was removed: record " + std::to_string(canonical_seq) +
                      " was renumbered into its place");
    } else {
        set_fault(report, AuditFault::INSERTED, p,
                  name + " was inserted: it repeats record " + std::to_string(canonical_seq));
    }
}

// The rows at p look intact, but no valid signed tree head covers record p: its content (or
// the records' order from there) is not what the server signed.
void describe_head_fault(const RecordScan& scan, const std::vector<uint8_t>& head_state, uint64_t p,
                         AuditVerifyReport& report) {
    const std::string name = record_name(p);
    if (p + 1 < scan.canonical_seq.size() && scan.canonical_seq[p + 1] == (int64_t)p) {
        set_fault(report, AuditFault::INSERTED, p,
                  name + " was inserted: the original record " + std::to_string(p) +
                      " follows it, and no signed tree head covers the new one");
        return;
    }
    for (uint64_t s = p + 1; s < head_state.size(); ++s) {
        if (head_state[s] == HEAD_DIFFERS) {
            set_fault(report, AuditFault::CHANGED, p,
                      name +
                          " was changed: the log no longer matches the signed tree head of "
                          "size " +
                          std::to_string(s));
            return;
        }
        if (head_state[s] == HEAD_UNSIGNED) {
            set_fault(report, AuditFault::CHANGED, p,
                      name +
                          " was changed: the tree heads covering it were remade without "
                          "the server's key (invalid signature at size " +
                          std::to_string(s) + ")");
            return;
        }
    }
    set_fault(report, AuditFault::INSERTED, p,
              name +
                  " is not covered by any signed tree head: it was added outside the log, "
                  "or the tree heads after it were removed");
}

Status scan_records(storage::AuditStore& store, RecordScan& scan) {
    return store.for_each_record(0, [&](const storage::AuditRow& row) -> Status {
        const uint64_t p = scan.tree.size();
        const MerkleHash leaf = merkle_leaf_hash(row.canonical);
        scan.tree.append(leaf);
        uint8_t flags = 0;
        if (row.leaf_hash.size() == leaf.size() &&
            std::equal(leaf.begin(), leaf.end(), (const uint8_t*)row.leaf_hash.data())) {
            flags |= kLeafOk;
        }
        int64_t canonical_seq = -1;
        if (Result<AuditRecord> record = parse_audit_record(row.canonical)) {
            canonical_seq = (int64_t)record->seq;
            if (serialize_audit_record(*record) == row.canonical) flags |= kCanonicalOk;
        }
        scan.row_seq.push_back(row.seq);
        scan.canonical_seq.push_back(canonical_seq);
        scan.flags.push_back(flags);
        const bool ok = row.seq == (int64_t)p && canonical_seq == (int64_t)p &&
                        flags == (kLeafOk | kCanonicalOk);
        if (!ok && !scan.first_fault) scan.first_fault = p;
        return Status::success();
    });
}

Result<bool> stored_head_is_signed(storage::AuditStore& store, int64_t tree_size,
                                   const PublicKey& key) {
    Result<std::optional<storage::TreeHeadRow>> row = store.load_tree_head(tree_size);
    if (!row) return row.error();
    if (!row->has_value()) return false;
    Result<SignedTreeHead> head = tree_head_from_row(**row);
    return head && verify_tree_head(*head, key).ok();
}

}  // namespace

const char* audit_fault_name(AuditFault fault) {
    switch (fault) {
        case AuditFault::NONE:
            return "none";
        case AuditFault::CHANGED:
            return "changed";
        case AuditFault::REMOVED:
            return "removed";
        case AuditFault::REORDERED:
            return "reordered";
        case AuditFault::INSERTED:
            return "inserted";
        case AuditFault::TREE_HEAD:
            return "tree_head";
        case AuditFault::INCONSISTENT:
            return "inconsistent";
    }
    return "unknown";
}

Result<AuditVerifyReport> verify_audit_log(storage::AuditStore& store, const PublicKey& key,
                                           const std::optional<SignedTreeHead>& saved_head) {
    RecordScan scan;
    SOUVERAIN_TRY(scan_records(store, scan));
    const uint64_t n = scan.tree.size();
    AuditVerifyReport report;
    report.records = n;
    report.root = scan.tree.root();

    // Every stored head against the recomputed tree; heads beyond the end kept apart.
    std::vector<uint8_t> head_state(n + 1, HEAD_MISSING);
    std::vector<int64_t> beyond;
    // Heads all naming another key mean the wrong key was given, not that every record changed.
    size_t n_heads = 0;
    size_t n_other_key = 0;
    std::string other_key_id;
    SOUVERAIN_TRY(store.for_each_tree_head([&](const storage::TreeHeadRow& row) -> Status {
        if (row.tree_size <= 0) return Status::success();  // the empty log is never stored
        ++n_heads;
        if (row.key_id != key.key_id()) {
            ++n_other_key;
            other_key_id = row.key_id;
        }
        if ((uint64_t)row.tree_size > n) {
            beyond.push_back(row.tree_size);
            return Status::success();
        }
        Result<SignedTreeHead> head = tree_head_from_row(row);
        const bool matches = head && head->key_id == key.key_id() &&
                             head->root_hash == scan.tree.root_at(head->tree_size);
        head_state[row.tree_size] = matches ? HEAD_MATCHES : HEAD_DIFFERS;
        return Status::success();
    }));

    if (n_heads > 0 && n_other_key == n_heads) {
        set_fault(report, AuditFault::TREE_HEAD, 0,
                  "the log's tree heads are signed by key '" + other_key_id +
                      "', not by the key given ('" + key.key_id() + "')");
        return report;
    }

    // The largest size whose head is validly signed and matches: records below it are proven.
    uint64_t proven = 0;
    for (uint64_t s = n; s >= 1; --s) {
        if (head_state[s] != HEAD_MATCHES) continue;
        Result<bool> signed_ok = stored_head_is_signed(store, (int64_t)s, key);
        if (!signed_ok) return signed_ok.error();
        if (*signed_ok) {
            proven = s;
            break;
        }
        head_state[s] = HEAD_UNSIGNED;
    }

    std::optional<uint64_t> first_bad = scan.first_fault;
    if (proven < n && (!first_bad || proven < *first_bad)) first_bad = proven;
    if (first_bad) {
        if (scan.first_fault == first_bad) {
            describe_row_fault(scan, *first_bad, report);
        } else {
            describe_head_fault(scan, head_state, *first_bad, report);
        }
        return report;
    }

    if (!beyond.empty()) {
        for (auto it = beyond.rbegin(); it != beyond.rend(); ++it) {
            Result<bool> signed_ok = stored_head_is_signed(store, *it, key);
            if (!signed_ok) return signed_ok.error();
            if (*signed_ok) {
                set_fault(report, AuditFault::REMOVED, n,
                          n + 1 == (uint64_t)*it
                              ? record_name(n) +
                                    " was removed from the end of the log: a "
                                    "signed tree head has " +
                                    std::to_string(*it) + " records"
                              : "records " + std::to_string(n) + " to " + std::to_string(*it - 1) +
                                    " were removed from the end of the log: a signed tree head "
                                    "has " +
                                    std::to_string(*it) + " records");
                return report;
            }
        }
        set_fault(report, AuditFault::TREE_HEAD, n,
                  "a stored tree head of size " + std::to_string(beyond.front()) +
                      " beyond the end of the log has an invalid signature");
        return report;
    }

    for (uint64_t s = 1; s <= n; ++s) {
        if (head_state[s] != HEAD_DIFFERS) continue;
        Result<bool> signed_ok = stored_head_is_signed(store, (int64_t)s, key);
        if (!signed_ok) return signed_ok.error();
        set_fault(report, AuditFault::TREE_HEAD, s - 1,
                  *signed_ok ? "the signing key signed two different logs of size " +
                                   std::to_string(s) + " (the stored tree head and the records)"
                             : "the stored tree head of size " + std::to_string(s) +
                                   " was altered (the records are intact)");
        return report;
    }

    if (saved_head) {
        const SignedTreeHead& saved = *saved_head;
        Status signature = verify_tree_head(saved, key);
        if (!signature) {
            set_fault(report, AuditFault::TREE_HEAD, 0,
                      "the saved tree head is not valid: " + signature.error().message);
            return report;
        }
        if (saved.tree_size > n) {
            set_fault(
                report, AuditFault::REMOVED, n,
                "records " + std::to_string(n) + " to " + std::to_string(saved.tree_size - 1) +
                    " were removed: the saved tree head has " + std::to_string(saved.tree_size) +
                    " records, the log " + std::to_string(n));
            return report;
        }
        Result<std::vector<MerkleHash>> proof = scan.tree.consistency_proof(saved.tree_size, n);
        if (!proof) return proof.error();
        if (!verify_consistency(saved.tree_size, n, saved.root_hash, report.root, *proof)) {
            set_fault(report, AuditFault::INCONSISTENT, 0,
                      "the log is not consistent with the saved tree head of size " +
                          std::to_string(saved.tree_size) +
                          ": its first records were rewritten and signed again with the "
                          "server's key");
            return report;
        }
        report.consistent_with = saved.tree_size;
    }
    return report;
}

}  // namespace souverain::governance
