// The SQLite backend of storage::TenantStore: two tables in souverain.db.
#include <sqlite3.h>

#include <ctime>
#include <mutex>

#include "storage/sqlite_database.h"
#include "storage/sqlite_statement.h"
#include "storage/tenant_store.h"

namespace souverain::storage {

namespace {

// Policy columns are NULL when unset (the server's flags decide).
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS tenants (
    name TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    operator INTEGER NOT NULL DEFAULT 0,
    keep_texts INTEGER,
    disclosure_notice INTEGER
);
CREATE TABLE IF NOT EXISTS api_keys (
    key_id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    role TEXT NOT NULL,
    hash TEXT NOT NULL,
    label TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX IF NOT EXISTS api_keys_tenant ON api_keys (tenant, created_at);
)sql";

constexpr const char* kTenantColumns = "name, created_at, operator, keep_texts, disclosure_notice";
constexpr const char* kKeyColumns = "key_id, tenant, role, hash, label, created_at, revoked_at";

class SqliteTenantStore final : public TenantStore {
public:
    explicit SqliteTenantStore(sqlite3* db) : db_(db) {}
    ~SqliteTenantStore() override { sqlite3_close_v2(db_); }

    Status init() {
        SOUVERAIN_TRY(exec("PRAGMA journal_mode=WAL"));
        SOUVERAIN_TRY(exec("PRAGMA synchronous=NORMAL"));
        SOUVERAIN_TRY(exec("PRAGMA busy_timeout=5000"));
        return exec(kSchema);
    }

    Result<TenantRow> create_tenant(const std::string& name, bool operator_tenant) override {
        std::lock_guard<std::mutex> lock(mutex_);
        Result<std::optional<TenantRow>> existing = find_tenant_locked(name);
        if (!existing) return existing.error();
        if (existing->has_value()) {
            return make_error(ErrorCode::ALREADY_EXISTS, "tenant '" + name + "' already exists");
        }
        TenantRow row{name, now(), operator_tenant, {}};
        Statement insert(db_, "INSERT INTO tenants (name, created_at, operator) VALUES (?, ?, ?)");
        if (!insert.valid()) return sql_error("prepare");
        insert.bind_text(1, row.name);
        insert.bind(2, row.created_at);
        insert.bind(3, operator_tenant ? 1 : 0);
        if (insert.step() != SQLITE_DONE) return sql_error("create tenant");
        return row;
    }

    Result<std::optional<TenantRow>> find_tenant(const std::string& name) override {
        std::lock_guard<std::mutex> lock(mutex_);
        return find_tenant_locked(name);
    }

    Result<std::vector<TenantRow>> list_tenants() override {
        std::lock_guard<std::mutex> lock(mutex_);
        const std::string sql =
            std::string("SELECT ") + kTenantColumns + " FROM tenants ORDER BY name";
        Statement select(db_, sql.c_str());
        if (!select.valid()) return sql_error("prepare");
        std::vector<TenantRow> rows;
        int rc;
        while ((rc = select.step()) == SQLITE_ROW) rows.push_back(read_tenant(select));
        if (rc != SQLITE_DONE) return sql_error("list tenants");
        return rows;
    }

    Result<bool> delete_tenant(const std::string& name) override {
        std::lock_guard<std::mutex> lock(mutex_);
        SOUVERAIN_TRY(exec("BEGIN IMMEDIATE"));
        Result<bool> removed = delete_tenant_locked(name);
        if (!removed) {
            (void)exec("ROLLBACK");
            return removed;
        }
        SOUVERAIN_TRY(exec("COMMIT"));
        return removed;
    }

    Status set_policy(const std::string& name, const TenantPolicy& policy) override {
        std::lock_guard<std::mutex> lock(mutex_);
        Statement update(db_,
                         "UPDATE tenants SET keep_texts = ?, disclosure_notice = ? WHERE name = ?");
        if (!update.valid()) return sql_error("prepare");
        bind_optional(update, 1, policy.keep_texts);
        bind_optional(update, 2, policy.disclosure_notice);
        update.bind_text(3, name);
        if (update.step() != SQLITE_DONE) return sql_error("set tenant policy");
        if (sqlite3_changes(db_) == 0) return no_such_tenant(name);
        return Status::success();
    }

    Status insert_key(const ApiKeyRow& key) override {
        std::lock_guard<std::mutex> lock(mutex_);
        Result<std::optional<TenantRow>> tenant = find_tenant_locked(key.tenant);
        if (!tenant) return tenant.error();
        if (!tenant->has_value()) return no_such_tenant(key.tenant);
        Result<std::optional<ApiKeyRow>> existing = find_key_locked(key.key_id);
        if (!existing) return existing.error();
        if (existing->has_value()) {
            return make_error(ErrorCode::ALREADY_EXISTS, "key id '" + key.key_id + "' is taken");
        }
        Statement insert(db_,
                         "INSERT INTO api_keys (key_id, tenant, role, hash, label, created_at) "
                         "VALUES (?, ?, ?, ?, ?, ?)");
        if (!insert.valid()) return sql_error("prepare");
        insert.bind_text(1, key.key_id);
        insert.bind_text(2, key.tenant);
        insert.bind_text(3, key.role);
        insert.bind_text(4, key.hash);
        insert.bind_text(5, key.label);
        insert.bind(6, key.created_at);
        if (insert.step() != SQLITE_DONE) return sql_error("store API key");
        return Status::success();
    }

    Result<std::optional<ApiKeyRow>> find_key(const std::string& key_id) override {
        std::lock_guard<std::mutex> lock(mutex_);
        return find_key_locked(key_id);
    }

    Result<std::vector<ApiKeyRow>> list_keys(const std::string& tenant) override {
        std::lock_guard<std::mutex> lock(mutex_);
        const std::string sql = std::string("SELECT ") + kKeyColumns +
                                " FROM api_keys WHERE tenant = ? ORDER BY created_at, key_id";
        Statement select(db_, sql.c_str());
        if (!select.valid()) return sql_error("prepare");
        select.bind_text(1, tenant);
        std::vector<ApiKeyRow> rows;
        int rc;
        while ((rc = select.step()) == SQLITE_ROW) rows.push_back(read_key(select));
        if (rc != SQLITE_DONE) return sql_error("list API keys");
        return rows;
    }

    Result<bool> revoke_key(const std::string& key_id) override {
        std::lock_guard<std::mutex> lock(mutex_);
        Statement update(db_,
                         "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS "
                         "NULL");
        if (!update.valid()) return sql_error("prepare");
        update.bind(1, now());
        update.bind_text(2, key_id);
        if (update.step() != SQLITE_DONE) return sql_error("revoke API key");
        return sqlite3_changes(db_) > 0;
    }

    Result<bool> any_key() override {
        std::lock_guard<std::mutex> lock(mutex_);
        Statement select(db_, "SELECT EXISTS (SELECT 1 FROM api_keys)");
        if (!select.valid()) return sql_error("prepare");
        if (select.step() != SQLITE_ROW) return sql_error("count API keys");
        return select.column_int(0) != 0;
    }

private:
    static int64_t now() { return (int64_t)std::time(nullptr); }

    static void bind_optional(Statement& statement, int index, std::optional<bool> value) {
        if (value) statement.bind(index, *value ? 1 : 0);
        // else: left unbound, which SQLite reads as NULL
    }

    static std::optional<bool> optional_bool(Statement& row, int index) {
        if (sqlite3_column_type(row.get(), index) == SQLITE_NULL) return std::nullopt;
        return row.column_int(index) != 0;
    }

    static Error no_such_tenant(const std::string& name) {
        return make_error(ErrorCode::NOT_FOUND, "no tenant '" + name + "'");
    }

    Result<std::optional<TenantRow>> find_tenant_locked(const std::string& name) {
        const std::string sql =
            std::string("SELECT ") + kTenantColumns + " FROM tenants WHERE name = ?";
        Statement select(db_, sql.c_str());
        if (!select.valid()) return sql_error("prepare");
        select.bind_text(1, name);
        const int rc = select.step();
        if (rc == SQLITE_DONE) return std::optional<TenantRow>();
        if (rc != SQLITE_ROW) return sql_error("find tenant");
        return std::optional<TenantRow>(read_tenant(select));
    }

    Result<std::optional<ApiKeyRow>> find_key_locked(const std::string& key_id) {
        const std::string sql =
            std::string("SELECT ") + kKeyColumns + " FROM api_keys WHERE key_id = ?";
        Statement select(db_, sql.c_str());
        if (!select.valid()) return sql_error("prepare");
        select.bind_text(1, key_id);
        const int rc = select.step();
        if (rc == SQLITE_DONE) return std::optional<ApiKeyRow>();
        if (rc != SQLITE_ROW) return sql_error("find API key");
        return std::optional<ApiKeyRow>(read_key(select));
    }

    Result<bool> delete_tenant_locked(const std::string& name) {
        Statement keys(db_, "DELETE FROM api_keys WHERE tenant = ?");
        Statement tenant(db_, "DELETE FROM tenants WHERE name = ?");
        if (!keys.valid() || !tenant.valid()) return sql_error("prepare");
        keys.bind_text(1, name);
        if (keys.step() != SQLITE_DONE) return sql_error("delete tenant keys");
        tenant.bind_text(1, name);
        if (tenant.step() != SQLITE_DONE) return sql_error("delete tenant");
        return sqlite3_changes(db_) > 0;
    }

    static TenantRow read_tenant(Statement& row) {
        return TenantRow{row.column_string(0),
                         row.column_int(1),
                         row.column_int(2) != 0,
                         {optional_bool(row, 3), optional_bool(row, 4)}};
    }

    static ApiKeyRow read_key(Statement& row) {
        ApiKeyRow key{row.column_string(0), row.column_string(1), row.column_string(2),
                      row.column_string(3), row.column_string(4), row.column_int(5),
                      std::nullopt};
        if (sqlite3_column_type(row.get(), 6) != SQLITE_NULL) key.revoked_at = row.column_int(6);
        return key;
    }

    Status exec(const char* sql) { return exec_sql(db_, sql, "tenant store: "); }
    Error sql_error(const std::string& what) {
        return storage::sql_error(db_, "tenant store: ", what);
    }

    std::mutex mutex_;  // serializes every use of db_
    sqlite3* db_;
};

}  // namespace

Result<std::unique_ptr<TenantStore>> open_sqlite_tenant_store(const std::string& data_dir) {
    return open_sqlite_backend<TenantStore, SqliteTenantStore>(data_dir, "tenant store");
}

}  // namespace souverain::storage
