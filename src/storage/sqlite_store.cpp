// The SQLite backend of storage::Store: one database file, WAL journal (readers never block
// the writer; a killed process loses only the open transaction), foreign keys by hand
// (explicit deletes in the same transaction, cheaper than cascades on large sources).
#include <sqlite3.h>

#include <ctime>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>

#include "storage/sqlite_database.h"
#include "storage/sqlite_statement.h"
#include "storage/store.h"

namespace souverain::storage {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS kbs (
    id INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL DEFAULT 'default',
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    index_dirty INTEGER NOT NULL DEFAULT 0,
    pii TEXT NOT NULL DEFAULT 'off',
    UNIQUE (tenant, name)
);
CREATE TABLE IF NOT EXISTS sources (
    id INTEGER PRIMARY KEY,
    kb_id INTEGER NOT NULL,
    path TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    UNIQUE (kb_id, path)
);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    kb_id INTEGER NOT NULL,
    source_id INTEGER NOT NULL,
    external_id TEXT NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    metadata TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_source ON documents (source_id);
CREATE INDEX IF NOT EXISTS documents_kb ON documents (kb_id);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,
    kb_id INTEGER NOT NULL,
    document_id INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    start_byte INTEGER NOT NULL,
    end_byte INTEGER NOT NULL,
    language TEXT NOT NULL,
    title TEXT NOT NULL,
    metadata TEXT NOT NULL,
    terms BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_document ON chunks (document_id);
CREATE INDEX IF NOT EXISTS chunks_kb ON chunks (kb_id, id);
CREATE TABLE IF NOT EXISTS chunk_id_ranges (
    kb_id INTEGER PRIMARY KEY,
    id_base INTEGER NOT NULL UNIQUE,
    next_seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS index_meta (
    kb_id INTEGER PRIMARY KEY,
    meta BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS postings (
    kb_id INTEGER NOT NULL,
    term BLOB NOT NULL,
    df INTEGER NOT NULL,
    blob BLOB NOT NULL,
    PRIMARY KEY (kb_id, term)
) WITHOUT ROWID;
)sql";

// Before tenants, `kbs` had a globally unique name and no tenant column. SQLite cannot drop a
// UNIQUE constraint, so the table is rebuilt (ids kept: every other table refers to them) with
// every base given to tenant 'default'.
constexpr const char* kMigrateKbsToTenants = R"sql(
CREATE TABLE kbs_tenants (
    id INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL DEFAULT 'default',
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    index_dirty INTEGER NOT NULL DEFAULT 0,
    UNIQUE (tenant, name)
);
INSERT INTO kbs_tenants (id, tenant, name, created_at, index_dirty)
    SELECT id, 'default', name, created_at, index_dirty FROM kbs;
DROP TABLE kbs;
ALTER TABLE kbs_tenants RENAME TO kbs;
)sql";

// Before PII policies, `kbs` had no `pii` column: added with every base 'off'.
constexpr const char* kMigrateKbsToPiiPolicy =
    "ALTER TABLE kbs ADD COLUMN pii TEXT NOT NULL DEFAULT 'off'";

constexpr const char* kKbColumns = "id, tenant, name, index_dirty, created_at, pii";

class SqliteStore final : public Store {
public:
    explicit SqliteStore(sqlite3* db) : db_(db) {}
    ~SqliteStore() override { sqlite3_close_v2(db_); }

    Status init() {
        SOUVERAIN_TRY(exec("PRAGMA journal_mode=WAL"));
        // NORMAL in WAL mode: a committed transaction survives a process crash; only a power
        // loss may drop the last commits (never corrupts).
        SOUVERAIN_TRY(exec("PRAGMA synchronous=NORMAL"));
        SOUVERAIN_TRY(exec("PRAGMA busy_timeout=5000"));
        SOUVERAIN_TRY(migrate_to_tenants());
        SOUVERAIN_TRY(exec(kSchema));
        return migrate_to_pii_policy();
    }

    using Store::create_kb;
    Result<KbInfo> create_kb(const std::string& tenant, const std::string& name,
                             PiiPolicy pii) override {
        Result<std::optional<KbInfo>> existing = find_kb(tenant, name);
        if (!existing) return existing.error();
        if (existing->has_value()) {
            return make_error(ErrorCode::ALREADY_EXISTS,
                              "knowledge base '" + name + "' already exists");
        }
        const int64_t now = (int64_t)std::time(nullptr);
        Statement insert(db_,
                         "INSERT INTO kbs (tenant, name, created_at, pii) VALUES (?, ?, ?, ?)");
        if (!insert.valid()) return sql_error("prepare");
        insert.bind_text(1, tenant);
        insert.bind_text(2, name);
        insert.bind(3, now);
        insert.bind_text(4, pii_policy_name(pii));
        if (insert.step() != SQLITE_DONE) return sql_error("create knowledge base");
        return KbInfo{sqlite3_last_insert_rowid(db_), tenant, name, false, now, pii};
    }

    Result<std::optional<KbInfo>> find_kb(const std::string& tenant,
                                          const std::string& name) override {
        const std::string sql =
            std::string("SELECT ") + kKbColumns + " FROM kbs WHERE tenant = ? AND name = ?";
        Statement select(db_, sql.c_str());
        if (!select.valid()) return sql_error("prepare");
        select.bind_text(1, tenant);
        select.bind_text(2, name);
        const int rc = select.step();
        if (rc == SQLITE_DONE) return std::optional<KbInfo>();
        if (rc != SQLITE_ROW) return sql_error("find knowledge base");
        return std::optional<KbInfo>(kb_info(select));
    }

    Result<std::vector<KbInfo>> list_kbs(const std::string& tenant) override {
        const std::string sql =
            std::string("SELECT ") + kKbColumns + " FROM kbs WHERE tenant = ? ORDER BY name";
        Statement select(db_, sql.c_str());
        if (!select.valid()) return sql_error("prepare");
        select.bind_text(1, tenant);
        std::vector<KbInfo> kbs;
        int rc;
        while ((rc = select.step()) == SQLITE_ROW) kbs.push_back(kb_info(select));
        if (rc != SQLITE_DONE) return sql_error("list knowledge bases");
        return kbs;
    }

    Status delete_kb(int64_t kb_id) override {
        SOUVERAIN_TRY(exec("BEGIN IMMEDIATE"));
        Status status = delete_kb_locked(kb_id);
        if (!status) {
            (void)exec("ROLLBACK");
            return status;
        }
        return exec("COMMIT");
    }

    Result<KbCounts> count_kb(int64_t kb_id) override {
        Statement select(db_,
                         "SELECT (SELECT count(*) FROM sources WHERE kb_id = ?1), "
                         "(SELECT count(*) FROM documents WHERE kb_id = ?1), "
                         "(SELECT count(*) FROM chunks WHERE kb_id = ?1)");
        if (!select.valid()) return sql_error("prepare");
        select.bind(1, kb_id);
        if (select.step() != SQLITE_ROW) return sql_error("count knowledge base");
        return KbCounts{select.column_int(0), select.column_int(1), select.column_int(2)};
    }

    Result<std::vector<SourceInfo>> list_sources(int64_t kb_id) override {
        Statement select(db_,
                         "SELECT path, content_hash FROM sources WHERE kb_id = ? ORDER BY path");
        if (!select.valid()) return sql_error("prepare");
        select.bind(1, kb_id);
        std::vector<SourceInfo> sources;
        int rc;
        while ((rc = select.step()) == SQLITE_ROW) {
            sources.push_back(SourceInfo{select.column_string(0), select.column_string(1)});
        }
        if (rc != SQLITE_DONE) return sql_error("list sources");
        return sources;
    }

    Result<std::vector<SourceDetails>> list_source_details(int64_t kb_id) override {
        Statement select(db_,
                         "SELECT s.path, s.content_hash, s.bytes, "
                         "(SELECT count(*) FROM documents d WHERE d.source_id = s.id), "
                         "(SELECT count(*) FROM chunks c WHERE c.document_id IN "
                         "(SELECT id FROM documents WHERE source_id = s.id)) "
                         "FROM sources s WHERE s.kb_id = ? ORDER BY s.path");
        if (!select.valid()) return sql_error("prepare");
        select.bind(1, kb_id);
        std::vector<SourceDetails> sources;
        int rc;
        while ((rc = select.step()) == SQLITE_ROW) {
            sources.push_back(SourceDetails{select.column_string(0), select.column_string(1),
                                            (uint64_t)select.column_int(2), select.column_int(3),
                                            select.column_int(4)});
        }
        if (rc != SQLITE_DONE) return sql_error("list sources");
        return sources;
    }

    Status replace_source(int64_t kb_id, const NewSource& source,
                          const std::vector<NewDocument>& documents) override {
        SOUVERAIN_TRY(exec("BEGIN IMMEDIATE"));
        Status status = replace_source_locked(kb_id, source, documents);
        if (!status) {
            (void)exec("ROLLBACK");
            return status;
        }
        return exec("COMMIT");
    }

    Status remove_source(int64_t kb_id, const std::string& path) override {
        SOUVERAIN_TRY(exec("BEGIN IMMEDIATE"));
        Status status = delete_source_locked(kb_id, path);
        if (status) status = mark_dirty(kb_id);
        if (!status) {
            (void)exec("ROLLBACK");
            return status;
        }
        return exec("COMMIT");
    }

    Status for_each_chunk_terms(int64_t kb_id,
                                const std::function<void(const ChunkTerms&)>& visit) override {
        Statement select(db_,
                         "SELECT id, document_id, terms FROM chunks WHERE kb_id = ? ORDER BY id");
        if (!select.valid()) return sql_error("prepare");
        select.bind(1, kb_id);
        int rc;
        while ((rc = select.step()) == SQLITE_ROW) {
            visit(ChunkTerms{select.column_int(0), select.column_int(1), select.column_view(2)});
        }
        if (rc != SQLITE_DONE) return sql_error("scan chunks");
        return Status::success();
    }

    Status write_index(int64_t kb_id, std::string_view meta,
                       const std::vector<Posting>& postings) override {
        SOUVERAIN_TRY(exec("BEGIN IMMEDIATE"));
        Status status = write_index_locked(kb_id, meta, postings);
        if (!status) {
            (void)exec("ROLLBACK");
            return status;
        }
        return exec("COMMIT");
    }

    Result<std::optional<std::string>> load_index_meta(int64_t kb_id) override {
        Statement select(db_, "SELECT meta FROM index_meta WHERE kb_id = ?");
        if (!select.valid()) return sql_error("prepare");
        select.bind(1, kb_id);
        const int rc = select.step();
        if (rc == SQLITE_DONE) return std::optional<std::string>();
        if (rc != SQLITE_ROW) return sql_error("load index");
        return std::optional<std::string>(select.column_string(0));
    }

    Result<std::optional<std::string>> load_postings(int64_t kb_id,
                                                     std::string_view term) override {
        if (!postings_select_) {
            postings_select_ = std::make_unique<Statement>(
                db_, "SELECT blob FROM postings WHERE kb_id = ? AND term = ?");
        }
        Statement& select = *postings_select_;
        if (!select.valid()) return sql_error("prepare");
        select.reset();
        select.bind(1, kb_id);
        select.bind_blob(2, term);
        const int rc = select.step();
        std::optional<std::string> blob;
        if (rc == SQLITE_ROW) blob = select.column_string(0);
        select.reset();
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) return sql_error("load postings");
        return blob;
    }

    Status for_each_term(int64_t kb_id,
                         const std::function<void(std::string_view, int64_t)>& visit) override {
        Statement select(db_, "SELECT term, df FROM postings WHERE kb_id = ?");
        if (!select.valid()) return sql_error("prepare");
        select.bind(1, kb_id);
        int rc;
        while ((rc = select.step()) == SQLITE_ROW)
            visit(select.column_view(0), select.column_int(1));
        if (rc != SQLITE_DONE) return sql_error("scan terms");
        return Status::success();
    }

    Result<std::vector<ChunkRecord>> load_chunks(int64_t kb_id,
                                                 const std::vector<int64_t>& chunk_ids) override {
        // The passage is cut from the document text by byte offsets (SQL substr counts
        // characters of TEXT but we want the exact stored bytes).
        Statement select(db_,
                         "SELECT c.id, d.external_id, d.title, c.metadata, c.language, c.start, "
                         "c.end, substr(CAST(d.text AS BLOB), c.start_byte + 1, "
                         "c.end_byte - c.start_byte) FROM chunks c JOIN documents d ON "
                         "d.id = c.document_id WHERE c.id = ? AND c.kb_id = ?");
        if (!select.valid()) return sql_error("prepare");
        std::vector<ChunkRecord> records;
        for (int64_t id : chunk_ids) {
            select.reset();
            select.bind(1, id);
            select.bind(2, kb_id);
            const int rc = select.step();
            if (rc == SQLITE_DONE) continue;
            if (rc != SQLITE_ROW) return sql_error("load chunk");
            ChunkRecord record;
            record.chunk_id = select.column_int(0);
            record.document_id = select.column_string(1);
            record.title = select.column_string(2);
            record.metadata_json = select.column_string(3);
            record.language = select.column_string(4);
            record.start = select.column_int(5);
            record.end = select.column_int(6);
            record.text = select.column_string(7);
            records.push_back(std::move(record));
        }
        return records;
    }

    Result<std::vector<std::pair<int64_t, std::string>>> load_document_ids(int64_t kb_id) override {
        Statement select(db_, "SELECT id, external_id FROM documents WHERE kb_id = ?");
        if (!select.valid()) return sql_error("prepare");
        select.bind(1, kb_id);
        std::vector<std::pair<int64_t, std::string>> ids;
        int rc;
        while ((rc = select.step()) == SQLITE_ROW) {
            ids.emplace_back(select.column_int(0), select.column_string(1));
        }
        if (rc != SQLITE_DONE) return sql_error("list documents");
        return ids;
    }

private:
    Status exec(const char* sql) { return exec_sql(db_, sql, "storage: "); }
    Error sql_error(const std::string& what) { return storage::sql_error(db_, "storage: ", what); }

    static KbInfo kb_info(Statement& row) {
        // An unknown policy (a newer program's, or an edited row) pseudonymizes: the safe side.
        return KbInfo{row.column_int(0),
                      row.column_string(1),
                      row.column_string(2),
                      row.column_int(3) != 0,
                      row.column_int(4),
                      parse_pii_policy(row.column_view(5)).value_or(PiiPolicy::PSEUDONYMIZE)};
    }

    // Adds the `pii` column to a `kbs` table from before policies, inside a transaction that
    // checks again (another process may have added it meanwhile).
    Status migrate_to_pii_policy() {
        Result<bool> missing = lacks_pii_column();
        if (!missing) return missing.error();
        if (!*missing) return Status::success();
        SOUVERAIN_TRY(exec("BEGIN IMMEDIATE"));
        missing = lacks_pii_column();
        Status migrated = !missing ? Status(missing.error()) : Status::success();
        if (migrated && *missing) migrated = exec(kMigrateKbsToPiiPolicy);
        if (!migrated) {
            (void)exec("ROLLBACK");
            return migrated;
        }
        return exec("COMMIT");
    }

    Result<bool> lacks_pii_column() {
        Statement columns(db_, "SELECT name FROM pragma_table_info('kbs')");
        if (!columns.valid()) return sql_error("prepare");
        bool has_pii = false;
        int rc;
        while ((rc = columns.step()) == SQLITE_ROW) has_pii |= columns.column_view(0) == "pii";
        if (rc != SQLITE_DONE) return sql_error("read the kbs table");
        return !has_pii;
    }

    // An old `kbs` table (no tenant column) is rebuilt in one transaction; a new or already
    // migrated database is left alone. Checked again inside the transaction: another process
    // may have migrated it meanwhile.
    Status migrate_to_tenants() {
        Result<bool> old = has_pre_tenant_kbs();
        if (!old) return old.error();
        if (!*old) return Status::success();
        SOUVERAIN_TRY(exec("BEGIN IMMEDIATE"));
        old = has_pre_tenant_kbs();
        Status migrated = !old ? Status(old.error()) : Status::success();
        if (migrated && *old) migrated = exec(kMigrateKbsToTenants);
        if (!migrated) {
            (void)exec("ROLLBACK");
            return migrated;
        }
        return exec("COMMIT");
    }

    Result<bool> has_pre_tenant_kbs() {
        Statement columns(db_, "SELECT name FROM pragma_table_info('kbs')");
        if (!columns.valid()) return sql_error("prepare");
        bool exists = false, has_tenant = false;
        int rc;
        while ((rc = columns.step()) == SQLITE_ROW) {
            exists = true;
            has_tenant |= columns.column_view(0) == "tenant";
        }
        if (rc != SQLITE_DONE) return sql_error("read the kbs table");
        return exists && !has_tenant;
    }

    Status delete_kb_locked(int64_t kb_id) {
        // Children first, each by an indexed kb_id column.
        const char* deletes[] = {
            "DELETE FROM postings WHERE kb_id = ?",        "DELETE FROM index_meta WHERE kb_id = ?",
            "DELETE FROM chunks WHERE kb_id = ?",          "DELETE FROM documents WHERE kb_id = ?",
            "DELETE FROM sources WHERE kb_id = ?",         "DELETE FROM kbs WHERE id = ?",
            "DELETE FROM chunk_id_ranges WHERE kb_id = ?",
        };
        for (const char* sql : deletes) {
            Statement del(db_, sql);
            if (!del.valid()) return sql_error("prepare");
            del.bind(1, kb_id);
            if (del.step() != SQLITE_DONE) return sql_error("delete knowledge base");
        }
        return Status::success();
    }

    Status mark_dirty(int64_t kb_id) {
        Statement update(db_, "UPDATE kbs SET index_dirty = 1 WHERE id = ?");
        if (!update.valid()) return sql_error("prepare");
        update.bind(1, kb_id);
        if (update.step() != SQLITE_DONE) return sql_error("mark index dirty");
        return Status::success();
    }

    Status delete_source_locked(int64_t kb_id, const std::string& path) {
        Statement find(db_, "SELECT id FROM sources WHERE kb_id = ? AND path = ?");
        if (!find.valid()) return sql_error("prepare");
        find.bind(1, kb_id);
        find.bind_text(2, path);
        const int rc = find.step();
        if (rc == SQLITE_DONE) return Status::success();
        if (rc != SQLITE_ROW) return sql_error("find source");
        const int64_t source_id = find.column_int(0);
        const char* deletes[] = {
            "DELETE FROM chunks WHERE document_id IN (SELECT id FROM documents WHERE source_id = "
            "?)",
            "DELETE FROM documents WHERE source_id = ?",
            "DELETE FROM sources WHERE id = ?",
        };
        for (const char* sql : deletes) {
            Statement del(db_, sql);
            if (!del.valid()) return sql_error("prepare");
            del.bind(1, source_id);
            if (del.step() != SQLITE_DONE) return sql_error("delete source");
        }
        return Status::success();
    }

    Status replace_source_locked(int64_t kb_id, const NewSource& source,
                                 const std::vector<NewDocument>& documents) {
        SOUVERAIN_TRY(delete_source_locked(kb_id, source.path));
        Statement insert_source(
            db_, "INSERT INTO sources (kb_id, path, content_hash, bytes) VALUES (?, ?, ?, ?)");
        Statement insert_document(db_,
                                  "INSERT INTO documents (kb_id, source_id, external_id, title, "
                                  "text, metadata) VALUES (?, ?, ?, ?, ?, ?)");
        Statement insert_chunk(db_,
                               "INSERT INTO chunks (kb_id, document_id, start, end, start_byte, "
                               "end_byte, language, title, metadata, terms, id) VALUES (?, ?, ?, "
                               "?, ?, ?, ?, ?, ?, ?, ?)");
        if (!insert_source.valid() || !insert_document.valid() || !insert_chunk.valid()) {
            return sql_error("prepare");
        }
        insert_source.bind(1, kb_id);
        insert_source.bind_text(2, source.path);
        insert_source.bind_text(3, source.content_hash);
        insert_source.bind(4, (int64_t)source.bytes);
        if (insert_source.step() != SQLITE_DONE) return sql_error("insert source");
        const int64_t source_id = sqlite3_last_insert_rowid(db_);
        int64_t n_chunks = 0;
        for (const NewDocument& document : documents) n_chunks += (int64_t)document.chunks.size();
        Result<int64_t> next_chunk_id = reserve_chunk_ids_locked(kb_id, n_chunks);
        if (!next_chunk_id) return next_chunk_id.error();
        for (const NewDocument& document : documents) {
            insert_document.reset();
            insert_document.bind(1, kb_id);
            insert_document.bind(2, source_id);
            insert_document.bind_text(3, document.external_id);
            insert_document.bind_text(4, document.title);
            insert_document.bind_text(5, document.text);
            insert_document.bind_text(6, document.metadata_json);
            if (insert_document.step() != SQLITE_DONE) return sql_error("insert document");
            const int64_t document_id = sqlite3_last_insert_rowid(db_);
            for (const NewChunk& chunk : document.chunks) {
                insert_chunk.reset();
                insert_chunk.bind(1, kb_id);
                insert_chunk.bind(2, document_id);
                insert_chunk.bind(3, chunk.start);
                insert_chunk.bind(4, chunk.end);
                insert_chunk.bind(5, chunk.start_byte);
                insert_chunk.bind(6, chunk.end_byte);
                insert_chunk.bind_text(7, chunk.language);
                insert_chunk.bind_text(8, chunk.title);
                insert_chunk.bind_text(9, chunk.metadata_json);
                insert_chunk.bind_blob(10, chunk.terms);
                insert_chunk.bind(11, (*next_chunk_id)++);
                if (insert_chunk.step() != SQLITE_DONE) return sql_error("insert chunk");
            }
        }
        return mark_dirty(kb_id);
    }

    // Chunk ids are what hits, citations and audit records show callers, so they must not be
    // SQLite's global row ids, whose size would tell every tenant how much all tenants have
    // ingested. Each base gets a random base (prefix << 32, prefix in [1, 2^20): ids stay
    // below 2^53 for JSON readers) on its first chunk, and its chunks count up from there, never
    // reused. `n` ids are reserved; returns the first. Called inside the ingestion transaction.
    Result<int64_t> reserve_chunk_ids_locked(int64_t kb_id, int64_t n) {
        constexpr int64_t kPrefixes = int64_t(1) << 20;
        constexpr int64_t kSeqLimit = int64_t(1) << 32;
        Statement find(db_, "SELECT id_base, next_seq FROM chunk_id_ranges WHERE kb_id = ?");
        if (!find.valid()) return sql_error("prepare");
        find.bind(1, kb_id);
        int rc = find.step();
        int64_t id_base = 0, next_seq = 1;
        if (rc == SQLITE_ROW) {
            id_base = find.column_int(0);
            next_seq = find.column_int(1);
        } else if (rc != SQLITE_DONE) {
            return sql_error("find chunk id range");
        } else {
            std::random_device entropy;
            Statement insert(db_,
                             "INSERT OR IGNORE INTO chunk_id_ranges (kb_id, id_base, next_seq) "
                             "VALUES (?, ?, 1)");
            if (!insert.valid()) return sql_error("prepare");
            for (int attempt = 0; id_base == 0; ++attempt) {
                if (attempt == 64) {
                    return make_error(ErrorCode::OUT_OF_RANGE, "no free chunk id range is left");
                }
                const uint64_t draw = (uint64_t(entropy()) << 32) | entropy();
                const int64_t candidate = (int64_t(draw % uint64_t(kPrefixes - 1)) + 1) << 32;
                insert.reset();
                insert.bind(1, kb_id);
                insert.bind(2, candidate);
                if (insert.step() != SQLITE_DONE) return sql_error("insert chunk id range");
                if (sqlite3_changes(db_) == 1) id_base = candidate;  // else: prefix taken
            }
        }
        if (next_seq + n >= kSeqLimit) {
            return make_error(ErrorCode::OUT_OF_RANGE,
                              "this knowledge base has used all its 2^32 chunk ids; create a new "
                              "one");
        }
        Statement advance(db_, "UPDATE chunk_id_ranges SET next_seq = ? WHERE kb_id = ?");
        if (!advance.valid()) return sql_error("prepare");
        advance.bind(1, next_seq + n);
        advance.bind(2, kb_id);
        if (advance.step() != SQLITE_DONE) return sql_error("advance chunk ids");
        return id_base + next_seq;
    }

    Status write_index_locked(int64_t kb_id, std::string_view meta,
                              const std::vector<Posting>& postings) {
        Statement clear(db_, "DELETE FROM postings WHERE kb_id = ?");
        if (!clear.valid()) return sql_error("prepare");
        clear.bind(1, kb_id);
        if (clear.step() != SQLITE_DONE) return sql_error("clear postings");
        Statement insert(db_, "INSERT INTO postings (kb_id, term, df, blob) VALUES (?, ?, ?, ?)");
        if (!insert.valid()) return sql_error("prepare");
        for (const Posting& posting : postings) {
            insert.reset();
            insert.bind(1, kb_id);
            insert.bind_blob(2, posting.term);
            insert.bind(3, posting.df);
            insert.bind_blob(4, posting.blob);
            if (insert.step() != SQLITE_DONE) return sql_error("insert posting");
        }
        Statement put_meta(db_, "INSERT OR REPLACE INTO index_meta (kb_id, meta) VALUES (?, ?)");
        if (!put_meta.valid()) return sql_error("prepare");
        put_meta.bind(1, kb_id);
        put_meta.bind_blob(2, meta);
        if (put_meta.step() != SQLITE_DONE) return sql_error("write index metadata");
        Statement clean(db_, "UPDATE kbs SET index_dirty = 0 WHERE id = ?");
        if (!clean.valid()) return sql_error("prepare");
        clean.bind(1, kb_id);
        if (clean.step() != SQLITE_DONE) return sql_error("clear dirty mark");
        return Status::success();
    }

    sqlite3* db_;
    std::unique_ptr<Statement> postings_select_;
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& data_dir) {
    return open_sqlite_backend<Store, SqliteStore>(data_dir, "store");
}

}  // namespace souverain::storage
