#pragma once
// Opening the data directory's SQLite file and the small error helpers that every SQLite
// backend of this folder shares (knowledge bases, audit log, register): one `souverain.db`
// per data directory, several stores on it.
//
// Thread-safety: as the connection given; the functions keep no state.
#include <sqlite3.h>

#include <memory>
#include <string>

#include "common/error.h"

namespace souverain::storage {

struct OpenedDatabase {
    sqlite3* db = nullptr;  // owned by the caller from here on (sqlite3_close_v2)
    std::string path;
};

// Creates `data_dir` when absent and opens (creating) `data_dir/souverain.db` read-write.
// `store_name` ("store", "audit store", ...) names the store in the error message.
Result<OpenedDatabase> open_database(const std::string& data_dir, const std::string& store_name);

// Runs `sql` (no results); an error message starts with `prefix` ("storage: ").
Status exec_sql(sqlite3* db, const char* sql, const std::string& prefix);

// An IO error "<prefix><what>: <SQLite's last message>".
Error sql_error(sqlite3* db, const std::string& prefix, const std::string& what);

// Opens the database and builds an Impl store on it (Impl(sqlite3*) takes ownership of the
// connection; Impl::init() creates its tables), with "cannot open <store_name> '<path>': ..."
// errors.
template <typename Interface, typename Impl>
Result<std::unique_ptr<Interface>> open_sqlite_backend(const std::string& data_dir,
                                                       const std::string& store_name) {
    Result<OpenedDatabase> opened = open_database(data_dir, store_name);
    if (!opened) return opened.error();
    auto store = std::make_unique<Impl>(opened->db);
    Status status = store->init();
    if (!status) {
        return make_error(status.error().code, "cannot open " + store_name + " '" + opened->path +
                                                   "': " + status.error().message);
    }
    return std::unique_ptr<Interface>(std::move(store));
}

}  // namespace souverain::storage
