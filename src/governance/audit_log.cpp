#include "governance/audit_log.h"

#include <cstring>

namespace souverain::governance {

namespace {

std::string hash_bytes(const MerkleHash& hash) {
    return std::string((const char*)hash.data(), hash.size());
}

Error altered_log(const std::string& what) {
    return make_error(ErrorCode::FORMAT, "the audit log was altered (" + what +
                                             "); run `souverain audit verify` to find where");
}

}  // namespace

storage::TreeHeadRow tree_head_to_row(const SignedTreeHead& head) {
    return storage::TreeHeadRow{(int64_t)head.tree_size, head.timestamp_ms,
                                hash_bytes(head.root_hash), head.key_id, head.signature};
}

Result<SignedTreeHead> tree_head_from_row(const storage::TreeHeadRow& row) {
    SignedTreeHead head;
    if (row.tree_size < 0 || row.root_hash.size() != head.root_hash.size()) {
        return make_error(ErrorCode::FORMAT, "stored tree head of size " +
                                                 std::to_string(row.tree_size) + " is malformed");
    }
    head.tree_size = (uint64_t)row.tree_size;
    head.timestamp_ms = row.timestamp_ms;
    std::memcpy(head.root_hash.data(), row.root_hash.data(), head.root_hash.size());
    head.key_id = row.key_id;
    head.signature = row.signature;
    return head;
}

Result<std::unique_ptr<AuditLog>> AuditLog::open(std::unique_ptr<storage::AuditStore> store,
                                                 SigningKey key) {
    std::unique_ptr<AuditLog> log(new AuditLog(std::move(store), std::move(key)));
    // Recomputing the leaf hashes costs one pass over the records (about a second per
    // million): cheap next to what extending an altered log would cost.
    Status scan = log->store_->for_each_record(0, [&](const storage::AuditRow& row) -> Status {
        const uint64_t expected = log->tree_.size();
        if (row.seq != (int64_t)expected) {
            return altered_log("record " + std::to_string(expected) + " is missing");
        }
        const MerkleHash leaf = merkle_leaf_hash(row.canonical);
        if (row.leaf_hash != hash_bytes(leaf)) {
            return altered_log("record " + std::to_string(expected) +
                               " does not match its leaf hash");
        }
        log->tree_.append(leaf);
        return Status::success();
    });
    if (!scan) return scan.error();
    Result<std::optional<storage::TreeHeadRow>> latest = log->store_->latest_tree_head();
    if (!latest) return latest.error();
    if (latest->has_value()) {
        Result<SignedTreeHead> head = tree_head_from_row(**latest);
        if (!head) return altered_log(head.error().message);
        if (head->tree_size != log->tree_.size()) {
            return altered_log("the latest signed tree head has " +
                               std::to_string(head->tree_size) + " records, the log " +
                               std::to_string(log->tree_.size()));
        }
        Status signature = verify_tree_head(*head, log->key_.public_key());
        if (!signature) return altered_log(signature.error().message);
        if (head->root_hash != log->tree_.root()) {
            return altered_log("the records do not match the latest signed tree head");
        }
        log->latest_ = *head;
    } else if (log->tree_.size() != 0) {
        return altered_log("records without a signed tree head");
    }
    return log;
}

Result<std::unique_ptr<AuditLog>> AuditLog::open(const std::string& data_dir) {
    Result<SigningKey> key = SigningKey::load_or_create(data_dir);
    if (!key) return key.error();
    Result<std::unique_ptr<storage::AuditStore>> store = storage::open_sqlite_audit_store(data_dir);
    if (!store) return store.error();
    return open(std::move(*store), std::move(*key));
}

Result<uint64_t> AuditLog::append(const AuditRecord& record) {
    SOUVERAIN_TRY(validate_audit_record(record));
    std::lock_guard<std::mutex> lock(mutex_);
    const uint64_t seq = tree_.size();
    AuditRecord numbered = record;
    numbered.seq = seq;
    storage::AuditRow row;
    row.seq = (int64_t)seq;
    row.canonical = serialize_audit_record(numbered);
    const MerkleHash leaf = merkle_leaf_hash(row.canonical);
    row.leaf_hash = hash_bytes(leaf);
    tree_.append(leaf);
    const SignedTreeHead head = sign_tree_head(key_, seq + 1, tree_.root(), unix_time_ms());
    Status stored = store_->append(row, tree_head_to_row(head));
    if (!stored) {
        tree_.truncate(seq);
        return stored.error();
    }
    latest_ = head;
    return seq;
}

uint64_t AuditLog::size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return tree_.size();
}

SignedTreeHead AuditLog::tree_head() const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (latest_) return *latest_;
    return sign_tree_head(key_, 0, tree_.root(), unix_time_ms());
}

Result<InclusionProof> AuditLog::inclusion_proof(uint64_t seq, uint64_t tree_size) const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (tree_size == 0) tree_size = tree_.size();
    Result<std::vector<MerkleHash>> path = tree_.inclusion_proof(seq, tree_size);
    if (!path) return path.error();
    return InclusionProof{seq, tree_size, tree_.leaf(seq), std::move(*path)};
}

Result<std::vector<MerkleHash>> AuditLog::consistency_proof(uint64_t first, uint64_t second) const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (second == 0) second = tree_.size();
    return tree_.consistency_proof(first, second);
}

Result<std::vector<StoredAuditRecord>> AuditLog::records(uint64_t from_seq, uint64_t limit) const {
    // Stored rows are read without the mutex: the store is thread-safe and rows never change.
    Result<std::vector<storage::AuditRow>> rows =
        store_->load_records((int64_t)std::min<uint64_t>(from_seq, INT64_MAX),
                             (int64_t)std::min<uint64_t>(limit, INT64_MAX));
    if (!rows) return rows.error();
    std::vector<StoredAuditRecord> out;
    out.reserve(rows->size());
    for (storage::AuditRow& row : *rows) {
        StoredAuditRecord record;
        record.seq = (uint64_t)row.seq;
        record.canonical = std::move(row.canonical);
        if (row.leaf_hash.size() == record.leaf_hash.size()) {
            std::memcpy(record.leaf_hash.data(), row.leaf_hash.data(), record.leaf_hash.size());
        }
        out.push_back(std::move(record));
    }
    return out;
}

}  // namespace souverain::governance
