// The SQLite backend of storage::VectorStore: two tables beside the Store's, in the same file.
// Triggers on `chunks` and `kbs` delete a chunk's vector and a base's model inside the very
// statement (and so the transaction) that deletes them: the Store needs to know nothing about
// vectors, and no vector outlives its chunk whatever the order of commits.
#include <sqlite3.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>

#include "storage/sqlite_database.h"
#include "storage/sqlite_statement.h"
#include "storage/store.h"
#include "storage/vector_store.h"

namespace souverain::storage {

namespace {

// AUTOINCREMENT: vector ids are never reused (see vector_store.h). Vectors are float32 in the
// machine's byte order (little-endian on every platform we build for).
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS kb_embeddings (
    kb_id INTEGER PRIMARY KEY,
    model TEXT NOT NULL,
    path TEXT NOT NULL,
    dimension INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS chunk_vectors (
    vector_id INTEGER PRIMARY KEY AUTOINCREMENT,
    kb_id INTEGER NOT NULL,
    chunk_id INTEGER NOT NULL UNIQUE,
    vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunk_vectors_kb ON chunk_vectors (kb_id, vector_id);
CREATE TRIGGER IF NOT EXISTS chunk_vectors_follow_chunks AFTER DELETE ON chunks BEGIN
    DELETE FROM chunk_vectors WHERE chunk_id = OLD.id;
END;
CREATE TRIGGER IF NOT EXISTS kb_embeddings_follow_kbs AFTER DELETE ON kbs BEGIN
    DELETE FROM kb_embeddings WHERE kb_id = OLD.id;
END;
)sql";

class SqliteVectorStore final : public VectorStore {
public:
    explicit SqliteVectorStore(sqlite3* db) : db_(db) {}
    ~SqliteVectorStore() override { sqlite3_close_v2(db_); }

    Status init() {
        SOUVERAIN_TRY(exec("PRAGMA journal_mode=WAL"));
        SOUVERAIN_TRY(exec("PRAGMA synchronous=NORMAL"));
        SOUVERAIN_TRY(exec("PRAGMA busy_timeout=5000"));
        return exec(kSchema);
    }

    Status set_embedding_model(int64_t kb_id, const EmbeddingModelInfo& model) override {
        if (model.dimension <= 0) {
            return make_error(ErrorCode::INVALID_ARGUMENT, "embedding dimension must be positive");
        }
        SOUVERAIN_TRY(exec("BEGIN IMMEDIATE"));
        Status status = set_model_locked(kb_id, model);
        if (!status) {
            (void)exec("ROLLBACK");
            return status;
        }
        return exec("COMMIT");
    }

    Result<std::optional<EmbeddingModelInfo>> embedding_model(int64_t kb_id) override {
        Statement select(db_, "SELECT model, path, dimension FROM kb_embeddings WHERE kb_id = ?");
        if (!select.valid()) return sql_error("prepare");
        select.bind(1, kb_id);
        const int rc = select.step();
        if (rc == SQLITE_DONE) return std::optional<EmbeddingModelInfo>();
        if (rc != SQLITE_ROW) return sql_error("read embedding model");
        return std::optional<EmbeddingModelInfo>(EmbeddingModelInfo{
            select.column_string(0), select.column_string(1), (int)select.column_int(2)});
    }

    Result<std::vector<ChunkText>> chunks_without_vectors(int64_t kb_id, int64_t after_chunk_id,
                                                          size_t limit) override {
        // The cursor keeps a long run of batches linear (each starts where the last ended);
        // the NOT EXISTS is one lookup in the UNIQUE index of chunk_vectors.chunk_id.
        Statement select(db_,
                         "SELECT c.id, c.title, substr(CAST(d.text AS BLOB), c.start_byte + 1, "
                         "c.end_byte - c.start_byte) FROM chunks c JOIN documents d ON d.id = "
                         "c.document_id WHERE c.kb_id = ? AND c.id > ? AND NOT EXISTS (SELECT 1 "
                         "FROM chunk_vectors v WHERE v.chunk_id = c.id) ORDER BY c.id LIMIT ?");
        if (!select.valid()) return sql_error("prepare");
        select.bind(1, kb_id);
        select.bind(2, after_chunk_id);
        select.bind(3, (int64_t)limit);
        std::vector<ChunkText> chunks;
        int rc;
        while ((rc = select.step()) == SQLITE_ROW) {
            ChunkText chunk;
            chunk.chunk_id = select.column_int(0);
            // The heading path says what a passage is about; an encoder should see it.
            const std::string_view title = select.column_view(1);
            if (!title.empty()) {
                chunk.text.append(title);
                chunk.text.append("\n\n");
            }
            chunk.text.append(select.column_view(2));
            chunks.push_back(std::move(chunk));
        }
        if (rc != SQLITE_DONE) return sql_error("list chunks without vectors");
        return chunks;
    }

    Result<int64_t> count_chunks_without_vectors(int64_t kb_id) override {
        Statement select(db_,
                         "SELECT count(*) FROM chunks c WHERE c.kb_id = ? AND NOT EXISTS "
                         "(SELECT 1 FROM chunk_vectors v WHERE v.chunk_id = c.id)");
        if (!select.valid()) return sql_error("prepare");
        select.bind(1, kb_id);
        if (select.step() != SQLITE_ROW) return sql_error("count chunks without vectors");
        return select.column_int(0);
    }

    Status put_vectors(int64_t kb_id, const std::vector<NewVector>& vectors) override {
        Result<std::optional<EmbeddingModelInfo>> model = embedding_model(kb_id);
        if (!model) return model.error();
        if (!model->has_value()) {
            return make_error(ErrorCode::INVALID_ARGUMENT,
                              "knowledge base has no embedding model: vectors cannot be stored");
        }
        const size_t dimension = (size_t)(*model)->dimension;
        for (const NewVector& vector : vectors) {
            if (vector.values.size() != dimension) {
                return make_error(ErrorCode::INVALID_ARGUMENT,
                                  "vector of chunk " + std::to_string(vector.chunk_id) + " has " +
                                      std::to_string(vector.values.size()) +
                                      " values; the knowledge base's dimension is " +
                                      std::to_string(dimension));
            }
            for (float value : vector.values) {
                if (!std::isfinite(value)) {
                    return make_error(ErrorCode::INVALID_ARGUMENT,
                                      "vector of chunk " + std::to_string(vector.chunk_id) +
                                          " has a value that is not finite");
                }
            }
        }
        SOUVERAIN_TRY(exec("BEGIN IMMEDIATE"));
        Status status = put_vectors_locked(kb_id, vectors);
        if (!status) {
            (void)exec("ROLLBACK");
            return status;
        }
        return exec("COMMIT");
    }

    Result<VectorState> vector_state(int64_t kb_id) override {
        Statement select(db_,
                         "SELECT count(*), coalesce(max(vector_id), 0) FROM chunk_vectors WHERE "
                         "kb_id = ?");
        if (!select.valid()) return sql_error("prepare");
        select.bind(1, kb_id);
        if (select.step() != SQLITE_ROW) return sql_error("read vector state");
        return VectorState{select.column_int(0), select.column_int(1)};
    }

    Status for_each_vector(int64_t kb_id, int64_t after_vector_id,
                           const std::function<void(const StoredVector&)>& visit) override {
        Statement select(db_,
                         "SELECT vector_id, chunk_id, vector FROM chunk_vectors WHERE kb_id = ? "
                         "AND vector_id > ? ORDER BY vector_id");
        if (!select.valid()) return sql_error("prepare");
        select.bind(1, kb_id);
        select.bind(2, after_vector_id);
        return visit_rows(select, visit);
    }

    Result<std::vector<int64_t>> vector_ids(int64_t kb_id) override {
        Statement select(db_,
                         "SELECT vector_id FROM chunk_vectors WHERE kb_id = ? ORDER BY vector_id");
        if (!select.valid()) return sql_error("prepare");
        select.bind(1, kb_id);
        std::vector<int64_t> ids;
        int rc;
        while ((rc = select.step()) == SQLITE_ROW) ids.push_back(select.column_int(0));
        if (rc != SQLITE_DONE) return sql_error("list vector ids");
        return ids;
    }

    Status load_vectors(int64_t kb_id, const std::vector<int64_t>& ids,
                        const std::function<void(const StoredVector&)>& visit) override {
        Statement select(db_,
                         "SELECT vector_id, chunk_id, vector FROM chunk_vectors WHERE kb_id = ? "
                         "AND vector_id = ?");
        if (!select.valid()) return sql_error("prepare");
        for (int64_t id : ids) {
            select.reset();
            select.bind(1, kb_id);
            select.bind(2, id);
            SOUVERAIN_TRY(visit_rows(select, visit));
        }
        return Status::success();
    }

    Result<std::vector<int64_t>> chunk_ids_of(int64_t kb_id,
                                              const std::vector<int64_t>& ids) override {
        Statement select(db_,
                         "SELECT chunk_id FROM chunk_vectors WHERE kb_id = ? AND vector_id = ?");
        if (!select.valid()) return sql_error("prepare");
        std::vector<int64_t> chunk_ids;
        chunk_ids.reserve(ids.size());
        for (int64_t id : ids) {
            select.reset();
            select.bind(1, kb_id);
            select.bind(2, id);
            const int rc = select.step();
            if (rc == SQLITE_ROW) {
                chunk_ids.push_back(select.column_int(0));
            } else if (rc == SQLITE_DONE) {
                chunk_ids.push_back(0);
            } else {
                return sql_error("find chunk of vector");
            }
        }
        return chunk_ids;
    }

private:
    Status exec(const char* sql) { return exec_sql(db_, sql, "vector store: "); }
    Error sql_error(const std::string& what) {
        return storage::sql_error(db_, "vector store: ", what);
    }

    Status visit_rows(Statement& select, const std::function<void(const StoredVector&)>& visit) {
        std::vector<float> values;
        int rc;
        while ((rc = select.step()) == SQLITE_ROW) {
            const std::string_view blob = select.column_view(2);
            if (blob.size() % sizeof(float) != 0) {
                return make_error(ErrorCode::FORMAT, "vector store: vector " +
                                                         std::to_string(select.column_int(0)) +
                                                         " has a truncated blob");
            }
            // Copied out: a blob pointer carries no alignment promise.
            values.resize(blob.size() / sizeof(float));
            if (!blob.empty()) std::memcpy(values.data(), blob.data(), blob.size());
            visit(StoredVector{select.column_int(0), select.column_int(1), values});
        }
        if (rc != SQLITE_DONE) return sql_error("read vectors");
        return Status::success();
    }

    Status set_model_locked(int64_t kb_id, const EmbeddingModelInfo& model) {
        Statement kb(db_, "SELECT 1 FROM kbs WHERE id = ?");
        if (!kb.valid()) return sql_error("prepare");
        kb.bind(1, kb_id);
        const int found = kb.step();
        if (found == SQLITE_DONE) {
            return make_error(ErrorCode::NOT_FOUND,
                              "no knowledge base with id " + std::to_string(kb_id));
        }
        if (found != SQLITE_ROW) return sql_error("find knowledge base");
        Result<std::optional<EmbeddingModelInfo>> existing = embedding_model(kb_id);
        if (!existing) return existing.error();
        if (existing->has_value()) {
            const EmbeddingModelInfo& old = **existing;
            if (old.name == model.name && old.dimension == model.dimension) {
                return Status::success();
            }
            return make_error(ErrorCode::ALREADY_EXISTS,
                              "knowledge base already embeds with '" + old.name + "' (" +
                                  std::to_string(old.dimension) + " dimensions), not '" +
                                  model.name + "'");
        }
        Statement insert(db_,
                         "INSERT INTO kb_embeddings (kb_id, model, path, dimension) VALUES "
                         "(?, ?, ?, ?)");
        if (!insert.valid()) return sql_error("prepare");
        insert.bind(1, kb_id);
        insert.bind_text(2, model.name);
        insert.bind_text(3, model.path);
        insert.bind(4, model.dimension);
        if (insert.step() != SQLITE_DONE) return sql_error("store embedding model");
        return Status::success();
    }

    Status put_vectors_locked(int64_t kb_id, const std::vector<NewVector>& vectors) {
        // Delete then insert, so that a replaced vector gets a new vector id and an index
        // built before sees the change.
        Statement del(db_, "DELETE FROM chunk_vectors WHERE chunk_id = ?");
        Statement insert(db_,
                         "INSERT INTO chunk_vectors (kb_id, chunk_id, vector) SELECT ?1, ?2, ?3 "
                         "WHERE EXISTS (SELECT 1 FROM chunks WHERE id = ?2 AND kb_id = ?1)");
        if (!del.valid() || !insert.valid()) return sql_error("prepare");
        for (const NewVector& vector : vectors) {
            del.reset();
            del.bind(1, vector.chunk_id);
            if (del.step() != SQLITE_DONE) return sql_error("replace vector");
            insert.reset();
            insert.bind(1, kb_id);
            insert.bind(2, vector.chunk_id);
            insert.bind_blob(3, std::string_view((const char*)vector.values.data(),
                                                 vector.values.size() * sizeof(float)));
            if (insert.step() != SQLITE_DONE) return sql_error("insert vector");
        }
        return Status::success();
    }

    sqlite3* db_;
};

}  // namespace

Result<std::unique_ptr<VectorStore>> open_sqlite_vector_store(const std::string& data_dir) {
    // The triggers name the Store's tables, which must exist first: opening the Store creates
    // them (and does nothing when they are there).
    Result<std::unique_ptr<Store>> store = open_sqlite_store(data_dir);
    if (!store) return store.error();
    store->reset();
    return open_sqlite_backend<VectorStore, SqliteVectorStore>(data_dir, "vector store");
}

}  // namespace souverain::storage
