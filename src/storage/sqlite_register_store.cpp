// The SQLite backend of storage::RegisterStore: two tables in souverain.db.
#include <sqlite3.h>

#include <ctime>
#include <mutex>

#include "storage/register_store.h"
#include "storage/sqlite_database.h"
#include "storage/sqlite_statement.h"

namespace souverain::storage {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS register_model_cards (
    tenant TEXT NOT NULL DEFAULT 'default',
    model_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    card TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (tenant, model_name, sha256)
);
CREATE INDEX IF NOT EXISTS register_model_cards_sha256 ON register_model_cards (tenant, sha256);
CREATE TABLE IF NOT EXISTS register_assistants (
    tenant TEXT NOT NULL DEFAULT 'default',
    name TEXT NOT NULL,
    record TEXT NOT NULL,
    registered_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (tenant, name)
);
)sql";

constexpr const char* kCardColumns = "tenant, model_name, sha256, card, updated_at";
constexpr const char* kAssistantColumns = "tenant, name, record, registered_at, updated_at";

class SqliteRegisterStore final : public RegisterStore {
public:
    explicit SqliteRegisterStore(sqlite3* db) : db_(db) {}
    ~SqliteRegisterStore() override { sqlite3_close_v2(db_); }

    Status init() {
        SOUVERAIN_TRY(exec("PRAGMA journal_mode=WAL"));
        SOUVERAIN_TRY(exec("PRAGMA synchronous=NORMAL"));
        SOUVERAIN_TRY(exec("PRAGMA busy_timeout=5000"));
        return exec(kSchema);
    }

    Result<StoredModelCard> put_model_card(const std::string& tenant, const std::string& model_name,
                                           const std::string& sha256,
                                           const std::string& card_json) override {
        std::lock_guard<std::mutex> lock(mutex_);
        const StoredModelCard row{tenant, model_name, sha256, card_json, now()};
        Statement upsert(db_,
                         "INSERT INTO register_model_cards (tenant, model_name, sha256, card, "
                         "updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant, model_name, "
                         "sha256) DO UPDATE SET card = excluded.card, updated_at = "
                         "excluded.updated_at");
        if (!upsert.valid()) return sql_error("prepare");
        upsert.bind_text(1, row.tenant);
        upsert.bind_text(2, row.model_name);
        upsert.bind_text(3, row.sha256);
        upsert.bind_text(4, row.card_json);
        upsert.bind(5, row.updated_at);
        if (upsert.step() != SQLITE_DONE) return sql_error("store model card");
        return row;
    }

    Result<std::optional<StoredModelCard>> find_model_card(const std::string& tenant,
                                                           const std::string& model_name,
                                                           const std::string& sha256) override {
        std::lock_guard<std::mutex> lock(mutex_);
        // Exact name first, then any name with the same file, newest first.
        const std::string sql = std::string("SELECT ") + kCardColumns +
                                " FROM register_model_cards WHERE tenant = ? AND sha256 = ? "
                                "ORDER BY model_name = ? DESC, updated_at DESC, rowid DESC LIMIT 1";
        Statement select(db_, sql.c_str());
        if (!select.valid()) return sql_error("prepare");
        select.bind_text(1, tenant);
        select.bind_text(2, sha256);
        select.bind_text(3, model_name);
        return single_card(select);
    }

    Result<std::optional<StoredModelCard>> latest_model_card(
        const std::string& tenant, const std::string& model_name) override {
        std::lock_guard<std::mutex> lock(mutex_);
        const std::string sql = std::string("SELECT ") + kCardColumns +
                                " FROM register_model_cards WHERE tenant = ? AND model_name = ? "
                                "ORDER BY updated_at DESC, rowid DESC LIMIT 1";
        Statement select(db_, sql.c_str());
        if (!select.valid()) return sql_error("prepare");
        select.bind_text(1, tenant);
        select.bind_text(2, model_name);
        return single_card(select);
    }

    Result<std::vector<StoredModelCard>> list_model_cards(const std::string& tenant) override {
        std::lock_guard<std::mutex> lock(mutex_);
        const std::string sql = std::string("SELECT ") + kCardColumns +
                                " FROM register_model_cards WHERE tenant = ? ORDER BY model_name, "
                                "updated_at DESC, rowid DESC";
        Statement select(db_, sql.c_str());
        if (!select.valid()) return sql_error("prepare");
        select.bind_text(1, tenant);
        std::vector<StoredModelCard> rows;
        int rc;
        while ((rc = select.step()) == SQLITE_ROW) rows.push_back(read_card(select));
        if (rc != SQLITE_DONE) return sql_error("list model cards");
        return rows;
    }

    Result<StoredAssistant> put_assistant(const std::string& tenant, const std::string& name,
                                          const std::string& record_json, bool replace) override {
        std::lock_guard<std::mutex> lock(mutex_);
        SOUVERAIN_TRY(exec("BEGIN IMMEDIATE"));
        Result<StoredAssistant> row = put_assistant_locked(tenant, name, record_json, replace);
        if (!row) {
            (void)exec("ROLLBACK");
            return row;
        }
        SOUVERAIN_TRY(exec("COMMIT"));
        return row;
    }

    Result<std::optional<StoredAssistant>> find_assistant(const std::string& tenant,
                                                          const std::string& name) override {
        std::lock_guard<std::mutex> lock(mutex_);
        return find_assistant_locked(tenant, name);
    }

    Result<std::vector<StoredAssistant>> list_assistants(const std::string& tenant) override {
        std::lock_guard<std::mutex> lock(mutex_);
        const std::string sql = std::string("SELECT ") + kAssistantColumns +
                                " FROM register_assistants WHERE tenant = ? ORDER BY name";
        Statement select(db_, sql.c_str());
        if (!select.valid()) return sql_error("prepare");
        select.bind_text(1, tenant);
        std::vector<StoredAssistant> rows;
        int rc;
        while ((rc = select.step()) == SQLITE_ROW) rows.push_back(read_assistant(select));
        if (rc != SQLITE_DONE) return sql_error("list assistants");
        return rows;
    }

    Result<bool> remove_assistant(const std::string& tenant, const std::string& name) override {
        std::lock_guard<std::mutex> lock(mutex_);
        Statement del(db_, "DELETE FROM register_assistants WHERE tenant = ? AND name = ?");
        if (!del.valid()) return sql_error("prepare");
        del.bind_text(1, tenant);
        del.bind_text(2, name);
        if (del.step() != SQLITE_DONE) return sql_error("remove assistant");
        return sqlite3_changes(db_) > 0;
    }

private:
    static int64_t now() { return (int64_t)std::time(nullptr); }

    Result<StoredAssistant> put_assistant_locked(const std::string& tenant, const std::string& name,
                                                 const std::string& record_json, bool replace) {
        Result<std::optional<StoredAssistant>> existing = find_assistant_locked(tenant, name);
        if (!existing) return existing.error();
        if (existing->has_value() && !replace) {
            return make_error(ErrorCode::ALREADY_EXISTS,
                              "assistant '" + name +
                                  "' is already registered (replace it to "
                                  "change it)");
        }
        StoredAssistant row{tenant, name, record_json, now(), now()};
        if (existing->has_value()) row.registered_at = (*existing)->registered_at;
        Statement upsert(db_,
                         "INSERT INTO register_assistants (tenant, name, record, registered_at, "
                         "updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant, name) DO UPDATE "
                         "SET record = excluded.record, updated_at = excluded.updated_at");
        if (!upsert.valid()) return sql_error("prepare");
        upsert.bind_text(1, row.tenant);
        upsert.bind_text(2, row.name);
        upsert.bind_text(3, row.record_json);
        upsert.bind(4, row.registered_at);
        upsert.bind(5, row.updated_at);
        if (upsert.step() != SQLITE_DONE) return sql_error("store assistant");
        return row;
    }

    Result<std::optional<StoredAssistant>> find_assistant_locked(const std::string& tenant,
                                                                 const std::string& name) {
        const std::string sql = std::string("SELECT ") + kAssistantColumns +
                                " FROM register_assistants WHERE tenant = ? AND name = ?";
        Statement select(db_, sql.c_str());
        if (!select.valid()) return sql_error("prepare");
        select.bind_text(1, tenant);
        select.bind_text(2, name);
        const int rc = select.step();
        if (rc == SQLITE_DONE) return std::optional<StoredAssistant>();
        if (rc != SQLITE_ROW) return sql_error("find assistant");
        return std::optional<StoredAssistant>(read_assistant(select));
    }

    Result<std::optional<StoredModelCard>> single_card(Statement& select) {
        const int rc = select.step();
        if (rc == SQLITE_DONE) return std::optional<StoredModelCard>();
        if (rc != SQLITE_ROW) return sql_error("find model card");
        return std::optional<StoredModelCard>(read_card(select));
    }

    static StoredModelCard read_card(Statement& select) {
        return StoredModelCard{select.column_string(0), select.column_string(1),
                               select.column_string(2), select.column_string(3),
                               select.column_int(4)};
    }

    static StoredAssistant read_assistant(Statement& select) {
        return StoredAssistant{select.column_string(0), select.column_string(1),
                               select.column_string(2), select.column_int(3), select.column_int(4)};
    }

    Status exec(const char* sql) { return exec_sql(db_, sql, "register store: "); }
    Error sql_error(const std::string& what) {
        return storage::sql_error(db_, "register store: ", what);
    }

    std::mutex mutex_;  // serializes every use of db_
    sqlite3* db_;
};

}  // namespace

Result<std::unique_ptr<RegisterStore>> open_sqlite_register_store(const std::string& data_dir) {
    return open_sqlite_backend<RegisterStore, SqliteRegisterStore>(data_dir, "register store");
}

}  // namespace souverain::storage
