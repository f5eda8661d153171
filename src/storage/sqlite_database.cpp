#include "storage/sqlite_database.h"

#include <filesystem>
#include <system_error>

namespace souverain::storage {

Result<OpenedDatabase> open_database(const std::string& data_dir, const std::string& store_name) {
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    if (ec) {
        return make_error(ErrorCode::IO,
                          "cannot create data directory '" + data_dir + "': " + ec.message());
    }
    OpenedDatabase opened;
    opened.path = (std::filesystem::path(data_dir) / "souverain.db").string();
    if (sqlite3_open_v2(opened.path.c_str(), &opened.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        nullptr) != SQLITE_OK) {
        std::string message = opened.db != nullptr ? sqlite3_errmsg(opened.db) : "out of memory";
        sqlite3_close_v2(opened.db);
        return make_error(ErrorCode::IO,
                          "cannot open " + store_name + " '" + opened.path + "': " + message);
    }
    return opened;
}

Status exec_sql(sqlite3* db, const char* sql, const std::string& prefix) {
    char* message = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        std::string text = message != nullptr ? message : sqlite3_errmsg(db);
        sqlite3_free(message);
        return make_error(ErrorCode::IO, prefix + text);
    }
    return Status::success();
}

Error sql_error(sqlite3* db, const std::string& prefix, const std::string& what) {
    return make_error(ErrorCode::IO, prefix + what + ": " + sqlite3_errmsg(db));
}

}  // namespace souverain::storage
