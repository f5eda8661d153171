#pragma once
// The storage interface of the audit log: the records (sequence number, canonical bytes, leaf
// hash) and the signed tree heads. The meaning of the bytes belongs to src/governance/
// (audit_record.h, audit_log.h); here they are opaque, so a PostgreSQL backend is one more
// implementation of this interface.
//
// Ownership: an AuditStore owns its connection; rows are plain values copied out.
// Thread-safety: every call is safe from any thread (the SQLite backend serializes calls on
// an internal mutex); a visitor must not call back into the store.
// Durability: append() is one transaction; a killed process loses at most that append.
// Writers: one AuditLog per data directory. A second writer cannot corrupt the sequence: an
// append whose seq is not the next one is refused and writes nothing.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace souverain::storage {

struct AuditRow {
    int64_t seq = 0;
    std::string canonical;  // the record's canonical bytes
    std::string leaf_hash;  // 32 bytes
};

// A signed tree head as stored; its signed encoding is in governance/audit_log.h.
struct TreeHeadRow {
    int64_t tree_size = 0;
    int64_t timestamp_ms = 0;
    std::string root_hash;  // 32 bytes
    std::string key_id;
    std::string signature;  // 64 bytes (Ed25519)
};

class AuditStore {
public:
    virtual ~AuditStore() = default;

    // Stores a record and the tree head signed right after it, in one transaction. Fails with
    // INVALID_ARGUMENT, writing nothing, unless row.seq == next_seq().
    virtual Status append(const AuditRow& row, const TreeHeadRow& head) = 0;
    // One past the largest stored seq; 0 for an empty log.
    virtual Result<int64_t> next_seq() = 0;

    // Calls `visit` for every record with seq >= from_seq in increasing seq order (the order
    // of the log); stops early, returning that failure, when `visit` fails.
    virtual Status for_each_record(int64_t from_seq,
                                   const std::function<Status(const AuditRow&)>& visit) = 0;
    // At most `limit` records with seq >= from_seq, in increasing seq order.
    virtual Result<std::vector<AuditRow>> load_records(int64_t from_seq, int64_t limit) = 0;

    // Every stored tree head in increasing tree size order.
    virtual Status for_each_tree_head(const std::function<Status(const TreeHeadRow&)>& visit) = 0;
    virtual Result<std::optional<TreeHeadRow>> load_tree_head(int64_t tree_size) = 0;
    // The head with the largest tree size, if any.
    virtual Result<std::optional<TreeHeadRow>> latest_tree_head() = 0;
};

// Opens (creating when absent) the audit tables in `data_dir/souverain.db` (WAL mode), the
// same file as the knowledge-base store, through a connection of its own.
Result<std::unique_ptr<AuditStore>> open_sqlite_audit_store(const std::string& data_dir);

}  // namespace souverain::storage
