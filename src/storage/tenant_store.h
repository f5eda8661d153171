#pragma once
// The storage interface of tenants and their API keys.
//
//   tenants   keyed by name: when created, whether it is the operator tenant (may manage the
//             other tenants), and its policy (keep texts in the audit log, visible disclosure
//             notice; unset: the server's flags decide).
//   api keys  keyed by key id: the tenant, the role (a name from governance/access_control.h,
//             not interpreted here), the argon2id hash of the whole key (the secret itself is
//             never stored), a label, when created and when revoked.
//
// Hashing and verifying keys belong to src/governance/ (api_keys.h): the store keeps the hash
// string and does not interpret it, so a PostgreSQL backend is one more implementation.
//
// Ownership: a TenantStore owns its connection; rows are plain values copied out.
// Thread-safety: every call is safe from any thread (the SQLite backend serializes calls on an
// internal mutex). Durability: every mutating call is one transaction.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace souverain::storage {

// The tenant of everything written before tenants existed, and of every request to a server
// that has no API keys.
inline constexpr const char* kDefaultTenant = "default";

struct TenantPolicy {
    std::optional<bool> keep_texts;         // unset: the server's --audit-keep-texts
    std::optional<bool> disclosure_notice;  // unset: the server's --disclosure-notice
};

struct TenantRow {
    std::string name;
    int64_t created_at = 0;  // Unix seconds
    bool operator_tenant = false;
    TenantPolicy policy;
};

struct ApiKeyRow {
    std::string key_id;  // public part of the key, finds the row
    std::string tenant;
    std::string role;
    std::string hash;  // argon2id string (libsodium crypto_pwhash_str format)
    std::string label;
    int64_t created_at = 0;
    std::optional<int64_t> revoked_at;  // set: the key no longer authenticates
};

class TenantStore {
public:
    virtual ~TenantStore() = default;

    // ALREADY_EXISTS when the name is taken.
    virtual Result<TenantRow> create_tenant(const std::string& name, bool operator_tenant) = 0;
    virtual Result<std::optional<TenantRow>> find_tenant(const std::string& name) = 0;
    // Every tenant, by name.
    virtual Result<std::vector<TenantRow>> list_tenants() = 0;
    // Removes the tenant and every key of it; false when there was no such tenant.
    virtual Result<bool> delete_tenant(const std::string& name) = 0;
    // NOT_FOUND when the tenant does not exist.
    virtual Status set_policy(const std::string& name, const TenantPolicy& policy) = 0;

    // ALREADY_EXISTS when the key id is taken; NOT_FOUND when the tenant does not exist.
    virtual Status insert_key(const ApiKeyRow& key) = 0;
    virtual Result<std::optional<ApiKeyRow>> find_key(const std::string& key_id) = 0;
    // The keys of a tenant (revoked ones too), oldest first.
    virtual Result<std::vector<ApiKeyRow>> list_keys(const std::string& tenant) = 0;
    // Marks the key revoked (now); false when there was no such key or it was already revoked.
    virtual Result<bool> revoke_key(const std::string& key_id) = 0;
    // Whether any key was ever created (revoked ones count: revoking the last key must not
    // open the server to anonymous requests).
    virtual Result<bool> any_key() = 0;
};

// Opens (creating when absent) the tenant tables in `data_dir/souverain.db` (WAL mode), the
// same file as the knowledge-base store, through a connection of its own.
Result<std::unique_ptr<TenantStore>> open_sqlite_tenant_store(const std::string& data_dir);

}  // namespace souverain::storage
