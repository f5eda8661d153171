// The SQLite backend of storage::AuditStore: two tables in souverain.db, written only by
// appends (one transaction: the record and the tree head signed after it).
#include <sqlite3.h>

#include <mutex>

#include "storage/audit_store.h"
#include "storage/sqlite_database.h"
#include "storage/sqlite_statement.h"

namespace souverain::storage {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS audit_records (
    seq INTEGER PRIMARY KEY,
    canonical TEXT NOT NULL,
    leaf_hash BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_tree_heads (
    tree_size INTEGER PRIMARY KEY,
    timestamp_ms INTEGER NOT NULL,
    root_hash BLOB NOT NULL,
    key_id TEXT NOT NULL,
    signature BLOB NOT NULL
);
)sql";

class SqliteAuditStore final : public AuditStore {
public:
    explicit SqliteAuditStore(sqlite3* db) : db_(db) {}
    ~SqliteAuditStore() override { sqlite3_close_v2(db_); }

    Status init() {
        SOUVERAIN_TRY(exec("PRAGMA journal_mode=WAL"));
        // As the knowledge-base store: a committed append survives a process crash.
        SOUVERAIN_TRY(exec("PRAGMA synchronous=NORMAL"));
        SOUVERAIN_TRY(exec("PRAGMA busy_timeout=5000"));
        // Appends touch the last pages only, and proofs come from the tree in memory: a 512 KiB
        // page cache (SQLite's default is 2 MiB) keeps a busy server's memory flat.
        SOUVERAIN_TRY(exec("PRAGMA cache_size=-512"));
        return exec(kSchema);
    }

    Status append(const AuditRow& row, const TreeHeadRow& head) override {
        std::lock_guard<std::mutex> lock(mutex_);
        SOUVERAIN_TRY(exec("BEGIN IMMEDIATE"));
        Status status = append_locked(row, head);
        if (!status) {
            (void)exec("ROLLBACK");
            return status;
        }
        return exec("COMMIT");
    }

    Result<int64_t> next_seq() override {
        std::lock_guard<std::mutex> lock(mutex_);
        return next_seq_locked();
    }

    Status for_each_record(int64_t from_seq,
                           const std::function<Status(const AuditRow&)>& visit) override {
        std::lock_guard<std::mutex> lock(mutex_);
        Statement select(db_,
                         "SELECT seq, canonical, leaf_hash FROM audit_records WHERE seq >= ? "
                         "ORDER BY seq");
        if (!select.valid()) return sql_error("prepare");
        select.bind(1, from_seq);
        int rc;
        AuditRow row;
        while ((rc = select.step()) == SQLITE_ROW) {
            row.seq = select.column_int(0);
            row.canonical.assign(select.column_view(1));
            row.leaf_hash.assign(select.column_view(2));
            SOUVERAIN_TRY(visit(row));
        }
        if (rc != SQLITE_DONE) return sql_error("scan audit records");
        return Status::success();
    }

    Result<std::vector<AuditRow>> load_records(int64_t from_seq, int64_t limit) override {
        std::vector<AuditRow> rows;
        std::lock_guard<std::mutex> lock(mutex_);
        Statement select(db_,
                         "SELECT seq, canonical, leaf_hash FROM audit_records WHERE seq >= ? "
                         "ORDER BY seq LIMIT ?");
        if (!select.valid()) return sql_error("prepare");
        select.bind(1, from_seq);
        select.bind(2, limit);
        int rc;
        while ((rc = select.step()) == SQLITE_ROW) {
            rows.push_back(
                AuditRow{select.column_int(0), select.column_string(1), select.column_string(2)});
        }
        if (rc != SQLITE_DONE) return sql_error("load audit records");
        return rows;
    }

    Status for_each_tree_head(const std::function<Status(const TreeHeadRow&)>& visit) override {
        std::lock_guard<std::mutex> lock(mutex_);
        Statement select(db_,
                         "SELECT tree_size, timestamp_ms, root_hash, key_id, signature FROM "
                         "audit_tree_heads ORDER BY tree_size");
        if (!select.valid()) return sql_error("prepare");
        int rc;
        while ((rc = select.step()) == SQLITE_ROW) SOUVERAIN_TRY(visit(read_head(select)));
        if (rc != SQLITE_DONE) return sql_error("scan tree heads");
        return Status::success();
    }

    Result<std::optional<TreeHeadRow>> load_tree_head(int64_t tree_size) override {
        std::lock_guard<std::mutex> lock(mutex_);
        Statement select(db_,
                         "SELECT tree_size, timestamp_ms, root_hash, key_id, signature FROM "
                         "audit_tree_heads WHERE tree_size = ?");
        if (!select.valid()) return sql_error("prepare");
        select.bind(1, tree_size);
        return single_head(select);
    }

    Result<std::optional<TreeHeadRow>> latest_tree_head() override {
        std::lock_guard<std::mutex> lock(mutex_);
        Statement select(db_,
                         "SELECT tree_size, timestamp_ms, root_hash, key_id, signature FROM "
                         "audit_tree_heads ORDER BY tree_size DESC LIMIT 1");
        if (!select.valid()) return sql_error("prepare");
        return single_head(select);
    }

private:
    static TreeHeadRow read_head(Statement& select) {
        return TreeHeadRow{select.column_int(0), select.column_int(1), select.column_string(2),
                           select.column_string(3), select.column_string(4)};
    }

    Result<std::optional<TreeHeadRow>> single_head(Statement& select) {
        const int rc = select.step();
        if (rc == SQLITE_DONE) return std::optional<TreeHeadRow>();
        if (rc != SQLITE_ROW) return sql_error("load tree head");
        return std::optional<TreeHeadRow>(read_head(select));
    }

    Result<int64_t> next_seq_locked() {
        Statement select(db_, "SELECT COALESCE(MAX(seq) + 1, 0) FROM audit_records");
        if (!select.valid()) return sql_error("prepare");
        if (select.step() != SQLITE_ROW) return sql_error("read the next sequence number");
        return select.column_int(0);
    }

    Status append_locked(const AuditRow& row, const TreeHeadRow& head) {
        Result<int64_t> next = next_seq_locked();
        if (!next) return next.error();
        if (row.seq != *next) {
            return make_error(ErrorCode::INVALID_ARGUMENT,
                              "audit store: append of record " + std::to_string(row.seq) +
                                  " but the next is " + std::to_string(*next) +
                                  " (another writer appended to this log)");
        }
        Statement insert_record(
            db_, "INSERT INTO audit_records (seq, canonical, leaf_hash) VALUES (?, ?, ?)");
        Statement insert_head(db_,
                              "INSERT INTO audit_tree_heads (tree_size, timestamp_ms, "
                              "root_hash, key_id, signature) VALUES (?, ?, ?, ?, ?)");
        if (!insert_record.valid() || !insert_head.valid()) return sql_error("prepare");
        insert_record.bind(1, row.seq);
        insert_record.bind_text(2, row.canonical);
        insert_record.bind_blob(3, row.leaf_hash);
        if (insert_record.step() != SQLITE_DONE) return sql_error("insert audit record");
        insert_head.bind(1, head.tree_size);
        insert_head.bind(2, head.timestamp_ms);
        insert_head.bind_blob(3, head.root_hash);
        insert_head.bind_text(4, head.key_id);
        insert_head.bind_blob(5, head.signature);
        if (insert_head.step() != SQLITE_DONE) return sql_error("insert tree head");
        return Status::success();
    }

    Status exec(const char* sql) { return exec_sql(db_, sql, "audit store: "); }
    Error sql_error(const std::string& what) {
        return storage::sql_error(db_, "audit store: ", what);
    }

    std::mutex mutex_;  // serializes every use of db_
    sqlite3* db_;
};

}  // namespace

Result<std::unique_ptr<AuditStore>> open_sqlite_audit_store(const std::string& data_dir) {
    return open_sqlite_backend<AuditStore, SqliteAuditStore>(data_dir, "audit store");
}

}  // namespace souverain::storage
