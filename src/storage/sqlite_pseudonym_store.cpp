// The SQLite backend of storage::PseudonymStore: one table in souverain.db.
#include <sqlite3.h>

#include <mutex>

#include "storage/pseudonym_store.h"
#include "storage/sqlite_database.h"
#include "storage/sqlite_statement.h"

namespace souverain::storage {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS pii_pseudonyms (
    tenant TEXT NOT NULL,
    pseudonym TEXT NOT NULL,
    digest TEXT NOT NULL,
    sealed BLOB NOT NULL,
    PRIMARY KEY (tenant, pseudonym),
    UNIQUE (tenant, digest)
);
)sql";

class SqlitePseudonymStore final : public PseudonymStore {
public:
    explicit SqlitePseudonymStore(sqlite3* db) : db_(db) {}
    ~SqlitePseudonymStore() override { sqlite3_close_v2(db_); }

    Status init() {
        SOUVERAIN_TRY(exec("PRAGMA journal_mode=WAL"));
        SOUVERAIN_TRY(exec("PRAGMA synchronous=NORMAL"));
        SOUVERAIN_TRY(exec("PRAGMA busy_timeout=5000"));
        return exec(kSchema);
    }

    Result<std::vector<std::string>> allocate(
        const std::string& tenant, const std::vector<PseudonymRequest>& requests) override {
        std::lock_guard<std::mutex> lock(mutex_);
        if (requests.empty()) return std::vector<std::string>();
        // IMMEDIATE: another process allocating at the same time waits (busy_timeout) instead
        // of choosing the same free candidate.
        SOUVERAIN_TRY(exec("BEGIN IMMEDIATE"));
        Result<std::vector<std::string>> allocated = allocate_locked(tenant, requests);
        if (!allocated) {
            (void)exec("ROLLBACK");
            return allocated;
        }
        SOUVERAIN_TRY(exec("COMMIT"));
        return allocated;
    }

    Result<std::optional<StoredPseudonym>> find(const std::string& tenant,
                                                const std::string& pseudonym) override {
        std::lock_guard<std::mutex> lock(mutex_);
        Statement select(db_,
                         "SELECT digest, sealed FROM pii_pseudonyms WHERE tenant = ? AND "
                         "pseudonym = ?");
        if (!select.valid()) return sql_error("prepare");
        select.bind_text(1, tenant);
        select.bind_text(2, pseudonym);
        const int rc = select.step();
        if (rc == SQLITE_DONE) return std::optional<StoredPseudonym>();
        if (rc != SQLITE_ROW) return sql_error("find pseudonym");
        return std::optional<StoredPseudonym>(
            StoredPseudonym{select.column_string(0), select.column_string(1)});
    }

    Status delete_tenant(const std::string& tenant) override {
        std::lock_guard<std::mutex> lock(mutex_);
        Statement del(db_, "DELETE FROM pii_pseudonyms WHERE tenant = ?");
        if (!del.valid()) return sql_error("prepare");
        del.bind_text(1, tenant);
        if (del.step() != SQLITE_DONE) return sql_error("delete pseudonyms");
        return Status::success();
    }

private:
    Status exec(const char* sql) { return exec_sql(db_, sql, "pseudonym store: "); }
    Error sql_error(const std::string& what) {
        return storage::sql_error(db_, "pseudonym store: ", what);
    }

    Result<std::vector<std::string>> allocate_locked(
        const std::string& tenant, const std::vector<PseudonymRequest>& requests) {
        Statement by_digest(db_,
                            "SELECT pseudonym FROM pii_pseudonyms WHERE tenant = ? AND digest = ?");
        Statement taken(db_, "SELECT 1 FROM pii_pseudonyms WHERE tenant = ? AND pseudonym = ?");
        Statement insert(db_,
                         "INSERT INTO pii_pseudonyms (tenant, pseudonym, digest, sealed) "
                         "VALUES (?, ?, ?, ?)");
        if (!by_digest.valid() || !taken.valid() || !insert.valid()) return sql_error("prepare");
        std::vector<std::string> out;
        out.reserve(requests.size());
        for (const PseudonymRequest& request : requests) {
            by_digest.reset();
            by_digest.bind_text(1, tenant);
            by_digest.bind_text(2, request.digest);
            int rc = by_digest.step();
            if (rc == SQLITE_ROW) {
                out.push_back(by_digest.column_string(0));
                continue;
            }
            if (rc != SQLITE_DONE) return sql_error("look up pseudonym");
            std::optional<std::string> chosen;
            for (const std::string& candidate : request.candidates) {
                taken.reset();
                taken.bind_text(1, tenant);
                taken.bind_text(2, candidate);
                rc = taken.step();
                if (rc == SQLITE_DONE) {
                    chosen = candidate;
                    break;
                }
                if (rc != SQLITE_ROW) return sql_error("look up pseudonym");
            }
            if (!chosen) {
                return make_error(ErrorCode::ALREADY_EXISTS,
                                  "pseudonym store: every candidate pseudonym is taken");
            }
            insert.reset();
            insert.bind_text(1, tenant);
            insert.bind_text(2, *chosen);
            insert.bind_text(3, request.digest);
            insert.bind_blob(4, request.sealed);
            if (insert.step() != SQLITE_DONE) return sql_error("store pseudonym");
            out.push_back(std::move(*chosen));
        }
        return out;
    }

    sqlite3* db_;
    std::mutex mutex_;
};

}  // namespace

Result<std::unique_ptr<PseudonymStore>> open_sqlite_pseudonym_store(const std::string& data_dir) {
    return open_sqlite_backend<PseudonymStore, SqlitePseudonymStore>(data_dir, "pseudonym store");
}

}  // namespace souverain::storage
