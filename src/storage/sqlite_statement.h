#pragma once
// A prepared SQLite statement, finalized on destruction: shared by the SQLite backends of
// this folder (and only them: nothing outside src/storage/ speaks SQL).
//
// Thread-safety: as its connection; a Statement is used by one thread at a time.
#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace souverain::storage {

class Statement {
public:
    Statement(sqlite3* db, const char* sql) {
        if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) stmt_ = nullptr;
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    bool valid() const { return stmt_ != nullptr; }
    sqlite3_stmt* get() { return stmt_; }
    void bind(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
    void bind_text(int index, std::string_view value) {
        sqlite3_bind_text(stmt_, index, value.data(), (int)value.size(), SQLITE_TRANSIENT);
    }
    void bind_blob(int index, std::string_view value) {
        // A zero-length blob must still be non-NULL (the columns are NOT NULL).
        sqlite3_bind_blob(stmt_, index, value.empty() ? "" : value.data(), (int)value.size(),
                          SQLITE_TRANSIENT);
    }
    int step() { return sqlite3_step(stmt_); }
    void reset() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
    int64_t column_int(int index) { return sqlite3_column_int64(stmt_, index); }
    std::string_view column_view(int index) {
        const void* data = sqlite3_column_blob(stmt_, index);
        const int size = sqlite3_column_bytes(stmt_, index);
        return data == nullptr ? std::string_view() : std::string_view((const char*)data, size);
    }
    std::string column_string(int index) { return std::string(column_view(index)); }

private:
    sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace souverain::storage
