// The tenant store over a real SQLite file, and tenant scoping of knowledge-base names,
// including the migration of a database written before tenants existed.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "storage/store.h"
#include "storage/tenant_store.h"
#include "test_paths.h"

namespace souverain::storage {
namespace {

ApiKeyRow key_row(const std::string& id, const std::string& tenant) {
    return ApiKeyRow{id, tenant, "user", "$argon2id$not-a-real-hash", "label", 1, std::nullopt};
}

TEST(TenantStoreTest, TenantsAreCreatedListedAndDeletedWithTheirKeys) {
    Result<std::unique_ptr<TenantStore>> store =
        open_sqlite_tenant_store(test::make_temp_dir("tenants"));
    ASSERT_TRUE(store) << store.error().message;
    TenantStore& s = **store;
    ASSERT_TRUE(s.create_tenant("ministry", true));
    ASSERT_TRUE(s.create_tenant("agency", false));
    Result<TenantRow> again = s.create_tenant("agency", false);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::ALREADY_EXISTS);

    Result<std::vector<TenantRow>> list = s.list_tenants();
    ASSERT_TRUE(list);
    ASSERT_EQ(list->size(), 2u);
    EXPECT_EQ((*list)[0].name, "agency");
    EXPECT_FALSE((*list)[0].operator_tenant);
    EXPECT_TRUE((*list)[1].operator_tenant);

    EXPECT_FALSE(*s.any_key());
    ASSERT_TRUE(s.insert_key(key_row("aaaa", "agency")));
    ASSERT_TRUE(s.insert_key(key_row("bbbb", "ministry")));
    EXPECT_TRUE(*s.any_key());
    EXPECT_EQ(s.insert_key(key_row("aaaa", "ministry")).error().code, ErrorCode::ALREADY_EXISTS);
    EXPECT_EQ(s.insert_key(key_row("cccc", "nobody")).error().code, ErrorCode::NOT_FOUND);

    ASSERT_TRUE(*s.delete_tenant("agency"));
    EXPECT_FALSE(*s.delete_tenant("agency"));
    EXPECT_FALSE(s.find_key("aaaa")->has_value());  // the keys went with it
    EXPECT_TRUE(s.find_key("bbbb")->has_value());
}

TEST(TenantStoreTest, PolicyFieldsKeepUnsetApartFromOff) {
    Result<std::unique_ptr<TenantStore>> store =
        open_sqlite_tenant_store(test::make_temp_dir("policy"));
    ASSERT_TRUE(store);
    ASSERT_TRUE((*store)->create_tenant("agency", false));
    EXPECT_FALSE((*(*store)->find_tenant("agency"))->policy.keep_texts.has_value());
    ASSERT_TRUE((*store)->set_policy("agency", TenantPolicy{false, true}));
    const TenantRow row = **(*store)->find_tenant("agency");
    ASSERT_TRUE(row.policy.keep_texts.has_value());
    EXPECT_FALSE(*row.policy.keep_texts);
    EXPECT_TRUE(*row.policy.disclosure_notice);
    EXPECT_EQ((*store)->set_policy("nobody", {}).error().code, ErrorCode::NOT_FOUND);
}

TEST(TenantStoreTest, RevokedKeysStayListedAndCountForAnyKey) {
    Result<std::unique_ptr<TenantStore>> store =
        open_sqlite_tenant_store(test::make_temp_dir("revoke"));
    ASSERT_TRUE(store);
    ASSERT_TRUE((*store)->create_tenant("agency", false));
    ASSERT_TRUE((*store)->insert_key(key_row("aaaa", "agency")));
    EXPECT_TRUE(*(*store)->revoke_key("aaaa"));
    EXPECT_FALSE(*(*store)->revoke_key("aaaa"));  // already revoked
    EXPECT_FALSE(*(*store)->revoke_key("zzzz"));
    Result<std::vector<ApiKeyRow>> keys = (*store)->list_keys("agency");
    ASSERT_TRUE(keys);
    ASSERT_EQ(keys->size(), 1u);
    EXPECT_TRUE((*keys)[0].revoked_at.has_value());
    // Revoking the last key must not make the server open again.
    EXPECT_TRUE(*(*store)->any_key());
}

TEST(SqliteStoreTenantsTest, KnowledgeBaseNamesAreUniquePerTenantOnly) {
    Result<std::unique_ptr<Store>> store = open_sqlite_store(test::make_temp_dir("kb_tenants"));
    ASSERT_TRUE(store);
    Result<KbInfo> a = (*store)->create_kb("ministry", "laws");
    Result<KbInfo> b = (*store)->create_kb("agency", "laws");
    ASSERT_TRUE(a && b);
    EXPECT_NE(a->id, b->id);
    EXPECT_EQ((*store)->create_kb("agency", "laws").error().code, ErrorCode::ALREADY_EXISTS);
    Result<std::optional<KbInfo>> found = (*store)->find_kb("agency", "laws");
    ASSERT_TRUE(found && found->has_value());
    EXPECT_EQ((*found)->id, b->id);
    EXPECT_EQ((*found)->tenant, "agency");
    EXPECT_FALSE((*store)->find_kb("default", "laws")->has_value());
    ASSERT_TRUE((*store)->create_kb("agency", "budget"));
    EXPECT_EQ((*store)->list_kbs("agency")->size(), 2u);
    EXPECT_EQ((*store)->list_kbs("ministry")->size(), 1u);
    EXPECT_TRUE((*store)->list_kbs("nobody")->empty());
}

TEST(SqliteStoreTenantsTest, ADatabaseFromBeforeTenantsGivesItsBasesToTenantDefault) {
    const std::string dir = test::make_temp_dir("migrate");
    {
        // The kbs table as it was written before tenants (name globally unique).
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open((std::filesystem::path(dir) / "souverain.db").c_str(), &db),
                  SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(db,
                               "CREATE TABLE kbs (id INTEGER PRIMARY KEY, name TEXT NOT NULL "
                               "UNIQUE, created_at INTEGER NOT NULL, index_dirty INTEGER NOT NULL "
                               "DEFAULT 0); INSERT INTO kbs VALUES (7, 'laws', 100, 1);",
                               nullptr, nullptr, nullptr),
                  SQLITE_OK);
        sqlite3_close(db);
    }
    Result<std::unique_ptr<Store>> store = open_sqlite_store(dir);
    ASSERT_TRUE(store) << store.error().message;
    Result<std::optional<KbInfo>> found = (*store)->find_kb(kDefaultTenant, "laws");
    ASSERT_TRUE(found && found->has_value());
    EXPECT_EQ((*found)->id, 7);  // ids kept: the other tables refer to them
    EXPECT_TRUE((*found)->index_dirty);
    EXPECT_EQ((*found)->created_at, 100);
    // The old global uniqueness is gone: another tenant may use the name.
    EXPECT_TRUE((*store)->create_kb("agency", "laws"));
    // Opening again leaves the migrated table alone.
    store = open_sqlite_store(dir);
    ASSERT_TRUE(store);
    EXPECT_EQ((*store)->list_kbs(kDefaultTenant)->size(), 1u);
    EXPECT_EQ((*store)->list_kbs("agency")->size(), 1u);
}

// A base's PII policy is stored with it; a database from before policies gets the column, every
// existing base "off", and a value this program does not know reads as the safe side.
TEST(SqliteStoreTenantsTest, PiiPoliciesAreStoredAndOldDatabasesGetThemOff) {
    const std::string dir = test::make_temp_dir("migrate_pii");
    {
        // The kbs table as it was with tenants and before policies.
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open((std::filesystem::path(dir) / "souverain.db").c_str(), &db),
                  SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(db,
                               "CREATE TABLE kbs (id INTEGER PRIMARY KEY, tenant TEXT NOT NULL "
                               "DEFAULT 'default', name TEXT NOT NULL, created_at INTEGER NOT "
                               "NULL, index_dirty INTEGER NOT NULL DEFAULT 0, UNIQUE (tenant, "
                               "name)); INSERT INTO kbs VALUES (3, 'agency', 'laws', 100, 0);",
                               nullptr, nullptr, nullptr),
                  SQLITE_OK);
        sqlite3_close(db);
    }
    Result<std::unique_ptr<Store>> store = open_sqlite_store(dir);
    ASSERT_TRUE(store) << store.error().message;
    Result<std::optional<KbInfo>> old = (*store)->find_kb("agency", "laws");
    ASSERT_TRUE(old && old->has_value());
    EXPECT_EQ((*old)->id, 3);
    EXPECT_EQ((*old)->pii, PiiPolicy::OFF);
    Result<KbInfo> hidden = (*store)->create_kb("agency", "cases", PiiPolicy::PSEUDONYMIZE);
    ASSERT_TRUE(hidden);
    EXPECT_EQ(hidden->pii, PiiPolicy::PSEUDONYMIZE);
    store = open_sqlite_store(dir);  // opening again: the column is there, nothing changes
    ASSERT_TRUE(store) << store.error().message;
    EXPECT_EQ((*(*store)->find_kb("agency", "cases"))->pii, PiiPolicy::PSEUDONYMIZE);
    EXPECT_EQ((*(*store)->find_kb("agency", "laws"))->pii, PiiPolicy::OFF);
    {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open((std::filesystem::path(dir) / "souverain.db").c_str(), &db),
                  SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(db, "UPDATE kbs SET pii = 'maybe' WHERE name = 'laws'", nullptr,
                               nullptr, nullptr),
                  SQLITE_OK);
        sqlite3_close(db);
    }
    EXPECT_EQ((*(*store)->find_kb("agency", "laws"))->pii, PiiPolicy::PSEUDONYMIZE);
    EXPECT_EQ(parse_pii_policy("pseudonymize"), PiiPolicy::PSEUDONYMIZE);
    EXPECT_EQ(parse_pii_policy("off"), PiiPolicy::OFF);
    EXPECT_FALSE(parse_pii_policy("Off"));
}

}  // namespace
}  // namespace souverain::storage
