// API keys over a real SQLite tenant store: creation (shown once, stored as an argon2id hash),
// authentication, revocation seen at once by this process and by another one.
#include "governance/api_keys.h"

#include <gtest/gtest.h>

#include "governance/pii_pseudonymizer.h"

#include "test_paths.h"

namespace souverain::governance {
namespace {

std::unique_ptr<ApiKeys> open_keys(const std::string& dir) {
    Result<std::unique_ptr<ApiKeys>> keys = ApiKeys::open(dir, KeyHashCost::minimal());
    EXPECT_TRUE(keys) << keys.error().message;
    return keys ? std::move(*keys) : nullptr;
}

TEST(ApiKeysTest, TheFirstTenantIsTheOperatorAndNamesAreChecked) {
    std::unique_ptr<ApiKeys> keys = open_keys(test::make_temp_dir("keys"));
    ASSERT_TRUE(keys);
    Result<storage::TenantRow> first = keys->create_tenant("ministry", false);
    ASSERT_TRUE(first);
    EXPECT_TRUE(first->operator_tenant);
    Result<storage::TenantRow> second = keys->create_tenant("agency", false);
    ASSERT_TRUE(second);
    EXPECT_FALSE(second->operator_tenant);
    EXPECT_TRUE(keys->create_tenant("police", true)->operator_tenant);
    EXPECT_EQ(keys->create_tenant("Bad Name", false).error().code, ErrorCode::INVALID_ARGUMENT);
}

TEST(ApiKeysTest, AKeyAuthenticatesAsItsTenantAndRoleAndIsStoredOnlyAsAHash) {
    std::unique_ptr<ApiKeys> keys = open_keys(test::make_temp_dir("keys"));
    ASSERT_TRUE(keys);
    ASSERT_TRUE(keys->create_tenant("ministry", false));
    ASSERT_TRUE(keys->create_tenant("agency", false));
    Result<CreatedKey> created = keys->create_key("agency", Role::EDITOR, "ingestion robot");
    ASSERT_TRUE(created) << created.error().message;
    ASSERT_TRUE(parse_api_key(created->key));
    EXPECT_EQ(parse_api_key(created->key)->key_id, created->row.key_id);
    EXPECT_EQ(created->key.rfind("sk-souv-", 0), 0u);

    Result<std::optional<storage::ApiKeyRow>> row = keys->find_key(created->row.key_id);
    ASSERT_TRUE(row && row->has_value());
    EXPECT_EQ((*row)->hash.rfind("$argon2id$", 0), 0u);
    EXPECT_EQ((*row)->hash.find(parse_api_key(created->key)->secret), std::string::npos);
    EXPECT_EQ((*row)->label, "ingestion robot");

    for (int pass = 0; pass < 2; ++pass) {  // the second pass is served by the cache
        Result<std::optional<Principal>> principal = keys->authenticate(created->key);
        ASSERT_TRUE(principal && principal->has_value());
        EXPECT_EQ((*principal)->tenant, "agency");
        EXPECT_EQ((*principal)->role, Role::EDITOR);
        EXPECT_EQ((*principal)->key_id, created->row.key_id);
        EXPECT_FALSE((*principal)->operator_tenant);
    }
}

TEST(ApiKeysTest, WrongSecretsMalformedKeysAndUnknownIdsAreRefused) {
    std::unique_ptr<ApiKeys> keys = open_keys(test::make_temp_dir("keys"));
    ASSERT_TRUE(keys);
    ASSERT_TRUE(keys->create_tenant("agency", false));
    Result<CreatedKey> created = keys->create_key("agency", Role::USER, "");
    ASSERT_TRUE(created);
    std::string wrong = created->key;
    wrong.back() = wrong.back() == '0' ? '1' : '0';
    EXPECT_FALSE(keys->authenticate(wrong)->has_value());
    // After a success is cached, a wrong secret with the same id is still refused.
    ASSERT_TRUE(keys->authenticate(created->key)->has_value());
    EXPECT_FALSE(keys->authenticate(wrong)->has_value());
    std::string unknown_id = created->key;
    unknown_id[8] = unknown_id[8] == 'a' ? 'b' : 'a';
    EXPECT_FALSE(keys->authenticate(unknown_id)->has_value());
    for (const char* bad :
         {"", "sk-souv-", "Bearer x", "sk-souv-XYZ-123", "sk-souv-0123456789abcdef-short"}) {
        EXPECT_FALSE(keys->authenticate(bad)->has_value()) << bad;
    }
    EXPECT_EQ(keys->create_key("nobody", Role::USER, "").error().code, ErrorCode::NOT_FOUND);
}

TEST(ApiKeysTest, ARevokedKeyStopsAtOnceHereAndInAnotherProcess) {
    const std::string dir = test::make_temp_dir("keys");
    std::unique_ptr<ApiKeys> server = open_keys(dir);
    std::unique_ptr<ApiKeys> cli = open_keys(dir);  // as `souverain admin key revoke` would
    ASSERT_TRUE(server && cli);
    ASSERT_TRUE(server->create_tenant("agency", false));
    Result<CreatedKey> a = server->create_key("agency", Role::USER, "");
    Result<CreatedKey> b = server->create_key("agency", Role::USER, "");
    ASSERT_TRUE(a && b);
    ASSERT_TRUE(server->authenticate(a->key)->has_value());  // now cached
    ASSERT_TRUE(server->authenticate(b->key)->has_value());

    ASSERT_TRUE(server->revoke_key(a->row.key_id));
    EXPECT_FALSE(server->authenticate(a->key)->has_value());
    ASSERT_TRUE(cli->revoke_key(b->row.key_id));  // the server's cache is not told
    EXPECT_FALSE(server->authenticate(b->key)->has_value());
    EXPECT_EQ(server->revoke_key(a->row.key_id).error().code, ErrorCode::NOT_FOUND);
    EXPECT_TRUE(*server->keys_exist());
}

TEST(ApiKeysTest, DeletingATenantEndsItsKeys) {
    std::unique_ptr<ApiKeys> keys = open_keys(test::make_temp_dir("keys"));
    ASSERT_TRUE(keys);
    ASSERT_TRUE(keys->create_tenant("ministry", false));
    ASSERT_TRUE(keys->create_tenant("agency", false));
    Result<CreatedKey> key = keys->create_key("agency", Role::ADMIN, "");
    ASSERT_TRUE(key);
    ASSERT_TRUE(keys->authenticate(key->key)->has_value());
    ASSERT_TRUE(keys->delete_tenant("agency"));
    EXPECT_FALSE(keys->authenticate(key->key)->has_value());
    EXPECT_EQ(keys->delete_tenant("agency").error().code, ErrorCode::NOT_FOUND);
}

TEST(ApiKeysTest, TenantPseudonymKeysDifferAndDefaultKeepsTheDataDirectoryKey) {
    const PseudonymKey master = PseudonymKey::generate();
    EXPECT_EQ(PseudonymKey::for_tenant(master, "default").bytes(), master.bytes());
    const PseudonymKey a = PseudonymKey::for_tenant(master, "ministry");
    const PseudonymKey b = PseudonymKey::for_tenant(master, "agency");
    EXPECT_NE(a.bytes(), master.bytes());
    EXPECT_NE(a.bytes(), b.bytes());
    EXPECT_EQ(PseudonymKey::for_tenant(master, "agency").bytes(), b.bytes());
}

// The timing side channel of key ids: a refusal must cost one argon2id verification whatever
// the reason (unknown id, revoked key, wrong secret), so the answer's timing does not tell
// whether an id exists. Counted, not timed: a loaded machine cannot make this flaky.
TEST(ApiKeysTest, UnknownIdsAndRevokedKeysCostTheSameSlowHashAsAWrongSecret) {
    std::unique_ptr<ApiKeys> keys = open_keys(test::make_temp_dir("keys"));
    ASSERT_TRUE(keys);
    ASSERT_TRUE(keys->create_tenant("ministry", false));
    Result<CreatedKey> created = keys->create_key("ministry", Role::USER, "");
    ASSERT_TRUE(created);
    const std::string& key = created->key;
    std::string wrong_secret = key;
    wrong_secret.back() = wrong_secret.back() == '0' ? '1' : '0';
    std::string unknown_id = key;
    unknown_id[8] = unknown_id[8] == '0' ? '1' : '0';  // first hex digit of the id

    auto costs = [&](const std::string& presented, bool accepted) {
        const uint64_t before = keys->slow_verifications();
        Result<std::optional<Principal>> principal = keys->authenticate(presented);
        EXPECT_TRUE(principal);
        EXPECT_EQ(principal && principal->has_value(), accepted) << presented;
        return keys->slow_verifications() - before;
    };
    EXPECT_EQ(costs(wrong_secret, false), 1u);
    EXPECT_EQ(costs(unknown_id, false), 1u);
    EXPECT_EQ(costs(unknown_id, false), 1u);  // every time, not only the first
    EXPECT_EQ(costs(key, true), 1u);
    EXPECT_EQ(costs(key, true), 0u);  // cached: only the holder of the key gets this path
    ASSERT_TRUE(keys->revoke_key(created->row.key_id));
    EXPECT_EQ(costs(key, false), 1u);
    EXPECT_EQ(costs("sk-souv-not-a-key", false), 0u);  // no key's shape: refused at once
}

}  // namespace
}  // namespace souverain::governance
